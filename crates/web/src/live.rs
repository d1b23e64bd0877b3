//! The live hub: every screen of a session (tablets, chair console, hall
//! screen) subscribes to the session's channel over Server-Sent Events and
//! reloads its live fragment when something changes.
//!
//! Events carry no data beyond their kind: each screen fetches the fragment
//! its own role may see, so nothing private travels on the shared channel.
//! The one exception is the hall fragment, which every viewer of the
//! session may see alike: a change announced with it built
//! ([`LiveHub::publish_warmed`]) carries it, and hall screens show it
//! without a request.
//! In one process this is a broadcast channel per session. When several
//! nodes serve one province, each change is also relayed to the others
//! ([`LiveHub::relay_out`], [`LiveHub::receive`]; over NATS in
//! [`crate::live_nats`]), whose screens then reload as if it had been made
//! there: only the session and the kind travel, never a fragment.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::response::sse::{Event, KeepAlive, Sse};
use tokio::sync::{OnceCell, broadcast};
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use crate::compressed::Precompressed;

/// The kind of a ballot's progress event (một phiếu đã bỏ): frequent, so
/// paced; every other kind goes out at once.
pub const PROGRESS: &str = "phieu";

/// A ballot's progress event goes out this long after the ballot, standing
/// for every ballot cast meanwhile: at most one per session in this
/// interval (issue #3: 500 ballots must not become 500 events on each of
/// 2,000 screens, nor one in the middle of the ballots).
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(200);

/// A progress event reaches the session's screens spread over this long,
/// each stream at its own offset in it, instead of all at once: written to
/// 2,000 streams together it took both cores for about 25 ms, and a ballot
/// cast in that moment waited behind it (p99 27-34 ms with the ballots
/// spread over 2 s, issue #3). Shorter than [`PROGRESS_INTERVAL`], so one
/// event has reached everyone before the next goes out.
pub const PROGRESS_SPREAD: Duration = Duration::from_millis(100);

/// The offsets a stream's progress events may wait, in steps of
/// [`PROGRESS_SPREAD`] divided by this.
const SPREAD_SLOTS: u32 = 50;

/// How long a rendered shared fragment may be served without a publish. A
/// publish invalidates it at once; the age bound only covers what changes
/// with time alone (a vote timer running out is closed on the next render,
/// a speaker's clock text).
const FRAGMENT_MAX_AGE: Duration = Duration::from_secs(1);

/// Pacing of a session's progress events.
#[derive(Default)]
struct Pace {
    /// A progress event waits for the interval to pass.
    pending: bool,
    /// The latest ballot's count: the one run when the event goes out, so
    /// that a vote reopened as a new round is counted in its new round.
    count: Option<ProgressCount>,
}

/// Something built once per state version of a session and shared by
/// every screen (a rendered fragment, the facts a fragment is made from).
type SharedCell = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

/// A session's channel, its state version and what is shared within it.
struct Channel {
    sender: broadcast::Sender<Change>,
    pace: Arc<Mutex<Pace>>,
    /// Shared values by name, emptied on every publish: each is valid for
    /// one state version of the session.
    fragments: HashMap<(&'static str, TypeId), (Instant, SharedCell)>,
    /// Held from building a warmed event to sending it: two changes made
    /// at once (a close and a reopen from two tabs) go out in the order
    /// their fragments were built, so the last one a hall screen shows is
    /// never the older.
    warming: Arc<tokio::sync::Mutex<()>>,
}

impl Channel {
    fn new() -> Self {
        Self {
            sender: broadcast::channel(64).0,
            pace: Arc::default(),
            fragments: HashMap::new(),
            warming: Arc::default(),
        }
    }

    /// Forgets what a change of `kind` makes stale: everything, except
    /// that a ballot ([`PROGRESS`]) leaves what no ballot changes.
    fn forget(&mut self, kind: &'static str) {
        if kind == PROGRESS {
            self.fragments
                .retain(|(name, _), _| KEPT_BY_BALLOTS.contains(name));
        } else {
            self.fragments.clear();
        }
    }
}

/// Shared values no ballot changes: the session's record, read by every
/// ballot of a vote (500 in a second) and otherwise read once per second at
/// most ([`FRAGMENT_MAX_AGE`]).
pub(crate) const KEPT_BY_BALLOTS: [&str; 1] = ["session"];

/// Every kind of change a screen is told of; a relayed change of another
/// kind (a newer node) is told as a plain reload.
pub const KINDS: [&str; 8] = [
    "bieu-quyet",
    "chat-van",
    "chuong-trinh",
    "diem-danh",
    "phat-bieu",
    "tai-lieu",
    "trang-thai",
    PROGRESS,
];

/// What a screen that cannot be told more is told: reload your fragment.
const RELOAD: &str = "tai-lai";

/// A change made on this node, for the province's other nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relayed {
    /// The session (kỳ họp) it changed.
    pub session_id: i64,
    /// What changed, one of [`KINDS`].
    pub kind: &'static str,
}

