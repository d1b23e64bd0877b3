//! Look-ups the search indexer needs to find what a change touched.

use async_trait::async_trait;

use crate::Result;

/// Tra cứu — what the search indexer asks of the store beyond the `Store`
/// methods every area uses: which session an agenda item or question belongs
/// to, since their audit records carry only their own id.
#[async_trait]
pub trait SearchStore: Send + Sync {
    /// The session of an agenda item; `NotFound` if there is none.
    async fn agenda_item_session(&self, item_id: i64) -> Result<i64>;
    /// The session of a question; `NotFound` if there is none.
    async fn question_session(&self, question_id: i64) -> Result<i64>;
}
