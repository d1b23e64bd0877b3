//! The session packet (one zip of what the reader may take away, with the
//! agenda as its index), file streaming, and the offline service worker.

use std::collections::HashMap;
use std::io::{self, Read as _, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, Weak};

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use nghitruong_docs::{BlobStore, PacketEntry, packet_size_bound, write_packet};
use nghitruong_domain::document::DocumentStatus;
use nghitruong_domain::session::session_title;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{blobs, reader_of, session_here};
use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, AppResult};
use crate::pages::local_date;

/// Size of the pieces a file or packet is sent in.
const CHUNK: usize = 64 * 1024;

type Piece = Result<Bytes, io::Error>;

/// A file read on a blocking thread and sent in pieces; at most a few
/// pieces wait in memory, however large the file.
pub(super) fn file_stream(mut file: std::fs::File) -> ReceiverStream<Piece> {
    let (tx, rx) = mpsc::channel::<Piece>(4);
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        break; // the client went away
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

/// A `Write` that hands what is written to the response in pieces.
struct ChannelWriter {
    tx: mpsc::Sender<Piece>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(piece))
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        let _ = self.send();
    }
}

/// A document line of the packet's index.
struct IndexDoc {
    title: String,
    kind: &'static str,
    file: Option<String>,
}

#[derive(Template)]
#[template(path = "packet_index.html")]
struct PacketIndex {
    title: String,
    dates: String,
    place: String,
    items: Vec<(String, Vec<IndexDoc>)>,
}

/// The zip of the session's published documents the viewer may take away.
/// Confidential ones are listed in the index, to be read on the system.
pub(crate) async fn download(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    let reader = reader_of(&state, &viewer);
    let docs = state.store.session_documents(s.id, &reader).await?;
    let agenda = state.store.agenda(s.id).await?;

    let mut entries = Vec::new();
    let mut listed: Vec<(Option<i64>, IndexDoc)> = Vec::new();
    for d in &docs {
        let Some(published) = d.published_version else {
            continue;
        };
        if d.status == DocumentStatus::Withdrawn {
            continue;
        }
        let file = if d.classification.is_confidential() {
            None
        } else {
            let sha = if d.version.version == published {
                d.version.sha256.clone()
            } else {
                // The office sees the newest version; the packet carries
                // the one deputies were given.
                state
                    .store
                    .versions(d.id)
                    .await?
                    .into_iter()
                    .find(|v| v.version == published)
                    .map(|v| v.sha256)
                    .ok_or(AppError::NotFound)?
            };
            let name = format!(
                "{:02}-{}.{}",
                entries.len() + 1,
                d.title,
                d.version.format.extension()
            );
            entries.push(PacketEntry {
                name: name.clone(),
                sha256: sha,
            });
            Some(name)
        };
        listed.push((
            d.agenda_item_id,
            IndexDoc {
                title: d.title.clone(),
                kind: d.kind.label(),
                file,
            },
        ));
    }
    let mut items = Vec::new();
    let general: Vec<IndexDoc> = take_where(&mut listed, None);
    if !general.is_empty() {
        items.push(("Tài liệu chung".to_owned(), general));
    }
    for a in &agenda {
        items.push((
            format!("{}. {}", a.position, a.title),
            take_where(&mut listed, Some(a.id)),
        ));
    }
    let dates = if s.starts_on == s.ends_on {
        local_date(s.starts_on)
    } else {
        format!("{} – {}", local_date(s.starts_on), local_date(s.ends_on))
    };
    let index = PacketIndex {
        title: session_title(s.number),
        dates,
        place: s.place.clone(),
        items,
    }
    .render()?;

    let blobs = blobs(&state)?;
    // Built once in memory and sent from there to everyone asking for the
    // same packet meanwhile; streamed as it is built when it is too big.
    let shared = state
        .packets
        .get(&index, &entries, {
            let (blobs, index, entries) = (blobs.clone(), index.clone(), entries.clone());
            move |reserve| build_shared(&blobs, &index, &entries, reserve)
        })
        .await?;
    let body = match shared {
        Some(packet) => Body::from_stream(tokio_stream::iter(packet.pieces())),
        None => stream_packet(blobs, index, entries),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    let name = format!("ky-hop-thu-{}-tai-lieu.zip", s.number);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// The zip written as it is sent, from a blocking thread of its own.
fn stream_packet(blobs: BlobStore, index: String, entries: Vec<PacketEntry>) -> Body {
    let (tx, rx) = mpsc::channel::<Piece>(8);
    tokio::task::spawn_blocking(move || {
        let out = ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        };
        if let Err(e) = write_packet(out, &blobs, &index, &entries)
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            tracing::error!(error = %e, "session packet failed");
        }
    });
    Body::from_stream(ReceiverStream::new(rx))
}

