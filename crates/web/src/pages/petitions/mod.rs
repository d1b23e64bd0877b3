//! Kiến nghị cử tri: rounds of voter contact and their meetings, capture,
//! aggregation with duplicate detection, classification, forwarding with
//! due dates on the working-day calendar, the agency's answer, grading,
//! carry-over, import and export, the dashboard and the public portal.

mod aggregate;
mod answer;
mod documents;
mod import;
mod portal;
mod reminders;
mod sheet;

use crate::form::Form;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use nghitruong_domain::access::Permission as P;
use nghitruong_domain::org::{BodyKind, CommitteeKind};
use nghitruong_domain::petition::{
    self, AssemblySession, Classification, Competence, MeetingKind, PetitionEvent as Ev,
    PetitionStatus, ResultClass, TOPICS, Track,
};
use nghitruong_store::{
    ForwardRequest, NewOpinion, NewPetitionRound, NewVoterMeeting, PetitionChange, PetitionCountBy,
    PetitionFilter, PetitionRecord, PetitionRound, StoreError,
};
use serde::Deserialize;
use time::Date;

pub(super) use super::{calendar_of, current, refusal};
use super::{local_date, local_day};
use crate::AppState;
use crate::auth::Access::{Permission as Perm, Public};
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::routes::{Route, r};

pub(crate) use aggregate::*;
pub(crate) use answer::*;
pub(crate) use documents::*;
pub(crate) use import::*;
pub(crate) use portal::*;
pub(crate) use reminders::remind_job;

/// The routes of voter petitions.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        r(
            Method::GET,
            "/kien-nghi",
            Perm(P::ViewPetitions),
            get(overview),
        ),
        r(
            Method::POST,
            "/kien-nghi/dot",
            Perm(P::ProcessPetitions),
            post(create_round),
        ),
        r(
            Method::GET,
            "/kien-nghi/dot/{id}",
            Perm(P::ViewPetitions),
            get(round_page),
        ),
        r(
            Method::POST,
            "/kien-nghi/dot/{id}/hoi-nghi",
            Perm(P::CapturePetitions),
            post(create_meeting),
        ),
        r(
            Method::GET,
            "/kien-nghi/hoi-nghi/{id}",
            Perm(P::ViewPetitions),
            get(meeting_page),
        ),
        r(
            Method::POST,
            "/kien-nghi/hoi-nghi/{id}/y-kien",
            Perm(P::CapturePetitions),
            post(capture),
        ),
        r(
            Method::GET,
            "/kien-nghi/dot/{id}/tong-hop",
            Perm(P::ProcessPetitions),
            get(aggregate_page),
        ),
        r(
            Method::POST,
            "/kien-nghi/dot/{id}/tong-hop",
            Perm(P::ProcessPetitions),
            post(aggregate_submit),
        ),
        r(
            Method::POST,
            "/kien-nghi/dot/{id}/chuyen",
            Perm(P::ProcessPetitions),
            post(forward),
        ),
        r(
            Method::POST,
            "/kien-nghi/dot/{id}/nhap",
            Perm(P::CapturePetitions),
            // The handler counts the bytes itself and answers in Vietnamese;
            // the router's overall limit still applies.
            post(import_upload).layer(DefaultBodyLimit::disable()),
        ),
        r(
            Method::POST,
            "/kien-nghi/nhap/{id}/xac-nhan",
            Perm(P::CapturePetitions),
            post(import_commit),
        ),
        r(
            Method::GET,
            "/kien-nghi/dot/{id}/xuat.xlsx",
            Perm(P::ViewPetitions),
            get(export_xlsx),
        ),
        r(
            Method::GET,
            "/kien-nghi/dot/{id}/cong-van/{letter}",
            Perm(P::ViewPetitions),
            get(letter_docx),
        ),
        r(
            Method::GET,
            "/kien-nghi/dot/{id}/bao-cao.docx",
            Perm(P::ViewPetitions),
            get(report_docx),
        ),
        r(
            Method::GET,
            "/kien-nghi/duoc-giao",
            Perm(P::AnswerPetitions),
            get(assigned),
        ),
        r(
            Method::GET,
            "/kien-nghi/{id}",
            Perm(P::ViewPetitions),
            get(detail),
        ),
        r(
            Method::POST,
            "/kien-nghi/{id}/xu-ly",
            Perm(P::ProcessPetitions),
            post(process),
        ),
        r(
            Method::POST,
            ANSWER_UPLOAD,
            Perm(P::AnswerPetitions),
            // The handler streams the file to disk and counts its bytes.
            post(answer).layer(DefaultBodyLimit::disable()),
        ),
        r(
            Method::GET,
            "/kien-nghi/{id}/tra-loi/{file}",
            Perm(P::ViewPetitions),
            get(answer_file),
        ),
        r(
            Method::GET,
            "/cong-khai/kien-nghi/{id}/tra-loi/{file}",
            Public,
            get(public_answer_file),
        ),
        r(
            Method::GET,
            "/cong-khai/kien-nghi",
            Public,
            get(portal_page),
        ),
        r(
            Method::GET,
            "/cong-khai/kien-nghi.json",
            Public,
            get(open_data_json),
        ),
        r(
            Method::GET,
            "/cong-khai/kien-nghi.csv",
            Public,
            get(open_data_csv),
        ),
    ]
}

