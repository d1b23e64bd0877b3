//! Benchmark of a vote in the hall (issue #3): the real server binary on a
//! loopback port with a fresh demo database grown to 500 more deputies;
//! 2,000 clients hold the session's event stream while the 500 deputies
//! cast their ballots at once; then the chair closes the round and every
//! stream client shows the result: as a hall screen, from the fragment the
//! result event carries; (`--screens fetch`) by fetching the hall fragment
//! after the event; or (`--screens tablet`) as a deputy's tablet, which
//! shows the result the event carries at once and then fetches its own
//! fragment (the deputy's, not shared), both timed.
//!
//! Prints ballots per second, p50/p99 ballot latency (request sent to the
//! acknowledgement, which the server gives only once the ballot is
//! committed), the delay from the last acknowledgement until all 2,000
//! clients have been told of the result and until all have the final
//! tally on screen, and the server's peak resident memory (VmHWM).
//!
//! ```text
//! cargo build --release -p nghitruong --features bench --bins
//! target/release/session-bench [--server target/release/nghitruong] [--port 18431]
//!     [--deputies 500] [--streams 2000] [--spread-ms 0] [--screens hall|fetch|tablet]
//!     [--fetch warm|cold] [--tablets sockets|reqwest] [--profile perf.data]
//! ```
//!
//! The ballots are sent as a tablet's htmx sends them. By default each
//! tablet is a keep-alive socket with its request written out beforehand,
//! the way `wrk` loads a server, so that the 500 tablets, which share the
//! server's two cores here, take as little from it as they can;
//! `--tablets reqwest` sends them through reqwest clients instead.
//!
//! `BENCH_LOG` sets the server's log filter (`warn` by default), e.g.
//! `warn,sqlx::query=debug` to have every statement's time on stderr.
//!
//! `--profile FILE` attaches `perf record --call-graph dwarf` to the server for the
//! ballots only (linux-perf; the sign-ins and streams are left out).
//!
//! With `--scenario packet` it measures instead the session packet: the
//! session gets 50 MB of published documents, 100 clients download the
//! packet (a zip built once in memory for them all) at once from our
//! server, then the same zip from nginx (Debian package, started here on 127.0.0.1 with a config
//! file in a temporary directory) serving it as a static file; it prints
//! the throughput of each and our server's peak RSS.
//!
//! Not a test: it asserts nothing about timings, it measures them.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use nghitruong_domain::access::Role;
use nghitruong_domain::attendance::{AttendanceStatus, CheckInMethod};
use nghitruong_domain::org::{PersonStatus, PositionRole};
use nghitruong_domain::session::{AgendaKind, SessionEvent};
use nghitruong_domain::vote::{VoteMode, VotePurpose};
use nghitruong_store::{
    AuditContext, CouncilFilter, DocumentStore, NewVoteRound, PersonSeed, PositionSeed, SqlStore,
    Store, StoreOptions, UserSeed,
};
use tokio::sync::Notify;

struct Args {
    scenario: String,
    clients: usize,
    packet_mb: usize,
    server: String,
    port: u16,
    deputies: usize,
    streams: usize,
    /// Ballots are sent evenly over this many milliseconds (0: all at the
    /// same instant, the worst case).
    spread_ms: u64,
    /// Each stream client fetches on a connection it already holds, as a
    /// browser that loaded the page does (`--fetch warm`, the default), or
    /// on its deputy's shared pool, mostly connecting anew (`--fetch cold`).
    warm: bool,
    /// What the stream clients are.
    screens: Screens,
    /// Records the server with `perf record` from just before the
    /// first ballot to the last acknowledgement, into this file.
    profile: Option<String>,
    /// What sends the ballots.
    tablets: Tablets,
}

/// What sends the deputies' ballots.
#[derive(Clone, Copy, PartialEq)]
enum Tablets {
    /// Each deputy's tablet is a keep-alive socket opened before the vote,
    /// with its ballot request written out beforehand, as `wrk` sends
    /// requests (the default). In the hall every tablet is a device of its
    /// own; here the 500 share the server's two cores, so the less each
    /// costs the less it takes from the server.
    Sockets,
    /// Each deputy's reqwest client (cookie jar, connection pool, form
    /// encoding per request): about as much CPU per ballot as the server's
    /// (`--tablets reqwest`).
    Reqwest,
}

/// Tablets that show the result from the event fetch their own fragment
/// at a random moment within this many milliseconds (`REFETCH_SPREAD_MS`
/// in app.js).
const REFETCH_SPREAD_MS: u64 = 500;

