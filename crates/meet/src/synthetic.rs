//! A headless participant (người tham dự tổng hợp) written with str0m: it
//! joins a media server through a [`Signalling`] (our [`Sfu`] through the
//! same messages a browser uses, or another server such as Janus's
//! VideoRoom), runs real ICE and DTLS-SRTP on its own UDP socket, publishes
//! VP8-shaped frames and Opus-sized audio with an RFC 6464 level, and
//! counts what it receives. The SFU's tests and the load benchmark use it;
//! no browser needed. The media code is the same whatever the signalling,
//! so two servers measured with it get identical load and measurement.
//!
//! Each frame it sends starts with a VP8 frame tag (bit 0 clear on a
//! keyframe, as the VP8 depacketiser reads it), then its sequence number
//! and the microseconds since a shared epoch at which it was sent, so a
//! receiver can measure loss and latency.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::crypto::CryptoProvider;
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid, Rid, Simulcast, SimulcastLayer};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::{FromSfu, PeerId, Sfu, ToSfu};

/// A message from the media server to a synthetic peer, whatever the
/// server's own signalling looks like.
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    /// The answer to the peer's offer (SDP text).
    Answer(String),
    /// An offer from the server (SDP text); the peer answers it.
    Offer(String),
    /// Who is speaking now (our SFU only).
    ActiveSpeaker(PeerId),
    /// The server gave up on this peer.
    Failed(String),
}

/// How a synthetic peer talks to a media server (kênh báo hiệu): its offer
/// or answer out, the server's answers and offers in. The media itself
/// never goes through here.
pub trait Signalling: Send {
    /// The id the server knows this peer by.
    fn peer(&self) -> PeerId;
    /// Whether the peer opens with its own offer (a publisher, or any peer
    /// of our SFU) rather than waiting for the server's (a Janus viewer).
    fn offers_first(&self) -> bool;
    /// Whether the peer's own offer carries a data channel (our SFU's
    /// control channel; Janus's VideoRoom needs none).
    fn data_channel(&self) -> bool;
    /// The local address the peer's UDP socket binds to.
    fn bind_ip(&self) -> std::net::IpAddr {
        std::net::Ipv4Addr::LOCALHOST.into()
    }
    /// Sends the peer's offer.
    fn send_offer(&mut self, sdp: String) -> Result<(), PeerError>;
    /// Sends the peer's answer to the server's last offer.
    fn send_answer(&mut self, sdp: String) -> Result<(), PeerError>;
    /// The next message from the server, if one is waiting.
    fn try_recv(&mut self) -> Option<Signal>;
}

/// Our [`Sfu`]'s signalling: the same [`ToSfu`]/[`FromSfu`] messages the
/// WebSocket carries for a browser.
#[derive(Debug)]
pub struct SfuSignalling {
    sfu: mpsc::Sender<ToSfu>,
    peer: PeerId,
    room: i64,
    publish: bool,
    events: Option<UnboundedReceiver<FromSfu>>,
}

impl SfuSignalling {
    /// A new participant of `room` at `sfu`.
    pub fn new(sfu: &Sfu, room: i64, publish: bool) -> Self {
        Self {
            sfu: sfu.sender(),
            peer: sfu.new_peer(),
            room,
            publish,
            events: None,
        }
    }
}

impl Signalling for SfuSignalling {
    fn peer(&self) -> PeerId {
        self.peer
    }

    fn offers_first(&self) -> bool {
        true
    }

    fn data_channel(&self) -> bool {
        true
    }

    fn send_offer(&mut self, sdp: String) -> Result<(), PeerError> {
        let (tx, events) = unbounded_channel();
        self.events = Some(events);
        self.sfu
            .send(ToSfu::Join {
                room: self.room,
                peer: self.peer,
                offer: sdp,
                publish: self.publish,
                events: tx,
            })
            .map_err(|_| PeerError::Signalling("the SFU has stopped".into()))
    }

    fn send_answer(&mut self, sdp: String) -> Result<(), PeerError> {
        self.sfu
            .send(ToSfu::Answer {
                peer: self.peer,
                sdp,
            })
            .map_err(|_| PeerError::Signalling("the SFU has stopped".into()))
    }

    fn try_recv(&mut self) -> Option<Signal> {
        let message = self.events.as_mut()?.try_recv().ok()?;
        Some(match message {
            FromSfu::Answer { sdp } => Signal::Answer(sdp),
            FromSfu::Offer { sdp } => Signal::Offer(sdp),
            FromSfu::ActiveSpeaker { peer } => Signal::ActiveSpeaker(peer),
            FromSfu::Failed { reason } => Signal::Failed(reason),
        })
    }
}

