//! A headless participant (người tham dự tổng hợp) written with str0m: it
//! joins an [`Sfu`] through the same signalling a browser uses, runs real
//! ICE and DTLS-SRTP on its own UDP socket, publishes VP8-shaped frames and
//! Opus-sized audio with an RFC 6464 level, and counts what it receives.
//! The SFU's tests and the load benchmark use it; no browser needed.
//!
//! Each frame it sends starts with a VP8 frame tag (bit 0 clear on a
//! keyframe, as the VP8 depacketiser reads it), then its sequence number
//! and the microseconds since a shared epoch at which it was sent, so a
//! receiver can measure loss and latency.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::crypto::CryptoProvider;
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid, Rid, Simulcast, SimulcastLayer};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::{FromSfu, PeerId, Sfu, ToSfu};

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
}

impl Received {
    /// Frames missing between the first and the last seen.
    pub fn lost(&self) -> u64 {
        match (self.first_seq, self.last_seq) {
            (Some(a), Some(b)) => (u64::from(b - a) + 1).saturating_sub(self.video_frames),
            _ => 0,
        }
    }
}

/// A headless participant.
pub struct SyntheticPeer {
    /// Its id at the SFU.
    pub peer: PeerId,
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    events: UnboundedReceiver<FromSfu>,
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
    /// The SFU said the connection failed.
    pub failed: Option<String>,
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
}

fn rtc_err(e: impl std::fmt::Display) -> PeerError {
    PeerError::Rtc(e.to_string())
}

impl SyntheticPeer {
    /// Joins `room`; a publisher offers one video (with `h`/`l` simulcast
    /// when `simulcast`) and one audio track, a viewer only a data channel.
    pub fn join(
        sfu: &Sfu,
        room: i64,
        publish: bool,
        simulcast: bool,
        crypto: Arc<CryptoProvider>,
        epoch: Instant,
    ) -> Result<Self, PeerError> {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        socket.set_nonblocking(true)?;
        let local = socket.local_addr()?;
        let now = Instant::now();
        let mut rtc = Rtc::builder().set_crypto_provider(crypto).build(now);
        rtc.add_local_candidate(Candidate::host(local, "udp").map_err(rtc_err)?);
        let mut change = rtc.sdp_api();
        let (mut video, mut audio) = (None, None);
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
        change.add_channel("hop".into());
        let (offer, pending) = change
            .apply()
            .ok_or_else(|| PeerError::Rtc("nothing to offer".into()))?;
        let (tx, events) = unbounded_channel();
        let peer = sfu.new_peer();
        sfu.send(ToSfu::Join {
            room,
            peer,
            offer: offer.to_sdp_string(),
            publish,
            events: tx,
        })
        .map_err(rtc_err)?;
        Ok(Self {
            peer,
            rtc,
            socket,
            local,
            events,
            pending: Some(pending),
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
        })
    }

    /// Handles signalling, datagrams and timers; call it often.
    pub fn poll(&mut self, sfu: &Sfu) -> Result<(), PeerError> {
        while let Ok(message) = self.events.try_recv() {
            match message {
                FromSfu::Answer { sdp } => {
                    if let Some(pending) = self.pending.take() {
                        let answer = SdpAnswer::from_sdp_string(&sdp).map_err(rtc_err)?;
                        self.rtc
                            .sdp_api()
                            .accept_answer(pending, answer)
                            .map_err(rtc_err)?;
                    }
                }
                FromSfu::Offer { sdp } => {
                    let offer = SdpOffer::from_sdp_string(&sdp).map_err(rtc_err)?;
                    let answer = self.rtc.sdp_api().accept_offer(offer).map_err(rtc_err)?;
                    sfu.send(ToSfu::Answer {
                        peer: self.peer,
                        sdp: answer.to_sdp_string(),
                    })
                    .map_err(rtc_err)?;
                }
                FromSfu::ActiveSpeaker { peer } => self.speakers.push(peer),
                FromSfu::Failed { reason } => self.failed = Some(reason),
            }
        }
        loop {
            match self.socket.recv_from(&mut self.buf) {
                Ok((n, source)) => {
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
            }
            _ => {}
        }
    }

    /// Forgets what was received (to start a measuring window).
    pub fn reset_counts(&mut self) {
        self.received.clear();
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
        sfu: &Sfu,
        peers: &mut [SyntheticPeer],
        limit: Duration,
        until: impl Fn(&[SyntheticPeer]) -> bool,
    ) -> Result<bool, PeerError> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            for p in peers.iter_mut() {
                p.poll(sfu)?;
            }
            if until(peers) {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(false)
    }
}
