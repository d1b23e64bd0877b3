//! Checks of a status package.

use crate::codes::StatusCode;
use crate::model::StatusPackage;
use crate::path::single;
use crate::validate::Rule;
use crate::validate::common::Report;

const HEADER: &str = "MessageHeader";

pub(crate) fn check(status: &StatusPackage, r: &mut Report<'_>) {
    let h = &status.header;
    r.organization(&h.from, &single(HEADER, "From"));
    response_for(status, r);
    code(status, r);

    let timestamp = single(HEADER, "Timestamp");
    match h.timestamp {
        Some(at) => r.not_future(Some(at.date()), &timestamp),
        None => r.push(
            Rule::MissingField,
            timestamp,
            "time of the status (Timestamp) is missing",
        ),
    }
    if let Some(staff) = &h.staff {
        r.staff(staff, &single(HEADER, "StaffInfo"));
    }
}

/// The status must say which document it is about: the sender's code and
/// the document's id or số/ký hiệu, which is how the sender matches it.
fn response_for(status: &StatusPackage, r: &mut Report<'_>) {
    let rf = &status.header.response_for;
    let base = single(HEADER, "ResponseFor");
    r.organ_id(&rf.organ_id, &single(&base, "OrganId"));
    if rf.document_id.is_empty() && rf.code.is_empty() {
        r.push(
            Rule::MissingField,
            single(&base, "DocumentId"),
            "the document the status is about is not named (DocumentId or Code)",
        );
    }
    if rf.promulgation_date.is_none() {
        r.recommended(
            None,
            &single(&base, "PromulgationDate"),
            "promulgation date of the document (PromulgationDate)",
        );
    }
}

fn code(status: &StatusPackage, r: &mut Report<'_>) {
    let h = &status.header;
    let path = single(HEADER, "StatusCode");
    match &h.status_code {
        StatusCode::Other(raw) if raw.is_empty() => {
            r.push(
                Rule::MissingField,
                path,
                "status code (StatusCode) is empty",
            );
        }
        StatusCode::Other(raw) => r.push(
            Rule::UnknownStatusCode,
            path,
            format!("status code {raw:?} is not one of 01–06, 13, 15, 16"),
        ),
        StatusCode::Rejected if h.description.as_deref().is_none_or(str::is_empty) => r.push(
            Rule::RejectionWithoutReason,
            single(HEADER, "Description"),
            "a rejection (02) must give its reason in Description",
        ),
        _ => {}
    }
}
