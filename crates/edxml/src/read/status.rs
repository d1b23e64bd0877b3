//! Reads the header of a status package.

use crate::codes::StatusCode;
use crate::error::ReadError;
use crate::model::StatusHeader;
use crate::read::el::El;
use crate::read::header::{organization, response_for};
use crate::read::trace::staff_info;

/// Reads `MessageHeader` of a status package; children may come in any
/// order. `From` and `ResponseFor` must be there: without them the status
/// cannot be tied to anyone or anything.
pub(crate) fn status_header(el: &El<'_>) -> Result<StatusHeader, ReadError> {
    Ok(StatusHeader {
        from: organization(&el.require("From")?)?,
        response_for: response_for(&el.require("ResponseFor")?)?,
        staff: el.child("StaffInfo").map(|s| staff_info(&s)),
        status_code: StatusCode::parse(el.require("StatusCode")?.text()),
        description: el.opt("Description"),
        timestamp: el.opt_timestamp("Timestamp")?,
    })
}
