//! Ballots, committed in groups.
//!
//! When the chair opens a vote, every deputy in the hall presses a button
//! within a second or two. One transaction per ballot would make the last
//! deputy wait for all the others' commits, so ballots that arrive while a
//! commit is running wait together and go into the next transaction as one
//! group (group commit). Each caller still learns its own outcome only after
//! the transaction holding its ballot has committed: an acknowledged ballot
//! is durable, and a failed commit fails every ballot of its group.
//!
//! One task commits: the ballot that finds no commit under way starts it,
//! and it commits everything queued, group after group, until the queue is
//! empty. Each caller waits only for its own group. The commit does not run
//! in a caller's own request, so a tablet that drops its connection cannot
//! take its neighbours' ballots of the same group with it; and a caller
//! needs no task of its own (one for each of 500 ballots cost the burst
//! 500 task allocations and twice the wake-ups, issue #3). Handing the
//! commit from caller to caller between groups cost a wait on the runtime's
//! queue, behind every request still coming in: 3-5 ms a group.
//!
//! The check and the rows are the same on every backend ([`decide`],
//! [`Written`]); on a SQLite file a group is read and written on a
//! connection of its own in one call ([`super::direct`]), elsewhere
//! statement by statement through sqlx.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex as SyncMutex;

use nghitruong_domain::clock::to_millis;
use nghitruong_domain::vote::{self, BallotRefusal, Choice, RoundStatus, VoteMode, Voter};
use serde_json::json;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;
use tokio::sync::oneshot;

use super::audit::{self, Change};
use super::rows::{json_rows, ordered_placeholders};
use super::{SqlStore, Write, db, direct, sitting};
use crate::{AuditContext, Result, StoreError};

/// The outcome of one ballot.
pub(crate) type Outcome = std::result::Result<(), BallotRefusal>;

/// One ballot as a deputy cast it.
pub(crate) struct Ballot {
    /// The session the deputy voted in; a round of another is not found.
    pub(crate) session_id: i64,
    pub(crate) round_id: i64,
    pub(crate) person_id: i64,
    pub(crate) holds_office: bool,
    pub(crate) choice: Choice,
    pub(crate) ctx: AuditContext,
}

/// What a waiting caller is told: its outcome (`None` if the round does
/// not exist), or why its group's transaction failed.
type Reply = std::result::Result<Option<Outcome>, String>;

struct Waiting {
    ballot: Ballot,
    reply: oneshot::Sender<Reply>,
}

/// Ballots waiting for the next commit, and whether a task commits them.
#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    committing: bool,
}

/// Ballots waiting for the next commit.
#[derive(Default)]
pub(crate) struct BallotQueue {
    queue: SyncMutex<Queue>,
}

/// Most ballots committed in one transaction.
const MAX_GROUP: usize = 512;

impl BallotQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues a ballot; whether the caller must start the commit.
    fn push(&self, waiting: Waiting) -> bool {
        let mut queue = self.lock();
        queue.waiting.push(waiting);
        !std::mem::replace(&mut queue.committing, true)
    }

    /// The next group, or `None` (and the commit ends) when none is left.
    /// Decided under the same lock as [`BallotQueue::push`], so a ballot
    /// queued after the last group finds no commit under way and starts one.
    fn next_group(&self) -> Option<Vec<Waiting>> {
        let mut queue = self.lock();
        if queue.waiting.is_empty() {
            queue.committing = false;
            return None;
        }
        let n = queue.waiting.len().min(MAX_GROUP);
        Some(queue.waiting.drain(..n).collect())
    }
}

/// Ends a commit that did not end normally (a panic, or its runtime
/// shutting down): the ballots still queued are refused rather than left
/// waiting, and the next ballot starts a new commit.
struct CommitEnds<'a> {
    queue: &'a BallotQueue,
    /// Set when the commit ended by finding the queue empty: a new commit
    /// may be under way by then, and its ballots are not this one's.
    normally: bool,
}

impl Drop for CommitEnds<'_> {
    fn drop(&mut self) {
        if self.normally {
            return;
        }
        let mut queue = self.queue.lock();
        if queue.committing {
            // Dropping their senders tells the callers their group was lost.
            queue.waiting.clear();
            queue.committing = false;
        }
    }
}

