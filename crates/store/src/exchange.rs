//! Liên thông văn bản: what the store keeps of the exchange with the
//! national document axis — the outgoing documents (văn bản đi) with each
//! recipient's status, the outbox of packages to send with its retries, the
//! incoming documents (văn bản đến) with their registration numbers and
//! files, and the agency directory cached from the axis.
//!
//! Packages are kept as the bytes sent or received, so nothing is lost when
//! the server restarts between taking a package and delivering it.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use crate::{AuditContext, Result};

/// An outbox item waits, was sent, or failed for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting for its next attempt.
    Pending,
    /// The axis took it and gave it a DocId.
    Sent,
    /// The axis refused it; trying again will not help.
    Failed,
}

impl OutboxState {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// Reads a stored code.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Đang chờ gửi",
            Self::Sent => "Đã gửi lên trục",
            Self::Failed => "Gửi không thành công",
        }
    }
}

/// A package to put in the outbox.
#[derive(Clone, Debug)]
pub struct NewOutboxItem {
    /// Makes enqueueing idempotent: the same key is enqueued once.
    pub dedupe_key: String,
    /// `edoc` or `status`.
    pub message_type: String,
    /// The outgoing document it carries, if any.
    pub outgoing_id: Option<i64>,
    /// The incoming document a status package is about, if any.
    pub incoming_id: Option<i64>,
    /// A line for people ("Trạng thái 01 gửi 000.00.01.H41").
    pub summary: String,
    /// The edXML bytes.
    pub package: Vec<u8>,
}

/// An outbox item.
#[derive(Clone, Debug)]
pub struct OutboxItem {
    /// Id.
    pub id: i64,
    /// Idempotency key.
    pub dedupe_key: String,
    /// `edoc` or `status`.
    pub message_type: String,
    /// The outgoing document it carries.
    pub outgoing_id: Option<i64>,
    /// The incoming document a status package is about.
    pub incoming_id: Option<i64>,
    /// A line for people.
    pub summary: String,
    /// The edXML bytes.
    pub package: Vec<u8>,
    /// Where it stands.
    pub state: OutboxState,
    /// Attempts made.
    pub attempts: u32,
    /// When to try next.
    pub next_attempt_at: OffsetDateTime,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The axis's DocId once sent.
    pub axis_doc_id: Option<String>,
    /// When it was put in the outbox.
    pub created_at: OffsetDateTime,
    /// When the axis took it.
    pub sent_at: Option<OffsetDateTime>,
}

/// A recipient of an outgoing document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientSeed {
    /// Mã định danh.
    pub organ_id: String,
    /// Name.
    pub organ_name: String,
}

/// A document to send (văn bản đi), with its package.
#[derive(Clone, Debug)]
pub struct NewOutgoing {
    /// The package's DocumentId.
    pub document_id: String,
    /// BussinessDocType: 0 new, 1 revoke, 2 update, 3 replace.
    pub business: u32,
    /// The outgoing document it revokes, updates or replaces.
    pub original_id: Option<i64>,
    /// Số.
    pub number: String,
    /// Ký hiệu.
    pub notation: String,
    /// Tên loại văn bản.
    pub type_name: String,
    /// Trích yếu.
    pub subject: String,
    /// Ngày ban hành.
    pub issued_on: Date,
    /// Lý do (revoke, update, replace).
    pub reason: String,
    /// The attached PDF's name.
    pub pdf_name: Option<String>,
    /// The recipients.
    pub recipients: Vec<RecipientSeed>,
    /// The edXML bytes to send.
    pub package: Vec<u8>,
}

/// A recipient and the last status it reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientStatus {
    /// Mã định danh.
    pub organ_id: String,
    /// Name.
    pub organ_name: String,
    /// The last status code (`01`…`16`), `None` until one arrives.
    pub status_code: Option<String>,
    /// Its description (the reason of a rejection).
    pub description: Option<String>,
    /// When it arrived.
    pub updated_at: Option<OffsetDateTime>,
}

/// An outgoing document (văn bản đi).
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// Id.
    pub id: i64,
    /// DocumentId of the package.
    pub document_id: String,
    /// BussinessDocType code.
    pub business: u32,
    /// The document it acts on.
    pub original_id: Option<i64>,
    /// Số.
    pub number: String,
    /// Ký hiệu.
    pub notation: String,
    /// Tên loại.
    pub type_name: String,
    /// Trích yếu.
    pub subject: String,
    /// Ngày ban hành.
    pub issued_on: Date,
    /// Lý do.
    pub reason: String,
    /// The PDF's name.
    pub pdf_name: Option<String>,
    /// `active`, `revoked`, `updated` or `replaced`.
    pub state: String,
    /// Who sent it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: OffsetDateTime,
    /// The recipients and their statuses.
    pub recipients: Vec<RecipientStatus>,
    /// The delivery of its package: outbox state, attempts, last error.
    pub delivery: Option<OutboxItem>,
}

/// A status package received about one of our documents.
#[derive(Clone, Debug)]
pub struct StatusReport {
    /// The DocumentId it is about (ResponseFor/DocumentId).
    pub document_id: String,
    /// Our code as the status package names it (ResponseFor/OrganId).
    pub about_organ_id: String,
    /// Who reports (From/OrganId).
    pub from_organ_id: String,
    /// The status code.
    pub status_code: String,
    /// Description.
    pub description: Option<String>,
    /// When it changed.
    pub at: OffsetDateTime,
}

