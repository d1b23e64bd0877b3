//! Xin ý kiến đại biểu bằng văn bản — a written consultation of the deputies
//! between sessions: the office drafts a question with its documents and a
//! deadline, sends it, each deputy in office answers agree, disagree or
//! another opinion (and may change the answer until the deadline), and
//! after the deadline the result is measured by the council's rule against
//! the deputies in office.
//!
//! ```text
//! Draft --send (deadline still ahead)--> Sent --close (deadline reached)--> Closed
//! Sent  --answer (before the deadline)--> Sent
//! ```
//!
//! Time is passed in: every check that depends on the deadline takes `now`.

use time::OffsetDateTime;

use crate::machine::TransitionError;
use crate::org::coded_enum;
use crate::rules::MajorityRule;

coded_enum! {
    /// Trạng thái phiếu xin ý kiến.
    ConsultationStatus, "consultation status" {
        /// Dự thảo — the office is preparing it; deputies do not see it.
        Draft = "du_thao", "Dự thảo";
        /// Đã gửi — deputies answer until the deadline.
        Sent = "da_gui", "Đang lấy ý kiến";
        /// Đã kết thúc — the result stands.
        Closed = "da_ket_thuc", "Đã kết thúc";
    }
}

coded_enum! {
    /// What can happen to a consultation.
    ConsultationEvent, "consultation event" {
        /// The office sends it to the deputies.
        Send = "gui", "gửi xin ý kiến";
        /// A deputy answers or changes their answer.
        Answer = "tra_loi", "gửi ý kiến";
        /// The office closes it once the deadline has passed.
        Close = "ket_thuc", "kết thúc lấy ý kiến";
    }
}

coded_enum! {
    /// Ý kiến của đại biểu.
    Opinion, "opinion" {
        /// Đồng ý.
        Agree = "dong_y", "Đồng ý";
        /// Không đồng ý.
        Disagree = "khong_dong_y", "Không đồng ý";
        /// Ý kiến khác — needs the opinion written out.
        Other = "y_kien_khac", "Ý kiến khác";
    }
}

/// Why something was refused; shown as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConsultationError {
    /// The state does not allow it.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Sending with a deadline already past.
    #[error("Thời hạn trả lời phải sau thời điểm gửi.")]
    DeadlineNotAhead,
    /// Answering after the deadline.
    #[error("Đã hết thời hạn gửi ý kiến.")]
    DeadlinePassed,
    /// Closing before the deadline.
    #[error("Chưa đến thời hạn trả lời nên chưa thể kết thúc lấy ý kiến.")]
    DeadlineNotReached,
    /// Only deputies in office answer.
    #[error("Chỉ đại biểu đang giữ nhiệm vụ mới được gửi ý kiến.")]
    NotEligible,
    /// "Ý kiến khác" with nothing written.
    #[error("Vui lòng ghi rõ ý kiến khác.")]
    OpinionMissing,
}

impl ConsultationStatus {
    /// The state after `event` at `now`, with `deadline`, or why not.
    pub fn on(
        self,
        event: ConsultationEvent,
        deadline: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ConsultationStatus, ConsultationError> {
        use ConsultationEvent as E;
        use ConsultationStatus as S;
        match (self, event) {
            (S::Draft, E::Send) if deadline <= now => Err(ConsultationError::DeadlineNotAhead),
            (S::Draft, E::Send) => Ok(S::Sent),
            (S::Sent, E::Answer) if now >= deadline => Err(ConsultationError::DeadlinePassed),
            (S::Sent, E::Answer) => Ok(S::Sent),
            (S::Sent, E::Close) if now < deadline => Err(ConsultationError::DeadlineNotReached),
            (S::Sent, E::Close) => Ok(S::Closed),
            _ => Err(TransitionError {
                subject: "phiếu xin ý kiến",
                state: self.label(),
                event: event.label(),
            }
            .into()),
        }
    }

    /// What deputies are shown: a sent consultation whose deadline has
    /// passed reads as closed even before the office closes it.
    pub fn as_seen(self, deadline: OffsetDateTime, now: OffsetDateTime) -> ConsultationStatus {
        match self {
            Self::Sent if now >= deadline => Self::Closed,
            other => other,
        }
    }

    /// Whether deputies see it at all.
    pub fn is_visible_to_deputies(self) -> bool {
        self != Self::Draft
    }
}

/// Checks a deputy's answer: the consultation takes answers now, the
/// deputy holds office, and "ý kiến khác" says what it is.
pub fn check_answer(
    status: ConsultationStatus,
    deadline: OffsetDateTime,
    now: OffsetDateTime,
    holds_office: bool,
    opinion: Opinion,
    text: &str,
) -> Result<(), ConsultationError> {
    status.on(ConsultationEvent::Answer, deadline, now)?;
    if !holds_office {
        return Err(ConsultationError::NotEligible);
    }
    if opinion == Opinion::Other && text.trim().is_empty() {
        return Err(ConsultationError::OpinionMissing);
    }
    Ok(())
}

/// Kết quả xin ý kiến.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsultationResult {
    /// Đồng ý.
    pub agree: u32,
    /// Không đồng ý.
    pub disagree: u32,
    /// Ý kiến khác.
    pub other: u32,
    /// Deputies in office who did not answer.
    pub not_answered: u32,
    /// Deputies in office: the denominator.
    pub in_office: u32,
    /// The rule applied.
    pub rule: MajorityRule,
    /// Agreements needed.
    pub threshold: u32,
    /// Whether the proposal is approved.
    pub approved: bool,
}

