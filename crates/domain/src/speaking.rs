//! Đăng ký phát biểu — the speaking queue of a session: deputies ask to
//! speak or to debate, the chair calls, declines and ends, and a timer runs
//! for whoever has the floor.

use time::{Duration, OffsetDateTime};

use crate::machine::TransitionError;
use crate::org::coded_enum;

coded_enum! {
    /// Loại đăng ký.
    SpeakKind, "speaking kind" {
        /// Phát biểu.
        Speak = "phat_bieu", "Phát biểu";
        /// Tranh luận — answers another speaker.
        Debate = "tranh_luan", "Tranh luận";
    }
}

coded_enum! {
    /// Trạng thái một lượt đăng ký phát biểu.
    SpeakStatus, "speaking status" {
        /// Đang chờ.
        Waiting = "dang_cho", "Đang chờ";
        /// Đang phát biểu — has the floor.
        Speaking = "dang_phat_bieu", "Đang phát biểu";
        /// Đã phát biểu.
        Done = "da_phat_bieu", "Đã phát biểu";
        /// Chủ tọa không mời.
        Declined = "khong_moi", "Chủ tọa không mời";
        /// Rút đăng ký.
        Withdrawn = "rut", "Đã rút đăng ký";
    }
}

coded_enum! {
    /// What can happen to a request.
    SpeakEvent, "speaking event" {
        /// The chair gives the floor.
        Call = "moi", "mời phát biểu";
        /// The speaker finishes or the chair ends it.
        End = "ket_thuc", "kết thúc phát biểu";
        /// The chair declines the request.
        Decline = "khong_moi", "không mời phát biểu";
        /// The deputy withdraws it.
        Withdraw = "rut", "rút đăng ký";
    }
}

impl SpeakStatus {
    /// The state after `event`, or why it cannot happen.
    pub fn on(self, event: SpeakEvent) -> Result<SpeakStatus, TransitionError> {
        use SpeakEvent as E;
        use SpeakStatus as S;
        let next = match (self, event) {
            (S::Waiting, E::Call) => S::Speaking,
            (S::Speaking, E::End) => S::Done,
            (S::Waiting, E::Decline) => S::Declined,
            (S::Waiting, E::Withdraw) => S::Withdrawn,
            _ => {
                return Err(TransitionError {
                    subject: "đăng ký phát biểu",
                    state: self.label(),
                    event: event.label(),
                });
            }
        };
        Ok(next)
    }

    /// Whether the request is still in the queue or at the microphone.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Waiting | Self::Speaking)
    }
}

/// Seconds left of a speaker's time; negative once over.
pub fn seconds_left(started: OffsetDateTime, allotted_seconds: u32, now: OffsetDateTime) -> i64 {
    (started + Duration::seconds(i64::from(allotted_seconds)) - now).whole_seconds()
}

/// "07:00", or "-00:15" once over time.
pub fn clock_text(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", s / 60, s % 60)
}

/// Why a request to speak was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpeakRefusal {
    /// The session is not running.
    #[error("Kỳ họp chưa khai mạc hoặc đã bế mạc.")]
    NotLive,
    /// The deputy already has an open request.
    #[error("Đại biểu đã có một đăng ký đang chờ; hãy rút đăng ký cũ trước khi đăng ký mới.")]
    AlreadyQueued,
}

/// Checks a new request against the session and the deputy's open requests.
pub fn check_request(
    session_live: bool,
    open_requests_of_deputy: usize,
) -> Result<(), SpeakRefusal> {
    if !session_live {
        return Err(SpeakRefusal::NotLive);
    }
    if open_requests_of_deputy > 0 {
        return Err(SpeakRefusal::AlreadyQueued);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn every_speaking_state_and_event() {
        use SpeakStatus as S;
        // Call, End, Decline, Withdraw
        let table: &[(S, [Option<S>; 4])] = &[
            (
                S::Waiting,
                [
                    Some(S::Speaking),
                    None,
                    Some(S::Declined),
                    Some(S::Withdrawn),
                ],
            ),
            (S::Speaking, [None, Some(S::Done), None, None]),
            (S::Done, [None; 4]),
            (S::Declined, [None; 4]),
            (S::Withdrawn, [None; 4]),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (state, row) in table {
            for (event, want) in SpeakEvent::ALL.iter().zip(row) {
                assert_eq!(state.on(*event).ok(), *want, "{state:?} + {event:?}");
            }
        }
        let open: Vec<_> = S::ALL.iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, vec![&S::Waiting, &S::Speaking]);
    }

    #[test]
    fn the_timer_counts_down_and_past_zero() {
        let start = datetime!(2026-12-08 02:00 UTC);
        assert_eq!(seconds_left(start, 420, start), 420);
        assert_eq!(
            seconds_left(start, 420, start + Duration::seconds(435)),
            -15
        );
        assert_eq!(clock_text(420), "07:00");
        assert_eq!(clock_text(-15), "-00:15");
        assert_eq!(clock_text(5), "00:05");
    }

    #[test]
    fn one_open_request_per_deputy_while_the_session_runs() {
        assert_eq!(check_request(true, 0), Ok(()));
        assert_eq!(check_request(false, 0), Err(SpeakRefusal::NotLive));
        assert_eq!(check_request(true, 1), Err(SpeakRefusal::AlreadyQueued));
    }
}
