//! Kỳ họp: the office prepares a session and its agenda, the chair runs it
//! live, deputies check in and vote on their tablets, and the hall screen
//! shows it all. Every screen follows changes through the live hub.

mod floor;
mod live;
mod minutes;
mod qr;
mod votes;

use std::sync::Arc;

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::access::Permission;
use nghitruong_domain::attendance::{self, AttendanceStatus, CheckInMethod, Headcount};
use nghitruong_domain::org::Council;
use nghitruong_domain::questioning::{QuestionEvent, QuestionStatus};
use nghitruong_domain::resolution::ResolutionKind;
use nghitruong_domain::rules::VoteLabels;
use nghitruong_domain::session::{
    AgendaKind, AgendaStatus, SessionEvent, SessionKind, SessionStatus,
};
use nghitruong_domain::speaking::{self, SpeakEvent, SpeakKind, SpeakStatus};
use nghitruong_domain::vote::{self, Choice, RoundEvent, RoundStatus, VoteMode, VotePurpose};
use nghitruong_domain::{session, text};
use nghitruong_store::{
    CouncilSession, CouncilSize, Member, NewAgendaItem, NewCouncilSession, NewVoteRound,
    StoreError, VoteRound,
};
use serde::Deserialize;
use time::Date;

pub(super) use super::{current, refusal};
use super::{local_date, local_day};
use crate::AppState;
use crate::auth::Access::Permission as Perm;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::routes::{Route, r};

/// The routes of sessions: preparation, the live session, votes, the floor.
pub(crate) fn routes() -> Vec<Route> {
    use axum::http::Method;
    use axum::routing::{get, post};
    use nghitruong_domain::access::Permission as P;
    vec![
        r(Method::GET, "/ky-hop", Perm(P::ViewSessions), get(list)),
        r(
            Method::POST,
            "/ky-hop",
            Perm(P::ManageSessions),
            post(create),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}",
            Perm(P::ViewSessions),
            get(show),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}/truc-tiep",
            Perm(P::ViewSessions),
            get(live),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}/su-kien",
            Perm(P::ViewSessions),
            get(events),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}/man-hinh",
            Perm(P::ViewSessions),
            get(hall),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}/man-hinh/truc-tiep",
            Perm(P::ViewSessions),
            get(hall_live),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/chuan-bi",
            Perm(P::ManageSessions),
            post(prepare),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/dieu-hanh",
            Perm(P::ChairSession),
            post(chair),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/chuong-trinh",
            Perm(P::ManageSessions),
            post(add_item),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/chuong-trinh/{item}/bat-dau",
            Perm(P::ChairSession),
            post(start_item),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/chuong-trinh/{item}/bieu-quyet",
            Perm(P::ChairSession),
            post(open_vote),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/bieu-quyet/{round}/ket-thuc",
            Perm(P::ChairSession),
            post(close_vote),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/bieu-quyet/{round}/phieu",
            Perm(P::CastVote),
            post(cast),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/diem-danh",
            Perm(P::CastVote),
            post(check_in),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/diem-danh/{person}",
            Perm(P::RecordAttendance),
            post(record_attendance),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/phat-bieu",
            Perm(P::CastVote),
            post(ask_to_speak),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/phat-bieu/{request}/dieu-hanh",
            Perm(P::ChairSession),
            post(run_speaker),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/phat-bieu/{request}/rut",
            Perm(P::CastVote),
            post(withdraw),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/chuong-trinh/{item}/ket-qua-thu-cong",
            Perm(P::RecordProceedings),
            post(manual_result),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/chat-van",
            Perm(P::FileQuestion),
            post(file_question),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/chat-van/{question}/dieu-hanh",
            Perm(P::ChairSession),
            post(run_question),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/chat-van/{question}/tra-loi",
            Perm(P::RecordProceedings),
            post(answer_question),
        ),
        r(
            Method::POST,
            "/ky-hop/{id}/chat-van/{question}/rut",
            Perm(P::FileQuestion),
            post(withdraw_question),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}/bien-ban",
            Perm(P::RecordProceedings),
            get(minutes),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}/ma-qr",
            Perm(P::RecordAttendance),
            get(qr_sheet),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}/qr/{token}",
            Perm(P::CastVote),
            get(qr_check_in),
        ),
    ]
}

