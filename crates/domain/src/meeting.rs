//! Online meetings (họp trực tuyến): what a meeting is, its life cycle,
//! who joins with which part, and the join/leave record kept for the
//! minutes.

use std::collections::BTreeMap;

use time::{Duration, OffsetDateTime};

use crate::machine::TransitionError;
use crate::org::coded_enum;

coded_enum! {
    /// Loại cuộc họp trực tuyến.
    MeetingKind, "meeting kind" {
        /// Kỳ họp có điểm cầu — a council session with remote points.
        SessionRemote = "ky_hop", "Kỳ họp có điểm cầu trực tuyến";
        /// Họp Thường trực HĐND.
        StandingCommittee = "thuong_truc", "Họp Thường trực HĐND";
        /// Tiếp xúc cử tri trực tuyến.
        VoterContact = "tiep_xuc_cu_tri", "Tiếp xúc cử tri trực tuyến";
    }
}

coded_enum! {
    /// Trạng thái cuộc họp.
    MeetingStatus, "meeting status" {
        /// Đã lên lịch.
        Scheduled = "da_len_lich", "Đã lên lịch";
        /// Đang họp — people can join.
        Live = "dang_hop", "Đang họp";
        /// Đã kết thúc.
        Ended = "da_ket_thuc", "Đã kết thúc";
        /// Đã hủy.
        Cancelled = "da_huy", "Đã hủy";
    }
}

coded_enum! {
    /// What can happen to a meeting.
    MeetingEvent, "meeting event" {
        /// The moderator opens the room.
        Open = "mo", "mở cuộc họp";
        /// The moderator ends it.
        End = "ket_thuc", "kết thúc cuộc họp";
        /// The office calls it off before it starts.
        Cancel = "huy", "hủy cuộc họp";
    }
}

impl MeetingStatus {
    /// The state after `event`, or why it cannot happen.
    pub fn on(self, event: MeetingEvent) -> Result<MeetingStatus, TransitionError> {
        use MeetingEvent as E;
        use MeetingStatus as S;
        match (self, event) {
            (S::Scheduled, E::Open) => Ok(S::Live),
            (S::Live, E::End) => Ok(S::Ended),
            (S::Scheduled, E::Cancel) => Ok(S::Cancelled),
            _ => Err(TransitionError {
                subject: "cuộc họp",
                state: self.label(),
                event: event.label(),
            }),
        }
    }

    /// Whether people may enter the room (the moderator opens a scheduled
    /// meeting by entering it).
    pub fn admits(self) -> bool {
        matches!(self, Self::Scheduled | Self::Live)
    }

    /// Whether who is invited (mời họp) may still change, or why not: an
    /// ended meeting's invitations are part of its record, and a cancelled
    /// one will not take place.
    pub fn check_invitations(self) -> Result<(), &'static str> {
        match self {
            Self::Scheduled | Self::Live => Ok(()),
            Self::Ended => Err("Cuộc họp đã kết thúc; danh sách mời không thay đổi được nữa."),
            Self::Cancelled => Err("Cuộc họp đã hủy; không mời thêm hay bỏ mời được nữa."),
        }
    }
}

impl MeetingKind {
    /// Whether microphones are moderated (điều hành micrô): in a council
    /// session with remote points and at a voter-contact meeting, as in the
    /// hall, a participant speaks when the chair gives the floor, so
    /// participants enter muted and are muted again when their speech ends.
    /// A Standing Committee meeting is an open discussion.
    pub fn moderates_microphones(self) -> bool {
        matches!(self, Self::SessionRemote | Self::VoterContact)
    }
}

impl MeetingStatus {
    /// Whether `event` may happen now: the page offers only these actions.
    pub fn allows(self, event: MeetingEvent) -> bool {
        self.on(event).is_ok()
    }
}

/// A participant's microphone as the room rules it (micrô trong phòng họp).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mic {
    /// Muted by the moderator or by the rules: the SFU drops their audio.
    pub silenced: bool,
    /// Has the floor (đang phát biểu): their audio is open.
    pub speaking: bool,
}

impl Mic {
    /// The microphone of someone let into the room: in a moderated meeting
    /// a participant is muted unless they hold the floor already (back
    /// after a dropped network); moderators are never muted and viewers
    /// send nothing.
    pub fn on_entry(role: RoomRole, moderated: bool, holds_floor: bool) -> Mic {
        let speaking = holds_floor && role.publishes();
        Mic {
            silenced: role == RoomRole::Participant && moderated && !speaking,
            speaking,
        }
    }