/// Channels per session.
#[derive(Default)]
pub struct LiveHub {
    channels: Mutex<HashMap<i64, Channel>>,
    /// Where changes made here go for the other nodes, once relaying has
    /// started.
    relay: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Relayed>>,
    /// Streams opened so far, for each its offset in [`PROGRESS_SPREAD`].
    streams: std::sync::atomic::AtomicU32,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LiveHub {
    fn with_channel<R>(&self, session_id: i64, f: impl FnOnce(&mut Channel) -> R) -> R {
        let mut map = lock(&self.channels);
        // Forget sessions nobody watches, but keep the one asked for.
        map.retain(|id, c| *id == session_id || c.sender.receiver_count() > 0);
        f(map.entry(session_id).or_insert_with(Channel::new))
    }

    pub(crate) fn sender(&self, session_id: i64) -> broadcast::Sender<Change> {
        self.with_channel(session_id, |c| c.sender.clone())
    }

    /// Tells every screen of the session that `kind` changed. Progress
    /// events ([`PROGRESS`]) are coalesced to one per [`PROGRESS_INTERVAL`];
    /// the last one of a burst is always sent. Any other event goes out at
    /// once.
    pub fn publish(&self, session_id: i64, kind: &'static str) {
        self.relay(session_id, kind);
        self.with_channel(session_id, |c| c.forget(kind));
        self.announce(session_id, kind);
    }

    /// Starts relaying: every change published here from now on is also
    /// given to the returned receiver, for the other nodes. `None` if
    /// relaying has already started.
    pub fn relay_out(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<Relayed>> {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        self.relay.set(sender).ok()?;
        Some(receiver)
    }

    fn relay(&self, session_id: i64, kind: &'static str) {
        if let Some(relay) = self.relay.get() {
            // Closed only when relaying has stopped: nothing to tell then.
            let _ = relay.send(Relayed { session_id, kind });
        }
    }

    /// Tells this node's screens of a change another node made, as if it
    /// had been made here, without relaying it back. A ballot's progress is
    /// paced as here; its count is fetched by the screens.
    pub fn receive(&self, session_id: i64, kind: &str) {
        let kind = KINDS
            .iter()
            .find(|k| **k == kind)
            .copied()
            .unwrap_or(RELOAD);
        self.with_channel(session_id, |c| c.forget(kind));
        self.announce(session_id, kind);
    }

    /// Sends `kind` to the session's screens (paced if it is progress),
    /// keeping what is shared for the current state version.
    fn announce(&self, session_id: i64, kind: &'static str) {
        self.announce_with(session_id, kind, None);
    }

    /// [`LiveHub::announce`], with the hall fragment of the new state
    /// version when it was built for the event.
    fn announce_with(&self, session_id: i64, kind: &'static str, hall: Option<Arc<Precompressed>>) {
        if kind == PROGRESS {
            return self.pace_progress(session_id, None);
        }
        // A pending progress event still goes out: a ballot committed while
        // this event's fragment was being built may be missing from it.
        let sender = self.sender(session_id);
        // No subscriber is not an error: no screen is open.
        let _ = sender.send(Change {
            kind,
            hall,
            progress: None,
        });
    }

    /// A ballot was cast: a progress event goes out [`PROGRESS_INTERVAL`]
    /// later, standing for every ballot cast meanwhile, and carries what
    /// `count` gives then (the round and how many have voted), which the
    /// screens show in place instead of each reloading its fragment. The
    /// latest ballot's `count` is the one run, when the event goes out.
    pub(crate) fn publish_progress(
        &self,
        session_id: i64,
        count: impl Future<Output = Option<String>> + Send + 'static,
    ) {
        self.relay(session_id, PROGRESS);
        self.with_channel(session_id, |c| c.forget(PROGRESS));
        self.pace_progress(session_id, Some(Box::pin(count)));
    }

    /// Schedules the session's next progress event unless one is pending.
    /// The first ballot of a burst waits the interval, so that a hall
    /// pressing at once is told once, after its ballots, instead of 2,000
    /// screens being written to while ballots still arrive.
    fn pace_progress(&self, session_id: i64, count: Option<ProgressCount>) {
        let (sender, pace) = self.with_channel(session_id, |c| (c.sender.clone(), c.pace.clone()));
        let due = Instant::now() + PROGRESS_INTERVAL;
        {
            let mut p = lock(&pace);
            if count.is_some() {
                p.count = count;
            }
            if p.pending {
                return;
            }
            p.pending = true;
        }
        tokio::spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            let count = {
                let mut p = lock(&pace);
                // Ballots from here on schedule the next event: the count
                // below may not see them.
                p.pending = false;
                p.count.take()
            };
            let progress = match count {
                Some(count) => count.await.map(Arc::from),
                None => None,
            };
            let _ = sender.send(Change {
                kind: PROGRESS,
                hall: None,
                progress,
            });
        });
    }