/// Casts `ballot`, returning once the transaction holding it has committed.
pub(crate) async fn cast(store: &SqlStore, ballot: Ballot) -> Result<Outcome> {
    let (reply, outcome) = oneshot::channel();
    if store.ballots.push(Waiting { ballot, reply }) {
        let store = store.clone();
        tokio::spawn(async move {
            let mut ends = CommitEnds {
                queue: &store.ballots,
                normally: false,
            };
            commit_queued(&store).await;
            ends.normally = true;
        });
    }
    settled(outcome.await)
}

/// Commits the queued ballots, group after group, until none is left; each
/// caller is told its outcome as soon as its group has committed.
async fn commit_queued(store: &SqlStore) {
    while let Some(group) = store.ballots.next_group() {
        let (ballots, replies): (Vec<_>, Vec<_>) =
            group.into_iter().map(|w| (w.ballot, w.reply)).unzip();
        match commit_group(store, &ballots).await {
            Ok(outcomes) => {
                for (reply, o) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(o));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }
}

fn settled(done: std::result::Result<Reply, oneshot::error::RecvError>) -> Result<Outcome> {
    match done {
        Ok(Ok(Some(outcome))) => Ok(outcome),
        Ok(Ok(None)) => Err(StoreError::NotFound),
        Ok(Err(message)) => Err(StoreError::Other(anyhow::anyhow!(message))),
        Err(_) => Err(StoreError::Other(anyhow::anyhow!(
            "the ballot's group was dropped before it committed"
        ))),
    }
}

/// Of `people`, those for whom `sql` (with `{scope}` the scope, then
/// `{people}` a table of the people) returns a row.
async fn which(w: &mut Write<'_>, sql: &str, scope: i64, people: &[i64]) -> Result<HashSet<i64>> {
    let sql = sql
        .replace("{scope}", &ordered_placeholders(w.backend, 1, 1))
        .replace("{people}", &json_rows(w.backend, 2, &["bigint"]));
    let people: Vec<[i64; 1]> = people.iter().map(|p| [*p]).collect();
    let rows = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql))
        .bind(scope)
        .bind(json_text(&people)?)
        .fetch_all(&mut *w.tx)
        .await
        .map_err(db)?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

/// `rows` as the JSON text [`json_rows`] reads.
fn json_text(rows: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(rows).map_err(|e| StoreError::Other(e.into()))
}

/// What checking and writing a ballot needs of its round.
pub(super) struct RoundHead {
    pub(super) session_id: i64,
    pub(super) status: RoundStatus,
    pub(super) closes_at: Option<OffsetDateTime>,
    pub(super) mode: VoteMode,
}

/// The rounds a group's ballots name, each `None` if it does not exist.
pub(super) type Heads = HashMap<i64, Option<RoundHead>>;

/// Of one round's voters in a group: who is present in the hall, and who
/// has already voted in the round.
#[derive(Default)]
pub(super) struct Standing {
    pub(super) present: HashSet<i64>,
    pub(super) voted: HashSet<i64>,
}

/// A ballot sent to another session's address is not found, as it would be
/// had the round been read before.
fn of_round(b: &Ballot, round_id: i64, head: &RoundHead) -> bool {
    b.round_id == round_id && b.session_id == head.session_id
}

