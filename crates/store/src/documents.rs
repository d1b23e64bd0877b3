//! Tài liệu kỳ họp — the store's side of session documents: metadata,
//! versions, audience, notes, read receipts and viewer tickets. The files
//! are kept by the docs crate under their SHA-256; rows here name them.
//!
//! Who may read what is decided inside the queries ([`DocumentReader`]),
//! so a list or a lookup never carries a document its reader may not see.

use async_trait::async_trait;
use nghitruong_domain::document::{
    AudienceGrant, Classification, DocumentEvent, DocumentKind, DocumentStatus, FileFormat,
};
use time::{Date, OffsetDateTime};

use crate::{AuditContext, Result};

/// Who is asking, as the audience rules need it. Committee seats are read
/// from the database by `user_id` on `day`.
#[derive(Clone, Debug)]
pub struct DocumentReader {
    /// The account.
    pub user_id: i64,
    /// Sees every document in any state (office, chair, Thường trực).
    pub sees_all: bool,
    /// Holds a deputy's role in the council.
    pub is_deputy: bool,
    /// Holds a guest's role in the council.
    pub is_guest: bool,
    /// The day committee seats are counted on.
    pub day: Date,
}

/// A new document.
#[derive(Clone, Debug)]
pub struct NewDocument {
    /// Its session.
    pub session_id: i64,
    /// Its agenda item, or `None` for the session as a whole.
    pub agenda_item_id: Option<i64>,
    /// Tờ trình, dự thảo…
    pub kind: DocumentKind,
    /// Title as shown.
    pub title: String,
    /// How secret.
    pub classification: Classification,
    /// Who may read it once published.
    pub audience: Vec<AudienceGrant>,
}

/// A file uploaded as a version.
#[derive(Clone, Debug)]
pub struct NewVersion {
    /// Name of the stored file (hex SHA-256).
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// Format from the content.
    pub format: FileFormat,
    /// The name it was uploaded under, for display and the packet.
    pub file_name: String,
    /// Pages (PDF) or sheets (XLSX).
    pub pages: u32,
    /// Extracted text.
    pub text: String,
}

/// A document as one reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Id.
    pub id: i64,
    /// Session.
    pub session_id: i64,
    /// Agenda item.
    pub agenda_item_id: Option<i64>,
    /// Kind.
    pub kind: DocumentKind,
    /// Title.
    pub title: String,
    /// Classification.
    pub classification: Classification,
    /// State.
    pub status: DocumentStatus,
    /// The latest version uploaded.
    pub current_version: u32,
    /// The version last published, if any.
    pub published_version: Option<u32>,
    /// The version this reader gets: the latest for the office, the
    /// published one for everyone else.
    pub version: DocumentVersion,
}

/// One stored version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentVersion {
    /// Number, from 1.
    pub version: u32,
    /// Stored file.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// Format.
    pub format: FileFormat,
    /// Uploaded name.
    pub file_name: String,
    /// Pages or sheets.
    pub pages: u32,
    /// Who uploaded it.
    pub uploaded_by: Option<String>,
    /// When.
    pub uploaded_at: OffsetDateTime,
}

/// Who opened a document, and when first and last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadReceipt {
    /// The document.
    pub document_id: i64,
    /// The reader.
    pub user_id: i64,
    /// Their name.
    pub name: String,
    /// First opened.
    pub first_at: OffsetDateTime,
    /// Last opened.
    pub last_at: OffsetDateTime,
    /// How many times.
    pub times: u32,
}

/// A viewer ticket taken: what it lets the viewer fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    /// The document.
    pub document_id: i64,
    /// The version.
    pub version: u32,
    /// Issued to.
    pub user_id: i64,
}

/// The persistence of session documents.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Creates a document with its first version, as a draft.
    async fn create_document(
        &self,
        new: &NewDocument,
        first: &NewVersion,
        uploaded_by: i64,
        ctx: &AuditContext,
    ) -> Result<i64>;
    /// Adds a version; the document goes back to draft for approval, and
    /// its published version stays readable until the new one is published.
    async fn add_version(
        &self,
        document_id: i64,
        version: &NewVersion,
        uploaded_by: i64,
        ctx: &AuditContext,
    ) -> Result<u32>;
    /// Applies a life-cycle event; `Conflict` with a Vietnamese reason when
    /// the state does not allow it. Publishing publishes the latest version.
    async fn document_event(
        &self,
        document_id: i64,
        event: DocumentEvent,
        ctx: &AuditContext,
    ) -> Result<DocumentStatus>;
    /// Replaces a document's audience.
    async fn set_audience(
        &self,
        document_id: i64,
        audience: &[AudienceGrant],
        ctx: &AuditContext,
    ) -> Result<()>;
    /// A document's audience.
    async fn audience(&self, document_id: i64) -> Result<Vec<AudienceGrant>>;
    /// The documents of a session `reader` may see, in agenda order.
    async fn session_documents(
        &self,
        session_id: i64,
        reader: &DocumentReader,
    ) -> Result<Vec<Document>>;
    /// One document, if `reader` may see it.
    async fn document(&self, id: i64, reader: &DocumentReader) -> Result<Option<Document>>;
    /// Every version of a document, newest first (for the office).
    async fn versions(&self, document_id: i64) -> Result<Vec<DocumentVersion>>;
    /// Documents of a session whose text holds `query` (diacritics and case
    /// ignored), among those `reader` may see.
    async fn search_documents(
        &self,
        session_id: i64,
        reader: &DocumentReader,
        query: &str,
    ) -> Result<Vec<Document>>;
    /// Notes that `user_id` opened a document now.
    async fn record_read(&self, document_id: i64, user_id: i64, ctx: &AuditContext) -> Result<()>;
    /// Who opened the documents of a session.
    async fn read_receipts(&self, session_id: i64) -> Result<Vec<ReadReceipt>>;
    /// Saves a reader's private note (empty deletes it). The audit record
    /// says a note changed, never what it says.
    async fn save_note(
        &self,
        document_id: i64,
        user_id: i64,
        body: &str,
        ctx: &AuditContext,
    ) -> Result<()>;
    /// A reader's private note.
    async fn note(&self, document_id: i64, user_id: i64) -> Result<Option<String>>;
    /// Stores a one-time ticket for the viewer (by its token's hash).
    async fn issue_ticket(
        &self,
        token_hash: &str,
        ticket: &Ticket,
        expires_at: OffsetDateTime,
        ctx: &AuditContext,
    ) -> Result<()>;
    /// Takes a ticket: it works once, before it expires.
    async fn take_ticket(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        ctx: &AuditContext,
    ) -> Result<Option<Ticket>>;
}
