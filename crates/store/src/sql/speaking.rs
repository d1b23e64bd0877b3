//! The speaking queue.

use nghitruong_domain::clock::{from_millis, to_millis};
use nghitruong_domain::speaking::{self, SpeakEvent, SpeakKind, SpeakRefusal, SpeakStatus};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::audit::{self, Change};
use super::rows::{coded, get};
use super::{SqlStore, db};
use crate::{AuditContext, Result, SpeakRequest, StoreError};

const COLUMNS: &str = "s.id, s.session_id, s.person_id, p.full_name, s.kind, s.topic, s.status, \
    s.requested_at, s.started_at, s.ended_at, s.allotted_seconds";

fn request(row: &AnyRow) -> Result<SpeakRequest> {
    let allotted: i64 = get(row, "allotted_seconds")?;
    Ok(SpeakRequest {
        id: get(row, "id")?,
        session_id: get(row, "session_id")?,
        person_id: get(row, "person_id")?,
        person_name: get(row, "full_name")?,
        kind: coded(row, "kind")?,
        topic: get(row, "topic")?,
        status: coded(row, "status")?,
        requested_at: from_millis(get(row, "requested_at")?),
        started_at: get::<Option<i64>>(row, "started_at")?.map(from_millis),
        ended_at: get::<Option<i64>>(row, "ended_at")?.map(from_millis),
        allotted_seconds: u32::try_from(allotted).unwrap_or(0),
    })
}

pub(crate) async fn ask(
    store: &SqlStore,
    session_id: i64,
    person_id: i64,
    kind: SpeakKind,
    topic: &str,
    allotted_seconds: u32,
    ctx: &AuditContext,
) -> Result<std::result::Result<i64, SpeakRefusal>> {
    let mut w = store.write().await?;
    let (status,): (String,) = sqlx::query_as("SELECT status FROM council_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    let live = status == nghitruong_domain::session::SessionStatus::InProgress.as_str();
    let (open,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM speak_requests WHERE session_id = $1 AND person_id = $2 \
         AND status IN ('dang_cho', 'dang_phat_bieu')",
    )
    .bind(session_id)
    .bind(person_id)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    if let Err(refusal) = speaking::check_request(live, usize::try_from(open).unwrap_or(1)) {
        return Ok(Err(refusal));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO speak_requests (session_id, person_id, kind, topic, status, requested_at, \
         allotted_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(session_id)
    .bind(person_id)
    .bind(kind.as_str())
    .bind(topic)
    .bind(SpeakStatus::Waiting.as_str())
    .bind(to_millis(ctx.at))
    .bind(i64::from(allotted_seconds))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "speaking.request",
        entity: "speak_request",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({
            "session_id": session_id, "person_id": person_id, "kind": kind.as_str(), "topic": topic,
        })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(Ok(id))
}

pub(crate) async fn list(store: &SqlStore, session_id: i64) -> Result<Vec<SpeakRequest>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM speak_requests s JOIN people p ON p.id = s.person_id \
         WHERE s.session_id = $1 ORDER BY s.requested_at, s.id"
    );
    super::rows::all_by_id(store.pool(), sql, session_id, request).await
}

/// Applies an event; calling a speaker first ends whoever has the floor.
pub(crate) async fn event(
    store: &SqlStore,
    id: i64,
    event: SpeakEvent,
    ctx: &AuditContext,
) -> Result<SpeakRequest> {
    let mut w = store.write().await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM speak_requests s JOIN people p ON p.id = s.person_id WHERE s.id = $1"
    );
    let row = sqlx::query(AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    let before = request(&row)?;
    let to = before
        .status
        .on(event)
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    let at = to_millis(ctx.at);
    if event == SpeakEvent::Call {
        sqlx::query(
            "UPDATE speak_requests SET status = 'da_phat_bieu', ended_at = $1 \
             WHERE session_id = $2 AND status = 'dang_phat_bieu'",
        )
        .bind(at)
        .bind(before.session_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    }
    let (started, ended) = match to {
        SpeakStatus::Speaking => (Some(at), None),
        _ => (before.started_at.map(to_millis), Some(at)),
    };
    sqlx::query(
        "UPDATE speak_requests SET status = $1, started_at = $2, ended_at = $3 WHERE id = $4",
    )
    .bind(to.as_str())
    .bind(started)
    .bind(ended)
    .bind(id)
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "speaking.event",
        entity: "speak_request",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": before.status.as_str() })),
        after: Some(json!({ "status": to.as_str(), "event": event.as_str() })),
    };
    audit::append(&mut w, ctx, change).await?;
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
    let after = request(&row)?;
    w.commit().await?;
    Ok(after)
}
