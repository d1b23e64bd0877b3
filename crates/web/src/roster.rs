//! Each council's seated deputies (đại biểu đang giữ ghế), kept in memory.
//!
//! Every screen of a session, and every ballot, needs the council's
//! deputies: who may vote, how many hold office. Reading them (500 rows
//! and their decoding) cost 6 ms, and the first ballot of a vote paid it
//! while the other 499 waited behind it (issue #3). The roster changes
//! only when people, their positions or the council's bodies change, so it
//! is kept until the access epoch moves: triggers on those tables move it
//! (migration 0018), whichever node or hand made the change, and the epoch
//! is read at most once per two seconds for every viewer and roster.
//!
//! Written by hand: a map of a few entries keyed by council, day and epoch;
//! a cache crate would add eviction policies none of this needs.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nghitruong_store::Member;
use time::Date;
use tokio::sync::OnceCell;

/// A council's seated deputies on one day.
pub(crate) struct Deputies {
    /// Seated that day, whatever their status.
    pub(crate) seated: Vec<Member>,
    /// Of those, the ones who hold office (đương nhiệm).
    pub(crate) in_office: u32,
}

impl Deputies {
    pub(crate) fn new(seated: Vec<Member>) -> Self {
        let in_office = seated
            .iter()
            .filter(|m| m.person.status.holds_office())
            .count();
        Self {
            seated,
            in_office: u32::try_from(in_office).unwrap_or(u32::MAX),
        }
    }
}

/// Longest a roster is kept, epoch or not: a safety net for changes no
/// trigger sees.
const MAX_AGE: Duration = Duration::from_secs(600);

type Cell = Arc<OnceCell<Arc<Deputies>>>;

struct Held {
    day: Date,
    epoch: i64,
    born: Instant,
    cell: Cell,
}

/// The rosters of the councils asked about lately.
#[derive(Default)]
pub struct Rosters {
    held: Mutex<HashMap<i64, Held>>,
}

impl Rosters {
    /// Council `council_id`'s deputies on `day` as of access epoch `epoch`:
    /// the ones kept, or read by `read` once for every caller that asks
    /// meanwhile.
    pub(crate) async fn get<E, F, Fut>(
        &self,
        council_id: i64,
        day: Date,
        epoch: i64,
        read: F,
    ) -> Result<Arc<Deputies>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Member>, E>>,
    {
        let cell = {
            let mut held = self
                .held
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let current = held
                .get(&council_id)
                .is_some_and(|h| h.day == day && h.epoch == epoch && h.born.elapsed() < MAX_AGE);
            if !current {
                held.insert(
                    council_id,
                    Held {
                        day,
                        epoch,
                        born: Instant::now(),
                        cell: Cell::default(),
                    },
                );
            }
            held.get(&council_id)
                .map(|h| h.cell.clone())
                .unwrap_or_default()
        };
        let deputies = cell
            .get_or_try_init(|| async { Ok(Arc::new(Deputies::new(read().await?))) })
            .await?;
        Ok(Arc::clone(deputies))
    }

    /// Forgets every roster (a change made through this server).
    pub fn forget_all(&self) {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    use nghitruong_domain::org::{Person, PersonStatus, Position, PositionRole};

    fn member(id: i64, status: PersonStatus) -> Member {
        let day = time::macros::date!(2026 - 01 - 01);
        Member {
            person: Person {
                id,
                full_name: format!("Đại biểu {id}"),
                status,
            },
            position: Position {
                person_id: id,
                body_id: 1,
                role: PositionRole::Deputy,
                full_time: false,
                starts_on: day,
                ends_on: None,
            },
        }
    }

    #[tokio::test]
    async fn a_roster_is_read_once_per_council_day_and_epoch() {
        let rosters = Rosters::default();
        let reads = AtomicU32::new(0);
        let day = time::macros::date!(2026 - 12 - 07);
        let get = |council: i64, day: Date, epoch: i64| {
            rosters.get(council, day, epoch, || async {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(vec![
                    member(1, PersonStatus::Active),
                    member(2, PersonStatus::Dismissed),
                ])
            })
        };
        let first = get(7, day, 3).await.unwrap_or_else(|()| panic!());
        assert_eq!((first.seated.len(), first.in_office), (2, 1));
        // Five hundred ballots at once: one read.
        let many: Vec<_> = (0..500).map(|_| get(7, day, 3)).collect();
        for d in futures_util::future::join_all(many).await {
            assert!(Arc::ptr_eq(&d.unwrap_or_else(|()| panic!()), &first));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        // Another council, another day, a moved epoch: read again.
        get(8, day, 3).await.unwrap_or_else(|()| panic!());
        get(7, day.next_day().unwrap_or(day), 3)
            .await
            .unwrap_or_else(|()| panic!());
        get(7, day, 4).await.unwrap_or_else(|()| panic!());
        assert_eq!(reads.load(Ordering::SeqCst), 4);
        rosters.forget_all();
        get(7, day, 4).await.unwrap_or_else(|()| panic!());
        assert_eq!(reads.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept() {
        let rosters = Rosters::default();
        let day = time::macros::date!(2026 - 12 - 07);
        let failed = rosters
            .get(7, day, 1, || async { Err::<Vec<Member>, _>("hỏng") })
            .await;
        assert!(failed.is_err());
        let read = rosters
            .get(7, day, 1, || async {
                Ok::<_, &str>(vec![member(1, PersonStatus::Active)])
            })
            .await;
        assert_eq!(read.map(|d| d.in_office), Ok(1));
    }
}