    /// The microphone after the chair gives the floor (`true`) or takes it
    /// back, or the speech ends (`false`). Giving the floor opens the
    /// audio; ending it mutes again in a moderated meeting and otherwise
    /// leaves the microphone as it was. Viewers never get the floor.
    pub fn floor(self, role: RoomRole, moderated: bool, give: bool) -> Mic {
        match (role, give) {
            (RoomRole::Viewer, _) => Mic::default(),
            (_, true) => Mic {
                silenced: false,
                speaking: true,
            },
            (_, false) if !self.speaking => self,
            (role, false) => Mic {
                silenced: self.silenced || (role == RoomRole::Participant && moderated),
                speaking: false,
            },
        }
    }
}

coded_enum! {
    /// Vai trò khi được mời.
    InviteRole, "invitation role" {
        /// Tham dự — sends camera and microphone.
        Participant = "tham_du", "Tham dự";
        /// Theo dõi — watches only (one-way stream).
        Viewer = "theo_doi", "Theo dõi";
    }
}

coded_enum! {
    /// How someone is in the room.
    RoomRole, "room role" {
        /// Điều hành — chair or office: admits, mutes, removes, ends.
        Moderator = "dieu_hanh", "Điều hành";
        /// Tham dự — two-way audio and video after admission.
        Participant = "tham_du", "Tham dự";
        /// Theo dõi — receives only.
        Viewer = "theo_doi", "Theo dõi";
    }
}

impl RoomRole {
    /// The part of someone who joins: moderators (chair, office) moderate;
    /// invited people take their invitation's part; anyone else allowed to
    /// see the council's sessions only watches.
    pub fn of(is_moderator: bool, invitation: Option<InviteRole>) -> RoomRole {
        match (is_moderator, invitation) {
            (true, _) => RoomRole::Moderator,
            (false, Some(InviteRole::Participant)) => RoomRole::Participant,
            (false, Some(InviteRole::Viewer) | None) => RoomRole::Viewer,
        }
    }

    /// Moderators enter straight away; everyone else waits in the lobby
    /// (phòng chờ) until a moderator admits them.
    pub fn waits_in_lobby(self) -> bool {
        !matches!(self, RoomRole::Moderator)
    }

    /// Sends camera and microphone.
    pub fn publishes(self) -> bool {
        !matches!(self, RoomRole::Viewer)
    }
}

/// One stay in the room, from the join/leave record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presence {
    /// The account.
    pub user_id: i64,
    /// The name shown.
    pub name: String,
    /// When they came in.
    pub joined_at: OffsetDateTime,
    /// When they left; `None` while still in (or if the server stopped).
    pub left_at: Option<OffsetDateTime>,
}

/// A line of the minutes: each person's first arrival, last departure and
/// time present, stays merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresenceLine {
    /// The account.
    pub user_id: i64,
    /// The name shown.
    pub name: String,
    /// First arrival.
    pub first_joined: OffsetDateTime,
    /// Last departure (`None`: still in at `until`).
    pub last_left: Option<OffsetDateTime>,
    /// Time present, overlapping stays (two devices) counted once.
    pub present: Duration,
    /// How many times they came in.
    pub stays: usize,
}

/// How far back a new meeting may start: one called at short notice may
/// be entered a little after it began, but not days later by mistake.
pub const START_GRACE: Duration = Duration::hours(1);

/// May a meeting be scheduled to start at `starts_at`, at `now`? Not more
/// than [`START_GRACE`] in the past: a meeting scheduled in the past would
/// stay "scheduled" for ever in every invitee's list.
pub fn check_start(starts_at: OffsetDateTime, now: OffsetDateTime) -> Result<(), &'static str> {
    if starts_at < now - START_GRACE {
        Err("Thời điểm họp đã qua; hãy chọn ngày giờ từ bây giờ trở đi.")
    } else {
        Ok(())
    }
}