// --- Shared helpers ----------------------------------------------------------

/// A round of the viewer's council; others are not found.
pub(super) async fn round_here(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<PetitionRound> {
    let council = current(viewer)?;
    let round = state.store.petition_round(id).await?;
    if round.council_id != council.id {
        return Err(AppError::NotFound);
    }
    Ok(round)
}

/// A petition the viewer may see: one of their council's, or, for an
/// agency officer, one assigned to their agency.
async fn petition_here(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<PetitionRecord> {
    let record = state.store.petition(id).await?;
    let council = current(viewer)?;
    if record.petition.council_id() != council.id {
        return Err(AppError::NotFound);
    }
    if is_agency_only(viewer) && !assigned_to_viewer(viewer, &record) {
        return Err(AppError::NotFound);
    }
    Ok(record)
}

/// An agency officer sees only what is assigned to their agency.
fn is_agency_only(viewer: &Viewer) -> bool {
    viewer.can(P::AnswerPetitions) && !viewer.can(P::ProcessPetitions)
}

fn assigned_to_viewer(viewer: &Viewer, record: &PetitionRecord) -> bool {
    let agency = record.petition.assignment().map(|a| a.agency_id);
    agency.is_some() && agency == viewer.user.agency_body_id
}

fn parse_day(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// One row of a petition list.
pub(crate) struct PetitionRow {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) place: String,
    pub(crate) voters: u32,
    pub(crate) status: &'static str,
    pub(crate) status_code: &'static str,
    pub(crate) field: &'static str,
    pub(crate) agency: String,
    pub(crate) due: String,
    pub(crate) overdue: bool,
}

pub(crate) fn petition_row(r: &PetitionRecord, today: Date) -> PetitionRow {
    let p = &r.petition;
    PetitionRow {
        id: p.id(),
        text: p.text().to_owned(),
        place: r.place_name.clone().unwrap_or_default(),
        voters: p.voter_count(),
        status: p.status().label(),
        status_code: p.status().as_str(),
        field: p.classification().map_or("", |c| c.field.label()),
        agency: r.agency_name.clone().unwrap_or_default(),
        due: p
            .assignment()
            .map(|a| local_date(a.due))
            .unwrap_or_default(),
        overdue: p.is_overdue(today),
    }
}

/// A bar of a chart: a label, a count and its width in percent of the
/// largest.
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) count: i64,
    pub(crate) width: i64,
}

fn bars(counts: Vec<(String, i64)>) -> Vec<Bar> {
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    counts
        .into_iter()
        .map(|(label, count)| Bar {
            label,
            count,
            width: (count * 100 / max).max(2),
        })
        .collect()
}

// --- Overview and dashboard ----------------------------------------------------

#[derive(Template)]
#[template(path = "petitions.html")]
struct OverviewPage {
    layout: Layout,
    council_name: String,
    rounds: Vec<PetitionRound>,
    can_process: bool,
    tracks: &'static [Track],
    today: String,
    by_status: Vec<Bar>,
    by_field: Vec<Bar>,
    by_agency: Vec<Bar>,
    by_result: Vec<Bar>,
    by_place: Vec<Bar>,
    total: i64,
    on_time: String,
    overdue: Vec<PetitionRow>,
}

