//! Chất vấn — questions deputies put to officials (Điều 33.7, Luật 72/2025):
//! filed before or during the session, called by the chair, answered in
//! the hall or in writing, and recorded.

use crate::machine::TransitionError;
use crate::org::coded_enum;

coded_enum! {
    /// Trạng thái một câu hỏi chất vấn.
    QuestionStatus, "question status" {
        /// Đã gửi — waiting to be called.
        Filed = "da_gui", "Đã gửi";
        /// Đang chất vấn — at the microphone.
        Asking = "dang_chat_van", "Đang chất vấn";
        /// Đã trả lời.
        Answered = "da_tra_loi", "Đã trả lời";
        /// Không đưa vào phiên chất vấn (answered in writing later or set aside).
        Declined = "khong_dua_vao", "Không đưa vào phiên chất vấn";
        /// Đại biểu rút câu hỏi.
        Withdrawn = "da_rut", "Đã rút";
    }
}

coded_enum! {
    /// What can happen to a question.
    QuestionEvent, "question event" {
        /// The chair calls the deputy to ask.
        Call = "moi", "mời chất vấn";
        /// The answer is recorded (in the hall, or in writing).
        Answer = "tra_loi", "ghi nhận trả lời";
        /// The chair leaves it out of the questioning.
        Decline = "khong_dua_vao", "không đưa vào phiên chất vấn";
        /// The deputy withdraws it.
        Withdraw = "rut", "rút câu hỏi";
    }
}

impl QuestionStatus {
    /// The state after `event`, or why it cannot happen.
    pub fn on(self, event: QuestionEvent) -> Result<QuestionStatus, TransitionError> {
        use QuestionEvent as E;
        use QuestionStatus as S;
        let next = match (self, event) {
            (S::Filed, E::Call) => S::Asking,
            (S::Filed | S::Asking, E::Answer) => S::Answered,
            (S::Filed, E::Decline) => S::Declined,
            (S::Filed, E::Withdraw) => S::Withdrawn,
            _ => {
                return Err(TransitionError {
                    subject: "câu hỏi chất vấn",
                    state: self.label(),
                    event: event.label(),
                });
            }
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_question_state_and_event() {
        use QuestionStatus as S;
        // Call, Answer, Decline, Withdraw
        let table: &[(S, [Option<S>; 4])] = &[
            (
                S::Filed,
                [
                    Some(S::Asking),
                    Some(S::Answered),
                    Some(S::Declined),
                    Some(S::Withdrawn),
                ],
            ),
            (S::Asking, [None, Some(S::Answered), None, None]),
            (S::Answered, [None; 4]),
            (S::Declined, [None; 4]),
            (S::Withdrawn, [None; 4]),
        ];
        assert_eq!(table.len(), S::ALL.len());
        for (state, row) in table {
            for (event, want) in QuestionEvent::ALL.iter().zip(row) {
                assert_eq!(state.on(*event).ok(), *want, "{state:?} + {event:?}");
            }
        }
    }
}
