//! Nhiệm vụ: the list (an agency sees its own), a task's page with its
//! progress, extension requests, completion and grading, the escalation
//! steps of an overdue task; the agency's reports with files; the
//! council's decisions.

use std::collections::HashMap;

use crate::form::Form;
use askama::Template;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::access::{Permission as P, Role};
use nghitruong_domain::petition::DocumentRef;
use nghitruong_domain::supervision::{
    EscalationPolicy, NewTask, Task, TaskSource, TaskStatus, escalation_schedule, reminder_schedule,
};
use nghitruong_domain::text;
use nghitruong_store::TaskFile;
use serde::Deserialize;

use super::{
    agencies, agency_side, body_names, concerns, current, ids, parse_day, rule, status_class,
    task_here, visible_tasks,
};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::notify::notify;
use crate::pages::{local_date, local_day, refusal};
use crate::uploads::{CheckedFile, blobs, receive_checked};

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

/// One row of a task list.
pub(super) struct TaskRow {
    pub(super) id: i64,
    pub(super) content: String,
    pub(super) lead: String,
    pub(super) due: String,
    pub(super) status: &'static str,
    pub(super) class: &'static str,
    pub(super) overdue: bool,
}

pub(super) fn task_row(task: &Task, names: &HashMap<i64, String>, today: time::Date) -> TaskRow {
    let overdue = task.is_overdue(today);
    TaskRow {
        id: task.id(),
        content: super::jobs::short(task.content()),
        lead: names.get(&task.lead_body_id()).cloned().unwrap_or_default(),
        due: local_date(task.due()),
        status: task.status().label(),
        class: status_class(task.status(), overdue),
        overdue,
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    co_quan: String,
    #[serde(default)]
    qua_han: String,
}

#[derive(Template)]
#[template(path = "supervision_tasks.html")]
struct ListPage {
    layout: Layout,
    heading: String,
    rows: Vec<TaskRow>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    bodies: Vec<(i64, String, bool)>,
    overdue_only: bool,
    can_manage: bool,
    agencies: Vec<(i64, String)>,
    sources: Vec<(&'static str, &'static str)>,
    tomorrow: String,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let today = local_day(state.clock.now());
    let names = body_names(&state, council.id).await?;
    let status: Option<TaskStatus> = q.status.parse().ok();
    let body: Option<i64> = q.co_quan.parse().ok();
    let overdue_only = q.qua_han == "1";
    let tasks = visible_tasks(&state, &viewer).await?;
    let mut in_use: Vec<i64> = tasks.iter().map(|t| t.value.lead_body_id()).collect();
    in_use.sort_unstable();
    in_use.dedup();
    let rows = tasks
        .iter()
        .map(|t| &t.value)
        .filter(|t| status.is_none_or(|s| t.status() == s))
        .filter(|t| body.is_none_or(|b| concerns(t, b)))
        .filter(|t| !overdue_only || t.is_overdue(today))
        .map(|t| task_row(t, &names, today))
        .collect();
    let heading = match agency_side(&viewer) {
        Some(agency) => format!(
            "Nhiệm vụ được giao — {}",
            names.get(&agency).cloned().unwrap_or_default()
        ),
        None => "Theo dõi thực hiện kiến nghị giám sát".to_owned(),
    };
    let can_manage = viewer.can(P::ManageSupervision);
    let page = ListPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Nhiệm vụ giám sát", "/giam-sat").await?,
        heading,
        rows,
        statuses: TaskStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(), Some(*s) == status))
            .collect(),
        bodies: in_use
            .into_iter()
            .map(|id| {
                (
                    id,
                    names.get(&id).cloned().unwrap_or_default(),
                    Some(id) == body,
                )
            })
            .collect(),
        overdue_only,
        agencies: if can_manage {
            agencies(&state, council.id).await?
        } else {
            Vec::new()
        },
        can_manage,
        sources: TaskSource::ALL
            .iter()
            .filter(|s| **s != TaskSource::ThematicSupervision)
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        tomorrow: today.next_day().unwrap_or(today).to_string(),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub(crate) struct NewTaskForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    source_number: String,
    #[serde(default)]
    source_date: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    lead: String,
    #[serde(default)]
    co: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    due: String,
}

