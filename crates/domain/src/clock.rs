//! Time as a parameter: production passes [`SystemClock`], tests a
//! [`FixedClock`].

use std::sync::Mutex;

use time::OffsetDateTime;

/// A source of the current instant.
pub trait Clock: Send + Sync {
    /// The current instant in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The real clock of the machine.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        #[allow(clippy::disallowed_methods)] // this is the one place allowed to read the clock
        OffsetDateTime::now_utc()
    }
}

/// A clock that says what tests tell it to.
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Mutex::new(at))
    }

    /// Move the clock forward by `by`.
    pub fn advance(&self, by: time::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Milliseconds since the Unix epoch, the form the store keeps instants in.
pub fn to_millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The inverse of [`to_millis`]; out-of-range values clamp to the epoch.
pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Giờ Việt Nam (UTC+7), the offset every date a council writes is in.
pub const VIETNAM: time::UtcOffset = time::macros::offset!(+7);

/// The calendar day in Vietnam at an instant.
pub fn vietnam_day(at: OffsetDateTime) -> time::Date {
    at.to_offset(VIETNAM).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn millis_round_trip() {
        let at = datetime!(2026-12-04 08:30:15.123 UTC);
        assert_eq!(from_millis(to_millis(at)), at);
    }

    #[test]
    fn the_vietnamese_day_starts_at_17_utc() {
        use time::macros::date;
        assert_eq!(
            vietnam_day(datetime!(2026-12-04 16:59 UTC)),
            date!(2026 - 12 - 04)
        );
        assert_eq!(
            vietnam_day(datetime!(2026-12-04 17:00 UTC)),
            date!(2026 - 12 - 05)
        );
    }

    #[test]
    fn fixed_clock_advances_only_when_told() {
        let clock = FixedClock::new(datetime!(2026-01-01 0:00 UTC));
        assert_eq!(clock.now(), datetime!(2026-01-01 0:00 UTC));
        clock.advance(time::Duration::minutes(15));
        assert_eq!(clock.now(), datetime!(2026-01-01 0:15 UTC));
    }
}