/// The result from the deputies' last answers: only answers of deputies
/// in office count (`answers` gives each one's opinion and whether they
/// hold office), measured by `rule` against the number in office.
pub fn result(
    answers: impl IntoIterator<Item = (Opinion, bool)>,
    in_office: u32,
    rule: MajorityRule,
) -> ConsultationResult {
    let (mut agree, mut disagree, mut other) = (0u32, 0u32, 0u32);
    for (opinion, holds_office) in answers {
        if !holds_office {
            continue;
        }
        match opinion {
            Opinion::Agree => agree += 1,
            Opinion::Disagree => disagree += 1,
            Opinion::Other => other += 1,
        }
    }
    let answered = agree + disagree + other;
    ConsultationResult {
        agree,
        disagree,
        other,
        not_answered: in_office.saturating_sub(answered),
        in_office,
        rule,
        threshold: rule.threshold(in_office),
        approved: rule.passes(agree, in_office),
    }
}

/// What the scheduler owes a consultation at a moment: a reminder to the
/// deputies who have not answered, or the result to the office.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsultationNotice {
    /// Nhắc trả lời: this many calendar days (one of the council's
    /// reminder days) or fewer remain before the deadline.
    Reminder(u32),
    /// Báo kết quả: the deadline has passed, the result stands.
    Result,
}

impl ConsultationNotice {
    /// A short stable name for the notice, part of its de-duplication key.
    pub fn key(self) -> String {
        match self {
            Self::Reminder(d) => format!("nhac-{d}"),
            Self::Result => "ket-qua".to_owned(),
        }
    }
}

/// The notice due for a consultation in `status` with `deadline` at `now`,
/// given the council's reminder days (`days_before`, calendar days counted
/// in Vietnam time to the deadline's own day): nothing for a draft; once
/// the deadline has passed (whether or not the office has closed it) the
/// result; before it, the nearest reminder day already reached, so a server
/// stopped for a while sends the reminder that matters now rather than
/// every one it missed; `None` before the first reminder day.
pub fn notice_due(
    status: ConsultationStatus,
    deadline: OffsetDateTime,
    now: OffsetDateTime,
    days_before: &[u32],
) -> Option<ConsultationNotice> {
    match status {
        ConsultationStatus::Draft => None,
        _ if now >= deadline => Some(ConsultationNotice::Result),
        ConsultationStatus::Closed => Some(ConsultationNotice::Result),
        ConsultationStatus::Sent => {
            let day = |t: OffsetDateTime| t.to_offset(crate::clock::VIETNAM).date();
            let left = (day(deadline) - day(now)).whole_days();
            days_before
                .iter()
                .copied()
                .filter(|&d| left <= i64::from(d))
                .min()
                .map(ConsultationNotice::Reminder)
        }
    }
}

