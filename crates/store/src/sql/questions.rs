//! Questions to officials (chất vấn).

use nghitruong_domain::clock::{from_millis, to_millis};
use nghitruong_domain::questioning::{QuestionEvent, QuestionStatus};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::audit::{self, Change};
use super::rows::{coded, get};
use super::{SqlStore, db};
use crate::{AuditContext, NewQuestion, Question, Result, StoreError};

const COLUMNS: &str = "q.id, q.session_id, q.person_id, p.full_name, q.official, q.topic, \
    q.content, q.status, q.filed_at, q.answer";

fn question(row: &AnyRow) -> Result<Question> {
    Ok(Question {
        id: get(row, "id")?,
        session_id: get(row, "session_id")?,
        person_id: get(row, "person_id")?,
        person_name: get(row, "full_name")?,
        official: get(row, "official")?,
        topic: get(row, "topic")?,
        content: get(row, "content")?,
        status: coded(row, "status")?,
        filed_at: from_millis(get(row, "filed_at")?),
        answer: get(row, "answer")?,
    })
}

pub(crate) async fn file(store: &SqlStore, new: &NewQuestion, ctx: &AuditContext) -> Result<i64> {
    let mut w = store.write().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO questions (session_id, person_id, official, topic, content, status, filed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.session_id)
    .bind(new.person_id)
    .bind(&new.official)
    .bind(&new.topic)
    .bind(&new.content)
    .bind(QuestionStatus::Filed.as_str())
    .bind(to_millis(ctx.at))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "question.file",
        entity: "question",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({
            "session_id": new.session_id, "person_id": new.person_id, "official": new.official,
            "topic": new.topic, "content": new.content,
        })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(id)
}

pub(crate) async fn list(store: &SqlStore, session_id: i64) -> Result<Vec<Question>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM questions q JOIN people p ON p.id = q.person_id \
         WHERE q.session_id = $1 ORDER BY q.filed_at, q.id"
    );
    super::rows::all_by_id(store.pool(), sql, session_id, question).await
}

pub(crate) async fn event(
    store: &SqlStore,
    id: i64,
    event: QuestionEvent,
    answer: Option<&str>,
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    let (status,): (String,) = sqlx::query_as("SELECT status FROM questions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    let from: QuestionStatus = status
        .parse()
        .map_err(|e: nghitruong_domain::org::UnknownVariant| StoreError::Other(e.into()))?;
    let to = from
        .on(event)
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    let at = to_millis(ctx.at);
    let sql = match to {
        QuestionStatus::Asking => "UPDATE questions SET status = $1, asked_at = $2 WHERE id = $3",
        QuestionStatus::Answered => {
            "UPDATE questions SET status = $1, answered_at = $2, answer = $4 WHERE id = $3"
        }
        _ => "UPDATE questions SET status = $1 WHERE id = $3 AND $2 = $2",
    };
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(to.as_str())
        .bind(at)
        .bind(id);
    if to == QuestionStatus::Answered {
        q = q.bind(answer.unwrap_or_default().to_owned());
    }
    q.execute(&mut *w.tx).await.map_err(db)?;
    let change = Change {
        action: "question.event",
        entity: "question",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": from.as_str() })),
        after: Some(json!({ "status": to.as_str(), "event": event.as_str(), "answer": answer })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}
