//! Helpers shared by the tests of every crate: a fixed clock at a known
//! instant, unique names for per-test databases, and where PostgreSQL is.

use std::sync::Arc;

use nghitruong_domain::clock::FixedClock;
use rand::Rng as _;
use time::OffsetDateTime;
use time::macros::datetime;

/// The instant tests start at: a working morning during the demo term.
pub const T0: OffsetDateTime = datetime!(2026-12-04 01:30 UTC);

/// A clock stopped at [`T0`].
pub fn fixed_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(T0))
}

/// A name no other test run uses, for a schema or a database.
pub fn unique_name(prefix: &str) -> String {
    let n: u64 = rand::thread_rng().r#gen();
    format!("{prefix}_{}_{n:016x}", std::process::id())
}

/// The PostgreSQL server to test against, from `NGHITRUONG_TEST_DATABASE_URL`;
/// `None` when it is not set, and PostgreSQL tests then say they are skipped.
pub fn postgres_url() -> Option<String> {
    std::env::var("NGHITRUONG_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A temporary folder removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("nghitruong-test")
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary folder: {e}"))
}

/// The current time of a clock, without importing the `Clock` trait.
pub trait UnixNow {
    /// Seconds since the epoch.
    fn now_unix(&self) -> i64;
    /// The instant.
    fn now_offset(&self) -> OffsetDateTime;
}

impl UnixNow for FixedClock {
    fn now_unix(&self) -> i64 {
        self.now_offset().unix_timestamp()
    }

    fn now_offset(&self) -> OffsetDateTime {
        use nghitruong_domain::clock::Clock as _;
        self.now()
    }
}
