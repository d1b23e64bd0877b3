//! Xin ý kiến đại biểu bằng văn bản — written consultations between
//! sessions. The office drafts a question with documents of the council's
//! sessions and a deadline, then sends it; each deputy in office answers
//! agree, disagree or another opinion and may change it until the
//! deadline; after it, everyone sees the result measured by the council's
//! rule against the deputies in office, with a bar chart.

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::access::Permission;
use nghitruong_domain::clock::VIETNAM;
use nghitruong_domain::consultation::{self, ConsultationEvent, ConsultationStatus, Opinion};
use nghitruong_domain::text;
use nghitruong_domain::vote;
use nghitruong_store::{Consultation, NewConsultation};
use serde::Deserialize;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::{current, local_day, local_time, refusal};
use crate::AppState;
use crate::auth::Access::Permission as Perm;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::routes::{Route, r};

pub(crate) fn routes() -> Vec<Route> {
    use axum::http::Method;
    use axum::routing::{get, post};
    use nghitruong_domain::access::Permission as P;
    vec![
        r(Method::GET, "/xin-y-kien", Perm(P::ViewSessions), get(list)),
        r(
            Method::POST,
            "/xin-y-kien",
            Perm(P::ManageSessions),
            post(create),
        ),
        r(
            Method::GET,
            "/xin-y-kien/{id}",
            Perm(P::ViewSessions),
            get(show),
        ),
        r(
            Method::POST,
            "/xin-y-kien/{id}/dieu-hanh",
            Perm(P::ManageSessions),
            post(run),
        ),
        r(
            Method::POST,
            "/xin-y-kien/{id}/tra-loi",
            Perm(P::CastVote),
            post(answer),
        ),
    ]
}

/// A document that can be attached: from the council's sessions.
pub(crate) struct DocumentChoice {
    pub(crate) id: i64,
    pub(crate) title: String,
}

pub(crate) struct ConsultationRow {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) deadline: String,
    pub(crate) status: &'static str,
}

#[derive(Template)]
#[template(path = "consultations.html")]
pub(crate) struct ListPage {
    pub(crate) layout: Layout,
    pub(crate) council_name: String,
    pub(crate) rows: Vec<ConsultationRow>,
    pub(crate) can_manage: bool,
    pub(crate) documents: Vec<DocumentChoice>,
}

/// The documents of the council's sessions the office may attach.
async fn attachable(state: &AppState, viewer: &Viewer) -> AppResult<Vec<DocumentChoice>> {
    let council = current(viewer)?;
    let reader = super::documents::reader_of(state, viewer);
    let mut out = Vec::new();
    for s in state
        .store
        .council_sessions(council.id)
        .await?
        .iter()
        .take(5)
    {
        for d in state.store.session_documents(s.id, &reader).await? {
            out.push(DocumentChoice {
                id: d.id,
                title: d.title.clone(),
            });
        }
    }
    Ok(out)
}