pub(crate) async fn overview(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    if is_agency_only(&viewer) {
        return Ok(Redirect::to("/kien-nghi/duoc-giao").into_response());
    }
    let council = current(&viewer)?;
    let store = &state.store;
    let rounds = store.petition_rounds(council.id).await?;
    let by_status = counted(&state, council.id, PetitionCountBy::Status, |code| {
        code.parse::<PetitionStatus>()
            .map_or_else(|_| code.to_owned(), |s| s.label().to_owned())
    })
    .await?;
    let by_field = counted(&state, council.id, PetitionCountBy::Field, |code| {
        code.parse::<CommitteeKind>()
            .map_or_else(|_| "Chưa phân loại".to_owned(), |s| s.label().to_owned())
    })
    .await?;
    let mut by_agency = counted(&state, council.id, PetitionCountBy::Agency, |k| {
        if k.is_empty() {
            "Chưa giao".to_owned()
        } else {
            k.to_owned()
        }
    })
    .await?;
    by_agency.truncate(12);
    let mut by_place = counted(&state, council.id, PetitionCountBy::Place, |k| {
        if k.is_empty() {
            "Không rõ địa bàn".to_owned()
        } else {
            k.to_owned()
        }
    })
    .await?;
    by_place.truncate(12);
    let by_result = counted(&state, council.id, PetitionCountBy::Result, |code| {
        code.parse::<ResultClass>()
            .map_or_else(|_| "Chưa đánh giá".to_owned(), |s| s.label().to_owned())
    })
    .await?;
    let total = by_status.iter().map(|(_, n)| n).sum();

    let today = local_day(state.clock.now());
    let forwarded = store
        .petitions(&PetitionFilter {
            council_id: Some(council.id),
            ..Default::default()
        })
        .await?;
    let answered: Vec<bool> = forwarded
        .iter()
        .filter_map(|r| r.petition.answered_on_time())
        .collect();
    let on_time = if answered.is_empty() {
        "chưa có".to_owned()
    } else {
        let ok = answered.iter().filter(|b| **b).count();
        format!("{}% ({ok}/{})", ok * 100 / answered.len(), answered.len())
    };
    let overdue = forwarded
        .iter()
        .filter(|r| r.petition.is_overdue(today))
        .take(50)
        .map(|r| petition_row(r, today))
        .collect();
    let page = OverviewPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Kiến nghị cử tri", "/kien-nghi").await?,
        council_name: council.name.clone(),
        rounds,
        can_process: viewer.can(P::ProcessPetitions),
        tracks: Track::ALL,
        today: today.to_string(),
        by_status: bars(by_status),
        by_field: bars(by_field),
        by_agency: bars(by_agency),
        by_result: bars(by_result),
        by_place: bars(by_place),
        total,
        on_time,
        overdue,
    };
    Ok(Html(page.render()?).into_response())
}

/// Petitions of a council counted by `by`, each key given its label.
async fn counted(
    state: &AppState,
    council_id: i64,
    by: PetitionCountBy,
    label: impl Fn(&str) -> String,
) -> AppResult<Vec<(String, i64)>> {
    let rows = state.store.petition_counts(council_id, by).await?;
    Ok(rows.into_iter().map(|c| (label(&c.key), c.count)).collect())
}

#[derive(Deserialize)]
pub(crate) struct RoundForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    track: String,
    #[serde(default)]
    opened_on: String,
    #[serde(default)]
    na_opening: String,
    #[serde(default)]
    na_closing: String,
}

/// The NA session's dates of a round form: both or neither, and only on
/// the Delegation's track.
fn assembly_of(form: &RoundForm, track: Track) -> AppResult<Option<AssemblySession>> {
    let bad = |m: &str| AppError::BadRequest(m.to_owned());
    let (opening, closing) = (form.na_opening.trim(), form.na_closing.trim());
    if opening.is_empty() && closing.is_empty() {
        return Ok(None);
    }
    if track != Track::Delegation {
        return Err(bad(
            "Chỉ đợt tiếp xúc của Đoàn ĐBQH mới gắn với kỳ họp Quốc hội; hãy để trống hai ngày này.",
        ));
    }
    let opening =
        parse_day(opening).ok_or_else(|| bad("Ngày khai mạc kỳ họp Quốc hội không hợp lệ."))?;
    let closing =
        parse_day(closing).ok_or_else(|| bad("Ngày bế mạc kỳ họp Quốc hội không hợp lệ."))?;
    AssemblySession::new(opening, closing)
        .map(Some)
        .map_err(|e| AppError::BadRequest(e.to_string()))
}

