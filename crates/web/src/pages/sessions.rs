//! Kỳ họp: the office prepares a session and its agenda, the chair runs it
//! live, deputies check in and vote on their tablets, and the hall screen
//! shows it all. Every screen follows changes through the live hub.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::access::Permission;
use nghitruong_domain::attendance::{self, AttendanceStatus, CheckInMethod, Headcount};
use nghitruong_domain::org::Council;
use nghitruong_domain::questioning::{QuestionEvent, QuestionStatus};
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

use super::{local_date, local_day};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;

/// A session row in the list.
pub(crate) struct SessionRow {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) dates: String,
    pub(crate) place: String,
    pub(crate) status: &'static str,
}

fn title_of(s: &CouncilSession, council: &Council) -> String {
    format!(
        "{}, {} khóa {}",
        session::session_title(s.number),
        council.name,
        council.term.roman()
    )
}

fn dates_of(s: &CouncilSession) -> String {
    if s.starts_on == s.ends_on {
        local_date(s.starts_on)
    } else {
        format!("{} – {}", local_date(s.starts_on), local_date(s.ends_on))
    }
}

fn current(viewer: &Viewer) -> AppResult<&Council> {
    viewer.council.as_ref().ok_or(AppError::Forbidden)
}

/// A session of the viewer's current council; others are not found.
async fn session_here(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<CouncilSession> {
    let council = current(viewer)?;
    let s = state.store.council_session(id).await?;
    let visible = s.status.is_visible_to_deputies() || viewer.can(Permission::ManageSessions);
    if s.council_id != council.id || !visible {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    layout: Layout,
    council_name: String,
    rows: Vec<SessionRow>,
    can_manage: bool,
    kinds: &'static [SessionKind],
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    error: Option<String>,
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
    let status = if error.is_some() { 400 } else { 200 };
    let page = SessionsPage {
        layout: Layout::signed(state, viewer, csrf, "Kỳ họp", "/ky-hop").await?,
        council_name: council.name.clone(),
        rows,
        can_manage,
        kinds: SessionKind::ALL,
        error,
    };
    let status = axum::http::StatusCode::from_u16(status).unwrap_or_default();
    Ok((status, Html(page.render()?)).into_response())
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    list_page(&state, &viewer, &csrf, None).await
}

#[derive(Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    closed: Option<String>,
}

fn parse_day(field: &str, s: &str) -> Result<Date, String> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("{field} không hợp lệ (định dạng năm-tháng-ngày)."))
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
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
        Err(e) => return list_page(&state, &viewer, &csrf, Some(e)).await,
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

/// An agenda row as shown.
pub(crate) struct AgendaRow {
    pub(crate) id: i64,
    pub(crate) kind: &'static str,
    pub(crate) title: String,
    pub(crate) presenter: String,
    pub(crate) minutes: u32,
    pub(crate) status: &'static str,
    pub(crate) is_current: bool,
    pub(crate) can_start: bool,
    pub(crate) has_vote: bool,
}

/// A round being voted on.
pub(crate) struct OpenRound {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) round_number: u32,
    pub(crate) mode: &'static str,
    pub(crate) voted: u32,
    pub(crate) closes_at: String,
}

/// A closed round's result, with bars for the chart.
pub(crate) struct ResultView {
    pub(crate) title: String,
    pub(crate) round_number: u32,
    pub(crate) mode: &'static str,
    pub(crate) bars: Vec<Bar>,
    pub(crate) not_voted: u32,
    pub(crate) passed: bool,
    pub(crate) rule: String,
}

/// One bar of a result chart: a label, a count, its share of the denominator.
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) count: u32,
    pub(crate) percent: String,
    pub(crate) width: u32,
    pub(crate) class: &'static str,
}

/// A deputy in the secretary's attendance list.
pub(crate) struct DeputyRow {
    pub(crate) person_id: i64,
    pub(crate) name: String,
    pub(crate) status: &'static str,
}

