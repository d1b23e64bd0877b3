//! Appending to and reading the audit chain.

use nghitruong_domain::audit::AuditRecord;
use nghitruong_domain::clock::to_millis;
use sqlx::any::AnyRow;

use super::rows::{get, ordered_placeholders};
use super::{SqlStore, Write, db};
use crate::{AuditContext, AuditFilter, Result};

/// One state change to record.
pub(crate) struct Change<'a> {
    pub(crate) action: &'a str,
    pub(crate) entity: &'a str,
    pub(crate) entity_id: Option<String>,
    pub(crate) before: Option<serde_json::Value>,
    pub(crate) after: Option<serde_json::Value>,
}

/// Appends the record of `change` inside the open write transaction.
pub(crate) async fn append(
    w: &mut Write<'_>,
    ctx: &AuditContext,
    change: Change<'_>,
) -> Result<()> {
    append_all(w, vec![(ctx, change)]).await
}

/// The sizes of the many-row INSERTs that append records (12 values
/// each), largest first: any number of records goes in as a few of them,
/// and each size is one statement prepared once and kept. A last INSERT
/// of whatever size was left was a new statement for almost every batch,
/// and preparing one took more than writing its rows (issue #3). (Rows
/// read from one JSON parameter cost SQLite more: twelve extractions per
/// row.)
const ROWS_PER_INSERT: [usize; 4] = [64, 16, 4, 1];

/// Appends the records of `changes`, in order, inside the open write
/// transaction: the chain's head is read once and the rows go in by
/// many-row INSERTs (a batch of ballots writes one record per ballot).
pub(crate) async fn append_all(
    w: &mut Write<'_>,
    changes: Vec<(&AuditContext, Change<'_>)>,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?;
    let mut records = Vec::with_capacity(changes.len());
    for (ctx, change) in changes {
        let record = linked(ctx, change, last.as_ref());
        last = Some((record.seq, record.hash.clone()));
        records.push(record);
    }
    let mut rest = &records[..];
    while let Some(size) = ROWS_PER_INSERT.into_iter().find(|s| *s <= rest.len()) {
        let (chunk, after) = rest.split_at(size);
        rest = after;
        let values = (0..chunk.len())
            .map(|i| format!("({})", ordered_placeholders(w.backend, i * 12 + 1, 12)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, entity, entity_id, \
             before_json, after_json, request_id, prev_hash, hash) VALUES {values}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(r.seq)
                .bind(r.at_ms)
                .bind(r.actor_id)
                .bind(r.actor_name.clone())
                .bind(r.action.clone())
                .bind(r.entity.clone())
                .bind(r.entity_id.clone())
                .bind(r.before.clone())
                .bind(r.after.clone())
                .bind(r.request_id.clone())
                .bind(r.prev_hash.clone())
                .bind(r.hash.clone());
        }
        q.execute(&mut *w.tx).await.map_err(db)?;
    }
    Ok(())
}

/// The record of `change`, chained after `last`.
pub(super) fn linked(
    ctx: &AuditContext,
    change: Change<'_>,
    last: Option<&(i64, String)>,
) -> AuditRecord {
    let mut record = AuditRecord {
        seq: 0,
        at_ms: to_millis(ctx.at),
        actor_id: ctx.actor_id,
        actor_name: ctx.actor_name.clone(),
        action: change.action.to_owned(),
        entity: change.entity.to_owned(),
        entity_id: change.entity_id,
        before: change.before.map(|v| v.to_string()),
        after: change.after.map(|v| v.to_string()),
        request_id: ctx.request_id.clone(),
        prev_hash: String::new(),
        hash: String::new(),
    };
    record.link_after(last.map(|(seq, hash)| (*seq, hash.as_str())));
    record
}

fn record(row: &AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: get(row, "seq")?,
        at_ms: get(row, "at")?,
        actor_id: get(row, "actor_id")?,
        actor_name: get(row, "actor_name")?,
        action: get(row, "action")?,
        entity: get(row, "entity")?,
        entity_id: get(row, "entity_id")?,
        before: get(row, "before_json")?,
        after: get(row, "after_json")?,
        request_id: get(row, "request_id")?,
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

const COLUMNS: &str = "seq, at, actor_id, actor_name, action, entity, entity_id, before_json, \
                       after_json, request_id, prev_hash, hash";

pub(crate) async fn page(store: &SqlStore, f: &AuditFilter) -> Result<(Vec<AuditRecord>, i64)> {
    // Filters are fixed fragments; the values are bound.
    let where_sql = "WHERE ($1 = '' OR substr(action, 1, length($2)) = $2) \
                     AND ($3 = '' OR entity = $3) AND ($4 < 0 OR actor_id = $4)";
    let prefix = f.action_prefix.clone().unwrap_or_default();
    let like = prefix.clone();
    let entity = f.entity.clone().unwrap_or_default();
    let actor = f.actor_id.unwrap_or(-1);

    let count_sql = format!("SELECT COUNT(*) FROM audit_log {where_sql}");
    let (total,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(count_sql))
        .bind(&prefix)
        .bind(&like)
        .bind(&entity)
        .bind(actor)
        .fetch_one(store.pool())
        .await
        .map_err(db)?;

    let sql =
        format!("SELECT {COLUMNS} FROM audit_log {where_sql} ORDER BY seq DESC LIMIT $5 OFFSET $6");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&prefix)
        .bind(&like)
        .bind(&entity)
        .bind(actor)
        .bind(f.limit.clamp(1, 500))
        .bind(f.offset.max(0))
        .fetch_all(store.pool())
        .await
        .map_err(db)?;
    let records = rows.iter().map(record).collect::<Result<Vec<_>>>()?;
    Ok((records, total))
}

pub(crate) async fn after(
    store: &SqlStore,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_seq)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(store.pool())
        .await
        .map_err(db)?;
    rows.iter().map(record).collect()
}
