//! Nhắc hạn trả lời kiến nghị: the scheduler's job that tells each agency,
//! on the council's reminder days (15, 7 and 3 days by default), how many
//! forwarded petitions of one letter (công văn) still wait for its answer,
//! and tells the agency and the office once the due date has passed.
//!
//! One notification per letter and reminder, keyed so that however often
//! the scheduler runs, each goes out once.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use nghitruong_domain::access::Role;
use nghitruong_domain::org::Council;
use nghitruong_domain::petition::{AnswerReminder, PetitionStatus, answer_reminder};
use nghitruong_store::PetitionFilter;
use time::{Date, OffsetDateTime};

use crate::AppState;
use crate::notify::notify_once;
use crate::pages::{local_date, local_day};
use crate::scheduler::JobFuture;

/// The scheduler's entry: reminds and reports what it sent.
pub(crate) fn remind_job(state: &AppState, now: OffsetDateTime) -> JobFuture<'_> {
    Box::pin(async move {
        let n = remind(state, now).await?;
        Ok(if n == 0 {
            String::new()
        } else {
            format!("{n} thông báo nhắc hạn trả lời kiến nghị")
        })
    })
}

/// Petitions forwarded with one letter to one agency, due on one day.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Batch {
    council_id: i64,
    agency_id: i64,
    letter: String,
    due: Date,
}

/// Sends what falls due on `now`'s day; returns how many notifications
/// were made (none for what was sent before).
async fn remind(state: &AppState, now: OffsetDateTime) -> anyhow::Result<usize> {
    let today = local_day(now);
    let waiting = state
        .store
        .petitions(&PetitionFilter {
            status: Some(PetitionStatus::Forwarded),
            ..Default::default()
        })
        .await?;
    let mut batches: BTreeMap<Batch, (usize, String)> = BTreeMap::new();
    for r in &waiting {
        let Some(a) = r.petition.assignment() else {
            continue;
        };
        let batch = Batch {
            council_id: r.petition.council_id(),
            agency_id: a.agency_id,
            letter: a.letter.number.clone(),
            due: a.due,
        };
        let entry = batches
            .entry(batch)
            .or_insert_with(|| (0, r.agency_name.clone().unwrap_or_default()));
        entry.0 += 1;
    }
    let mut councils: HashMap<i64, Council> = HashMap::new();
    let mut made = 0;
    for (batch, (count, agency)) in batches {
        let council = match councils.entry(batch.council_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(state.store.council(batch.council_id).await?),
        };
        let days = &council.rules.deadlines.reminder_days_before;
        let Some(reminder) = answer_reminder(batch.due, today, days) else {
            continue;
        };
        let key = format!(
            "kien-nghi:{}:{}:{}:{}:{}",
            batch.council_id,
            batch.agency_id,
            batch.letter,
            batch.due,
            reminder.key()
        );
        let due = local_date(batch.due);
        let (subject, body) = match reminder {
            AnswerReminder::DaysBefore(d) => (
                format!("Còn {d} ngày đến hạn trả lời {count} kiến nghị cử tri"),
                format!(
                    "{} đã chuyển {count} kiến nghị cử tri theo Công văn số {} đến {agency}. \
                     Hạn trả lời: {due}. Đề nghị gửi văn bản trả lời trước hạn.",
                    council.name, batch.letter
                ),
            ),
            AnswerReminder::Overdue => (
                format!("Quá hạn trả lời {count} kiến nghị cử tri"),
                format!(
                    "{count} kiến nghị cử tri chuyển theo Công văn số {} của {} đến {agency} \
                     đã quá hạn trả lời ({due}).",
                    batch.letter, council.name
                ),
            ),
        };
        let officers = state.store.agency_users(&[batch.agency_id]).await?;
        made += notify_once(
            state,
            &officers,
            Some(&key),
            &subject,
            &body,
            Some("/kien-nghi/duoc-giao"),
        )
        .await?;
        if reminder == AnswerReminder::Overdue {
            let office = state
                .store
                .council_users(batch.council_id, &[Role::OfficeStaff])
                .await?;
            made += notify_once(
                state,
                &office,
                Some(&key),
                &subject,
                &format!("{body} Văn phòng cần đôn đốc cơ quan trả lời."),
                Some("/kien-nghi"),
            )
            .await?;
        }
    }
    Ok(made)
}
