//! Kiến nghị cử tri in the store: rounds of voter contact, their meetings,
//! the petitions raised, the letters forwarding them, staged imports.
//!
//! The store keeps a petition's domain value ([`Petition`]) whole and only
//! changes it through the domain's methods, so every rule of the life cycle
//! holds here too; each change writes its audit record in the same
//! transaction.

use async_trait::async_trait;
use nghitruong_domain::document::FileFormat;
use nghitruong_domain::org::CommitteeKind;
use nghitruong_domain::petition::{
    AssemblySession, Classification, DocumentRef, MeetingKind, Petition, PetitionStatus,
    ResultClass, Track,
};
use serde::{Deserialize, Serialize};
use time::Date;

use crate::{AuditContext, Result};

/// Đợt tiếp xúc cử tri — a round of voter contact whose petitions are
/// summarised together (before or after a session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PetitionRound {
    /// Store identifier.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// "Tiếp xúc cử tri trước Kỳ họp thứ 2, HĐND tỉnh khóa XIX".
    pub name: String,
    /// HĐND or the Delegation's track.
    pub track: Track,
    /// The session the round reports to, if set.
    pub session_id: Option<i64>,
    /// When the round opened.
    pub opened_on: Date,
    /// For the Delegation's track: the National Assembly session it
    /// reports to, which sets the 15-day sending window.
    pub assembly: Option<AssemblySession>,
}

/// A round to create.
#[derive(Clone, Debug)]
pub struct NewPetitionRound {
    /// The council.
    pub council_id: i64,
    /// Its name.
    pub name: String,
    /// HĐND or the Delegation's track.
    pub track: Track,
    /// The session it reports to.
    pub session_id: Option<i64>,
    /// When it opens.
    pub opened_on: Date,
    /// For the Delegation's track only: the National Assembly session.
    pub assembly: Option<AssemblySession>,
}

/// Hội nghị tiếp xúc cử tri — one meeting of deputies with voters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoterMeeting {
    /// Store identifier.
    pub id: i64,
    /// The round.
    pub round_id: i64,
    /// Before or after a session, thematic, online.
    pub kind: MeetingKind,
    /// The day it was held.
    pub held_on: Date,
    /// The commune or ward (administrative unit code), if known.
    pub place_code: Option<String>,
    /// Where, in words ("Hội trường UBND xã Anh Sơn").
    pub place: String,
    /// The deputies who met voters, as written by the secretary.
    pub deputies: String,
    /// How many voters came.
    pub voter_count: u32,
    /// Biên bản — the minutes.
    pub minutes: String,
}

/// A meeting to record.
#[derive(Clone, Debug)]
pub struct NewVoterMeeting {
    /// The round.
    pub round_id: i64,
    /// Its kind.
    pub kind: MeetingKind,
    /// The day.
    pub held_on: Date,
    /// The unit code of the place.
    pub place_code: Option<String>,
    /// The place in words.
    pub place: String,
    /// The deputies present.
    pub deputies: String,
    /// Voters present.
    pub voter_count: u32,
    /// Minutes.
    pub minutes: String,
}

/// Ý kiến cử tri — one opinion as typed at a meeting or read from a sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOpinion {
    /// What the voters said.
    pub text: String,
    /// How many voters raised it.
    pub voter_count: u32,
    /// The unit code of the commune or ward where it was raised.
    pub place_code: Option<String>,
    /// The voter's name, if they gave it; never published.
    pub voter_name: Option<String>,
    /// The voter's address, if given; never published.
    pub voter_address: Option<String>,
}

/// A stored petition with what lists show beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PetitionRecord {
    /// The round.
    pub round_id: i64,
    /// The meeting it was raised at, if any.
    pub meeting_id: Option<i64>,
    /// The domain value.
    pub petition: Petition,
    /// The assigned agency's name.
    pub agency_name: Option<String>,
    /// The place's name (commune or ward).
    pub place_name: Option<String>,
    /// Optimistic-lock version; bumps on every change.
    pub version: i64,
}

impl PetitionRecord {
    /// Store identifier.
    pub fn id(&self) -> i64 {
        self.petition.id()
    }
}

