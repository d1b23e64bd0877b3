//! The persistence interface of Nghị trường, [`Store`], and its one SQL
//! implementation that runs on SQLite (the embedded default) and on
//! PostgreSQL, chosen by the URL scheme.
//!
//! Every method that changes state writes its audit record in the same
//! transaction (see [`AuditContext`]); callers cannot forget it. Web code
//! sees only the trait; only the binary opens a concrete store.
//!
//! Both backends run the same conformance story (`tests/conformance.rs`).

#![warn(missing_docs)]

mod consultation;
mod documents;
pub mod exchange;
mod meetings;
mod model;
mod notifications;
mod petitions;
mod search;
mod sql;
mod supervision;

use async_trait::async_trait;
use nghitruong_domain::access::Role;
use nghitruong_domain::audit::AuditRecord;
use nghitruong_domain::org::{AdminUnit, Body, Council};
use nghitruong_domain::rules::CouncilRules;
use time::{Date, OffsetDateTime};

pub use consultation::*;
pub use documents::*;
pub use exchange::ExchangeStore;
pub use meetings::*;
pub use model::*;
pub use notifications::*;
pub use petitions::*;
pub use search::SearchStore;
pub use sql::{Backend, SqlStore, StoreOptions, redact_url, sqlite_file, sqlite_url, tally_json};
pub use supervision::*;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The change clashes with what is stored (a unique key, a stale state).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The backend failed; details are for the log, not for users.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Results of store calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who is making a change, and when: written into the audit record of the
/// change in the same transaction.
#[derive(Clone, Debug)]
pub struct AuditContext {
    /// The signed-in user, if any.
    pub actor_id: Option<i64>,
    /// Their display name, or "hệ thống" for the system itself.
    pub actor_name: String,
    /// The HTTP request, if the change came from one.
    pub request_id: Option<String>,
    /// When the change happens, from the caller's clock.
    pub at: OffsetDateTime,
}

impl AuditContext {
    /// A change made by the system itself (seeding, the command line).
    pub fn system(at: OffsetDateTime) -> Self {
        Self {
            actor_id: None,
            actor_name: "hệ thống".into(),
            request_id: None,
            at,
        }
    }
}