/// A task given by hand: after questioning, an explanation session or a
/// conclusion of the Standing Committee.
pub(crate) async fn create(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<NewTaskForm>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let source: TaskSource = form
        .source
        .parse()
        .map_err(|_| bad("Hãy chọn nguồn nhiệm vụ."))?;
    let known = agencies(&state, council.id).await?;
    let lead: i64 = form
        .lead
        .parse()
        .ok()
        .filter(|id| known.iter().any(|(k, _)| k == id))
        .ok_or_else(|| bad("Hãy chọn cơ quan chủ trì."))?;
    let co = ids(&[form.co]);
    if co.iter().any(|id| !known.iter().any(|(k, _)| k == id)) {
        return Err(bad("Cơ quan phối hợp không thuộc danh sách cơ quan."));
    }
    let due = parse_day(&form.due).ok_or_else(|| bad("Thời hạn không hợp lệ."))?;
    let source_doc = if form.source_number.trim().is_empty() {
        None
    } else {
        Some(DocumentRef {
            number: text::clean_line("Số văn bản", &form.source_number, 100).map_err(rule)?,
            date: parse_day(&form.source_date).ok_or_else(|| bad("Ngày văn bản không hợp lệ."))?,
        })
    };
    let new = NewTask {
        id: 0,
        source,
        source_doc,
        delegation_id: None,
        recommendation_id: None,
        content: form.content,
        lead_body_id: lead,
        co_body_ids: co,
        responsible: None,
        expected_evidence: form.evidence,
        due,
        complex: false,
    };
    // The domain checks the task before the store keeps it.
    Task::assign(new.clone(), state.clock.now()).map_err(rule)?;
    let task = state
        .store
        .create_task(council.id, &new, &audit_context(&state, &viewer, &headers))
        .await
        .map_err(refusal)?;
    tell_agency(
        &state,
        &task.value,
        &format!("Nhiệm vụ mới số {}", task.value.id()),
        &format!(
            "Cơ quan được giao nhiệm vụ “{}”, hạn {}.",
            super::jobs::short(task.value.content()),
            local_date(task.value.due())
        ),
    )
    .await;
    Ok(Redirect::to(&format!("/giam-sat/nhiem-vu/{}", task.value.id())).into_response())
}

// --- A task ---------------------------------------------------------------

struct ReportRow {
    on: String,
    text: String,
    documents: Vec<FileLink>,
}

struct FileLink {
    label: String,
    href: Option<String>,
}

struct StepRow {
    label: String,
    on: String,
    passed: bool,
}

#[derive(Template)]
#[template(path = "supervision_task.html")]
struct TaskPage {
    layout: Layout,
    task: Task,
    version: i64,
    source_doc: String,
    delegation: Option<i64>,
    lead: String,
    co: Vec<String>,
    due: String,
    assigned: String,
    status_class: &'static str,
    overdue: bool,
    reports: Vec<ReportRow>,
    submission: Option<ReportRow>,
    request: Option<(String, String, String)>,
    extensions: Vec<String>,
    assessments: Vec<String>,
    reminders: Vec<StepRow>,
    ladder: Vec<StepRow>,
    sent: usize,
    may_report: bool,
    may_lead: bool,
    can_manage: bool,
    today: String,
}

