//! Kỳ họp — a council session, its life cycle and its agenda.
//!
//! A session is numbered per term ("Kỳ họp thứ 7, HĐND tỉnh khóa XIX"),
//! goes from draft through convened and in progress to closed and archived,
//! and runs an ordered agenda whose current item the chair moves.

use crate::machine::TransitionError;
use crate::org::coded_enum;

coded_enum! {
    /// Loại kỳ họp.
    SessionKind, "session kind" {
        /// Kỳ họp thường lệ — at least two a year.
        Regular = "thuong_le", "Kỳ họp thường lệ";
        /// Kỳ họp chuyên đề.
        Thematic = "chuyen_de", "Kỳ họp chuyên đề";
        /// Kỳ họp giải quyết công việc phát sinh đột xuất.
        AdHoc = "dot_xuat", "Kỳ họp giải quyết công việc phát sinh đột xuất";
        /// Kỳ họp thứ nhất of a new term.
        First = "thu_nhat", "Kỳ họp thứ nhất";
    }
}

coded_enum! {
    /// Trạng thái kỳ họp.
    SessionStatus, "session status" {
        /// Nháp — being prepared by the office.
        Draft = "nhap", "Nháp";
        /// Đã triệu tập — convened; deputies see it.
        Convened = "da_trieu_tap", "Đã triệu tập";
        /// Đang diễn ra.
        InProgress = "dang_dien_ra", "Đang diễn ra";
        /// Đã bế mạc.
        Closed = "da_be_mac", "Đã bế mạc";
        /// Đã lưu trữ — read-only.
        Archived = "luu_tru", "Lưu trữ";
        /// Đã hủy — called off before it opened.
        Cancelled = "da_huy", "Đã hủy";
    }
}

coded_enum! {
    /// What can happen to a session.
    SessionEvent, "session event" {
        /// Issue the convening decision.
        Convene = "trieu_tap", "triệu tập";
        /// Open the session (khai mạc).
        Open = "khai_mac", "khai mạc";
        /// Close the session (bế mạc).
        Close = "be_mac", "bế mạc";
        /// Archive it.
        Archive = "luu_tru", "lưu trữ";
        /// Call it off.
        Cancel = "huy", "hủy";
        /// Take a convened session back to draft to change it.
        Withdraw = "rut_ve_nhap", "rút về nháp";
    }
}

impl SessionStatus {
    /// The state after `event`, or why it cannot happen.
    pub fn on(self, event: SessionEvent) -> Result<SessionStatus, TransitionError> {
        use SessionEvent as E;
        use SessionStatus as S;
        let next = match (self, event) {
            (S::Draft, E::Convene) => S::Convened,
            (S::Convened, E::Withdraw) => S::Draft,
            (S::Convened, E::Open) => S::InProgress,
            (S::InProgress, E::Close) => S::Closed,
            (S::Closed, E::Archive) => S::Archived,
            (S::Draft | S::Convened, E::Cancel) => S::Cancelled,
            _ => {
                return Err(TransitionError {
                    subject: "kỳ họp",
                    state: self.label(),
                    event: event.label(),
                });
            }
        };
        Ok(next)
    }

    /// Whether deputies and guests see the session.
    pub fn is_visible_to_deputies(self) -> bool {
        !matches!(self, Self::Draft | Self::Cancelled)
    }

    /// Whether the chair can run it live (agenda, speakers, votes).
    pub fn is_live(self) -> bool {
        self == Self::InProgress
    }

    /// Whether the agenda and documents may still change.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Convened | Self::InProgress)
    }
}

/// Bế mạc waits for the vote under way: a session closed with a vote open
/// would take ballots after its end. Other events do not depend on votes.
pub fn check_votes(event: SessionEvent, vote_open: bool) -> Result<(), &'static str> {
    match (event, vote_open) {
        (SessionEvent::Close, true) => {
            Err("Còn lượt biểu quyết đang mở; hãy kết thúc biểu quyết trước khi bế mạc.")
        }
        _ => Ok(()),
    }
}

