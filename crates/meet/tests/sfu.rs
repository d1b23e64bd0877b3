//! The SFU end to end on loopback: synthetic str0m participants join
//! through the same signalling as a browser, run ICE and DTLS-SRTP, and
//! publish; the tests check what each one receives.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// tests fail loudly by design
// Plain threads drive the peers; there is no async runtime to block.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use nghitruong_meet::synthetic::SyntheticPeer;
use nghitruong_meet::{Layer, Sfu, SfuConfig, ToSfu};

fn sfu() -> Sfu {
    Sfu::start(&SfuConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        public_ip: None,
    })
    .expect("sfu starts")
}

fn crypto() -> Arc<str0m::crypto::CryptoProvider> {
    Arc::new(str0m::crypto::from_feature_flags())
}

/// Joins `n` peers, the first a publisher, all in `room`, and waits until
/// all are connected.
fn room(
    sfu: &Sfu,
    room: i64,
    viewers: usize,
    simulcast: bool,
    epoch: Instant,
) -> Vec<SyntheticPeer> {
    let c = crypto();
    let mut peers =
        vec![SyntheticPeer::join(sfu, room, true, simulcast, c.clone(), epoch).unwrap()];
    for _ in 0..viewers {
        peers.push(SyntheticPeer::join(sfu, room, false, false, c.clone(), epoch).unwrap());
    }
    let ok = SyntheticPeer::settle(&mut peers, Duration::from_secs(10), |p| {
        p.iter().all(|p| p.connected)
    })
    .unwrap();
    assert!(ok, "every peer connects over ICE and DTLS");
    peers
}

