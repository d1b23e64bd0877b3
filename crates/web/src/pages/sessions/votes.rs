//! Votes and attendance: opening, casting, closing, timers, hand counts,
//! check-in.

use super::*;

#[derive(Deserialize)]
pub(crate) struct OpenForm {
    #[serde(default)]
    pub(super) mode: String,
    #[serde(default)]
    pub(super) purpose: String,
    #[serde(default)]
    pub(super) seconds: String,
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
    Ok(announced(&state, &viewer, s.id, "bieu-quyet").await)
}

/// Closes the round when its timer runs out, even if no screen asks.
pub(super) fn spawn_timer(
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
    state
        .store
        .close_round(round.id, RoundEvent::Close, size, &council.rules, &ctx)
        .await
        .map_err(refusal)?;
    Ok(announced(&state, &viewer, s.id, "bieu-quyet").await)
}

/// What replaces a deputy's ballot buttons once their ballot is durable
/// (the same words the fragment shows afterwards).
const BALLOT_RECORDED: &str = "<div class=\"alert alert-ok\" role=\"status\" \
    data-testid=\"ballot-recorded\">Phiếu của bạn đã được ghi nhận.</div>";

#[derive(Deserialize)]
pub(crate) struct BallotForm {
    #[serde(default)]
    pub(super) choice: String,
}

pub(crate) async fn cast(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    asked: crate::ops::Asked,
    Path((id, round_id)): Path<(i64, i64)>,
    Form(form): Form<BallotForm>,
) -> AppResult<Response> {
    // The session is read once for all the ballots of a vote, not once
    // per ballot (issue #3): no ballot changes it, and it is shared until
    // another kind of change or for a second. The deputies are kept until
    // the roster changes.
    let s = session_live(&state, &viewer, id).await?;
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
    let ctx = crate::auth::login::audit_context_of(&state, &viewer, asked.request_id);
    let holds = me.person.status.holds_office();
    // The round is read in the ballot's own transaction, which refuses a
    // round of another session as not found. The store commits ballots in
    // groups in a task of its own: a tablet that drops its connection
    // while this waits takes no other ballot with it.
    let outcome = state
        .store
        .cast_ballot(s.id, round_id, me.person.id, holds, choice, &ctx)
        .await?;
    match outcome {
        Ok(()) => {}
        Err(refusal) => return Err(AppError::BadRequest(refusal.to_string())),
    }
    // Acknowledged only now that the ballot is committed. The screens are
    // told how many have voted, counted when the event goes out.
    let store = state.store.clone();
    state.live.publish_progress(s.id, async move {
        let round = store.round(round_id).await.ok()?;
        Some(serde_json::json!({ "round": round.id, "voted": round.voted }).to_string())
    });
    if asked.by_htmx {
        // The tablet swaps this in for the buttons: the deputy stays where
        // they were on the page (a document open, a question half typed)
        // and 500 tablets do not reload the whole session page at once.
        return Ok(Html(BALLOT_RECORDED).into_response());
    }
    Ok(Redirect::to(&format!("/ky-hop/{}", s.id)).into_response())
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
    Ok(announced(&state, &viewer, s.id, "diem-danh").await)
}

#[derive(Deserialize)]
pub(crate) struct RecordForm {
    #[serde(default)]
    pub(super) status: String,
    #[serde(default)]
    pub(super) reason: String,
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
    Ok(announced(&state, &viewer, s.id, "diem-danh").await)
}

#[derive(Deserialize)]
pub(crate) struct ManualForm {
    #[serde(default)]
    pub(super) approve: String,
    #[serde(default)]
    pub(super) reject: String,
    #[serde(default)]
    pub(super) abstain: String,
    #[serde(default)]
    pub(super) present: String,
    #[serde(default)]
    pub(super) purpose: String,
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
    state
        .store
        .record_manual_result(&new, counts, present, size, &council.rules, &ctx)
        .await
        .map_err(refusal)?;
    Ok(announced(&state, &viewer, s.id, "bieu-quyet").await)
}