pub(crate) use floor::*;
pub(crate) use live::*;
pub(crate) use minutes::*;
pub(crate) use qr::{qr_check_in, qr_sheet};
pub(crate) use votes::*;

/// A session row in the list.
pub(crate) struct SessionRow {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) dates: String,
    pub(crate) place: String,
    pub(crate) status: &'static str,
}

pub(super) fn title_of(s: &CouncilSession, council: &Council) -> String {
    format!(
        "{}, {} khóa {}",
        session::session_title(s.number),
        council.name,
        council.term.roman()
    )
}

pub(super) fn dates_of(s: &CouncilSession) -> String {
    if s.starts_on == s.ends_on {
        local_date(s.starts_on)
    } else {
        format!("{} – {}", local_date(s.starts_on), local_date(s.ends_on))
    }
}

/// Tells every screen of the session that `kind` changed and sends the
/// person back to the session page. The hall fragment (and with it the
/// session facts every tablet's fragment is made from) is built before the
/// screens are told, and hall screens get it in the event (issue #3).
pub(super) async fn announced(
    state: &AppState,
    viewer: &Viewer,
    session_id: i64,
    kind: &'static str,
) -> Response {
    let warm = async {
        match live::warm_hall(state, viewer, session_id).await {
            Ok(hall) => Some(hall),
            Err(e) => {
                // The screens will build it themselves.
                tracing::warn!(error = ?e, session_id, "could not prepare the hall fragment");
                None
            }
        }
    };
    state.live.publish_warmed(session_id, kind, warm).await;
    Redirect::to(&format!("/ky-hop/{session_id}")).into_response()
}

/// A session of the viewer's current council; others are not found.
pub(super) async fn session_here(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<CouncilSession> {
    let s = state.store.council_session(id).await?;
    visible_here(viewer, &s)?;
    Ok(s)
}

/// The session for the live endpoints that every screen of the hall asks
/// at the same moment, right after an event (the fragment, the stream): read
/// once per state version of the session and shared by all of them (the
/// hub forgets it on every publish), then checked for each viewer as
/// [`session_here`] does.
pub(super) async fn session_live(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Arc<CouncilSession>> {
    let s = state
        .live
        .shared(id, "session", || async {
            AppResult::Ok(state.store.council_session(id).await?)
        })
        .await?;
    visible_here(viewer, &s)?;
    Ok(s)
}

/// May `viewer` see session `s` here: it is of their current council and,
/// unless they manage sessions, no longer a draft.
fn visible_here(viewer: &Viewer, s: &CouncilSession) -> AppResult<()> {
    let council = current(viewer)?;
    let visible = s.status.is_visible_to_deputies() || viewer.can(Permission::ManageSessions);
    if s.council_id != council.id || !visible {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "sessions.html")]
pub(super) struct SessionsPage {
    pub(super) layout: Layout,
    pub(super) council_name: String,
    pub(super) rows: Vec<SessionRow>,
    pub(super) can_manage: bool,
    pub(super) kinds: &'static [SessionKind],
}

pub(super) async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
) -> AppResult<Response> {
    let council = current(viewer)?;
    let can_manage = viewer.can(Permission::ManageSessions);
    let rows = state
        .store
        .council_sessions(council.id)
        .await?
        .into_iter()
        .filter(|s| can_manage || s.status.is_visible_to_deputies())
        .map(|s| SessionRow {
            id: s.id,
            title: title_of(&s, council),
            kind: s.kind.label(),
            dates: dates_of(&s),
            place: s.place.clone(),
            status: s.status.label(),
        })
        .collect();
    let page = SessionsPage {
        layout: Layout::signed(state, viewer, csrf, "Kỳ họp", "/ky-hop").await?,
        council_name: council.name.clone(),
        rows,
        can_manage,
        kinds: SessionKind::ALL,
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

#[derive(Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) starts_on: String,
    #[serde(default)]
    pub(super) ends_on: String,
    #[serde(default)]
    pub(super) place: String,
    #[serde(default)]
    pub(super) closed: Option<String>,
}

pub(super) fn parse_day(field: &str, s: &str) -> Result<Date, String> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("{field} không hợp lệ (định dạng năm-tháng-ngày)."))
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let checked = (|| {
        let kind: SessionKind = form
            .kind
            .parse()
            .map_err(|_| "Vui lòng chọn loại kỳ họp.".to_owned())?;
        let starts_on = parse_day("Ngày khai mạc", &form.starts_on)?;
        let ends_on = parse_day("Ngày bế mạc", &form.ends_on)?;
        if ends_on < starts_on {
            return Err("Ngày bế mạc không được trước ngày khai mạc.".to_owned());
        }
        if (ends_on - starts_on).whole_days() > 30 {
            return Err("Một kỳ họp không kéo dài quá 30 ngày.".to_owned());
        }
        let place = text::clean_line("Địa điểm", &form.place, 200).map_err(|e| e.to_string())?;
        Ok((kind, starts_on, ends_on, place))
    })();
    let (kind, starts_on, ends_on, place) = match checked {
        Ok(v) => v,
        // Shown inside the form, which keeps what was typed (hx-boost).
        Err(e) => return Err(AppError::BadRequest(e)),
    };
    let new = NewCouncilSession {
        council_id: council.id,
        term_number: council.term.number,
        kind,
        is_public: form.closed.is_none(),
        starts_on,
        ends_on,
        place,
    };
    let created = state
        .store
        .create_council_session(&new, &audit_context(&state, &viewer, &headers))
        .await?;
    Ok(Redirect::to(&format!("/ky-hop/{}", created.id)).into_response())
}

