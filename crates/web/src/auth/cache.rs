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
//! After [`TTL`] a viewer is not loaded again as long as the database's
//! access epoch (a number that triggers move whenever an account, its
//! roles, a sign-in's access or a council changes, on any node or by hand;
//! and a council's roster, which `roster.rs` keeps by the same number) is
//! the one it was loaded at. The epoch is read at most once per [`TTL`]
//! for all viewers: a hall of 500 tablets pressing their ballots a few
//! seconds after their last request cost 2,000 queries before (issue #3).
//! [`MAX_AGE`] bounds how long any viewer is kept.
//!
//! Written by hand: it is a map with timestamps and an epoch, and a general
//! cache crate would not know that an entry also expires when the
//! product's clock (which tests move) leaves its window.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::broadcast;

use super::Viewer;

/// How long a loaded viewer is trusted.
pub(crate) const TTL: Duration = Duration::from_secs(2);

/// How long a viewer is kept at most, epoch or not.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(600);

/// Above this many entries, expired ones are swept on insert.
const SWEEP_ABOVE: usize = 4_096;

struct Entry {
    /// When it was loaded, or last found to hold.
    loaded: Instant,
    loaded_at: OffsetDateTime,
    /// When it was loaded, for [`MAX_AGE`].
    born: Instant,
    /// The access epoch read before it was loaded.
    epoch: i64,
    viewer: Option<Arc<Viewer>>,
}

/// A sign-in, or every sign-in of an account, that may no longer see what
/// it saw: signed out, locked, its password reset, moved to another council.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoked {
    /// One sign-in session.
    Session(i64),
    /// Every session of the account.
    User(i64),
}

/// The access epoch as last read, and the read every caller waits for
/// when it is older than [`TTL`].
#[derive(Default)]
struct EpochState {
    known: Option<(i64, Instant)>,
    reading: Option<Arc<tokio::sync::OnceCell<i64>>>,
}

/// Viewers by session-token hash, and the revocations that open event
/// streams listen for.
pub struct ViewerCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// The access epoch last read, and the read under way.
    epoch: Mutex<EpochState>,
    revoked: broadcast::Sender<Revoked>,
}

impl Default for ViewerCache {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
            epoch: Mutex::default(),
            revoked: broadcast::channel(256).0,
        }
    }
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

    /// The database's access epoch, read at most once per [`TTL`]; callers
    /// that ask while it is being read wait for that read, and are all
    /// woken when it ends. (A lock held across the read woke them one after
    /// another, each waiting for the runtime to run the one before: 4 ms
    /// for the 500 ballots of a vote, issue #3.)
    pub(crate) async fn epoch(
        &self,
        store: &dyn nghitruong_store::Store,
    ) -> nghitruong_store::Result<i64> {
        self.epoch_by(|| store.access_epoch()).await
    }

    /// [`ViewerCache::epoch`], read by `read`.
    async fn epoch_by<F, Fut>(&self, read: F) -> nghitruong_store::Result<i64>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = nghitruong_store::Result<i64>>,
    {
        let reading = {
            let mut state = self.epoch_state();
            if let Some((n, read)) = state.known
                && read.elapsed() < TTL
            {
                return Ok(n);
            }
            state.reading.get_or_insert_with(Arc::default).clone()
        };
        let n = *reading.get_or_try_init(read).await?;
        let mut state = self.epoch_state();
        if state
            .reading
            .as_ref()
            .is_some_and(|r| Arc::ptr_eq(r, &reading))
        {
            state.known = Some((n, Instant::now()));
            state.reading = None;
        }
        Ok(n)
    }

    fn epoch_state(&self) -> std::sync::MutexGuard<'_, EpochState> {
        self.epoch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The viewer `token_hash` resolved to, past [`TTL`], if nothing it is
    /// made of has changed since (the access epoch is still `epoch`), it is
    /// younger than [`MAX_AGE`] and its sign-in has not expired at `now`.
    /// It is then trusted for another [`TTL`].
    pub(crate) fn still_holds(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        epoch: i64,
    ) -> Option<Arc<Viewer>> {
        let mut entries = self.lock();
        let e = entries.get_mut(token_hash)?;
        let viewer = e.viewer.clone()?;
        let holds = e.epoch == epoch
            && e.born.elapsed() < MAX_AGE
            && now >= e.loaded_at
            && now < viewer.session.expires_at;
        if !holds {
            return None;
        }
        e.loaded = Instant::now();
        e.loaded_at = now;
        Some(viewer)
    }

    /// Remembers what `token_hash` resolved to at `now`, loaded after the
    /// access epoch read `epoch`.
    pub(crate) fn put(
        &self,
        token_hash: String,
        now: OffsetDateTime,
        epoch: i64,
        viewer: Option<Arc<Viewer>>,
    ) {
        let mut entries = self.lock();
        if entries.len() >= SWEEP_ABOVE {
            entries.retain(|_, e| e.born.elapsed() < MAX_AGE);
        }
        let loaded = Instant::now();
        entries.insert(
            token_hash,
            Entry {
                loaded,
                loaded_at: now,
                born: loaded,
                epoch,
                viewer,
            },
        );
    }

    /// Forgets every viewer: called after any change to accounts, roles,
    /// sign-in sessions or a council's rules.
    pub fn forget_all(&self) {
        self.lock().clear();
        *self.epoch_state() = EpochState::default();
    }

    /// Forgets every viewer, as [`ViewerCache::forget_all`], and ends the
    /// open event streams of `who`: a stream is authorised when it opens
    /// and then carries content (a session's results) for hours.
    pub fn revoke(&self, who: Revoked) {
        self.forget_all();
        // No stream open is not an error.
        let _ = self.revoked.send(who);
    }

    /// Resolves when `viewer`'s sign-in is revoked or expires (`now` is the
    /// product's clock), so that a stream opened with it ends there. A
    /// browser's EventSource then reconnects, and the new request is
    /// authorised afresh. A listener that fell behind the revocations ends
    /// too, rather than guess.
    pub(crate) fn ended(
        &self,
        viewer: &Viewer,
        now: OffsetDateTime,
    ) -> impl Future<Output = ()> + Send + 'static {
        let mut revoked = self.revoked.subscribe();
        let (session, user) = (viewer.session.id, viewer.user.id);
        let left = Duration::try_from(viewer.session.expires_at - now).unwrap_or(Duration::ZERO);
        async move {
            let gone = async {
                loop {
                    match revoked.recv().await {
                        Ok(Revoked::Session(s)) if s == session => return,
                        Ok(Revoked::User(u)) if u == user => return,
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(_)) => return,
                        Err(broadcast::error::RecvError::Closed) => {
                            std::future::pending::<()>().await;
                        }
                    }
                }
            };
            tokio::select! {
                () = gone => {}
                () = tokio::time::sleep(left) => {}
            }
        }
    }
}