/// The number the next session of a term gets: one more than the highest
/// so far. Numbers never repeat, even after a session is cancelled.
pub fn next_session_number(existing: &[u32]) -> u32 {
    existing.iter().copied().max().unwrap_or(0) + 1
}

/// "Kỳ họp thứ 7" or, for the first session, "Kỳ họp thứ nhất".
pub fn session_title(number: u32) -> String {
    match number {
        1 => "Kỳ họp thứ nhất".into(),
        n => format!("Kỳ họp thứ {n}"),
    }
}

coded_enum! {
    /// Loại nội dung trong chương trình kỳ họp.
    AgendaKind, "agenda item kind" {
        /// Khai mạc.
        Opening = "khai_mac", "Khai mạc";
        /// Báo cáo, tờ trình.
        Report = "bao_cao", "Báo cáo, tờ trình";
        /// Báo cáo thẩm tra của Ban.
        VerificationReport = "tham_tra", "Báo cáo thẩm tra";
        /// Thảo luận tổ.
        GroupDiscussion = "thao_luan_to", "Thảo luận tổ";
        /// Thảo luận tại hội trường.
        HallDiscussion = "thao_luan_hoi_truong", "Thảo luận tại hội trường";
        /// Chất vấn và trả lời chất vấn.
        Questioning = "chat_van", "Chất vấn và trả lời chất vấn";
        /// Bầu cử, miễn nhiệm, bãi nhiệm.
        Election = "bau_cu", "Bầu cử, miễn nhiệm, bãi nhiệm";
        /// Biểu quyết thông qua nghị quyết.
        Vote = "bieu_quyet", "Biểu quyết thông qua nghị quyết";
        /// Bế mạc.
        Closing = "be_mac", "Bế mạc";
    }
}

impl AgendaKind {
    /// Whether items of this kind carry a vote.
    pub fn has_vote(self) -> bool {
        matches!(self, Self::Vote | Self::Election)
    }
}

coded_enum! {
    /// Trạng thái một nội dung của chương trình.
    AgendaStatus, "agenda item status" {
        /// Chưa thực hiện.
        Pending = "chua_thuc_hien", "Chưa thực hiện";
        /// Đang thực hiện — the current item.
        Current = "dang_thuc_hien", "Đang thực hiện";
        /// Đã xong.
        Done = "da_xong", "Đã xong";
        /// Bỏ qua hoặc hoãn.
        Skipped = "bo_qua", "Bỏ qua";
    }
}

/// One item of the agenda as the chair drives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgendaEntry {
    /// Store identifier.
    pub id: i64,
    /// Position in the agenda, from 1.
    pub position: u32,
    /// Where it is.
    pub status: AgendaStatus,
}

/// Makes `id` the current item: the item that was current becomes done,
/// and only a pending or skipped item (taken up again) can become current.
///
/// Returns the ids whose status changed, with their new status.
pub fn move_to(
    agenda: &[AgendaEntry],
    id: i64,
) -> Result<Vec<(i64, AgendaStatus)>, TransitionError> {
    let target = agenda.iter().find(|e| e.id == id).ok_or(TransitionError {
        subject: "chương trình",
        state: "không có nội dung này",
        event: "chuyển nội dung",
    })?;
    if !matches!(target.status, AgendaStatus::Pending | AgendaStatus::Skipped) {
        return Err(TransitionError {
            subject: "nội dung",
            state: target.status.label(),
            event: "bắt đầu",
        });
    }
    let mut changes: Vec<(i64, AgendaStatus)> = agenda
        .iter()
        .filter(|e| e.status == AgendaStatus::Current)
        .map(|e| (e.id, AgendaStatus::Done))
        .collect();
    changes.push((id, AgendaStatus::Current));
    Ok(changes)
}

