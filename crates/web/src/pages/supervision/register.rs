//! Sổ nghị quyết: the council's resolutions with their relations and the
//! status in force computed from them; a province sees its communes'
//! resolutions too. Search, filters, entry by hand.

use std::collections::HashMap;

use crate::form::Form;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::access::Permission as P;
use nghitruong_domain::org::{CommitteeKind, CouncilLevel};
use nghitruong_domain::resolution::{
    Cause, InForceStatus, Register, RegisterIssue, Relation, RelationKind, Resolution,
    ResolutionKind, ResolutionNumber,
};
use nghitruong_domain::text::fold;
use nghitruong_store::CouncilFilter;
use serde::Deserialize;

use super::{Fields, agencies, current, ids, parse_day, rule};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::pages::{local_date, local_day, refusal};

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

#[derive(Deserialize, Default)]
pub(crate) struct RegisterQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    loai: String,
    #[serde(default)]
    linh_vuc: String,
    #[serde(default)]
    nam: String,
    #[serde(default)]
    hieu_luc: String,
    #[serde(default)]
    cap: String,
}

struct Row {
    id: i64,
    number: String,
    title: String,
    council: String,
    kind: &'static str,
    field: &'static str,
    adopted: String,
    status: &'static str,
    status_class: &'static str,
    relations: Vec<String>,
}

#[derive(Template)]
#[template(path = "resolutions.html")]
struct RegisterPage {
    layout: Layout,
    council_name: String,
    rows: Vec<Row>,
    total: usize,
    q: String,
    kinds: Vec<(&'static str, &'static str, bool)>,
    fields: Vec<(&'static str, &'static str, bool)>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    years: Vec<(i32, bool)>,
    with_communes: bool,
    province: bool,
    can_manage: bool,
    relation_kinds: Vec<(&'static str, &'static str)>,
    agencies: Vec<(i64, String)>,
    own: Vec<(i64, String)>,
    issues: Vec<String>,
    today: String,
}

/// What one relation says, seen from `id`'s side.
fn describe(r: &Relation, id: i64, numbers: &HashMap<i64, String>) -> String {
    let n = |x: &i64| numbers.get(x).cloned().unwrap_or_else(|| format!("#{x}"));
    let part = if r.provisions.trim().is_empty() {
        String::new()
    } else {
        format!(" ({})", r.provisions.trim())
    };
    if r.actor == id {
        format!("{} {}{part}", r.kind.label(), n(&r.target))
    } else {
        let passive = match r.kind {
            RelationKind::Replaces => "Bị thay thế bởi",
            RelationKind::Amends => "Được sửa đổi, bổ sung bởi",
            RelationKind::Repeals => "Bị bãi bỏ bởi",
            RelationKind::PartlyRepeals => "Bị bãi bỏ một phần bởi",
            RelationKind::Guides => "Được hướng dẫn bởi",
        };
        format!("{passive} {}{part}", n(&r.actor))
    }
}

fn status_class(s: InForceStatus) -> &'static str {
    match s {
        InForceStatus::InForce => "tag tag-done",
        InForceStatus::Ended => "tag tag-overdue",
        _ => "tag",
    }
}