/// The persistence interface.
#[async_trait]
pub trait Store:
    PetitionStore
    + SupervisionStore
    + NotificationStore
    + ExchangeStore
    + SearchStore
    + DocumentStore
    + ConsultationStore
    + MeetingStore
    + Send
    + Sync
{
    /// Which backend this is.
    fn backend(&self) -> Backend;
    /// Brings the schema up to date.
    async fn migrate(&self) -> Result<()>;
    /// Checks the database answers.
    async fn ping(&self) -> Result<()>;
    /// Writes a consistent copy of the database to `path` while it is in use.
    async fn backup_to(&self, path: &std::path::Path) -> Result<()>;

    // Organisation.

    /// Loads a whole organisation (units, councils, bodies, people, users) in
    /// one transaction, with one audit record.
    async fn seed_organisation(&self, seed: &OrgSeed, ctx: &AuditContext) -> Result<SeedCounts>;
    /// Administrative units under `parent` (or the provinces, with `None`).
    async fn units(&self, parent: Option<&str>) -> Result<Vec<AdminUnit>>;
    /// One council.
    async fn council(&self, id: i64) -> Result<Council>;
    /// The council of an administrative unit, in its latest term.
    async fn council_by_unit(&self, unit_code: &str) -> Result<Option<Council>>;
    /// Councils matching `filter`, with their counts, and how many match in all.
    async fn councils(&self, filter: &CouncilFilter) -> Result<(Vec<CouncilSummary>, i64)>;
    /// Replaces a council's rules.
    async fn update_council_rules(
        &self,
        council_id: i64,
        rules: &CouncilRules,
        ctx: &AuditContext,
    ) -> Result<()>;
    /// The bodies of a council (its HĐND, Thường trực, Ban, office, agencies).
    async fn bodies(&self, council_id: i64) -> Result<Vec<Body>>;
    /// One body.
    async fn body(&self, id: i64) -> Result<Body>;
    /// People holding a position in `body_id` on `day`.
    async fn members(&self, body_id: i64, day: Date) -> Result<Vec<Member>>;

    // Accounts.

    /// Creates a user; fails with `Conflict` when the username is taken.
    async fn create_user(&self, user: &NewUser, ctx: &AuditContext) -> Result<i64>;
    /// One user.
    async fn user(&self, id: i64) -> Result<User>;
    /// A user by username, with the secrets needed to sign in.
    async fn user_credentials(&self, username: &str) -> Result<Option<Credentials>>;
    /// Users whose name or username contains `query`, with their roles.
    async fn users(&self, query: &str, limit: i64) -> Result<Vec<(User, Vec<RoleGrant>)>>;
    /// Replaces a user's password hash and revokes their sessions.
    async fn set_password(&self, user_id: i64, hash: &str, ctx: &AuditContext) -> Result<()>;
    /// Locks or unlocks an account; locking also ends its sessions.
    async fn set_user_active(&self, user_id: i64, active: bool, ctx: &AuditContext) -> Result<()>;
    /// Records that the one-time code of `step` was used; false if that
    /// step (or a later one) was used already, so a code works only once.
    async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool>;
    /// Sets or clears a user's TOTP secret.
    async fn set_totp_secret(
        &self,
        user_id: i64,
        secret: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()>;
    /// Grants a role in a council (`None`: every council; administrators only).
    async fn grant_role(
        &self,
        user_id: i64,
        council_id: Option<i64>,
        role: Role,
        ctx: &AuditContext,
    ) -> Result<()>;
    /// The roles a user holds.
    async fn roles(&self, user_id: i64) -> Result<Vec<RoleGrant>>;

    // Sign-in sessions.

    /// Records a new session.
    async fn create_session(&self, session: &NewSession, ctx: &AuditContext) -> Result<i64>;
    /// A number that moves whenever an account, its roles, a sign-in's
    /// access or a council changes, however it was changed (triggers): what
    /// was loaded for a viewer still holds while it stays the same.
    async fn access_epoch(&self) -> Result<i64>;
    /// A live (not revoked, not expired at `now`) session by token hash.
    async fn live_session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<AuthSession>>;
    /// Notes activity on sign-in sessions: each id with the time it was
    /// last seen, all in one write.
    async fn touch_sessions(&self, seen: &[(i64, OffsetDateTime)]) -> Result<()>;
    /// Marks the second factor as passed.
    async fn confirm_second_factor(&self, id: i64, ctx: &AuditContext) -> Result<()>;
    /// Switches the council a session works in.
    async fn set_session_council(&self, id: i64, council_id: i64) -> Result<()>;
    /// A user's sessions, newest first.
    async fn sessions_of(&self, user_id: i64) -> Result<Vec<AuthSession>>;
    /// Revokes one of a user's sessions; `NotFound` if it is not theirs.
    async fn revoke_session(&self, user_id: i64, session_id: i64, ctx: &AuditContext)
    -> Result<()>;

    // Sign-in throttling.

    /// Counts one failed sign-in against each key.
    async fn record_login_failure(&self, keys: &[String], at: OffsetDateTime) -> Result<()>;
    /// Failures against `key` since `since`.
    async fn login_failures(&self, key: &str, since: OffsetDateTime) -> Result<u32>;
    /// Forgets the failures against `key` (after a successful sign-in).
    async fn clear_login_failures(&self, key: &str) -> Result<()>;

    // Council sessions (kỳ họp).

    /// Creates a session with the next number of the term.
    async fn create_council_session(
        &self,
        new: &NewCouncilSession,
        ctx: &AuditContext,
    ) -> Result<CouncilSession>;
    /// A council's sessions, newest first.
    async fn council_sessions(&self, council_id: i64) -> Result<Vec<CouncilSession>>;
    /// One session.
    async fn council_session(&self, id: i64) -> Result<CouncilSession>;
    /// Applies a life-cycle event; `Conflict` with a Vietnamese reason when
    /// the state does not allow it.
    async fn session_event(
        &self,
        id: i64,
        event: nghitruong_domain::session::SessionEvent,
        ctx: &AuditContext,
    ) -> Result<nghitruong_domain::session::SessionStatus>;
    /// Adds an item at the end of the agenda.
    async fn add_agenda_item(&self, new: &NewAgendaItem, ctx: &AuditContext) -> Result<i64>;
    /// The agenda in order.
    async fn agenda(&self, session_id: i64) -> Result<Vec<AgendaItem>>;
    /// Makes an item current; the current one becomes done.
    async fn move_agenda(&self, session_id: i64, item_id: i64, ctx: &AuditContext) -> Result<()>;
    /// Deputies seated in a council on a day.
    async fn seated_deputies(&self, council_id: i64, day: Date) -> Result<Vec<Member>>;
    /// One deputy seated in a council on a day, if `person_id` is one.
    async fn seated_deputy(
        &self,
        council_id: i64,
        person_id: i64,
        day: Date,
    ) -> Result<Option<Member>>;
    /// Attendance recorded at a session.
    async fn attendance(&self, session_id: i64) -> Result<Vec<AttendanceRecord>>;
    /// Records a deputy's attendance.
    async fn set_attendance(
        &self,
        session_id: i64,
        person_id: i64,
        status: nghitruong_domain::attendance::AttendanceStatus,
        method: nghitruong_domain::attendance::CheckInMethod,
        reason: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()>;
    /// Opens a vote round now; `Conflict` if another round of the session is open.
    async fn open_round(&self, new: &NewVoteRound, ctx: &AuditContext) -> Result<VoteRound>;
    /// A session's rounds in order.
    async fn rounds(&self, session_id: i64) -> Result<Vec<VoteRound>>;
    /// One round.
    async fn round(&self, id: i64) -> Result<VoteRound>;
    /// Casts a ballot in round `round_id` of session `session_id`; durable
    /// when it returns `Ok(Ok(()))`. `NotFound` if the round is not of that
    /// session (checked in the ballot's own transaction, so that a ballot
    /// costs no read of its own before it). The commit does not depend on
    /// the caller: a ballot already queued is committed (or refused) even if
    /// the caller stops waiting.
    async fn cast_ballot(
        &self,
        session_id: i64,
        round_id: i64,
        person_id: i64,
        holds_office: bool,
        choice: nghitruong_domain::vote::Choice,
        ctx: &AuditContext,
    ) -> Result<std::result::Result<(), nghitruong_domain::vote::BallotRefusal>>;
    /// Closes a round (by the chair or its timer) and stores its result.
    async fn close_round(
        &self,
        round_id: i64,
        event: nghitruong_domain::vote::RoundEvent,
        size: CouncilSize,
        rules: &CouncilRules,
        ctx: &AuditContext,
    ) -> Result<nghitruong_domain::vote::Tally>;
    /// Records a result counted by hand (the fallback when tablets cannot
    /// be used) as a closed round, measured by the same rules.
    async fn record_manual_result(
        &self,
        new: &NewVoteRound,
        counts: nghitruong_domain::vote::Counts,
        present: u32,
        size: CouncilSize,
        rules: &CouncilRules,
        ctx: &AuditContext,
    ) -> Result<nghitruong_domain::vote::Tally>;
    /// Who has voted in a round.
    async fn round_voters(&self, round_id: i64) -> Result<Vec<i64>>;
    /// Each deputy's choice in a named round (empty for a secret one).
    async fn named_ballots(
        &self,
        round_id: i64,
    ) -> Result<Vec<(i64, nghitruong_domain::vote::Choice)>>;
    /// The resolutions a session adopted, numbered when their vote passed,
    /// in agenda order.
    async fn adopted_resolutions(&self, session_id: i64) -> Result<Vec<AdoptedResolution>>;

    // Speaking queue.

    /// Queues a request to speak; refused while the session is not running
    /// or while the deputy has another open request.
    async fn ask_to_speak(
        &self,
        session_id: i64,
        person_id: i64,
        kind: nghitruong_domain::speaking::SpeakKind,
        topic: &str,
        allotted_seconds: u32,
        ctx: &AuditContext,
    ) -> Result<std::result::Result<i64, nghitruong_domain::speaking::SpeakRefusal>>;
    /// A session's requests in the order they were made.
    async fn speak_requests(&self, session_id: i64) -> Result<Vec<SpeakRequest>>;
    /// Applies an event to a request; calling one ends the current speaker.
    async fn speak_event(
        &self,
        id: i64,
        event: nghitruong_domain::speaking::SpeakEvent,
        ctx: &AuditContext,
    ) -> Result<SpeakRequest>;

    // Questioning (chất vấn).

    /// Files a question.
    async fn file_question(&self, new: &NewQuestion, ctx: &AuditContext) -> Result<i64>;
    /// A session's questions in the order filed.
    async fn questions(&self, session_id: i64) -> Result<Vec<Question>>;
    /// Applies an event; `answer` goes with `Answer`.
    async fn question_event(
        &self,
        id: i64,
        event: nghitruong_domain::questioning::QuestionEvent,
        answer: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()>;

    // Audit.

    /// Records an event that changes nothing else (a sign-in, a lock-out).
    async fn record_event(&self, event: &AuditEvent, ctx: &AuditContext) -> Result<()>;
    /// Audit records matching `filter`, newest first, and how many match.
    async fn audit_page(&self, filter: &AuditFilter) -> Result<(Vec<AuditRecord>, i64)>;
    /// Up to `limit` records after `after_seq`, in order, for verification.
    async fn audit_after(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>>;
}

/// What a full verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// Records checked.
    pub verified: i64,
    /// The last record, to write down as an anchor for the next check.
    pub head: Option<nghitruong_domain::audit::Anchor>,
}

/// Walks the whole audit chain in order, from the lowest number stored (so
/// forged records numbered below one are found too). With `anchor`, the
/// chain must still hold that record: this finds a cut-off or rewritten end,
/// which a chain alone cannot show. The outer result is the store's; the
/// inner one is the report or where the chain breaks.
pub async fn verify_audit_chain(
    store: &dyn Store,
    anchor: Option<&nghitruong_domain::audit::Anchor>,
) -> Result<std::result::Result<ChainReport, nghitruong_domain::audit::ChainBreak>> {
    let mut verifier = nghitruong_domain::audit::ChainVerifier::default();
    let mut after = i64::MIN;
    let mut seen_at_anchor: Option<String> = None;
    loop {
        let page = store.audit_after(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for record in &page {
            if let Err(broken) = verifier.check(record) {
                return Ok(Err(broken));
            }
            if anchor.is_some_and(|a| a.seq == record.seq) {
                seen_at_anchor = Some(record.hash.clone());
            }
        }
    }
    if let Err(broken) = verifier.finish(anchor, seen_at_anchor.as_deref()) {
        return Ok(Err(broken));
    }
    Ok(Ok(ChainReport {
        verified: verifier.verified(),
        head: verifier.head(),
    }))
}
