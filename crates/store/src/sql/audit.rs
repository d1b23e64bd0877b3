//! Appending to and reading the audit chain.

use nghitruong_domain::audit::AuditRecord;
use nghitruong_domain::clock::to_millis;
use sqlx::any::AnyRow;

use super::rows::get;
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
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?;
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
    record.link_after(last.as_ref().map(|(seq, hash)| (*seq, hash.as_str())));
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, entity, entity_id, \
         before_json, after_json, request_id, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(record.seq)
    .bind(record.at_ms)
    .bind(record.actor_id)
    .bind(record.actor_name)
    .bind(record.action)
    .bind(record.entity)
    .bind(record.entity_id)
    .bind(record.before)
    .bind(record.after)
    .bind(record.request_id)
    .bind(record.prev_hash)
    .bind(record.hash)
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    Ok(())
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