/// What the stream clients do with the result event.
#[derive(Clone, Copy, PartialEq)]
enum Screens {
    /// Show the hall fragment the event carries (the default).
    Hall,
    /// Fetch the hall fragment after the event (`--fetch warm|cold`).
    Fetch,
    /// Show the result the event carries, then fetch the deputy's own live
    /// fragment, as a tablet does.
    Tablet,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        scenario: "vote".into(),
        clients: 100,
        packet_mb: 50,
        server: "target/release/nghitruong".into(),
        port: 18431,
        deputies: 500,
        streams: 2000,
        spread_ms: 0,
        warm: true,
        screens: Screens::Hall,
        profile: None,
        tablets: Tablets::Sockets,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().context("a flag needs a value")?;
        match flag.as_str() {
            "--scenario" => a.scenario = value,
            "--clients" => a.clients = value.parse()?,
            "--packet-mb" => a.packet_mb = value.parse()?,
            "--server" => a.server = value,
            "--port" => a.port = value.parse()?,
            "--deputies" => a.deputies = value.parse()?,
            "--streams" => a.streams = value.parse()?,
            "--spread-ms" => a.spread_ms = value.parse()?,
            "--screens" => {
                a.screens = match value.as_str() {
                    "hall" => Screens::Hall,
                    "fetch" => Screens::Fetch,
                    "tablet" => Screens::Tablet,
                    other => bail!("--screens is hall, fetch or tablet, not {other}"),
                }
            }
            "--fetch" => {
                a.warm = match value.as_str() {
                    "warm" => true,
                    "cold" => false,
                    other => bail!("--fetch is warm or cold, not {other}"),
                }
            }
            "--profile" => a.profile = Some(value),
            "--tablets" => {
                a.tablets = match value.as_str() {
                    "sockets" => Tablets::Sockets,
                    "reqwest" => Tablets::Reqwest,
                    other => bail!("--tablets is sockets or reqwest, not {other}"),
                }
            }
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// A browser-like client signed in as `username`, with its CSRF token.
async fn signed_in(
    base: &str,
    username: &str,
    page: &str,
) -> anyhow::Result<(reqwest::Client, String, Arc<reqwest::cookie::Jar>)> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = browser(&jar)?;
    let login = http
        .get(format!("{base}/dang-nhap"))
        .send()
        .await?
        .text()
        .await?;
    let token = csrf_in(&login).context("no CSRF token on the sign-in page")?;
    let reply = http
        .post(format!("{base}/dang-nhap"))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", username),
            ("password", nghitruong::demo::DEMO_PASSWORD),
        ])
        .send()
        .await?;
    if reply.status().as_u16() != 303 {
        bail!("sign-in of {username} failed: {}", reply.status());
    }
    let html = http
        .get(format!("{base}{page}"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = csrf_in(&html).context("no CSRF token on the session page")?;
    Ok((http, csrf, jar))
}

/// The hall screen's live fragment of `session`, as a screen fetches it.
async fn hall_fragment(http: &reqwest::Client, base: &str, session: i64) -> anyhow::Result<String> {
    Ok(http
        .get(format!("{base}/ky-hop/{session}/man-hinh/truc-tiep"))
        .send()
        .await?
        .text()
        .await?)
}

/// A deputy's own live fragment of `session`, as their tablet fetches it.
async fn own_fragment(http: &reqwest::Client, base: &str, session: i64) -> anyhow::Result<String> {
    Ok(http
        .get(format!("{base}/ky-hop/{session}/truc-tiep"))
        .header("x-live", "1")
        .send()
        .await?
        .text()
        .await?)
}

/// A browser's connections, signed in with the cookies in `jar`.
fn browser(jar: &Arc<reqwest::cookie::Jar>) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()?)
}

/// One deputy's tablet, ready to send its ballot as htmx does.
enum Tablet {
    Socket {
        stream: tokio::net::TcpStream,
        request: Vec<u8>,
        /// A request through every layer of the server, the deputy's
        /// sign-in included, that does nothing else.
        probe: Vec<u8>,
        /// Where answers are read, kept from one request to the next as a
        /// browser keeps its buffers: a fresh one for each ballot cost the
        /// benchmark's own process 500 × 16 kB of new pages in the burst,
        /// CPU taken from the server's two cores.
        buffer: Vec<u8>,
    },
    Reqwest {
        http: reqwest::Client,
        url: String,
        form: Vec<(&'static str, String)>,
    },
}

impl Tablet {
    /// A keep-alive connection to the server with the ballot request
    /// written out: the deputy's cookies from `jar`, their CSRF token.
    async fn socket(
        port: u16,
        path: &str,
        jar: &reqwest::cookie::Jar,
        csrf: &str,
        choice: &str,
    ) -> anyhow::Result<Self> {
        use reqwest::cookie::CookieStore as _;
        let url = format!("http://127.0.0.1:{port}{path}").parse()?;
        let cookies = jar.cookies(&url).context("the deputy has no cookie")?;
        let body = format!("_csrf={csrf}&choice={choice}");
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {}\r\n\
             HX-Request: true\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{body}",
            cookies.to_str()?,
            body.len()
        )
        .into_bytes();
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        // The tablet loaded the session page on this connection.
        let page = path.split("/bieu-quyet").next().unwrap_or(path);
        let load = format!(
            "GET {page} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {}\r\n\r\n",
            cookies.to_str()?
        );
        let mut buffer = Vec::with_capacity(16 * 1024);
        let status = exchange(&mut stream, load.as_bytes(), &mut buffer).await?;
        if status != 200 {
            bail!("the session page answered {status}");
        }
        let probe = format!(
            "GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {}\r\n\r\n",
            cookies.to_str()?
        )
        .into_bytes();
        Ok(Tablet::Socket {
            stream,
            request,
            probe,
            buffer,
        })
    }