    /// Like [`LiveHub::publish`] for a change every screen refetches at
    /// once (a vote's result, the floor, attendance): the new state version
    /// begins, `warm` builds what the screens will ask for, and only then
    /// are they told. Built before 2,000 streams wake and 2,000 requests
    /// arrive, the shared fragment costs one render on a quiet server
    /// instead of one render queued behind all of them; the hall fragment
    /// `warm` returns travels in the event itself. Progress events are
    /// paced instead (see [`LiveHub::publish`]).
    pub(crate) async fn publish_warmed(
        &self,
        session_id: i64,
        kind: &'static str,
        warm: impl Future<Output = Option<Arc<Precompressed>>>,
    ) {
        self.relay(session_id, kind);
        let warming = self.with_channel(session_id, |c| c.warming.clone());
        let _in_order = warming.lock().await;
        let watched = self.with_channel(session_id, |c| {
            c.forget(kind);
            c.sender.receiver_count() > 0
        });
        let hall = if watched && kind != PROGRESS {
            warm.await
        } else {
            None
        };
        self.announce_with(session_id, kind, hall);
    }

    /// A fragment every viewer of the session sees alike (the hall screen),
    /// rendered and compressed once per state version: when 2,000 screens
    /// refetch after an event, one renders and the others wait for and
    /// share its result. Only for fragments with nothing private to a
    /// viewer in them.
    pub(crate) async fn shared_fragment<E, F, Fut>(
        &self,
        session_id: i64,
        name: &'static str,
        render: F,
    ) -> Result<Arc<Precompressed>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, E>>,
    {
        self.shared(session_id, name, || async {
            Ok(Precompressed::new(render().await?))
        })
        .await
    }

    /// A value built once per state version of the session and shared by
    /// every screen that asks within it: the first caller builds, the others
    /// wait for and share its result. What is private to a viewer is added
    /// by each caller afterwards, never built in here.
    pub async fn shared<T, E, F, Fut>(
        &self,
        session_id: i64,
        name: &'static str,
        build: F,
    ) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let now = Instant::now();
        let cell = self.with_channel(session_id, |c| {
            let entry = c
                .fragments
                .entry((name, TypeId::of::<T>()))
                .or_insert_with(|| (now, Arc::default()));
            if now.duration_since(entry.0) > FRAGMENT_MAX_AGE {
                *entry = (now, Arc::default());
            }
            entry.1.clone()
        });
        // The state is read after the cell was taken, so what is built is
        // at least as new as the state the cell stands for.
        let value = cell
            .get_or_try_init(|| async {
                let v: Arc<dyn Any + Send + Sync> = Arc::new(build().await?);
                Ok(v)
            })
            .await?;
        // Cells are keyed by the type too, so the value is always a `T`.
        Ok(Arc::clone(value)
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable_shared(name)))
    }

    /// The offset in [`PROGRESS_SPREAD`] of the next stream opened: the
    /// streams take the slots in turn.
    fn next_offset(&self) -> Duration {
        let n = self
            .streams
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        PROGRESS_SPREAD / SPREAD_SLOTS * (n % SPREAD_SLOTS)
    }

    /// A Server-Sent Events stream of the session's changes, ending when
    /// `until` resolves (the viewer's sign-in revoked or expired: events
    /// carry the session's results, and the stream was authorised once).
    pub fn stream<U>(
        &self,
        session_id: i64,
        until: U,
    ) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>> + use<U>>
    where
        U: Future<Output = ()> + Send + 'static,
    {
        let receiver = self.sender(session_id).subscribe();
        let first = tokio_stream::once(Ok(Event::default().event("update").data("ket-noi")));
        let changes = spread_progress(receiver, self.next_offset()).map(|item| {
            Ok(match item {
                // Hall screens show it as it is; other screens reload theirs.
                Ok(Change {
                    hall: Some(hall), ..
                }) => Event::default().event("hall").data(hall.html()),
                // Screens show the count in place.
                Ok(Change {
                    progress: Some(progress),
                    ..
                }) => Event::default().event("tien-do").data(&*progress),
                Ok(Change { kind, .. }) => Event::default().event("update").data(kind),
                // A screen that fell behind just reloads; the fragment is whole.
                Err(_) => Event::default().event("update").data(RELOAD),
            })
        });
        let events = futures_util::StreamExt::take_until(first.chain(changes), until);
        Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
    }
}