#[derive(Template)]
#[template(path = "session_live_partial.html")]
pub(crate) struct LiveFragment {
    session_id: i64,
    csrf: String,
    status: &'static str,
    is_live: bool,
    agenda: Vec<AgendaRow>,
    current_title: Option<String>,
    headcount: Headcount,
    in_office: u32,
    quorum_warning: bool,
    open_round: Option<OpenRound>,
    results: Vec<ResultView>,
    labels: VoteLabels,
    can_chair: bool,
    can_record: bool,
    me_status: Option<&'static str>,
    me_can_check_in: bool,
    me_can_vote: bool,
    me_has_voted: bool,
    deputies: Vec<DeputyRow>,
    speaker: Option<SpeakerView>,
    queue: Vec<QueueRow>,
    spoken: Vec<QueueRow>,
    me_can_ask: bool,
    questions: Vec<QuestionRow>,
    me_can_question: bool,
    can_record_proceedings: bool,
}

/// A question as listed.
pub(crate) struct QuestionRow {
    pub(crate) id: i64,
    pub(crate) asker: String,
    pub(crate) official: String,
    pub(crate) topic: String,
    pub(crate) content: String,
    pub(crate) status: &'static str,
    pub(crate) can_call: bool,
    pub(crate) asking: bool,
    pub(crate) open: bool,
    pub(crate) mine: bool,
    pub(crate) answer: Option<String>,
}

/// Whoever has the floor.
pub(crate) struct SpeakerView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) topic: String,
    pub(crate) ends_at_ms: i64,
    pub(crate) clock: String,
}

/// A request in the queue or the history.
pub(crate) struct QueueRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) topic: String,
    pub(crate) mine: bool,
    pub(crate) duration: String,
}

/// What the live views need about the council's deputies.
struct Deputies {
    seated: Vec<Member>,
    in_office: u32,
}

async fn deputies(state: &AppState, council: &Council) -> AppResult<Deputies> {
    let seated = state
        .store
        .seated_deputies(council.id, local_day(state.clock.now()))
        .await?;
    let in_office = u32::try_from(
        seated
            .iter()
            .filter(|m| m.person.status.holds_office())
            .count(),
    )
    .unwrap_or(0);
    Ok(Deputies { seated, in_office })
}

