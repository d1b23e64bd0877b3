//! Values the store takes and returns beyond the domain's own types.

use nghitruong_domain::access::Role;
use nghitruong_domain::org::{
    AdminUnit, BodyKind, CommitteeKind, Council, CouncilLevel, Person, PersonStatus, Position,
    PositionRole, Term,
};
use nghitruong_domain::rules::CouncilRules;
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// A whole organisation to load at once; references between parts are by
/// `key`, unique within the seed.
#[derive(Clone, Debug, Default)]
pub struct OrgSeed {
    /// Units, parents first.
    pub units: Vec<AdminUnit>,
    /// Councils with their bodies and people.
    pub councils: Vec<CouncilSeed>,
    /// Bodies outside any council (ministries).
    pub central_bodies: Vec<BodySeed>,
    /// Accounts.
    pub users: Vec<UserSeed>,
}

/// A council to seed.
#[derive(Clone, Debug)]
pub struct CouncilSeed {
    /// Its unit.
    pub unit_code: String,
    /// Its level.
    pub level: CouncilLevel,
    /// Its name.
    pub name: String,
    /// Its current term.
    pub term: Term,
    /// Statutory seats.
    pub seats_statutory: u16,
    /// Its rules.
    pub rules: CouncilRules,
    /// Its bodies and the agencies that answer to it.
    pub bodies: Vec<BodySeed>,
    /// Its people.
    pub people: Vec<PersonSeed>,
}

/// A body to seed.
#[derive(Clone, Debug)]
pub struct BodySeed {
    /// Seed-wide key.
    pub key: String,
    /// Kind.
    pub kind: BodyKind,
    /// For a Ban.
    pub committee: Option<CommitteeKind>,
    /// Name.
    pub name: String,
    /// Abbreviation.
    pub abbreviation: String,
    /// Mã định danh.
    pub organ_code: Option<String>,
}

/// A person to seed.
#[derive(Clone, Debug)]
pub struct PersonSeed {
    /// Seed-wide key, for users to point at.
    pub key: Option<String>,
    /// Name.
    pub full_name: String,
    /// Status.
    pub status: PersonStatus,
    /// Positions, by body key.
    pub positions: Vec<PositionSeed>,
}

/// A position to seed.
#[derive(Clone, Debug)]
pub struct PositionSeed {
    /// The body's seed key.
    pub body_key: String,
    /// Role.
    pub role: PositionRole,
    /// Full time.
    pub full_time: bool,
    /// From.
    pub starts_on: Date,
    /// Until.
    pub ends_on: Option<Date>,
}

/// An account to seed.
#[derive(Clone, Debug)]
pub struct UserSeed {
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The person it belongs to, by seed key.
    pub person_key: Option<String>,
    /// The agency its holder works for, by body seed key.
    pub agency_key: Option<String>,
    /// Roles, by council unit code (`None`: every council).
    pub roles: Vec<(Option<String>, Role)>,
}

/// What a seed created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeedCounts {
    /// Units.
    pub units: usize,
    /// Councils.
    pub councils: usize,
    /// Bodies.
    pub bodies: usize,
    /// People.
    pub people: usize,
    /// Users.
    pub users: usize,
}

/// Which councils to list.
#[derive(Clone, Debug, Default)]
pub struct CouncilFilter {
    /// Only this level.
    pub level: Option<CouncilLevel>,
    /// Only councils of units under this province.
    pub province_code: Option<String>,
    /// Only these councils.
    pub ids: Option<Vec<i64>>,
    /// Name contains this, compared without diacritics and case.
    pub query: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
    /// The day deputies in office are counted on.
    pub today: Option<Date>,
}

/// A council with the counts a list shows.
#[derive(Clone, Debug, PartialEq)]
pub struct CouncilSummary {
    /// The council.
    pub council: Council,
    /// The unit's kind label ("Xã", "Phường").
    pub unit_name: String,
    /// Deputies holding office today.
    pub deputies_in_office: i64,
}

/// A person with the position they hold in a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The person.
    pub person: Person,
    /// Their position.
    pub position: Position,
}

/// A new account.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Username, already checked.
    pub username: String,
    /// Display name, already checked.
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Linked person.
    pub person_id: Option<i64>,
    /// Agency the holder works for.
    pub agency_body_id: Option<i64>,
}

