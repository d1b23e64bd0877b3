//! `meet-bench`: the SFU under load, measured. Headless str0m participants
//! (no browsers) join the embedded SFU on loopback with real ICE and
//! DTLS-SRTP; publishers send VP8-shaped frames at 1.5 Mbps (30 frames a
//! second, a keyframe every 2 s) plus Opus-sized audio; subscribers count
//! what arrives.
//!
//! For each size it prints the SFU's forwarded Mbps (UDP payload sent),
//! the CPU time of the SFU's media thread per forwarded Mbps, frame loss
//! and the send-to-receive latency (publisher → SFU → subscriber, both
//! clients in this process: the latency the SFU adds plus two str0m client
//! stacks).
//!
//! Run: `cargo run --release -p nghitruong-meet --features bench --bin meet-bench
//! [-- --seconds 10 --sizes 1x50,1x100,1x200,5x50]`.

#![allow(clippy::disallowed_methods)] // plain threads: blocking sleeps are intended

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use nghitruong_meet::synthetic::SyntheticPeer;
use nghitruong_meet::{Sfu, SfuConfig, SfuStats};

/// 1.5 Mbps at 30 frames a second.
const FRAME_BYTES: usize = 1_500_000 / 8 / 30;
const WARMUP: Duration = Duration::from_secs(3);
const SUBSCRIBER_THREADS: usize = 2;

struct Outcome {
    frames: u64,
    lost: u64,
    latencies_us: Vec<u64>,
    connected: usize,
    peers: usize,
}

