//! Look-ups the search indexer needs to find what a change touched.

use async_trait::async_trait;
use time::Date;

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
    /// The council of a supervision task; `NotFound` if there is none.
    async fn task_council(&self, task_id: i64) -> Result<i64>;
    /// The extracted text of one version of a session document; `NotFound`
    /// if there is no such version.
    async fn document_text(&self, document_id: i64, version: u32) -> Result<String>;
    /// The bodies (committees, Ban) in which the account's person holds a
    /// seat on `day`: a search by that account may find the documents
    /// shared with those bodies.
    async fn seats(&self, user_id: i64, day: Date) -> Result<Vec<i64>>;
}