/// An account, without secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// Identifier.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Linked person.
    pub person_id: Option<i64>,
    /// Agency the holder works for.
    pub agency_body_id: Option<i64>,
    /// Whether a second factor is set up.
    pub has_totp: bool,
    /// Whether the account may sign in.
    pub is_active: bool,
}

/// What signing in needs to check.
#[derive(Clone)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Base32 TOTP secret, if set up.
    pub totp_secret: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A role held in a council.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RoleGrant {
    /// The council; `None` for every council.
    pub council_id: Option<i64>,
    /// The role.
    pub role: Role,
}

/// A sign-in session to record.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// SHA-256 of the cookie token; the token itself is never stored.
    pub token_hash: String,
    /// The user.
    pub user_id: i64,
    /// The CSRF token bound to this session.
    pub csrf_token: String,
    /// The council to start in.
    pub council_id: Option<i64>,
    /// Whether a second factor must still be passed.
    pub needs_totp: bool,
    /// Expiry.
    pub expires_at: OffsetDateTime,
    /// Browser, truncated.
    pub user_agent: String,
    /// Address it came from.
    pub address: String,
}

/// A stored sign-in session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthSession {
    /// Identifier.
    pub id: i64,
    /// The user.
    pub user_id: i64,
    /// CSRF token.
    pub csrf_token: String,
    /// The council being worked in.
    pub council_id: Option<i64>,
    /// Second factor still due.
    pub needs_totp: bool,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last request.
    pub last_seen_at: OffsetDateTime,
    /// Expires.
    pub expires_at: OffsetDateTime,
    /// Revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
    /// Browser.
    pub user_agent: String,
    /// Address.
    pub address: String,
}

/// An event for the audit log that changes nothing else.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    /// Dotted action code.
    pub action: String,
    /// Entity kind.
    pub entity: String,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Details, as JSON.
    pub details: Option<serde_json::Value>,
}

/// Which audit records to list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Action starts with this.
    pub action_prefix: Option<String>,
    /// Entity kind.
    pub entity: Option<String>,
    /// Actor.
    pub actor_id: Option<i64>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// Kỳ họp as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouncilSession {
    /// Identifier.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// The council's term.
    pub term_number: u16,
    /// Số thứ tự kỳ họp trong khóa.
    pub number: u32,
    /// Kind.
    pub kind: nghitruong_domain::session::SessionKind,
    /// Public (công khai) or closed (họp kín).
    pub is_public: bool,
    /// First day.
    pub starts_on: Date,
    /// Last day.
    pub ends_on: Date,
    /// Where.
    pub place: String,
    /// Life-cycle state.
    pub status: nghitruong_domain::session::SessionStatus,
}

/// A session to create; its number is the next of the term.
#[derive(Clone, Debug)]
pub struct NewCouncilSession {
    /// The council.
    pub council_id: i64,
    /// The council's current term.
    pub term_number: u16,
    /// Kind.
    pub kind: nghitruong_domain::session::SessionKind,
    /// Public or closed.
    pub is_public: bool,
    /// First day.
    pub starts_on: Date,
    /// Last day.
    pub ends_on: Date,
    /// Where.
    pub place: String,
}

/// An agenda item as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgendaItem {
    /// Identifier.
    pub id: i64,
    /// The session.
    pub session_id: i64,
    /// Position from 1.
    pub position: u32,
    /// Kind.
    pub kind: nghitruong_domain::session::AgendaKind,
    /// Title ("Tờ trình về dự thảo Nghị quyết …").
    pub title: String,
    /// Who presents it.
    pub presenter: String,
    /// Planned minutes.
    pub planned_minutes: u32,
    /// Where it stands.
    pub status: nghitruong_domain::session::AgendaStatus,
    /// For a vote on a draft resolution, the kind of resolution it adopts
    /// (individual when not set).
    pub resolution_kind: Option<nghitruong_domain::resolution::ResolutionKind>,
}

/// An agenda item to add at the end.
#[derive(Clone, Debug)]
pub struct NewAgendaItem {
    /// The session.
    pub session_id: i64,
    /// Kind.
    pub kind: nghitruong_domain::session::AgendaKind,
    /// Title.
    pub title: String,
    /// Presenter.
    pub presenter: String,
    /// Planned minutes.
    pub planned_minutes: u32,
    /// For a vote on a draft resolution, the kind of resolution it adopts.
    pub resolution_kind: Option<nghitruong_domain::resolution::ResolutionKind>,
}