/// How long a sighting of a sign-in waits before it is written, with every
/// other sighting of that time.
pub(crate) const WRITE_SEEN_AFTER: Duration = Duration::from_secs(5);

/// Sign-ins seen since their "last seen" time was last written.
///
/// A sign-in's "last seen" time (shown in the account's list of sessions)
/// is moved at most once a minute by the requests it signs. Written at
/// once, that was a write transaction of its own on the request's path:
/// when a hall of deputies signed in an hour ago pressed their ballots,
/// 500 such writes queued for the writer with the ballots (issue #3). Now
/// the sightings of [`WRITE_SEEN_AFTER`] are written together, off the
/// requests' path. What is lost if the server stops in between is a few
/// seconds of "last seen", which decides nothing.
#[derive(Default)]
pub struct SeenSessions {
    pending: Mutex<Pending>,
}

/// Sightings to write, and the last one written of each sign-in.
#[derive(Default)]
struct Pending {
    to_write: HashMap<i64, OffsetDateTime>,
    written: HashMap<i64, OffsetDateTime>,
}

/// How often a sign-in's "last seen" time moves at most.
const SEEN_EVERY: time::Duration = time::Duration::minutes(1);

impl SeenSessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes that `session` was seen `at`, if its "last seen" time is more
    /// than a minute older; the first sighting of a batch schedules its
    /// write.
    pub(crate) fn seen(
        self: &Arc<Self>,
        store: &Arc<dyn nghitruong_store::Store>,
        session: &nghitruong_store::AuthSession,
        at: OffsetDateTime,
    ) {
        let first = {
            let mut pending = self.lock();
            let last = pending
                .written
                .get(&session.id)
                .map_or(session.last_seen_at, |w| (*w).max(session.last_seen_at));
            if at - last <= SEEN_EVERY || pending.to_write.contains_key(&session.id) {
                return;
            }
            let first = pending.to_write.is_empty();
            pending.to_write.insert(session.id, at);
            first
        };
        if first {
            let (me, store) = (self.clone(), store.clone());
            tokio::spawn(async move {
                tokio::time::sleep(WRITE_SEEN_AFTER).await;
                me.write(store.as_ref()).await;
            });
        }
    }

    /// Writes the sightings noted so far.
    pub async fn write(&self, store: &dyn nghitruong_store::Store) {
        let batch: Vec<(i64, OffsetDateTime)> = {
            let mut pending = self.lock();
            let batch: Vec<_> = pending.to_write.drain().collect();
            // Sign-ins not seen for a day are forgotten here.
            let newest = batch.iter().map(|(_, at)| *at).max();
            if let Some(newest) = newest {
                pending
                    .written
                    .retain(|_, at| newest - *at < time::Duration::days(1));
            }
            pending.written.extend(batch.iter().copied());
            batch
        };
        if let Err(e) = store.touch_sessions(&batch).await {
            tracing::warn!(error = %e, sessions = batch.len(), "could not note sign-in activity");
        }
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
        cache.put("a".into(), NOW, 0, None);
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

    #[tokio::test]
    async fn the_epoch_is_read_once_for_all_who_ask_at_once_and_again_after_forgetting() {
        let cache = ViewerCache::default();
        let reads = std::sync::atomic::AtomicU32::new(0);
        let read = || async {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(7)
        };
        let all: Vec<_> = (0..500).map(|_| cache.epoch_by(read)).collect();
        for n in futures_util::future::join_all(all).await {
            assert_eq!(n.ok(), Some(7));
        }
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(cache.epoch_by(read).await.ok(), Some(7));
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        cache.forget_all();
        assert_eq!(cache.epoch_by(read).await.ok(), Some(7));
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 2);
        // A failed read is not kept: the next caller reads again.
        cache.forget_all();
        let failed = cache
            .epoch_by(|| async { Err(nghitruong_store::StoreError::NotFound) })
            .await;
        assert!(failed.is_err());
        assert_eq!(cache.epoch_by(read).await.ok(), Some(7));
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[test]
    fn forgetting_empties_everything() {
        let cache = ViewerCache::default();
        cache.put("a".into(), NOW, 0, None);
        cache.put("b".into(), NOW, 0, None);
        cache.forget_all();
        assert!(cache.get("a", NOW).is_none() && cache.get("b", NOW).is_none());
    }
}
