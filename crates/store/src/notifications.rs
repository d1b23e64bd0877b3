//! Thông báo: notifications inside the product and the outbox of e-mails
//! that carry them ([`NotificationStore`]).
//!
//! Any area notifies people through the web layer's `notify`, which calls
//! [`NotificationStore::add_notifications`]; the e-mails are sent later by
//! the scheduler, so a slow or broken mail server never holds up a request.

use async_trait::async_trait;
use nghitruong_domain::access::Role;
use time::OffsetDateTime;

use crate::{AuditContext, Result};

/// A notification to create, the same for every recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    /// The users to notify (repeats are dropped).
    pub recipients: Vec<i64>,
    /// When set, at most one notification per recipient ever carries this
    /// key: a sender that retries does not notify twice.
    pub dedupe_key: Option<String>,
    /// Tiêu đề.
    pub subject: String,
    /// Nội dung.
    pub body: String,
    /// Where in the product it leads (a path such as `/giam-sat/nhiem-vu/3`).
    pub link: Option<String>,
    /// Also queue an e-mail to recipients who gave an address.
    pub email: bool,
}

/// A notification as its recipient sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// Identifier.
    pub id: i64,
    /// The recipient.
    pub user_id: i64,
    /// Tiêu đề.
    pub subject: String,
    /// Nội dung.
    pub body: String,
    /// Where it leads.
    pub link: Option<String>,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When the recipient marked it read.
    pub read_at: Option<OffsetDateTime>,
}

/// An e-mail waiting in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// Identifier.
    pub id: i64,
    /// The address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Attempts made so far.
    pub attempts: i64,
}

/// Persistence of notifications and their e-mails.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Creates one notification per recipient (skipping those who already
    /// have one with the same key) and queues their e-mails; returns how
    /// many notifications were created.
    async fn add_notifications(&self, new: &NewNotification, at: OffsetDateTime) -> Result<usize>;
    /// A user's notifications, newest first.
    async fn notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>>;
    /// How many of a user's notifications are unread.
    async fn unread_notifications(&self, user_id: i64) -> Result<i64>;
    /// Marks one of the user's notifications read, or all of them when `id`
    /// is `None`; returns how many changed.
    async fn mark_notifications_read(
        &self,
        user_id: i64,
        id: Option<i64>,
        at: OffsetDateTime,
    ) -> Result<u64>;
    /// The address a user receives e-mail at.
    async fn user_email(&self, user_id: i64) -> Result<Option<String>>;
    /// Sets or clears (None) a user's address; the caller checks its form.
    async fn set_user_email(
        &self,
        user_id: i64,
        email: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()>;
    /// E-mails not yet sent whose next attempt is due at `now`, oldest first.
    async fn due_emails(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<OutgoingEmail>>;
    /// Records that an e-mail went out.
    async fn email_sent(&self, id: i64, at: OffsetDateTime) -> Result<()>;
    /// Records a failed attempt and when to try again (`None`: give up).
    async fn email_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<()>;
    /// The active accounts working for an agency (cơ quan).
    async fn agency_users(&self, body_ids: &[i64]) -> Result<Vec<i64>>;
    /// The active accounts of the people `person_ids` (deputies' own
    /// accounts), by account id.
    async fn person_users(&self, person_ids: &[i64]) -> Result<Vec<i64>>;
    /// The active accounts holding one of `roles` in a council.
    async fn council_users(&self, council_id: i64, roles: &[Role]) -> Result<Vec<i64>>;
}