/// What a synthetic peer received from one publisher.
#[derive(Clone, Debug, Default)]
pub struct Received {
    /// Video frames received.
    pub video_frames: u64,
    /// Video bytes received.
    pub video_bytes: u64,
    /// Audio frames received.
    pub audio_frames: u64,
    /// Lowest and highest frame sequence number seen.
    pub first_seq: Option<u32>,
    /// Highest frame sequence number seen.
    pub last_seq: Option<u32>,
    /// Send-to-receive times of video frames, in microseconds.
    pub latencies_us: Vec<u64>,
    /// Size of the last video frame (shows the simulcast layer).
    pub last_frame_size: usize,
    /// Per incoming video mid: lowest and highest sequence number and the
    /// frames counted, so that loss stays right whatever stream ids the
    /// server gives its tracks.
    ranges: HashMap<Mid, (u32, u32, u64)>,
}

impl Received {
    /// Frames missing between the first and the last seen, track by track.
    pub fn lost(&self) -> u64 {
        self.ranges
            .values()
            .map(|&(a, b, n)| (u64::from(b - a) + 1).saturating_sub(n))
            .sum()
    }
}

/// A headless participant.
pub struct SyntheticPeer {
    /// Its id at the SFU.
    pub peer: PeerId,
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    signalling: Box<dyn Signalling>,
    pending: Option<SdpPendingOffer>,
    video: Option<Mid>,
    audio: Option<Mid>,
    simulcast: bool,
    next_timeout: Instant,
    buf: Vec<u8>,
    epoch: Instant,
    seq: u32,
    rtp_video: u64,
    rtp_audio: u64,
    keyframe_wanted: bool,
    /// ICE and DTLS are up.
    pub connected: bool,
    /// Active-speaker announcements, in order.
    pub speakers: Vec<PeerId>,
    /// What arrived, by the publisher's stream id (`p<peer>`).
    pub received: HashMap<String, Received>,
    /// Stream id of each incoming mid.
    streams: HashMap<Mid, String>,
    /// The server said the connection failed.
    pub failed: Option<String>,
    /// UDP bytes received (SRTP, RTCP, STUN), from the socket: what the
    /// server forwarded to this peer.
    pub bytes_received: u64,
}

impl std::fmt::Debug for SyntheticPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyntheticPeer")
            .field("peer", &self.peer)
            .field("connected", &self.connected)
            .finish()
    }
}

/// What can fail for a synthetic peer.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// Socket trouble.
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    /// WebRTC trouble.
    #[error("webrtc: {0}")]
    Rtc(String),
    /// The server's signalling refused or failed.
    #[error("signalling: {0}")]
    Signalling(String),
}

fn rtc_err(e: impl std::fmt::Display) -> PeerError {
    PeerError::Rtc(e.to_string())
}

impl SyntheticPeer {
    /// Joins `room` of our `sfu`; a publisher offers one video (with `h`/`l`
    /// simulcast when `simulcast`) and one audio track, a viewer only a data
    /// channel.
    pub fn join(
        sfu: &Sfu,
        room: i64,
        publish: bool,
        simulcast: bool,
        crypto: Arc<CryptoProvider>,
        epoch: Instant,
    ) -> Result<Self, PeerError> {
        Self::connect(
            Box::new(SfuSignalling::new(sfu, room, publish)),
            publish,
            simulcast,
            crypto,
            epoch,
        )
    }