/// Size of the pieces a packet held in memory is handed to the connection
/// in: each is a view of the one copy, not a copy.
const SHARED_PIECE: usize = 256 * 1024;

/// A packet held in memory, for one download. While any download holds
/// it, a request for the same packet is sent these bytes.
pub(crate) struct SharedPacket {
    bytes: Bytes,
    _slot: Arc<Slot>,
}

impl SharedPacket {
    /// The packet as views of [`SHARED_PIECE`] bytes, holding it until the
    /// last is taken.
    fn pieces(self) -> impl Iterator<Item = Piece> + Send + 'static {
        let len = self.bytes.len();
        (0..len)
            .step_by(SHARED_PIECE)
            .map(move |at| Ok(self.bytes.slice(at..len.min(at + SHARED_PIECE))))
    }
}

/// Builds the packet in memory if `reserve` grants the room it needs
/// ([`packet_size_bound`]); `None` if not, for the caller to stream it
/// instead.
fn build_shared(
    blobs: &BlobStore,
    index: &str,
    entries: &[PacketEntry],
    reserve: &dyn Fn(usize) -> Option<Reservation>,
) -> io::Result<Option<Bytes>> {
    let room = packet_size_bound(blobs, index, entries)?;
    let Some(reservation) = reserve(room) else {
        return Ok(None);
    };
    write_held(blobs, index, entries, room, reservation)
}

/// Writes the packet into `room` bytes of memory of its own; `None` if it
/// needs more than that, for the caller to stream it instead.
fn write_held(
    blobs: &BlobStore,
    index: &str,
    entries: &[PacketEntry],
    room: usize,
    reservation: Reservation,
) -> io::Result<Option<Bytes>> {
    let mut map = memmap2::MmapMut::map_anon(room.max(1))?;
    let mut out = Room {
        buf: &mut map[..],
        at: 0,
        full: false,
    };
    if let Err(e) = write_packet(&mut out, blobs, index, entries) {
        // The zip library wraps the error of its writer: the flag says
        // whether it was this one's.
        return if out.full { Ok(None) } else { Err(e) };
    }
    let len = out.at;
    Ok(Some(held(map, len, reservation)?))
}

/// A `Write` into a buffer of fixed size, which fails, and says so, when
/// the buffer would overflow.
struct Room<'a> {
    buf: &'a mut [u8],
    at: usize,
    full: bool,
}

impl Write for Room<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let Some(to) = self
            .at
            .checked_add(data.len())
            .filter(|&to| to <= self.buf.len())
        else {
            self.full = true;
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "the packet is larger than the room foreseen",
            ));
        };
        self.buf[self.at..to].copy_from_slice(data);
        self.at = to;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The first `len` bytes of `map`, which give their memory back to the
/// system, and their room back to the budget, when the last piece of them
/// has been sent and dropped.
///
/// A mapping of its own rather than the allocator's memory: mimalloc keeps
/// what is freed for a while to use again, and a hall aborting and
/// restarting downloads of packets of 50 MB had the server's memory climb
/// to 580 MB with the budget kept (a break session); unmapped, the memory
/// leaves with the packet.
fn held(map: memmap2::MmapMut, len: usize, reservation: Reservation) -> io::Result<Bytes> {
    Ok(Bytes::from_owner(Held {
        map: map.make_read_only()?,
        len,
        _reservation: reservation,
    }))
}