pub(super) use crate::roster::Deputies;

/// The council's seated deputies today, kept in memory while nothing they
/// are made of changes (see `roster.rs`).
pub(super) async fn deputies(state: &AppState, council: &Council) -> AppResult<Arc<Deputies>> {
    let day = local_day(state.clock.now());
    let epoch = state.viewers.epoch(state.store.as_ref()).await?;
    let store = &state.store;
    Ok(state
        .rosters
        .get(council.id, day, epoch, || {
            store.seated_deputies(council.id, day)
        })
        .await?)
}

pub(super) fn council_size(state: &AppState, council: &Council, in_office: u32) -> CouncilSize {
    let statutory = u32::from(council.seats_statutory);
    let degraded = vote::is_degraded(
        statutory,
        in_office,
        local_day(state.clock.now()),
        council.term.ends_on,
    );
    CouncilSize {
        statutory,
        in_office,
        degraded,
    }
}

#[derive(Template)]
#[template(path = "session.html")]
pub(super) struct SessionPage {
    pub(super) layout: Layout,
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) kind: &'static str,
    pub(super) dates: String,
    pub(super) place: String,
    pub(super) is_public: bool,
    pub(super) can_manage: bool,
    pub(super) can_chair: bool,
    pub(super) prepare_events: Vec<(&'static str, &'static str)>,
    pub(super) chair_events: Vec<(&'static str, &'static str)>,
    pub(super) editable: bool,
    pub(super) agenda_kinds: &'static [AgendaKind],
    pub(super) resolution_kinds: &'static [ResolutionKind],
    pub(super) can_minutes: bool,
    pub(super) can_print_qr: bool,
    pub(super) live: LiveFragment,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let s = session_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let allowed = |events: &[SessionEvent]| -> Vec<(&'static str, &'static str)> {
        events
            .iter()
            .filter(|e| s.status.on(**e).is_ok())
            .map(|e| (e.as_str(), e.label()))
            .collect()
    };
    let page = SessionPage {
        layout: Layout::signed(
            &state,
            &viewer,
            &csrf,
            &session::session_title(s.number),
            "/ky-hop",
        )
        .await?,
        id: s.id,
        title: title_of(&s, council),
        kind: s.kind.label(),
        dates: dates_of(&s),
        place: s.place.clone(),
        is_public: s.is_public,
        can_manage: viewer.can(Permission::ManageSessions),
        can_chair: viewer.can(Permission::ChairSession),
        prepare_events: allowed(&PREPARE_EVENTS),
        chair_events: allowed(&CHAIR_EVENTS),
        editable: s.status.is_editable(),
        agenda_kinds: AgendaKind::ALL,
        resolution_kinds: &[ResolutionKind::Individual, ResolutionKind::Normative],
        can_minutes: viewer.can(Permission::RecordProceedings),
        can_print_qr: viewer.can(Permission::RecordAttendance),
        live: live_fragment(&state, &viewer, &csrf, &s).await?,
    };
    Ok(Html(page.render()?))
}

