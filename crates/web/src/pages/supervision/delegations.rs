//! Chương trình giám sát năm and đoàn giám sát: the year's programme, a
//! delegation from its founding decision through plan, reports, visits and
//! conclusion to its recommendations handed out as tasks, and the file
//! closed when every task is done.

use std::collections::{BTreeSet, HashMap};

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::access::Permission as P;
use nghitruong_domain::petition::DocumentRef;
use nghitruong_domain::supervision::{
    Conclusion, Conductor, Delegation, Member, MemberRole, Plan, Programme, ProgrammeTopic,
    Recommendation, Stream, SubjectReport, TaskPlan, Visit,
};
use nghitruong_domain::text;
use nghitruong_store::{NewDelegation, TaskFilter};

use super::tasks::{TaskRow, task_row};
use super::{Fields, agencies, agency_side, body_names, current, ids, parse_day, rule};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::pages::{local_date, local_day, refusal};

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

/// How many recommendations the conclusion form offers at once.
pub(super) const RECOMMENDATION_ROWS: usize = 8;

struct DelegationRow {
    id: i64,
    topic: String,
    conductor: &'static str,
    status: &'static str,
    decision: String,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct OverviewPage {
    layout: Layout,
    council_name: String,
    year: i32,
    topics: Vec<(String, &'static str, &'static str, String)>,
    programme_doc: String,
    delegations: Vec<DelegationRow>,
    can_manage: bool,
    streams: Vec<(&'static str, &'static str)>,
    conductors: Vec<(&'static str, &'static str)>,
}

/// The programme of the year and the delegations; an agency officer goes
/// to their tasks.
pub(crate) async fn overview(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    if agency_side(&viewer).is_some() || !viewer.can(P::ViewSessions) {
        return Ok(Redirect::to("/giam-sat/nhiem-vu").into_response());
    }
    let council = current(&viewer)?;
    let year = local_day(state.clock.now()).year();
    let programme = state.store.programme(council.id, year).await?;
    let delegations = state.store.delegations(council.id).await?;
    let page = OverviewPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Giám sát", "/giam-sat").await?,
        council_name: council.name.clone(),
        year,
        programme_doc: programme
            .as_ref()
            .and_then(|p| p.adopted_by.as_ref())
            .map(|d| format!("{} ngày {}", d.number, local_date(d.date)))
            .unwrap_or_default(),
        topics: programme
            .map(|p| {
                p.topics
                    .into_iter()
                    .map(|t| {
                        (
                            t.title,
                            t.stream.label(),
                            t.conductor.label(),
                            t.quarter.map(|q| format!("Quý {q}")).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        delegations: delegations
            .into_iter()
            .map(|d| DelegationRow {
                id: d.value.id(),
                topic: d.value.topic().to_owned(),
                conductor: d.value.conductor().label(),
                status: d.value.status().label(),
                decision: d
                    .value
                    .decision()
                    .map(|d| format!("{} ngày {}", d.number, local_date(d.date)))
                    .unwrap_or_default(),
            })
            .collect(),
        can_manage: viewer.can(P::ManageSupervision),
        streams: Stream::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        conductors: Conductor::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// Adds a topic to the programme of the year (the programme is created
/// with its first topic).
pub(crate) async fn add_topic(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(form);
    let council = current(&viewer)?;
    let year = local_day(state.clock.now()).year();
    let title = text::clean_line("Nội dung giám sát", f.one("title"), 500).map_err(rule)?;
    if title.is_empty() {
        return Err(bad("Hãy nhập nội dung giám sát."));
    }
    let stream: Stream = f
        .one("stream")
        .parse()
        .map_err(|_| bad("Hãy chọn mảng công tác giám sát."))?;
    let conductor: Conductor = f
        .one("conductor")
        .parse()
        .map_err(|_| bad("Hãy chọn chủ thể giám sát."))?;
    let quarter = match f.one("quarter").trim() {
        "" => None,
        q => Some(
            q.parse::<u8>()
                .ok()
                .filter(|q| (1..=4).contains(q))
                .ok_or_else(|| bad("Quý phải từ 1 đến 4."))?,
        ),
    };
    let mut programme = state
        .store
        .programme(council.id, year)
        .await?
        .unwrap_or(Programme {
            id: 0,
            council_id: council.id,
            year,
            adopted_by: None,
            topics: Vec::new(),
        });
    if !f.one("programme_number").trim().is_empty() {
        programme.adopted_by = Some(DocumentRef {
            number: text::clean_line("Số văn bản", f.one("programme_number"), 100).map_err(rule)?,
            date: parse_day(f.one("programme_date"))
                .ok_or_else(|| bad("Ngày văn bản không hợp lệ."))?,
        });
    }
    programme.topics.push(ProgrammeTopic {
        title,
        stream,
        conductor,
        body_id: None,
        quarter,
    });
    state
        .store
        .save_programme(&programme, &audit_context(&state, &viewer, &headers))
        .await
        .map_err(refusal)?;
    Ok(Redirect::to("/giam-sat").into_response())
}

/// A delegation planned in the programme.
pub(crate) async fn create(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(form);
    let council = current(&viewer)?;
    let topic = text::clean_line("Chuyên đề giám sát", f.one("topic"), 500).map_err(rule)?;
    let scope = text::clean_line("Phạm vi giám sát", f.one("scope"), 2000).map_err(rule)?;
    if topic.is_empty() || scope.is_empty() {
        return Err(bad("Hãy nhập chuyên đề và phạm vi giám sát."));
    }
    let conductor: Conductor = f
        .one("conductor")
        .parse()
        .map_err(|_| bad("Hãy chọn chủ thể giám sát."))?;
    let stream: Stream = f
        .one("stream")
        .parse()
        .map_err(|_| bad("Hãy chọn mảng công tác giám sát."))?;
    let year = local_day(state.clock.now()).year();
    let programme_id = state.store.programme(council.id, year).await?.map(|p| p.id);
    let d = state
        .store
        .create_delegation(
            &NewDelegation {
                council_id: council.id,
                programme_id,
                conductor,
                stream,
                topic,
                scope,
            },
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(refusal)?;
    Ok(Redirect::to(&format!("/giam-sat/doan/{}", d.value.id())).into_response())
}

// --- A delegation -----------------------------------------------------------

#[derive(Template)]
#[template(path = "supervision_delegation.html")]
struct DelegationPage {
    layout: Layout,
    d: Delegation,
    version: i64,
    decision: String,
    members: Vec<(String, &'static str)>,
    subjects: Vec<String>,
    plan: Vec<(&'static str, String)>,
    reports: Vec<String>,
    missing: Vec<String>,
    visits: Vec<String>,
    conclusion: String,
    recommendations: Vec<(i64, String, String)>,
    tasks: Vec<TaskRow>,
    may_work: bool,
    people: Vec<(i64, String)>,
    agencies: Vec<(i64, String)>,
    subject_options: Vec<(i64, String)>,
    rows: Vec<usize>,
    roles: Vec<(&'static str, &'static str)>,
    today: String,
    due_default: String,
}

async fn delegation_here(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<nghitruong_store::Versioned<Delegation>> {
    let council = current(viewer)?;
    if agency_side(viewer).is_some() {
        return Err(AppError::NotFound);
    }
    let d = state.store.delegation(id).await?;
    if d.value.council_id() != council.id {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

/// Whether the viewer may work on the delegation's file: the office and
/// the council's leaders, and the delegation's own members.
fn may_work(viewer: &Viewer, d: &Delegation) -> bool {
    viewer.can(P::ManageSupervision)
        || viewer
            .user
            .person_id
            .is_some_and(|p| d.members().iter().any(|m| m.person_id == p))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let stored = delegation_here(&state, &viewer, id).await?;
    let d = stored.value;
    let today = local_day(state.clock.now());
    let names = body_names(&state, council.id).await?;
    let name = |id: &i64| {
        names
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("Cơ quan {id}"))
    };
    let people: HashMap<i64, String> = state
        .store
        .seated_deputies(council.id, today)
        .await?
        .into_iter()
        .map(|m| (m.person.id, m.person.full_name))
        .collect();
    let mut people_sorted: Vec<(i64, String)> =
        people.iter().map(|(k, v)| (*k, v.clone())).collect();
    people_sorted.sort_by(|a, b| a.1.cmp(&b.1));
    let doc = |r: &DocumentRef| format!("{} ngày {}", r.number, local_date(r.date));
    let tasks = state
        .store
        .tasks(&TaskFilter {
            council_id: Some(council.id),
            delegation_id: Some(id),
            ..Default::default()
        })
        .await?;
    let page = DelegationPage {
        layout: Layout::signed(&state, &viewer, &csrf, d.topic(), "/giam-sat").await?,
        version: stored.version,
        decision: d.decision().map(doc).unwrap_or_default(),
        members: d
            .members()
            .iter()
            .map(|m| {
                (
                    people
                        .get(&m.person_id)
                        .cloned()
                        .unwrap_or_else(|| format!("Người số {}", m.person_id)),
                    m.role.label(),
                )
            })
            .collect(),
        subjects: d.subjects().iter().map(name).collect(),
        plan: d
            .plan_doc()
            .map(|p| {
                vec![
                    ("Kế hoạch", doc(&p.plan)),
                    (
                        "Đề cương",
                        p.outline.as_ref().map(doc).unwrap_or_else(|| "—".into()),
                    ),
                    ("Hạn gửi báo cáo", local_date(p.reports_due)),
                    (
                        "Thời gian giám sát",
                        format!("{} – {}", local_date(p.from), local_date(p.to)),
                    ),
                ]
            })
            .unwrap_or_default(),
        reports: d
            .reports()
            .iter()
            .map(|r| {
                format!(
                    "{}: {} (nhận ngày {})",
                    name(&r.body_id),
                    doc(&r.document),
                    local_date(r.received_on)
                )
            })
            .collect(),
        missing: d.missing_reports(today).iter().map(name).collect(),
        visits: d
            .visits()
            .iter()
            .map(|v| {
                format!(
                    "{} — {}{}",
                    local_date(v.on),
                    v.place,
                    v.body_id
                        .map(|b| format!(" ({})", name(&b)))
                        .unwrap_or_default()
                )
            })
            .collect(),
        conclusion: d
            .conclusion()
            .map(|c| {
                let mut s = doc(&c.document);
                if let Some(r) = &c.report {
                    s.push_str(&format!("; báo cáo kết quả {}", doc(r)));
                }
                s
            })
            .unwrap_or_default(),
        recommendations: d
            .conclusion()
            .map(|c| {
                c.recommendations
                    .iter()
                    .map(|r| (r.id, name(&r.addressee_id), r.content.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        tasks: tasks
            .iter()
            .map(|t| task_row(&t.value, &names, today))
            .collect(),
        may_work: may_work(&viewer, &d),
        people: people_sorted,
        agencies: agencies(&state, council.id).await?,
        subject_options: d.subjects().iter().map(|b| (*b, name(b))).collect(),
        rows: (1..=RECOMMENDATION_ROWS).collect(),
        roles: MemberRole::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        today: today.to_string(),
        due_default: today
            .checked_add(time::Duration::days(90))
            .unwrap_or(today)
            .to_string(),
        d,
    };
    Ok(Html(page.render()?).into_response())
}

fn document(f: &Fields, number: &str, date: &str, what: &'static str) -> AppResult<DocumentRef> {
    let n = text::clean_line(what, f.one(number), 100).map_err(rule)?;
    if n.is_empty() {
        return Err(bad(format!("Hãy nhập số {what}.")));
    }
    Ok(DocumentRef {
        number: n,
        date: parse_day(f.one(date)).ok_or_else(|| bad(format!("Ngày {what} không hợp lệ.")))?,
    })
}

fn optional_document(
    f: &Fields,
    number: &str,
    date: &str,
    what: &'static str,
) -> AppResult<Option<DocumentRef>> {
    if f.one(number).trim().is_empty() {
        Ok(None)
    } else {
        document(f, number, date, what).map(Some)
    }
}

fn day(f: &Fields, name: &str, what: &str) -> AppResult<time::Date> {
    parse_day(f.one(name)).ok_or_else(|| bad(format!("{what} không hợp lệ.")))
}

/// One step of the delegation's work, named by `step`.
pub(crate) async fn act(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path((id, step)): Path<(i64, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(form);
    let council = current(&viewer)?;
    let stored = delegation_here(&state, &viewer, id).await?;
    let manage = viewer.can(P::ManageSupervision);
    if !may_work(&viewer, &stored.value) {
        return Err(bad(
            "Chỉ Văn phòng, Thường trực HĐND và thành viên đoàn giám sát cập nhật hồ sơ này.",
        ));
    }
    let version: i64 = f
        .one("version")
        .parse()
        .map_err(|_| bad("Biểu mẫu thiếu phiên bản hồ sơ; hãy tải lại trang."))?;
    let ctx = audit_context(&state, &viewer, &headers);
    let now = state.clock.now();
    let mut d = stored.value;
    let known: BTreeSet<i64> = agencies(&state, council.id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let transition = match step.as_str() {
        "thanh-lap" => {
            if !manage {
                return Err(bad(
                    "Việc thành lập đoàn do Văn phòng, Thường trực HĐND thực hiện.",
                ));
            }
            let decision = document(&f, "number", "date", "quyết định thành lập")?;
            let mut members = Vec::new();
            for (person, role) in f.all("person").iter().zip(f.all("role")) {
                let Ok(person_id) = person.parse::<i64>() else {
                    continue;
                };
                let role: MemberRole = role.parse().map_err(|_| bad("Vai trò không hợp lệ."))?;
                members.push(Member { person_id, role });
            }
            let subjects: BTreeSet<i64> = ids(&f.all("subject")).into_iter().collect();
            if subjects.iter().any(|s| !known.contains(s)) {
                return Err(bad("Đối tượng giám sát không thuộc danh sách cơ quan."));
            }
            Some(
                d.establish(decision, members, subjects, now)
                    .map_err(rule)?,
            )
        }
        "ke-hoach" => {
            let plan = Plan {
                plan: document(&f, "plan_number", "plan_date", "kế hoạch")?,
                outline: optional_document(&f, "outline_number", "outline_date", "đề cương")?,
                reports_due: day(&f, "reports_due", "Hạn gửi báo cáo")?,
                from: day(&f, "from", "Ngày bắt đầu")?,
                to: day(&f, "to", "Ngày kết thúc")?,
            };
            Some(d.send_plan(plan, now).map_err(rule)?)
        }
        "bao-cao" => {
            let body_id: i64 = f
                .one("body")
                .parse()
                .map_err(|_| bad("Hãy chọn cơ quan gửi báo cáo."))?;
            d.receive_report(SubjectReport {
                body_id,
                document: document(&f, "number", "date", "báo cáo")?,
                received_on: local_day(now),
            })
            .map_err(rule)?;
            None
        }
        "khao-sat" => {
            let body_id = match f.one("body").trim() {
                "" => None,
                b => Some(b.parse::<i64>().map_err(|_| bad("Cơ quan không hợp lệ."))?),
            };
            d.record_visit(Visit {
                on: day(&f, "on", "Ngày làm việc")?,
                place: f.one("place").to_owned(),
                body_id,
                minutes: optional_document(&f, "minutes_number", "minutes_date", "biên bản")?,
            })
            .map_err(rule)?;
            None
        }
        "du-thao" => Some(d.draft_report(now).map_err(rule)?),
        "ket-luan" => {
            let mut recommendations = Vec::new();
            for n in 1..=RECOMMENDATION_ROWS {
                let content = f.one(&format!("rec_content_{n}")).trim().to_owned();
                if content.is_empty() {
                    continue;
                }
                let addressee_id: i64 = f
                    .one(&format!("rec_body_{n}"))
                    .parse()
                    .ok()
                    .filter(|b| known.contains(b))
                    .ok_or_else(|| bad(format!("Hãy chọn cơ quan nhận kiến nghị số {n}.")))?;
                recommendations.push(Recommendation {
                    id: i64::try_from(recommendations.len() + 1).unwrap_or(i64::MAX),
                    addressee_id,
                    content,
                });
            }
            let conclusion = Conclusion {
                document: document(&f, "number", "date", "kết luận giám sát")?,
                report: optional_document(&f, "report_number", "report_date", "báo cáo kết quả")?,
                recommendations,
            };
            Some(d.conclude(conclusion, now).map_err(rule)?)
        }
        "giao-nhiem-vu" => {
            if !manage {
                return Err(bad(
                    "Việc giao nhiệm vụ do Văn phòng, Thường trực HĐND thực hiện.",
                ));
            }
            let recs = d
                .conclusion()
                .map(|c| c.recommendations.clone())
                .unwrap_or_default();
            let mut plans = Vec::new();
            for r in &recs {
                let co = ids(&f.all(&format!("co_{}", r.id)));
                if co.iter().any(|c| !known.contains(c)) {
                    return Err(bad("Cơ quan phối hợp không thuộc danh sách cơ quan."));
                }
                plans.push(TaskPlan {
                    recommendation_id: r.id,
                    co_body_ids: co,
                    responsible: Some(f.one(&format!("responsible_{}", r.id)).to_owned())
                        .filter(|s| !s.trim().is_empty()),
                    expected_evidence: f.one(&format!("evidence_{}", r.id)).to_owned(),
                    due: day(&f, &format!("due_{}", r.id), "Thời hạn")?,
                    complex: f.one(&format!("complex_{}", r.id)) == "1",
                });
            }
            let tasks = state
                .store
                .follow_up(id, version, &plans, &ctx)
                .await
                .map_err(refusal)?;
            for t in &tasks {
                let mut bodies = vec![t.value.lead_body_id()];
                bodies.extend_from_slice(t.value.co_body_ids());
                let to = state.store.agency_users(&bodies).await?;
                if let Err(e) = crate::notify::notify(
                    &state,
                    &to,
                    &format!("Nhiệm vụ mới số {} sau giám sát", t.value.id()),
                    &format!(
                        "Cơ quan được giao thực hiện kiến nghị “{}”, hạn {}.",
                        super::jobs::short(t.value.content()),
                        local_date(t.value.due())
                    ),
                    Some(&format!("/giam-sat/nhiem-vu/{}", t.value.id())),
                )
                .await
                {
                    tracing::warn!(error = %e, "could not notify the agency");
                }
            }
            return Ok(Redirect::to(&format!("/giam-sat/doan/{id}")).into_response());
        }
        "dong" => {
            let tasks = state
                .store
                .tasks(&TaskFilter {
                    council_id: Some(council.id),
                    delegation_id: Some(id),
                    ..Default::default()
                })
                .await?;
            let tasks: Vec<_> = tasks.into_iter().map(|t| t.value).collect();
            Some(d.close(&tasks, now).map_err(rule)?)
        }
        "huy" => {
            if !manage {
                return Err(bad(
                    "Việc hủy đoàn do Văn phòng, Thường trực HĐND thực hiện.",
                ));
            }
            Some(d.cancel(now).map_err(rule)?)
        }
        _ => return Err(AppError::NotFound),
    };
    state
        .store
        .save_delegation(&d, version, transition.as_ref(), &ctx)
        .await
        .map_err(refusal)?;
    Ok(Redirect::to(&format!("/giam-sat/doan/{id}")).into_response())
}
