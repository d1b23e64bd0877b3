//! The selective forwarding unit (bộ chuyển tiếp chọn lọc).
//!
//! One thread owns one UDP socket and every participant's `str0m::Rtc`.
//! Packets are demultiplexed to their peer, decrypted by str0m into media
//! frames, and written to the subscribers in the same room, each of which
//! str0m packetises and encrypts again for its own DTLS-SRTP session.
//! Signalling (offers and answers) goes in over [`ToSfu`] and out over each
//! peer's [`FromSfu`] channel; the web server carries it over WebSocket.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::crypto::CryptoProvider;
use str0m::media::{
    Direction, KeyframeRequest, KeyframeRequestKind, MediaData, MediaKind, MediaTime, Mid, Rid,
};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::sync::mpsc::UnboundedSender;

use crate::speaker::SpeakerDetector;

/// Where the SFU listens and what it tells browsers.
#[derive(Clone, Debug)]
pub struct SfuConfig {
    /// The UDP socket's address (`0.0.0.0:3478` on a server, `127.0.0.1:0`
    /// in tests).
    pub bind: SocketAddr,
    /// The address put in ICE candidates when the server sits behind NAT;
    /// without it, the bound address (which then must not be unspecified).
    pub public_ip: Option<IpAddr>,
}

/// What can go wrong starting or talking to the SFU.
#[derive(Debug, thiserror::Error)]
pub enum SfuError {
    /// The UDP socket could not be opened.
    #[error("không mở được cổng UDP cho họp trực tuyến: {0}")]
    Io(#[from] std::io::Error),
    /// No address to put in ICE candidates.
    #[error("cần khai báo địa chỉ công khai (public_ip) khi máy chủ nghe trên mọi địa chỉ")]
    NoPublicAddress,
    /// The media thread has stopped.
    #[error("bộ chuyển tiếp hình ảnh đã dừng")]
    Stopped,
}

/// A participant's connection to the SFU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PeerId(pub u64);

/// Which of a publisher's video layers a subscriber receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The full-resolution layer (`rid` `h`), or the only one.
    High,
    /// The reduced layer (`rid` `l`); the only one when there is no simulcast.
    Low,
    /// No video from this publisher (the subscriber shows a tile without it).
    Paused,
}

impl Layer {
    fn rid(self) -> Option<Rid> {
        match self {
            Layer::High => Some("h".into()),
            Layer::Low => Some("l".into()),
            Layer::Paused => None,
        }
    }
}

/// Commands to the media thread.
#[derive(Debug)]
pub enum ToSfu {
    /// A participant joins `room` with its SDP offer; answers and later
    /// offers come back on `events`.
    Join {
        /// The meeting.
        room: i64,
        /// Its id (from [`Sfu::new_peer`]).
        peer: PeerId,
        /// The browser's offer (SDP text).
        offer: String,
        /// May send media; a viewer's tracks are never forwarded.
        publish: bool,
        /// Where this peer's answers, offers and room events go.
        events: UnboundedSender<FromSfu>,
    },
    /// The answer to an offer the SFU sent (SDP text).
    Answer {
        /// Who answers.
        peer: PeerId,
        /// SDP text.
        sdp: String,
    },
    /// `peer` wants `layer` of `source`'s video.
    Layer {
        /// The subscriber.
        peer: PeerId,
        /// The publisher.
        source: PeerId,
        /// The layer.
        layer: Layer,
    },
    /// The moderator mutes (or lets speak) `peer`: its audio is not
    /// forwarded while silenced, whatever its browser sends. It holds from
    /// the moment it is sent, also for a peer that has not joined yet or
    /// joins again after a failed connection, until the peer leaves.
    Silence {
        /// Who.
        peer: PeerId,
        /// Silenced or not.
        silenced: bool,
    },
    /// The participant left.
    Leave {
        /// Who.
        peer: PeerId,
    },
    /// The meeting ended: every peer of `room` is disconnected and the
    /// room's state (tracks, speaker detection, mutes) is released.
    CloseRoom {
        /// The meeting.
        room: i64,
    },
    /// Counters, for the benchmark and `/metrics`.
    Stats {
        /// Where the answer goes.
        reply: mpsc::Sender<SfuStats>,
    },
    /// Stop the thread.
    Stop,
}