/// Sums the record for the minutes; an open stay counts until `until`
/// (the meeting's end, or now). Sorted by first arrival.
pub fn minutes(record: &[Presence], until: OffsetDateTime) -> Vec<PresenceLine> {
    let mut by_user: BTreeMap<i64, Vec<&Presence>> = BTreeMap::new();
    for p in record {
        by_user.entry(p.user_id).or_default().push(p);
    }
    let mut lines: Vec<PresenceLine> = by_user
        .into_values()
        .map(|mut stays| {
            stays.sort_by_key(|p| p.joined_at);
            let mut present = Duration::ZERO;
            let mut covered_to: Option<OffsetDateTime> = None;
            for s in &stays {
                let end = s.left_at.unwrap_or(until).max(s.joined_at);
                let start = covered_to.map_or(s.joined_at, |c| c.max(s.joined_at));
                if end > start {
                    present += end - start;
                }
                covered_to = Some(covered_to.map_or(end, |c| c.max(end)));
            }
            let still_in = stays.iter().any(|s| s.left_at.is_none());
            PresenceLine {
                user_id: stays[0].user_id,
                name: stays[stays.len() - 1].name.clone(),
                first_joined: stays[0].joined_at,
                last_left: if still_in {
                    None
                } else {
                    stays.iter().filter_map(|s| s.left_at).max()
                },
                present,
                stays: stays.len(),
            }
        })
        .collect();
    lines.sort_by_key(|l| (l.first_joined, l.user_id));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_meeting_starts_from_an_hour_ago_onwards() {
        let now = datetime!(2026-12-05 08:00 +7);
        assert!(check_start(now + Duration::days(3), now).is_ok());
        assert!(check_start(now, now).is_ok());
        assert!(check_start(now - START_GRACE, now).is_ok());
        assert!(check_start(now - START_GRACE - Duration::minutes(1), now).is_err());
        assert!(check_start(datetime!(2020-01-01 08:00 +7), now).is_err());
    }

    #[test]
    fn invitations_change_only_before_and_during_the_meeting() {
        for &status in MeetingStatus::ALL {
            let open = status.check_invitations();
            match status {
                MeetingStatus::Scheduled | MeetingStatus::Live => assert!(open.is_ok()),
                MeetingStatus::Ended => assert!(open.unwrap_err().contains("kết thúc")),
                MeetingStatus::Cancelled => assert!(open.unwrap_err().contains("đã hủy")),
            }
            assert_eq!(open.is_ok(), status.admits(), "{status:?}");
        }
    }

    #[test]
    fn every_meeting_state_and_event() {
        use MeetingStatus as S;
        // Open, End, Cancel
        let table: &[(S, [Option<S>; 3])] = &[
            (S::Scheduled, [Some(S::Live), None, Some(S::Cancelled)]),
            (S::Live, [None, Some(S::Ended), None]),
            (S::Ended, [None; 3]),
            (S::Cancelled, [None; 3]),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (state, row) in table {
            for (event, want) in MeetingEvent::ALL.iter().zip(row) {
                assert_eq!(state.on(*event).ok(), *want, "{state:?} + {event:?}");
            }
        }
        let open: Vec<_> = S::ALL.iter().filter(|s| s.admits()).collect();
        assert_eq!(open, vec![&S::Scheduled, &S::Live]);
        let refused = S::Ended.on(MeetingEvent::Open).unwrap_err().to_string();
        assert_eq!(
            refused,
            "Không thể mở cuộc họp khi cuộc họp đang ở trạng thái “Đã kết thúc”."
        );
    }

    #[test]
    fn only_allowed_actions_are_offered() {
        use MeetingStatus as S;
        for s in S::ALL {
            for e in MeetingEvent::ALL {
                assert_eq!(s.allows(*e), s.on(*e).is_ok(), "{s:?} {e:?}");
            }
        }
        let cancellable: Vec<_> = S::ALL
            .iter()
            .filter(|s| s.allows(MeetingEvent::Cancel))
            .collect();
        assert_eq!(
            cancellable,
            vec![&S::Scheduled],
            "no cancelling once started"
        );
    }

    #[test]
    fn moderated_kinds() {
        let moderated: Vec<_> = MeetingKind::ALL
            .iter()
            .filter(|k| k.moderates_microphones())
            .collect();
        assert_eq!(
            moderated,
            vec![&MeetingKind::SessionRemote, &MeetingKind::VoterContact]
        );
    }

    #[test]
    fn the_microphone_on_entry_for_every_role() {
        use RoomRole as R;
        let mic = |silenced, speaking| Mic { silenced, speaking };
        // (role, moderated, holds the floor) -> mic
        let table = [
            (R::Moderator, false, false, mic(false, false)),
            (R::Moderator, true, false, mic(false, false)),
            (R::Moderator, true, true, mic(false, true)),
            (R::Participant, false, false, mic(false, false)),
            (R::Participant, false, true, mic(false, true)),
            (R::Participant, true, false, mic(true, false)),
            (R::Participant, true, true, mic(false, true)),
            (R::Viewer, false, false, mic(false, false)),
            (R::Viewer, true, false, mic(false, false)),
            (R::Viewer, true, true, mic(false, false)),
        ];
        for (role, moderated, holds, want) in table {
            assert_eq!(
                Mic::on_entry(role, moderated, holds),
                want,
                "{role:?} moderated={moderated} holds={holds}"
            );
        }
    }

    #[test]
    fn giving_and_taking_the_floor_for_every_state() {
        use RoomRole as R;
        let mic = |silenced, speaking| Mic { silenced, speaking };
        let states = [
            mic(false, false),
            mic(true, false),
            mic(false, true),
            mic(true, true),
        ];
        for role in R::ALL {
            for moderated in [false, true] {
                for before in states {
                    let given = before.floor(*role, moderated, true);
                    let taken = before.floor(*role, moderated, false);
                    if *role == R::Viewer {
                        assert_eq!(given, Mic::default());
                        assert_eq!(taken, Mic::default());
                        continue;
                    }
                    assert_eq!(given, mic(false, true), "the floor opens the audio");
                    if !before.speaking {
                        assert_eq!(taken, before, "no speech to end: nothing changes");
                        continue;
                    }
                    let muted = before.silenced || (*role == R::Participant && moderated);
                    assert_eq!(taken, mic(muted, false), "{role:?} {moderated} {before:?}");
                }
            }
        }
        // The story: a muted participant of a moderated meeting is given the
        // floor, speaks, and is muted again at the end.
        let entry = Mic::on_entry(R::Participant, true, false);
        let speaking = entry.floor(R::Participant, true, true);
        assert_eq!(speaking, mic(false, true));
        assert_eq!(speaking.floor(R::Participant, true, false), entry);
        // In an open meeting the microphone stays open after the speech.
        let open = Mic::on_entry(R::Participant, false, false);
        let after = open
            .floor(R::Participant, false, true)
            .floor(R::Participant, false, false);
        assert_eq!(after, mic(false, false));
    }

    #[test]
    fn every_room_role() {
        use InviteRole as I;
        use RoomRole as R;
        for invitation in [None, Some(I::Participant), Some(I::Viewer)] {
            assert_eq!(R::of(true, invitation), R::Moderator);
        }
        assert_eq!(R::of(false, Some(I::Participant)), R::Participant);
        assert_eq!(R::of(false, Some(I::Viewer)), R::Viewer);
        assert_eq!(R::of(false, None), R::Viewer);
        let lobby: Vec<_> = R::ALL.iter().filter(|r| r.waits_in_lobby()).collect();
        assert_eq!(lobby, vec![&R::Participant, &R::Viewer]);
        let publish: Vec<_> = R::ALL.iter().filter(|r| r.publishes()).collect();
        assert_eq!(publish, vec![&R::Moderator, &R::Participant]);
    }

    #[test]
    fn codes_round_trip() {
        for k in MeetingKind::ALL {
            assert_eq!(k.as_str().parse::<MeetingKind>().ok(), Some(*k));
        }
        for s in MeetingStatus::ALL {
            assert_eq!(s.as_str().parse::<MeetingStatus>().ok(), Some(*s));
        }
        for r in InviteRole::ALL {
            assert_eq!(r.as_str().parse::<InviteRole>().ok(), Some(*r));
        }
        assert!("khong_co".parse::<MeetingKind>().is_err());
    }

    fn stay(user: i64, from: OffsetDateTime, to: Option<OffsetDateTime>) -> Presence {
        Presence {
            user_id: user,
            name: format!("Đại biểu {user}"),
            joined_at: from,
            left_at: to,
        }
    }

    #[test]
    fn the_minutes_merge_stays_and_count_overlaps_once() {
        let t = datetime!(2026-12-08 01:00 UTC);
        let m = Duration::minutes;
        let record = vec![
            // Two stays with a gap (a dropped network), then a second device overlapping.
            stay(2, t + m(5), Some(t + m(20))),
            stay(2, t + m(25), Some(t + m(60))),
            stay(2, t + m(30), Some(t + m(40))),
            // Still in at the end.
            stay(1, t, None),
        ];
        let lines = minutes(&record, t + m(90));
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].user_id, 1);
        assert_eq!(lines[0].present, m(90));
        assert_eq!(lines[0].last_left, None);
        assert_eq!(lines[1].user_id, 2);
        assert_eq!(lines[1].present, m(15) + m(35));
        assert_eq!(lines[1].stays, 3);
        assert_eq!(lines[1].first_joined, t + m(5));
        assert_eq!(lines[1].last_left, Some(t + m(60)));
    }

    #[test]
    fn an_empty_record_has_no_lines_and_a_backwards_stay_counts_nothing() {
        let t = datetime!(2026-12-08 01:00 UTC);
        assert!(minutes(&[], t).is_empty());
        let lines = minutes(&[stay(3, t, Some(t - Duration::minutes(1)))], t);
        assert_eq!(lines[0].present, Duration::ZERO);
    }
}
