//! The header of a status package.

use time::PrimitiveDateTime;

use crate::codes::StatusCode;
use crate::model::{Organization, ResponseFor, StaffInfo};

/// MessageHeader of a status package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusHeader {
    /// From — the unit reporting the status.
    pub from: Organization,
    /// ResponseFor — the document the status is about.
    pub response_for: ResponseFor,
    /// StaffInfo — who changed the status.
    pub staff: Option<StaffInfo>,
    /// StatusCode — the status reported.
    pub status_code: StatusCode,
    /// Description — free text, e.g. the reason for a rejection.
    pub description: Option<String>,
    /// Timestamp — when the status changed (Vietnam time).
    pub timestamp: Option<PrimitiveDateTime>,
}
