//! [`SearchStore`] over SQL.

use async_trait::async_trait;
use sqlx::AssertSqlSafe;

use super::rows::get;
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
}