fn council_size(state: &AppState, council: &Council, in_office: u32) -> CouncilSize {
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

/// Closes a round whose timer has run out; every screen then shows the result.
async fn expire_if_due(
    state: &AppState,
    council: &Council,
    round: &VoteRound,
    in_office: u32,
) -> AppResult<bool> {
    let due = round.status == RoundStatus::Open
        && round.closes_at.is_some_and(|t| state.clock.now() >= t);
    if !due {
        return Ok(false);
    }
    let ctx = nghitruong_store::AuditContext::system(state.clock.now());
    let size = council_size(state, council, in_office);
    match state
        .store
        .close_round(round.id, RoundEvent::Expire, size, &council.rules, &ctx)
        .await
    {
        Ok(_) => {
            state.live.publish(round.session_id, "bieu-quyet");
            Ok(true)
        }
        // Someone closed it a moment earlier.
        Err(StoreError::Conflict(_)) => Ok(true),
        Err(e) => Err(e.into()),
    }
}

fn result_view(round: &VoteRound, labels: &VoteLabels) -> Option<ResultView> {
    let r = round.result.as_ref()?;
    let n = |k: &str| u32::try_from(r[k].as_u64().unwrap_or(0)).unwrap_or(0);
    let denominator = n("denominator");
    let bar = |label: &str, count: u32, class| {
        let bp = vote::basis_points(count, denominator);
        Bar {
            label: label.to_owned(),
            count,
            percent: vote::percent_vi(bp),
            width: bp / 100,
            class,
        }
    };
    let rule = r["rule"]
        .as_str()
        .and_then(|c| c.parse::<nghitruong_domain::rules::MajorityRule>().ok());
    let kind = r["denominator_kind"]
        .as_str()
        .and_then(|c| c.parse::<nghitruong_domain::rules::Denominator>().ok());
    Some(ResultView {
        title: round.title.clone(),
        round_number: round.round_number,
        mode: if round.manual {
            "Kiểm phiếu thủ công"
        } else {
            round.mode.label()
        },
        bars: vec![
            bar(&labels.approve, n("approve"), "bar-approve"),
            bar(&labels.reject, n("reject"), "bar-reject"),
            bar(&labels.abstain, n("abstain"), "bar-abstain"),
        ],
        not_voted: n("not_voted"),
        passed: r["passed"].as_bool().unwrap_or(false),
        rule: format!(
            "{}: cần ít nhất {} trên {} ({})",
            rule.map_or("", |r| r.label()),
            n("threshold"),
            denominator,
            kind.map_or("", |k| k.label()).to_lowercase()
        ),
    })
}

async fn live_fragment(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    s: &CouncilSession,
) -> AppResult<LiveFragment> {
    let council = current(viewer)?;
    let deps = deputies(state, council).await?;
    let mut rounds = state.store.rounds(s.id).await?;
    let mut expired = false;
    for r in &rounds {
        expired |= expire_if_due(state, council, r, deps.in_office).await?;
    }
    if expired {
        rounds = state.store.rounds(s.id).await?;
    }
    let agenda = state.store.agenda(s.id).await?;
    let attendance = state.store.attendance(s.id).await?;
    let status_of = |person: i64| {
        attendance
            .iter()
            .find(|a| a.person_id == person)
            .map_or(AttendanceStatus::NotCheckedIn, |a| a.status)
    };
    let headcount = Headcount::of(
        deps.seated
            .iter()
            .filter(|m| m.person.status.holds_office())
            .map(|m| status_of(m.person.id)),
    );
    let open = rounds.iter().find(|r| r.status == RoundStatus::Open);
    let me = viewer.user.person_id.and_then(|p| {
        deps.seated
            .iter()
            .find(|m| m.person.id == p && m.person.status.holds_office())
    });
    let can_vote = viewer.can(Permission::CastVote) && me.is_some();
    let me_has_voted = match (open, me) {
        (Some(r), Some(m)) => state.store.round_voters(r.id).await?.contains(&m.person.id),
        _ => false,
    };
    let me_status = me.map(|m| status_of(m.person.id));
    let can_chair = viewer.can(Permission::ChairSession);
    let can_record = viewer.can(Permission::RecordAttendance);
    let requests = state.store.speak_requests(s.id).await?;
    let now = state.clock.now();
    let my_person = me.map(|m| m.person.id);
    let speaker = requests
        .iter()
        .find(|r| r.status == SpeakStatus::Speaking)
        .map(|r| {
            let started = r.started_at.unwrap_or(now);
            let left = speaking::seconds_left(started, r.allotted_seconds, now);
            SpeakerView {
                id: r.id,
                name: r.person_name.clone(),
                kind: r.kind.label(),
                topic: r.topic.clone(),
                ends_at_ms: nghitruong_domain::clock::to_millis(started)
                    + i64::from(r.allotted_seconds) * 1000,
                clock: speaking::clock_text(left),
            }
        });
    let row = |r: &nghitruong_store::SpeakRequest| QueueRow {
        id: r.id,
        name: r.person_name.clone(),
        kind: r.kind.label(),
        topic: r.topic.clone(),
        mine: Some(r.person_id) == my_person,
        duration: match (r.started_at, r.ended_at) {
            (Some(a), Some(b)) => speaking::clock_text((b - a).whole_seconds()),
            _ => String::new(),
        },
    };
    let queue: Vec<QueueRow> = requests
        .iter()
        .filter(|r| r.status == SpeakStatus::Waiting)
        .map(row)
        .collect();
    let spoken: Vec<QueueRow> = requests
        .iter()
        .filter(|r| r.status == SpeakStatus::Done)
        .map(row)
        .collect();
    let me_open = requests
        .iter()
        .any(|r| Some(r.person_id) == my_person && r.status.is_open());
    let questions = state
        .store
        .questions(s.id)
        .await?
        .into_iter()
        .map(|q| QuestionRow {
            id: q.id,
            asker: q.person_name.clone(),
            official: q.official.clone(),
            topic: q.topic.clone(),
            content: q.content.clone(),
            status: q.status.label(),
            can_call: q.status == QuestionStatus::Filed,
            asking: q.status == QuestionStatus::Asking,
            open: matches!(q.status, QuestionStatus::Filed | QuestionStatus::Asking),
            mine: Some(q.person_id) == my_person,
            answer: q.answer.clone(),
        })
        .collect();
    let filing_open = matches!(
        s.status,
        SessionStatus::Convened | SessionStatus::InProgress
    );
    Ok(LiveFragment {
        session_id: s.id,
        csrf: csrf.to_owned(),
        status: s.status.label(),
        is_live: s.status.is_live(),
        agenda: agenda
            .iter()
            .map(|i| AgendaRow {
                id: i.id,
                kind: i.kind.label(),
                title: i.title.clone(),
                presenter: i.presenter.clone(),
                minutes: i.planned_minutes,
                status: i.status.label(),
                is_current: i.status == AgendaStatus::Current,
                can_start: can_chair
                    && s.status.is_live()
                    && matches!(i.status, AgendaStatus::Pending | AgendaStatus::Skipped),
                has_vote: i.kind.has_vote(),
            })
            .collect(),
        current_title: agenda
            .iter()
            .find(|i| i.status == AgendaStatus::Current)
            .map(|i| i.title.clone()),
        headcount,
        in_office: deps.in_office,
        quorum_warning: headcount.below(council.rules.quorum_warning, deps.in_office),
        open_round: open.map(|r| OpenRound {
            id: r.id,
            title: r.title.clone(),
            round_number: r.round_number,
            mode: r.mode.label(),
            voted: r.voted,
            closes_at: r.closes_at.map(super::local_time).unwrap_or_default(),
        }),
        results: rounds
            .iter()
            .rev()
            .filter_map(|r| result_view(r, &council.rules.vote_labels))
            .collect(),
        labels: council.rules.vote_labels.clone(),
        can_chair,
        can_record,
        me_status: me_status.map(AttendanceStatus::label),
        me_can_check_in: can_vote
            && s.status.is_live()
            && !me_status.is_some_and(AttendanceStatus::is_present),
        me_can_vote: can_vote
            && open.is_some()
            && me_status.is_some_and(AttendanceStatus::is_present),
        me_has_voted,
        deputies: if can_record {
            deps.seated
                .iter()
                .filter(|m| m.person.status.holds_office())
                .map(|m| DeputyRow {
                    person_id: m.person.id,
                    name: m.person.full_name.clone(),
                    status: status_of(m.person.id).label(),
                })
                .collect()
        } else {
            Vec::new()
        },
        speaker,
        queue,
        spoken,
        me_can_ask: can_vote && s.status.is_live() && !me_open,
        questions,
        me_can_question: viewer.can(Permission::FileQuestion) && me.is_some() && filing_open,
        can_record_proceedings: viewer.can(Permission::RecordProceedings),
    })
}

#[derive(Template)]
#[template(path = "session.html")]
struct SessionPage {
    layout: Layout,
    id: i64,
    title: String,
    kind: &'static str,
    dates: String,
    place: String,
    is_public: bool,
    can_manage: bool,
    can_chair: bool,
    prepare_events: Vec<(&'static str, &'static str)>,
    chair_events: Vec<(&'static str, &'static str)>,
    editable: bool,
    agenda_kinds: &'static [AgendaKind],
    live: LiveFragment,
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
        live: live_fragment(&state, &viewer, &csrf, &s).await?,
    };
    Ok(Html(page.render()?))
}