/// The register of the viewer's council (with its communes' for a
/// province when asked), filtered as the query says.
pub(crate) async fn page(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<RegisterQuery>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let today = local_day(state.clock.now());
    let province = council.level == CouncilLevel::Province;
    let with_communes = province && q.cap == "xa";
    let mut councils: HashMap<i64, String> = HashMap::new();
    councils.insert(council.id, council.name.clone());
    if with_communes {
        let (communes, _) = state
            .store
            .councils(&CouncilFilter {
                level: Some(CouncilLevel::Commune),
                province_code: Some(council.unit_code.clone()),
                limit: 5_000,
                ..Default::default()
            })
            .await?;
        for c in communes {
            councils.insert(c.council.id, c.council.name);
        }
    }
    let ids_list: Vec<i64> = councils.keys().copied().collect();
    let register: Register = state.store.register(&ids_list).await?;
    let statuses = register.statuses_at(today);
    let numbers: HashMap<i64, String> = register
        .resolutions()
        .iter()
        .map(|(id, r)| (*id, r.number.to_string()))
        .collect();
    let kind: Option<ResolutionKind> = q.loai.parse().ok();
    let field: Option<CommitteeKind> = q.linh_vuc.parse().ok();
    let year: Option<i32> = q.nam.parse().ok();
    let status: Option<InForceStatus> = q.hieu_luc.parse().ok();
    let needle = fold(q.q.trim());
    let mut years: Vec<i32> = register
        .resolutions()
        .values()
        .map(|r| r.adopted_on.year())
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let mut rows: Vec<Row> = register
        .resolutions()
        .values()
        .filter(|r| councils.contains_key(&r.council_id))
        .filter(|r| kind.is_none_or(|k| r.kind() == k))
        .filter(|r| field.is_none_or(|f| r.field == Some(f)))
        .filter(|r| year.is_none_or(|y| r.adopted_on.year() == y))
        .filter(|r| status.is_none_or(|s| statuses.get(&r.id) == Some(&s)))
        .filter(|r| {
            needle.is_empty()
                || fold(&r.title).contains(&needle)
                || fold(&r.number.to_string()).contains(&needle)
        })
        .map(|r| {
            let s = statuses
                .get(&r.id)
                .copied()
                .unwrap_or(InForceStatus::InForce);
            let mut relations: Vec<String> = register
                .relations()
                .iter()
                .filter(|rel| rel.actor == r.id || rel.target == r.id)
                .map(|rel| describe(rel, r.id, &numbers))
                .collect();
            if let Some(v) = register.validity_at(r.id, today)
                && let Some(end) = v.ends
                && matches!(end.cause, Cause::Expired)
            {
                relations.push(format!("Hết thời hạn từ {}", local_date(end.on)));
            }
            Row {
                id: r.id,
                number: r.number.to_string(),
                title: r.title.clone(),
                council: councils.get(&r.council_id).cloned().unwrap_or_default(),
                kind: r.kind().label(),
                field: r.field.map_or("", |f| f.label()),
                adopted: local_date(r.adopted_on),
                status: s.label(),
                status_class: status_class(s),
                relations,
            }
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    let can_manage = viewer.can(P::ManageResolutions);
    let own: Vec<(i64, String)> = register
        .resolutions()
        .values()
        .filter(|r| r.council_id == council.id)
        .map(|r| {
            (
                r.id,
                format!("{} — {}", r.number, super::jobs::short(&r.title)),
            )
        })
        .collect();
    let n = |x: &i64| numbers.get(x).cloned().unwrap_or_else(|| format!("#{x}"));
    let issues = register
        .issues()
        .iter()
        .map(|i| match i {
            RegisterIssue::UnknownResolution { actor, target } => format!(
                "Quan hệ giữa {} và {} trỏ tới nghị quyết không có trong sổ.",
                n(actor),
                n(target)
            ),
            RegisterIssue::SelfRelation(id) => {
                format!("Nghị quyết {} có quan hệ với chính nó.", n(id))
            }
            RegisterIssue::DuplicateNumber(a, b) => {
                format!("Nghị quyết {} và {} trùng số ký hiệu.", n(a), n(b))
            }
            RegisterIssue::Cycle(ids) => format!(
                "Các nghị quyết tác động lẫn nhau thành vòng: {}.",
                ids.iter().map(n).collect::<Vec<_>>().join(", ")
            ),
        })
        .collect();
    let page = RegisterPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Sổ nghị quyết", "/nghi-quyet").await?,
        council_name: council.name.clone(),
        total: rows.len(),
        rows,
        q: q.q.clone(),
        kinds: ResolutionKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label(), Some(*k) == kind))
            .collect(),
        fields: CommitteeKind::ALL
            .iter()
            .map(|f| (f.as_str(), f.label(), Some(*f) == field))
            .collect(),
        statuses: InForceStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(), Some(*s) == status))
            .collect(),
        years: years.into_iter().map(|y| (y, Some(y) == year)).collect(),
        with_communes,
        province,
        can_manage,
        relation_kinds: RelationKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        agencies: if can_manage {
            agencies(&state, council.id).await?
        } else {
            Vec::new()
        },
        own,
        issues,
        today: today.to_string(),
    };
    Ok(Html(page.render()?).into_response())
}

/// Enters a resolution by hand.
pub(crate) async fn add(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(form);
    let council = current(&viewer)?;
    let number: ResolutionNumber = f.one("number").parse().map_err(rule)?;
    let adopted_on =
        parse_day(f.one("adopted_on")).ok_or_else(|| bad("Ngày thông qua không hợp lệ."))?;
    let opt_day = |name: &str, what: &str| -> AppResult<Option<time::Date>> {
        match f.one(name).trim() {
            "" => Ok(None),
            s => parse_day(s)
                .map(Some)
                .ok_or_else(|| bad(format!("{what} không hợp lệ."))),
        }
    };
    let field = match f.one("field").trim() {
        "" => None,
        s => Some(
            s.parse::<CommitteeKind>()
                .map_err(|_| bad("Lĩnh vực không hợp lệ."))?,
        ),
    };
    let known: Vec<i64> = agencies(&state, council.id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let bodies = ids(&f.all("body"));
    if bodies.iter().any(|b| !known.contains(b)) {
        return Err(bad(
            "Cơ quan tổ chức thực hiện không thuộc danh sách cơ quan.",
        ));
    }
    let mut resolution = Resolution {
        id: 0,
        council_id: council.id,
        number,
        title: f.one("title").to_owned(),
        adopted_on,
        effective_from: opt_day("effective_from", "Ngày có hiệu lực")?,
        in_force_until: opt_day("in_force_until", "Ngày hết hiệu lực")?,
        field,
        implementing_bodies: bodies,
        reporting: Vec::new(),
    };
    resolution.validate().map_err(rule)?;
    let kind = resolution.kind();
    state
        .store
        .add_resolution(&resolution, kind, &audit_context(&state, &viewer, &headers))
        .await
        .map_err(refusal)?;
    Ok(Redirect::to("/nghi-quyet").into_response())
}

/// Records that one resolution replaces, amends, repeals or details another.
pub(crate) async fn relate(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(form);
    let council = current(&viewer)?;
    let actor: i64 = f
        .one("actor")
        .parse()
        .map_err(|_| bad("Hãy chọn nghị quyết ban hành sau."))?;
    let target: i64 = f
        .one("target")
        .parse()
        .map_err(|_| bad("Hãy chọn nghị quyết bị tác động."))?;
    let kind: RelationKind = f
        .one("kind")
        .parse()
        .map_err(|_| bad("Hãy chọn loại quan hệ."))?;
    let a = state.store.resolution(actor).await?;
    if a.council_id != council.id {
        return Err(AppError::NotFound);
    }
    state.store.resolution(target).await?;
    let effective_on = match f.one("effective_on").trim() {
        "" => None,
        s => Some(parse_day(s).ok_or_else(|| bad("Ngày có hiệu lực không hợp lệ."))?),
    };
    let provisions = nghitruong_domain::text::clean_line("Điều, khoản", f.one("provisions"), 300)
        .map_err(rule)?;
    state
        .store
        .add_relation(
            &Relation {
                actor,
                kind,
                target,
                effective_on,
                provisions,
            },
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(refusal)?;
    Ok(Redirect::to("/nghi-quyet").into_response())
}