    /// Sends the probe; its status. Only sockets have one.
    async fn probe(&mut self) -> anyhow::Result<Option<u16>> {
        match self {
            Tablet::Socket {
                stream,
                probe,
                buffer,
                ..
            } => Ok(Some(exchange(stream, probe, buffer).await?)),
            Tablet::Reqwest { .. } => Ok(None),
        }
    }

    /// Sends the ballot; the response's status once it has all come. The
    /// connection stays open, as a tablet's does after its deputy voted.
    async fn cast(&mut self) -> anyhow::Result<u16> {
        match self {
            Tablet::Socket {
                stream,
                request,
                buffer,
                ..
            } => exchange(stream, request, buffer).await,
            Tablet::Reqwest { http, url, form } => Ok(http
                .post(url.as_str())
                .header("hx-request", "true")
                .form(&*form)
                .send()
                .await?
                .status()
                .as_u16()),
        }
    }
}

/// Writes `request` on a keep-alive connection and reads the whole answer
/// (a body of known length, as our server sends uncompressed ones) into
/// `got`; its status.
async fn exchange(
    stream: &mut tokio::net::TcpStream,
    request: &[u8],
    got: &mut Vec<u8>,
) -> anyhow::Result<u16> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    stream.write_all(request).await?;
    got.clear();
    loop {
        if stream.read_buf(got).await? == 0 {
            bail!("the server closed the connection before answering");
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(head) = response.parse(got)? else {
            continue;
        };
        let length = response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| std::str::from_utf8(h.value).ok()?.parse::<usize>().ok())
            .context("an answer without Content-Length")?;
        if got.len() >= head + length {
            return response.code.context("no status");
        }
    }
}