/// For each round found: its session and the people of the group who cast
/// a ballot in it, whose standing the check needs.
pub(super) fn people_by_round(ballots: &[Ballot], heads: &Heads) -> Vec<(i64, i64, Vec<i64>)> {
    let mut by_round = Vec::new();
    for (round_id, head) in heads {
        let Some(head) = head else { continue };
        let people: Vec<i64> = ballots
            .iter()
            .filter(|b| of_round(b, *round_id, head))
            .map(|b| b.person_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if !people.is_empty() {
            by_round.push((*round_id, head.session_id, people));
        }
    }
    by_round
}

/// Checks the group's ballots in arrival order, as if each had been cast
/// alone: a deputy's second ballot in the group is refused as a second
/// ballot. The outcomes, and the indices of the accepted ballots in order.
pub(super) fn decide(
    ballots: &[Ballot],
    heads: &Heads,
    mut standing: HashMap<i64, Standing>,
) -> (Vec<Option<Outcome>>, Vec<usize>) {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; ballots.len()];
    let mut accepted = Vec::new();
    for (i, b) in ballots.iter().enumerate() {
        let Some(Some(head)) = heads.get(&b.round_id) else {
            continue;
        };
        if !of_round(b, b.round_id, head) {
            continue;
        }
        let s = standing.entry(b.round_id).or_default();
        let voter = Voter {
            holds_office: b.holds_office,
            present: s.present.contains(&b.person_id),
            has_voted: s.voted.contains(&b.person_id),
        };
        let time_left = head.closes_at.is_none_or(|t| b.ctx.at < t);
        let outcome = vote::check_ballot(head.status, time_left, voter);
        if outcome.is_ok() {
            s.voted.insert(b.person_id);
            accepted.push(i);
        }
        outcomes[i] = Some(outcome);
    }
    (outcomes, accepted)
}

/// Checks and writes a group of ballots in one transaction. `None` for a
/// ballot whose round does not exist.
async fn commit_group(store: &SqlStore, ballots: &[Ballot]) -> Result<Vec<Option<Outcome>>> {
    if let Some(direct) = &store.direct {
        let _writer = store.writer.lock().await;
        return direct::blocking(|| direct.commit_group(ballots));
    }
    let mut w = store.write().await?;
    let mut heads = Heads::new();
    for b in ballots {
        if let std::collections::hash_map::Entry::Vacant(slot) = heads.entry(b.round_id) {
            slot.insert(match sitting::round_in(&mut w, b.round_id).await {
                Ok(r) => Some(RoundHead {
                    session_id: r.session_id,
                    status: r.status,
                    closes_at: r.closes_at,
                    mode: r.mode,
                }),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e),
            });
        }
    }
    let mut standing = HashMap::new();
    for (round_id, session_id, people) in people_by_round(ballots, &heads) {
        let present = which(
            &mut w,
            "SELECT person_id FROM attendance WHERE session_id = {scope} \
             AND status IN ('co_mat', 'truc_tuyen') AND person_id IN ({people})",
            session_id,
            &people,
        )
        .await?;
        let voted = which(
            &mut w,
            "SELECT person_id FROM round_voters WHERE round_id = {scope} AND person_id IN ({people})",
            round_id,
            &people,
        )
        .await?;
        standing.insert(round_id, Standing { present, voted });
    }
    let (outcomes, accepted) = decide(ballots, &heads, standing);
    let accepted: Vec<&Ballot> = accepted.into_iter().map(|i| &ballots[i]).collect();
    write_accepted(&mut w, Written::of(&heads, &accepted)).await?;
    w.commit().await?;
    Ok(outcomes)
}

/// The rows the accepted ballots of a group add: who voted, the counters,
/// the named choices and one audit record each. A secret ballot leaves
/// only the fact that the deputy voted and the round's counters, never a
/// link between the two.
pub(super) struct Written<'a> {
    /// `[round, person]`, in arrival order.
    pub(super) voters: Vec<[i64; 2]>,
    /// Per round: approve, reject, abstain to add.
    pub(super) counts: Vec<(i64, [i64; 3])>,
    /// Round, person, choice, cast at (milliseconds), of named rounds only.
    pub(super) named: Vec<(i64, i64, &'static str, i64)>,
    pub(super) changes: Vec<(&'a AuditContext, Change<'static>)>,
}