/// Messages from the media thread to one participant.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromSfu {
    /// The answer to the participant's offer.
    Answer {
        /// SDP text.
        sdp: String,
    },
    /// A new offer: tracks of other participants were added or removed.
    Offer {
        /// SDP text.
        sdp: String,
    },
    /// Who is speaking in the room now.
    ActiveSpeaker {
        /// The speaker.
        peer: PeerId,
    },
    /// The connection failed (a refused SDP, or ICE lost after a network
    /// drop) and the peer was disconnected; the client should join again
    /// with a new peer connection.
    Failed {
        /// Why, in Vietnamese.
        reason: String,
    },
}

/// Counters of the media thread since it started.
#[derive(Clone, Debug, Default)]
pub struct SfuStats {
    /// Participants connected now.
    pub peers: usize,
    /// Rooms with state in the media thread (participants or speaker
    /// detection).
    pub rooms: usize,
    /// Peers muted by a moderator, remembered until they leave.
    pub silenced: usize,
    /// UDP datagrams received.
    pub packets_in: u64,
    /// Bytes received.
    pub bytes_in: u64,
    /// UDP datagrams sent.
    pub packets_out: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// Media frames written to subscribers.
    pub frames_forwarded: u64,
    /// CPU time of the media thread (user + system), in seconds.
    pub cpu_seconds: f64,
}

/// A running SFU: the handle to its media thread. Dropping it stops the
/// thread.
pub struct Sfu {
    tx: mpsc::Sender<ToSfu>,
    addr: SocketAddr,
    next_peer: AtomicU64,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Sfu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sfu").field("addr", &self.addr).finish()
    }
}

