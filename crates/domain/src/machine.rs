//! What every state machine of the domain shares: a refused transition
//! says, in Vietnamese, what was tried and from which state.

/// A transition the current state does not allow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Không thể {event} khi {subject} đang ở trạng thái “{state}”.")]
pub struct TransitionError {
    /// What the machine is about ("kỳ họp", "phiên biểu quyết").
    pub subject: &'static str,
    /// The state's label.
    pub state: &'static str,
    /// The event's label, as a verb phrase ("mở biểu quyết").
    pub event: &'static str,
}