/// The changes `receiver` hears, a progress event `offset` after it went
/// out (see [`PROGRESS_SPREAD`]); every other change at once, in the order
/// sent. A progress event still held when another change comes goes out
/// at once, just before it: a vote's result never waits for its progress.
fn spread_progress(
    receiver: broadcast::Receiver<Change>,
    offset: Duration,
) -> impl tokio_stream::Stream<Item = Result<Change, BroadcastStreamRecvError>> {
    type Item = Result<Change, BroadcastStreamRecvError>;
    struct Spread {
        changes: BroadcastStream<Change>,
        /// A progress event held until its time, and that time.
        held: Option<(Item, tokio::time::Instant)>,
        /// A change that came while one was held, to follow it.
        next: Option<Item>,
    }
    let is_progress = |item: &Item| matches!(item, Ok(change) if change.kind == PROGRESS);
    let start = Spread {
        changes: BroadcastStream::new(receiver),
        held: None,
        next: None,
    };
    futures_util::stream::unfold(start, move |mut s| async move {
        loop {
            if let Some(item) = s.next.take() {
                return Some((item, s));
            }
            let item = match s.held.take() {
                Some((held, due)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(due) => return Some((held, s)),
                        item = s.changes.next() => match item {
                            // A newer progress stands for both, at the time
                            // the first was due.
                            Some(item) if is_progress(&item) => {
                                s.held = Some((item, due));
                                continue;
                            }
                            Some(item) => {
                                s.next = Some(item);
                                return Some((held, s));
                            }
                            None => return Some((held, s)),
                        },
                    }
                }
                None => s.changes.next().await?,
            };
            if is_progress(&item) && !offset.is_zero() {
                s.held = Some((item, tokio::time::Instant::now() + offset));
                continue;
            }
            return Some((item, s));
        }
    })
}

/// What the screens of a session are told.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    /// What changed (`bieu-quyet`, [`PROGRESS`], …).
    pub(crate) kind: &'static str,
    /// The hall fragment of the new state version, when it was built before
    /// the screens were told.
    pub(crate) hall: Option<Arc<Precompressed>>,
    /// A vote's progress (`{"round": …, "voted": …}`), when counted for
    /// the event.
    pub(crate) progress: Option<Arc<str>>,
}

/// Counts a vote's progress when its event goes out.
type ProgressCount = std::pin::Pin<Box<dyn Future<Output = Option<String>> + Send>>;