/// A packet's bytes and the room they hold in [`SharedPackets`]'s budget.
struct Held {
    map: memmap2::Mmap,
    len: usize,
    _reservation: Reservation,
}

impl AsRef<[u8]> for Held {
    fn as_ref(&self) -> &[u8] {
        &self.map[..self.len]
    }
}

/// Room taken in [`SharedPackets`]'s budget, given back on drop.
pub(crate) struct Reservation {
    bytes: usize,
    held: Arc<AtomicUsize>,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.held.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// What a packet is made of: its index page and its files, each by name
/// and content hash. Two packets with the same key have the same bytes.
type PacketKey = [u8; 32];

fn key_of(index: &str, entries: &[PacketEntry]) -> PacketKey {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    // Each part with its length first, so no two lists run together alike.
    for part in std::iter::once(index).chain(
        entries
            .iter()
            .flat_map(|e| [e.name.as_str(), e.sha256.as_str()]),
    ) {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().into()
}

/// A packet being built or sent, shared by everyone who asks for it while
/// anyone holds it. `None` once built means "too big to hold: stream it".
type Slot = tokio::sync::OnceCell<Option<Bytes>>;

/// The session packets being sent now (issue #3). When the chair says
/// "download the packet", a hundred tablets ask for the same zip at once:
/// built for each, it cost each its own thread, its own reading of every
/// file and its own checksums, and the server sent about half of what
/// nginx sends from a file. Now the first request builds it in memory and
/// every request that comes while it is being sent is sent that copy,
/// with nothing copied again in the server.
///
/// Memory stays bounded: the packets held together never take more than
/// [`SharedPackets::BUDGET`] bytes; a packet that does not fit is streamed
/// as before, with a few pieces in memory per download. A held packet is
/// dropped when its last download ends.
pub(crate) struct SharedPackets {
    slots: std::sync::Mutex<HashMap<PacketKey, Weak<Slot>>>,
    held: Arc<AtomicUsize>,
    budget: usize,
}

impl Default for SharedPackets {
    fn default() -> Self {
        Self::with_budget(Self::BUDGET)
    }
}

impl SharedPackets {
    /// The most memory the packets held at once take by default: three
    /// packets of 50 MB (deputies', guests' and a committee's) and room to
    /// spare, within the server's 300 MB.
    pub(crate) const BUDGET: usize = 192 * 1024 * 1024;

    /// Holding at most `budget` bytes of packets at once.
    pub(crate) fn with_budget(budget: usize) -> Self {
        Self {
            slots: std::sync::Mutex::default(),
            held: Arc::default(),
            budget,
        }
    }

    /// The packet made of `index` and `entries`, as someone else is
    /// sending it or as `build` builds it now on a blocking thread; `None`
    /// when it does not fit in the budget. `build` is given a way to
    /// reserve room in the budget.
    async fn get<F>(
        &self,
        index: &str,
        entries: &[PacketEntry],
        build: F,
    ) -> Result<Option<SharedPacket>, AppError>
    where
        F: FnOnce(&dyn Fn(usize) -> Option<Reservation>) -> io::Result<Option<Bytes>>
            + Send
            + 'static,
    {
        let key = key_of(index, entries);
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            slots.retain(|_, slot| slot.strong_count() > 0);
            match slots.get(&key).and_then(Weak::upgrade) {
                Some(slot) => slot,
                None => {
                    let slot = Arc::new(Slot::new());
                    slots.insert(key, Arc::downgrade(&slot));
                    slot
                }
            }
        };
        let (held, budget) = (self.held.clone(), self.budget);
        let packet = slot
            .get_or_try_init(|| async move {
                let reserve = move |bytes: usize| take_room(&held, budget, bytes);
                tokio::task::spawn_blocking(move || build(&reserve))
                    .await
                    .map_err(|e| AppError::Internal(e.into()))?
                    .map_err(|e| AppError::Internal(e.into()))
            })
            .await?;
        Ok(packet.clone().map(|bytes| SharedPacket {
            bytes,
            _slot: slot.clone(),
        }))
    }

    /// Bytes of the budget held now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }
}

/// Takes `bytes` of the budget if they fit.
fn take_room(held: &Arc<AtomicUsize>, budget: usize, bytes: usize) -> Option<Reservation> {
    held.fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
        now.checked_add(bytes).filter(|&total| total <= budget)
    })
    .ok()?;
    Some(Reservation {
        bytes,
        held: held.clone(),
    })
}

