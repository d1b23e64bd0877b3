//! Appending to and reading the audit chain.

use nghitruong_domain::audit::AuditRecord;
use nghitruong_domain::clock::to_millis;
use sqlx::any::AnyRow;

use super::rows::{get, json_rows};
use super::{SqlStore, Write, db};
use crate::{AuditContext, AuditFilter, Result, StoreError};

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

/// Appends the records of `changes`, in order, inside the open write
/// transaction: the chain's head is read once and the rows go in by one
/// INSERT, bound as one JSON array (a batch of ballots writes one record
/// per ballot).
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
    let rows: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.seq,
                r.at_ms,
                r.actor_id,
                &r.actor_name,
                &r.action,
                &r.entity,
                &r.entity_id,
                &r.before,
                &r.after,
                &r.request_id,
                &r.prev_hash,
                &r.hash,
            )
        })
        .collect();
    let rows = serde_json::to_string(&rows).map_err(|e| StoreError::Other(e.into()))?;
    let sql = format!(
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, entity, entity_id, \
         before_json, after_json, request_id, prev_hash, hash) {}",
        json_rows(w.backend, 1, &AUDIT_COLUMNS)
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(rows)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// The types of the audit log's columns, in the order [`append_all`]
/// writes them.
const AUDIT_COLUMNS: [&str; 12] = [
    "bigint", "bigint", "bigint", "text", "text", "text", "text", "text", "text", "text", "text",
    "text",
];

/// The record of `change`, chained after `last`.
fn linked(ctx: &AuditContext, change: Change<'_>, last: Option<&(i64, String)>) -> AuditRecord {
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