/// Who a reminder goes to: the deputies in office (`in_office`) who have
/// not answered (`answered`), in the order given.
pub fn not_answered(in_office: &[i64], answered: &[i64]) -> Vec<i64> {
    in_office
        .iter()
        .copied()
        .filter(|p| !answered.contains(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-12-15 02:00 UTC);

    #[test]
    fn every_state_and_event() {
        use ConsultationEvent as E;
        use ConsultationStatus as S;
        let ahead = NOW + Duration::days(7);
        let past = NOW - Duration::minutes(1);
        for status in S::ALL {
            for event in E::ALL {
                for (deadline, label) in [(ahead, "ahead"), (past, "past"), (NOW, "now")] {
                    let got = status.on(*event, deadline, NOW);
                    let want = match (status, event, label) {
                        (S::Draft, E::Send, "ahead") => Ok(S::Sent),
                        (S::Draft, E::Send, _) => Err(ConsultationError::DeadlineNotAhead),
                        (S::Sent, E::Answer, "ahead") => Ok(S::Sent),
                        (S::Sent, E::Answer, _) => Err(ConsultationError::DeadlinePassed),
                        (S::Sent, E::Close, "ahead") => Err(ConsultationError::DeadlineNotReached),
                        (S::Sent, E::Close, _) => Ok(S::Closed),
                        _ => Err(ConsultationError::Transition(TransitionError {
                            subject: "phiếu xin ý kiến",
                            state: status.label(),
                            event: event.label(),
                        })),
                    };
                    assert_eq!(got, want, "{status:?} {event:?} deadline {label}");
                }
            }
        }
    }

    #[test]
    fn refusals_read_in_vietnamese() {
        let e = ConsultationStatus::Closed
            .on(ConsultationEvent::Answer, NOW, NOW)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Không thể gửi ý kiến khi phiếu xin ý kiến đang ở trạng thái “Đã kết thúc”."
        );
    }

    #[test]
    fn deputies_see_a_sent_consultation_closed_once_its_deadline_passes() {
        let deadline = NOW;
        let s = ConsultationStatus::Sent;
        assert_eq!(
            s.as_seen(deadline, NOW - Duration::seconds(1)),
            ConsultationStatus::Sent
        );
        assert_eq!(s.as_seen(deadline, NOW), ConsultationStatus::Closed);
        assert_eq!(
            ConsultationStatus::Draft.as_seen(deadline, NOW + Duration::days(1)),
            ConsultationStatus::Draft
        );
        assert!(!ConsultationStatus::Draft.is_visible_to_deputies());
        assert!(ConsultationStatus::Sent.is_visible_to_deputies());
        assert!(ConsultationStatus::Closed.is_visible_to_deputies());
    }

    #[test]
    fn answers_are_checked() {
        let ahead = NOW + Duration::days(1);
        let sent = ConsultationStatus::Sent;
        assert_eq!(
            check_answer(sent, ahead, NOW, true, Opinion::Agree, ""),
            Ok(())
        );
        assert_eq!(
            check_answer(sent, ahead, NOW, false, Opinion::Agree, ""),
            Err(ConsultationError::NotEligible)
        );
        assert_eq!(
            check_answer(sent, ahead, NOW, true, Opinion::Other, "  "),
            Err(ConsultationError::OpinionMissing)
        );
        assert_eq!(
            check_answer(
                sent,
                ahead,
                NOW,
                true,
                Opinion::Other,
                "Đề nghị lùi thời điểm áp dụng"
            ),
            Ok(())
        );
        assert_eq!(
            check_answer(sent, NOW, NOW, true, Opinion::Agree, ""),
            Err(ConsultationError::DeadlinePassed)
        );
        assert!(
            check_answer(
                ConsultationStatus::Draft,
                ahead,
                NOW,
                true,
                Opinion::Agree,
                ""
            )
            .is_err()
        );
    }

    #[test]
    fn the_result_follows_the_rule_on_deputies_in_office() {
        let many = |agree: usize, disagree: usize, other: usize| {
            std::iter::repeat_n((Opinion::Agree, true), agree)
                .chain(std::iter::repeat_n((Opinion::Disagree, true), disagree))
                .chain(std::iter::repeat_n((Opinion::Other, true), other))
                .collect::<Vec<_>>()
        };
        // 84 in office: more than half is 43.
        let r = result(many(43, 20, 5), 84, MajorityRule::MoreThanHalf);
        assert_eq!(
            r,
            ConsultationResult {
                agree: 43,
                disagree: 20,
                other: 5,
                not_answered: 16,
                in_office: 84,
                rule: MajorityRule::MoreThanHalf,
                threshold: 43,
                approved: true,
            }
        );
        assert!(!result(many(42, 0, 0), 84, MajorityRule::MoreThanHalf).approved);
        // A tie of an even council is not more than half.
        assert!(!result(many(42, 42, 0), 84, MajorityRule::MoreThanHalf).approved);
        // Two thirds of 84 is 56; more than two thirds needs 57.
        assert!(result(many(56, 0, 0), 84, MajorityRule::AtLeastTwoThirds).approved);
        assert!(!result(many(55, 0, 0), 84, MajorityRule::AtLeastTwoThirds).approved);
        assert!(!result(many(56, 0, 0), 84, MajorityRule::MoreThanTwoThirds).approved);
        let r = result(many(57, 0, 0), 84, MajorityRule::MoreThanTwoThirds);
        assert_eq!((r.threshold, r.approved), (57, true));
        // An answer from someone no longer in office does not count.
        let mut left = many(43, 0, 0);
        left[0].1 = false;
        let r = result(left, 84, MajorityRule::MoreThanHalf);
        assert_eq!((r.agree, r.approved, r.not_answered), (42, false, 42));
        // Nobody in office: nothing passes, nothing underflows.
        let r = result(many(0, 0, 0), 0, MajorityRule::MoreThanHalf);
        assert_eq!((r.approved, r.not_answered), (false, 0));
    }

    #[test]
    fn reminders_fall_on_the_councils_days_then_the_result_once() {
        use ConsultationNotice as N;
        // Deadline 17:00 on 20/12/2026 in Vietnam (10:00 UTC).
        let deadline = datetime!(2026-12-20 10:00 UTC);
        let days = [3, 1];
        let sent = ConsultationStatus::Sent;
        // 09:00 in Vietnam each day, walking from the 10th to the 23rd.
        let mut at = datetime!(2026-12-10 02:00 UTC);
        let mut walk = Vec::new();
        while at <= datetime!(2026-12-23 02:00 UTC) {
            walk.push((at.day(), notice_due(sent, deadline, at, &days)));
            at += Duration::days(1);
        }
        assert_eq!(
            walk,
            vec![
                (10, None),
                (11, None),
                (12, None),
                (13, None),
                (14, None),
                (15, None),
                (16, None),
                (17, Some(N::Reminder(3))),
                (18, Some(N::Reminder(3))),
                (19, Some(N::Reminder(1))),
                (20, Some(N::Reminder(1))),
                (21, Some(N::Result)),
                (22, Some(N::Result)),
                (23, Some(N::Result)),
            ]
        );
        // The day is Vietnam's: 23:30 on the 16th in Vietnam is 16:30 UTC,
        // still four days before; 00:30 on the 17th is three.
        assert_eq!(
            notice_due(sent, deadline, datetime!(2026-12-16 16:29 UTC), &days),
            None
        );
        assert_eq!(
            notice_due(sent, deadline, datetime!(2026-12-16 17:30 UTC), &days),
            Some(N::Reminder(3))
        );
        // The result from the deadline's instant, not its day.
        assert_eq!(
            notice_due(sent, deadline, deadline - Duration::seconds(1), &days),
            Some(N::Reminder(1))
        );
        assert_eq!(notice_due(sent, deadline, deadline, &days), Some(N::Result));
        // Closed by the office: the result; a draft: nothing, ever.
        for at in [
            deadline - Duration::days(2),
            deadline,
            deadline + Duration::days(2),
        ] {
            assert_eq!(
                notice_due(ConsultationStatus::Draft, deadline, at, &days),
                None
            );
            assert_eq!(
                notice_due(ConsultationStatus::Closed, deadline, at, &days),
                Some(N::Result)
            );
        }
        // No reminder days: only the result.
        assert_eq!(
            notice_due(sent, deadline, deadline - Duration::hours(1), &[]),
            None
        );
        // A deadline set inside the reminder window: the nearest day at once.
        assert_eq!(
            notice_due(sent, deadline, deadline - Duration::hours(2), &[7, 3]),
            Some(N::Reminder(3))
        );
        assert_eq!(N::Reminder(3).key(), "nhac-3");
        assert_eq!(N::Result.key(), "ket-qua");
    }

    #[test]
    fn reminders_go_to_those_in_office_who_have_not_answered() {
        assert_eq!(not_answered(&[4, 1, 9, 7], &[9, 4, 30]), vec![1, 7]);
        assert_eq!(not_answered(&[1, 2], &[1, 2]), Vec::<i64>::new());
        assert_eq!(not_answered(&[], &[1]), Vec::<i64>::new());
    }
}
