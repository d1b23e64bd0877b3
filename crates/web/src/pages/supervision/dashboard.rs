//! Tổng quan giám sát — the chair's dashboard: tasks by status, by lead
//! body and by due month; the on-time rate; the overdue list.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::supervision::{Task, TaskStatus};
use time::Date;

use super::tasks::{TaskRow, task_row};
use super::{agency_side, body_names, current, visible_tasks};
use crate::AppState;
use crate::auth::{CsrfToken, Signed};
use crate::error::AppResult;
use crate::layout::Layout;
use crate::pages::local_day;

/// One bar of a chart.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Bar {
    pub(super) label: String,
    pub(super) count: usize,
    /// Width class, 0 to 100 (CSS `w0`…`w100`).
    pub(super) width: usize,
}

fn bars(counts: Vec<(String, usize)>) -> Vec<Bar> {
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    counts
        .into_iter()
        .map(|(label, count)| Bar {
            width: count * 100 / max,
            label,
            count,
        })
        .collect()
}

/// What the dashboard shows, computed from the tasks alone.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Figures {
    pub(super) total: usize,
    pub(super) by_status: Vec<Bar>,
    pub(super) by_body: Vec<Bar>,
    pub(super) by_month: Vec<Bar>,
    /// Done in time, out of done.
    pub(super) on_time: (usize, usize),
    pub(super) overdue: usize,
}

/// The figures for `tasks` on `today`. A task past its due date counts as
/// overdue even before the scheduler has marked it.
pub(super) fn figures(tasks: &[&Task], names: &HashMap<i64, String>, today: Date) -> Figures {
    let mut by_status: Vec<(String, usize)> = TaskStatus::ALL
        .iter()
        .map(|s| {
            let n = tasks
                .iter()
                .filter(|t| {
                    let shown = if t.is_overdue(today) && t.status() == TaskStatus::NotDone {
                        TaskStatus::Overdue
                    } else {
                        t.status()
                    };
                    shown == *s
                })
                .count();
            (s.label().to_owned(), n)
        })
        .collect();
    by_status.retain(|(_, n)| *n > 0);
    let mut per_body: BTreeMap<String, usize> = BTreeMap::new();
    for t in tasks {
        let name = names
            .get(&t.lead_body_id())
            .cloned()
            .unwrap_or_else(|| format!("Cơ quan {}", t.lead_body_id()));
        *per_body.entry(name).or_default() += 1;
    }
    let mut by_body: Vec<(String, usize)> = per_body.into_iter().collect();
    by_body.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut per_month: BTreeMap<(i32, u8), usize> = BTreeMap::new();
    for t in tasks.iter().filter(|t| t.status().is_open()) {
        *per_month
            .entry((t.due().year(), u8::from(t.due().month())))
            .or_default() += 1;
    }
    let by_month = per_month
        .into_iter()
        .map(|((y, m), n)| (format!("{m:02}/{y}"), n))
        .collect();
    let done: Vec<bool> = tasks.iter().filter_map(|t| t.done_on_time()).collect();
    Figures {
        total: tasks.len(),
        by_status: bars(by_status),
        by_body: bars(by_body),
        by_month: bars(by_month),
        on_time: (done.iter().filter(|d| **d).count(), done.len()),
        overdue: tasks.iter().filter(|t| t.is_overdue(today)).count(),
    }
}

#[derive(Template)]
#[template(path = "supervision_dashboard.html")]
struct DashboardPage {
    layout: Layout,
    council_name: String,
    f: Figures,
    on_time_text: String,
    overdue_rows: Vec<TaskRow>,
}

