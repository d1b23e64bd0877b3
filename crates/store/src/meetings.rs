//! The store's part of online meetings (issue #8): [`MeetingStore`] and the
//! values it takes and returns. The life cycle and the minutes' arithmetic
//! live in `nghitruong_domain::meeting`.

use async_trait::async_trait;
use nghitruong_domain::meeting::{InviteRole, MeetingEvent, MeetingKind, MeetingStatus, Presence};
use time::OffsetDateTime;

use crate::{AuditContext, Result};

/// What the office supplies to schedule a meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMeeting {
    /// The council.
    pub council_id: i64,
    /// Tên cuộc họp.
    pub title: String,
    /// Loại.
    pub kind: MeetingKind,
    /// The council session it serves (remote points of a session): its
    /// speaking queue and votes are the meeting's.
    pub session_id: Option<i64>,
    /// Scheduled start.
    pub starts_at: OffsetDateTime,
}

/// A meeting as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    /// Identifier.
    pub id: i64,
    /// The council.
    pub council_id: i64,
    /// Tên cuộc họp.
    pub title: String,
    /// Loại.
    pub kind: MeetingKind,
    /// The linked council session.
    pub session_id: Option<i64>,
    /// Scheduled start.
    pub starts_at: OffsetDateTime,
    /// Trạng thái.
    pub status: MeetingStatus,
    /// When it ended.
    pub ended_at: Option<OffsetDateTime>,
}

/// Whom an invitation is for: a hall (điểm cầu) or a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invitee {
    /// A person of the council's organisation.
    Person(i64),
    /// A hall (điểm cầu), by its name (Hội trường xã …).
    Hall(String),
}

/// An invitation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// Identifier.
    pub id: i64,
    /// The meeting.
    pub meeting_id: i64,
    /// Whom.
    pub invitee: Invitee,
    /// The person's name, or the hall's.
    pub name: String,
    /// Tham dự or theo dõi.
    pub role: InviteRole,
}

/// Persistence of online meetings.
#[async_trait]
pub trait MeetingStore: Send + Sync {
    /// Schedules a meeting; a linked session must belong to the same
    /// council (`Conflict` with the reason otherwise).
    async fn create_meeting(&self, new: &NewMeeting, ctx: &AuditContext) -> Result<Meeting>;
    /// One meeting.
    async fn meeting(&self, id: i64) -> Result<Meeting>;
    /// A council's meetings, latest start first.
    async fn meetings(&self, council_id: i64) -> Result<Vec<Meeting>>;
    /// Applies a life-cycle event (`Conflict` with the Vietnamese reason
    /// when the state does not allow it); ending closes every open stay.
    async fn meeting_event(
        &self,
        id: i64,
        event: MeetingEvent,
        ctx: &AuditContext,
    ) -> Result<Meeting>;
    /// Invites a person or a hall; `Conflict` if already invited, or if the
    /// person is not of the meeting's council.
    async fn invite(
        &self,
        meeting_id: i64,
        invitee: &Invitee,
        role: InviteRole,
        ctx: &AuditContext,
    ) -> Result<i64>;
    /// Withdraws an invitation of `meeting_id`.
    async fn uninvite(&self, meeting_id: i64, invitation_id: i64, ctx: &AuditContext)
    -> Result<()>;
    /// A meeting's invitations: halls first, then people, by name.
    async fn invitations(&self, meeting_id: i64) -> Result<Vec<Invitation>>;
    /// Records that `user_id` entered the room at `ctx.at`; returns the
    /// stay's id for [`MeetingStore::record_leave`].
    async fn record_join(
        &self,
        meeting_id: i64,
        user_id: i64,
        name: &str,
        ctx: &AuditContext,
    ) -> Result<i64>;
    /// Records that the stay ended at `ctx.at` (once; later calls keep the
    /// first time).
    async fn record_leave(&self, presence_id: i64, ctx: &AuditContext) -> Result<()>;
    /// Every stay in the room, in order of arrival.
    async fn presences(&self, meeting_id: i64) -> Result<Vec<Presence>>;
}
