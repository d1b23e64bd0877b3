//! Live changes between the nodes of one province, over NATS (scaled out).
//!
//! Each node sends the changes made on it to the subject
//! `<prefix>.<session id>` and tells its own screens of those the other
//! nodes send ([`LiveHub::receive`]). A message is the kind of change only
//! (`bieu-quyet`, `phieu`, …): each node renders what its screens ask for,
//! so nothing private crosses the wire, and a lost message costs a screen
//! one reload at its next change, never a wrong tally.
//!
//! The connection does not hear its own messages (`no_echo`): a change is
//! told on its own node at once, without the round trip.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::StreamExt as _;
use tokio::task::JoinHandle;

use crate::live::LiveHub;

/// The relay's two tasks; dropping it stops them.
pub struct NatsRelay {
    tasks: [JoinHandle<()>; 2],
}

impl Drop for NatsRelay {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Longest prefix accepted. The NATS server refuses a protocol line
/// longer than it allows (4 KiB by default) and drops the connection,
/// which the client would then remake over and over.
const MAX_PREFIX: usize = 128;

/// How long connecting may take before `serve` gives up: a server that
/// accepts the connection and then says nothing must not hold the node
/// back from serving for ever.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The least time one attempt gets when several servers share
/// [`CONNECT_TIMEOUT`].
const MIN_ATTEMPT: Duration = Duration::from_secs(3);

/// `address` without a user, password or token.
fn without_credentials(address: async_nats::ServerAddr) -> std::io::Result<async_nats::ServerAddr> {
    let mut url = address.into_inner();
    // Cannot fail for the `nats`, `tls` and `ws` addresses the client takes
    // (they have a host); left as it is otherwise.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    async_nats::ServerAddr::from_url(url)
}

/// Whether `prefix` can head the relay's subjects: dot-separated tokens
/// of letters, digits, `-` and `_` (no wildcards, no spaces), at most
/// [`MAX_PREFIX`] characters.
pub fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.len() <= MAX_PREFIX
        && prefix.split('.').all(|token| {
            !token.is_empty()
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// `url` (one NATS address or several, comma-separated) with any user
/// and password or token replaced by `***`, for logs and messages.
///
/// Cut at each `@`, not first at the commas: a password written with a
/// comma in it (not percent-encoded, as it should be) would otherwise show
/// in part. What precedes an `@` is hidden back to its address's `://`, or
/// to the start when no address before it names a scheme, which may hide
/// a host too, never a secret.
pub fn redacted(url: &str) -> String {
    let mut shown = String::new();
    let mut rest = url;
    while let Some(at) = rest.find('@') {
        let before = &rest[..at];
        let secret_from = before.rfind("://").map_or(0, |i| i + 3);
        shown.push_str(&before[..secret_from]);
        shown.push_str("***@");
        rest = &rest[at + 1..];
    }
    shown.push_str(rest);
    shown
        .split(',')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(",")
}

/// The session a subject names: `<prefix>.<id>`, the id in plain digits
/// (no sign, no leading zero), so that one session has one subject.
fn session_of(subject: &str) -> Option<i64> {
    let id = subject.rsplit('.').next()?;
    let n: i64 = id.parse().ok()?;
    (n > 0 && n.to_string() == id).then_some(n)
}

/// Connects to the NATS server at `url` (or one of several, comma-separated)
/// and relays `hub`'s changes to the other nodes under `prefix`, and
/// theirs to it.
pub async fn start(hub: Arc<LiveHub>, url: &str, prefix: &str) -> anyhow::Result<NatsRelay> {
    anyhow::ensure!(
        valid_prefix(prefix),
        "tiền tố chủ đề NATS không hợp lệ: {prefix:?} (chỉ chữ, số, '-', '_' và dấu chấm, tối đa {MAX_PREFIX} ký tự)"
    );
    let shown = redacted(url);
    anyhow::ensure!(
        url.split(',').all(|one| !one.trim().is_empty()),
        "địa chỉ máy chủ NATS không hợp lệ: {shown} (có mục trống giữa các dấu phẩy)"
    );
    let addresses = url
        .split(',')
        .map(|one| one.trim().parse::<async_nats::ServerAddr>())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("địa chỉ máy chủ NATS không hợp lệ: {shown}"))?;
    // The client does not take a user, password or token from the address
    // itself: they are given as options, from the first address that has
    // them (as written in a URL, percent-encoded).
    let decoded = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let credentials = addresses.iter().find(|a| a.has_user_pass()).map(|with| {
        (
            decoded(with.username().unwrap_or_default()),
            with.password().map(decoded),
        )
    });
    // And the addresses the client keeps carry none: it logs them.
    let addresses = addresses
        .into_iter()
        .map(without_credentials)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("địa chỉ máy chủ NATS không hợp lệ: {shown}"))?;
    let options = || {
        let options = async_nats::ConnectOptions::new()
            .no_echo()
            .name("nghitruong");
        match &credentials {
            Some((user, Some(password))) => {
                options.user_and_password(user.clone(), password.clone())
            }
            Some((token, None)) => options.token(token.clone()),
            None => options,
        }
    };
    let connect = |address: async_nats::ServerAddr| {
        let options = options();
        let (shown, prefix) = (&shown, prefix);
        async move {
            let client = options
                .connect(address)
                .await
                .with_context(|| format!("không kết nối được máy chủ NATS {shown}"))?;
            let incoming = client
                .subscribe(format!("{prefix}.*"))
                .await
                .context("không đăng ký được chủ đề NATS")?;
            // The subscription has reached the server before the caller
            // goes on: a relay that cannot work fails here, not silently
            // later.
            client
                .flush()
                .await
                .context("máy chủ NATS không phản hồi")?;
            anyhow::Ok((client, incoming))
        }
    };
    // The servers are tried one at a time, in the order written, each for
    // its share of the time, and the client keeps only the one that
    // answered (and the members of its cluster, which that server names).
    // The client waits for a server's greeting without a limit of its own,
    // when it connects and when it reconnects: given the whole list, a
    // server that accepts connections and says nothing held the start, or
    // after a short outage held the relay for good, silently.
    let share =
        (CONNECT_TIMEOUT / u32::try_from(addresses.len()).unwrap_or(u32::MAX)).max(MIN_ATTEMPT);
    let mut failure = None;
    let mut connected = None;
    for address in addresses {
        match tokio::time::timeout(share, connect(address)).await {
            Ok(Ok(relay)) => {
                connected = Some(relay);
                break;
            }
            Ok(Err(e)) => failure = Some(e),
            Err(_) => {
                failure = Some(anyhow::anyhow!(
                    "máy chủ NATS {shown} không trả lời (mỗi máy được chờ {} giây)",
                    share.as_secs()
                ));
            }
        }
    }
    let Some((client, mut incoming)) = connected else {
        return Err(failure.unwrap_or_else(|| anyhow::anyhow!("không có địa chỉ máy chủ NATS")));
    };
    let mut outgoing = hub
        .relay_out()
        .context("the live hub already relays its changes")?;

    let sender = client.clone();
    let prefix_out = prefix.to_owned();
    let send = tokio::spawn(async move {
        while let Some(change) = outgoing.recv().await {
            let subject = format!("{prefix_out}.{}", change.session_id);
            if let Err(e) = sender.publish(subject, change.kind.into()).await {
                // The client reconnects by itself; the other nodes' screens
                // catch up at their next change.
                tracing::warn!(error = %e, "could not relay a live change to NATS");
            }
        }
    });
    let receive = tokio::spawn(async move {
        let mut malformed: u64 = 0;
        while let Some(message) = incoming.next().await {
            let session = session_of(&message.subject);
            let kind = std::str::from_utf8(&message.payload).ok();
            match (session, kind) {
                (Some(session), Some(kind)) if kind.len() <= 64 => hub.receive(session, kind),
                _ => {
                    // Told once in a thousand: a flood must not flood the log.
                    if malformed.is_multiple_of(1000) {
                        tracing::warn!(
                            subject = %message.subject,
                            ignored_so_far = malformed + 1,
                            "ignored a malformed live change"
                        );
                    }
                    malformed += 1;
                }
            }
        }
    });
    Ok(NatsRelay {
        tasks: [send, receive],
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::live::PROGRESS;

    /// The NATS server the tests relay through: the machine's own, on
    /// loopback, unless `NGHITRUONG_TEST_NATS_URL` names another.
    fn nats_url() -> String {
        std::env::var("NGHITRUONG_TEST_NATS_URL")
            .unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
    }

    /// Subjects of their own, so that runs side by side do not hear each other.
    fn fresh_prefix() -> String {
        format!("nghitruong-test.{:016x}", rand::random::<u64>())
    }

    #[tokio::test]
    async fn a_change_on_one_node_reaches_the_screens_of_the_others_once() {
        let (url, prefix) = (nats_url(), fresh_prefix());
        let (a, b) = (Arc::new(LiveHub::default()), Arc::new(LiveHub::default()));
        let _relay_a = start(a.clone(), &url, &prefix)
            .await
            .expect("node a relays");
        let _relay_b = start(b.clone(), &url, &prefix)
            .await
            .expect("node b relays");
        // The server takes each node's subscription in its own time (a
        // flush only writes it out): wait until a change of another session
        // gets from a to b, then start.
        let mut warm = b.sender(99).subscribe();
        let mut tries = 0;
        loop {
            a.publish(99, "bieu-quyet");
            if tokio::time::timeout(Duration::from_millis(200), warm.recv())
                .await
                .is_ok()
            {
                break;
            }
            tries += 1;
            assert!(tries < 50, "node b never hears node a");
        }
        let mut screen_a = a.sender(7).subscribe();
        let mut screen_b = b.sender(7).subscribe();
        let mut other_session_b = b.sender(8).subscribe();
        let wait = |rx: &mut tokio::sync::broadcast::Receiver<crate::live::Change>| {
            let mut rx = rx.resubscribe();
            async move { tokio::time::timeout(Duration::from_secs(5), rx.recv()).await }
        };
        let heard_b = wait(&mut screen_b);

        a.publish(7, "bieu-quyet");
        assert_eq!(screen_a.recv().await.unwrap().kind, "bieu-quyet");
        let on_b = heard_b.await.expect("node b is told").unwrap();
        assert_eq!(on_b.kind, "bieu-quyet");
        assert!(on_b.hall.is_none(), "no fragment crosses the wire");

        // A change made on b goes to a, and is not echoed back to b.
        let heard_a = wait(&mut screen_a);
        b.publish(7, "diem-danh");
        assert_eq!(
            heard_a.await.expect("node a is told").unwrap().kind,
            "diem-danh"
        );
        let _ = screen_b.recv().await; // a's change, told earlier
        assert_eq!(screen_b.recv().await.unwrap().kind, "diem-danh");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(screen_b.try_recv().is_err(), "b heard its own change once");
        assert!(
            other_session_b.try_recv().is_err(),
            "another session is not told"
        );

        // A ballot's progress on a is paced on b too, without a count.
        let heard_b = wait(&mut screen_b);
        a.publish_progress(7, async { Some("{}".to_owned()) });
        let progress = heard_b.await.expect("progress reaches b").unwrap();
        assert_eq!(progress.kind, PROGRESS);
        assert!(progress.progress.is_none());
    }

    #[tokio::test]
    async fn a_server_that_never_answers_does_not_hold_the_node_for_ever() {
        // Accepts connections and says nothing.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("nats://{}", silent.local_addr().unwrap());
        let held = tokio::spawn(async move {
            let mut kept = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                kept.push(socket);
            }
        });
        let started = std::time::Instant::now();
        let error = refusal(&url).await;
        assert!(started.elapsed() < CONNECT_TIMEOUT + Duration::from_secs(5));
        assert!(error.contains("không trả lời"), "{error}");
        held.abort();
    }

    #[tokio::test]
    async fn a_list_with_an_empty_entry_is_refused_as_written() {
        for written in [
            ",",
            "nats://127.0.0.1:4222,,nats://127.0.0.1:4223",
            "nats://127.0.0.1:4222, ",
        ] {
            let error = refusal(written).await;
            assert!(error.contains("mục trống"), "{written}: {error}");
        }
    }

    #[tokio::test]
    async fn a_silent_server_named_first_does_not_keep_the_node_from_the_next() {
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("nats://{},{}", silent.local_addr().unwrap(), nats_url());
        let held = tokio::spawn(async move {
            let mut kept = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                kept.push(socket);
            }
        });
        let started = std::time::Instant::now();
        let relay = start(Arc::new(LiveHub::default()), &url, &fresh_prefix()).await;
        assert!(
            relay.is_ok(),
            "the second server answers: {:?}",
            relay.err()
        );
        assert!(started.elapsed() < CONNECT_TIMEOUT);
        held.abort();
    }

    /// A TCP proxy on `port` (0 for any) to the test's NATS server, until
    /// the returned task is aborted (its connections with it).
    async fn proxy(port: u16) -> (u16, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let target = nats_url().trim_start_matches("nats://").to_owned();
        let task = tokio::spawn(async move {
            let mut pipes = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                pipes.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        (port, task)
    }

    /// Publishes on `from` until `to` hears it, for at most `within`.
    async fn heard(from: &LiveHub, to: &LiveHub, within: Duration) -> bool {
        let mut rx = to.sender(99).subscribe();
        let until = std::time::Instant::now() + within;
        while std::time::Instant::now() < until {
            from.publish(99, "bieu-quyet");
            if tokio::time::timeout(Duration::from_millis(200), rx.recv())
                .await
                .is_ok()
            {
                return true;
            }
        }
        false
    }

    #[tokio::test]
    async fn after_an_outage_the_relay_comes_back_though_a_silent_server_is_listed() {
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (port, proxied) = proxy(0).await;
        let url = format!(
            "nats://{},nats://127.0.0.1:{port}",
            silent.local_addr().unwrap()
        );
        let held = tokio::spawn(async move {
            let mut kept = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                kept.push(socket);
            }
        });
        let prefix = fresh_prefix();
        let (a, b) = (Arc::new(LiveHub::default()), Arc::new(LiveHub::default()));
        let _relay_a = start(a.clone(), &url, &prefix).await.expect("a relays");
        let _relay_b = start(b.clone(), &nats_url(), &prefix)
            .await
            .expect("b relays");
        assert!(heard(&a, &b, Duration::from_secs(10)).await, "a reaches b");

        // The way to the server goes for a moment, and comes back.
        proxied.abort();
        let _ = proxied.await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (_, _back) = proxy(port).await;
        assert!(
            heard(&a, &b, Duration::from_secs(20)).await,
            "a reaches b again after the outage"
        );
        held.abort();
    }

    #[test]
    fn the_addresses_the_client_keeps_carry_no_credentials() {
        for written in [
            "nats://node:S3cret@127.0.0.1:4222",
            "nats://s3cret-token@127.0.0.1:4222",
            "tls://node:S3cret@nats.example:4443",
        ] {
            let bare = without_credentials(written.parse().unwrap()).unwrap();
            let shown = format!("{bare:?} {}", bare.clone().into_inner());
            assert!(!shown.to_lowercase().contains("s3cret"), "{shown}");
            assert!(!bare.has_user_pass(), "{shown}");
        }
    }

    #[tokio::test]
    async fn several_servers_may_be_named_and_a_password_is_not_repeated() {
        let url = format!("nats://node:S3cret@127.0.0.1:1,{}", nats_url());
        let relay = start(Arc::new(LiveHub::default()), &url, &fresh_prefix()).await;
        assert!(
            relay.is_ok(),
            "one of the servers answers: {:?}",
            relay.err()
        );
        let error = refusal(&format!("nats://node:S3cret@{}", nothing_listens())).await;
        assert!(!error.contains("S3cret"), "{error}");
    }

    /// A loopback address nothing listens on.
    fn nothing_listens() -> std::net::SocketAddr {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        closed.local_addr().unwrap()
    }

    /// Why a relay to `url` could not start, as `serve` would say it.
    async fn refusal(url: &str) -> String {
        let error = start(Arc::new(LiveHub::default()), url, "nghitruong")
            .await
            .err()
            .expect("no relay without a server");
        format!("{error:#}")
    }

    /// A NATS server of this test's own on a free loopback port, asking
    /// for a user and password; killed when dropped.
    struct LockedNats(std::process::Child, u16);

    impl Drop for LockedNats {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    async fn locked_nats(user: &str, password: &str) -> LockedNats {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .args(["--user", user, "--pass", password])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server (Debian's package) runs");
        let server = LockedNats(child, port);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server did not listen on {port}");
    }

    #[tokio::test]
    async fn the_user_and_password_in_the_address_are_used_to_sign_in() {
        let server = locked_nats("nut", "S3cr@t%").await;
        let hub = Arc::new(LiveHub::default());
        // As written in a URL: `@` and `%` percent-encoded.
        let good = format!("nats://nut:S3cr%40t%25@127.0.0.1:{}", server.1);
        let relay = start(hub.clone(), &good, &fresh_prefix()).await;
        assert!(relay.is_ok(), "{:?}", relay.err());
        let bad = format!("nats://nut:sai@127.0.0.1:{}", server.1);
        let error = refusal(&bad).await;
        assert!(
            !error.contains("sai@"),
            "a wrong password is refused, unshown: {error}"
        );
    }

    #[tokio::test]
    async fn a_node_that_cannot_reach_nats_says_so() {
        let error = refusal(&format!("nats://{}", nothing_listens())).await;
        assert!(error.contains("không kết nối được máy chủ NATS"), "{error}");
    }

    #[tokio::test]
    async fn an_unknown_kind_from_another_node_is_a_reload() {
        let hub = LiveHub::default();
        let mut screen = hub.sender(1).subscribe();
        hub.receive(1, "thu-moi-tu-phien-ban-sau");
        assert_eq!(screen.recv().await.unwrap().kind, "tai-lai");
        hub.receive(1, "chat-van");
        assert_eq!(screen.recv().await.unwrap().kind, "chat-van");
    }

    #[test]
    fn prefixes_are_plain_subject_tokens() {
        for good in ["nghitruong", "nghitruong.live", "tinh-nghe_an.live2"] {
            assert!(valid_prefix(good), "{good}");
        }
        let long = format!("a.{}", "b".repeat(MAX_PREFIX));
        for bad in ["", ".", "a..b", "a.*", "a.>", "a b", "a.", "đ", &long] {
            assert!(!valid_prefix(bad), "{bad}");
        }
    }

    #[test]
    fn a_session_has_one_subject() {
        assert_eq!(session_of("p.live.42"), Some(42));
        for other in [
            "p.+42",
            "p.042",
            "p.-42",
            "p.0",
            "p.abc",
            "p.99999999999999999999",
        ] {
            assert_eq!(session_of(other), None, "{other}");
        }
    }

    #[test]
    fn credentials_never_show() {
        assert_eq!(
            redacted("nats://admin:S3cret@10.0.0.5:4222"),
            "nats://***@10.0.0.5:4222"
        );
        assert_eq!(redacted("T0ken@10.0.0.5:4222"), "***@10.0.0.5:4222");
        assert_eq!(
            redacted("nats://u:p@h1:4222, nats://u:q@h2:4222"),
            "nats://***@h1:4222,nats://***@h2:4222"
        );
        assert_eq!(redacted("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
        // A comma or an @ left in a password hides more, never less.
        for written in [
            "nats://u:S3cret,x@127.0.0.1:4222",
            "nats://u:S3c@ret@127.0.0.1:4222,nats://h2:4222",
            "u:S3cret,x@h1:4222,v:S3cret@h2:4222",
            "nats://h0:4222,nats://u:a,S3cret@h1:4222",
        ] {
            let shown = redacted(written);
            assert!(!shown.contains("S3c"), "{written} -> {shown}");
            assert!(!shown.contains("ret"), "{written} -> {shown}");
        }
        assert_eq!(
            redacted("nats://u:S3cret,x@h1:4222,nats://h2:4222"),
            "nats://***@h1:4222,nats://h2:4222"
        );
    }
}
