//! The store's part of written consultations between sessions (xin ý kiến
//! bằng văn bản, issue #3): [`ConsultationStore`] and its values. The rules
//! live in `nghitruong_domain::consultation`; the store applies them inside
//! the transaction that writes, with the audit context's time as "now".

use async_trait::async_trait;
use nghitruong_domain::consultation::{ConsultationEvent, ConsultationStatus, Opinion};
use time::OffsetDateTime;

use crate::{AuditContext, Result};

/// A consultation the office drafts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConsultation {
    /// The council whose deputies are asked.
    pub council_id: i64,
    /// Short title ("Xin ý kiến về dự thảo Nghị quyết …").
    pub title: String,
    /// The question put to the deputies.
    pub question: String,
    /// Documents attached (ids in the document store).
    pub document_ids: Vec<i64>,
    /// Answers are taken until this instant.
    pub deadline: OffsetDateTime,
}

/// A consultation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consultation {
    /// Identifier.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// Title.
    pub title: String,
    /// Question.
    pub question: String,
    /// Documents attached.
    pub document_ids: Vec<i64>,
    /// Deadline.
    pub deadline: OffsetDateTime,
    /// Where it stands.
    pub status: ConsultationStatus,
    /// When it was drafted.
    pub created_at: OffsetDateTime,
    /// When it was sent.
    pub sent_at: Option<OffsetDateTime>,
}

/// A deputy's latest answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsultationAnswer {
    /// The deputy.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// Agree, disagree or other.
    pub opinion: Opinion,
    /// The written opinion (required for "other", optional otherwise).
    pub text: String,
    /// When it was last given or changed.
    pub answered_at: OffsetDateTime,
}

/// Persistence of written consultations.
#[async_trait]
pub trait ConsultationStore: Send + Sync {
    /// Drafts a consultation.
    async fn create_consultation(&self, new: &NewConsultation, ctx: &AuditContext) -> Result<i64>;
    /// One consultation.
    async fn consultation(&self, id: i64) -> Result<Consultation>;
    /// A council's consultations, newest first.
    async fn consultations(&self, council_id: i64) -> Result<Vec<Consultation>>;
    /// Every council's sent or closed consultations whose deadline is at or
    /// after `since`, oldest deadline first: what the reminder job looks at
    /// (drafts are nobody's business yet; long-closed ones are done).
    async fn consultations_to_follow(&self, since: OffsetDateTime) -> Result<Vec<Consultation>>;
    /// Sends or closes one, checked against its deadline at `ctx.at`
    /// (`Conflict` with the Vietnamese reason).
    async fn consultation_event(
        &self,
        id: i64,
        event: ConsultationEvent,
        ctx: &AuditContext,
    ) -> Result<ConsultationStatus>;
    /// Records or replaces a deputy's answer, checked at `ctx.at`
    /// (`Conflict` with the reason); one answer per deputy.
    async fn answer_consultation(
        &self,
        id: i64,
        person_id: i64,
        holds_office: bool,
        opinion: Opinion,
        text: &str,
        ctx: &AuditContext,
    ) -> Result<()>;
    /// The answers, by deputy name.
    async fn consultation_answers(&self, id: i64) -> Result<Vec<ConsultationAnswer>>;
}