/// The files sent under a document's number, as links.
fn files_for(doc: &DocumentRef, files: &[TaskFile], task_id: i64) -> FileLink {
    let file = files
        .iter()
        .find(|f| f.document.number == doc.number && f.document.date == doc.date);
    FileLink {
        label: format!("{} ngày {}", doc.number, local_date(doc.date)),
        href: file.map(|f| format!("/giam-sat/nhiem-vu/{task_id}/tep/{}", f.id)),
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let stored = task_here(&state, &viewer, id).await?;
    let task = stored.value;
    let today = local_day(state.clock.now());
    let names = body_names(&state, council.id).await?;
    let name = |id: &i64| {
        names
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("Cơ quan {id}"))
    };
    let files = state.store.task_files(id).await?;
    let calendar = crate::pages::calendar_of(council)?;
    let policy = EscalationPolicy::from_deadlines(&council.rules.deadlines);
    let reminders = reminder_schedule(&task, &calendar, &policy)
        .into_iter()
        .map(|(days, on)| StepRow {
            label: format!("Nhắc trước {days} ngày"),
            on: local_date(on),
            passed: on <= today,
        })
        .collect();
    let ladder = escalation_schedule(&task, &calendar, &policy)
        .into_iter()
        .map(|(step, on, deadline)| StepRow {
            label: match deadline {
                Some(d) => format!("{} (tổ chức chậm nhất {})", step.label(), local_date(d)),
                None => step.label().to_owned(),
            },
            on: local_date(on),
            passed: on <= today,
        })
        .collect();
    let agency = agency_side(&viewer);
    let may_report = agency.is_some_and(|a| concerns(&task, a)) && task.status().is_open();
    let may_lead = agency == Some(task.lead_body_id()) && task.status().is_open();
    let page = TaskPage {
        layout: Layout::signed(
            &state,
            &viewer,
            &csrf,
            &format!("Nhiệm vụ số {id}"),
            "/giam-sat",
        )
        .await?,
        version: stored.version,
        source_doc: task
            .source_doc()
            .map(|d| format!("{} ngày {}", d.number, local_date(d.date)))
            .unwrap_or_default(),
        // The delegation's file is the council's; an agency officer follows the task.
        delegation: task
            .delegation_id()
            .filter(|_| agency_side(&viewer).is_none()),
        lead: name(&task.lead_body_id()),
        co: task.co_body_ids().iter().map(name).collect(),
        due: local_date(task.due()),
        assigned: local_date(task.assigned_on()),
        status_class: status_class(task.status(), task.is_overdue(today)),
        overdue: task.is_overdue(today),
        reports: task
            .progress()
            .iter()
            .map(|p| ReportRow {
                on: local_date(p.on),
                text: p.text.clone(),
                documents: p
                    .documents
                    .iter()
                    .map(|d| files_for(d, &files, id))
                    .collect(),
            })
            .collect(),
        submission: task.pending_submission().map(|s| ReportRow {
            on: local_date(s.on),
            text: s.summary.clone(),
            documents: s
                .evidence
                .iter()
                .map(|d| files_for(d, &files, id))
                .collect(),
        }),
        request: task.pending_request().map(|r| {
            (
                local_date(r.on),
                local_date(r.proposed_due),
                r.reason.clone(),
            )
        }),
        extensions: task
            .extensions()
            .iter()
            .map(|e| match e.granted_due {
                Some(d) => format!(
                    "{}: gia hạn từ {} đến {}. {}",
                    local_date(e.on),
                    local_date(e.previous_due),
                    local_date(d),
                    e.note
                ),
                None => format!(
                    "{}: không chấp thuận gia hạn đến {}. {}",
                    local_date(e.on),
                    local_date(e.request.proposed_due),
                    e.note
                ),
            })
            .collect(),
        assessments: task
            .assessments()
            .iter()
            .map(|a| format!("{}: {}. {}", local_date(a.on), a.status.label(), a.note))
            .collect(),
        reminders,
        ladder,
        sent: state.store.sent_actions(id).await?.len(),
        may_report,
        may_lead,
        can_manage: viewer.can(P::ManageSupervision) && task.status().is_open(),
        today: today.to_string(),
        task,
    };
    Ok(Html(page.render()?).into_response())
}

// --- The agency's reports ---------------------------------------------------

/// What came with a report.
#[derive(Default)]
struct ReportFields {
    kind: String,
    text: String,
    number: String,
    date: String,
    version: String,
}

/// Reads the report form; the file streams to disk, is checked by its
/// content (PDF, DOCX, XLSX only) and kept only if it passes.
async fn receive(
    state: &AppState,
    form: Multipart,
) -> AppResult<(ReportFields, Option<CheckedFile>)> {
    let (values, received) = receive_checked(state, form).await?;
    let mut fields = ReportFields::default();
    for (name, value) in values {
        match name.as_str() {
            "kind" => fields.kind = value,
            "text" => fields.text = value,
            "number" => fields.number = value,
            "date" => fields.date = value,
            "version" => fields.version = value,
            _ => {}
        }
    }
    Ok((fields, received))
}