async fn list_page(state: &AppState, viewer: &Viewer, csrf: &str) -> AppResult<Response> {
    let council = current(viewer)?;
    let can_manage = viewer.can(Permission::ManageSessions);
    let now = state.clock.now();
    let rows = state
        .store
        .consultations(council.id)
        .await?
        .into_iter()
        .filter(|c| can_manage || c.status.is_visible_to_deputies())
        .map(|c| ConsultationRow {
            id: c.id,
            title: c.title.clone(),
            deadline: local_time(c.deadline),
            status: c.status.as_seen(c.deadline, now).label(),
        })
        .collect();
    let page = ListPage {
        layout: Layout::signed(state, viewer, csrf, "Xin ý kiến đại biểu", "/xin-y-kien").await?,
        council_name: council.name.clone(),
        rows,
        can_manage,
        documents: if can_manage {
            attachable(state, viewer).await?
        } else {
            Vec::new()
        },
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    list_page(&state, &viewer, &csrf).await
}

/// "2026-12-20T17:00" typed in a datetime-local field, in Vietnam time.
fn parse_deadline(input: &str) -> Result<OffsetDateTime, String> {
    let input = input.trim();
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let with_seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(input, format)
        .or_else(|_| PrimitiveDateTime::parse(input, with_seconds))
        .map(|t| t.assume_offset(VIETNAM))
        .map_err(|_| "Thời hạn trả lời không hợp lệ (ngày và giờ).".to_owned())
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    // Several `documents` fields: read the pairs rather than a struct.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("Biểu mẫu không hợp lệ.".into()))?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let now = state.clock.now();
    let attachable = attachable(&state, &viewer).await?;
    let checked = (|| {
        let title = text::clean_line("Tiêu đề", field("title"), 300).map_err(|e| e.to_string())?;
        let question = text::clean_line("Nội dung xin ý kiến", field("question"), 4000)
            .map_err(|e| e.to_string())?;
        let deadline = parse_deadline(field("deadline"))?;
        if deadline <= now {
            return Err("Thời hạn trả lời phải sau thời điểm hiện tại.".to_owned());
        }
        if deadline - now > time::Duration::days(90) {
            return Err("Thời hạn trả lời không quá 90 ngày.".to_owned());
        }
        let mut document_ids = Vec::new();
        for (_, v) in pairs.iter().filter(|(k, _)| k == "documents") {
            let id: i64 = v
                .parse()
                .map_err(|_| "Tài liệu đính kèm không hợp lệ.".to_owned())?;
            if !attachable.iter().any(|d| d.id == id) {
                return Err("Tài liệu đính kèm không thuộc các kỳ họp của Hội đồng.".to_owned());
            }
            if !document_ids.contains(&id) {
                document_ids.push(id);
            }
        }
        Ok(NewConsultation {
            council_id: council.id,
            title,
            question,
            document_ids,
            deadline,
        })
    })();
    let new = match checked {
        Ok(v) => v,
        // Shown inside the form, which keeps what was typed (hx-boost).
        Err(e) => return Err(AppError::BadRequest(e)),
    };
    let id = state
        .store
        .create_consultation(&new, &audit_context(&state, &viewer, &headers))
        .await?;
    Ok(Redirect::to(&format!("/xin-y-kien/{id}")).into_response())
}

/// A consultation of the viewer's council that they may see.
async fn here(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Consultation> {
    let council = current(viewer)?;
    let c = state.store.consultation(id).await?;
    let visible = c.status.is_visible_to_deputies() || viewer.can(Permission::ManageSessions);
    if c.council_id != council.id || !visible {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

pub(crate) struct Bar {
    pub(crate) label: &'static str,
    pub(crate) count: u32,
    pub(crate) percent: String,
    pub(crate) width: u32,
    pub(crate) class: &'static str,
}

pub(crate) struct ResultView {
    pub(crate) bars: Vec<Bar>,
    pub(crate) not_answered: u32,
    pub(crate) in_office: u32,
    pub(crate) rule: &'static str,
    pub(crate) threshold: u32,
    pub(crate) approved: bool,
}

pub(crate) struct AnswerRow {
    pub(crate) name: String,
    pub(crate) opinion: &'static str,
    pub(crate) text: String,
    pub(crate) at: String,
}

#[derive(Template)]
#[template(path = "consultation.html")]
pub(crate) struct ShowPage {
    pub(crate) layout: Layout,
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) question: String,
    pub(crate) deadline: String,
    pub(crate) status: &'static str,
    pub(crate) documents: Vec<DocumentChoice>,
    pub(crate) can_manage: bool,
    pub(crate) can_send: bool,
    pub(crate) can_close: bool,
    pub(crate) can_answer: bool,
    pub(crate) opinions: &'static [Opinion],
    pub(crate) my_opinion: Option<Opinion>,
    pub(crate) my_text: String,
    pub(crate) answered: usize,
    pub(crate) in_office: u32,
    pub(crate) result: Option<ResultView>,
    pub(crate) answers: Vec<AnswerRow>,
}

async fn show_page(state: &AppState, viewer: &Viewer, csrf: &str, id: i64) -> AppResult<Response> {
    let c = here(state, viewer, id).await?;
    let council = current(viewer)?;
    let now = state.clock.now();
    let seen = c.status.as_seen(c.deadline, now);
    let seated = state
        .store
        .seated_deputies(council.id, local_day(now))
        .await?;
    let in_office: Vec<i64> = seated
        .iter()
        .filter(|m| m.person.status.holds_office())
        .map(|m| m.person.id)
        .collect();
    let in_office_count = u32::try_from(in_office.len()).unwrap_or(u32::MAX);
    let answers = state.store.consultation_answers(c.id).await?;
    let me = viewer.user.person_id.filter(|p| in_office.contains(p));
    let mine = me.and_then(|p| answers.iter().find(|a| a.person_id == p));
    let can_manage = viewer.can(Permission::ManageSessions);
    let result = (seen == ConsultationStatus::Closed).then(|| {
        let r = consultation::result(
            answers
                .iter()
                .map(|a| (a.opinion, in_office.contains(&a.person_id))),
            in_office_count,
            council.rules.pass_rule,
        );
        let bar = |label, count, class| {
            let bp = vote::basis_points(count, r.in_office);
            Bar {
                label,
                count,
                percent: vote::percent_vi(bp),
                width: bp / 100,
                class,
            }
        };
        ResultView {
            bars: vec![
                bar(Opinion::Agree.label(), r.agree, "bar-approve"),
                bar(Opinion::Disagree.label(), r.disagree, "bar-reject"),
                bar(Opinion::Other.label(), r.other, "bar-abstain"),
            ],
            not_answered: r.not_answered,
            in_office: r.in_office,
            rule: r.rule.label(),
            threshold: r.threshold,
            approved: r.approved,
        }
    });
    // The office sees each answer once the result stands; deputies see
    // their own only.
    let answer_rows = if can_manage && result.is_some() {
        answers
            .iter()
            .map(|a| AnswerRow {
                name: a.person_name.clone(),
                opinion: a.opinion.label(),
                text: a.text.clone(),
                at: local_time(a.answered_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    let reader = super::documents::reader_of(state, viewer);
    let mut documents = Vec::new();
    for d in &c.document_ids {
        if let Some(doc) = state.store.document(*d, &reader).await? {
            documents.push(DocumentChoice {
                id: doc.id,
                title: doc.title.clone(),
            });
        }
    }
    let page = ShowPage {
        layout: Layout::signed(state, viewer, csrf, &c.title, "/xin-y-kien").await?,
        id: c.id,
        title: c.title.clone(),
        question: c.question.clone(),
        deadline: local_time(c.deadline),
        status: seen.label(),
        documents,
        can_manage,
        can_send: can_manage
            && c.status
                .on(ConsultationEvent::Send, c.deadline, now)
                .is_ok(),
        can_close: can_manage
            && c.status
                .on(ConsultationEvent::Close, c.deadline, now)
                .is_ok(),
        can_answer: viewer.can(Permission::CastVote)
            && me.is_some()
            && seen == ConsultationStatus::Sent,
        opinions: Opinion::ALL,
        my_opinion: mine.map(|a| a.opinion),
        my_text: mine.map(|a| a.text.clone()).unwrap_or_default(),
        answered: answers.len(),
        in_office: in_office_count,
        result,
        answers: answer_rows,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    show_page(&state, &viewer, &csrf, id).await
}

#[derive(Deserialize)]
pub(crate) struct RunForm {
    #[serde(default)]
    event: String,
}

pub(crate) async fn run(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RunForm>,
) -> AppResult<Response> {
    let c = here(&state, &viewer, id).await?;
    let event: ConsultationEvent = form
        .event
        .parse()
        .ok()
        .filter(|e| *e != ConsultationEvent::Answer)
        .ok_or_else(|| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    state
        .store
        .consultation_event(c.id, event, &audit_context(&state, &viewer, &headers))
        .await
        .map_err(refusal)?;
    Ok(Redirect::to(&format!("/xin-y-kien/{}", c.id)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct AnswerForm {
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    text: String,
}

pub(crate) async fn answer(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let c = here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let now = state.clock.now();
    let seated = state
        .store
        .seated_deputies(council.id, local_day(now))
        .await?;
    let me = viewer
        .user
        .person_id
        .and_then(|p| seated.iter().find(|m| m.person.id == p))
        .ok_or_else(|| {
            AppError::BadRequest("Tài khoản này không gắn với đại biểu của Hội đồng.".into())
        })?;
    // Refusals are shown inside the form, which keeps what was typed.
    let opinion = form
        .opinion
        .parse::<Opinion>()
        .map_err(|_| AppError::BadRequest("Vui lòng chọn một ý kiến.".into()))?;
    let text = if form.text.trim().is_empty() {
        String::new()
    } else {
        text::clean_line("Ý kiến", &form.text, 2000)
            .map_err(|e| AppError::BadRequest(e.to_string()))?
    };
    match state
        .store
        .answer_consultation(
            c.id,
            me.person.id,
            me.person.status.holds_office(),
            opinion,
            &text,
            &audit_context(&state, &viewer, &headers),
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/xin-y-kien/{}", c.id)).into_response()),
        Err(e) => Err(refusal(e)),
    }
}

/// How long after its deadline a consultation is still looked at, so a
/// server stopped over a holiday still tells the office its result.
const FOLLOW_DAYS: i64 = 30;

/// The scheduler's `xin-y-kien` job: reminds the deputies in office who
/// have not answered on the council's reminder days, and tells the office
/// the result once the deadline has passed. Each notice is keyed by the
/// consultation and the notice, so a tick run twice sends nothing twice.
pub(crate) fn remind_job(state: &AppState, now: OffsetDateTime) -> crate::scheduler::JobFuture<'_> {
    Box::pin(async move {
        let (reminded, told) = remind(state, now).await?;
        Ok(match (reminded, told) {
            (0, 0) => String::new(),
            _ => format!("{reminded} thông báo nhắc trả lời xin ý kiến, {told} thông báo kết quả"),
        })
    })
}

async fn remind(state: &AppState, now: OffsetDateTime) -> anyhow::Result<(usize, usize)> {
    use consultation::ConsultationNotice as N;
    let (mut reminded, mut told) = (0, 0);
    let since = now - time::Duration::days(FOLLOW_DAYS);
    for c in state.store.consultations_to_follow(since).await? {
        let council = state.store.council(c.council_id).await?;
        let days = &council.rules.deadlines.consultation_reminder_days_before;
        let Some(notice) = consultation::notice_due(c.status, c.deadline, now, days) else {
            continue;
        };
        let key = format!("xin-y-kien:{}:{}", c.id, notice.key());
        let link = format!("/xin-y-kien/{}", c.id);
        let in_office: Vec<i64> = state
            .store
            .seated_deputies(council.id, local_day(now))
            .await?
            .iter()
            .filter(|m| m.person.status.holds_office())
            .map(|m| m.person.id)
            .collect();
        let answers = state.store.consultation_answers(c.id).await?;
        match notice {
            N::Reminder(days_before) => {
                let answered: Vec<i64> = answers.iter().map(|a| a.person_id).collect();
                let waiting = consultation::not_answered(&in_office, &answered);
                let users = state.store.person_users(&waiting).await?;
                let deadline = local_time(c.deadline);
                reminded += crate::notify::notify_once(
                    state,
                    &users,
                    Some(&key),
                    &format!(
                        "Còn {days_before} ngày: nhắc trả lời xin ý kiến: {}",
                        c.title
                    ),
                    &format!(
                        "{} xin ý kiến đại biểu về: {}. Đồng chí chưa gửi ý kiến; \
                         thời hạn trả lời: {deadline}.",
                        council.name, c.title
                    ),
                    Some(&link),
                )
                .await?;
            }
            N::Result => {
                let r = consultation::result(
                    answers
                        .iter()
                        .map(|a| (a.opinion, in_office.contains(&a.person_id))),
                    u32::try_from(in_office.len()).unwrap_or(u32::MAX),
                    council.rules.pass_rule,
                );
                let office = state
                    .store
                    .council_users(council.id, &[nghitruong_domain::access::Role::OfficeStaff])
                    .await?;
                let verdict = if r.approved {
                    "được tán thành"
                } else {
                    "không được tán thành"
                };
                told += crate::notify::notify_once(
                    state,
                    &office,
                    Some(&key),
                    &format!("Kết quả xin ý kiến: {}", c.title),
                    &format!(
                        "Đã hết thời hạn trả lời. Đồng ý {}, không đồng ý {}, ý kiến khác {}, \
                         chưa trả lời {} trên {} đại biểu đang giữ nhiệm vụ. \
                         Điều kiện thông qua: {} (cần {} ý kiến đồng ý): nội dung xin ý kiến {verdict}.",
                        r.agree,
                        r.disagree,
                        r.other,
                        r.not_answered,
                        r.in_office,
                        r.rule.label(),
                        r.threshold
                    ),
                    Some(&link),
                )
                .await?;
            }
        }
    }
    Ok((reminded, told))
}
