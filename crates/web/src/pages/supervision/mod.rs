//! Giám sát và sổ nghị quyết: the register of resolutions, the year's
//! supervision programme, delegations from decision to conclusion, the
//! recommendations followed as tasks to the end, the agency's side, the
//! chair's dashboard and the reports.
//!
//! Who does what: the office (and the council's leaders) plan and run
//! supervision and grade tasks (`ManageSupervision`); a member of a
//! delegation works on that delegation's file; an agency officer sees only
//! the tasks their agency leads or co-operates on and reports on them
//! (`ReportOnTasks`).

mod dashboard;
mod delegations;
mod jobs;
mod register;
mod reports;
mod tasks;

use std::collections::HashMap;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, post};
use nghitruong_domain::access::Permission as P;
use nghitruong_domain::org::BodyKind;
use nghitruong_domain::supervision::{Task, TaskStatus};
use nghitruong_store::{TaskFilter, Versioned};
use time::Date;

pub(crate) use jobs::scheduler_job;

use super::current;
use crate::AppState;
use crate::auth::Access::Permission as Perm;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::routes::{Route, r};

/// The routes of the register of resolutions and of supervision.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        r(
            Method::GET,
            "/nghi-quyet",
            Perm(P::ViewResolutions),
            get(register::page),
        ),
        r(
            Method::POST,
            "/nghi-quyet",
            Perm(P::ManageResolutions),
            post(register::add),
        ),
        r(
            Method::POST,
            "/nghi-quyet/quan-he",
            Perm(P::ManageResolutions),
            post(register::relate),
        ),
        r(
            Method::GET,
            "/giam-sat",
            Perm(P::ViewSupervision),
            get(delegations::overview),
        ),
        r(
            Method::POST,
            "/giam-sat/chuong-trinh",
            Perm(P::ManageSupervision),
            post(delegations::add_topic),
        ),
        r(
            Method::POST,
            "/giam-sat/doan",
            Perm(P::ManageSupervision),
            post(delegations::create),
        ),
        r(
            Method::GET,
            "/giam-sat/doan/{id}",
            Perm(P::ViewSupervision),
            get(delegations::page),
        ),
        r(
            Method::POST,
            "/giam-sat/doan/{id}/{step}",
            Perm(P::ViewSupervision),
            post(delegations::act),
        ),
        r(
            Method::GET,
            "/giam-sat/doan/{id}/bao-cao.docx",
            Perm(P::ViewSupervision),
            get(reports::results_docx),
        ),
        r(
            Method::GET,
            "/giam-sat/nhiem-vu",
            Perm(P::ViewSupervision),
            get(tasks::list),
        ),
        r(
            Method::POST,
            "/giam-sat/nhiem-vu",
            Perm(P::ManageSupervision),
            post(tasks::create),
        ),
        r(
            Method::GET,
            "/giam-sat/nhiem-vu.xlsx",
            Perm(P::ViewSupervision),
            get(reports::tasks_xlsx),
        ),
        r(
            Method::GET,
            "/giam-sat/kien-nghi.docx",
            Perm(P::ManageSupervision),
            get(reports::recommendations_docx),
        ),
        r(
            Method::GET,
            "/giam-sat/nhiem-vu/{id}",
            Perm(P::ViewSupervision),
            get(tasks::page),
        ),
        r(
            Method::POST,
            "/giam-sat/nhiem-vu/{id}/bao-cao",
            Perm(P::ReportOnTasks),
            // The handler counts the bytes itself and answers in Vietnamese.
            post(tasks::report).layer(DefaultBodyLimit::disable()),
        ),
        r(
            Method::POST,
            "/giam-sat/nhiem-vu/{id}/gia-han",
            Perm(P::ReportOnTasks),
            post(tasks::ask_extension),
        ),
        r(
            Method::POST,
            "/giam-sat/nhiem-vu/{id}/xu-ly",
            Perm(P::ManageSupervision),
            post(tasks::decide),
        ),
        r(
            Method::GET,
            "/giam-sat/nhiem-vu/{id}/tep/{file}",
            Perm(P::ViewSupervision),
            get(tasks::file),
        ),
        r(
            Method::GET,
            "/giam-sat/tong-quan",
            Perm(P::ViewSupervision),
            get(dashboard::page),
        ),
    ]
}

