//! Họp trực tuyến: the office schedules a meeting and invites halls (điểm
//! cầu) and people; at the time each participant opens the room page,
//! waits in the lobby until a moderator lets them in, and joins the video
//! through the embedded SFU (or LiveKit). Signalling runs over the
//! WebSocket at `/hop/{id}/ws`. A meeting linked to a council session
//! uses that session's own routes for the speaking queue, check-in and
//! votes: the room page shows the session's live panel and posts to them.

use std::sync::Arc;

use crate::form::Form;
use askama::Template;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::access::Permission;
use nghitruong_domain::meeting::{
    self, InviteRole, MeetingEvent, MeetingKind, MeetingStatus, RoomRole,
};
use nghitruong_domain::speaking::SpeakStatus;
use nghitruong_domain::text;
use nghitruong_meet::livekit;
use nghitruong_store::{Invitee, Meeting, NewMeeting};
use serde::Deserialize;
use time::{Date, PrimitiveDateTime, Time};
use tokio::sync::mpsc::unbounded_channel;

use super::{current, local_day, local_time, refusal};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::meet::{ClientMessage, Entry, MeetEngine, MeetService, Participant, ServerMessage};
use crate::routes::{Route, r};

/// The routes of online meetings.
pub(crate) fn routes() -> Vec<Route> {
    use crate::auth::Access::Permission as Perm;
    use axum::http::Method;
    use axum::routing::{get, post};
    use nghitruong_domain::access::Permission as P;
    vec![
        r(Method::GET, "/hop", Perm(P::ViewSessions), get(list)),
        r(Method::POST, "/hop", Perm(P::ManageSessions), post(create)),
        r(Method::GET, "/hop/{id}", Perm(P::ViewSessions), get(show)),
        r(
            Method::GET,
            "/hop/{id}/ws",
            Perm(P::ViewSessions),
            get(socket),
        ),
        r(
            Method::GET,
            "/hop/{id}/tham-du",
            Perm(P::ViewSessions),
            get(presence),
        ),
        r(
            Method::POST,
            "/hop/{id}/moi",
            Perm(P::ManageSessions),
            post(invite),
        ),
        r(
            Method::POST,
            "/hop/{id}/moi/{invitation}/xoa",
            Perm(P::ManageSessions),
            post(uninvite),
        ),
        r(
            Method::POST,
            "/hop/{id}/huy",
            Perm(P::ManageSessions),
            post(cancel),
        ),
    ]
}

/// Chair and office run meetings.
fn is_moderator(viewer: &Viewer) -> bool {
    viewer.can(Permission::ChairSession) || viewer.can(Permission::ManageSessions)
}

/// A meeting of the viewer's current council; others are not found.
async fn meeting_here(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<Meeting> {
    let council = current(viewer)?;
    let m = state.store.meeting(id).await?;
    if m.council_id != council.id {
        return Err(AppError::NotFound);
    }
    Ok(m)
}

/// How the viewer is in the room: moderator, invited participant or viewer.
async fn room_role(state: &AppState, viewer: &Viewer, m: &Meeting) -> AppResult<RoomRole> {
    let invitation = match viewer.user.person_id {
        Some(person) => state
            .store
            .invitations(m.id)
            .await?
            .into_iter()
            .find(|i| i.invitee == Invitee::Person(person))
            .map(|i| i.role),
        None => None,
    };
    Ok(RoomRole::of(is_moderator(viewer), invitation))
}

pub(crate) struct MeetingRow {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) starts: String,
    pub(crate) status: &'static str,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    layout: Layout,
    council_name: String,
    rows: Vec<MeetingRow>,
    can_manage: bool,
    kinds: &'static [MeetingKind],
    sessions: Vec<(i64, String)>,
}