pub(crate) async fn create_round(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<RoundForm>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let name = nghitruong_domain::text::clean_line("Tên đợt", &form.name, 300)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let track = form
        .track
        .parse::<Track>()
        .map_err(|_| AppError::BadRequest("Hãy chọn luồng kiến nghị.".into()))?;
    let opened_on = parse_day(&form.opened_on)
        .ok_or_else(|| AppError::BadRequest("Ngày bắt đầu không hợp lệ.".into()))?;
    let assembly = assembly_of(&form, track)?;
    let round = state
        .store
        .create_petition_round(
            &NewPetitionRound {
                council_id: council.id,
                name,
                track,
                session_id: None,
                opened_on,
                assembly,
            },
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(refusal)?;
    Ok(Redirect::to(&format!("/kien-nghi/dot/{}", round.id)).into_response())
}

// --- A round -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "petition_round.html")]
struct RoundPage {
    layout: Layout,
    round: PetitionRound,
    track: &'static str,
    meetings: Vec<MeetingRow>,
    rows: Vec<PetitionRow>,
    letters: Vec<LetterRow>,
    agencies: Vec<(i64, String)>,
    statuses: &'static [PetitionStatus],
    fields: &'static [CommitteeKind],
    kinds: &'static [MeetingKind],
    q: String,
    status: String,
    field: String,
    can_capture: bool,
    can_process: bool,
    today: String,
    classified: usize,
    window: Option<WindowView>,
}

/// The Delegation's sending window as the round page shows it.
struct WindowView {
    opening: String,
    closing: String,
    send_by: String,
    /// "còn 5 ngày", "quá hạn 3 ngày", "đã gửi đúng hạn".
    state: String,
    late: bool,
}

fn window_view(
    round: &PetitionRound,
    days: u32,
    letters: &[nghitruong_store::PetitionLetter],
    waiting: usize,
    today: Date,
) -> Option<WindowView> {
    let na = round.assembly?;
    let send_by = na.send_by(round.opened_on, days);
    let late_letters = letters
        .iter()
        .filter(|l| petition::days_late(send_by, l.issued_on).is_some())
        .count();
    let (state, late) = match (waiting, petition::SendingWindow::on(send_by, today)) {
        (0, _) if letters.is_empty() => ("chưa có kiến nghị để gửi".to_owned(), false),
        (0, _) if late_letters > 0 => (format!("{late_letters} công văn gửi sau hạn"), true),
        (0, _) => ("đã gửi đúng hạn".to_owned(), false),
        (n, petition::SendingWindow::Open { days_left }) => (
            format!("còn {days_left} ngày; {n} kiến nghị chưa gửi"),
            false,
        ),
        (n, petition::SendingWindow::Overdue { days_late }) => (
            format!("quá hạn {days_late} ngày; {n} kiến nghị chưa gửi"),
            true,
        ),
    };
    Some(WindowView {
        opening: local_date(na.opening),
        closing: local_date(na.closing),
        send_by: local_date(send_by),
        state,
        late,
    })
}

struct MeetingRow {
    id: i64,
    kind: &'static str,
    held_on: String,
    place: String,
    voters: u32,
}

struct LetterRow {
    id: i64,
    number: String,
    agency: String,
    issued_on: String,
    due_on: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    field: String,
}

/// The agencies petitions can be forwarded to: the council's departments,
/// committees of the People's Committee and the central ministries.
async fn agencies(state: &AppState, council_id: i64) -> AppResult<Vec<(i64, String)>> {
    let bodies = state.store.bodies(council_id).await?;
    Ok(bodies
        .into_iter()
        .filter(|b| {
            matches!(
                b.kind,
                BodyKind::PeoplesCommittee
                    | BodyKind::Department
                    | BodyKind::Ministry
                    | BodyKind::Court
                    | BodyKind::Procuracy
                    | BodyKind::Other
            )
        })
        .map(|b| (b.id, b.name))
        .collect())
}

pub(crate) async fn round_page(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    if is_agency_only(&viewer) {
        return Err(AppError::NotFound);
    }
    let round = round_here(&state, &viewer, id).await?;
    let today = local_day(state.clock.now());
    let filter = PetitionFilter {
        round_id: Some(round.id),
        status: query.status.parse().ok(),
        field: query.field.parse().ok(),
        text: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        ..Default::default()
    };
    let records = state.store.petitions(&filter).await?;
    let classified = records
        .iter()
        .filter(|r| r.petition.status() == PetitionStatus::Classified)
        .count();
    let meetings = state
        .store
        .voter_meetings(round.id)
        .await?
        .into_iter()
        .map(|m| MeetingRow {
            id: m.id,
            kind: m.kind.label(),
            held_on: local_date(m.held_on),
            place: m.place,
            voters: m.voter_count,
        })
        .collect();
    let agencies = agencies(&state, round.council_id).await?;
    let stored_letters = state.store.petition_letters(round.id).await?;
    let waiting = if round.assembly.is_some() {
        state
            .store
            .petitions(&PetitionFilter {
                round_id: Some(round.id),
                ..Default::default()
            })
            .await?
            .iter()
            .filter(|r| {
                matches!(
                    r.petition.status(),
                    PetitionStatus::Captured
                        | PetitionStatus::Aggregated
                        | PetitionStatus::Classified
                )
            })
            .count()
    } else {
        0
    };
    let council = current(&viewer)?;
    let window = window_view(
        &round,
        council.rules.deadlines.delegation_forward_days,
        &stored_letters,
        waiting,
        today,
    );
    let letters = stored_letters
        .into_iter()
        .map(|l| LetterRow {
            id: l.id,
            agency: agencies
                .iter()
                .find(|(id, _)| *id == l.agency_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            number: l.number,
            issued_on: local_date(l.issued_on),
            due_on: local_date(l.due_on),
        })
        .collect();
    let title = round.name.clone();
    let page = RoundPage {
        layout: Layout::signed(&state, &viewer, &csrf, &title, "/kien-nghi").await?,
        track: round.track.label(),
        round,
        meetings,
        rows: records.iter().map(|r| petition_row(r, today)).collect(),
        letters,
        agencies,
        statuses: PetitionStatus::ALL,
        fields: CommitteeKind::ALL,
        kinds: MeetingKind::ALL,
        q: query.q,
        status: query.status,
        field: query.field,
        can_capture: viewer.can(P::CapturePetitions),
        can_process: viewer.can(P::ProcessPetitions),
        today: today.to_string(),
        classified,
        window,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub(crate) struct MeetingForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    place_code: String,
    #[serde(default)]
    deputies: String,
    #[serde(default)]
    voter_count: String,
    #[serde(default)]
    minutes: String,
}

pub(crate) async fn create_meeting(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<MeetingForm>,
) -> AppResult<Response> {
    let round = round_here(&state, &viewer, id).await?;
    let bad = |m: &str| AppError::BadRequest(m.to_owned());
    let kind = form
        .kind
        .parse::<MeetingKind>()
        .map_err(|_| bad("Hãy chọn hình thức tiếp xúc."))?;
    let held_on = parse_day(&form.held_on).ok_or_else(|| bad("Ngày tiếp xúc không hợp lệ."))?;
    let place = nghitruong_domain::text::clean_line("Địa điểm", &form.place, 300)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let deputies = nghitruong_domain::text::clean_line("Đại biểu dự", &form.deputies, 1000)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let voter_count: u32 = form
        .voter_count
        .trim()
        .parse()
        .map_err(|_| bad("Số cử tri tham dự phải là số nguyên không âm."))?;
    let place_code = Some(form.place_code.trim().to_owned()).filter(|c| !c.is_empty());
    if let Some(code) = &place_code
        && !sheet::known_unit(&state, &current(&viewer)?.unit_code, code).await?
    {
        return Err(bad("Mã đơn vị hành chính không có trong danh mục."));
    }
    let meeting = state
        .store
        .create_voter_meeting(
            &NewVoterMeeting {
                round_id: round.id,
                kind,
                held_on,
                place_code,
                place,
                deputies,
                voter_count,
                minutes: form.minutes.trim().to_owned(),
            },
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(refusal)?;
    Ok(Redirect::to(&format!("/kien-nghi/hoi-nghi/{}", meeting.id)).into_response())
}

// --- A meeting ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "voter_meeting.html")]
struct MeetingPage {
    layout: Layout,
    id: i64,
    round: PetitionRound,
    kind: &'static str,
    held_on: String,
    place: String,
    deputies: String,
    voters: u32,
    minutes: String,
    rows: Vec<PetitionRow>,
    can_capture: bool,
}

pub(crate) async fn meeting_page(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if is_agency_only(&viewer) {
        return Err(AppError::NotFound);
    }
    let meeting = state.store.voter_meeting(id).await?;
    let round = round_here(&state, &viewer, meeting.round_id).await?;
    let today = local_day(state.clock.now());
    let records = state
        .store
        .petitions(&PetitionFilter {
            meeting_id: Some(meeting.id),
            include_merged: true,
            ..Default::default()
        })
        .await?;
    let page = MeetingPage {
        layout: Layout::signed(
            &state,
            &viewer,
            &csrf,
            "Hội nghị tiếp xúc cử tri",
            "/kien-nghi",
        )
        .await?,
        round,
        id: meeting.id,
        kind: meeting.kind.label(),
        held_on: local_date(meeting.held_on),
        place: meeting.place,
        deputies: meeting.deputies,
        voters: meeting.voter_count,
        minutes: meeting.minutes,
        rows: records.iter().map(|r| petition_row(r, today)).collect(),
        can_capture: viewer.can(P::CapturePetitions),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub(crate) struct OpinionForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    voter_count: String,
    #[serde(default)]
    voter_name: String,
    #[serde(default)]
    voter_address: String,
}

pub(crate) async fn capture(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<OpinionForm>,
) -> AppResult<Response> {
    let meeting = state.store.voter_meeting(id).await?;
    let round = round_here(&state, &viewer, meeting.round_id).await?;
    let voter_count = match form.voter_count.trim() {
        "" => 1,
        n => n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
            AppError::BadRequest("Số cử tri kiến nghị phải là số nguyên dương.".into())
        })?,
    };
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let opinion = NewOpinion {
        text: form.text,
        voter_count,
        place_code: meeting.place_code.clone(),
        voter_name: optional(&form.voter_name),
        voter_address: optional(&form.voter_address),
    };
    state
        .store
        .capture_opinions(
            round.id,
            Some(meeting.id),
            &[opinion],
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::BadRequest(format!(
                "Nội dung ý kiến không được để trống, không quá {} ký tự và không chứa ký tự điều khiển.",
                petition::MAX_TEXT_CHARS
            )),
            other => other.into(),
        })?;
    Ok(Redirect::to(&format!("/kien-nghi/hoi-nghi/{}#y-kien", meeting.id)).into_response())
}

// --- Forwarding ------------------------------------------------------------------

#[derive(Deserialize)]
pub(crate) struct ForwardForm {
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issued_on: String,
}

pub(crate) async fn forward(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ForwardForm>,
) -> AppResult<Response> {
    let round = round_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let bad = |m: &str| AppError::BadRequest(m.to_owned());
    let agency_id: i64 = form
        .agency_id
        .parse()
        .map_err(|_| bad("Hãy chọn cơ quan giải quyết."))?;
    if !agencies(&state, council.id)
        .await?
        .iter()
        .any(|(a, _)| *a == agency_id)
    {
        return Err(bad("Cơ quan này không thuộc danh sách cơ quan giải quyết."));
    }
    let issued_on = parse_day(&form.issued_on).ok_or_else(|| bad("Ngày công văn không hợp lệ."))?;
    // Every classified petition of the round assigned to this agency.
    let records = state
        .store
        .petitions(&PetitionFilter {
            round_id: Some(round.id),
            status: Some(PetitionStatus::Classified),
            agency_id: Some(agency_id),
            ..Default::default()
        })
        .await?;
    if records.is_empty() {
        return Err(bad(
            "Chưa có kiến nghị nào đã phân loại cho cơ quan này trong đợt.",
        ));
    }
    let competence = records
        .iter()
        .filter_map(|r| r.petition.classification().map(|c| c.competence))
        .max_by_key(|c| matches!(c, Competence::Central))
        .unwrap_or(Competence::Province);
    let due_on = petition::answer_due_date(
        &calendar_of(council)?,
        &council.rules.deadlines,
        competence,
        issued_on,
    );
    state
        .store
        .forward_petitions(
            &ForwardRequest {
                council_id: council.id,
                round_id: round.id,
                agency_id,
                number: form.number,
                issued_on,
                due_on,
                petition_ids: records.iter().map(PetitionRecord::id).collect(),
            },
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(refusal)?;
    Ok(Redirect::to(&format!("/kien-nghi/dot/{}#cong-van", round.id)).into_response())
}

// --- One petition -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "petition.html")]
struct DetailPage {
    layout: Layout,
    p: PetitionRow,
    round: Option<PetitionRound>,
    version: i64,
    status: PetitionStatus,
    topic: String,
    competence: &'static str,
    letter: String,
    on_spot: String,
    answer: Option<(String, String, String)>,
    answer_files: Vec<AnswerFileRow>,
    /// The incoming documents (văn bản đến) that carried the agency's
    /// answer through the axis, for those who may open them.
    answer_documents: Vec<i64>,
    evaluation: Option<(&'static str, String)>,
    urges: Vec<String>,
    repeat_of: Option<i64>,
    merged_into: Option<i64>,
    carried_from: Option<i64>,
    sources: Vec<i64>,
    can_process: bool,
    can_answer: bool,
    fields: &'static [CommitteeKind],
    topics: &'static [(&'static str, &'static str)],
    competences: &'static [Competence],
    results: &'static [ResultClass],
    agencies: Vec<(i64, String)>,
    current_field: String,
    current_topic: String,
    current_competence: String,
    current_agency: i64,
    rounds: Vec<PetitionRound>,
    today: String,
    hints: Vec<Hint>,
}

/// A classification suggestion as the detail page shows it.
struct Hint {
    what: &'static str,
    label: String,
    confidence: u32,
    why: String,
}

impl DetailPage {
    fn may(&self, event: Ev) -> bool {
        self.status.on(event).is_ok()
    }
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let record = petition_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let today = local_day(state.clock.now());
    let p = &record.petition;
    let agency_only = is_agency_only(&viewer);
    let round = if agency_only {
        None
    } else {
        Some(state.store.petition_round(record.round_id).await?)
    };
    let class = p.classification();
    let rounds = if agency_only {
        Vec::new()
    } else {
        state
            .store
            .petition_rounds(council.id)
            .await?
            .into_iter()
            .filter(|r| r.id != record.round_id)
            .collect()
    };
    let agency_list = if agency_only {
        Vec::new()
    } else {
        agencies(&state, council.id).await?
    };
    let wants_hints =
        viewer.can(P::ProcessPetitions) && p.status().on(Ev::Classify).is_ok() && class.is_none();
    let (hints, suggested) = if wants_hints {
        suggest(&state, council.id, &record, &agency_list).await?
    } else {
        (Vec::new(), Suggested::default())
    };
    let page = DetailPage {
        layout: Layout::signed(
            &state,
            &viewer,
            &csrf,
            &format!("Kiến nghị số {id}"),
            "/kien-nghi",
        )
        .await?,
        p: petition_row(&record, today),
        round,
        version: record.version,
        status: p.status(),
        topic: class.map_or(String::new(), |c| {
            petition::topic_label(&c.topic).to_owned()
        }),
        competence: class.map_or("", |c| c.competence.label()),
        letter: p.assignment().map_or(String::new(), |a| {
            format!("{} ngày {}", a.letter.number, local_date(a.letter.date))
        }),
        on_spot: p.on_spot_answer().unwrap_or_default().to_owned(),
        answer: p.answer().map(|a| {
            (
                a.document.number.clone(),
                local_date(a.document.date),
                a.summary.clone(),
            )
        }),
        answer_files: answer_file_rows(&state, id).await?,
        answer_documents: if viewer.can(P::ExchangeDocuments) {
            state.store.answer_documents(id).await?
        } else {
            Vec::new()
        },
        evaluation: p.evaluation().map(|e| (e.result.label(), e.note.clone())),
        urges: p.urges().iter().map(|d| local_date(*d)).collect(),
        repeat_of: p.repeat_of(),
        merged_into: p.merged_into(),
        carried_from: p.carried_from(),
        sources: p.sources().iter().copied().collect(),
        can_process: viewer.can(P::ProcessPetitions),
        can_answer: viewer.can(P::AnswerPetitions) && assigned_to_viewer(&viewer, &record),
        fields: CommitteeKind::ALL,
        topics: TOPICS,
        competences: Competence::ALL,
        results: ResultClass::ALL,
        agencies: agency_list,
        current_field: class.map_or(suggested.field, |c| c.field.as_str().to_owned()),
        current_topic: class.map_or(suggested.topic, |c| c.topic.clone()),
        current_competence: class
            .map_or(suggested.competence, |c| c.competence.as_str().to_owned()),
        current_agency: class.and_then(|c| c.agency_id).unwrap_or(suggested.agency),
        rounds,
        today: today.to_string(),
        hints,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ProcessForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    field: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    competence: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    earlier: String,
    #[serde(default)]
    round_id: String,
}

pub(crate) async fn process(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ProcessForm>,
) -> AppResult<Response> {
    let record = petition_here(&state, &viewer, id).await?;
    let ctx = audit_context(&state, &viewer, &headers);
    let bad = |m: &str| AppError::BadRequest(m.to_owned());
    let back = Redirect::to(&format!("/kien-nghi/{id}")).into_response();
    let change = match form.action.as_str() {
        "tong_hop" => PetitionChange::Aggregate,
        "phan_loai" => {
            let field = form
                .field
                .parse::<CommitteeKind>()
                .map_err(|_| bad("Hãy chọn lĩnh vực (Ban phụ trách)."))?;
            let competence = form
                .competence
                .parse::<Competence>()
                .map_err(|_| bad("Hãy chọn thẩm quyền giải quyết."))?;
            if !competence.is_current() {
                return Err(bad(
                    "Từ 01/7/2025 không còn cấp huyện; hãy chọn cấp xã, cấp tỉnh hoặc trung ương.",
                ));
            }
            if !TOPICS.iter().any(|(c, _)| *c == form.topic) {
                return Err(bad("Hãy chọn chủ đề."));
            }
            let agency_id = match form.agency_id.trim() {
                "" | "0" => None,
                a => {
                    let a: i64 = a.parse().map_err(|_| bad("Cơ quan không hợp lệ."))?;
                    let council = current(&viewer)?;
                    if !agencies(&state, council.id)
                        .await?
                        .iter()
                        .any(|(id, _)| *id == a)
                    {
                        return Err(bad("Cơ quan này không thuộc danh sách cơ quan giải quyết."));
                    }
                    Some(a)
                }
            };
            PetitionChange::Classify(Classification {
                field,
                topic: form.topic.clone(),
                competence,
                agency_id,
            })
        }
        "tra_loi_tai_cho" => PetitionChange::AnswerOnSpot(form.text.clone()),
        "don_doc" => PetitionChange::Urge,
        "danh_gia" => PetitionChange::Evaluate {
            result: form
                .result
                .parse()
                .map_err(|_| bad("Hãy chọn kết quả giải quyết."))?,
            note: form.text.clone(),
        },
        "bao_cao" => PetitionChange::Report(form.text.clone()),
        "ket_thuc" => PetitionChange::Close,
        "tai_kien_nghi" => PetitionChange::MarkRepeat(
            form.earlier
                .trim()
                .parse()
                .map_err(|_| bad("Hãy nhập số của kiến nghị trước đó."))?,
        ),
        "chuyen_ky_sau" => {
            let next: i64 = form
                .round_id
                .parse()
                .map_err(|_| bad("Hãy chọn đợt tiếp xúc kế tiếp."))?;
            round_here(&state, &viewer, next).await?;
            let new_id = state
                .store
                .carry_over_petition(id, next, &ctx)
                .await
                .map_err(refusal)?;
            return Ok(Redirect::to(&format!("/kien-nghi/{new_id}")).into_response());
        }
        _ => return Err(bad("Thao tác không hợp lệ.")),
    };
    let version = if form.version > 0 {
        form.version
    } else {
        record.version
    };
    state
        .store
        .change_petition(id, version, &change, &ctx)
        .await
        .map_err(refusal)?;
    Ok(back)
}

// --- The agency's list -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "petitions_assigned.html")]
struct AssignedPage {
    layout: Layout,
    agency: String,
    rows: Vec<PetitionRow>,
}

pub(crate) async fn assigned(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let today = local_day(state.clock.now());
    let Some(agency_id) = viewer.user.agency_body_id else {
        return Err(AppError::BadRequest(
            "Tài khoản chưa được gắn với cơ quan nào; hãy liên hệ quản trị hệ thống.".into(),
        ));
    };
    let agency = state.store.body(agency_id).await?;
    let rows = state
        .store
        .petitions(&PetitionFilter {
            council_id: Some(council.id),
            agency_id: Some(agency_id),
            ..Default::default()
        })
        .await?
        .iter()
        .filter(|r| r.petition.assignment().is_some())
        .map(|r| petition_row(r, today))
        .collect();
    let page = AssignedPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Kiến nghị được giao", "/kien-nghi").await?,
        agency: agency.name,
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

/// The development set: the history a new council starts from.
const DEV_SET: &str = include_str!("../../../../../testdata/petitions/petitions-dev.jsonl");

/// Pre-selected values of the classification form.
#[derive(Default)]
struct Suggested {
    field: String,
    topic: String,
    competence: String,
    agency: i64,
}

/// Suggestions for field, topic, competence and agency, learned from the
/// council's own classified petitions and the development set, each with
/// its confidence and the words that weighed most.
async fn suggest(
    state: &AppState,
    council_id: i64,
    record: &PetitionRecord,
    agencies: &[(i64, String)],
) -> AppResult<(Vec<Hint>, Suggested)> {
    use nghitruong_domain::classify::{Classifier, LabelledPetition};
    let history = state
        .store
        .petitions(&PetitionFilter {
            council_id: Some(council_id),
            ..Default::default()
        })
        .await?;
    let mut training: Vec<LabelledPetition> = history
        .iter()
        .filter(|r| r.id() != record.id())
        .filter_map(|r| {
            let c = r.petition.classification()?;
            Some(LabelledPetition {
                text: r.petition.text().to_owned(),
                locality: r.place_name.clone(),
                field: c.field.as_str().to_owned(),
                topic: c.topic.clone(),
                competence: c.competence.as_str().to_owned(),
                agency: r.agency_name.clone().unwrap_or_default(),
            })
        })
        .collect();
    training.extend(
        DEV_SET
            .lines()
            .filter_map(|l| serde_json::from_str::<LabelledPetition>(l).ok()),
    );
    let text = record.petition.text().to_owned();
    let place = record.place_name.clone();
    let s = tokio::task::spawn_blocking(move || {
        Classifier::train(&training).suggest(&text, place.as_deref())
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let percent = |c: f64| (c * 100.0).round() as u32;
    let why = |terms: &[String]| {
        if terms.is_empty() {
            String::new()
        } else {
            format!(
                "từ khóa: {}",
                terms.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            )
        }
    };
    let field = s.field.label.parse::<CommitteeKind>().ok();
    // Competence learned from records before July 2025 may say "huyện";
    // districts no longer exist, so such a suggestion becomes the province.
    let competence = s.competence.label.parse::<Competence>().ok().map(|c| {
        if c.is_current() {
            c
        } else {
            Competence::Province
        }
    });
    let agency = agencies
        .iter()
        .find(|(_, name)| *name == s.agency.label)
        .map(|(id, _)| *id);
    let mut hints = Vec::new();
    if let Some(f) = field {
        hints.push(Hint {
            what: "Lĩnh vực",
            label: f.label().to_owned(),
            confidence: percent(s.field.confidence),
            why: why(&s.field.key_terms),
        });
    }
    hints.push(Hint {
        what: "Chủ đề",
        label: petition::topic_label(&s.topic.label).to_owned(),
        confidence: percent(s.topic.confidence),
        why: why(&s.topic.key_terms),
    });
    if let Some(c) = competence {
        hints.push(Hint {
            what: "Thẩm quyền",
            label: c.label().to_owned(),
            confidence: percent(s.competence.confidence),
            why: why(&s.competence.key_terms),
        });
    }
    if agency.is_some() {
        hints.push(Hint {
            what: "Cơ quan giải quyết",
            label: s.agency.label.clone(),
            confidence: percent(s.agency.confidence),
            why: why(&s.agency.key_terms),
        });
    }
    let suggested = Suggested {
        field: field.map(|f| f.as_str().to_owned()).unwrap_or_default(),
        topic: s.topic.label.clone(),
        competence: competence
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        agency: agency.unwrap_or(0),
    };
    Ok((hints, suggested))
}
