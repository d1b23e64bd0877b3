//! [`SearchStore`] over SQL.

use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use time::Date;

use super::rows::{date_text, get};
use super::{SqlStore, db};
use crate::search::SearchStore;
use crate::{Result, StoreError};

/// The `session_id` of row `id` in `table` (one of ours, never user input).
async fn session_of(store: &SqlStore, table: &'static str, id: i64) -> Result<i64> {
    let sql = format!("SELECT session_id FROM {table} WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    get(&row, "session_id")
}

#[async_trait]
impl SearchStore for SqlStore {
    async fn agenda_item_session(&self, item_id: i64) -> Result<i64> {
        session_of(self, "agenda_items", item_id).await
    }

    async fn question_session(&self, question_id: i64) -> Result<i64> {
        session_of(self, "questions", question_id).await
    }

    async fn task_council(&self, task_id: i64) -> Result<i64> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT council_id FROM supervision_tasks WHERE id = $1")
                .bind(task_id)
                .fetch_optional(self.pool())
                .await
                .map_err(db)?;
        row.map(|(c,)| c).ok_or(StoreError::NotFound)
    }

    async fn document_text(&self, document_id: i64, version: u32) -> Result<String> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT body_text FROM document_versions WHERE document_id = $1 AND version = $2",
        )
        .bind(document_id)
        .bind(i64::from(version))
        .fetch_optional(self.pool())
        .await
        .map_err(db)?;
        row.map(|(text,)| text).ok_or(StoreError::NotFound)
    }

    async fn seats(&self, user_id: i64, day: Date) -> Result<Vec<i64>> {
        // The same seat rule as the documents' audience query.
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT DISTINCT p.body_id FROM users u JOIN positions p ON p.person_id = u.person_id \
             WHERE u.id = $1 AND p.starts_on <= $2 AND (p.ends_on IS NULL OR p.ends_on >= $2) \
             ORDER BY p.body_id",
        )
        .bind(user_id)
        .bind(date_text(day))
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|(b,)| b).collect())
    }
}
