//! The floor: the speaking queue and questions to officials (chất vấn).

use super::*;

#[derive(Deserialize)]
pub(crate) struct AskForm {
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) topic: String,
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
    Ok(announced(&state, &viewer, s.id, "phat-bieu").await)
}

pub(super) async fn speak_event(
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
    state
        .store
        .speak_event(target.id, event, &audit_context(state, viewer, headers))
        .await
        .map_err(refusal)?;
    // Online rooms of this session: the floor opens or closes microphones.
    crate::pages::meetings::sync_session_floor(state, s.council_id, s.id).await;
    Ok(announced(state, viewer, s.id, "phat-bieu").await)
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
    pub(super) official: String,
    #[serde(default)]
    pub(super) topic: String,
    #[serde(default)]
    pub(super) content: String,
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
    Ok(announced(&state, &viewer, s.id, "chat-van").await)
}

pub(super) async fn question_event(
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
    state
        .store
        .question_event(target.id, event, answer, &ctx)
        .await
        .map_err(refusal)?;
    Ok(announced(state, viewer, s.id, "chat-van").await)
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
    pub(super) answer: String,
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