/// Events the office applies; the chair opens and closes.
const PREPARE_EVENTS: [SessionEvent; 4] = [
    SessionEvent::Convene,
    SessionEvent::Withdraw,
    SessionEvent::Cancel,
    SessionEvent::Archive,
];
const CHAIR_EVENTS: [SessionEvent; 2] = [SessionEvent::Open, SessionEvent::Close];

pub(crate) async fn live(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let s = session_here(&state, &viewer, id).await?;
    Ok(Html(
        live_fragment(&state, &viewer, &csrf, &s).await?.render()?,
    ))
}

pub(crate) async fn events(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    Ok(state.live.stream(s.id).into_response())
}

#[derive(Deserialize)]
pub(crate) struct EventForm {
    #[serde(default)]
    event: String,
}

async fn apply(
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
    match state
        .store
        .session_event(s.id, event, &audit_context(state, viewer, headers))
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(m)) => return Err(AppError::BadRequest(m)),
        Err(e) => return Err(e.into()),
    }
    state.live.publish(s.id, "trang-thai");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
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
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    presenter: String,
    #[serde(default)]
    minutes: String,
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
    let new = NewAgendaItem {
        session_id: s.id,
        kind,
        title,
        presenter,
        planned_minutes: minutes,
    };
    state
        .store
        .add_agenda_item(&new, &audit_context(&state, &viewer, &headers))
        .await?;
    state.live.publish(s.id, "chuong-trinh");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
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
    match state
        .store
        .move_agenda(s.id, item, &audit_context(&state, &viewer, &headers))
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(m)) => return Err(AppError::BadRequest(m)),
        Err(e) => return Err(e.into()),
    }
    state.live.publish(s.id, "chuong-trinh");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct OpenForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    seconds: String,
}