    /// Joins through `signalling`. When the peer offers first, its offer
    /// holds one video track (with `h`/`l` simulcast when `simulcast`) and
    /// one audio track if it publishes, and the data channel if the server
    /// wants one; otherwise it waits for the server's offer.
    pub fn connect(
        mut signalling: Box<dyn Signalling>,
        publish: bool,
        simulcast: bool,
        crypto: Arc<CryptoProvider>,
        epoch: Instant,
    ) -> Result<Self, PeerError> {
        let socket = UdpSocket::bind(SocketAddr::new(signalling.bind_ip(), 0))?;
        socket.set_nonblocking(true)?;
        let local = socket.local_addr()?;
        let now = Instant::now();
        let mut rtc = Rtc::builder().set_crypto_provider(crypto).build(now);
        rtc.add_local_candidate(Candidate::host(local, "udp").map_err(rtc_err)?);
        let (mut video, mut audio, mut pending) = (None, None, None);
        if signalling.offers_first() {
            let mut change = rtc.sdp_api();
            if publish {
                let layers = simulcast.then(|| {
                    let mut s = Simulcast::new();
                    s.add_send_layer(SimulcastLayer::new("h"));
                    s.add_send_layer(SimulcastLayer::new("l"));
                    s
                });
                video = Some(change.add_media(
                    MediaKind::Video,
                    Direction::SendOnly,
                    Some("synthetic".into()),
                    None,
                    layers,
                ));
                audio = Some(change.add_media(
                    MediaKind::Audio,
                    Direction::SendOnly,
                    Some("synthetic".into()),
                    None,
                    None,
                ));
            }
            if signalling.data_channel() {
                change.add_channel("hop".into());
            }
            let (offer, waiting) = change
                .apply()
                .ok_or_else(|| PeerError::Rtc("nothing to offer".into()))?;
            pending = Some(waiting);
            signalling.send_offer(offer.to_sdp_string())?;
        }
        Ok(Self {
            peer: signalling.peer(),
            rtc,
            socket,
            local,
            signalling,
            pending,
            video,
            audio,
            simulcast,
            next_timeout: now,
            buf: vec![0; 2000],
            epoch,
            seq: 0,
            rtp_video: 0,
            rtp_audio: 0,
            keyframe_wanted: true,
            connected: false,
            speakers: vec![],
            received: HashMap::new(),
            streams: HashMap::new(),
            failed: None,
            bytes_received: 0,
        })
    }