/// Which petitions to list.
#[derive(Clone, Debug, Default)]
pub struct PetitionFilter {
    /// The council (required unless `agency_id` is set).
    pub council_id: Option<i64>,
    /// One round.
    pub round_id: Option<i64>,
    /// One meeting.
    pub meeting_id: Option<i64>,
    /// One status.
    pub status: Option<PetitionStatus>,
    /// One field (committee).
    pub field: Option<CommitteeKind>,
    /// Assigned to one agency.
    pub agency_id: Option<i64>,
    /// Words that must appear, matched without diacritics.
    pub text: Option<String>,
    /// Include petitions merged into others (hidden by default).
    pub include_merged: bool,
    /// Only what the public portal may show.
    pub published_only: bool,
    /// At most this many (0: no limit).
    pub limit: i64,
}

/// A change to one petition, applied through the domain's rules.
#[derive(Clone, Debug)]
pub enum PetitionChange {
    /// Tổng hợp.
    Aggregate,
    /// Phân loại.
    Classify(Classification),
    /// Trả lời tại hội nghị.
    AnswerOnSpot(String),
    /// Đôn đốc.
    Urge,
    /// The agency's written answer.
    RecordAnswer {
        /// Its number and date.
        document: DocumentRef,
        /// What it says, in short.
        summary: String,
        /// The signed letter itself, when the agency sent the file.
        file: Option<AnswerFile>,
    },
    /// Đánh giá.
    Evaluate {
        /// The result class.
        result: ResultClass,
        /// Reason or roadmap.
        note: String,
    },
    /// Included in a report.
    Report(String),
    /// Kết thúc.
    Close,
    /// Tái kiến nghị of an earlier petition.
    MarkRepeat(i64),
}

/// The file of an agency's answer (văn bản trả lời), already checked by
/// its content and kept in the document folder under its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerFile {
    /// Display name (never a path).
    pub file_name: String,
    /// Hex SHA-256, the file's name in the document folder.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// PDF, DOCX or XLSX, from the content.
    pub format: FileFormat,
    /// Pages (PDF) or sheets (XLSX).
    pub pages: u32,
    /// Extracted text, for search.
    pub text: String,
}

/// A kept answer file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswerFile {
    /// Store identifier.
    pub id: i64,
    /// The petition it answers.
    pub petition_id: i64,
    /// The file.
    pub file: AnswerFile,
    /// When it was received.
    pub uploaded_at: time::OffsetDateTime,
}

/// Forwarding petitions to one agency with one letter (công văn chuyển).
#[derive(Clone, Debug)]
pub struct ForwardRequest {
    /// The council.
    pub council_id: i64,
    /// The round.
    pub round_id: i64,
    /// The agency.
    pub agency_id: i64,
    /// Số, ký hiệu of the letter ("125/HĐND-VP").
    pub number: String,
    /// Its date.
    pub issued_on: Date,
    /// Hạn trả lời.
    pub due_on: Date,
    /// The petitions it forwards.
    pub petition_ids: Vec<i64>,
}

/// Văn bản trả lời — an agency's answer that arrived through the document
/// axis, registered as an incoming document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingAnswer {
    /// The registered incoming document (văn bản đến), which keeps the files.
    pub incoming_id: i64,
    /// Its số/ký hiệu.
    pub code: String,
    /// Its date.
    pub issued_on: Date,
    /// Its trích yếu, recorded as the answer's summary.
    pub summary: String,
    /// The agency that sent it.
    pub from_name: String,
}

/// Công văn chuyển kiến nghị — a letter forwarding petitions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PetitionLetter {
    /// Store identifier.
    pub id: i64,
    /// The round.
    pub round_id: i64,
    /// The agency.
    pub agency_id: i64,
    /// Số, ký hiệu.
    pub number: String,
    /// Date.
    pub issued_on: Date,
    /// Due date.
    pub due_on: Date,
}

/// An import waiting for the clerk's confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedImport {
    /// Store identifier.
    pub id: i64,
    /// The round it goes into.
    pub round_id: i64,
    /// The uploaded file's name.
    pub file_name: String,
    /// The rows that passed the checks.
    pub rows: Vec<NewOpinion>,
    /// Whether it has been committed already.
    pub committed: bool,
}

/// Counts for the dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PetitionCount {
    /// The key counted by (a status, field, agency name…).
    pub key: String,
    /// How many.
    pub count: i64,
}

