//! `meet-bench`: our SFU and Janus's VideoRoom under the same load,
//! measured the same way. Headless str0m participants (no browsers) join
//! the server on loopback with real ICE and DTLS-SRTP; publishers send
//! VP8-shaped frames at 1.5 Mbps (30 frames a second, a keyframe every 2 s)
//! plus Opus-sized audio; subscribers count what arrives. Only the
//! signalling differs between the two servers (our SFU's messages, or
//! Janus's HTTP API); the media code and the counting are the same.
//!
//! For each size and server it prints the forwarded Mbps (UDP bytes the
//! subscribers received), the server's CPU time per forwarded Mbps, frame
//! loss and the send-to-receive latency (publisher → server → subscriber,
//! both clients in this process: the latency the server adds plus two str0m
//! client stacks). Our SFU's CPU is its media thread (it does all its work
//! there); Janus's is its whole process, every thread, from
//! `/proc/<pid>/stat`.
//!
//! Janus runs as a child process (`janus` from Debian) with a configuration
//! the bench writes into a temporary folder: HTTP API on 127.0.0.1 only,
//! VideoRoom only, ICE on 127.0.0.2 only, no STUN or TURN. It is started
//! afresh for each size and killed after it, as our SFU is. The whole bench
//! runs in its own network namespace holding loopback addresses only (see
//! [`private_network`]).
//!
//! Run: `cargo run --release -p nghitruong-meet --features bench --bin meet-bench
//! [-- --seconds 10 --sizes 1x50,1x100,1x200,5x50 --servers ours,janus --janus /usr/bin/janus]`.

#![allow(clippy::disallowed_methods)] // plain threads: blocking sleeps are intended

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use nghitruong_meet::janus::{JanusApi, JanusProcess, JanusSignalling, ROOM};
use nghitruong_meet::synthetic::SyntheticPeer;
use nghitruong_meet::{Sfu, SfuConfig};
use str0m::crypto::CryptoProvider;

/// 1.5 Mbps at 30 frames a second.
const FRAME_BYTES: usize = 1_500_000 / 8 / 30;
const WARMUP: Duration = Duration::from_secs(3);
const SUBSCRIBER_THREADS: usize = 2;
/// How long the peers of one thread may take to connect.
const CONNECT_LIMIT: Duration = Duration::from_secs(90);
/// Janus's RTP ports: below Linux's ephemeral range, so the clients'
/// sockets never collide with them.
const JANUS_RTP_PORTS: (u16, u16) = (20_000, 24_999);
/// Set in the re-executed bench, inside its own network namespace.
const NETNS_ENV: &str = "MEET_BENCH_NETNS";
/// The veth end Janus gathers ICE candidates on (see [`private_network`]).
const JANUS_ICE_DEVICE: &str = "mbjanus";
const JANUS_ICE_ADDRESS: &str = "127.0.0.2";

/// Runs the bench again inside a new user and network namespace
/// (`unshare --map-root-user --net`), where no interface reaches anything
/// outside; returns only if this process already is that one.
fn enter_private_network(args: &[String]) {
    if std::env::var_os(NETNS_ENV).is_some() {
        return;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("cannot find the bench's own executable: {e}");
            std::process::exit(1);
        }
    };
    let status = std::process::Command::new("unshare")
        .args(["--map-root-user", "--net", "--"])
        .arg(exe)
        .args(args)
        .env(NETNS_ENV, "1")
        .status();
    match status {
        Ok(s) => std::process::exit(s.code().unwrap_or(1)),
        Err(e) => {
            eprintln!("cannot run `unshare --map-root-user --net` (util-linux): {e}");
            std::process::exit(1);
        }
    }
}