pub(crate) async fn open_vote(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path((id, item)): Path<(i64, i64)>,
    Form(form): Form<OpenForm>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    if !s.status.is_live() {
        return Err(AppError::BadRequest(
            "Kỳ họp chưa khai mạc nên chưa thể biểu quyết.".into(),
        ));
    }
    let agenda = state.store.agenda(s.id).await?;
    let target = agenda
        .iter()
        .find(|i| i.id == item)
        .ok_or(AppError::NotFound)?;
    if !target.kind.has_vote() {
        return Err(AppError::BadRequest(
            "Nội dung này không có biểu quyết.".into(),
        ));
    }
    let mode = form.mode.parse::<VoteMode>().unwrap_or(VoteMode::Named);
    let purpose = form
        .purpose
        .parse::<VotePurpose>()
        .unwrap_or(VotePurpose::Ordinary);
    let seconds = match form.seconds.trim() {
        "" | "0" => None,
        s => Some(
            s.parse::<u32>()
                .ok()
                .filter(|n| (10..=3600).contains(n))
                .ok_or_else(|| {
                    AppError::BadRequest("Thời gian biểu quyết phải từ 10 đến 3600 giây.".into())
                })?,
        ),
    };
    let new = NewVoteRound {
        session_id: s.id,
        agenda_item_id: target.id,
        title: target.title.clone(),
        mode,
        purpose,
        seconds,
    };
    let round = match state
        .store
        .open_round(&new, &audit_context(&state, &viewer, &headers))
        .await
    {
        Ok(r) => r,
        Err(StoreError::Conflict(m)) => return Err(AppError::BadRequest(m)),
        Err(e) => return Err(e.into()),
    };
    if let Some(closes_at) = round.closes_at {
        spawn_timer(
            state.clone(),
            current(&viewer)?.clone(),
            round.id,
            s.id,
            closes_at,
        );
    }
    state.live.publish(s.id, "bieu-quyet");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

/// Closes the round when its timer runs out, even if no screen asks.
fn spawn_timer(
    state: AppState,
    council: Council,
    round_id: i64,
    session_id: i64,
    closes_at: time::OffsetDateTime,
) {
    tokio::spawn(async move {
        let wait = (closes_at - state.clock.now()).whole_milliseconds().max(0);
        tokio::time::sleep(std::time::Duration::from_millis(
            u64::try_from(wait).unwrap_or(0),
        ))
        .await;
        let Ok(round) = state.store.round(round_id).await else {
            return;
        };
        let Ok(deps) = deputies(&state, &council).await else {
            return;
        };
        if let Err(e) = expire_if_due(&state, &council, &round, deps.in_office).await {
            tracing::error!(round_id, session_id, error = ?e, "failed to close an expired vote");
        }
    });
}

pub(crate) async fn close_vote(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path((id, round_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    let round = state.store.round(round_id).await?;
    if round.session_id != s.id {
        return Err(AppError::NotFound);
    }
    let council = current(&viewer)?;
    let deps = deputies(&state, council).await?;
    let size = council_size(&state, council, deps.in_office);
    let ctx = audit_context(&state, &viewer, &headers);
    match state
        .store
        .close_round(round.id, RoundEvent::Close, size, &council.rules, &ctx)
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(m)) => return Err(AppError::BadRequest(m)),
        Err(e) => return Err(e.into()),
    }
    state.live.publish(s.id, "bieu-quyet");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct BallotForm {
    #[serde(default)]
    choice: String,
}

pub(crate) async fn cast(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path((id, round_id)): Path<(i64, i64)>,
    Form(form): Form<BallotForm>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    let round = state.store.round(round_id).await?;
    if round.session_id != s.id {
        return Err(AppError::NotFound);
    }
    let choice: Choice = form
        .choice
        .parse()
        .map_err(|_| AppError::BadRequest("Vui lòng chọn một phương án.".into()))?;
    let council = current(&viewer)?;
    let deps = deputies(&state, council).await?;
    let me = viewer
        .user
        .person_id
        .and_then(|p| deps.seated.iter().find(|m| m.person.id == p));
    let Some(me) = me else {
        return Err(AppError::BadRequest(
            "Tài khoản này không gắn với đại biểu của Hội đồng.".into(),
        ));
    };
    let ctx = audit_context(&state, &viewer, &headers);
    let holds = me.person.status.holds_office();
    match state
        .store
        .cast_ballot(round.id, me.person.id, holds, choice, &ctx)
        .await?
    {
        Ok(()) => {}
        Err(refusal) => return Err(AppError::BadRequest(refusal.to_string())),
    }
    // Acknowledged only now that the ballot is committed.
    state.live.publish(s.id, "phieu");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

pub(crate) async fn check_in(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let deps = deputies(&state, council).await?;
    let me = viewer
        .user
        .person_id
        .and_then(|p| {
            deps.seated
                .iter()
                .find(|m| m.person.id == p && m.person.status.holds_office())
        })
        .ok_or_else(|| {
            AppError::BadRequest("Tài khoản này không gắn với đại biểu của Hội đồng.".into())
        })?;
    attendance::check_change(s.status.is_live(), AttendanceStatus::Present, None)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let ctx = audit_context(&state, &viewer, &headers);
    state
        .store
        .set_attendance(
            s.id,
            me.person.id,
            AttendanceStatus::Present,
            CheckInMethod::SelfService,
            None,
            &ctx,
        )
        .await?;
    state.live.publish(s.id, "diem-danh");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct RecordForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn record_attendance(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path((id, person)): Path<(i64, i64)>,
    Form(form): Form<RecordForm>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let deps = deputies(&state, council).await?;
    if !deps.seated.iter().any(|m| m.person.id == person) {
        return Err(AppError::NotFound);
    }
    let status: AttendanceStatus = form
        .status
        .parse()
        .map_err(|_| AppError::BadRequest("Tình trạng điểm danh không hợp lệ.".into()))?;
    let reason = if form.reason.trim().is_empty() {
        None
    } else {
        Some(
            text::clean_line("Lý do", &form.reason, 200)
                .map_err(|e| AppError::BadRequest(e.to_string()))?,
        )
    };
    attendance::check_change(s.status.is_live(), status, reason.as_deref())
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let ctx = audit_context(&state, &viewer, &headers);
    state
        .store
        .set_attendance(
            s.id,
            person,
            status,
            CheckInMethod::Secretary,
            reason.as_deref(),
            &ctx,
        )
        .await?;
    state.live.publish(s.id, "diem-danh");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "hall.html")]
struct HallPage {
    id: i64,
    title: String,
    css: String,
    js: String,
    qr: String,
    live: HallFragment,
}

#[derive(Template)]
#[template(path = "hall_live_partial.html")]
pub(crate) struct HallFragment {
    speaker: Option<SpeakerView>,
    current_title: Option<String>,
    headcount: Headcount,
    in_office: u32,
    quorum_warning: bool,
    open_round: Option<OpenRound>,
    latest: Option<ResultView>,
}

async fn hall_fragment(
    state: &AppState,
    viewer: &Viewer,
    s: &CouncilSession,
) -> AppResult<HallFragment> {
    let f = live_fragment(state, viewer, "", s).await?;
    Ok(HallFragment {
        speaker: f.speaker,
        current_title: f.current_title,
        headcount: f.headcount,
        in_office: f.in_office,
        quorum_warning: f.quorum_warning,
        open_round: f.open_round,
        latest: f.results.into_iter().next(),
    })
}

pub(crate) async fn hall(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let s = session_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let page = HallPage {
        id: s.id,
        title: title_of(&s, council),
        css: crate::statics::url("app.css"),
        js: crate::statics::url("app.js"),
        qr: guest_qr(&headers, s.id),
        live: hall_fragment(&state, &viewer, &s).await?,
    };
    Ok(Html(page.render()?))
}

/// A QR code of the session's address on this server, for guests to open
/// their documents. The host is the one the hall screen itself reached.
fn guest_qr(headers: &HeaderMap, id: i64) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("127.0.0.1");
    crate::auth::totp::qr_data_url(&format!("http://{host}/ky-hop/{id}")).unwrap_or_default()
}

pub(crate) async fn hall_live(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let s = session_here(&state, &viewer, id).await?;
    Ok(Html(hall_fragment(&state, &viewer, &s).await?.render()?))
}

#[derive(Deserialize)]
pub(crate) struct AskForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    topic: String,
}

/// The signed-in deputy of the current council, holding office.
fn my_seat<'a>(viewer: &Viewer, deps: &'a Deputies) -> AppResult<&'a Member> {
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