fn take_where(listed: &mut Vec<(Option<i64>, IndexDoc)>, item: Option<i64>) -> Vec<IndexDoc> {
    let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(listed)
        .into_iter()
        .partition(|(i, _)| *i == item);
    *listed = kept;
    taken.into_iter().map(|(_, d)| d).collect()
}

/// The offline service worker, served from the root so that it may look
/// after the session and document pages.
pub(crate) async fn service_worker() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        include_bytes!("../../../static/sw.js").as_slice(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A build that takes `room` bytes of the budget for `content`, and
    /// counts its runs in `runs`.
    fn counted(
        runs: &Arc<AtomicUsize>,
        room: usize,
        content: &'static [u8],
    ) -> impl FnOnce(&dyn Fn(usize) -> Option<Reservation>) -> io::Result<Option<Bytes>> + Send + 'static
    {
        let runs = runs.clone();
        move |reserve| {
            runs.fetch_add(1, Ordering::SeqCst);
            let Some(reservation) = reserve(room) else {
                return Ok(None);
            };
            let mut map = memmap2::MmapMut::map_anon(content.len().max(1))?;
            map[..content.len()].copy_from_slice(content);
            Ok(Some(held(map, content.len(), reservation)?))
        }
    }

    fn entries(names: &[&str]) -> Vec<PacketEntry> {
        names
            .iter()
            .map(|n| PacketEntry {
                name: (*n).to_owned(),
                sha256: format!("{n}-hash"),
            })
            .collect()
    }

    #[tokio::test]
    async fn requests_at_the_same_time_share_one_build() {
        let packets = SharedPackets::with_budget(1000);
        let runs = Arc::new(AtomicUsize::new(0));
        let list = entries(&["a.pdf"]);
        let (first, second) = tokio::join!(
            packets.get("index", &list, counted(&runs, 100, b"zip bytes")),
            packets.get("index", &list, counted(&runs, 100, b"other bytes")),
        );
        let (first, second) = (first.unwrap().unwrap(), second.unwrap().unwrap());
        assert_eq!(runs.load(Ordering::SeqCst), 1, "built once");
        assert_eq!(first.bytes.as_ptr(), second.bytes.as_ptr(), "one copy");
        assert_eq!(&first.bytes[..], b"zip bytes");
        assert_eq!(packets.held(), 100);
    }

    #[tokio::test]
    async fn a_packet_is_shared_while_anyone_downloads_it_and_then_let_go() {
        let packets = SharedPackets::with_budget(1000);
        let runs = Arc::new(AtomicUsize::new(0));
        let list = entries(&["a.pdf", "b.docx"]);
        let sending = packets
            .get("index", &list, counted(&runs, 100, b"zip"))
            .await
            .unwrap()
            .unwrap();
        let later = packets
            .get("index", &list, counted(&runs, 100, b"zip"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "the later one is sent the same"
        );
        assert_eq!(sending.bytes.as_ptr(), later.bytes.as_ptr());

        // Another reader's packet (another index, another file) is its own.
        let other = packets
            .get("index 2", &list[..1], counted(&runs, 100, b"zip 2"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(&other.bytes[..], b"zip 2");
        assert_eq!(packets.held(), 200);

        // Sent to the end, every piece dropped: the memory is given back,
        // and the next request builds it again.
        let pieces: Vec<Bytes> = sending.pieces().map(Result::unwrap).collect();
        assert_eq!(pieces.concat(), b"zip");
        drop((later, other, pieces));
        assert_eq!(packets.held(), 0);
        packets
            .get("index", &list, counted(&runs, 100, b"zip"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_packet_that_does_not_fit_the_budget_is_left_to_stream() {
        let packets = SharedPackets::with_budget(1000);
        let runs = Arc::new(AtomicUsize::new(0));
        let held = packets
            .get("index", &entries(&["a.pdf"]), counted(&runs, 600, b"zip"))
            .await
            .unwrap();
        assert!(held.is_some());
        let too_big = packets
            .get("index", &entries(&["b.pdf"]), counted(&runs, 600, b"zip"))
            .await
            .unwrap();
        assert!(too_big.is_none(), "600 + 600 is over 1000");
        assert_eq!(packets.held(), 600, "the refused one holds nothing");
        drop(held);
        let fits_now = packets
            .get("index", &entries(&["c.pdf"]), counted(&runs, 600, b"zip"))
            .await
            .unwrap();
        assert!(fits_now.is_some());
    }

    #[test]
    fn the_key_tells_apart_what_runs_together() {
        let one = |names: &[&str]| key_of("x", &entries(names));
        assert_ne!(one(&["ab"]), one(&["a", "b"]));
        assert_ne!(key_of("ab", &entries(&[])), key_of("a", &entries(&["b"])));
        assert_eq!(one(&["a", "b"]), one(&["a", "b"]));
    }

    /// Held in memory or streamed, a packet is the same bytes, pieces and
    /// all: the documents stored, the index, each named once.
    #[tokio::test]
    async fn a_held_packet_and_a_streamed_one_are_the_same_bytes() {
        let dir = nghitruong_testkit::temp_dir();
        let blobs = BlobStore::new(dir.path().join("blobs")).unwrap();
        let big: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let mut list = Vec::new();
        for (name, bytes) in [
            ("01-Tờ trình.pdf", &big[..]),
            ("02-Dự thảo.docx", b"PK docx"),
        ] {
            let mut incoming = blobs.begin(10_000_000).unwrap();
            incoming.write(bytes).await.unwrap();
            let stored = incoming.finish().await.unwrap().keep().await.unwrap();
            list.push(PacketEntry {
                name: name.to_owned(),
                sha256: stored.sha256,
            });
        }
        let index = "<h1>Kỳ họp thứ 5</h1>".to_owned();
        let reserve = |bytes: usize| take_room(&Arc::default(), usize::MAX, bytes);
        let held = build_shared(&blobs, &index, &list, &reserve)
            .unwrap()
            .unwrap();
        let streamed = axum::body::to_bytes(stream_packet(blobs, index, list.clone()), usize::MAX)
            .await
            .unwrap();
        assert_eq!(held, streamed);
        let pieces: Vec<Bytes> = SharedPacket {
            bytes: held.clone(),
            _slot: Arc::default(),
        }
        .pieces()
        .map(Result::unwrap)
        .collect();
        assert_eq!(pieces.len(), held.len().div_ceil(SHARED_PIECE));
        assert_eq!(pieces.concat(), held);
        let zip = zip::ZipArchive::new(std::io::Cursor::new(held.to_vec())).unwrap();
        assert_eq!(zip.len(), 3);

        // Foreseen too small (the bound is tested in the docs crate, but if
        // it were wrong):
        // left to stream, not an error, and the room is given back.
        let budget = Arc::new(AtomicUsize::new(0));
        let short = held.len() - 1;
        let reservation = take_room(&budget, usize::MAX, short).unwrap();
        let blobs = BlobStore::new(dir.path().join("blobs")).unwrap();
        let index = "<h1>Kỳ họp thứ 5</h1>".to_owned();
        assert!(
            write_held(&blobs, &index, &list, short, reservation)
                .unwrap()
                .is_none()
        );
        assert_eq!(budget.load(Ordering::SeqCst), 0);
        let reservation = take_room(&budget, usize::MAX, held.len()).unwrap();
        let exact = write_held(&blobs, &index, &list, held.len(), reservation).unwrap();
        assert_eq!(exact.unwrap(), held);
    }
}