/// The agency reports progress (`kind=tien-do`) or completion
/// (`kind=hoan-thanh`), with the document that shows it.
pub(crate) async fn report(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Multipart,
) -> AppResult<Response> {
    let stored = task_here(&state, &viewer, id).await?;
    let agency = agency_side(&viewer).ok_or_else(|| {
        bad("Tài khoản chưa được gắn với cơ quan nào; hãy liên hệ quản trị hệ thống.")
    })?;
    if !concerns(&stored.value, agency) {
        return Err(AppError::NotFound);
    }
    let (fields, received) = receive(&state, form).await?;
    let version: i64 = fields
        .version
        .parse()
        .map_err(|_| bad("Biểu mẫu thiếu phiên bản nhiệm vụ; hãy tải lại trang."))?;
    let completion = fields.kind == "hoan-thanh";
    if completion && stored.value.lead_body_id() != agency {
        return Err(bad(
            "Chỉ cơ quan chủ trì báo cáo hoàn thành; cơ quan phối hợp báo cáo tiến độ.",
        ));
    }
    let document = if fields.number.trim().is_empty() {
        None
    } else {
        Some(DocumentRef {
            number: text::clean_line("Số văn bản", &fields.number, 100).map_err(rule)?,
            date: parse_day(&fields.date).ok_or_else(|| bad("Ngày văn bản không hợp lệ."))?,
        })
    };
    if received.is_some() && document.is_none() {
        return Err(bad("Hãy ghi số, ngày của văn bản kèm theo tệp."));
    }
    let now = state.clock.now();
    let mut task = stored.value;
    let documents: Vec<DocumentRef> = document.iter().cloned().collect();
    let transition = if completion {
        task.submit_result(&fields.text, documents, now)
    } else {
        task.report_progress(&fields.text, documents, now)
    }
    .map_err(rule)?;
    let ctx = audit_context(&state, &viewer, &headers);
    state
        .store
        .save_task(&task, version, &transition, &ctx)
        .await
        .map_err(stale)?;
    if let (Some(received), Some(document)) = (received, document) {
        let file = TaskFile {
            id: 0,
            task_id: id,
            file_name: received.display_name(&document.number.replace('/', "-")),
            document,
            sha256: received.blob.sha256,
            size: received.blob.size,
            format: received.inspected.format,
            uploaded_by: Some(viewer.user.id),
        };
        state.store.add_task_file(&file, &ctx).await?;
    }
    let council = current(&viewer)?;
    let office = state
        .store
        .council_users(council.id, &[Role::OfficeStaff])
        .await?;
    let (subject, what) = if completion {
        ("Báo cáo hoàn thành", "báo cáo hoàn thành, chờ đánh giá")
    } else {
        ("Báo cáo tiến độ", "báo cáo tiến độ")
    };
    if let Err(e) = notify(
        &state,
        &office,
        &format!("{subject}: nhiệm vụ số {id}"),
        &format!(
            "Cơ quan đã {what} nhiệm vụ “{}”.",
            super::jobs::short(task.content())
        ),
        Some(&format!("/giam-sat/nhiem-vu/{id}")),
    )
    .await
    {
        tracing::warn!(error = %e, "could not notify the office");
    }
    Ok(Redirect::to(&format!("/giam-sat/nhiem-vu/{id}")).into_response())
}

/// A save refused because someone changed the task meanwhile.
fn stale(e: nghitruong_store::StoreError) -> AppError {
    match e {
        nghitruong_store::StoreError::Conflict(_) => {
            bad("Nhiệm vụ vừa được người khác cập nhật. Hãy tải lại trang và thực hiện lại.")
        }
        other => other.into(),
    }
}

#[derive(Deserialize)]
pub(crate) struct ExtensionForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    due: String,
    #[serde(default)]
    reason: String,
}

