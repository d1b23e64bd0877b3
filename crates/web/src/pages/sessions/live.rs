//! The live views of a session: the fragment every screen reloads on
//! events, and the hall screen.

use std::collections::{HashMap, HashSet};

use super::*;

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
    /// Số, ký hiệu of the resolution it adopted.
    pub(crate) resolution: Option<String>,
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
    /// Số, ký hiệu of the resolution this round adopted.
    pub(crate) resolution: Option<String>,
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
    pub(super) session_id: i64,
    pub(super) csrf: String,
    pub(super) status: &'static str,
    pub(super) is_live: bool,
    pub(super) agenda: Vec<AgendaRow>,
    pub(super) current_title: Option<String>,
    pub(super) headcount: Headcount,
    pub(super) in_office: u32,
    pub(super) quorum_warning: bool,
    pub(super) open_round: Option<OpenRound>,
    pub(super) results: Vec<ResultView>,
    pub(super) labels: VoteLabels,
    pub(super) can_chair: bool,
    pub(super) can_record: bool,
    pub(super) me_status: Option<&'static str>,
    pub(super) me_can_check_in: bool,
    pub(super) me_can_vote: bool,
    pub(super) me_has_voted: bool,
    pub(super) deputies: Vec<DeputyRow>,
    pub(super) speaker: Option<SpeakerView>,
    pub(super) queue: Vec<QueueRow>,
    pub(super) spoken: Vec<QueueRow>,
    pub(super) me_can_ask: bool,
    pub(super) questions: Vec<QuestionRow>,
    pub(super) me_can_question: bool,
    pub(super) can_record_proceedings: bool,
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

/// Closes a round whose timer has run out; every screen then shows the result.
pub(super) async fn expire_if_due(
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

pub(super) fn result_view(round: &VoteRound, labels: &VoteLabels) -> Option<ResultView> {
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
        resolution: None,
    })
}

/// What every screen of a session is made from, read once per state
/// version of the session and shared by all its viewers (issue #3: 500
/// tablets refetch their fragment after each event of a vote). Nothing in
/// it depends on who is looking; each viewer's own parts are worked out
/// from it in [`live_fragment`].
pub(super) struct SessionFacts {
    deps: Arc<Deputies>,
    rounds: Vec<nghitruong_store::VoteRound>,
    agenda: Vec<nghitruong_store::AgendaItem>,
    adopted: Vec<nghitruong_store::AdoptedResolution>,
    requests: Vec<nghitruong_store::SpeakRequest>,
    questions: Vec<nghitruong_store::Question>,
    /// Who has voted in the open round, if one is open.
    open_voters: HashSet<i64>,
    /// Each deputy's attendance (điểm danh) by person; absent: not checked in.
    status: HashMap<i64, AttendanceStatus>,
    /// The counts of deputies in office by attendance. Both are worked out
    /// here once, not by each of 500 tablets scanning the attendance list
    /// for each of 500 deputies.
    headcount: Headcount,
}

async fn session_facts(
    state: &AppState,
    council: &Council,
    s: &CouncilSession,
) -> AppResult<SessionFacts> {
    let deps = deputies(state, council).await?;
    let mut rounds = state.store.rounds(s.id).await?;
    let mut expired = false;
    for r in &rounds {
        expired |= expire_if_due(state, council, r, deps.in_office).await?;
    }
    if expired {
        rounds = state.store.rounds(s.id).await?;
    }
    let open_voters = match rounds.iter().find(|r| r.status == RoundStatus::Open) {
        Some(r) => state.store.round_voters(r.id).await?.into_iter().collect(),
        None => HashSet::new(),
    };
    let status: HashMap<i64, AttendanceStatus> = state
        .store
        .attendance(s.id)
        .await?
        .into_iter()
        .map(|a| (a.person_id, a.status))
        .collect();
    let headcount = Headcount::of(
        deps.seated
            .iter()
            .filter(|m| m.person.status.holds_office())
            .map(|m| {
                status
                    .get(&m.person.id)
                    .copied()
                    .unwrap_or(AttendanceStatus::NotCheckedIn)
            }),
    );
    Ok(SessionFacts {
        deps,
        agenda: state.store.agenda(s.id).await?,
        adopted: state.store.adopted_resolutions(s.id).await?,
        status,
        headcount,
        requests: state.store.speak_requests(s.id).await?,
        questions: state.store.questions(s.id).await?,
        rounds,
        open_voters,
    })
}

