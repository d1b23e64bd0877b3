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

/// Whether `prefix` can head the relay's subjects: dot-separated tokens
/// of letters, digits, `-` and `_` (no wildcards, no spaces).
pub fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.split('.').all(|token| {
            !token.is_empty()
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// Connects to the NATS server at `url` and relays `hub`'s changes to the
/// other nodes under `prefix`, and theirs to it.
pub async fn start(hub: Arc<LiveHub>, url: &str, prefix: &str) -> anyhow::Result<NatsRelay> {
    anyhow::ensure!(
        valid_prefix(prefix),
        "tiền tố chủ đề NATS không hợp lệ: {prefix:?} (chỉ chữ, số, '-', '_' và dấu chấm)"
    );
    let client = async_nats::ConnectOptions::new()
        .no_echo()
        .name("nghitruong")
        .connect(url)
        .await
        .with_context(|| format!("không kết nối được máy chủ NATS {url}"))?;
    let mut incoming = client
        .subscribe(format!("{prefix}.*"))
        .await
        .context("không đăng ký được chủ đề NATS")?;
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
        while let Some(message) = incoming.next().await {
            let session = message
                .subject
                .rsplit('.')
                .next()
                .and_then(|id| id.parse::<i64>().ok());
            let kind = std::str::from_utf8(&message.payload).ok();
            match (session, kind) {
                (Some(session), Some(kind)) if kind.len() <= 64 => hub.receive(session, kind),
                _ => tracing::warn!(subject = %message.subject, "ignored a malformed live change"),
            }
        }
    });
    // Sent before the caller goes on: a relay that cannot reach the
    // server fails here, not silently later.
    client
        .flush()
        .await
        .context("máy chủ NATS không phản hồi")?;
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
    async fn a_node_that_cannot_reach_nats_says_so() {
        // A port nothing listens on.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("nats://{}", closed.local_addr().unwrap());
        drop(closed);
        let error = start(Arc::new(LiveHub::default()), &url, "nghitruong")
            .await
            .err()
            .expect("no relay without a server");
        assert!(format!("{error:#}").contains("không kết nối được máy chủ NATS"));
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
        for bad in ["", ".", "a..b", "a.*", "a.>", "a b", "a.", "đ"] {
            assert!(!valid_prefix(bad), "{bad}");
        }
    }
}