/// Publishes for `ms` milliseconds: 30 video frames and 50 audio frames a
/// second from every publisher in `peers`, polling everyone.
fn publish(peers: &mut [SyntheticPeer], ms: u64, level: impl Fn(usize) -> i8) {
    let start = Instant::now();
    let mut next_video = start;
    let mut next_audio = start;
    while start.elapsed() < Duration::from_millis(ms) {
        let now = Instant::now();
        if now >= next_video {
            for p in peers.iter_mut() {
                p.send_video(6000, 60).unwrap();
            }
            next_video += Duration::from_micros(33_333);
        }
        if now >= next_audio {
            for (i, p) in peers.iter_mut().enumerate() {
                p.send_audio(level(i)).unwrap();
            }
            next_audio += Duration::from_millis(20);
        }
        for p in peers.iter_mut() {
            p.poll().unwrap();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn stream(p: &SyntheticPeer) -> String {
    format!("p{}", p.peer.0)
}

#[test]
fn every_subscriber_receives_the_publishers_video_and_audio_and_the_speaker_is_named() {
    let sfu = sfu();
    let epoch = Instant::now();
    let mut peers = room(&sfu, 1, 2, false, epoch);
    publish(&mut peers, 3000, |_| -20);
    let publisher = stream(&peers[0]);
    for viewer in &peers[1..] {
        let got = viewer
            .received
            .get(&publisher)
            .expect("media from the publisher");
        assert!(got.video_frames >= 30, "video frames: {}", got.video_frames);
        assert!(got.audio_frames >= 50, "audio frames: {}", got.audio_frames);
        assert_eq!(got.last_frame_size, 6000);
        assert_eq!(
            viewer.speakers.last(),
            Some(&peers[0].peer),
            "active speaker"
        );
    }
    // The publisher does not get its own media back.
    assert!(!peers[0].received.contains_key(&publisher));
    let stats = sfu.stats().unwrap();
    assert_eq!(stats.peers, 3);
    assert!(stats.frames_forwarded > 150, "{stats:?}");
    assert!(stats.bytes_out > stats.bytes_in, "{stats:?}");
}

#[test]
fn rooms_are_separate_and_a_leaver_is_gone() {
    let sfu = sfu();
    let epoch = Instant::now();
    let mut a = room(&sfu, 10, 1, false, epoch);
    let mut b = room(&sfu, 11, 1, false, epoch);
    let mut all: Vec<SyntheticPeer> = a.drain(..).chain(b.drain(..)).collect();
    publish(&mut all, 2000, |_| -30);
    let (pub_a, pub_b) = (stream(&all[0]), stream(&all[2]));
    assert!(all[1].received.contains_key(&pub_a));
    assert!(
        !all[1].received.contains_key(&pub_b),
        "no media across rooms"
    );
    assert!(all[3].received.contains_key(&pub_b));
    assert!(!all[3].received.contains_key(&pub_a));
    sfu.send(ToSfu::Leave { peer: all[0].peer }).unwrap();
    let ok = SyntheticPeer::settle(&mut all, Duration::from_secs(5), |_| {
        sfu.stats().map(|s| s.peers == 3).unwrap_or(false)
    })
    .unwrap();
    assert!(ok, "the leaver is removed");
}

#[test]
fn a_silenced_participant_is_not_heard_and_paused_video_stops() {
    let sfu = sfu();
    let epoch = Instant::now();
    let mut peers = room(&sfu, 2, 1, false, epoch);
    let speaker = peers[0].peer;
    let publisher = stream(&peers[0]);
    sfu.send(ToSfu::Silence {
        peer: speaker,
        silenced: true,
    })
    .unwrap();
    sfu.send(ToSfu::Layer {
        peer: peers[1].peer,
        source: speaker,
        layer: Layer::Paused,
    })
    .unwrap();
    // Commands are handled in order: once the counters answer, the two
    // commands above are in force.
    sfu.stats().unwrap();
    publish(&mut peers, 1500, |_| -10);
    let got = peers[1]
        .received
        .get(&publisher)
        .cloned()
        .unwrap_or_default();
    assert_eq!(got.audio_frames, 0, "silenced audio is not forwarded");
    assert_eq!(got.video_frames, 0, "paused video is not forwarded");
    assert!(
        peers[1].speakers.is_empty(),
        "a silenced voice is never the speaker"
    );
    sfu.send(ToSfu::Silence {
        peer: speaker,
        silenced: false,
    })
    .unwrap();
    sfu.send(ToSfu::Layer {
        peer: peers[1].peer,
        source: speaker,
        layer: Layer::High,
    })
    .unwrap();
    publish(&mut peers, 1500, |_| -10);
    let got = peers[1]
        .received
        .get(&publisher)
        .cloned()
        .unwrap_or_default();
    assert!(got.audio_frames > 20, "audio again: {got:?}");
    assert!(got.video_frames > 10, "video again: {got:?}");
}

#[test]
fn a_subscriber_picks_the_simulcast_layer() {
    let sfu = sfu();
    let epoch = Instant::now();
    let mut peers = room(&sfu, 3, 2, true, epoch);
    let source = peers[0].peer;
    let publisher = stream(&peers[0]);
    sfu.send(ToSfu::Layer {
        peer: peers[2].peer,
        source,
        layer: Layer::Low,
    })
    .unwrap();
    publish(&mut peers, 2500, |_| -40);
    let high = peers[1].received.get(&publisher).expect("high layer");
    let low = peers[2].received.get(&publisher).expect("low layer");
    assert_eq!(high.last_frame_size, 6000);
    assert_eq!(low.last_frame_size, 1500);
    assert!(
        high.video_frames > 20 && low.video_frames > 20,
        "{high:?} {low:?}"
    );
    // The low-layer subscriber gets about a quarter of the bytes; on a
    // loaded machine the first frames may still be high-layer ones before
    // the switch lands, so the bound is half.
    assert!(low.video_bytes * 2 < high.video_bytes, "{high:?} {low:?}");
    assert_eq!(low.lost(), 0);
}

#[test]
fn closing_a_room_releases_its_peers_speakers_and_mutes_and_spares_other_rooms() {
    let sfu = sfu();
    let epoch = Instant::now();
    let mut ended = room(&sfu, 20, 2, false, epoch);
    let mut going_on = room(&sfu, 21, 1, false, epoch);
    sfu.send(ToSfu::Silence {
        peer: ended[1].peer,
        silenced: true,
    })
    .unwrap();
    let mut all: Vec<SyntheticPeer> = ended.drain(..).chain(going_on.drain(..)).collect();
    publish(&mut all, 1000, |_| -20);
    let before = sfu.stats().unwrap();
    assert_eq!((before.peers, before.rooms, before.silenced), (5, 2, 1));
    sfu.send(ToSfu::CloseRoom { room: 20 }).unwrap();
    let after = sfu.stats().unwrap();
    assert_eq!(
        after.peers, 2,
        "only the other room's peers remain: {after:?}"
    );
    assert_eq!(
        after.rooms, 1,
        "the ended room has no state left: {after:?}"
    );
    assert_eq!(after.silenced, 0, "its mutes are forgotten: {after:?}");
    // The other room goes on.
    let mut rest = all.split_off(3);
    for p in &mut rest {
        p.reset_counts();
    }
    publish(&mut rest, 1000, |_| -20);
    let got = rest[1]
        .received
        .get(&stream(&rest[0]))
        .expect("media goes on");
    assert!(got.video_frames > 10, "{got:?}");
    sfu.send(ToSfu::Leave { peer: rest[0].peer }).unwrap();
    sfu.send(ToSfu::Leave { peer: rest[1].peer }).unwrap();
    let empty = sfu.stats().unwrap();
    assert_eq!((empty.peers, empty.rooms), (0, 0), "{empty:?}");
}