pub(super) async fn live_fragment(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    s: &CouncilSession,
) -> AppResult<LiveFragment> {
    let council = current(viewer)?;
    let facts = state
        .live
        .shared(s.id, "facts", || session_facts(state, council, s))
        .await?;
    let SessionFacts {
        deps,
        rounds,
        agenda,
        adopted,
        requests,
        questions,
        open_voters,
        status,
        headcount,
    } = &*facts;
    let number_of = |item: i64| {
        adopted
            .iter()
            .find(|a| a.agenda_item_id == item)
            .map(|a| a.resolution.number.to_string())
    };
    let status_of = |person: i64| {
        status
            .get(&person)
            .copied()
            .unwrap_or(AttendanceStatus::NotCheckedIn)
    };
    let headcount = *headcount;
    let open = rounds.iter().find(|r| r.status == RoundStatus::Open);
    let me = viewer.user.person_id.and_then(|p| {
        deps.seated
            .iter()
            .find(|m| m.person.id == p && m.person.status.holds_office())
    });
    let can_vote = viewer.can(Permission::CastVote) && me.is_some();
    let me_has_voted = open.is_some() && me.is_some_and(|m| open_voters.contains(&m.person.id));
    let me_status = me.map(|m| status_of(m.person.id));
    let can_chair = viewer.can(Permission::ChairSession);
    let can_record = viewer.can(Permission::RecordAttendance);
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
    let questions = questions
        .iter()
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
                resolution: number_of(i.id),
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
            closes_at: r
                .closes_at
                .map(crate::pages::local_time)
                .unwrap_or_default(),
        }),
        results: rounds
            .iter()
            .rev()
            .filter_map(|r| {
                let mut view = result_view(r, &council.rules.vote_labels)?;
                if view.passed {
                    view.resolution = number_of(r.agenda_item_id);
                }
                Some(view)
            })
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

pub(crate) async fn live(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let s = session_live(&state, &viewer, id).await?;
    Ok(Html(
        live_fragment(&state, &viewer, &csrf, &s).await?.render()?,
    ))
}

pub(crate) async fn events(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = session_live(&state, &viewer, id).await?;
    let ended = state.viewers.ended(&viewer, state.clock.now());
    Ok(state.live.stream(s.id, ended).into_response())
}

#[derive(Template)]
#[template(path = "hall.html")]
pub(super) struct HallPage {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) css: String,
    pub(super) js: String,
    pub(super) qr: String,
    pub(super) live: HallFragment,
}

#[derive(Template)]
#[template(path = "hall_live_partial.html")]
pub(crate) struct HallFragment {
    pub(super) speaker: Option<SpeakerView>,
    pub(super) current_title: Option<String>,
    pub(super) headcount: Headcount,
    pub(super) in_office: u32,
    pub(super) quorum_warning: bool,
    pub(super) open_round: Option<OpenRound>,
    pub(super) latest: Option<ResultView>,
}

pub(super) async fn hall_fragment(
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
pub(super) fn guest_qr(headers: &HeaderMap, id: i64) -> String {
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

/// The hall fragment every screen shares, for the session's current state.
async fn shared_hall(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Arc<crate::compressed::Precompressed>> {
    let s = session_live(state, viewer, id).await?;
    state
        .live
        .shared_fragment(s.id, "hall", || async {
            AppResult::Ok(hall_fragment(state, viewer, &s).await?.render()?)
        })
        .await
}

/// Builds the shared hall fragment ahead of the screens' requests.
pub(super) async fn warm_hall(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Arc<crate::compressed::Precompressed>> {
    shared_hall(state, viewer, id).await
}

pub(crate) async fn hall_live(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    // The hall fragment holds nothing private to a viewer (it is what the
    // hall screen shows everyone), so it is rendered and compressed once
    // per change and served to every screen from memory (issue #3).
    Ok(shared_hall(&state, &viewer, id).await?.respond(&headers))
}