/// Inside the namespace: `lo` up, and a veth pair whose one end holds
/// 127.0.0.2/32 (no IPv6) for Janus. Janus (1.1) skips loopback interfaces
/// when it gathers ICE candidates and libnice then finds nothing, so it
/// needs a loopback-range address on a non-loopback device; a veth pair
/// with both ends in this namespace is a closed pipe. Then checks that
/// every address in the namespace is a loopback one.
fn private_network() -> Result<String, String> {
    let peer = format!("{JANUS_ICE_DEVICE}1");
    let address = format!("{JANUS_ICE_ADDRESS}/32");
    let steps: [&[&str]; 8] = [
        &["link", "set", "lo", "up"],
        &[
            "link",
            "add",
            JANUS_ICE_DEVICE,
            "type",
            "veth",
            "peer",
            "name",
            &peer,
        ],
        &["link", "set", JANUS_ICE_DEVICE, "addrgenmode", "none"],
        &["link", "set", &peer, "addrgenmode", "none"],
        &["addr", "add", &address, "dev", JANUS_ICE_DEVICE],
        &["link", "set", &peer, "up"],
        &["link", "set", JANUS_ICE_DEVICE, "up"],
        &["-br", "addr"],
    ];
    let mut shown = String::new();
    for step in steps {
        let out = std::process::Command::new("ip")
            .args(step)
            .output()
            .map_err(|e| format!("ip {}: {e}", step.join(" ")))?;
        if !out.status.success() {
            return Err(format!(
                "ip {}: {}",
                step.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        shown = String::from_utf8_lossy(&out.stdout).into_owned();
    }
    for line in shown.lines() {
        for word in line.split_whitespace().skip(2) {
            let ip = word.split('/').next().unwrap_or_default();
            let loopback = ip
                .parse::<std::net::IpAddr>()
                .map(|ip| ip.is_loopback())
                .unwrap_or(false);
            if !loopback {
                return Err(format!("a non-loopback address in the namespace: {line}"));
            }
        }
    }
    Ok(shown.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Server {
    Ours,
    Janus,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Ours => "ours (str0m)",
            Server::Janus => "Janus VideoRoom",
        }
    }
}

/// A server running for one size.
enum Running {
    Ours(Arc<Sfu>),
    Janus {
        process: JanusProcess,
        api: JanusApi,
    },
}

/// What the client threads need to join peers.
#[derive(Clone)]
enum Joiner {
    Ours(Arc<Sfu>),
    Janus(JanusApi),
}

impl Running {
    fn start(server: Server, janus: &str) -> Result<Self, String> {
        match server {
            Server::Ours => Ok(Running::Ours(Arc::new(
                Sfu::start(&SfuConfig {
                    bind: "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
                    public_ip: None,
                })
                .map_err(|e| e.to_string())?,
            ))),
            Server::Janus => {
                let process = JanusProcess::start(janus, JANUS_ICE_ADDRESS, JANUS_RTP_PORTS)
                    .map_err(|e| e.to_string())?;
                let ip = JANUS_ICE_ADDRESS.parse().map_err(|e| format!("{e}"))?;
                let api = JanusApi::connect(&process.base, ip).map_err(|e| e.to_string())?;
                Ok(Running::Janus { process, api })
            }
        }
    }

    fn joiner(&self) -> Joiner {
        match self {
            Running::Ours(sfu) => Joiner::Ours(sfu.clone()),
            Running::Janus { api, .. } => Joiner::Janus(api.clone()),
        }
    }

    /// The server's CPU seconds so far, and (ours only) the UDP bytes it
    /// has sent.
    fn counters(&self) -> Result<(f64, Option<u64>), String> {
        match self {
            Running::Ours(sfu) => {
                let s = sfu.stats().map_err(|e| e.to_string())?;
                Ok((s.cpu_seconds, Some(s.bytes_out)))
            }
            Running::Janus { process, .. } => Ok((process.cpu_seconds(), None)),
        }
    }

    fn stop(self) {
        if let Running::Janus { process, api } = self {
            api.close();
            drop(process);
        }
    }
}

impl Joiner {
    /// A publisher, and its Janus feed id.
    fn publisher(
        &self,
        i: usize,
        crypto: &Arc<CryptoProvider>,
        epoch: Instant,
    ) -> Result<(SyntheticPeer, Option<u64>), String> {
        match self {
            Joiner::Ours(sfu) => SyntheticPeer::join(sfu, 1, true, false, crypto.clone(), epoch)
                .map(|p| (p, None))
                .map_err(|e| e.to_string()),
            Joiner::Janus(api) => {
                let (signalling, feed) =
                    JanusSignalling::publisher(api, ROOM, &format!("publisher {i}"))
                        .map_err(|e| e.to_string())?;
                let peer = SyntheticPeer::connect(
                    Box::new(signalling),
                    true,
                    false,
                    crypto.clone(),
                    epoch,
                )
                .map_err(|e| e.to_string())?;
                Ok((peer, Some(feed)))
            }
        }
    }

    /// A viewer of every publisher (`feeds` for Janus).
    fn subscriber(
        &self,
        feeds: &[u64],
        crypto: &Arc<CryptoProvider>,
        epoch: Instant,
    ) -> Result<SyntheticPeer, String> {
        match self {
            Joiner::Ours(sfu) => SyntheticPeer::join(sfu, 1, false, false, crypto.clone(), epoch)
                .map_err(|e| e.to_string()),
            Joiner::Janus(api) => {
                let signalling =
                    JanusSignalling::subscriber(api, ROOM, feeds).map_err(|e| e.to_string())?;
                SyntheticPeer::connect(Box::new(signalling), false, false, crypto.clone(), epoch)
                    .map_err(|e| e.to_string())
            }
        }
    }
}

struct Outcome {
    frames: u64,
    lost: u64,
    latencies_us: Vec<u64>,
    bytes: u64,
    connected: usize,
    peers: usize,
    failed: Vec<String>,
}

/// The two meeting points of the client threads. If a thread gives up
/// early, dropping its guard still counts it in, so no one waits forever.
struct Meeting {
    ready: Arc<AtomicUsize>,
    measuring: Arc<Barrier>,
    was_ready: bool,
    was_measuring: bool,
}

impl Meeting {
    fn ready(&mut self) {
        if !self.was_ready {
            self.was_ready = true;
            self.ready.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn measuring(&mut self) {
        self.ready();
        if !self.was_measuring {
            self.was_measuring = true;
            self.measuring.wait();
        }
    }
}

impl Drop for Meeting {
    fn drop(&mut self) {
        self.measuring();
    }
}

fn main() {
    let mut seconds = 10u64;
    let mut sizes = vec![(1usize, 50usize), (1, 100), (1, 200), (5, 50)];
    let mut servers = vec![Server::Ours, Server::Janus];
    let mut janus = "janus".to_owned();
    let args: Vec<String> = std::env::args().skip(1).collect();
    enter_private_network(&args);
    let network = match private_network() {
        Ok(shown) => shown,
        Err(e) => {
            eprintln!("setting up the bench's network namespace: {e}");
            std::process::exit(1);
        }
    };
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--seconds" => {
                seconds = value.parse().unwrap_or(seconds);
            }
            "--sizes" => {
                sizes = value
                    .split(',')
                    .filter_map(|s| {
                        let (p, n) = s.split_once('x')?;
                        Some((p.parse().ok()?, n.parse().ok()?))
                    })
                    .collect();
            }
            "--servers" => {
                servers = value
                    .split(',')
                    .filter_map(|s| match s.trim() {
                        "ours" => Some(Server::Ours),
                        "janus" => Some(Server::Janus),
                        _ => None,
                    })
                    .collect();
            }
            "--janus" => janus = value,
            other => {
                eprintln!(
                    "unknown argument {other} (--seconds N, --sizes 1x50,5x50, --servers ours,janus, --janus PATH)"
                );
                std::process::exit(2);
            }
        }
        i += 2;
    }
    println!(
        "meet-bench: loopback, {} s measured after {} s warm-up, {} cores; clients: 1 publisher thread + {} subscriber threads in this process",
        seconds,
        WARMUP.as_secs(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        SUBSCRIBER_THREADS,
    );
    println!("own network namespace, addresses: {network}");
    println!(
        "| publishers → subscribers | server | offered video Mbps | forwarded Mbps (received by subscribers) | server UDP out Mbps | server CPU % of a core | CPU ms per forwarded Mbps·s | frame loss | latency p50 / p95 / p99 ms | connected |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &(publishers, subscribers) in &sizes {
        for &server in &servers {
            match run(
                server,
                &janus,
                publishers,
                subscribers,
                Duration::from_secs(seconds),
            ) {
                Ok(line) => println!("{line}"),
                Err(e) => {
                    println!(
                        "| {publishers} → {subscribers} | {} | failed: {} |",
                        server.name(),
                        e.lines().next().unwrap_or_default()
                    );
                    eprintln!("{} {publishers}x{subscribers}: {e}", server.name());
                }
            }
        }
    }
}

#[allow(clippy::too_many_lines)]
fn run(
    server: Server,
    janus: &str,
    publishers: usize,
    subscribers: usize,
    measure: Duration,
) -> Result<String, String> {
    let running = Running::start(server, janus)?;
    let joiner = running.joiner();
    let crypto = Arc::new(str0m::crypto::from_feature_flags());
    let epoch = Instant::now();
    let threads = 1 + SUBSCRIBER_THREADS;
    let ready = Arc::new(AtomicUsize::new(0));
    let measuring = Arc::new(Barrier::new(threads + 1));
    let stop = Arc::new(AtomicBool::new(false));
    let (feeds_tx, feeds_rx) = channel::<Vec<u64>>();
    let mut handles = vec![];
    // Thread 0 publishes; once its publishers are up (Janus needs them
    // before anyone can subscribe) the others join as subscribers.
    let mut published: Vec<u64> = vec![];
    for t in 0..threads {
        if t == 1 {
            published = feeds_rx
                .recv_timeout(CONNECT_LIMIT + Duration::from_secs(30))
                .unwrap_or_default();
        }
        let feeds = published.clone();
        let count = if t == 0 {
            publishers
        } else {
            subscribers / SUBSCRIBER_THREADS + usize::from(t - 1 < subscribers % SUBSCRIBER_THREADS)
        };
        let (joiner, crypto, stop) = (joiner.clone(), crypto.clone(), stop.clone());
        let feeds_tx = feeds_tx.clone();
        let mut meeting = Meeting {
            ready: ready.clone(),
            measuring: measuring.clone(),
            was_ready: false,
            was_measuring: false,
        };
        handles.push(std::thread::spawn(move || -> Result<Outcome, String> {
            let mut peers = Vec::with_capacity(count);
            let mut feed_ids = vec![];
            for i in 0..count {
                let peer = if t == 0 {
                    let (peer, feed) = joiner.publisher(i, &crypto, epoch)?;
                    feed_ids.extend(feed);
                    peer
                } else {
                    joiner.subscriber(&feeds, &crypto, epoch)?
                };
                peers.push(peer);
                // Pace the joins a little so the server is not flooded with DTLS handshakes.
                for p in &mut peers {
                    p.poll().map_err(|e| e.to_string())?;
                }
            }
            let _ =
                SyntheticPeer::settle(&mut peers, CONNECT_LIMIT, |p| p.iter().all(|p| p.connected))
                    .map_err(|e| e.to_string())?;
            if t == 0 {
                let _ = feeds_tx.send(feed_ids);
            }
            drop(feeds_tx);
            let connected = peers.iter().filter(|p| p.connected).count();
            meeting.ready();
            // Keep everyone's connections alive until all threads are in.
            let waiting = Instant::now();
            while meeting.ready.load(Ordering::SeqCst) < threads
                && waiting.elapsed() < CONNECT_LIMIT * 2
            {
                for p in &mut peers {
                    p.poll().map_err(|e| e.to_string())?;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
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
                            p.poll().map_err(|e| e.to_string())?;
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
            meeting.measuring();
            drive(&mut peers, &|| stop.load(Ordering::Relaxed))?;
            let mut outcome = Outcome {
                frames: 0,
                lost: 0,
                latencies_us: vec![],
                bytes: 0,
                connected,
                peers: count,
                failed: vec![],
            };
            for p in &peers {
                outcome.failed.extend(p.failed.clone());
                // Only the subscribers' side is counted: our SFU also sends
                // each publisher the others' media, Janus does not.
                if t == 0 {
                    continue;
                }
                outcome.bytes += p.bytes_received;
                for r in p.received.values() {
                    outcome.frames += r.video_frames;
                    outcome.lost += r.lost();
                    outcome.latencies_us.extend_from_slice(&r.latencies_us);
                }
            }
            Ok(outcome)
        }));
    }
    drop(feeds_tx);
    // Warm-up runs in the threads; the server's counters are read when
    // they start measuring.
    measuring.wait();
    let (cpu_before, out_before) = running.counters()?;
    let started = Instant::now();
    std::thread::sleep(measure);
    let (cpu_after, out_after) = running.counters()?;
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut frames = 0;
    let mut lost = 0;
    let mut bytes = 0;
    let mut latencies = vec![];
    let mut connected = 0;
    let mut peers = 0;
    let mut errors = vec![];
    let mut failed = vec![];
    for h in handles {
        match h.join() {
            Ok(Ok(o)) => {
                frames += o.frames;
                lost += o.lost;
                bytes += o.bytes;
                latencies.extend(o.latencies_us);
                connected += o.connected;
                peers += o.peers;
                failed.extend(o.failed);
            }
            Ok(Err(e)) => errors.push(e),
            Err(_) => errors.push("a client thread panicked".to_owned()),
        }
    }
    if let Running::Janus { process, .. } = &running
        && !errors.is_empty()
    {
        eprintln!("janus log (last lines):\n{}", process.log_tail(20));
    }
    running.stop();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    if let Some(first) = failed.first() {
        eprintln!(
            "{} {publishers}x{subscribers}: {} peers told of failure, e.g. {first}",
            server.name(),
            failed.len()
        );
    }
    latencies.sort_unstable();
    let pct = |q: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies[i] as f64 / 1000.0
    };
    let mbps = bytes as f64 * 8.0 / elapsed / 1e6;
    let out = match (out_before, out_after) {
        (Some(a), Some(b)) => format!("{:.1}", (b - a) as f64 * 8.0 / elapsed / 1e6),
        _ => "—".to_owned(),
    };
    let cpu = (cpu_after - cpu_before) / elapsed;
    let offered = publishers as f64 * subscribers as f64 * 1.5;
    let loss = if frames + lost == 0 {
        f64::NAN
    } else {
        lost as f64 / (frames + lost) as f64 * 100.0
    };
    Ok(format!(
        "| {publishers} → {subscribers} | {} | {offered:.0} | {mbps:.1} | {out} | {:.0} % | {:.2} | {loss:.2} % ({lost} of {}) | {:.1} / {:.1} / {:.1} | {connected}/{peers} |",
        server.name(),
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
