//! Ballot groups committed on a SQLite connection of their own, called
//! directly rather than through sqlx.
//!
//! sqlx runs each SQLite connection on a thread of its own: every statement
//! is a message to that thread and a wake-up back, and a group commit is
//! about a dozen statements. When all 500 deputies press at once, both
//! cores are busy reading their requests, and each of those hand-overs
//! waits for a thread to be given a core: the first group, of one ballot,
//! took 8-11 ms, almost all of it waiting, while the other 499 queued
//! behind it (issue #3, `BENCHMARK-session.md`). Here the whole group is
//! checked and written in one call on the committing task's own thread.
//! sqlx has no way to run statements on the caller's thread short of its
//! raw connection handle and unsafe calls into SQLite; rusqlite is the
//! well-kept safe binding, over the same `libsqlite3-sys` as sqlx.
//!
//! The connection writes under the store's writer lock, as every write
//! through the pool does, and with the pool's settings: write-ahead log,
//! `synchronous = FULL` (an acknowledged ballot survives a power cut),
//! foreign keys, the same busy timeout. PostgreSQL, and a SQLite database
//! in memory (which a second connection would not see), commit ballots
//! through sqlx.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use nghitruong_domain::clock::from_millis;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use super::audit;
use super::ballots::{
    Ballot, Heads, Outcome, RoundHead, Standing, Written, decide, people_by_round,
};
use crate::{Result, StoreError};

/// The ballots' own connection.
pub(crate) struct Direct {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Direct")
    }
}

/// SQLite's own reason, which the log shows as it is.
fn failed(e: rusqlite::Error) -> StoreError {
    StoreError::Other(anyhow::Error::new(e))
}

/// Runs `f`, which blocks on SQLite, on this thread: on a multi-threaded
/// runtime the thread's other tasks are handed to another thread first, so
/// they do not wait for it. (A single-threaded runtime, as in most tests,
/// has no other thread to hand them to.)
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

impl Direct {
    /// Opens the database file at `path`, which the pool has already
    /// opened and migrated.
    pub(crate) fn open(path: &Path) -> anyhow::Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// `synchronous`, `journal_mode` and `foreign_keys`, as the tests check.
    #[cfg(test)]
    pub(crate) fn settings(&self) -> (i64, String, bool) {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let read = |pragma: &str| -> rusqlite::Result<rusqlite::types::Value> {
            conn.pragma_query_value(None, pragma, |r| r.get(0))
        };
        match (
            read("synchronous"),
            read("journal_mode"),
            read("foreign_keys"),
        ) {
            (
                Ok(rusqlite::types::Value::Integer(sync)),
                Ok(rusqlite::types::Value::Text(journal)),
                Ok(rusqlite::types::Value::Integer(keys)),
            ) => (sync, journal, keys == 1),
            other => panic!("unexpected settings {other:?}"),
        }
    }

    /// Checks and writes a group of ballots in one transaction; the caller
    /// holds the store's writer lock. `None` for a ballot whose round does
    /// not exist.
    pub(crate) fn commit_group(&self, ballots: &[Ballot]) -> Result<Vec<Option<Outcome>>> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = Transaction::new(&mut conn, TransactionBehavior::Immediate).map_err(failed)?;
        let mut heads = Heads::new();
        for b in ballots {
            if let std::collections::hash_map::Entry::Vacant(slot) = heads.entry(b.round_id) {
                slot.insert(head(&tx, b.round_id)?);
            }
        }
        let mut standing = HashMap::new();
        for (round_id, session_id, people) in people_by_round(ballots, &heads) {
            standing.insert(round_id, standing_of(&tx, round_id, session_id, &people)?);
        }
        let (outcomes, accepted) = decide(ballots, &heads, standing);
        let accepted: Vec<&Ballot> = accepted.into_iter().map(|i| &ballots[i]).collect();
        write(&tx, Written::of(&heads, &accepted))?;
        tx.commit().map_err(failed)?;
        Ok(outcomes)
    }
}

fn head(tx: &Transaction<'_>, round_id: i64) -> Result<Option<RoundHead>> {
    let row = tx
        .prepare_cached("SELECT session_id, status, closes_at, mode FROM vote_rounds WHERE id = ?1")
        .map_err(failed)?
        .query_row([round_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()
        .map_err(failed)?;
    let Some((session_id, status, closes_at, mode)) = row else {
        return Ok(None);
    };
    let coded = |e: nghitruong_domain::org::UnknownVariant| StoreError::Other(e.into());
    Ok(Some(RoundHead {
        session_id,
        status: status.parse().map_err(coded)?,
        closes_at: closes_at.map(from_millis),
        mode: mode.parse().map_err(coded)?,
    }))
}

/// Of `people`, who is present and who has voted in the round. Each is
/// looked up by its primary key: a group of one reads two rows, not the
/// whole hall.
fn standing_of(
    tx: &Transaction<'_>,
    round_id: i64,
    session_id: i64,
    people: &[i64],
) -> Result<Standing> {
    let mut present = tx
        .prepare_cached(
            "SELECT 1 FROM attendance WHERE session_id = ?1 AND person_id = ?2 \
             AND status IN ('co_mat', 'truc_tuyen')",
        )
        .map_err(failed)?;
    let mut voted = tx
        .prepare_cached("SELECT 1 FROM round_voters WHERE round_id = ?1 AND person_id = ?2")
        .map_err(failed)?;
    let mut standing = Standing::default();
    for &p in people {
        if present.exists((session_id, p)).map_err(failed)? {
            standing.present.insert(p);
        }
        if voted.exists((round_id, p)).map_err(failed)? {
            standing.voted.insert(p);
        }
    }
    Ok(standing)
}

fn write(tx: &Transaction<'_>, rows: Written<'_>) -> Result<()> {
    if rows.voters.is_empty() {
        return Ok(());
    }
    let mut voter = tx
        .prepare_cached("INSERT INTO round_voters (round_id, person_id) VALUES (?1, ?2)")
        .map_err(failed)?;
    for [round_id, person_id] in &rows.voters {
        voter.execute((round_id, person_id)).map_err(failed)?;
    }
    let mut count = tx
        .prepare_cached(
            "UPDATE vote_rounds SET approve = approve + ?1, reject = reject + ?2, \
             abstain = abstain + ?3 WHERE id = ?4",
        )
        .map_err(failed)?;
    for (round_id, [approve, reject, abstain]) in &rows.counts {
        count
            .execute((approve, reject, abstain, round_id))
            .map_err(failed)?;
    }
    if !rows.named.is_empty() {
        let mut named = tx
            .prepare_cached(
                "INSERT INTO named_ballots (round_id, person_id, choice, cast_at) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(failed)?;
        for n in &rows.named {
            named.execute(*n).map_err(failed)?;
        }
    }
    let mut last: Option<(i64, String)> = tx
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .map_err(failed)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(failed)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, entity, entity_id, \
             before_json, after_json, request_id, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .map_err(failed)?;
    for (ctx, change) in rows.changes {
        let r = audit::linked(ctx, change, last.as_ref());
        insert
            .execute(rusqlite::params![
                r.seq,
                r.at_ms,
                r.actor_id,
                r.actor_name,
                r.action,
                r.entity,
                r.entity_id,
                r.before,
                r.after,
                r.request_id,
                r.prev_hash,
                r.hash,
            ])
            .map_err(failed)?;
        last = Some((r.seq, r.hash));
    }
    Ok(())
}