/// A shared value was not of the type its key names: cannot happen.
#[cold]
fn unreachable_shared<T>(name: &'static str) -> Arc<T> {
    panic!("shared value {name} used with two types")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_of_a_session_hear_its_changes_only() {
        let hub = LiveHub::default();
        let mut a = hub.sender(1).subscribe();
        let mut b = hub.sender(2).subscribe();
        hub.publish(1, "bieu-quyet");
        assert_eq!(a.recv().await.unwrap().kind, "bieu-quyet");
        assert!(b.try_recv().is_err());
        hub.publish(3, "khong-ai-nghe");
    }

    // On a paused clock: the offsets are measured, not raced.
    #[tokio::test(start_paused = true)]
    async fn each_stream_hears_progress_at_its_own_offset_and_the_rest_at_once() {
        use tokio::time::Instant;
        let hub = LiveHub::default();
        let sender = hub.sender(1);
        let offset = PROGRESS_SPREAD / 2;
        let mut late = std::pin::pin!(spread_progress(sender.subscribe(), offset));
        let mut prompt = std::pin::pin!(spread_progress(sender.subscribe(), Duration::ZERO));
        let change = |kind| Change {
            kind,
            hall: None,
            progress: None,
        };
        let sent = Instant::now();
        sender.send(change(PROGRESS)).unwrap();
        sender.send(change("bieu-quyet")).unwrap();
        let first = prompt.next().await.unwrap().unwrap();
        assert_eq!(first.kind, PROGRESS);
        assert!(sent.elapsed() < offset, "{:?}", sent.elapsed());
        assert_eq!(prompt.next().await.unwrap().unwrap().kind, "bieu-quyet");

        // The result came while the late stream held its progress: both go
        // out at once, in the order sent.
        let first = late.next().await.unwrap().unwrap();
        assert_eq!(first.kind, PROGRESS);
        assert_eq!(late.next().await.unwrap().unwrap().kind, "bieu-quyet");
        assert!(sent.elapsed() < offset, "{:?}", sent.elapsed());

        // A progress alone waits for its offset; two become the later one.
        let sent = Instant::now();
        sender.send(change(PROGRESS)).unwrap();
        let mut newer = change(PROGRESS);
        newer.progress = Some(Arc::from("{\"voted\":2}"));
        sender.send(newer).unwrap();
        let got = late.next().await.unwrap().unwrap();
        assert_eq!(got.progress.as_deref(), Some("{\"voted\":2}"));
        assert_eq!(sent.elapsed(), offset);

        // A result alone is told at once on the late stream too.
        sender.send(change("bieu-quyet")).unwrap();
        let asked = Instant::now();
        assert_eq!(late.next().await.unwrap().unwrap().kind, "bieu-quyet");
        assert!(asked.elapsed() < offset);
    }

    #[test]
    fn the_streams_offsets_cover_the_spread_and_stay_within_it() {
        let hub = LiveHub::default();
        let offsets: Vec<Duration> = (0..2 * SPREAD_SLOTS).map(|_| hub.next_offset()).collect();
        assert_eq!(offsets[0], Duration::ZERO);
        assert!(offsets.iter().all(|o| *o < PROGRESS_SPREAD));
        assert!(PROGRESS_SPREAD < PROGRESS_INTERVAL);
        let distinct: std::collections::HashSet<_> = offsets.iter().collect();
        assert_eq!(distinct.len(), SPREAD_SLOTS as usize);
    }

    #[tokio::test]
    async fn progress_is_paced_and_its_last_event_always_arrives() {
        let hub = LiveHub::default();
        let mut rx = hub.sender(1).subscribe();
        for _ in 0..50 {
            hub.publish(1, PROGRESS);
        }
        // None goes out at once; the 50 become one, after the interval.
        assert!(rx.try_recv().is_err());
        let later = tokio::time::timeout(PROGRESS_INTERVAL * 5, rx.recv()).await;
        assert_eq!(later.unwrap().unwrap().kind, PROGRESS);
        tokio::time::sleep(PROGRESS_INTERVAL * 2).await;
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_result_goes_out_at_once_and_pending_progress_still_follows() {
        let hub = LiveHub::default();
        let mut rx = hub.sender(1).subscribe();
        hub.publish(1, PROGRESS);
        hub.publish(1, PROGRESS);
        hub.publish(1, "bieu-quyet");
        assert_eq!(rx.try_recv().unwrap().kind, "bieu-quyet");
        // A ballot committed while the result's fragment was built may be
        // missing from it: its progress event still comes.
        let later = tokio::time::timeout(PROGRESS_INTERVAL * 5, rx.recv()).await;
        assert_eq!(later.unwrap().unwrap().kind, PROGRESS);
        tokio::time::sleep(PROGRESS_INTERVAL * 2).await;
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_vote_reopened_within_the_interval_is_counted_in_its_new_round() {
        let hub = LiveHub::default();
        let mut rx = hub.sender(1).subscribe();
        hub.publish_progress(1, async { Some("round 1".to_owned()) });
        hub.publish(1, "bieu-quyet");
        hub.publish_progress(1, async { Some("round 2".to_owned()) });
        assert_eq!(rx.recv().await.unwrap().kind, "bieu-quyet");
        let progress = tokio::time::timeout(PROGRESS_INTERVAL * 5, rx.recv()).await;
        assert_eq!(
            progress.unwrap().unwrap().progress.as_deref(),
            Some("round 2")
        );
        tokio::time::sleep(PROGRESS_INTERVAL * 2).await;
        assert!(rx.try_recv().is_err(), "one progress event");
    }

    #[tokio::test]
    async fn a_ballots_progress_carries_the_count_made_when_it_goes_out() {
        let hub = LiveHub::default();
        let mut rx = hub.sender(1).subscribe();
        let voted = Arc::new(std::sync::atomic::AtomicU32::new(0));
        for _ in 0..3 {
            voted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let voted = voted.clone();
            hub.publish_progress(1, async move {
                Some(format!(
                    "{}",
                    voted.load(std::sync::atomic::Ordering::SeqCst)
                ))
            });
        }
        assert!(rx.try_recv().is_err(), "nothing goes out at once");
        let first = tokio::time::timeout(PROGRESS_INTERVAL * 5, rx.recv()).await;
        let first = first.unwrap().unwrap();
        assert_eq!(first.kind, PROGRESS);
        assert_eq!(first.progress.as_deref(), Some("3"), "all three counted");
        tokio::time::sleep(PROGRESS_INTERVAL * 2).await;
        assert!(rx.try_recv().is_err(), "one event for the three");
        // A ballot after the event gets its own.
        voted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let later = voted.clone();
        hub.publish_progress(1, async move {
            Some(format!(
                "{}",
                later.load(std::sync::atomic::Ordering::SeqCst)
            ))
        });
        let next = tokio::time::timeout(PROGRESS_INTERVAL * 5, rx.recv()).await;
        assert_eq!(next.unwrap().unwrap().progress.as_deref(), Some("4"));
    }

    #[tokio::test]
    async fn a_ballot_keeps_what_no_ballot_changes_and_any_other_change_forgets_all() {
        let hub = LiveHub::default();
        let builds = std::sync::atomic::AtomicU32::new(0);
        let get = |name: &'static str| {
            hub.shared(1, name, || async {
                Ok::<_, ()>(builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
            })
        };
        let value = |r: Result<Arc<u32>, ()>| *r.unwrap();
        assert_eq!(value(get("session").await), 0);
        assert_eq!(value(get("facts").await), 1);
        hub.publish(1, PROGRESS);
        assert_eq!(value(get("session").await), 0);
        assert_eq!(value(get("facts").await), 2);
        hub.publish(1, "diem-danh");
        assert_eq!(value(get("session").await), 3);
        assert_eq!(value(get("facts").await), 4);
    }

    #[tokio::test]
    async fn a_warmed_publish_builds_before_it_tells_and_keeps_what_it_built() {
        let hub = LiveHub::default();
        let renders = std::sync::atomic::AtomicU32::new(0);
        let render = || async {
            let n = renders.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, ()>(format!("v{n}"))
        };
        let html = |f: Result<Arc<Precompressed>, ()>| f.unwrap().html().to_owned();
        assert_eq!(html(hub.shared_fragment(1, "hall", render).await), "v0");
        // Nobody watches: nothing is built, the old version is forgotten.
        hub.publish_warmed(1, "bieu-quyet", async { panic!("built for nobody") })
            .await;
        assert_eq!(html(hub.shared_fragment(1, "hall", render).await), "v1");

        let mut rx = hub.sender(1).subscribe();
        hub.publish_warmed(1, "bieu-quyet", async {
            // Built while the screens have not been told yet.
            assert!(rx.try_recv().is_err());
            hub.shared_fragment(1, "hall", render).await.ok()
        })
        .await;
        // The event carries what was built; a fetch gets the same, with no
        // second render.
        let told = rx.try_recv().unwrap();
        assert_eq!(told.kind, "bieu-quyet");
        assert_eq!(told.hall.unwrap().html(), "v2");
        assert_eq!(html(hub.shared_fragment(1, "hall", render).await), "v2");
        assert_eq!(renders.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn two_warmed_changes_at_once_go_out_in_the_order_they_were_built() {
        let hub = Arc::new(LiveHub::default());
        let mut rx = hub.sender(1).subscribe();
        let state = Arc::new(std::sync::atomic::AtomicU32::new(1));
        let fragment = |n: u32| Some(Arc::new(Precompressed::new(format!("v{n}"))));
        // The close reads the state, then takes its time to render.
        let (h, st) = (hub.clone(), state.clone());
        let close = tokio::spawn(async move {
            h.publish_warmed(1, "bieu-quyet", async {
                let seen = st.load(std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                fragment(seen)
            })
            .await;
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        // The reopen changes the state and renders at once.
        state.store(2, std::sync::atomic::Ordering::SeqCst);
        hub.publish_warmed(1, "bieu-quyet", async {
            fragment(state.load(std::sync::atomic::Ordering::SeqCst))
        })
        .await;
        close.await.unwrap();
        let html = |c: Change| c.hall.unwrap().html().to_owned();
        assert_eq!(html(rx.recv().await.unwrap()), "v1");
        assert_eq!(html(rx.recv().await.unwrap()), "v2", "the newer state last");
    }

    #[tokio::test]
    async fn the_stream_ends_when_its_viewer_is_revoked() {
        use crate::auth::{Revoked, ViewerCache};
        use axum::response::IntoResponse as _;
        use http_body_util::BodyExt as _;

        let hub = LiveHub::default();
        let viewers = ViewerCache::default();
        let viewer = crate::auth::test_viewer(7, 70);
        let now = viewer.session.created_at;
        let mut body = hub
            .stream(1, viewers.ended(&viewer, now))
            .into_response()
            .into_body();
        let first = body.frame().await.unwrap().unwrap();
        assert!(first.into_data().is_ok());
        // Another session and another account: the stream stays.
        viewers.revoke(Revoked::Session(8));
        viewers.revoke(Revoked::User(71));
        hub.publish(1, "diem-danh");
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(
            frame.into_data().unwrap(),
            "event: update\ndata: diem-danh\n\n"
        );
        viewers.revoke(Revoked::Session(7));
        let end = tokio::time::timeout(Duration::from_secs(2), body.frame()).await;
        assert!(
            matches!(end, Ok(None)),
            "the stream ends once its session is revoked"
        );
    }

    #[tokio::test]
    async fn the_stream_carries_the_hall_fragment_only_with_a_warmed_change() {
        use axum::response::IntoResponse as _;
        use http_body_util::BodyExt as _;

        let hub = LiveHub::default();
        let mut body = hub
            .stream(1, std::future::pending())
            .into_response()
            .into_body();
        let mut next = async || {
            let frame = body.frame().await.unwrap().unwrap();
            String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap()
        };
        assert_eq!(next().await, "event: update\ndata: ket-noi\n\n");
        hub.publish(1, "diem-danh");
        assert_eq!(next().await, "event: update\ndata: diem-danh\n\n");
        let hall = "<p>Kết quả</p>\n<p>THÔNG QUA</p>";
        hub.publish_warmed(1, "bieu-quyet", async {
            hub.shared_fragment(1, "hall", || async { Ok::<_, ()>(hall.to_owned()) })
                .await
                .ok()
        })
        .await;
        // Every line of the fragment is a data line of one event.
        assert_eq!(
            next().await,
            "event: hall\ndata: <p>Kết quả</p>\ndata: <p>THÔNG QUA</p>\n\n"
        );
        // A warm-up that fails still tells the screens, which then fetch.
        hub.publish_warmed(1, "bieu-quyet", async { None }).await;
        assert_eq!(next().await, "event: update\ndata: bieu-quyet\n\n");
    }

    #[tokio::test]
    async fn a_shared_fragment_renders_once_until_the_next_publish() {
        let hub = LiveHub::default();
        let renders = std::sync::atomic::AtomicU32::new(0);
        let render = || async {
            let n = renders.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, ()>(format!("v{n}"))
        };
        let html = |f: Result<Arc<Precompressed>, ()>| f.unwrap().html().to_owned();
        assert_eq!(html(hub.shared_fragment(1, "hall", render).await), "v0");
        assert_eq!(html(hub.shared_fragment(1, "hall", render).await), "v0");
        // Another session has its own.
        assert_eq!(html(hub.shared_fragment(2, "hall", render).await), "v1");
        hub.publish(1, "diem-danh");
        assert_eq!(html(hub.shared_fragment(1, "hall", render).await), "v2");
        // A failed render is not kept.
        hub.publish(1, "diem-danh");
        let failed = hub
            .shared_fragment(1, "hall", || async { Err::<String, ()>(()) })
            .await;
        assert!(failed.is_err());
        assert_eq!(html(hub.shared_fragment(1, "hall", render).await), "v3");
    }
}