/// Moves every sign-in's "last seen" time ten minutes back, as if the
/// deputies had signed in before the sitting began.
async fn age_sign_ins(dir: &std::path::Path) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    let url = nghitruong_store::sqlite_url(&dir.join("nghitruong.db"));
    let mut db = sqlx::SqliteConnection::connect(&url).await?;
    sqlx::query("PRAGMA busy_timeout = 10000")
        .execute(&mut db)
        .await?;
    sqlx::query("UPDATE auth_sessions SET last_seen_at = last_seen_at - 600000")
        .execute(&mut db)
        .await?;
    db.close().await?;
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Minor page faults of process `pid` so far (`/proc/<pid>/stat`, the
/// tenth field): each is a page the kernel had to map, most of them zeroed,
/// on the server's own CPU time.
fn minor_faults(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // The command name may hold spaces; the fields after it do not.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(7))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU time each thread name of process `pid` has used so far, in
/// nanoseconds (the scheduler's own count in `schedstat`, not the 10 ms
/// ticks of `stat`: a vote's burst is a few tens of milliseconds).
fn cpu_ns_by_thread(pid: u32) -> std::collections::BTreeMap<String, u64> {
    let mut by_name = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return by_name;
    };
    for task in tasks.flatten() {
        let (Ok(comm), Ok(sched)) = (
            std::fs::read_to_string(task.path().join("comm")),
            std::fs::read_to_string(task.path().join("schedstat")),
        ) else {
            continue;
        };
        let name = comm.trim_end().trim_end_matches(char::is_numeric);
        // "time on cpu (ns), time waiting to run (ns), timeslices".
        let ns: u64 = sched
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        *by_name.entry(name.to_owned()).or_default() += ns;
    }
    by_name
}

/// Starts `perf record` on process `pid` into `file`, once it records.
async fn start_perf(pid: u32, file: &str) -> anyhow::Result<std::process::Child> {
    // `BENCH_PERF_EVENT` records another event than CPU cycles, e.g.
    // `page-faults`.
    let event = std::env::var("BENCH_PERF_EVENT").unwrap_or_else(|_| "cycles".into());
    let child = Command::new("perf")
        .args(["record", "--call-graph", "dwarf,32768", "-e", &event])
        .args(if event == "cycles" {
            &["-F", "9999"][..]
        } else {
            &[][..]
        })
        .args(["-o", file, "-p"])
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("perf (linux-perf) is needed for --profile")?;
    // perf needs a moment to attach to every thread.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(child)
}

/// Stops a `perf record` started by [`start_perf`] and waits for its file.
fn stop_perf(mut perf: std::process::Child) -> anyhow::Result<()> {
    // SIGINT makes perf write its file and exit.
    Command::new("kill")
        .args(["-INT", &perf.id().to_string()])
        .status()?;
    perf.wait()?;
    Ok(())
}

/// Prints the CPU each kind of server thread used between two readings;
/// their sum, in nanoseconds.
fn print_cpu(label: &str, before: &std::collections::BTreeMap<String, u64>, pid: u32) -> u64 {
    let after = cpu_ns_by_thread(pid);
    let mut used: Vec<(String, u64)> = after
        .iter()
        .map(|(name, t)| {
            (
                name.clone(),
                t.saturating_sub(before.get(name).copied().unwrap_or(0)),
            )
        })
        .filter(|(_, t)| *t > 0)
        .collect();
    used.sort_by_key(|(_, t)| std::cmp::Reverse(*t));
    let total: u64 = used.iter().map(|(_, t)| t).sum();
    let parts: Vec<String> = used
        .iter()
        .map(|(name, t)| format!("{name} {:.1} ms", *t as f64 / 1e6))
        .collect();
    println!(
        "server CPU during {label}: {:.1} ms ({})",
        total as f64 / 1e6,
        parts.join(", ")
    );
    total
}

/// Grows the demo database: `n` more deputies of the province council with
/// accounts, all checked in, the session opened and a named vote open on
/// its first vote item. Returns the session and round ids.
async fn prepare(dir: &std::path::Path, n: usize) -> anyhow::Result<(i64, i64)> {
    let store = SqlStore::open(&StoreOptions::sqlite_file(&dir.join("nghitruong.db"), 4)).await?;
    store.migrate().await?;
    let csv = include_str!("../../../../seed/admin-units-2025-07.csv");
    let hash = nghitruong_web::auth::password::hash(nghitruong::demo::DEMO_PASSWORD)?;
    let (mut seed, _) = nghitruong::demo::demo_seed(csv, &|_| hash.clone())?;
    let province = seed
        .councils
        .iter_mut()
        .find(|c| c.level == nghitruong_domain::org::CouncilLevel::Province)
        .context("no province council")?;
    let body_key = province
        .people
        .iter()
        .flat_map(|p| &p.positions)
        .find(|p| p.role == PositionRole::Deputy)
        .context("no deputy")?
        .body_key
        .clone();
    let starts_on = province.term.starts_on;
    let unit = province.unit_code.clone();
    province.seats_statutory = u16::try_from(n + 100).unwrap_or(u16::MAX);
    for i in 0..n {
        province.people.push(PersonSeed {
            key: Some(format!("bench-{i}")),
            full_name: format!("Đại biểu Thử Nghiệm {i:03}"),
            status: PersonStatus::Active,
            positions: vec![PositionSeed {
                body_key: body_key.clone(),
                role: PositionRole::Deputy,
                full_time: false,
                starts_on,
                ends_on: None,
            }],
        });
        seed.users.push(UserSeed {
            username: format!("bench{i}"),
            display_name: format!("Đại biểu Thử Nghiệm {i:03}"),
            password_hash: hash.clone(),
            person_key: Some(format!("bench-{i}")),
            agency_key: None,
            roles: vec![(Some(unit.clone()), Role::Deputy)],
        });
    }
    #[allow(clippy::disallowed_methods)] // a benchmark runs on the real clock
    let now = time::OffsetDateTime::now_utc();
    let ctx = AuditContext::system(now);
    store.seed_organisation(&seed, &ctx).await?;
    nghitruong::demo::seed_session(&store, &ctx).await?;
    let (found, _) = store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await?;
    let council = &found[0].council;
    let session = store.council_sessions(council.id).await?[0].clone();
    store
        .session_event(session.id, SessionEvent::Open, &ctx)
        .await?;
    let item = store
        .agenda(session.id)
        .await?
        .into_iter()
        .find(|i| i.kind == AgendaKind::Vote)
        .context("no vote item")?;
    store.move_agenda(session.id, item.id, &ctx).await?;
    let day = nghitruong_domain::clock::vietnam_day(now);
    for m in store.seated_deputies(council.id, day).await? {
        if m.person.status.holds_office() {
            store
                .set_attendance(
                    session.id,
                    m.person.id,
                    AttendanceStatus::Present,
                    CheckInMethod::Secretary,
                    None,
                    &ctx,
                )
                .await?;
        }
    }
    let round = store
        .open_round(
            &NewVoteRound {
                session_id: session.id,
                agenda_item_id: item.id,
                title: item.title.clone(),
                mode: VoteMode::Named,
                purpose: VotePurpose::Ordinary,
                seconds: None,
            },
            &ctx,
        )
        .await?;
    store.checkpoint().await?;
    Ok((session.id, round.id))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    let deputies = if a.scenario == "packet" {
        0
    } else {
        a.deputies
    };
    let (session, round) = prepare(dir.path(), deputies).await?;
    if a.scenario == "packet" {
        add_documents(dir.path(), session, a.packet_mb).await?;
    }
    println!(
        "prepared {deputies} more deputies, session {session}, round {round} in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    let mut server = Command::new(&a.server)
        .args([
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            &a.port.to_string(),
        ])
        .env("NGHITRUONG__DATA_DIR", dir.path())
        .env(
            "NGHITRUONG__LOG__FILTER",
            std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {}", a.server))?;
    let pid = server.id();
    let base = format!("http://127.0.0.1:{}", a.port);
    let result = if a.scenario == "packet" {
        packet(&a, &base, session, pid, dir.path()).await
    } else {
        run(&a, &base, session, round, pid, dir.path()).await
    };
    let rss = peak_rss_kib(pid);
    let _ = server.kill();
    let _ = server.wait();
    result?;
    match rss {
        Some(kib) => println!("server peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("server peak RSS: unavailable"),
    }
    Ok(())
}

async fn run(
    a: &Args,
    base: &str,
    session: i64,
    round: i64,
    pid: u32,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    wait_up(base).await?;
    let page = format!("/ky-hop/{session}");

    // Sign in the deputies (argon2 on the server: a few at a time).
    let t = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(4));
    let mut joins = Vec::new();
    for i in 0..a.deputies {
        let (base, page, gate) = (base.to_owned(), page.clone(), gate.clone());
        joins.push(tokio::spawn(async move {
            let _permit = gate.acquire().await?;
            signed_in(&base, &format!("bench{i}"), &page).await
        }));
    }
    let mut deputies = Vec::new();
    for j in joins {
        deputies.push(j.await??);
    }
    let (chair, chair_csrf, _) = signed_in(base, "chutich", &page).await?;
    println!(
        "signed in {} deputies in {:.1}s; server peak RSS so far (argon2 sign-ins) {:.1} MiB",
        deputies.len(),
        t.elapsed().as_secs_f64(),
        peak_rss_kib(pid).unwrap_or(0) as f64 / 1024.0
    );
    // Measure the vote's own peak from here: writing 5 to clear_refs resets
    // VmHWM to the current RSS (Linux 4.0+); our own child process.
    let reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
    println!("peak RSS reset for the vote phase: {reset}");

    // The stream clients: each waits for the result event and checks that
    // the fragment it carries, or the one fetched after it, shows the result.
    // Every tenth deputy votes against, the others for (below): the
    // result a hall screen shows must count each of them once.
    let against = deputies.len().div_ceil(10);
    let tally: Arc<[String; 2]> = Arc::new([
        format!("bar-value\">{} (", deputies.len() - against),
        format!("bar-value\">{against} ("),
    ]);
    let connected = Arc::new(AtomicUsize::new(0));
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let all_connected = Arc::new(Notify::new());
    let mut streams = Vec::new();
    let t = Instant::now();
    for s in 0..a.streams {
        // A warm screen is a browser of its own: besides its event stream
        // it keeps the keep-alive connection it loaded the fragment on (a
        // browser keeps a used connection for minutes, and every progress
        // event of the vote refetches on it). A cold one shares its
        // deputy's connections and mostly connects anew to fetch.
        let (deputy, _, jar) = &deputies[s % deputies.len()];
        let http = if a.warm {
            browser(jar)?
        } else {
            deputy.clone()
        };
        let warm = a.warm;
        let screens = a.screens;
        let (base, connected, armed, all) = (
            base.to_owned(),
            connected.clone(),
            armed.clone(),
            all_connected.clone(),
        );
        let total = a.streams;
        let tally = tally.clone();
        streams.push(tokio::spawn(async move {
            let mut response = http
                .get(format!("{base}/ky-hop/{session}/su-kien"))
                .send()
                .await?;
            let mut first = true;
            let mut pending = Vec::new();
            loop {
                let Some(chunk) = response.chunk().await? else {
                    bail!("the stream ended");
                };
                if first {
                    first = false;
                    if warm {
                        let html = if screens == Screens::Tablet {
                            own_fragment(&http, &base, session).await?
                        } else {
                            hall_fragment(&http, &base, session).await?
                        };
                        if html.is_empty() {
                            bail!("the hall fragment is empty");
                        }
                    }
                    if connected.fetch_add(1, Ordering::SeqCst) + 1 == total {
                        all.notify_one();
                    }
                    continue;
                }
                // Whole events only: a large one may come in several reads.
                pending.extend_from_slice(&chunk);
                while let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
                    let event: Vec<u8> = pending.drain(..end + 2).collect();
                    let event = String::from_utf8_lossy(&event);
                    if !armed.load(Ordering::SeqCst) || !event.starts_with("event: hall") {
                        continue;
                    }
                    let told = Instant::now();
                    let shown = match screens {
                        // A hall screen shows the fragment the event carries.
                        Screens::Hall => {
                            if !event.contains("THÔNG QUA") {
                                bail!("the result event lacks the result");
                            }
                            if !tally.iter().all(|count| event.contains(count.as_str())) {
                                bail!("the result does not count every ballot once: {event}");
                            }
                            told
                        }
                        Screens::Fetch => {
                            let html = hall_fragment(&http, &base, session).await?;
                            if !html.contains("THÔNG QUA") {
                                bail!("the hall fragment lacks the result");
                            }
                            Instant::now()
                        }
                        // A tablet shows the event's result part at once
                        // (`told`), then its own fragment (the second time).
                        Screens::Tablet => {
                            if !event.contains("data-live-part=\"result\"")
                                || !event.contains("THÔNG QUA")
                            {
                                bail!("the result event lacks the result part");
                            }
                            // app.js spreads these refetches over 500 ms.
                            let spread = (s as u64 * 7919) % REFETCH_SPREAD_MS;
                            tokio::time::sleep(Duration::from_millis(spread)).await;
                            let html = own_fragment(&http, &base, session).await?;
                            if !html.contains("data-testid=\"vote-result\"") {
                                bail!("the tablet's fragment lacks the result");
                            }
                            Instant::now()
                        }
                    };
                    // A screen keeps its stream: closing 2,000 of them while
                    // the server still tells the others would be measured
                    // as the server's delay.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    drop(response);
                    return Ok((told, shown));
                }
            }
        }));
    }
    tokio::time::timeout(Duration::from_secs(120), all_connected.notified())
        .await
        .context("not every stream connected within 2 minutes")?;
    println!(
        "{} event streams open in {:.1}s; server RSS so far {:.1} MiB",
        a.streams,
        t.elapsed().as_secs_f64(),
        peak_rss_kib(pid).unwrap_or(0) as f64 / 1024.0
    );

    // Each deputy's tablet gets ready to send its ballot, as a tablet
    // holds the page (and, for sockets, the connection it loaded it on).
    let mut tablets = Vec::new();
    for (i, (http, csrf, jar)) in deputies.iter().enumerate() {
        let choice = if i % 10 == 0 {
            "khong_tan_thanh"
        } else {
            "tan_thanh"
        };
        let path = format!("/ky-hop/{session}/bieu-quyet/{round}/phieu");
        tablets.push(match a.tablets {
            Tablets::Sockets => Tablet::socket(a.port, &path, jar, csrf, choice).await?,
            Tablets::Reqwest => Tablet::Reqwest {
                http: http.clone(),
                url: format!("{base}{path}"),
                form: vec![("_csrf", csrf.clone()), ("choice", choice.to_owned())],
            },
        });
    }

    // The floor: the same tablets each ask for something that goes through
    // every layer of the server (the sign-in check included) and does
    // nothing else, all at once. No ballot can be answered faster.
    if a.tablets == Tablets::Sockets && a.spread_ms == 0 {
        let cpu_before = cpu_ns_by_thread(pid);
        let mut probes = Vec::new();
        for mut tablet in tablets {
            probes.push(tokio::spawn(async move {
                let sent = Instant::now();
                let status = tablet.probe().await?;
                Ok::<_, anyhow::Error>((tablet, sent.elapsed(), status))
            }));
        }
        tablets = Vec::new();
        let mut latencies = Vec::new();
        for p in probes {
            let (tablet, latency, status) = p.await??;
            if status.is_some_and(|s| s >= 400) {
                bail!("the probe was refused: {status:?}");
            }
            tablets.push(tablet);
            latencies.push(latency);
        }
        latencies.sort();
        let _ = print_cpu("the probes", &cpu_before, pid);
        println!(
            "floor: {} tablets ask for /favicon.ico at once: p50 {:.1} ms, p99 {:.1} ms",
            latencies.len(),
            percentile(&latencies, 50.0).as_secs_f64() * 1e3,
            percentile(&latencies, 99.0).as_secs_f64() * 1e3,
        );
        // Leave the server as quiet as before the vote.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The hall has sat for a while: the deputies signed in long ago, and
    // their tablets' last request is older than the server keeps a viewer
    // (2 s), as when they press some seconds after the chair's call.
    age_sign_ins(dir).await?;
    tokio::time::sleep(Duration::from_millis(2_200)).await;

    // Every deputy votes: at the same instant, or evenly over the spread
    // (a hall pressing within a few seconds of the chair's call).
    let perf = match &a.profile {
        Some(file) => Some(start_perf(pid, file).await?),
        None => None,
    };
    let cpu_before = cpu_ns_by_thread(pid);
    let faults_before = minor_faults(pid);
    let client_before: u64 = cpu_ns_by_thread(std::process::id()).values().sum();
    let start = Instant::now();
    let mut ballots = Vec::new();
    let n = tablets.len().max(1) as u64;
    for (i, tablet) in tablets.into_iter().enumerate() {
        let delay = Duration::from_millis(a.spread_ms * i as u64 / n);
        ballots.push(tokio::spawn(async move {
            let mut tablet = tablet;
            tokio::time::sleep_until((start + delay).into()).await;
            let sent = Instant::now();
            let status = tablet.cast().await?;
            let acked = Instant::now();
            if status != 303 && status != 200 {
                bail!("ballot refused: {status}");
            }
            // Handed back, not dropped: a tablet that has voted stays
            // connected, and the server must not spend the other ballots'
            // time closing connections.
            Ok::<_, anyhow::Error>((acked - sent, acked, tablet))
        }));
    }
    let mut latencies = Vec::new();
    let mut voted = Vec::new();
    let mut last = start;
    for b in ballots {
        let (latency, acked, tablet) = b.await??;
        latencies.push(latency);
        voted.push(tablet);
        last = last.max(acked);
    }
    let wall = last - start;
    let server_ns = print_cpu("the ballots", &cpu_before, pid);
    println!(
        "server page faults during the ballots: {}",
        minor_faults(pid).saturating_sub(faults_before)
    );
    let client_after: u64 = cpu_ns_by_thread(std::process::id()).values().sum();
    // The clients share the server's cores: their time is the server's loss.
    let client_ns = client_after.saturating_sub(client_before);
    println!(
        "benchmark clients' CPU during the ballots: {:.1} ms",
        client_ns as f64 / 1e6
    );
    // All ballots start together, so the last acknowledgement cannot come
    // before both cores have done all of this work.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "no last acknowledgement before (server + clients CPU) / {cores} cores = {:.1} ms",
        (server_ns + client_ns) as f64 / 1e6 / cores as f64
    );
    if let Some(perf) = perf {
        stop_perf(perf)?;
    }
    latencies.sort();

    // The chair closes; every stream client must see the final tally.
    armed.store(true, Ordering::SeqCst);
    let closed = chair
        .post(format!(
            "{base}/ky-hop/{session}/bieu-quyet/{round}/ket-thuc"
        ))
        .form(&[("_csrf", chair_csrf.as_str())])
        .send()
        .await?;
    let close_acked = Instant::now();
    if closed.status().as_u16() != 303 {
        bail!("close refused: {}", closed.status());
    }
    let mut told_all = last;
    let mut seen_all = last;
    let mut told_each = Vec::new();
    let mut seen_each = Vec::new();
    for s in streams {
        let (told, seen) = tokio::time::timeout(Duration::from_secs(120), s)
            .await
            .context("a stream client never saw the result")???;
        told_all = told_all.max(told);
        seen_all = seen_all.max(seen);
        told_each.push(told.saturating_duration_since(last));
        seen_each.push(seen.saturating_duration_since(last));
    }

    println!(
        "ballots sent evenly over {} ms; stream clients: {}",
        a.spread_ms,
        match (a.screens, a.warm) {
            (Screens::Hall, _) =>
                "hall screens, the tally in the event (checked: every ballot counted once)",
            (Screens::Fetch, true) => "fetch the hall fragment on warm connections",
            (Screens::Fetch, false) => "fetch the hall fragment on cold connections",
            (Screens::Tablet, true) =>
                "tablets: the tally in the event, then their own fragment on warm connections",
            (Screens::Tablet, false) =>
                "tablets: the tally in the event, then their own fragment on cold connections",
        }
    );
    println!(
        "ballots: {} in {:.3}s = {:.0} ballots/s",
        latencies.len(),
        wall.as_secs_f64(),
        latencies.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "ballot latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 50.0).as_secs_f64() * 1e3,
        percentile(&latencies, 99.0).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "close acknowledged {:.1} ms after the last ballot",
        (close_acked - last).as_secs_f64() * 1e3
    );
    println!(
        "last ballot -> all {} streams told of the result: {:.1} ms",
        a.streams,
        (told_all - last).as_secs_f64() * 1e3
    );
    println!(
        "last ballot -> all {} clients {}: {:.1} ms",
        a.streams,
        if a.screens == Screens::Tablet {
            "have their own fragment after showing the tally from the event"
        } else {
            "show the final tally"
        },
        (seen_all - last).as_secs_f64() * 1e3
    );
    told_each.sort();
    seen_each.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "  told after: first {:.1}, p50 {:.1}, p90 {:.1} ms; tally after: first {:.1}, p50 {:.1}, p90 {:.1} ms",
        ms(told_each.first().copied().unwrap_or_default()),
        ms(percentile(&told_each, 50.0)),
        ms(percentile(&told_each, 90.0)),
        ms(seen_each.first().copied().unwrap_or_default()),
        ms(percentile(&seen_each, 50.0)),
        ms(percentile(&seen_each, 90.0)),
    );
    Ok(())
}

/// Publishes `mb` megabytes of documents (ten files) in the session.
async fn add_documents(dir: &std::path::Path, session: i64, mb: usize) -> anyhow::Result<()> {
    use nghitruong_domain::document::{
        AudienceGrant, Classification, DocumentEvent, DocumentKind, FileFormat,
    };
    let store = SqlStore::open(&StoreOptions::sqlite_file(&dir.join("nghitruong.db"), 2)).await?;
    #[allow(clippy::disallowed_methods)] // a benchmark runs on the real clock
    let ctx = AuditContext::system(time::OffsetDateTime::now_utc());
    let blobs = nghitruong_docs::BlobStore::new(dir.join("documents"))?;
    let uploader = store
        .user_credentials("vanphong")
        .await?
        .map_or(0, |c| c.user.id);
    let files = 10;
    let size = mb * 1024 * 1024 / files;
    // Incompressible content, as scanned PDFs are: a simple xorshift.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for f in 0..files {
        let mut bytes = Vec::with_capacity(size);
        while bytes.len() < size {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        bytes.truncate(size);
        let mut incoming = blobs.begin(u64::MAX)?;
        incoming.write(&bytes).await?;
        let blob = incoming.finish().await?.keep().await?;
        let id = store
            .create_document(
                &nghitruong_store::NewDocument {
                    session_id: session,
                    agenda_item_id: None,
                    kind: DocumentKind::Report,
                    title: format!("Tài liệu thử tải {f:02}"),
                    classification: Classification::Normal,
                    audience: vec![AudienceGrant::AllDeputies],
                },
                &nghitruong_store::NewVersion {
                    sha256: blob.sha256,
                    size: blob.size,
                    format: FileFormat::Pdf,
                    file_name: format!("tai-lieu-{f:02}.pdf"),
                    pages: 1,
                    text: String::new(),
                },
                uploader,
                &ctx,
            )
            .await?;
        for event in [
            DocumentEvent::Submit,
            DocumentEvent::Approve,
            DocumentEvent::Publish,
        ] {
            store.document_event(id, event, &ctx).await?;
        }
    }
    store.checkpoint().await?;
    Ok(())
}

/// `clients` downloads of `url` at once; returns bytes and seconds.
async fn download_all(
    http: &reqwest::Client,
    url: &str,
    clients: usize,
    expected: u64,
) -> anyhow::Result<(u64, f64)> {
    let start = Instant::now();
    let mut joins = Vec::new();
    for _ in 0..clients {
        let (http, url) = (http.clone(), url.to_owned());
        joins.push(tokio::spawn(async move {
            let mut r = http.get(&url).send().await?;
            if !r.status().is_success() {
                bail!("download refused: {}", r.status());
            }
            let mut n = 0u64;
            while let Some(chunk) = r.chunk().await? {
                n += chunk.len() as u64;
            }
            // Every client gets the whole packet (hashing 5 GB here would
            // take the server's CPU; the server's tests compare bytes).
            if n != expected {
                bail!("a download had {n} bytes, not {expected}");
            }
            Ok::<_, anyhow::Error>(n)
        }));
    }
    let mut total = 0;
    for j in joins {
        total += j.await??;
    }
    Ok((total, start.elapsed().as_secs_f64()))
}

async fn packet(
    a: &Args,
    base: &str,
    session: i64,
    pid: u32,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    wait_up(base).await?;
    let (http, _, _) = signed_in(base, "daibieu", &format!("/ky-hop/{session}")).await?;
    let url = format!("{base}/ky-hop/{session}/goi-tai-lieu");
    // One download first, kept for nginx to serve.
    let zip = http.get(&url).send().await?.bytes().await?;
    let root = dir.join("www");
    std::fs::create_dir_all(&root)?;
    std::fs::write(root.join("goi.zip"), &zip)?;
    let before = peak_rss_kib(pid).unwrap_or(0);
    println!(
        "packet: {:.1} MB; server RSS before: {:.1} MiB",
        zip.len() as f64 / 1e6,
        before as f64 / 1024.0
    );
    let (ours, secs) = download_all(&http, &url, a.clients, zip.len() as u64).await?;
    let ours_rate = ours as f64 / secs / 1e6;
    println!(
        "ours:  {} clients, {:.0} MB in {:.2}s = {:.0} MB/s",
        a.clients,
        ours as f64 / 1e6,
        secs,
        ours_rate
    );

    let port = a.port + 1;
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nmaster_process on;\nworker_processes 2;\nuser root;\npid {d}/nginx.pid;\n\
             error_log {d}/nginx-error.log warn;\nevents {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  client_body_temp_path {d}/ngx-body;\n\
             proxy_temp_path {d}/ngx-proxy;\n  fastcgi_temp_path {d}/ngx-fcgi;\n\
             uwsgi_temp_path {d}/ngx-uwsgi;\n  scgi_temp_path {d}/ngx-scgi;\n\
             server {{ listen 127.0.0.1:{port}; root {d}/www; }}\n}}\n",
            d = dir.display()
        ),
    )?;
    let mut nginx = Command::new("/usr/sbin/nginx")
        .args([
            "-c",
            &conf.display().to_string(),
            "-p",
            &dir.display().to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start nginx")?;
    let plain = reqwest::Client::new();
    let nginx_url = format!("http://127.0.0.1:{port}/goi.zip");
    let mut up = false;
    for _ in 0..100 {
        if plain
            .head(&nginx_url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let measured = if up {
        download_all(&plain, &nginx_url, a.clients, zip.len() as u64).await
    } else {
        Err(anyhow::anyhow!("nginx did not start"))
    };
    // A graceful stop through the master, so its workers exit too (killing
    // the master alone would leave them serving).
    let _ = Command::new("/usr/sbin/nginx")
        .args([
            "-c",
            &conf.display().to_string(),
            "-p",
            &dir.display().to_string(),
            "-s",
            "stop",
        ])
        .status();
    let _ = nginx.wait();
    let (theirs, secs) = measured?;
    let nginx_rate = theirs as f64 / secs / 1e6;
    println!(
        "nginx: {} clients, {:.0} MB in {:.2}s = {:.0} MB/s",
        a.clients,
        theirs as f64 / 1e6,
        secs,
        nginx_rate
    );
    println!("ours / nginx: {:.0}%", ours_rate / nginx_rate * 100.0);
    Ok(())
}

async fn wait_up(base: &str) -> anyhow::Result<()> {
    let probe = reqwest::Client::new();
    for _ in 0..200 {
        if probe
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not start")
}