pub(crate) async fn ask_to_speak(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<AskForm>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let deps = deputies(&state, council).await?;
    let me = my_seat(&viewer, &deps)?;
    let kind = form.kind.parse::<SpeakKind>().unwrap_or(SpeakKind::Speak);
    let topic = text::clean_line("Nội dung đăng ký", &form.topic, 300)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let seconds = match kind {
        SpeakKind::Speak => council.rules.speaking_seconds,
        // A debate answers one point; half the time, at least a minute.
        SpeakKind::Debate => (council.rules.speaking_seconds / 2).max(60),
    };
    let ctx = audit_context(&state, &viewer, &headers);
    if let Err(refusal) = state
        .store
        .ask_to_speak(s.id, me.person.id, kind, &topic, seconds, &ctx)
        .await?
    {
        return Err(AppError::BadRequest(refusal.to_string()));
    }
    state.live.publish(s.id, "phat-bieu");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

async fn speak_event(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    id: i64,
    request: i64,
    event: SpeakEvent,
) -> AppResult<Response> {
    let s = session_here(state, viewer, id).await?;
    let requests = state.store.speak_requests(s.id).await?;
    let target = requests
        .iter()
        .find(|r| r.id == request)
        .ok_or(AppError::NotFound)?;
    if event == SpeakEvent::Withdraw && Some(target.person_id) != viewer.user.person_id {
        return Err(AppError::Forbidden);
    }
    match state
        .store
        .speak_event(target.id, event, &audit_context(state, viewer, headers))
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(m)) => return Err(AppError::BadRequest(m)),
        Err(e) => return Err(e.into()),
    }
    state.live.publish(s.id, "phat-bieu");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

