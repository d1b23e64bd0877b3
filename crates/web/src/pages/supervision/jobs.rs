//! The scheduler's supervision job: for every open task, what
//! `due_actions` says falls due today — reminders 15, 7 and 3 days before
//! the due date, the overdue mark, the escalation steps — each done once.
//!
//! Order makes it safe to stop at any point and run again: the people are
//! notified with the action's key (a second run notifies nobody twice),
//! the overdue mark is saved, and only then is the action recorded.

use std::collections::HashMap;

use nghitruong_domain::access::Role;
use nghitruong_domain::supervision::{
    Action, ActionKind, EscalationPolicy, EscalationStep, Task, due_actions,
};
use nghitruong_store::{AuditContext, StoreError, TaskFilter};
use time::OffsetDateTime;

use super::super::{local_date, local_day};
use crate::AppState;
use crate::notify::notify_once;
use crate::scheduler::JobFuture;

/// Who is told of escalations besides the agency: the council's office and
/// its leaders.
const COUNCIL_SIDE: &[Role] = &[
    Role::OfficeStaff,
    Role::Chair,
    Role::ViceChair,
    Role::StandingMember,
];

/// The job as the scheduler registers it.
pub(crate) fn scheduler_job(state: &AppState, now: OffsetDateTime) -> JobFuture<'_> {
    Box::pin(async move {
        let n = run(state, now).await?;
        Ok(if n == 0 {
            String::new()
        } else {
            format!("{n} việc nhắc hạn, xử lý quá hạn")
        })
    })
}

/// Does what falls due for every open task; returns how many actions were
/// taken this time.
pub(crate) async fn run(state: &AppState, now: OffsetDateTime) -> anyhow::Result<usize> {
    let today = local_day(now);
    let ctx = AuditContext::system(now);
    let mut taken = 0;
    for council_id in state.store.councils_with_open_tasks().await? {
        let council = state.store.council(council_id).await?;
        let policy = EscalationPolicy::from_deadlines(&council.rules.deadlines);
        let calendar = council.rules.calendar()?;
        let tasks = state
            .store
            .tasks(&TaskFilter {
                council_id: Some(council_id),
                ..Default::default()
            })
            .await?;
        let mut body_names: HashMap<i64, String> = HashMap::new();
        for stored in tasks {
            let task = &stored.value;
            let actions = due_actions(task, today, &calendar, &policy);
            if actions.is_empty() {
                continue;
            }
            let sent = state.store.sent_actions(task.id()).await?;
            for action in actions.iter().filter(|a| !sent.contains(&a.key)) {
                let lead = match body_names.get(&task.lead_body_id()) {
                    Some(name) => name.clone(),
                    None => {
                        let name = state.store.body(task.lead_body_id()).await?.name;
                        body_names.insert(task.lead_body_id(), name.clone());
                        name
                    }
                };
                act(state, council_id, task, action, &lead, now).await?;
                if state.store.record_action(task.id(), action, &ctx).await? {
                    taken += 1;
                }
            }
        }
    }
    Ok(taken)
}

/// Notifies the people `action` concerns and, for the overdue mark,
/// changes the task.
async fn act(
    state: &AppState,
    council_id: i64,
    task: &Task,
    action: &Action,
    lead: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let mut bodies = vec![task.lead_body_id()];
    bodies.extend_from_slice(task.co_body_ids());
    let agency = state.store.agency_users(&bodies).await?;
    let link = format!("/giam-sat/nhiem-vu/{}", task.id());
    let what = short(task.content());
    let due = local_date(task.due());
    let (recipients, subject, body) = match action.kind {
        ActionKind::Remind { days_before } => (
            agency,
            format!("Nhắc hạn: nhiệm vụ số {} còn {days_before} ngày", task.id()),
            format!(
                "Nhiệm vụ “{what}” do {lead} chủ trì có hạn hoàn thành ngày {due}. \
                 Đề nghị cơ quan báo cáo kết quả kèm tài liệu chứng minh trước thời hạn, \
                 hoặc đề nghị gia hạn nếu cần."
            ),
        ),
        ActionKind::MarkOverdue => {
            mark_overdue(state, task.id(), now).await?;
            let mut to = agency;
            to.extend(
                state
                    .store
                    .council_users(council_id, &[Role::OfficeStaff])
                    .await?,
            );
            (
                to,
                format!("Quá hạn: nhiệm vụ số {}", task.id()),
                format!(
                    "Nhiệm vụ “{what}” do {lead} chủ trì đã quá hạn hoàn thành ({due}) \
                     mà chưa có báo cáo kết quả."
                ),
            )
        }
        ActionKind::Escalate(step) => {
            let mut to = agency;
            to.extend(state.store.council_users(council_id, COUNCIL_SIDE).await?);
            let deadline = action
                .deadline
                .map(|d| {
                    format!(
                        " Phiên giải trình tổ chức chậm nhất ngày {}.",
                        local_date(d)
                    )
                })
                .unwrap_or_default();
            let next = match step {
                EscalationStep::Urge | EscalationStep::UrgeAgain => {
                    "Văn phòng đôn đốc cơ quan thực hiện."
                }
                EscalationStep::ReferToAuthority => {
                    "Thường trực HĐND kiến nghị cấp có thẩm quyền xem xét, xử lý."
                }
                EscalationStep::ExplanationSession => {
                    "Thường trực HĐND đưa nội dung vào phiên giải trình."
                }
                EscalationStep::Questioning => "Đưa nội dung vào chất vấn tại phiên họp, kỳ họp.",
                EscalationStep::ReSupervision => "Tổ chức giám sát lại việc thực hiện.",
                EscalationStep::ReportToCouncil => "Báo cáo HĐND xem xét tại kỳ họp gần nhất.",
            };
            (
                to,
                format!("{}: nhiệm vụ số {}", step.label(), task.id()),
                format!(
                    "Nhiệm vụ “{what}” do {lead} chủ trì quá hạn từ ngày {due}. {next}{deadline}"
                ),
            )
        }
    };
    notify_once(
        state,
        &recipients,
        Some(&action.key),
        &subject,
        &body,
        Some(&link),
    )
    .await?;
    Ok(())
}

/// Applies the overdue mark, reading the task afresh; one that changed in
/// between (graded, extended) and is no longer overdue is left alone.
async fn mark_overdue(state: &AppState, id: i64, now: OffsetDateTime) -> anyhow::Result<()> {
    for _ in 0..3 {
        let stored = state.store.task(id).await?;
        let mut task = stored.value;
        let Ok(transition) = task.mark_overdue(now) else {
            return Ok(());
        };
        match state
            .store
            .save_task(
                &task,
                stored.version,
                &transition,
                &AuditContext::system(now),
            )
            .await
        {
            Ok(_) => return Ok(()),
            // Someone saved the task meanwhile: read it again.
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    anyhow::bail!("nhiệm vụ {id} thay đổi liên tục, chưa chuyển quá hạn được")
}

/// The first words of a task's content, for a subject or a sentence.
pub(crate) fn short(content: &str) -> String {
    const MAX: usize = 160;
    let one_line = content.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX {
        one_line
    } else {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("{}…", cut.trim_end())
    }
}