/// The petitions part of the persistence interface.
#[async_trait]
pub trait PetitionStore: Send + Sync {
    /// Opens a round of voter contact.
    async fn create_petition_round(
        &self,
        new: &NewPetitionRound,
        ctx: &AuditContext,
    ) -> Result<PetitionRound>;
    /// The rounds of a council, newest first.
    async fn petition_rounds(&self, council_id: i64) -> Result<Vec<PetitionRound>>;
    /// One round.
    async fn petition_round(&self, id: i64) -> Result<PetitionRound>;
    /// Records a meeting with voters.
    async fn create_voter_meeting(
        &self,
        new: &NewVoterMeeting,
        ctx: &AuditContext,
    ) -> Result<VoterMeeting>;
    /// The meetings of a round, by date.
    async fn voter_meetings(&self, round_id: i64) -> Result<Vec<VoterMeeting>>;
    /// One meeting.
    async fn voter_meeting(&self, id: i64) -> Result<VoterMeeting>;
    /// Captures opinions as new petitions of `round_id`, all or none.
    /// Returns their identifiers in order.
    async fn capture_opinions(
        &self,
        round_id: i64,
        meeting_id: Option<i64>,
        opinions: &[NewOpinion],
        ctx: &AuditContext,
    ) -> Result<Vec<i64>>;
    /// Petitions matching `filter`, newest first.
    async fn petitions(&self, filter: &PetitionFilter) -> Result<Vec<PetitionRecord>>;
    /// One petition.
    async fn petition(&self, id: i64) -> Result<PetitionRecord>;
    /// The files of a petition's answers, oldest first.
    async fn answer_files(&self, petition_id: i64) -> Result<Vec<StoredAnswerFile>>;
    /// Applies `change` if the petition is still at `version`; `Conflict`
    /// when someone changed it meanwhile or the domain refuses.
    async fn change_petition(
        &self,
        id: i64,
        version: i64,
        change: &PetitionChange,
        ctx: &AuditContext,
    ) -> Result<PetitionRecord>;
    /// Merges `sources` into `target`, which keeps every source, the sum of
    /// voters and every place.
    async fn merge_petitions(&self, target: i64, sources: &[i64], ctx: &AuditContext)
    -> Result<()>;
    /// Forwards petitions to an agency with one letter, all or none.
    async fn forward_petitions(
        &self,
        request: &ForwardRequest,
        ctx: &AuditContext,
    ) -> Result<PetitionLetter>;
    /// The letters of a round.
    async fn petition_letters(&self, round_id: i64) -> Result<Vec<PetitionLetter>>;
    /// Records `answer` as the written answer of every petition forwarded
    /// with the letter numbered `letter_number` (that is still waiting for
    /// one) and links the incoming document to each of them as the
    /// answer's attachment, in one transaction. Returns the petitions that
    /// took the answer.
    async fn answer_by_letter(
        &self,
        letter_number: &str,
        answer: &IncomingAnswer,
        ctx: &AuditContext,
    ) -> Result<Vec<i64>>;
    /// The incoming documents linked to a petition as its answer.
    async fn answer_documents(&self, petition_id: i64) -> Result<Vec<i64>>;
    /// Carries an unresolved petition over to `next_round_id`; returns the
    /// new petition's identifier.
    async fn carry_over_petition(
        &self,
        id: i64,
        next_round_id: i64,
        ctx: &AuditContext,
    ) -> Result<i64>;
    /// Keeps checked rows of an uploaded sheet until the clerk confirms.
    async fn stage_import(
        &self,
        round_id: i64,
        file_name: &str,
        rows: &[NewOpinion],
        ctx: &AuditContext,
    ) -> Result<i64>;
    /// A staged import.
    async fn staged_import(&self, id: i64) -> Result<StagedImport>;
    /// Captures every row of a staged import, all or none; `Conflict` when
    /// it was committed before. Returns how many petitions were created.
    async fn commit_import(&self, id: i64, ctx: &AuditContext) -> Result<usize>;
    /// Petitions of a council counted by status, field and agency.
    async fn petition_counts(
        &self,
        council_id: i64,
        by: PetitionCountBy,
    ) -> Result<Vec<PetitionCount>>;
}

/// What [`PetitionStore::petition_counts`] groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PetitionCountBy {
    /// Status code.
    Status,
    /// Field (committee) code.
    Field,
    /// Agency name.
    Agency,
    /// Result class code.
    Result,
    /// Name of the commune or ward where it was raised.
    Place,
}