/// A resolution the session adopted, with its number in the register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdoptedResolution {
    /// The agenda item voted on.
    pub agenda_item_id: i64,
    /// The entry in the register.
    pub resolution: nghitruong_domain::resolution::Resolution,
}

/// One deputy's attendance at a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttendanceRecord {
    /// The deputy.
    pub person_id: i64,
    /// Status.
    pub status: nghitruong_domain::attendance::AttendanceStatus,
    /// How it was recorded.
    pub method: nghitruong_domain::attendance::CheckInMethod,
    /// The reason of an excused absence.
    pub reason: Option<String>,
    /// When.
    pub at: OffsetDateTime,
}

/// A vote round as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteRound {
    /// Identifier.
    pub id: i64,
    /// The session.
    pub session_id: i64,
    /// The agenda item voted on.
    pub agenda_item_id: i64,
    /// 1 for the first round, 2 for the first revote, …
    pub round_number: u32,
    /// What is voted on.
    pub title: String,
    /// Named or secret.
    pub mode: nghitruong_domain::vote::VoteMode,
    /// Ordinary or dismissal.
    pub purpose: nghitruong_domain::vote::VotePurpose,
    /// Where it stands.
    pub status: nghitruong_domain::vote::RoundStatus,
    /// When it opened.
    pub opened_at: Option<OffsetDateTime>,
    /// When its timer runs out.
    pub closes_at: Option<OffsetDateTime>,
    /// When it closed.
    pub closed_at: Option<OffsetDateTime>,
    /// Counts so far (all ballots; shown only once closed).
    pub counts: nghitruong_domain::vote::Counts,
    /// Deputies who have voted.
    pub voted: u32,
    /// Whether the result was entered by hand.
    pub manual: bool,
    /// The result, as JSON, once closed.
    pub result: Option<serde_json::Value>,
}

/// A round to open now.
#[derive(Clone, Debug)]
pub struct NewVoteRound {
    /// The session.
    pub session_id: i64,
    /// The agenda item.
    pub agenda_item_id: i64,
    /// What is voted on.
    pub title: String,
    /// Named or secret.
    pub mode: nghitruong_domain::vote::VoteMode,
    /// Ordinary or dismissal.
    pub purpose: nghitruong_domain::vote::VotePurpose,
    /// Seconds before the timer closes it; none for no timer.
    pub seconds: Option<u32>,
}

/// The council's size when a round is tallied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CouncilSize {
    /// Statutory seats.
    pub statutory: u32,
    /// Deputies holding office.
    pub in_office: u32,
    /// Below two thirds of its seats with a short term left (Điều 49.2).
    pub degraded: bool,
}

/// A request to speak, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeakRequest {
    /// Identifier.
    pub id: i64,
    /// The session.
    pub session_id: i64,
    /// The deputy.
    pub person_id: i64,
    /// The deputy's name.
    pub person_name: String,
    /// Speak or debate.
    pub kind: nghitruong_domain::speaking::SpeakKind,
    /// What about.
    pub topic: String,
    /// Where it stands.
    pub status: nghitruong_domain::speaking::SpeakStatus,
    /// When asked.
    pub requested_at: OffsetDateTime,
    /// When the floor was given.
    pub started_at: Option<OffsetDateTime>,
    /// When it ended.
    pub ended_at: Option<OffsetDateTime>,
    /// Seconds allotted.
    pub allotted_seconds: u32,
}

/// A question to an official (chất vấn), as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// Identifier.
    pub id: i64,
    /// The session.
    pub session_id: i64,
    /// The deputy who asks.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// Who must answer: name and title.
    pub official: String,
    /// The topic.
    pub topic: String,
    /// The question.
    pub content: String,
    /// Where it stands.
    pub status: nghitruong_domain::questioning::QuestionStatus,
    /// When filed.
    pub filed_at: OffsetDateTime,
    /// The answer, once recorded.
    pub answer: Option<String>,
}

/// A question to file.
#[derive(Clone, Debug)]
pub struct NewQuestion {
    /// The session.
    pub session_id: i64,
    /// The deputy.
    pub person_id: i64,
    /// Who must answer.
    pub official: String,
    /// Topic.
    pub topic: String,
    /// The question.
    pub content: String,
}