    /// Handles signalling, datagrams and timers; call it often.
    pub fn poll(&mut self) -> Result<(), PeerError> {
        while let Some(message) = self.signalling.try_recv() {
            match message {
                Signal::Answer(sdp) => {
                    if let Some(pending) = self.pending.take() {
                        let answer = SdpAnswer::from_sdp_string(&sdp).map_err(rtc_err)?;
                        self.rtc
                            .sdp_api()
                            .accept_answer(pending, answer)
                            .map_err(rtc_err)?;
                    }
                }
                Signal::Offer(sdp) => {
                    let offer = SdpOffer::from_sdp_string(&sdp).map_err(rtc_err)?;
                    let answer = self.rtc.sdp_api().accept_offer(offer).map_err(rtc_err)?;
                    self.signalling.send_answer(answer.to_sdp_string())?;
                }
                Signal::ActiveSpeaker(peer) => self.speakers.push(peer),
                Signal::Failed(reason) => self.failed = Some(reason),
            }
        }
        loop {
            match self.socket.recv_from(&mut self.buf) {
                Ok((n, source)) => {
                    self.bytes_received += n as u64;
                    let Ok(contents) = self.buf[..n].try_into() else {
                        continue;
                    };
                    let input = Input::Receive(
                        Instant::now(),
                        Receive {
                            proto: Protocol::Udp,
                            source,
                            destination: self.local,
                            contents,
                        },
                    );
                    self.rtc.handle_input(input).map_err(rtc_err)?;
                    self.drain()?;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
        let now = Instant::now();
        if now >= self.next_timeout {
            self.rtc
                .handle_input(Input::Timeout(now))
                .map_err(rtc_err)?;
        }
        self.drain()
    }

    fn drain(&mut self) -> Result<(), PeerError> {
        loop {
            match self.rtc.poll_output().map_err(rtc_err)? {
                Output::Timeout(t) => {
                    self.next_timeout = t;
                    return Ok(());
                }
                Output::Transmit(t) => {
                    if let Err(e) = self.socket.send_to(&t.contents, t.destination)
                        && e.kind() != ErrorKind::WouldBlock
                    {
                        return Err(e.into());
                    }
                }
                Output::Event(event) => self.event(event),
            }
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Connected => self.connected = true,
            Event::KeyframeRequest(_) => self.keyframe_wanted = true,
            Event::MediaAdded(added) => {
                let stream = self
                    .rtc
                    .media(added.mid)
                    .map(|m| m.stream_id().to_owned())
                    .unwrap_or_default();
                self.streams.insert(added.mid, stream);
            }
            Event::MediaData(data) => {
                let stream = self.streams.get(&data.mid).cloned().unwrap_or_default();
                let entry = self.received.entry(stream).or_default();
                let video = self.rtc.media(data.mid).map(|m| m.kind()) == Some(MediaKind::Video);
                if !video || data.data.len() < 13 {
                    entry.audio_frames += 1;
                    return;
                }
                entry.video_frames += 1;
                entry.video_bytes += data.data.len() as u64;
                entry.last_frame_size = data.data.len();
                let seq =
                    u32::from_be_bytes([data.data[1], data.data[2], data.data[3], data.data[4]]);
                let mut sent = [0u8; 8];
                sent.copy_from_slice(&data.data[5..13]);
                let sent = u64::from_be_bytes(sent);
                let now = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
                entry.latencies_us.push(now.saturating_sub(sent));
                entry.first_seq = Some(entry.first_seq.map_or(seq, |f| f.min(seq)));
                entry.last_seq = Some(entry.last_seq.map_or(seq, |l| l.max(seq)));
                let range = entry.ranges.entry(data.mid).or_insert((seq, seq, 0));
                range.0 = range.0.min(seq);
                range.1 = range.1.max(seq);
                range.2 += 1;
            }
            _ => {}
        }
    }

    /// Forgets what was received (to start a measuring window).
    pub fn reset_counts(&mut self) {
        self.received.clear();
        self.bytes_received = 0;
    }

    /// Sends one video frame of `size` bytes (at 30 frames a second); a
    /// keyframe every `keyframe_every` frames or when one was asked for.
    /// With simulcast, the `l` layer carries a quarter of the bytes.
    pub fn send_video(&mut self, size: usize, keyframe_every: u32) -> Result<(), PeerError> {
        let Some(mid) = self.video else {
            return Ok(());
        };
        if !self.connected {
            return Ok(());
        }
        let keyframe = self.keyframe_wanted || self.seq.is_multiple_of(keyframe_every.max(1));
        self.keyframe_wanted = false;
        let sent = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
        let frame = |len: usize, seq: u32| {
            let mut data = vec![0x5a_u8; len.max(13)];
            data[0] = if keyframe { 0x10 } else { 0x11 };
            data[1..5].copy_from_slice(&seq.to_be_bytes());
            data[5..13].copy_from_slice(&sent.to_be_bytes());
            data
        };
        let time = MediaTime::from_90khz(self.rtp_video);
        self.rtp_video += 3000;
        let seq = self.seq;
        self.seq += 1;
        let layers: Vec<(Option<Rid>, usize)> = if self.simulcast {
            vec![(Some("h".into()), size), (Some("l".into()), size / 4)]
        } else {
            vec![(None, size)]
        };
        for (rid, len) in layers {
            let Some(writer) = self.rtc.writer(mid) else {
                return Ok(());
            };
            let Some(pt) = writer
                .payload_params()
                .find(|p| p.spec().codec == Codec::Vp8)
                .map(|p| p.pt())
            else {
                return Ok(());
            };
            let writer = match rid {
                Some(rid) => writer.rid(rid),
                None => writer,
            };
            writer
                .write(pt, Instant::now(), time, frame(len, seq))
                .map_err(rtc_err)?;
        }
        self.drain()
    }

    /// Sends 20 ms of audio with RFC 6464 `level` (-dBov).
    pub fn send_audio(&mut self, level: i8) -> Result<(), PeerError> {
        let Some(mid) = self.audio else {
            return Ok(());
        };
        if !self.connected {
            return Ok(());
        }
        let Some(writer) = self.rtc.writer(mid) else {
            return Ok(());
        };
        let Some(pt) = writer
            .payload_params()
            .find(|p| p.spec().codec == Codec::Opus)
            .map(|p| p.pt())
        else {
            return Ok(());
        };
        let time = MediaTime::new(self.rtp_audio, str0m::media::Frequency::FORTY_EIGHT_KHZ);
        self.rtp_audio += 960;
        writer
            .audio_level(level, level > -50)
            .write(pt, Instant::now(), time, vec![0xf8_u8; 8])
            .map_err(rtc_err)?;
        self.drain()
    }

    /// Runs `peers` until `until` holds or `limit` passes, sending nothing.
    // Synthetic peers run on plain threads (tests, the benchmark), never on
    // the async runtime, so a short blocking sleep is what is wanted here.
    #[allow(clippy::disallowed_methods)]
    pub fn settle(
        peers: &mut [SyntheticPeer],
        limit: Duration,
        until: impl Fn(&[SyntheticPeer]) -> bool,
    ) -> Result<bool, PeerError> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            for p in peers.iter_mut() {
                p.poll()?;
            }
            if until(peers) {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(false)
    }
}
