//! Viewers recently loaded from their session cookie.
//!
//! Every request turns its cookie into a [`Viewer`] with four queries
//! (session, account, roles, council). In the hall during a vote, hundreds
//! of tablets and thousands of screens ask at once, so a viewer loaded in
//! the last [`TTL`] is served from memory. Changes to accounts, roles,
//! sign-in sessions and council rules made through this server empty the
//! cache at once ([`ViewerCache::forget_all`]); the short lifetime bounds
//! how long a change made on another node (or by hand in the database)
//! takes to be seen.
//!
//! Written by hand: it is a map with two timestamps, and a general cache
//! crate would not know that an entry also expires when the product's
//! clock (which tests move) leaves its window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::Viewer;

/// How long a loaded viewer is trusted.
pub(crate) const TTL: Duration = Duration::from_secs(2);

/// Above this many entries, expired ones are swept on insert.
const SWEEP_ABOVE: usize = 4_096;

struct Entry {
    loaded: Instant,
    loaded_at: OffsetDateTime,
    viewer: Option<Arc<Viewer>>,
}

/// Viewers by session-token hash.
#[derive(Default)]
pub struct ViewerCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl ViewerCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The viewer loaded for `token_hash` within the lifetime, both by the
    /// wall clock and by the product's clock reading `now`. The outer
    /// `None` is a miss; `Some(None)` remembers a cookie that signs no one in.
    pub(crate) fn get(&self, token_hash: &str, now: OffsetDateTime) -> Option<Option<Arc<Viewer>>> {
        let entries = self.lock();
        let e = entries.get(token_hash)?;
        let ttl = time::Duration::try_from(TTL).unwrap_or(time::Duration::ZERO);
        let fresh = e.loaded.elapsed() < TTL && now >= e.loaded_at && now - e.loaded_at < ttl;
        let live = e.viewer.as_ref().is_none_or(|v| now < v.session.expires_at);
        (fresh && live).then(|| e.viewer.clone())
    }

    /// Remembers what `token_hash` resolved to at `now`.
    pub(crate) fn put(&self, token_hash: String, now: OffsetDateTime, viewer: Option<Arc<Viewer>>) {
        let mut entries = self.lock();
        if entries.len() >= SWEEP_ABOVE {
            entries.retain(|_, e| e.loaded.elapsed() < TTL);
        }
        entries.insert(
            token_hash,
            Entry {
                loaded: Instant::now(),
                loaded_at: now,
                viewer,
            },
        );
    }

    /// Forgets every viewer: called after any change to accounts, roles,
    /// sign-in sessions or a council's rules.
    pub fn forget_all(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-07 08:00 +7);

    #[test]
    fn an_entry_lives_within_the_window_of_both_clocks() {
        let cache = ViewerCache::default();
        assert!(cache.get("a", NOW).is_none(), "nothing before it is put");
        cache.put("a".into(), NOW, None);
        assert!(
            matches!(cache.get("a", NOW), Some(None)),
            "a remembered miss"
        );
        let one = time::Duration::seconds(1);
        assert!(cache.get("a", NOW + one).is_some());
        assert!(
            cache.get("a", NOW + 2 * one).is_none(),
            "the product's clock moved on"
        );
        assert!(
            cache.get("a", NOW - one).is_none(),
            "the product's clock went back"
        );
        assert!(cache.get("b", NOW).is_none());
    }

    #[test]
    fn forgetting_empties_everything() {
        let cache = ViewerCache::default();
        cache.put("a".into(), NOW, None);
        cache.put("b".into(), NOW, None);
        cache.forget_all();
        assert!(cache.get("a", NOW).is_none() && cache.get("b", NOW).is_none());
    }
}