async fn list_page(state: &AppState, viewer: &Viewer, csrf: &str) -> AppResult<Response> {
    let council = current(viewer)?;
    let can_manage = viewer.can(Permission::ManageSessions);
    let rows = state
        .store
        .meetings(council.id)
        .await?
        .into_iter()
        .map(|m| MeetingRow {
            id: m.id,
            title: m.title,
            kind: m.kind.label(),
            starts: local_time(m.starts_at),
            status: m.status.label(),
        })
        .collect();
    let sessions = if can_manage {
        state
            .store
            .council_sessions(council.id)
            .await?
            .into_iter()
            .map(|s| {
                (
                    s.id,
                    format!(
                        "{} ({})",
                        nghitruong_domain::session::session_title(s.number),
                        super::local_date(s.starts_on)
                    ),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let page = MeetingsPage {
        layout: Layout::signed(state, viewer, csrf, "Họp trực tuyến", "/hop").await?,
        council_name: council.name.clone(),
        rows,
        can_manage,
        kinds: MeetingKind::ALL,
        sessions,
    };
    Ok(Html(page.render()?).into_response())
}

async fn list(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    list_page(&state, &viewer, &csrf).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    session_id: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    time: String,
}

/// Parses the form's local (UTC+7) day and time.
fn local_start(day: &str, time: &str) -> Result<time::OffsetDateTime, String> {
    let day = Date::parse(
        day.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| "Ngày họp không hợp lệ (năm-tháng-ngày).".to_owned())?;
    let time = Time::parse(
        time.trim(),
        time::macros::format_description!("[hour]:[minute]"),
    )
    .map_err(|_| "Giờ họp không hợp lệ (giờ:phút).".to_owned())?;
    Ok(PrimitiveDateTime::new(day, time).assume_offset(time::macros::offset!(+7)))
}

async fn create(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let parsed = (|| {
        let title =
            text::clean_line("Tên cuộc họp", &form.title, 300).map_err(|e| e.to_string())?;
        if title.is_empty() {
            return Err("Cần nhập tên cuộc họp.".to_owned());
        }
        let kind = form
            .kind
            .parse::<MeetingKind>()
            .map_err(|_| "Loại cuộc họp không hợp lệ.".to_owned())?;
        let session_id = match form.session_id.trim() {
            "" => None,
            s => Some(
                s.parse::<i64>()
                    .map_err(|_| "Kỳ họp liên kết không hợp lệ.".to_owned())?,
            ),
        };
        let starts_at = local_start(&form.day, &form.time)?;
        meeting::check_start(starts_at, state.clock.now())?;
        Ok(NewMeeting {
            council_id: council.id,
            title,
            kind,
            session_id,
            starts_at,
        })
    })();
    let new = match parsed {
        Ok(n) => n,
        // Shown inside the form, which keeps what was typed (hx-boost).
        Err(e) => return Err(AppError::BadRequest(e)),
    };
    match state
        .store
        .create_meeting(&new, &audit_context(&state, &viewer, &headers))
        .await
    {
        Ok(m) => Ok(Redirect::to(&format!("/hop/{}", m.id)).into_response()),
        Err(e) => Err(super::refusal(e)),
    }
}

pub(crate) struct InvitationRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) is_hall: bool,
    pub(crate) role: &'static str,
}

pub(crate) struct PresenceRow {
    pub(crate) name: String,
    pub(crate) first: String,
    pub(crate) last: String,
    pub(crate) minutes: i64,
    pub(crate) stays: usize,
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    layout: Layout,
    id: i64,
    title: String,
    kind: &'static str,
    starts: String,
    status: &'static str,
    open: bool,
    session_id: Option<i64>,
    role: RoomRole,
    role_label: &'static str,
    engine: &'static str,
    can_manage: bool,
    cancellable: bool,
    inv: InvitationsView,
    presence: Vec<PresenceRow>,
    meet_js: String,
    /// LiveKit mode: the vendored livekit-client, which meet.js loads on
    /// admission (the embedded mode never downloads it).
    livekit_js: Option<String>,
}

/// The "Thành phần mời" section (thành phần mời): who is invited, and the
/// form to invite more with what was typed kept after a refusal.
struct InvitationsView {
    id: i64,
    csrf: String,
    can_manage: bool,
    /// Why the office can no longer change the list (ended, cancelled).
    closed: Option<&'static str>,
    invitations: Vec<InvitationRow>,
    people: Vec<(i64, String)>,
    roles: &'static [InviteRole],
    /// What the last invitation did, or why it was refused.
    notice: Option<String>,
    error: Option<String>,
    /// The form's values, kept after a refusal.
    person: String,
    hall: String,
    role: String,
}

/// The section alone, sent back to the invite form (htmx).
#[derive(Template)]
#[template(path = "meeting_invitations.html")]
struct InvitationsPartial {
    inv: InvitationsView,
}

/// The attendance record alone, fetched again by meet.js when the room
/// reports someone joining or leaving.
#[derive(Template)]
#[template(path = "meeting_presence.html")]
struct PresencePartial {
    presence: Vec<PresenceRow>,
}

async fn invitations_view(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    m: &Meeting,
) -> AppResult<InvitationsView> {
    // The office changes invitations while the meeting is ahead or under
    // way; afterwards the list is part of its record.
    let closed = m.status.check_invitations().err();
    let can_manage = viewer.can(Permission::ManageSessions) && closed.is_none();
    let council = current(viewer)?;
    let invitations = state
        .store
        .invitations(m.id)
        .await?
        .into_iter()
        .map(|i| InvitationRow {
            id: i.id,
            is_hall: matches!(i.invitee, Invitee::Hall(_)),
            name: i.name,
            role: i.role.label(),
        })
        .collect();
    let people = if can_manage {
        state
            .store
            .seated_deputies(council.id, local_day(state.clock.now()))
            .await?
            .into_iter()
            .map(|d| (d.person.id, d.person.full_name))
            .collect()
    } else {
        vec![]
    };
    Ok(InvitationsView {
        id: m.id,
        csrf: csrf.to_owned(),
        can_manage,
        closed: closed.filter(|_| viewer.can(Permission::ManageSessions)),
        invitations,
        people,
        roles: InviteRole::ALL,
        notice: None,
        error: None,
        person: String::new(),
        hall: String::new(),
        role: String::new(),
    })
}

/// The meeting's attendance record (ghi nhận tham dự), one line a person.
async fn presence_rows(state: &AppState, m: &Meeting) -> AppResult<Vec<PresenceRow>> {
    let until = m.ended_at.unwrap_or_else(|| state.clock.now());
    Ok(meeting::minutes(&state.store.presences(m.id).await?, until)
        .into_iter()
        .map(|l| PresenceRow {
            name: l.name,
            first: local_time(l.first_joined),
            last: l
                .last_left
                .map_or_else(|| "Đang trong phòng".into(), local_time),
            minutes: l.present.whole_minutes(),
            stays: l.stays,
        })
        .collect())
}

async fn presence(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = meeting_here(&state, &viewer, id).await?;
    let page = PresencePartial {
        presence: presence_rows(&state, &m).await?,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(page.render()?)).into_response())
}

async fn show(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = meeting_here(&state, &viewer, id).await?;
    let role = room_role(&state, &viewer, &m).await?;
    let can_manage = viewer.can(Permission::ManageSessions);
    let inv = invitations_view(&state, &viewer, &csrf, &m).await?;
    let presence = presence_rows(&state, &m).await?;
    let (engine, livekit_sources) = match state.meet.engine() {
        MeetEngine::Embedded { .. } => ("embedded", None),
        MeetEngine::LiveKit(config) => ("livekit", config.connect_sources()),
    };
    let page = MeetingPage {
        layout: Layout::signed(&state, &viewer, &csrf, &m.title, "/hop").await?,
        id: m.id,
        title: m.title.clone(),
        kind: m.kind.label(),
        starts: local_time(m.starts_at),
        status: m.status.label(),
        open: m.status.admits(),
        session_id: m.session_id,
        role,
        role_label: role.label(),
        engine,
        can_manage,
        cancellable: m.status.allows(MeetingEvent::Cancel),
        inv,
        presence,
        meet_js: crate::statics::url("meet.js"),
        livekit_js: (engine == "livekit").then(|| crate::statics::url("livekit-client.umd.js")),
    };
    let mut response = Html(page.render()?).into_response();
    if let Some(sources) = livekit_sources {
        // The browser joins the LiveKit server: this page may connect there
        // too, and nowhere else but this origin.
        let policy = crate::routes::csp_with_connect(&sources);
        if let Ok(value) = header::HeaderValue::from_str(&policy) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    Ok(response)
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    hall: String,
    #[serde(default)]
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let m = meeting_here(&state, &viewer, id).await?;
    let htmx = headers.contains_key("hx-request");
    let outcome = invite_one(&state, &viewer, &headers, &m, &form).await;
    if !htmx {
        return outcome.map(|_| Redirect::to(&format!("/hop/{id}")).into_response());
    }
    // htmx: the section comes back in place, with what happened.
    let mut inv = invitations_view(&state, &viewer, &csrf, &m).await?;
    let status = match outcome {
        Ok(notice) => {
            inv.notice = Some(notice);
            StatusCode::OK
        }
        Err(AppError::BadRequest(reason)) => {
            inv.error = Some(reason);
            inv.person = form.person_id.trim().to_owned();
            inv.hall = form.hall.chars().take(200).collect();
            inv.role = form.role.trim().to_owned();
            StatusCode::BAD_REQUEST
        }
        Err(e) => return Err(e),
    };
    Ok((status, Html(InvitationsPartial { inv }.render()?)).into_response())
}

/// Invites the person or hall the form names; says whom, or why not.
async fn invite_one(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    m: &Meeting,
    form: &InviteForm,
) -> AppResult<String> {
    let role = form
        .role
        .parse::<InviteRole>()
        .map_err(|_| AppError::BadRequest("Vai trò mời không hợp lệ.".into()))?;
    let hall = if form.hall.trim().is_empty() {
        String::new()
    } else {
        text::clean_line("Điểm cầu", &form.hall, 200)
            .map_err(|e| AppError::BadRequest(e.to_string()))?
    };
    let invitee = match (form.person_id.trim(), hall.is_empty()) {
        ("", false) => Invitee::Hall(hall),
        (p, true) if !p.is_empty() => Invitee::Person(
            p.parse()
                .map_err(|_| AppError::BadRequest("Người được mời không hợp lệ.".into()))?,
        ),
        (p, false) if !p.is_empty() => {
            return Err(AppError::BadRequest(
                "Mỗi lần mời một đại biểu hoặc một điểm cầu, không chọn cả hai.".into(),
            ));
        }
        _ => {
            return Err(AppError::BadRequest(
                "Chọn một đại biểu hoặc nhập tên một điểm cầu.".into(),
            ));
        }
    };
    // The form offers the council's seated deputies; a person id sent by
    // other means (an agency officer, another council's deputy) would be
    // told of a meeting whose page is closed to them.
    if let Invitee::Person(person) = &invitee {
        let council = current(viewer)?;
        let day = local_day(state.clock.now());
        if state
            .store
            .seated_deputy(council.id, *person, day)
            .await?
            .is_none()
        {
            return Err(AppError::BadRequest(
                "Chỉ mời được đại biểu của Hội đồng; người này không có trong danh sách.".into(),
            ));
        }
    }
    let invitation = state
        .store
        .invite(m.id, &invitee, role, &audit_context(state, viewer, headers))
        .await
        .map_err(refusal)?;
    let name = state
        .store
        .invitations(m.id)
        .await?
        .into_iter()
        .find(|i| i.id == invitation)
        .map_or_else(String::new, |i| i.name);
    // The person hears of it under "Thông báo" (and by e-mail when set up).
    if let Invitee::Person(person) = invitee {
        let told = async {
            let to = state.store.person_users(&[person]).await?;
            crate::notify::notify(
                state,
                &to,
                &format!("Mời họp trực tuyến: {}", m.title),
                &format!(
                    "Bạn được mời {} cuộc họp “{}” lúc {}.",
                    role.label().to_lowercase(),
                    m.title,
                    super::local_time(m.starts_at)
                ),
                Some(&format!("/hop/{}", m.id)),
            )
            .await
        };
        if let Err(e) = told.await {
            tracing::warn!(error = %e, "could not tell the invited person");
        }
    }
    Ok(format!("Đã mời {name} ({}).", role.label().to_lowercase()))
}

async fn uninvite(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path((id, invitation)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let m = meeting_here(&state, &viewer, id).await?;
    state
        .store
        .uninvite(m.id, invitation, &audit_context(&state, &viewer, &headers))
        .await
        .map_err(refusal)?;
    if !headers.contains_key("hx-request") {
        return Ok(Redirect::to(&format!("/hop/{id}")).into_response());
    }
    let mut inv = invitations_view(&state, &viewer, &csrf, &m).await?;
    inv.notice = Some("Đã bỏ lời mời.".into());
    Ok(Html(InvitationsPartial { inv }.render()?).into_response())
}

async fn cancel(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = meeting_here(&state, &viewer, id).await?;
    state
        .store
        .meeting_event(
            m.id,
            MeetingEvent::Cancel,
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(refusal)?;
    // Anyone already waiting in the lobby is told, and the room released.
    state.meet.close(m.id, ServerMessage::Cancelled);
    Ok(Redirect::to(&format!("/hop/{id}")).into_response())
}

/// What someone connecting to a meeting that no longer admits is told.
fn closed_message(status: MeetingStatus) -> ServerMessage {
    match status {
        MeetingStatus::Cancelled => ServerMessage::Cancelled,
        _ => ServerMessage::Ended,
    }
}

/// The people holding the floor in a council session (đang phát biểu).
async fn session_speakers(
    state: &AppState,
    session_id: i64,
) -> Result<Vec<i64>, nghitruong_store::StoreError> {
    Ok(state
        .store
        .speak_requests(session_id)
        .await?
        .into_iter()
        .filter(|r| r.status == SpeakStatus::Speaking)
        .map(|r| r.person_id)
        .collect())
}

/// After the session's speaking queue changed (the chair gave the floor,
/// took it back, or a speech ended): in every running room of the
/// session's meetings, whoever has the floor hears their audio open, and
/// whoever lost it is muted again where the meeting is moderated.
pub(crate) async fn sync_session_floor(state: &AppState, council_id: i64, session_id: i64) {
    let sync = async {
        let speakers = session_speakers(state, session_id).await?;
        for m in state.store.meetings(council_id).await? {
            if m.session_id == Some(session_id) && m.status == MeetingStatus::Live {
                state
                    .meet
                    .sync_floor(m.id, m.kind.moderates_microphones(), |p, _| {
                        p.person_id.is_some_and(|x| speakers.contains(&x))
                    });
            }
        }
        Ok::<(), nghitruong_store::StoreError>(())
    };
    if let Err(e) = sync.await {
        // The queue itself changed; the rooms catch up on the next change
        // or when people come back.
        tracing::warn!(error = %e, "could not bring the meeting rooms' floor up to date");
    }
}

/// A WebSocket must come from a page of this server: the browser sends
/// cookies with any cross-site WebSocket, so the origin is checked.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Not a browser (no Origin): cookies are still required.
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority == host)
}

/// The largest signalling message (an SDP offer with simulcast is ~10 kB).
const MAX_MESSAGE: usize = 64 * 1024;

async fn socket(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ws: WebSocketUpgrade,
) -> AppResult<Response> {
    if !same_origin(&headers) {
        return Err(AppError::Forbidden);
    }
    // A meeting that no longer admits still upgrades: the page is told in
    // words (it cannot read an HTTP refusal of a WebSocket) and stops.
    let m = meeting_here(&state, &viewer, id).await?;
    let role = room_role(&state, &viewer, &m).await?;
    Ok(ws
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| run_socket(socket, state, viewer, m, role, headers)))
}

/// One person's connection to the room, from entering to leaving.
struct Connection {
    state: AppState,
    viewer: Arc<Viewer>,
    headers: HeaderMap,
    meeting: Meeting,
    role: RoomRole,
    peer: u64,
    presence: Option<i64>,
    sfu_joined: bool,
    sfu_events: tokio::sync::mpsc::UnboundedSender<nghitruong_meet::FromSfu>,
}

enum Flow {
    Go,
    Close,
}

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

async fn run_socket(
    mut socket: WebSocket,
    state: AppState,
    viewer: Arc<Viewer>,
    meeting: Meeting,
    role: RoomRole,
    headers: HeaderMap,
) {
    let meet = state.meet.clone();
    let id = meeting.id;
    if !meeting.status.admits() {
        let _ = send(&mut socket, &closed_message(meeting.status)).await;
        let _ = socket.send(Message::Close(None)).await;
        return;
    }
    if role == RoomRole::Moderator && meeting.status == MeetingStatus::Scheduled {
        // The moderator entering opens the meeting.
        let ctx = audit_context(&state, &viewer, &headers);
        if let Err(e) = state
            .store
            .meeting_event(id, MeetingEvent::Open, &ctx)
            .await
        {
            tracing::debug!(error = %e, "meeting already open");
        }
    }
    let peer = meet.new_peer();
    let (out_tx, mut out_rx) = unbounded_channel::<ServerMessage>();
    let (sfu_tx, mut sfu_rx) = unbounded_channel();
    let participant = Participant {
        peer,
        user_id: viewer.user.id,
        person_id: viewer.user.person_id,
        name: viewer.user.display_name.clone(),
        role,
        admitted: !role.waits_in_lobby(),
        audio: false,
        video: false,
        screen: false,
        hand: false,
        silenced: false,
        speaking: false,
    };
    let engine = match meet.engine() {
        MeetEngine::Embedded { .. } => "embedded",
        MeetEngine::LiveKit(_) => "livekit",
    };
    let hello = ServerMessage::Hello {
        peer,
        role,
        admitted: false,
        engine,
    };
    if !send(&mut socket, &hello).await {
        return;
    }
    let mut conn = Connection {
        state: state.clone(),
        viewer,
        headers,
        meeting,
        role,
        peer,
        presence: None,
        sfu_joined: false,
        sfu_events: sfu_tx,
    };
    // LiveKit mode: when the next fresh token is due (none before admission).
    let refresh_every = match meet.engine() {
        MeetEngine::LiveKit(config) => Some(std::time::Duration::from_secs(
            livekit::refresh_after_seconds(config.ttl_seconds),
        )),
        MeetEngine::Embedded { .. } => None,
    };
    let mut refresh_at: Option<tokio::time::Instant> = None;
    match meet.enter(id, participant, out_tx) {
        Entry::Admitted => {
            // Let in at once: go through the same path as an admission.
            meet.send_to(id, peer, ServerMessage::Admitted { livekit: None });
        }
        Entry::Lobby => {}
        Entry::Closed(message) => {
            // Ended while this connection was being set up.
            let _ = send(&mut socket, &message).await;
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let flow = match serde_json::from_str::<ClientMessage>(text.as_str()) {
                    Ok(message) => conn.handle(&meet, message).await,
                    Err(_) => {
                        let message = ServerMessage::Error {
                            message: "Thông điệp không hợp lệ.".into(),
                        };
                        if send(&mut socket, &message).await { Flow::Go } else { Flow::Close }
                    }
                };
                if matches!(flow, Flow::Close) {
                    break;
                }
            }
            Some(message) = out_rx.recv() => {
                let message = match message {
                    ServerMessage::Admitted { .. } => conn.admitted().await,
                    other => other,
                };
                let last = matches!(
                    message,
                    ServerMessage::Removed | ServerMessage::Ended | ServerMessage::Cancelled
                );
                // The microphone's permission changed: the session's next
                // reconnect should carry the new one.
                let renew = matches!(
                    message,
                    ServerMessage::Floor { .. } | ServerMessage::Silenced { .. }
                ) && refresh_at.is_some();
                if matches!(message, ServerMessage::Admitted { livekit: Some(_) }) {
                    refresh_at = refresh_every.map(|every| tokio::time::Instant::now() + every);
                }
                if !send(&mut socket, &message).await || last {
                    break;
                }
                if renew && let Some(token) = conn.livekit_token() {
                    if !send(&mut socket, &token).await {
                        break;
                    }
                    refresh_at = refresh_every.map(|every| tokio::time::Instant::now() + every);
                }
            }
            () = sleep_until_some(refresh_at) => {
                // Only someone still let in gets one; the lobby waits for
                // its admission's token.
                refresh_at = match conn.livekit_token() {
                    Some(token) => {
                        if !send(&mut socket, &token).await {
                            break;
                        }
                        refresh_every.map(|every| tokio::time::Instant::now() + every)
                    }
                    None => None,
                };
            }
            Some(message) = sfu_rx.recv() => {
                if matches!(message, nghitruong_meet::FromSfu::Failed { .. }) {
                    // The SFU let this peer go: a new offer may join again.
                    conn.sfu_joined = false;
                }
                if !send(&mut socket, &MeetService::relay(message)).await {
                    break;
                }
            }
        }
    }
    // The leaving is on record before the room tells the others, so that
    // their attendance record, fetched on that news, has it.
    if let Some(presence) = conn.presence {
        let ctx = audit_context(&conn.state, &conn.viewer, &conn.headers);
        if let Err(e) = conn.state.store.record_leave(presence, &ctx).await {
            tracing::warn!(error = %e, "could not record leaving the meeting");
        }
    }
    meet.leave(id, peer);
    let _ = socket.send(Message::Close(None)).await;
}