/// Whether a route takes a file (a larger body limit).
pub(crate) fn takes_file(path: &str) -> bool {
    path == "/giam-sat/nhiem-vu/{id}/bao-cao"
}

/// Parses a day typed in a date field (`2026-12-31`).
pub(super) fn parse_day(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// A refusal from the domain's rules, shown as is.
pub(super) fn rule(e: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(e.to_string())
}

/// The agency the viewer reports for, when they work on the agency side
/// and not for the council.
pub(super) fn agency_side(viewer: &Viewer) -> Option<i64> {
    if viewer.can(P::ManageSupervision) || !viewer.can(P::ReportOnTasks) {
        return None;
    }
    viewer.user.agency_body_id
}

/// Whether the agency leads or co-operates on the task.
pub(super) fn concerns(task: &Task, agency: i64) -> bool {
    task.lead_body_id() == agency || task.co_body_ids().contains(&agency)
}

/// The tasks of the viewer's council the viewer may see: all of them, or
/// for an agency officer those of their agency (none without one).
// TODO(#5): reads every task of the council and filters in memory (the
// store filters by lead body only, not by co-operating body); fine for the
// hundreds of tasks a council tracks, a store-side filter belongs here if
// one ever tracks many thousands.
pub(super) async fn visible_tasks(
    state: &AppState,
    viewer: &Viewer,
) -> AppResult<Vec<Versioned<Task>>> {
    let council = current(viewer)?;
    let all = state
        .store
        .tasks(&TaskFilter {
            council_id: Some(council.id),
            ..Default::default()
        })
        .await?;
    let officer = viewer.can(P::ReportOnTasks) && !viewer.can(P::ManageSupervision);
    Ok(match (officer, viewer.user.agency_body_id) {
        (false, _) => all,
        (true, Some(agency)) => all
            .into_iter()
            .filter(|t| concerns(&t.value, agency))
            .collect(),
        (true, None) => Vec::new(),
    })
}

/// A task the viewer may see; others are not found.
pub(super) async fn task_here(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Versioned<Task>> {
    visible_tasks(state, viewer)
        .await?
        .into_iter()
        .find(|t| t.value.id() == id)
        .ok_or(AppError::NotFound)
}

/// Names of the council's bodies, by id.
pub(super) async fn body_names(
    state: &AppState,
    council_id: i64,
) -> AppResult<HashMap<i64, String>> {
    Ok(state
        .store
        .bodies(council_id)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect())
}

/// The bodies tasks can be given to: the People's Committee, departments,
/// courts, procuracies and other agencies of the council.
pub(super) async fn agencies(state: &AppState, council_id: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(state
        .store
        .bodies(council_id)
        .await?
        .into_iter()
        .filter(|b| {
            matches!(
                b.kind,
                BodyKind::PeoplesCommittee
                    | BodyKind::Department
                    | BodyKind::Court
                    | BodyKind::Procuracy
                    | BodyKind::Other
            )
        })
        .map(|b| (b.id, b.name))
        .collect())
}

/// The CSS class of a status tag.
pub(super) fn status_class(status: TaskStatus, overdue: bool) -> &'static str {
    match status {
        TaskStatus::Done => "tag tag-done",
        TaskStatus::Overdue | TaskStatus::NotCarriedOut => "tag tag-overdue",
        _ if overdue => "tag tag-overdue",
        _ => "tag",
    }
}

/// Ids typed as a list of checkboxes or a comma-separated field.
pub(super) fn ids(values: &[String]) -> Vec<i64> {
    let mut out: Vec<i64> = values
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A form read as its name–value pairs, for forms with repeated names
/// (checkboxes) that a struct cannot take.
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or "".
    pub(super) fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub(super) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}