/// A document received, to register.
#[derive(Clone, Debug)]
pub struct NewIncoming {
    /// Recognises the same package delivered twice.
    pub fingerprint: String,
    /// The axis queue item.
    pub axis_doc_id: String,
    /// Sender's code.
    pub from_organ_id: String,
    /// Sender's name.
    pub from_name: String,
    /// DocumentId.
    pub document_id: String,
    /// Số/ký hiệu.
    pub code: String,
    /// Tên loại.
    pub type_name: String,
    /// Trích yếu.
    pub subject: String,
    /// Ngày ban hành.
    pub issued_on: Option<Date>,
    /// BussinessDocType code.
    pub business: u32,
    /// The document a revoke/update/replace acts on.
    pub original_document_id: Option<String>,
    /// The reason given.
    pub reason: Option<String>,
    /// The day it is registered (Vietnam), which fixes the book's year.
    pub registered_on: Date,
    /// The files.
    pub files: Vec<NewIncomingFile>,
    /// The package as received.
    pub package: Vec<u8>,
}

/// A file of a received document.
#[derive(Clone, Debug)]
pub struct NewIncomingFile {
    /// File name.
    pub name: String,
    /// Content type.
    pub content_type: String,
    /// Bytes.
    pub content: Vec<u8>,
}

/// What registering gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The incoming document.
    pub id: i64,
    /// Số đến, counted per year.
    pub number: i64,
    /// The book's year.
    pub year: i32,
    /// Whether the package had been registered already (a re-delivery).
    pub duplicate: bool,
}

/// A received document (văn bản đến).
#[derive(Clone, Debug)]
pub struct Incoming {
    /// Id.
    pub id: i64,
    /// The axis queue item it came as.
    pub axis_doc_id: String,
    /// Sender's code.
    pub from_organ_id: String,
    /// Sender's name.
    pub from_name: String,
    /// DocumentId.
    pub document_id: String,
    /// Số/ký hiệu.
    pub code: String,
    /// Tên loại.
    pub type_name: String,
    /// Trích yếu.
    pub subject: String,
    /// Ngày ban hành.
    pub issued_on: Option<Date>,
    /// BussinessDocType code.
    pub business: u32,
    /// What a revoke/update/replace acts on.
    pub original_document_id: Option<String>,
    /// The reason given.
    pub reason: Option<String>,
    /// Số đến.
    pub reg_number: i64,
    /// Year of the book.
    pub reg_year: i32,
    /// Day registered.
    pub registered_on: Date,
    /// When it arrived.
    pub received_at: OffsetDateTime,
    /// `registered`, `revoked`, `updated`, `replaced`.
    pub state: String,
    /// The last status code we reported to the sender.
    pub last_status: Option<String>,
    /// Its files, without their bytes.
    pub files: Vec<IncomingFileInfo>,
}

/// A file of a received document, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingFileInfo {
    /// Id.
    pub id: i64,
    /// File name.
    pub name: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
}

/// An agency of the cached directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agency {
    /// Mã định danh.
    pub code: String,
    /// Name.
    pub name: String,
    /// The parent's code.
    pub parent: Option<String>,
}

/// Persistence of the document exchange.
#[async_trait]
pub trait ExchangeStore: Send + Sync {
    /// Records an outgoing document, its recipients and its package in the
    /// outbox, in one transaction; a revoke, update or replace also marks
    /// the original.
    async fn create_outgoing(&self, new: &NewOutgoing, ctx: &AuditContext) -> Result<i64>;
    /// Outgoing documents, newest first.
    async fn outgoing_list(&self, limit: i64) -> Result<Vec<Outgoing>>;
    /// One outgoing document with its recipients and delivery.
    async fn outgoing(&self, id: i64) -> Result<Outgoing>;
    /// Puts a package in the outbox; a key already there returns the
    /// existing item's id and changes nothing.
    async fn enqueue(&self, item: &NewOutboxItem, ctx: &AuditContext) -> Result<i64>;
    /// Pending items whose time has come, oldest first.
    async fn due_outbox(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<OutboxItem>>;
    /// Every outbox item, newest first.
    async fn outbox(&self, limit: i64) -> Result<Vec<OutboxItem>>;
    /// The axis took the item.
    async fn outbox_sent(&self, id: i64, axis_doc_id: &str, ctx: &AuditContext) -> Result<()>;
    /// An attempt failed; try again at `next_at`.
    async fn outbox_retry(&self, id: i64, next_at: OffsetDateTime, error: &str) -> Result<()>;
    /// The axis refused the item for good.
    async fn outbox_failed(&self, id: i64, error: &str, ctx: &AuditContext) -> Result<()>;
    /// Records a recipient's status; false when no outgoing document of
    /// ours matches.
    async fn record_status(&self, report: &StatusReport, ctx: &AuditContext) -> Result<bool>;
    /// Registers a received document with the next number of its year, or
    /// finds it when the same package was registered before.
    async fn register_incoming(
        &self,
        new: &NewIncoming,
        ctx: &AuditContext,
    ) -> Result<Registration>;
    /// Received documents, newest first.
    async fn incoming_list(&self, limit: i64) -> Result<Vec<Incoming>>;
    /// One received document.
    async fn incoming(&self, id: i64) -> Result<Incoming>;
    /// The latest received document with `document_id` from `from_organ_id`.
    async fn incoming_by_document(
        &self,
        from_organ_id: &str,
        document_id: &str,
    ) -> Result<Option<Incoming>>;
    /// A file of a received document, with its bytes.
    async fn incoming_file(
        &self,
        incoming_id: i64,
        file_id: i64,
    ) -> Result<(IncomingFileInfo, Vec<u8>)>;
    /// Changes a received document's state and/or the last status we sent.
    async fn set_incoming_state(
        &self,
        id: i64,
        state: Option<&str>,
        last_status: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()>;
    /// Replaces the cached directory.
    async fn replace_agencies(&self, agencies: &[Agency], ctx: &AuditContext) -> Result<usize>;
    /// The cached directory, by code.
    async fn agencies(&self) -> Result<Vec<Agency>>;
}