/// Events the office applies; the chair opens and closes.
pub(super) const PREPARE_EVENTS: [SessionEvent; 4] = [
    SessionEvent::Convene,
    SessionEvent::Withdraw,
    SessionEvent::Cancel,
    SessionEvent::Archive,
];
pub(super) const CHAIR_EVENTS: [SessionEvent; 2] = [SessionEvent::Open, SessionEvent::Close];

#[derive(Deserialize)]
pub(crate) struct EventForm {
    #[serde(default)]
    pub(super) event: String,
}

pub(super) async fn apply(
    state: &AppState,
    viewer: &Arc<Viewer>,
    headers: &HeaderMap,
    id: i64,
    form: &EventForm,
    allowed: &[SessionEvent],
) -> AppResult<Response> {
    let s = session_here(state, viewer, id).await?;
    let event = form
        .event
        .parse::<SessionEvent>()
        .ok()
        .filter(|e| allowed.contains(e))
        .ok_or_else(|| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    // Bế mạc waits for an open vote: the store checks it in the same
    // transaction as the change.
    state
        .store
        .session_event(s.id, event, &audit_context(state, viewer, headers))
        .await
        .map_err(refusal)?;
    Ok(announced(state, viewer, s.id, "trang-thai").await)
}

pub(crate) async fn prepare(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    apply(&state, &viewer, &headers, id, &form, &PREPARE_EVENTS).await
}

pub(crate) async fn chair(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    apply(&state, &viewer, &headers, id, &form, &CHAIR_EVENTS).await
}

#[derive(Deserialize)]
pub(crate) struct AgendaForm {
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) title: String,
    #[serde(default)]
    pub(super) presenter: String,
    #[serde(default)]
    pub(super) minutes: String,
    #[serde(default)]
    pub(super) resolution_kind: String,
}

pub(crate) async fn add_item(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<AgendaForm>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    if !s.status.is_editable() {
        return Err(AppError::BadRequest(
            "Kỳ họp đã bế mạc; không thể sửa chương trình.".into(),
        ));
    }
    let bad = |m: String| AppError::BadRequest(m);
    let kind: AgendaKind = form
        .kind
        .parse()
        .map_err(|_| bad("Vui lòng chọn loại nội dung.".into()))?;
    let title =
        text::clean_line("Tên nội dung", &form.title, 300).map_err(|e| bad(e.to_string()))?;
    let presenter = if form.presenter.trim().is_empty() {
        String::new()
    } else {
        text::clean_line("Cơ quan trình bày", &form.presenter, 200)
            .map_err(|e| bad(e.to_string()))?
    };
    let minutes = form
        .minutes
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=600).contains(m));
    let minutes =
        minutes.ok_or_else(|| bad("Thời lượng dự kiến phải từ 1 đến 600 phút.".into()))?;
    let resolution_kind = if kind == AgendaKind::Vote {
        Some(match form.resolution_kind.trim() {
            "" => ResolutionKind::Individual,
            k => k
                .parse()
                .map_err(|_| bad("Loại nghị quyết không hợp lệ.".into()))?,
        })
    } else {
        None
    };
    let new = NewAgendaItem {
        session_id: s.id,
        kind,
        title,
        presenter,
        planned_minutes: minutes,
        resolution_kind,
    };
    state
        .store
        .add_agenda_item(&new, &audit_context(&state, &viewer, &headers))
        .await?;
    Ok(announced(&state, &viewer, s.id, "chuong-trinh").await)
}

pub(crate) async fn start_item(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path((id, item)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    if !s.status.is_live() {
        return Err(AppError::BadRequest("Kỳ họp chưa khai mạc.".into()));
    }
    state
        .store
        .move_agenda(s.id, item, &audit_context(&state, &viewer, &headers))
        .await
        .map_err(refusal)?;
    Ok(announced(&state, &viewer, s.id, "chuong-trinh").await)
}

/// The signed-in deputy of the current council, holding office.
pub(super) fn my_seat<'a>(viewer: &Viewer, deps: &'a Deputies) -> AppResult<&'a Member> {
    viewer
        .user
        .person_id
        .and_then(|p| {
            deps.seated
                .iter()
                .find(|m| m.person.id == p && m.person.status.holds_office())
        })
        .ok_or_else(|| {
            AppError::BadRequest("Tài khoản này không gắn với đại biểu của Hội đồng.".into())
        })
}