impl<'a> Written<'a> {
    pub(super) fn of(heads: &Heads, accepted: &[&'a Ballot]) -> Self {
        let named = |b: &Ballot| {
            heads
                .get(&b.round_id)
                .and_then(Option::as_ref)
                .is_some_and(|r| r.mode == VoteMode::Named)
        };
        let mut counts: Vec<(i64, [i64; 3])> = Vec::new();
        for b in accepted {
            let at = match counts.iter().position(|(r, _)| *r == b.round_id) {
                Some(at) => at,
                None => {
                    counts.push((b.round_id, [0; 3]));
                    counts.len() - 1
                }
            };
            let slot = match b.choice {
                Choice::Approve => 0,
                Choice::Reject => 1,
                Choice::Abstain => 2,
            };
            counts[at].1[slot] += 1;
        }
        let changes = accepted
            .iter()
            .map(|b| {
                // A secret ballot's audit record says that the deputy voted, never how.
                let after = if named(b) {
                    json!({ "person_id": b.person_id, "choice": b.choice.as_str() })
                } else {
                    json!({ "person_id": b.person_id })
                };
                let change = Change {
                    action: "vote.ballot",
                    entity: "vote_round",
                    entity_id: Some(b.round_id.to_string()),
                    before: None,
                    after: Some(after),
                };
                (&b.ctx, change)
            })
            .collect();
        Self {
            voters: accepted.iter().map(|b| [b.round_id, b.person_id]).collect(),
            counts,
            named: accepted
                .iter()
                .filter(|b| named(b))
                .map(|b| {
                    (
                        b.round_id,
                        b.person_id,
                        b.choice.as_str(),
                        to_millis(b.ctx.at),
                    )
                })
                .collect(),
            changes,
        }
    }
}

/// Writes a group's rows in the open transaction.
async fn write_accepted(w: &mut Write<'_>, rows: Written<'_>) -> Result<()> {
    if rows.voters.is_empty() {
        return Ok(());
    }
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO round_voters (round_id, person_id) {}",
        json_rows(w.backend, 1, &["bigint", "bigint"])
    )))
    .bind(json_text(&rows.voters)?)
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    for (round_id, [approve, reject, abstain]) in &rows.counts {
        sqlx::query(
            "UPDATE vote_rounds SET approve = approve + $1, reject = reject + $2, \
             abstain = abstain + $3 WHERE id = $4",
        )
        .bind(*approve)
        .bind(*reject)
        .bind(*abstain)
        .bind(*round_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    }
    if !rows.named.is_empty() {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO named_ballots (round_id, person_id, choice, cast_at) {}",
            json_rows(w.backend, 1, &["bigint", "bigint", "text", "bigint"])
        )))
        .bind(json_text(&rows.named)?)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    }
    audit::append_all(w, rows.changes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    fn cast_by(person_id: i64, round_id: i64, session_id: i64, choice: Choice) -> Ballot {
        Ballot {
            session_id,
            round_id,
            person_id,
            holds_office: true,
            choice,
            ctx: AuditContext::system(T0),
        }
    }

    fn head(session_id: i64, mode: VoteMode) -> Option<RoundHead> {
        Some(RoundHead {
            session_id,
            status: RoundStatus::Open,
            closes_at: Some(T0 + time::Duration::seconds(60)),
            mode,
        })
    }

    /// A group is checked in arrival order as if each ballot had been cast
    /// alone, whichever backend read what the check needs.
    #[test]
    fn a_group_is_checked_as_if_each_ballot_came_alone() {
        use BallotRefusal::*;
        let heads = Heads::from([(1, head(10, VoteMode::Secret)), (2, None)]);
        let late = Ballot {
            ctx: AuditContext::system(T0 + time::Duration::seconds(60)),
            ..cast_by(2, 1, 10, Choice::Approve)
        };
        let ballots = vec![
            cast_by(1, 1, 10, Choice::Approve),
            cast_by(1, 1, 10, Choice::Reject), // a double tap in the same group
            cast_by(2, 1, 99, Choice::Approve), // the round through another session
            cast_by(3, 1, 10, Choice::Approve), // voted in an earlier group
            cast_by(4, 1, 10, Choice::Approve), // not checked in
            cast_by(5, 2, 10, Choice::Approve), // no such round
            Ballot {
                holds_office: false,
                ..cast_by(2, 1, 10, Choice::Approve)
            },
            late, // the timer ran out
            cast_by(2, 1, 10, Choice::Abstain),
        ];
        let people = people_by_round(&ballots, &heads);
        let [(1, 10, mut asked)] = <[_; 1]>::try_from(people).unwrap_or_else(|p| panic!("{p:?}"))
        else {
            panic!("round 1 of session 10 only");
        };
        asked.sort_unstable();
        assert_eq!(asked, [1, 2, 3, 4], "the standing of those who voted there");
        let standing = HashMap::from([(
            1,
            Standing {
                present: HashSet::from([1, 2, 3]),
                voted: HashSet::from([3]),
            },
        )]);
        let (outcomes, accepted) = decide(&ballots, &heads, standing);
        assert_eq!(
            outcomes,
            [
                Some(Ok(())),
                Some(Err(AlreadyVoted)),
                None,
                Some(Err(AlreadyVoted)),
                Some(Err(NotPresent)),
                None,
                Some(Err(NotEligible)),
                Some(Err(TimeUp)),
                Some(Ok(())),
            ]
        );
        assert_eq!(accepted, [0, 8]);
    }

    /// The rows of a group: who voted in arrival order, the counters per
    /// round, choices only for a named round, and audit records that say
    /// how a deputy voted only in a named round.
    #[test]
    fn a_secret_ballot_writes_no_link_between_deputy_and_choice() {
        let heads = Heads::from([
            (1, head(10, VoteMode::Secret)),
            (2, head(10, VoteMode::Named)),
        ]);
        let ballots = [
            cast_by(7, 1, 10, Choice::Reject),
            cast_by(8, 2, 10, Choice::Approve),
            cast_by(9, 1, 10, Choice::Abstain),
        ];
        let accepted: Vec<&Ballot> = ballots.iter().collect();
        let rows = Written::of(&heads, &accepted);
        assert_eq!(rows.voters, [[1, 7], [2, 8], [1, 9]]);
        assert_eq!(rows.counts, [(1, [0, 1, 1]), (2, [1, 0, 0])]);
        assert_eq!(rows.named, [(2, 8, "tan_thanh", 0)]);
        let after: Vec<_> = rows.changes.iter().map(|(_, c)| c.after.clone()).collect();
        assert_eq!(
            after,
            [
                Some(json!({ "person_id": 7 })),
                Some(json!({ "person_id": 8, "choice": "tan_thanh" })),
                Some(json!({ "person_id": 9 })),
            ]
        );
    }

    /// Ballots have a connection of their own only where a second
    /// connection sees the same database and may write to it: a file, not
    /// memory, and not a store opened to read only by its options or its
    /// URL.
    #[tokio::test]
    async fn ballots_have_their_own_connection_only_on_a_writable_file() {
        let dir = nghitruong_testkit::temp_dir();
        let path = dir.path().join("t.db");
        let opened = |options| async move {
            SqlStore::open(&options)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let file = opened(crate::StoreOptions::sqlite_file(&path, 1)).await;
        assert!(file.direct.is_some());
        let read_only = opened(crate::StoreOptions {
            read_only: true,
            ..crate::StoreOptions::sqlite_file(&path, 1)
        })
        .await;
        assert!(read_only.direct.is_none());
        let memory = opened(crate::StoreOptions {
            url: "sqlite::memory:".into(),
            ..crate::StoreOptions::sqlite_file(&path, 1)
        })
        .await;
        assert!(memory.direct.is_none());
        // Read-only in the URL, as an operator may set it.
        for query in ["?mode=ro", "?immutable=true", "?cache=private&mode=r%6F"] {
            let url = format!("{}{query}", crate::sqlite_url(&path));
            let read_only = opened(crate::StoreOptions {
                url,
                ..crate::StoreOptions::sqlite_file(&path, 1)
            })
            .await;
            assert!(read_only.direct.is_none(), "{query}");
        }
    }

    /// Every ballot of a burst waits in [`cast`] while one of them commits
    /// the group: what a waiting ballot holds must stay small, or 500
    /// ballots at once fault in megabytes of fresh memory (issue #3).
    #[tokio::test]
    async fn a_waiting_ballot_holds_little_memory() {
        let dir = nghitruong_testkit::temp_dir();
        let options = crate::StoreOptions::sqlite_file(&dir.path().join("t.db"), 1);
        let store = SqlStore::open(&options)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let ballot = Ballot {
            session_id: 1,
            round_id: 1,
            person_id: 1,
            holds_office: true,
            choice: Choice::Approve,
            ctx: AuditContext::system(time::OffsetDateTime::UNIX_EPOCH),
        };
        let waiting = cast(&store, ballot);
        let size = std::mem::size_of_val(&waiting);
        assert!(size <= 1024, "a waiting ballot holds {size} bytes");
    }
}