/// The item after the current one that is still pending, in order.
pub fn next_pending(agenda: &[AgendaEntry]) -> Option<i64> {
    let current = agenda
        .iter()
        .find(|e| e.status == AgendaStatus::Current)
        .map(|e| e.position);
    let mut pending: Vec<&AgendaEntry> = agenda
        .iter()
        .filter(|e| e.status == AgendaStatus::Pending)
        .filter(|e| current.is_none_or(|c| e.position > c))
        .collect();
    pending.sort_by_key(|e| e.position);
    pending.first().map(|e| e.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_closing_waits_for_an_open_vote() {
        for event in SessionEvent::ALL {
            assert!(check_votes(*event, false).is_ok());
            assert_eq!(
                check_votes(*event, true).is_err(),
                *event == SessionEvent::Close,
                "{event:?}"
            );
        }
    }

    /// Every (state, event) pair, written out: `-` where refused.
    #[test]
    fn every_session_state_and_event() {
        use SessionStatus as S;
        // Convene, Open, Close, Archive, Cancel, Withdraw
        let table: &[(S, [Option<S>; 6])] = &[
            (
                S::Draft,
                [
                    Some(S::Convened),
                    None,
                    None,
                    None,
                    Some(S::Cancelled),
                    None,
                ],
            ),
            (
                S::Convened,
                [
                    None,
                    Some(S::InProgress),
                    None,
                    None,
                    Some(S::Cancelled),
                    Some(S::Draft),
                ],
            ),
            (
                S::InProgress,
                [None, None, Some(S::Closed), None, None, None],
            ),
            (S::Closed, [None, None, None, Some(S::Archived), None, None]),
            (S::Archived, [None; 6]),
            (S::Cancelled, [None; 6]),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (state, row) in table {
            for (event, want) in SessionEvent::ALL.iter().zip(row) {
                assert_eq!(state.on(*event).ok(), *want, "{state:?} + {event:?}");
            }
        }
    }

    #[test]
    fn a_refused_transition_explains_itself_in_vietnamese() {
        let err = SessionStatus::Archived.on(SessionEvent::Open).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Không thể khai mạc khi kỳ họp đang ở trạng thái “Lưu trữ”."
        );
    }

    #[test]
    fn visibility_and_liveness() {
        assert!(!SessionStatus::Draft.is_visible_to_deputies());
        assert!(SessionStatus::Convened.is_visible_to_deputies());
        assert!(SessionStatus::InProgress.is_live());
        assert!(!SessionStatus::Closed.is_live());
        assert!(!SessionStatus::Archived.is_editable());
    }

    #[test]
    fn sessions_are_numbered_per_term_without_reuse() {
        assert_eq!(next_session_number(&[]), 1);
        assert_eq!(next_session_number(&[1, 2, 5]), 6);
        assert_eq!(session_title(1), "Kỳ họp thứ nhất");
        assert_eq!(session_title(7), "Kỳ họp thứ 7");
    }

    fn agenda() -> Vec<AgendaEntry> {
        (1..=4)
            .map(|i| AgendaEntry {
                id: i64::from(i) * 10,
                position: i,
                status: AgendaStatus::Pending,
            })
            .collect()
    }

    #[test]
    fn moving_the_agenda_finishes_the_current_item() {
        let mut a = agenda();
        assert_eq!(move_to(&a, 10).unwrap(), vec![(10, AgendaStatus::Current)]);
        a[0].status = AgendaStatus::Current;
        assert_eq!(next_pending(&a), Some(20));
        assert_eq!(
            move_to(&a, 30).unwrap(),
            vec![(10, AgendaStatus::Done), (30, AgendaStatus::Current)]
        );
        a[0].status = AgendaStatus::Done;
        a[2].status = AgendaStatus::Current;
        assert!(
            move_to(&a, 10).is_err(),
            "a finished item is not taken up again"
        );
        assert!(
            move_to(&a, 30).is_err(),
            "the current item cannot start again"
        );
        assert!(move_to(&a, 99).is_err());
        assert_eq!(
            next_pending(&a),
            Some(40),
            "items skipped over stay pending"
        );
        a[1].status = AgendaStatus::Skipped;
        assert!(move_to(&a, 20).is_ok(), "a skipped item can be taken up");
    }

    #[test]
    fn only_votes_and_elections_carry_a_ballot() {
        let voting: Vec<_> = AgendaKind::ALL.iter().filter(|k| k.has_vote()).collect();
        assert_eq!(voting, vec![&AgendaKind::Election, &AgendaKind::Vote]);
    }
}