impl Sfu {
    /// Binds the socket and starts the media thread.
    pub fn start(config: &SfuConfig) -> Result<Self, SfuError> {
        let socket = UdpSocket::bind(config.bind)?;
        let bound = socket.local_addr()?;
        let ip = match config.public_ip {
            Some(ip) => ip,
            None if bound.ip().is_unspecified() => return Err(SfuError::NoPublicAddress),
            None => bound.ip(),
        };
        let addr = SocketAddr::new(ip, bound.port());
        let crypto = Arc::new(str0m::crypto::from_feature_flags());
        let (tx, rx) = mpsc::channel();
        let media = MediaLoop {
            socket,
            addr,
            crypto,
            clients: Vec::new(),
            by_addr: HashMap::new(),
            speakers: HashMap::new(),
            silenced: HashSet::new(),
            stats: SfuStats::default(),
        };
        let thread = std::thread::Builder::new()
            .name("meet-sfu".into())
            .spawn(move || media.run(&rx))?;
        Ok(Self {
            tx,
            addr,
            next_peer: AtomicU64::new(1),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The address browsers send media to (the ICE host candidate).
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// A fresh peer id.
    pub fn new_peer(&self) -> PeerId {
        PeerId(self.next_peer.fetch_add(1, Ordering::Relaxed))
    }

    /// A sender of commands to the media thread, for a participant that
    /// outlives a borrow of the SFU (the synthetic peers' signalling).
    pub fn sender(&self) -> mpsc::Sender<ToSfu> {
        self.tx.clone()
    }

    /// Sends a command to the media thread.
    pub fn send(&self, command: ToSfu) -> Result<(), SfuError> {
        self.tx.send(command).map_err(|_| SfuError::Stopped)
    }

    /// The counters, asked of the media thread.
    pub fn stats(&self) -> Result<SfuStats, SfuError> {
        let (reply, answer) = mpsc::channel();
        self.send(ToSfu::Stats { reply })?;
        answer
            .recv_timeout(Duration::from_secs(5))
            .map_err(|_| SfuError::Stopped)
    }
}

impl Drop for Sfu {
    fn drop(&mut self) {
        let _ = self.tx.send(ToSfu::Stop);
        if let Ok(mut thread) = self.thread.lock()
            && let Some(handle) = thread.take()
        {
            let _ = handle.join();
        }
    }
}

/// The CPU time of the calling thread, from `/proc/thread-self/stat`
/// (utime + stime in clock ticks; Linux reports them in USER_HZ, 100 per
/// second, whatever the kernel's own tick).
pub(crate) fn thread_cpu_seconds() -> f64 {
    cpu_seconds("/proc/thread-self/stat")
}

/// User + system CPU time from a `/proc/…/stat` file: a thread's own, or a
/// whole process's (all its threads) for `/proc/<pid>/stat`.
pub(crate) fn cpu_seconds(path: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(path) else {
        return 0.0;
    };
    // The command name may hold spaces; fields are counted after its ')'.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')' the state is field 0; utime and stime are fields 11 and 12.
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (tick(11) + tick(12)) as f64 / 100.0
}

/// A track a participant publishes.
#[derive(Debug)]
struct TrackIn {
    mid: Mid,
    kind: MediaKind,
    last_keyframe_request: Option<Instant>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutState {
    ToOpen,
    Negotiating(Mid),
    Open(Mid),
    ToStop(Mid),
    Stopping(Mid),
}

/// Another participant's track sent to this one.
#[derive(Debug)]
struct TrackOut {
    source: PeerId,
    source_mid: Mid,
    kind: MediaKind,
    state: OutState,
    /// The simulcast layer being forwarded (`None`: no simulcast).
    rid: Option<Rid>,
    /// Forwarding started (video starts on a keyframe).
    started: bool,
    /// Added to the source's RTP time so a layer switch keeps time going forward.
    offset: u64,
    last_out: Option<MediaTime>,
}

struct Client {
    id: PeerId,
    room: i64,
    rtc: Rtc,
    events: UnboundedSender<FromSfu>,
    pending: Option<SdpPendingOffer>,
    tracks_in: Vec<TrackIn>,
    tracks_out: Vec<TrackOut>,
    layers: HashMap<PeerId, Layer>,
    publish: bool,
    next_timeout: Instant,
}

/// What one peer's output means for the others.
// Media is the common case and is moved once into the queue; boxing it
// would add an allocation per frame.
#[allow(clippy::large_enum_variant)]
enum Propagated {
    TrackOpen {
        origin: PeerId,
        mid: Mid,
        kind: MediaKind,
    },
    Media {
        origin: PeerId,
        kind: MediaKind,
        data: MediaData,
    },
    Keyframe {
        source: PeerId,
        mid: Mid,
        rid: Option<Rid>,
        kind: KeyframeRequestKind,
    },
    Gone {
        origin: PeerId,
        room: i64,
    },
}

struct MediaLoop {
    socket: UdpSocket,
    addr: SocketAddr,
    crypto: Arc<CryptoProvider>,
    clients: Vec<Client>,
    by_addr: HashMap<SocketAddr, PeerId>,
    speakers: HashMap<i64, SpeakerDetector>,
    /// Peers whose audio is dropped (moderator mute).
    silenced: HashSet<PeerId>,
    stats: SfuStats,
}

/// How often active speakers are re-evaluated.
const SPEAKER_TICK: Duration = Duration::from_millis(200);
/// The longest wait for a datagram, so commands are seen promptly.
const MAX_WAIT: Duration = Duration::from_millis(10);

impl MediaLoop {
    fn run(mut self, rx: &mpsc::Receiver<ToSfu>) {
        let mut buf = vec![0u8; 2000];
        let mut queue = VecDeque::new();
        let mut next_speaker_tick = Instant::now();
        loop {
            loop {
                match rx.try_recv() {
                    Ok(ToSfu::Stop) | Err(mpsc::TryRecvError::Disconnected) => return,
                    Ok(command) => self.command(command, &mut queue),
                    Err(mpsc::TryRecvError::Empty) => break,
                }
            }
            self.reap(&mut queue);
            let now = Instant::now();
            for i in 0..self.clients.len() {
                if self.clients[i].next_timeout <= now {
                    self.input(i, Input::Timeout(now), &mut queue);
                }
            }
            self.propagate(&mut queue);
            if now >= next_speaker_tick {
                self.tick_speakers(now);
                next_speaker_tick = now + SPEAKER_TICK;
            }
            let deadline = self
                .clients
                .iter()
                .map(|c| c.next_timeout)
                .min()
                .unwrap_or(now + MAX_WAIT)
                .min(now + MAX_WAIT);
            let wait = deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            if self.socket.set_read_timeout(Some(wait)).is_err() {
                return;
            }
            // One blocking read, then whatever else is already waiting.
            let mut first = true;
            loop {
                if !first && self.socket.set_nonblocking(true).is_err() {
                    return;
                }
                let got = self.socket.recv_from(&mut buf);
                if !first && self.socket.set_nonblocking(false).is_err() {
                    return;
                }
                first = false;
                match got {
                    Ok((n, source)) => {
                        self.stats.packets_in += 1;
                        self.stats.bytes_in += n as u64;
                        self.receive(&buf[..n], source, &mut queue);
                        self.propagate(&mut queue);
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "SFU socket read failed");
                        break;
                    }
                }
            }
        }
    }

    fn index(&self, peer: PeerId) -> Option<usize> {
        self.clients.iter().position(|c| c.id == peer)
    }

    fn command(&mut self, command: ToSfu, queue: &mut VecDeque<Propagated>) {
        match command {
            ToSfu::Join {
                room,
                peer,
                offer,
                publish,
                events,
            } => self.join(room, peer, &offer, publish, events, queue),
            ToSfu::Answer { peer, sdp } => {
                let Some(i) = self.index(peer) else { return };
                let client = &mut self.clients[i];
                let (Some(pending), Ok(answer)) =
                    (client.pending.take(), SdpAnswer::from_sdp_string(&sdp))
                else {
                    return;
                };
                if let Err(e) = client.rtc.sdp_api().accept_answer(pending, answer) {
                    tracing::warn!(peer = peer.0, error = %e, "answer refused");
                    client.fail("Trả lời SDP không hợp lệ.");
                    return;
                }
                let mut opened = vec![];
                for t in &mut client.tracks_out {
                    match t.state {
                        OutState::Negotiating(m) => {
                            t.state = OutState::Open(m);
                            if t.kind == MediaKind::Video {
                                opened.push((t.source, t.source_mid));
                            }
                        }
                        OutState::Stopping(_) => {}
                        _ => {}
                    }
                }
                client
                    .tracks_out
                    .retain(|t| !matches!(t.state, OutState::Stopping(_)));
                let layers = client.layers.clone();
                // A new subscriber needs a keyframe to start decoding.
                for (source, mid) in opened {
                    let layer = layers.get(&source).copied().unwrap_or(Layer::High);
                    queue.push_back(Propagated::Keyframe {
                        source,
                        mid,
                        rid: layer.rid(),
                        kind: KeyframeRequestKind::Pli,
                    });
                }
                self.input(i, Input::Timeout(Instant::now()), queue);
            }
            ToSfu::Layer {
                peer,
                source,
                layer,
            } => {
                let Some(i) = self.index(peer) else { return };
                let client = &mut self.clients[i];
                client.layers.insert(source, layer);
                let video = client
                    .tracks_out
                    .iter()
                    .find(|t| t.source == source && t.kind == MediaKind::Video)
                    .map(|t| t.source_mid);
                if let (Some(mid), Some(rid)) = (video, layer.rid()) {
                    queue.push_back(Propagated::Keyframe {
                        source,
                        mid,
                        rid: Some(rid),
                        kind: KeyframeRequestKind::Pli,
                    });
                }
            }
            ToSfu::Silence { peer, silenced } => {
                if silenced {
                    self.silenced.insert(peer);
                } else {
                    self.silenced.remove(&peer);
                }
            }
            ToSfu::Leave { peer } => {
                self.silenced.remove(&peer);
                if let Some(i) = self.index(peer) {
                    self.clients[i].rtc.disconnect();
                }
                self.reap(queue);
            }
            ToSfu::CloseRoom { room } => {
                for c in self.clients.iter_mut().filter(|c| c.room == room) {
                    self.silenced.remove(&c.id);
                    c.rtc.disconnect();
                }
                self.speakers.remove(&room);
                self.reap(queue);
            }
            ToSfu::Stats { reply } => {
                let mut stats = self.stats.clone();
                stats.peers = self.clients.len();
                let mut rooms: HashSet<i64> = self.clients.iter().map(|c| c.room).collect();
                rooms.extend(self.speakers.keys());
                stats.rooms = rooms.len();
                stats.silenced = self.silenced.len();
                stats.cpu_seconds = thread_cpu_seconds();
                let _ = reply.send(stats);
            }
            ToSfu::Stop => {}
        }
    }

    fn join(
        &mut self,
        room: i64,
        peer: PeerId,
        offer: &str,
        publish: bool,
        events: UnboundedSender<FromSfu>,
        queue: &mut VecDeque<Propagated>,
    ) {
        // A peer joining again (a new connection after a failed one): the
        // old connection goes first, and the others drop its tracks.
        if let Some(i) = self.index(peer) {
            self.clients[i].rtc.disconnect();
            self.reap(queue);
        }
        let now = Instant::now();
        let mut rtc = Rtc::builder()
            .set_crypto_provider(self.crypto.clone())
            .build(now);
        let answer = Candidate::host(self.addr, "udp")
            .map_err(|e| e.to_string())
            .and_then(|c| {
                rtc.add_local_candidate(c);
                SdpOffer::from_sdp_string(offer).map_err(|e| e.to_string())
            })
            .and_then(|offer| rtc.sdp_api().accept_offer(offer).map_err(|e| e.to_string()));
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(peer = peer.0, error = %e, "offer refused");
                let _ = events.send(FromSfu::Failed {
                    reason: "Trình duyệt gửi đề nghị kết nối (SDP) không hợp lệ.".into(),
                });
                return;
            }
        };
        if events
            .send(FromSfu::Answer {
                sdp: answer.to_sdp_string(),
            })
            .is_err()
        {
            return;
        }
        // Everything already published in the room goes to the newcomer.
        let tracks_out = self
            .clients
            .iter()
            .filter(|c| c.room == room)
            .flat_map(|c| {
                c.tracks_in
                    .iter()
                    .map(|t| TrackOut::new(c.id, t.mid, t.kind))
            })
            .collect();
        self.clients.push(Client {
            id: peer,
            room,
            rtc,
            events,
            pending: None,
            tracks_in: vec![],
            tracks_out,
            layers: HashMap::new(),
            publish,
            next_timeout: now,
        });
        let i = self.clients.len() - 1;
        self.input(i, Input::Timeout(now), queue);
        // Tell the newcomer who is speaking.
        if let Some(current) = self.speakers.get(&room).and_then(|d| d.current()) {
            let _ = self.clients[i].events.send(FromSfu::ActiveSpeaker {
                peer: PeerId(current),
            });
        }
    }

    /// Removes dead peers and tells the others.
    fn reap(&mut self, queue: &mut VecDeque<Propagated>) {
        let mut gone = vec![];
        self.clients.retain(|c| {
            let alive = c.rtc.is_alive() && !c.events.is_closed();
            if !alive {
                gone.push((c.id, c.room));
            }
            alive
        });
        if gone.is_empty() {
            return;
        }
        self.by_addr
            .retain(|_, peer| !gone.iter().any(|(g, _)| g == peer));
        for (origin, room) in gone {
            if let Some(d) = self.speakers.get_mut(&room) {
                d.forget(origin.0);
            }
            if !self.clients.iter().any(|c| c.room == room) {
                // Nobody left in the room: nothing of it stays in memory.
                self.speakers.remove(&room);
            }
            queue.push_back(Propagated::Gone { origin, room });
        }
        self.propagate(queue);
    }

    fn receive(&mut self, datagram: &[u8], source: SocketAddr, queue: &mut VecDeque<Propagated>) {
        let Ok(contents) = datagram.try_into() else {
            return;
        };
        let input = Input::Receive(
            Instant::now(),
            Receive {
                proto: Protocol::Udp,
                source,
                destination: self.addr,
                contents,
            },
        );
        let cached = self
            .by_addr
            .get(&source)
            .and_then(|p| self.index(*p))
            .filter(|i| self.clients[*i].rtc.accepts(&input));
        let found = cached.or_else(|| self.clients.iter().position(|c| c.rtc.accepts(&input)));
        let Some(i) = found else {
            // Common while a browser's first STUN arrives before its join.
            return;
        };
        self.by_addr.insert(source, self.clients[i].id);
        self.input(i, input, queue);
    }

    /// Feeds one input to client `i` and drains its output.
    fn input(&mut self, i: usize, input: Input<'_>, queue: &mut VecDeque<Propagated>) {
        let client = &mut self.clients[i];
        if !client.rtc.is_alive() {
            return;
        }
        if let Err(e) = client.rtc.handle_input(input) {
            tracing::info!(peer = client.id.0, error = %e, "peer disconnected");
            client.rtc.disconnect();
            return;
        }
        self.drain(i, queue);
    }

    /// Polls client `i` until it only has a timeout left.
    fn drain(&mut self, i: usize, queue: &mut VecDeque<Propagated>) {
        let MediaLoop {
            clients,
            socket,
            stats,
            ..
        } = self;
        let client = &mut clients[i];
        client.negotiate();
        loop {
            if !client.rtc.is_alive() {
                return;
            }
            let output = match client.rtc.poll_output() {
                Ok(o) => o,
                Err(e) => {
                    tracing::info!(peer = client.id.0, error = %e, "peer failed");
                    client.rtc.disconnect();
                    return;
                }
            };
            match output {
                Output::Timeout(t) => {
                    client.next_timeout = t;
                    return;
                }
                Output::Transmit(t) => {
                    stats.packets_out += 1;
                    stats.bytes_out += t.contents.len() as u64;
                    if let Err(e) = socket.send_to(&t.contents, t.destination)
                        && e.kind() != ErrorKind::WouldBlock
                    {
                        tracing::debug!(error = %e, "SFU send failed");
                    }
                }
                Output::Event(event) => {
                    if let Some(p) = client.event(event) {
                        queue.push_back(p);
                    }
                }
            }
        }
    }

    fn propagate(&mut self, queue: &mut VecDeque<Propagated>) {
        while let Some(p) = queue.pop_front() {
            match p {
                Propagated::TrackOpen { origin, mid, kind } => {
                    let Some(room) = self.index(origin).map(|i| self.clients[i].room) else {
                        continue;
                    };
                    for i in 0..self.clients.len() {
                        let c = &mut self.clients[i];
                        if c.id != origin && c.room == room {
                            c.tracks_out.push(TrackOut::new(origin, mid, kind));
                            self.drain(i, queue);
                        }
                    }
                }
                Propagated::Media { origin, kind, data } => {
                    let Some(oi) = self.index(origin) else {
                        continue;
                    };
                    let room = self.clients[oi].room;
                    if kind == MediaKind::Audio {
                        if self.silenced.contains(&origin) {
                            continue;
                        }
                        if let Some(level) = data.ext_vals.audio_level {
                            self.speakers.entry(room).or_default().observe(
                                origin.0,
                                level,
                                data.network_time,
                            );
                        }
                    }
                    for i in 0..self.clients.len() {
                        if i == oi || self.clients[i].room != room {
                            continue;
                        }
                        match self.clients[i].forward(origin, &data) {
                            Forwarded::Written => {
                                self.stats.frames_forwarded += 1;
                                self.drain(i, queue);
                            }
                            Forwarded::NeedKeyframe(rid) => {
                                queue.push_back(Propagated::Keyframe {
                                    source: origin,
                                    mid: data.mid,
                                    rid,
                                    kind: KeyframeRequestKind::Pli,
                                });
                            }
                            Forwarded::Skipped => {}
                        }
                    }
                }
                Propagated::Keyframe {
                    source,
                    mid,
                    rid,
                    kind,
                } => {
                    let Some(i) = self.index(source) else {
                        continue;
                    };
                    if self.clients[i].request_keyframe(mid, rid, kind) {
                        self.drain(i, queue);
                    }
                }
                Propagated::Gone { origin, room } => {
                    for i in 0..self.clients.len() {
                        let c = &mut self.clients[i];
                        if c.room != room {
                            continue;
                        }
                        let mut changed = false;
                        c.tracks_out.retain_mut(|t| {
                            if t.source != origin {
                                return true;
                            }
                            changed = true;
                            match t.state {
                                OutState::ToOpen => false,
                                OutState::Negotiating(m) | OutState::Open(m) => {
                                    t.state = OutState::ToStop(m);
                                    true
                                }
                                _ => true,
                            }
                        });
                        c.layers.remove(&origin);
                        if changed {
                            self.drain(i, queue);
                        }
                    }
                }
            }
        }
    }

    fn tick_speakers(&mut self, now: Instant) {
        for (room, detector) in &mut self.speakers {
            if let Some(peer) = detector.tick(now) {
                for c in self.clients.iter().filter(|c| c.room == *room) {
                    let _ = c.events.send(FromSfu::ActiveSpeaker { peer: PeerId(peer) });
                }
            }
        }
    }
}

enum Forwarded {
    Written,
    Skipped,
    NeedKeyframe(Option<Rid>),
}

impl TrackOut {
    fn new(source: PeerId, source_mid: Mid, kind: MediaKind) -> Self {
        Self {
            source,
            source_mid,
            kind,
            state: OutState::ToOpen,
            rid: None,
            started: false,
            offset: 0,
            last_out: None,
        }
    }
}

impl Client {
    fn fail(&mut self, reason: &str) {
        let _ = self.events.send(FromSfu::Failed {
            reason: reason.into(),
        });
        self.rtc.disconnect();
    }