/// Sleeps until `at`, or for ever when there is no such time.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Connection {
    fn moderator_only(&self) -> Option<Flow> {
        (self.role != RoomRole::Moderator).then(|| {
            self.state.meet.send_to(
                self.meeting.id,
                self.peer,
                ServerMessage::Error {
                    message: "Chỉ người điều hành được làm việc này.".into(),
                },
            );
            Flow::Go
        })
    }

    fn error(&self, message: &str) -> Flow {
        self.state.meet.send_to(
            self.meeting.id,
            self.peer,
            ServerMessage::Error {
                message: message.into(),
            },
        );
        Flow::Go
    }

    /// Let in: record the arrival for the minutes and, in LiveKit mode,
    /// issue the access token (refreshed by [`Connection::livekit_token`]).
    async fn admitted(&mut self) -> ServerMessage {
        if self.presence.is_none() {
            let ctx = audit_context(&self.state, &self.viewer, &self.headers);
            match self
                .state
                .store
                .record_join(
                    self.meeting.id,
                    self.viewer.user.id,
                    &self.viewer.user.display_name,
                    &ctx,
                )
                .await
            {
                Ok(p) => self.presence = Some(p),
                Err(e) => tracing::warn!(error = %e, "could not record joining the meeting"),
            }
        }
        // The microphone by the room's rules: does this person hold the
        // floor already (in the session's queue, or given in the room)?
        let in_session = match (self.meeting.session_id, self.viewer.user.person_id) {
            (Some(session), person) => match session_speakers(&self.state, session).await {
                Ok(speakers) => Some(person.is_some_and(|p| speakers.contains(&p))),
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the session's floor");
                    Some(false)
                }
            },
            (None, _) => None,
        };
        self.state.meet.enter_mic(
            self.meeting.id,
            self.peer,
            self.meeting.kind.moderates_microphones(),
            in_session,
        );
        // LiveKit mode: the token follows the microphone just set.
        let now = self.state.clock.now().unix_timestamp();
        let livekit = self
            .state
            .meet
            .livekit_join(self.meeting.id, self.peer, now);
        ServerMessage::Admitted { livekit }
    }

    /// LiveKit mode: a fresh token for someone still let in, with what they
    /// may do now; `None` for the lobby, the removed and in embedded mode.
    fn livekit_token(&self) -> Option<ServerMessage> {
        let now = self.state.clock.now().unix_timestamp();
        self.state
            .meet
            .livekit_join(self.meeting.id, self.peer, now)
            .map(|join| ServerMessage::LivekitToken { token: join.token })
    }

    fn me(&self) -> Option<Participant> {
        self.state.meet.participant(self.meeting.id, self.peer)
    }

    async fn handle(&mut self, meet: &MeetService, message: ClientMessage) -> Flow {
        let id = self.meeting.id;
        let admitted = self.me().is_some_and(|p| p.admitted);
        match message {
            ClientMessage::Offer { sdp } => {
                if !admitted {
                    return self.error("Đang chờ người điều hành cho vào phòng.");
                }
                if self.sfu_joined {
                    return self.error("Đã kết nối hình ảnh; hãy tải lại trang để kết nối lại.");
                }
                match meet.join_sfu(
                    id,
                    self.peer,
                    sdp,
                    self.role.publishes(),
                    self.sfu_events.clone(),
                ) {
                    Ok(()) => {
                        self.sfu_joined = true;
                        Flow::Go
                    }
                    Err(e) => self.error(&e),
                }
            }
            ClientMessage::Answer { sdp } => {
                if let Some(Ok(sfu)) = meet.sfu() {
                    let _ = sfu.send(nghitruong_meet::ToSfu::Answer {
                        peer: nghitruong_meet::PeerId(self.peer),
                        sdp,
                    });
                }
                Flow::Go
            }
            ClientMessage::Layer { peer, layer } => {
                if let Some(Ok(sfu)) = meet.sfu() {
                    let _ = sfu.send(nghitruong_meet::ToSfu::Layer {
                        peer: nghitruong_meet::PeerId(self.peer),
                        source: nghitruong_meet::PeerId(peer),
                        layer,
                    });
                }
                Flow::Go
            }
            ClientMessage::Media {
                audio,
                video,
                screen,
            } => {
                let publishes = self.role.publishes();
                meet.update(id, self.peer, |p| {
                    p.audio = audio && publishes;
                    p.video = video && publishes;
                    p.screen = screen && publishes;
                });
                Flow::Go
            }
            ClientMessage::Hand { up } => {
                if !admitted {
                    return Flow::Go;
                }
                meet.update(id, self.peer, |p| p.hand = up);
                Flow::Go
            }
            ClientMessage::Chat { text: line } => {
                if !admitted {
                    return Flow::Go;
                }
                let line = text::clean_line("Tin nhắn", &line, 1000).unwrap_or_default();
                if line.is_empty() {
                    return Flow::Go;
                }
                let at = self.state.clock.now().to_offset(time::macros::offset!(+7));
                meet.broadcast(
                    id,
                    &ServerMessage::Chat {
                        peer: self.peer,
                        name: self.viewer.user.display_name.clone(),
                        text: line,
                        at: format!("{:02}:{:02}", at.hour(), at.minute()),
                    },
                );
                Flow::Go
            }
            ClientMessage::Admit { peer } => {
                if let Some(flow) = self.moderator_only() {
                    return flow;
                }
                if meet.update(id, peer, |p| p.admitted = true) {
                    meet.send_to(id, peer, ServerMessage::Admitted { livekit: None });
                }
                Flow::Go
            }
            ClientMessage::Silence { peer, silenced } => {
                if let Some(flow) = self.moderator_only() {
                    return flow;
                }
                meet.silence(id, peer, silenced);
                Flow::Go
            }
            ClientMessage::Floor { peer, give } => {
                if let Some(flow) = self.moderator_only() {
                    return flow;
                }
                if self.meeting.session_id.is_some() {
                    return self.error(
                        "Cuộc họp gắn với kỳ họp: mời phát biểu từ danh sách đăng ký phát biểu của kỳ họp.",
                    );
                }
                let moderated = self.meeting.kind.moderates_microphones();
                if !meet.give_floor(id, peer, give, moderated) {
                    return self.error("Người này không còn trong phòng hoặc chỉ theo dõi.");
                }
                Flow::Go
            }
            ClientMessage::Remove { peer } => {
                if let Some(flow) = self.moderator_only() {
                    return flow;
                }
                if peer != self.peer {
                    meet.remove(id, peer);
                }
                Flow::Go
            }
            ClientMessage::End => {
                if let Some(flow) = self.moderator_only() {
                    return flow;
                }
                let ctx = audit_context(&self.state, &self.viewer, &self.headers);
                match self
                    .state
                    .store
                    .meeting_event(id, MeetingEvent::End, &ctx)
                    .await
                {
                    Ok(_) => {
                        // Stays are closed by the store at the end.
                        self.presence = None;
                        meet.close(id, ServerMessage::Ended);
                        Flow::Go
                    }
                    Err(nghitruong_store::StoreError::Conflict(reason)) => self.error(&reason),
                    Err(e) => {
                        tracing::error!(error = %e, "could not end the meeting");
                        self.error("Không kết thúc được cuộc họp; hãy thử lại.")
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn local_start_reads_vietnamese_time() {
        let t = local_start("2026-12-08", "08:30").unwrap();
        assert_eq!(t, time::macros::datetime!(2026-12-08 01:30 UTC));
        assert!(local_start("08/12/2026", "08:30").is_err());
        assert!(local_start("2026-12-08", "25:00").is_err());
    }

    #[test]
    fn websockets_from_another_site_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h), "no Origin: not a browser");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }
}