fn main() {
    let mut seconds = 10u64;
    let mut sizes = vec![(1usize, 50usize), (1, 100), (1, 200), (5, 50)];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--seconds" => {
                seconds = args
                    .get(i + 1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(seconds);
                i += 1;
            }
            "--sizes" => {
                if let Some(list) = args.get(i + 1) {
                    sizes = list
                        .split(',')
                        .filter_map(|s| {
                            let (p, n) = s.split_once('x')?;
                            Some((p.parse().ok()?, n.parse().ok()?))
                        })
                        .collect();
                }
                i += 1;
            }
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
        i += 1;
    }
    println!(
        "meet-bench: embedded SFU (str0m 0.24, rust-crypto), loopback, {} s measured after {} s warm-up, {} cores",
        seconds,
        WARMUP.as_secs(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| publishers → subscribers | offered video Mbps | forwarded Mbps (SFU out) | SFU CPU % of a core | CPU ms per forwarded Mbps·s | frame loss | latency p50 / p95 / p99 ms | connected |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (publishers, subscribers) in sizes {
        match run(publishers, subscribers, Duration::from_secs(seconds)) {
            Ok(line) => println!("{line}"),
            Err(e) => println!("| {publishers} → {subscribers} | failed: {e} |"),
        }
    }
}

fn run(publishers: usize, subscribers: usize, measure: Duration) -> Result<String, String> {
    let sfu = Arc::new(
        Sfu::start(&SfuConfig {
            bind: "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
            public_ip: None,
        })
        .map_err(|e| e.to_string())?,
    );
    let crypto = Arc::new(str0m::crypto::from_feature_flags());
    let epoch = Instant::now();
    let threads = 1 + SUBSCRIBER_THREADS;
    let barrier = Arc::new(Barrier::new(threads + 1));
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = vec![];
    // Thread 0 publishes; the others subscribe.
    for t in 0..threads {
        let count = if t == 0 {
            publishers
        } else {
            subscribers / SUBSCRIBER_THREADS + usize::from(t - 1 < subscribers % SUBSCRIBER_THREADS)
        };
        let (sfu, crypto, barrier, stop) =
            (sfu.clone(), crypto.clone(), barrier.clone(), stop.clone());
        handles.push(std::thread::spawn(move || -> Result<Outcome, String> {
            let mut peers = Vec::with_capacity(count);
            for _ in 0..count {
                let p = SyntheticPeer::join(&sfu, 1, t == 0, false, crypto.clone(), epoch)
                    .map_err(|e| e.to_string())?;
                peers.push(p);
                // Pace the joins a little so the SFU is not flooded with DTLS handshakes.
                for p in &mut peers {
                    p.poll(&sfu).map_err(|e| e.to_string())?;
                }
            }
            let _ = SyntheticPeer::settle(&sfu, &mut peers, Duration::from_secs(60), |p| {
                p.iter().all(|p| p.connected)
            })
            .map_err(|e| e.to_string())?;
            let connected = peers.iter().filter(|p| p.connected).count();
            barrier.wait(); // everyone connected (or gave up)
            let drive =
                |peers: &mut Vec<SyntheticPeer>, until: &dyn Fn() -> bool| -> Result<(), String> {
                    let start = Instant::now();
                    let mut next_video = start;
                    let mut next_audio = start;
                    while !until() {
                        let now = Instant::now();
                        if t == 0 && now >= next_video {
                            for p in peers.iter_mut() {
                                p.send_video(FRAME_BYTES, 60).map_err(|e| e.to_string())?;
                            }
                            next_video += Duration::from_micros(33_333);
                        }
                        if t == 0 && now >= next_audio {
                            for p in peers.iter_mut() {
                                p.send_audio(-30).map_err(|e| e.to_string())?;
                            }
                            next_audio += Duration::from_millis(20);
                        }
                        for p in peers.iter_mut() {
                            p.poll(&sfu).map_err(|e| e.to_string())?;
                        }
                        std::thread::sleep(Duration::from_micros(500));
                    }
                    Ok(())
                };
            let warm_end = Instant::now() + WARMUP;
            drive(&mut peers, &|| Instant::now() >= warm_end)?;
            for p in &mut peers {
                p.reset_counts();
            }
            barrier.wait(); // measuring starts
            drive(&mut peers, &|| stop.load(Ordering::Relaxed))?;
            let mut outcome = Outcome {
                frames: 0,
                lost: 0,
                latencies_us: vec![],
                connected,
                peers: count,
            };
            for p in &peers {
                for r in p.received.values() {
                    outcome.frames += r.video_frames;
                    outcome.lost += r.lost();
                    outcome.latencies_us.extend_from_slice(&r.latencies_us);
                }
            }
            Ok(outcome)
        }));
    }
    barrier.wait();
    // Warm-up runs in the threads; the SFU's counters are read when they
    // start measuring.
    barrier.wait();
    let before: SfuStats = sfu.stats().map_err(|e| e.to_string())?;
    let started = Instant::now();
    std::thread::sleep(measure);
    let after: SfuStats = sfu.stats().map_err(|e| e.to_string())?;
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut frames = 0;
    let mut lost = 0;
    let mut latencies = vec![];
    let mut connected = 0;
    let mut peers = 0;
    for h in handles {
        let o = h
            .join()
            .map_err(|_| "a client thread panicked".to_owned())??;
        frames += o.frames;
        lost += o.lost;
        latencies.extend(o.latencies_us);
        connected += o.connected;
        peers += o.peers;
    }
    latencies.sort_unstable();
    let pct = |q: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies[i] as f64 / 1000.0
    };
    let mbps = (after.bytes_out - before.bytes_out) as f64 * 8.0 / elapsed / 1e6;
    let cpu = (after.cpu_seconds - before.cpu_seconds) / elapsed;
    let offered = publishers as f64 * subscribers as f64 * 1.5;
    let loss = if frames + lost == 0 {
        f64::NAN
    } else {
        lost as f64 / (frames + lost) as f64 * 100.0
    };
    Ok(format!(
        "| {publishers} → {subscribers} | {offered:.0} | {mbps:.1} | {:.0} % | {:.2} | {loss:.2} % ({lost} of {}) | {:.1} / {:.1} / {:.1} | {connected}/{peers} |",
        cpu * 100.0,
        if mbps > 0.0 {
            cpu * 1000.0 / mbps
        } else {
            f64::NAN
        },
        frames + lost,
        pct(0.5),
        pct(0.95),
        pct(0.99),
    ))
}