    fn event(&mut self, event: Event) -> Option<Propagated> {
        match event {
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                // No ICE restart: the client is told, and joins again with a
                // new peer connection (a network drop, a changed address).
                self.fail("Mất kết nối hình ảnh; đang kết nối lại.");
                None
            }
            Event::MediaAdded(added)
                if self.publish
                    && matches!(added.direction, Direction::RecvOnly | Direction::SendRecv) =>
            {
                self.tracks_in.push(TrackIn {
                    mid: added.mid,
                    kind: added.kind,
                    last_keyframe_request: None,
                });
                Some(Propagated::TrackOpen {
                    origin: self.id,
                    mid: added.mid,
                    kind: added.kind,
                })
            }
            Event::MediaData(data) => {
                let kind = self.tracks_in.iter().find(|t| t.mid == data.mid)?.kind;
                if kind == MediaKind::Video && !data.contiguous {
                    self.request_keyframe(data.mid, data.rid, KeyframeRequestKind::Fir);
                }
                Some(Propagated::Media {
                    origin: self.id,
                    kind,
                    data,
                })
            }
            Event::KeyframeRequest(KeyframeRequest { mid, kind, .. }) => {
                let t = self
                    .tracks_out
                    .iter()
                    .find(|t| t.state == OutState::Open(mid))?;
                let layer = self.layers.get(&t.source).copied().unwrap_or(Layer::High);
                Some(Propagated::Keyframe {
                    source: t.source,
                    mid: t.source_mid,
                    rid: t.rid.or(layer.rid()),
                    kind,
                })
            }
            _ => None,
        }
    }

