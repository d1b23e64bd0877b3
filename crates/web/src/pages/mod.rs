//! Page handlers, one module per area.

pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod audit_view;
pub(crate) mod consultations;
pub(crate) mod documents;
pub(crate) mod exchange;
pub(crate) mod holidays;
pub(crate) mod home;
pub(crate) mod meetings;
pub(crate) mod notifications;
pub(crate) mod organisation;
pub(crate) mod petitions;
pub(crate) mod portal;
pub(crate) mod search;
pub(crate) mod sessions;
pub(crate) mod supervision;

/// The council the viewer is working in; an account without a role in
/// any council may not use council pages.
pub(crate) fn current(
    viewer: &crate::auth::Viewer,
) -> crate::error::AppResult<&nghitruong_domain::org::Council> {
    viewer
        .council
        .as_ref()
        .ok_or(crate::error::AppError::Forbidden)
}

/// The working-day calendar a council counts its due dates on: the
/// holidays of the law with the yearly arrangements in its rules.
pub(crate) fn calendar_of(
    council: &nghitruong_domain::org::Council,
) -> crate::error::AppResult<nghitruong_domain::calendar::WorkingCalendar> {
    council
        .rules
        .calendar()
        .map_err(|e| crate::error::AppError::Internal(e.into()))
}

/// A store refusal carries a reason in Vietnamese meant for the person who
/// asked; any other failure stays internal.
pub(crate) fn refusal(e: nghitruong_store::StoreError) -> crate::error::AppError {
    match e {
        nghitruong_store::StoreError::Conflict(reason) => {
            crate::error::AppError::BadRequest(reason)
        }
        other => other.into(),
    }
}

/// The day in Vietnam (UTC+7) at an instant; council dates are local days.
pub(crate) fn local_day(at: time::OffsetDateTime) -> time::Date {
    at.to_offset(time::macros::offset!(+7)).date()
}

/// An instant as Vietnamese people write it: 04/12/2026 08:30.
pub(crate) fn local_time(at: time::OffsetDateTime) -> String {
    let local = at.to_offset(time::macros::offset!(+7));
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        local.day(),
        u8::from(local.month()),
        local.year(),
        local.hour(),
        local.minute()
    )
}

/// A day as Vietnamese people write it: 22/03/2026.
pub(crate) fn local_date(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// A page number from a query string: missing, empty or nonsense gives the
/// first page, and it never goes past `max`.
pub(crate) fn page_number(raw: Option<&str>, max: i64) -> i64 {
    raw.and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, max)
}