pub(crate) async fn run_speaker(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path((id, request)): Path<(i64, i64)>,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    let event = form
        .event
        .parse::<SpeakEvent>()
        .ok()
        .filter(|e| *e != SpeakEvent::Withdraw)
        .ok_or_else(|| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    speak_event(&state, &viewer, &headers, id, request, event).await
}

pub(crate) async fn withdraw(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path((id, request)): Path<(i64, i64)>,
) -> AppResult<Response> {
    speak_event(&state, &viewer, &headers, id, request, SpeakEvent::Withdraw).await
}

#[derive(Deserialize)]
pub(crate) struct QuestionForm {
    #[serde(default)]
    official: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    content: String,
}

pub(crate) async fn file_question(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<QuestionForm>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    if !matches!(
        s.status,
        SessionStatus::Convened | SessionStatus::InProgress
    ) {
        return Err(AppError::BadRequest(
            "Chỉ gửi câu hỏi chất vấn khi kỳ họp đã triệu tập hoặc đang diễn ra.".into(),
        ));
    }
    let council = current(&viewer)?;
    let deps = deputies(&state, council).await?;
    let me = my_seat(&viewer, &deps)?;
    let bad = |e: text::TextError| AppError::BadRequest(e.to_string());
    let new = nghitruong_store::NewQuestion {
        session_id: s.id,
        person_id: me.person.id,
        official: text::clean_line("Người bị chất vấn", &form.official, 200).map_err(bad)?,
        topic: text::clean_line("Vấn đề chất vấn", &form.topic, 200).map_err(bad)?,
        content: text::clean_line("Nội dung câu hỏi", &form.content, 2000).map_err(bad)?,
    };
    state
        .store
        .file_question(&new, &audit_context(&state, &viewer, &headers))
        .await?;
    state.live.publish(s.id, "chat-van");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

async fn question_event(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    (id, question): (i64, i64),
    event: QuestionEvent,
    answer: Option<&str>,
) -> AppResult<Response> {
    let s = session_here(state, viewer, id).await?;
    let all = state.store.questions(s.id).await?;
    let target = all
        .iter()
        .find(|q| q.id == question)
        .ok_or(AppError::NotFound)?;
    if event == QuestionEvent::Withdraw && Some(target.person_id) != viewer.user.person_id {
        return Err(AppError::Forbidden);
    }
    let ctx = audit_context(state, viewer, headers);
    match state
        .store
        .question_event(target.id, event, answer, &ctx)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(m)) => return Err(AppError::BadRequest(m)),
        Err(e) => return Err(e.into()),
    }
    state.live.publish(s.id, "chat-van");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}

