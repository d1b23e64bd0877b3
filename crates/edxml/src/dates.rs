//! Dates and timestamps as edXML writes them.
//!
//! The canonical forms are `yyyy/MM/dd` and `yyyy/MM/dd HH:mm:ss` (VNPT
//! library). Bkav and the legacy C# gateway write `dd/MM/yyyy[ HH:mm:ss]`,
//! and ISO dashes turn up too, so reading accepts all three orders; writing
//! always uses the canonical form. Timestamps carry no zone: the axis works
//! in Vietnam time (UTC+7).

use time::{Date, Month, PrimitiveDateTime, Time};

/// Reads a date: `yyyy/MM/dd`, `dd/MM/yyyy` or `yyyy-MM-dd`.
pub fn parse_date(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text.split(['/', '-']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (year, month, day) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
    if year.len() != 4 || month.is_empty() || month.len() > 2 || day.is_empty() || day.len() > 2 {
        return None;
    }
    let year: i32 = digits(year)?;
    let month = Month::try_from(digits::<u8>(month)?).ok()?;
    Date::from_calendar_date(year, month, digits(day)?).ok()
}

/// Reads a timestamp: a date as [`parse_date`] reads it, then a space or
/// `T`, then `HH:mm:ss` (a fraction of a second is dropped). A bare date
/// means midnight.
pub fn parse_timestamp(text: &str) -> Option<PrimitiveDateTime> {
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((date, time)) => (date, Some(time.trim_start())),
        None => (text, None),
    };
    let date = parse_date(date)?;
    let time = match time {
        Some(time) => parse_time(time)?,
        None => Time::MIDNIGHT,
    };
    Some(PrimitiveDateTime::new(date, time))
}

/// Writes a date as `yyyy/MM/dd`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}/{:02}/{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Writes a timestamp as `yyyy/MM/dd HH:mm:ss`.
pub fn format_timestamp(at: PrimitiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        format_date(at.date()),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Writes a date the way Vietnamese documents print it: `dd/MM/yyyy`.
pub fn format_date_vi(date: Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// Writes a timestamp the way Vietnamese text prints it: `dd/MM/yyyy HH:mm:ss`.
pub fn format_timestamp_vi(at: PrimitiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        format_date_vi(at.date()),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn parse_time(text: &str) -> Option<Time> {
    let text = text.split('.').next().unwrap_or(text);
    let parts: Vec<&str> = text.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m, s] => (h, m, *s),
        [h, m] => (h, m, "0"),
        _ => return None,
    };
    if [*h, *m, s].iter().any(|p| p.is_empty() || p.len() > 2) {
        return None;
    }
    Time::from_hms(digits(h)?, digits(m)?, digits(s)?).ok()
}

/// Parses ASCII digits only (no sign, no spaces).
fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn dates_are_read_in_every_order_seen_in_traffic() {
        assert_eq!(parse_date("2019/04/11"), Some(date!(2019 - 04 - 11)));
        assert_eq!(parse_date("11/04/2019"), Some(date!(2019 - 04 - 11)));
        assert_eq!(parse_date("2019-04-11"), Some(date!(2019 - 04 - 11)));
        assert_eq!(parse_date("1/4/2019"), Some(date!(2019 - 04 - 01)));
    }

    #[test]
    fn impossible_dates_are_not_dates() {
        assert_eq!(parse_date("2014/02/30"), None);
        assert_eq!(parse_date("2014/13/01"), None);
        assert_eq!(parse_date("14/02/01"), None);
        assert_eq!(parse_date("+201/02/01"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn timestamps_are_read_with_space_or_t_and_an_optional_fraction() {
        let at = datetime!(2018-09-28 17:25:11);

        assert_eq!(parse_timestamp("2018/09/28 17:25:11"), Some(at));
        assert_eq!(parse_timestamp("28/09/2018 17:25:11"), Some(at));
        assert_eq!(parse_timestamp("2018-09-28T17:25:11.250"), Some(at));
        assert_eq!(
            parse_timestamp("2018/09/28"),
            Some(datetime!(2018-09-28 00:00))
        );
        assert_eq!(parse_timestamp("2018/09/28 25:00:00"), None);
    }

    #[test]
    fn writing_uses_the_canonical_forms() {
        assert_eq!(format_date(date!(2019 - 04 - 01)), "2019/04/01");
        assert_eq!(
            format_timestamp(datetime!(2015-09-20 11:08:36)),
            "2015/09/20 11:08:36"
        );
        assert_eq!(format_date_vi(date!(2019 - 04 - 01)), "01/04/2019");
        assert_eq!(
            format_timestamp_vi(datetime!(2015-09-20 11:08:36)),
            "20/09/2015 11:08:36"
        );
    }
}