    /// Asks this publisher for a keyframe, at most every 300 ms per track.
    fn request_keyframe(&mut self, mid: Mid, rid: Option<Rid>, kind: KeyframeRequestKind) -> bool {
        let Some(track) = self.tracks_in.iter_mut().find(|t| t.mid == mid) else {
            return false;
        };
        let now = Instant::now();
        if track
            .last_keyframe_request
            .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_millis(300))
        {
            return false;
        }
        let Some(mut writer) = self.rtc.writer(mid) else {
            return false;
        };
        // A rid this publisher does not send is refused; ask without one.
        if writer.request_keyframe(rid, kind).is_err() {
            let _ = writer.request_keyframe(None, kind);
        }
        track.last_keyframe_request = Some(now);
        true
    }

    /// Offers the tracks added or removed since the last negotiation.
    fn negotiate(&mut self) {
        if self.pending.is_some() || !self.rtc.is_alive() {
            return;
        }
        let needed = self
            .tracks_out
            .iter()
            .any(|t| matches!(t.state, OutState::ToOpen | OutState::ToStop(_)));
        if !needed {
            return;
        }
        let mut change = self.rtc.sdp_api();
        for t in &mut self.tracks_out {
            match t.state {
                OutState::ToOpen => {
                    // The stream id names the publisher, so the browser can
                    // put the track in that participant's tile.
                    let mid = change.add_media(
                        t.kind,
                        Direction::SendOnly,
                        Some(format!("p{}", t.source.0)),
                        None,
                        None,
                    );
                    t.state = OutState::Negotiating(mid);
                }
                OutState::ToStop(mid) => {
                    change.stop_media(mid);
                    t.state = OutState::Stopping(mid);
                }
                _ => {}
            }
        }
        let Some((offer, pending)) = change.apply() else {
            return;
        };
        self.pending = Some(pending);
        if self
            .events
            .send(FromSfu::Offer {
                sdp: offer.to_sdp_string(),
            })
            .is_err()
        {
            self.rtc.disconnect();
        }
    }

    /// Writes one frame from `origin` to this subscriber, if it wants it.
    fn forward(&mut self, origin: PeerId, data: &MediaData) -> Forwarded {
        let layer = self.layers.get(&origin).copied().unwrap_or(Layer::High);
        let Some(t) = self
            .tracks_out
            .iter_mut()
            .find(|t| t.source == origin && t.source_mid == data.mid)
        else {
            return Forwarded::Skipped;
        };
        let OutState::Open(mid) = t.state else {
            return Forwarded::Skipped;
        };
        if t.kind == MediaKind::Video {
            if layer == Layer::Paused {
                t.started = false;
                return Forwarded::Skipped;
            }
            let wanted = if data.rid.is_some() {
                layer.rid()
            } else {
                None
            };
            let switching = data.rid == wanted && t.rid != wanted;
            if data.rid != t.rid && !switching {
                return Forwarded::Skipped;
            }
            if (switching || !t.started) && !data.is_keyframe() {
                return Forwarded::NeedKeyframe(data.rid);
            }
            if switching || !t.started {
                // Continue the outgoing timeline one frame after the last one.
                t.offset = match t.last_out {
                    Some(last) => last
                        .numer()
                        .wrapping_add(3000)
                        .wrapping_sub(data.time.numer()),
                    None => 0,
                };
                t.rid = wanted;
                t.started = true;
            }
        }
        let time = MediaTime::new(
            data.time.numer().wrapping_add(t.offset),
            data.time.frequency(),
        );
        t.last_out = Some(time);
        let Some(writer) = self.rtc.writer(mid) else {
            return Forwarded::Skipped;
        };
        let Some(pt) = writer.match_params(data.params) else {
            return Forwarded::Skipped;
        };
        let writer = match data.ext_vals.audio_level {
            Some(level) => writer.audio_level(level, data.ext_vals.voice_activity.unwrap_or(false)),
            None => writer,
        };
        match writer.write(pt, data.network_time, time, data.data.clone()) {
            Ok(()) => Forwarded::Written,
            Err(e) => {
                tracing::debug!(peer = self.id.0, error = %e, "write failed");
                Forwarded::Skipped
            }
        }
    }
}
