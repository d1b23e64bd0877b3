//! The council's structure, the province's commune councils, the agencies,
//! and the council's rules.

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use nghitruong_domain::org::{Body, BodyKind, Council, CouncilLevel};
use nghitruong_domain::rules::{CouncilRules, Denominator, MajorityRule, Ratio};
use nghitruong_store::{CouncilFilter, Member};
use serde::Deserialize;

use super::home::{CouncilFacts, facts};
use super::{current, local_day};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;

/// A body with the people in it.
pub(crate) struct BodyView {
    pub(crate) body: Body,
    pub(crate) members: Vec<MemberRow>,
}

/// A person in a body, once, with every role they hold there.
pub(crate) struct MemberRow {
    pub(crate) name: String,
    pub(crate) roles: String,
    pub(crate) status: &'static str,
}

/// One row per person: a Trưởng đoàn who is also a deputy of the Delegation
/// is listed once as "Trưởng, Đại biểu". "Chuyên trách" is said only of
/// elected posts, where it distinguishes full-time from part-time.
fn member_rows(kind: BodyKind, members: Vec<Member>) -> Vec<MemberRow> {
    let elected = !matches!(kind, BodyKind::Office);
    let mut rows: Vec<(i64, MemberRow)> = Vec::new();
    for m in members {
        let mut role = m.position.role.label().to_owned();
        if elected && m.position.full_time {
            role.push_str(" (chuyên trách)");
        }
        match rows.iter_mut().find(|(id, _)| *id == m.person.id) {
            Some((_, row)) => {
                row.roles.push_str(", ");
                row.roles.push_str(&role);
            }
            None => rows.push((
                m.person.id,
                MemberRow {
                    name: m.person.full_name,
                    roles: role,
                    status: m.person.status.label(),
                },
            )),
        }
    }
    rows.into_iter().map(|(_, row)| row).collect()
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct StructurePage {
    layout: Layout,
    facts: CouncilFacts,
    bodies: Vec<BodyView>,
    back_to_list: bool,
}

async fn structure_of(state: &AppState, council: &Council) -> AppResult<Vec<BodyView>> {
    let today = local_day(state.clock.now());
    let mut out = Vec::new();
    for body in state.store.bodies(council.id).await? {
        let internal = matches!(
            body.kind,
            BodyKind::Council
                | BodyKind::StandingCommittee
                | BodyKind::Committee
                | BodyKind::NaDelegation
                | BodyKind::Office
        );
        if internal {
            let members = member_rows(body.kind, state.store.members(body.id, today).await?);
            out.push(BodyView { body, members });
        }
    }
    // Leadership first; the full list of deputies, the longest, last.
    out.sort_by_key(|v| match v.body.kind {
        BodyKind::StandingCommittee => 0,
        BodyKind::Committee => 1,
        BodyKind::NaDelegation => 2,
        BodyKind::Office => 3,
        _ => 4,
    });
    Ok(out)
}

pub(crate) async fn structure(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Html<String>> {
    let council = current(&viewer)?;
    let page = StructurePage {
        layout: Layout::signed(&state, &viewer, &csrf, "Cơ cấu tổ chức", "/to-chuc").await?,
        facts: facts(&state, council).await?,
        bodies: structure_of(&state, council).await?,
        back_to_list: false,
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    trang: Option<String>,
}

const PAGE_SIZE: i64 = 30;

/// A row of the councils list.
pub(crate) struct CouncilRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) unit_code: String,
    pub(crate) term: String,
    pub(crate) seats: u16,
    pub(crate) in_office: i64,
}

#[derive(Template)]
#[template(path = "councils.html")]
struct CouncilsPage {
    layout: Layout,
    list: CouncilList,
}

#[derive(Template)]
#[template(path = "councils_list_partial.html")]
struct CouncilList {
    q: String,
    total: i64,
    rows: Vec<CouncilRow>,
    page: i64,
    pages: i64,
}

pub(crate) async fn councils(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let q: String = query.q.trim().chars().take(100).collect();
    let page = super::page_number(query.trang.as_deref(), 1000);
    let filter = CouncilFilter {
        level: Some(CouncilLevel::Commune),
        province_code: Some(council.unit_code.clone()),
        query: (!q.is_empty()).then(|| q.clone()),
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
        today: Some(local_day(state.clock.now())),
        ..Default::default()
    };
    let (found, total) = state.store.councils(&filter).await?;
    let rows = found
        .into_iter()
        .map(|s| CouncilRow {
            id: s.council.id,
            term: format!("Khóa {}", s.council.term.roman()),
            seats: s.council.seats_statutory,
            in_office: s.deputies_in_office,
            unit_code: s.council.unit_code,
            name: s.council.name,
        })
        .collect();
    let list = CouncilList {
        q,
        total,
        rows,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    };
    if headers.contains_key("hx-request") {
        return Ok(Html(list.render()?).into_response());
    }
    let layout = Layout::signed(&state, &viewer, &csrf, "HĐND cấp xã", "/hoi-dong").await?;
    Ok(Html(CouncilsPage { layout, list }.render()?).into_response())
}

pub(crate) async fn council(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let province = current(&viewer)?;
    let target = state.store.council(id).await?;
    // The province sees its own communes only.
    let units = state.store.units(Some(&province.unit_code)).await?;
    if target.level != CouncilLevel::Commune || !units.iter().any(|u| u.code == target.unit_code) {
        return Err(AppError::NotFound);
    }
    let page = StructurePage {
        layout: Layout::signed(&state, &viewer, &csrf, &target.name, "/hoi-dong").await?,
        facts: facts(&state, &target).await?,
        bodies: structure_of(&state, &target).await?,
        back_to_list: true,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    layout: Layout,
    council_name: String,
    agencies: Vec<Body>,
}

pub(crate) async fn agencies(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Html<String>> {
    let council = current(&viewer)?;
    let agencies = state
        .store
        .bodies(council.id)
        .await?
        .into_iter()
        .filter(|b| b.kind.is_agency())
        .collect();
    let page = AgenciesPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Cơ quan giải quyết", "/co-quan").await?,
        council_name: council.name.clone(),
        agencies,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    layout: Layout,
    council_name: String,
    rules: CouncilRules,
    can_edit: bool,
    pass_opts: Vec<Opt>,
    dismiss_opts: Vec<Opt>,
    degraded_opts: Vec<Opt>,
    denominator_opts: Vec<Opt>,
    reminders: String,
    consultation_reminders: String,
    error: Option<String>,
    saved: bool,
}

async fn rules_page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    rules: CouncilRules,
    error: Option<String>,
    saved: bool,
) -> AppResult<String> {
    let council = current(viewer)?;
    let page = RulesPage {
        layout: Layout::signed(state, viewer, csrf, "Quy chế", "/quy-che").await?,
        council_name: council.name.clone(),
        rules: rules.clone(),
        can_edit: viewer.can(nghitruong_domain::access::Permission::EditRules),
        pass_opts: majority_opts(rules.pass_rule),
        dismiss_opts: majority_opts(rules.dismiss_rule),
        degraded_opts: majority_opts(rules.degraded_rule),
        denominator_opts: Denominator::ALL
            .iter()
            .map(|d| Opt {
                value: d.as_str(),
                label: d.label(),
                selected: *d == rules.denominator,
            })
            .collect(),
        reminders: rules
            .deadlines
            .reminder_days_before
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        consultation_reminders: rules
            .deadlines
            .consultation_reminder_days_before
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        error,
        saved,
    };
    Ok(page.render()?)
}

/// An option of a select.
pub(crate) struct Opt {
    pub(crate) value: &'static str,
    pub(crate) label: &'static str,
    pub(crate) selected: bool,
}

fn majority_opts(current: MajorityRule) -> Vec<Opt> {
    MajorityRule::ALL
        .iter()
        .map(|r| Opt {
            value: r.as_str(),
            label: r.label(),
            selected: *r == current,
        })
        .collect()
}

pub(crate) async fn rules(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Html<String>> {
    let rules = current(&viewer)?.rules.clone();
    Ok(Html(
        rules_page(&state, &viewer, &csrf, rules, None, false).await?,
    ))
}

#[derive(Deserialize)]
pub(crate) struct RulesForm {
    pass_rule: String,
    dismiss_rule: String,
    degraded_rule: String,
    denominator: String,
    quorum_num: String,
    quorum_den: String,
    approve: String,
    reject: String,
    abstain: String,
    petition_answer_days: String,
    #[serde(default)]
    petition_answer_working_days: Option<String>,
    central_answer_days: String,
    delegation_forward_days: String,
    report_before_session_days: String,
    explanation_days: String,
    explanation_complex_days: String,
    reminder_days_before: String,
    /// Absent from older forms: the stored days stay.
    #[serde(default)]
    consultation_reminder_days_before: Option<String>,
    speaking_seconds: String,
}

fn number(field: &str, s: &str) -> Result<u32, String> {
    s.trim()
        .parse::<u32>()
        .map_err(|_| format!("{field} phải là số nguyên từ 0 đến 4.294.967.295."))
}

fn parse_rules(f: &RulesForm, base: &CouncilRules) -> Result<CouncilRules, String> {
    let rule = |s: &str| {
        s.parse::<MajorityRule>()
            .map_err(|_| "Điều kiện thông qua không hợp lệ.".to_owned())
    };
    let mut r = base.clone();
    r.pass_rule = rule(&f.pass_rule)?;
    r.dismiss_rule = rule(&f.dismiss_rule)?;
    r.degraded_rule = rule(&f.degraded_rule)?;
    r.denominator = f
        .denominator
        .parse()
        .map_err(|_| "Mẫu số không hợp lệ.".to_owned())?;
    r.quorum_warning = Ratio {
        num: number("Tử số tỷ lệ cảnh báo", &f.quorum_num)?,
        den: number("Mẫu số tỷ lệ cảnh báo", &f.quorum_den)?,
    };
    r.vote_labels.approve = f.approve.trim().to_owned();
    r.vote_labels.reject = f.reject.trim().to_owned();
    r.vote_labels.abstain = f.abstain.trim().to_owned();
    let d = &mut r.deadlines;
    d.petition_answer_days = number("Thời hạn trả lời kiến nghị", &f.petition_answer_days)?;
    d.petition_answer_working_days = f.petition_answer_working_days.is_some();
    d.central_answer_days = number("Thời hạn bộ, ngành trả lời", &f.central_answer_days)?;
    d.delegation_forward_days = number(
        "Thời hạn Đoàn ĐBQH chuyển kiến nghị",
        &f.delegation_forward_days,
    )?;
    d.report_before_session_days = number(
        "Thời hạn báo cáo trước kỳ họp",
        &f.report_before_session_days,
    )?;
    d.explanation_days = number("Thời hạn giải trình", &f.explanation_days)?;
    d.explanation_complex_days = number(
        "Thời hạn giải trình vụ việc phức tạp",
        &f.explanation_complex_days,
    )?;
    d.reminder_days_before = f
        .reminder_days_before
        .split([',', ' ', ';'])
        .filter(|s| !s.trim().is_empty())
        .map(|s| number("Ngày nhắc trước hạn", s))
        .collect::<Result<_, _>>()?;
    if d.reminder_days_before.len() > 10 {
        return Err("Tối đa 10 mốc nhắc trước hạn.".into());
    }
    if let Some(days) = &f.consultation_reminder_days_before {
        d.consultation_reminder_days_before = days
            .split([',', ' ', ';'])
            .filter(|s| !s.trim().is_empty())
            .map(|s| number("Ngày nhắc trả lời xin ý kiến", s))
            .collect::<Result<_, _>>()?;
    }
    r.speaking_seconds = number("Thời gian phát biểu", &f.speaking_seconds)?;
    r.validate().map_err(|e| e.to_string())?;
    Ok(r)
}

pub(crate) async fn save_rules(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Form(form): Form<RulesForm>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    match parse_rules(&form, &council.rules) {
        Ok(rules) => {
            let ctx = audit_context(&state, &viewer, &headers);
            state
                .store
                .update_council_rules(council.id, &rules, &ctx)
                .await?;
            state.viewers.forget_all();
            Ok(Html(rules_page(&state, &viewer, &csrf, rules, None, true).await?).into_response())
        }
        Err(message) => {
            // Show the form as typed would need every field echoed; the
            // stored rules stay and the message says what to fix.
            let stored = council.rules.clone();
            let html = rules_page(&state, &viewer, &csrf, stored, Some(message), false).await?;
            Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
        }
    }
}