/// "4/5 (80%)", or a dash before anything is done.
pub(super) fn rate(on_time: (usize, usize)) -> String {
    match on_time {
        (_, 0) => "chưa có nhiệm vụ hoàn thành".to_owned(),
        (n, d) => format!("{n}/{d} ({}%)", n * 100 / d),
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    if agency_side(&viewer).is_some() {
        return Ok(Redirect::to("/giam-sat/nhiem-vu").into_response());
    }
    let council = current(&viewer)?;
    let today = local_day(state.clock.now());
    let names = body_names(&state, council.id).await?;
    let stored = visible_tasks(&state, &viewer).await?;
    let tasks: Vec<&Task> = stored.iter().map(|t| &t.value).collect();
    let f = figures(&tasks, &names, today);
    let overdue_rows = tasks
        .iter()
        .filter(|t| t.is_overdue(today))
        .map(|t| task_row(t, &names, today))
        .collect();
    let page = DashboardPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Tổng quan giám sát", "/giam-sat").await?,
        council_name: council.name.clone(),
        on_time_text: rate(f.on_time),
        f,
        overdue_rows,
    };
    Ok(Html(page.render()?).into_response())
}

#[cfg(test)]
mod tests {
    use nghitruong_domain::petition::DocumentRef;
    use nghitruong_domain::supervision::{NewTask, TaskSource};
    use time::macros::{date, datetime};

    use super::*;

    fn task(id: i64, lead: i64, due: Date) -> Task {
        Task::assign(
            NewTask {
                id,
                source: TaskSource::StandingConclusion,
                source_doc: None,
                delegation_id: None,
                recommendation_id: None,
                content: format!("Nhiệm vụ {id}"),
                lead_body_id: lead,
                co_body_ids: Vec::new(),
                responsible: None,
                expected_evidence: "Báo cáo".into(),
                due,
                complex: false,
            },
            datetime!(2026-01-05 02:00 UTC),
        )
        .unwrap()
    }

    fn evidence(on: Date) -> Vec<DocumentRef> {
        vec![DocumentRef {
            number: "1/BC".into(),
            date: on,
        }]
    }

    #[test]
    fn figures_count_status_body_month_on_time_and_overdue() {
        let today = date!(2026 - 06 - 15);
        let mut on_time = task(1, 7, date!(2026 - 05 - 31));
        on_time
            .submit_result(
                "Xong",
                evidence(date!(2026 - 05 - 20)),
                datetime!(2026-05-20 02:00 UTC),
            )
            .unwrap();
        on_time
            .accept("Đạt", datetime!(2026-05-25 02:00 UTC))
            .unwrap();
        let mut late = task(2, 8, date!(2026 - 04 - 30));
        late.submit_result(
            "Xong",
            evidence(date!(2026 - 05 - 10)),
            datetime!(2026-05-10 02:00 UTC),
        )
        .unwrap();
        late.accept("Đạt", datetime!(2026-05-12 02:00 UTC)).unwrap();
        let overdue = task(3, 7, date!(2026 - 06 - 01));
        let open = task(4, 7, date!(2026 - 08 - 20));
        let names: HashMap<i64, String> = [
            (7, "Sở Xây dựng".to_owned()),
            (8, "Sở Tài chính".to_owned()),
        ]
        .into();
        let all = [&on_time, &late, &overdue, &open];
        let f = figures(&all, &names, today);
        assert_eq!(f.total, 4);
        assert_eq!(f.overdue, 1);
        assert_eq!(f.on_time, (1, 2));
        assert_eq!(rate(f.on_time), "1/2 (50%)");
        let status: Vec<(&str, usize)> = f
            .by_status
            .iter()
            .map(|b| (b.label.as_str(), b.count))
            .collect();
        // Not yet marked by the scheduler, the task past due counts as overdue.
        assert_eq!(
            status,
            vec![("Hoàn thành", 2), ("Chưa hoàn thành", 1), ("Quá hạn", 1)]
        );
        assert_eq!(f.by_body[0].label, "Sở Xây dựng");
        assert_eq!((f.by_body[0].count, f.by_body[0].width), (3, 100));
        assert_eq!((f.by_body[1].count, f.by_body[1].width), (1, 33));
        let months: Vec<&str> = f.by_month.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(months, vec!["06/2026", "08/2026"], "open tasks only");
        assert_eq!(rate((0, 0)), "chưa có nhiệm vụ hoàn thành");
    }
}