pub(crate) async fn run_question(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(ids): Path<(i64, i64)>,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    let event = form
        .event
        .parse::<QuestionEvent>()
        .ok()
        .filter(|e| matches!(e, QuestionEvent::Call | QuestionEvent::Decline))
        .ok_or_else(|| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    question_event(&state, &viewer, &headers, ids, event, None).await
}

#[derive(Deserialize)]
pub(crate) struct AnswerForm {
    #[serde(default)]
    answer: String,
}

pub(crate) async fn answer_question(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(ids): Path<(i64, i64)>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let answer = text::clean_line("Nội dung trả lời", &form.answer, 4000)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    question_event(
        &state,
        &viewer,
        &headers,
        ids,
        QuestionEvent::Answer,
        Some(&answer),
    )
    .await
}

pub(crate) async fn withdraw_question(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(ids): Path<(i64, i64)>,
) -> AppResult<Response> {
    question_event(
        &state,
        &viewer,
        &headers,
        ids,
        QuestionEvent::Withdraw,
        None,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct ManualForm {
    #[serde(default)]
    approve: String,
    #[serde(default)]
    reject: String,
    #[serde(default)]
    abstain: String,
    #[serde(default)]
    present: String,
    #[serde(default)]
    purpose: String,
}

pub(crate) async fn manual_result(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path((id, item)): Path<(i64, i64)>,
    Form(form): Form<ManualForm>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    if !s.status.is_live() {
        return Err(AppError::BadRequest("Kỳ họp chưa khai mạc.".into()));
    }
    let agenda = state.store.agenda(s.id).await?;
    let target = agenda
        .iter()
        .find(|i| i.id == item && i.kind.has_vote())
        .ok_or(AppError::NotFound)?;
    let number = |field: &str, v: &str| -> AppResult<u32> {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 1000)
            .ok_or_else(|| {
                AppError::BadRequest(format!("{field} phải là số nguyên từ 0 đến 1000."))
            })
    };
    let counts = vote::Counts {
        approve: number("Số phiếu tán thành", &form.approve)?,
        reject: number("Số phiếu không tán thành", &form.reject)?,
        abstain: number("Số phiếu không biểu quyết", &form.abstain)?,
    };
    let present = number("Số đại biểu có mặt", &form.present)?;
    let council = current(&viewer)?;
    let deps = deputies(&state, council).await?;
    let new = NewVoteRound {
        session_id: s.id,
        agenda_item_id: target.id,
        title: target.title.clone(),
        mode: VoteMode::Named,
        purpose: form.purpose.parse().unwrap_or(VotePurpose::Ordinary),
        seconds: None,
    };
    let size = council_size(&state, council, deps.in_office);
    let ctx = audit_context(&state, &viewer, &headers);
    match state
        .store
        .record_manual_result(&new, counts, present, size, &council.rules, &ctx)
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(m)) => return Err(AppError::BadRequest(m)),
        Err(e) => return Err(e.into()),
    }
    state.live.publish(s.id, "bieu-quyet");
    Ok(Redirect::to(&format!("/ky-hop/{id}")).into_response())
}