/// The lead agency asks for more time.
pub(crate) async fn ask_extension(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ExtensionForm>,
) -> AppResult<Response> {
    let stored = task_here(&state, &viewer, id).await?;
    if agency_side(&viewer) != Some(stored.value.lead_body_id()) {
        return Err(bad("Chỉ cơ quan chủ trì đề nghị gia hạn."));
    }
    let due = parse_day(&form.due).ok_or_else(|| bad("Thời hạn đề nghị không hợp lệ."))?;
    let mut task = stored.value;
    let transition = task
        .request_extension(due, &form.reason, state.clock.now())
        .map_err(rule)?;
    state
        .store
        .save_task(
            &task,
            form.version,
            &transition,
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(stale)?;
    let council = current(&viewer)?;
    let office = state
        .store
        .council_users(council.id, &[Role::OfficeStaff, Role::Chair])
        .await?;
    if let Err(e) = notify(
        &state,
        &office,
        &format!("Đề nghị gia hạn: nhiệm vụ số {id}"),
        &format!(
            "Cơ quan đề nghị gia hạn nhiệm vụ “{}” đến ngày {}.",
            super::jobs::short(task.content()),
            local_date(due)
        ),
        Some(&format!("/giam-sat/nhiem-vu/{id}")),
    )
    .await
    {
        tracing::warn!(error = %e, "could not notify the office");
    }
    Ok(Redirect::to(&format!("/giam-sat/nhiem-vu/{id}")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    due: String,
}

/// The council decides: on an extension, on a reported result, that the
/// task was not carried out, or gives it again with a new due date.
pub(crate) async fn decide(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let stored = task_here(&state, &viewer, id).await?;
    let mut task = stored.value;
    let now = state.clock.now();
    let due = || parse_day(&form.due).ok_or_else(|| bad("Thời hạn mới không hợp lệ."));
    let transition = match form.action.as_str() {
        "gia-han" => {
            let due = if form.due.trim().is_empty() {
                None
            } else {
                Some(due()?)
            };
            task.grant_extension(due, now)
        }
        "tu-choi-gia-han" => task.refuse_extension(&form.note, now),
        "cong-nhan" => task.accept(&form.note, now),
        "mot-phan" => task.accept_partly(&form.note, now),
        "chua-dat" => task.reject(&form.note, now),
        "khong-thuc-hien" => task.declare_not_carried_out(&form.note, now),
        "giao-lai" => task.reassign(due()?, now),
        _ => return Err(bad("Hãy chọn việc cần xử lý.")),
    }
    .map_err(rule)?;
    state
        .store
        .save_task(
            &task,
            form.version,
            &transition,
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(stale)?;
    tell_agency(
        &state,
        &task,
        &format!("Nhiệm vụ số {id}: {}", transition.event.label()),
        &format!(
            "Thường trực HĐND đã {} đối với nhiệm vụ “{}”. Tình trạng: {}. Hạn: {}.{}",
            transition.event.label(),
            super::jobs::short(task.content()),
            task.status().label(),
            local_date(task.due()),
            if form.note.trim().is_empty() {
                String::new()
            } else {
                format!(" Ý kiến: {}", form.note.trim())
            }
        ),
    )
    .await;
    Ok(Redirect::to(&format!("/giam-sat/nhiem-vu/{id}")).into_response())
}

/// Notifies the officers of the task's agencies; a failure is logged, the
/// change already made stands.
async fn tell_agency(state: &AppState, task: &Task, subject: &str, body: &str) {
    let mut bodies = vec![task.lead_body_id()];
    bodies.extend_from_slice(task.co_body_ids());
    let result = async {
        let to = state.store.agency_users(&bodies).await?;
        notify(
            state,
            &to,
            subject,
            body,
            Some(&format!("/giam-sat/nhiem-vu/{}", task.id())),
        )
        .await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not notify the agency");
    }
}

/// A file sent with a report, to those who may see the task.
pub(crate) async fn file(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    task_here(&state, &viewer, id).await?;
    let file = state
        .store
        .task_files(id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or(AppError::NotFound)?;
    let bytes = blobs(&state)?
        .read(&file.sha256)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut res = Body::from(bytes).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(file.format.mime()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_DISPOSITION, attachment(&file.file_name));
    h.insert(
        header::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

/// `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266).
pub(super) fn attachment(name: &str) -> HeaderValue {
    let ascii: String = nghitruong_domain::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}
