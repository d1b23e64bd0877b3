//! The live hub: every screen of a session (tablets, chair console, hall
//! screen) subscribes to the session's channel over Server-Sent Events and
//! reloads its live fragment when something changes.
//!
//! Events carry no data beyond their kind: each screen fetches the fragment
//! its own role may see, so nothing private travels on the shared channel.
//! In one process this is a broadcast channel per session.
// TODO(#3): fan events out through NATS when several nodes serve one
// province; one process is enough for the embedded default.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use tokio::sync::broadcast;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::BroadcastStream;

/// Channels per session.
#[derive(Default)]
pub struct LiveHub {
    channels: Mutex<HashMap<i64, broadcast::Sender<&'static str>>>,
}

impl LiveHub {
    fn sender(&self, session_id: i64) -> broadcast::Sender<&'static str> {
        let mut map = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, s| s.receiver_count() > 0);
        map.entry(session_id)
            .or_insert_with(|| broadcast::channel(64).0)
            .clone()
    }

    /// Tells every screen of the session that `kind` changed.
    pub fn publish(&self, session_id: i64, kind: &'static str) {
        // No subscriber is not an error: no screen is open.
        let _ = self.sender(session_id).send(kind);
    }

    /// A Server-Sent Events stream of the session's changes.
    pub fn stream(
        &self,
        session_id: i64,
    ) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>> + use<>> {
        let receiver = self.sender(session_id).subscribe();
        let first = tokio_stream::once(Ok(Event::default().event("update").data("ket-noi")));
        let changes = BroadcastStream::new(receiver).map(|item| {
            // A screen that fell behind just reloads; the fragment is whole.
            let kind = item.unwrap_or("tai-lai");
            Ok(Event::default().event("update").data(kind))
        });
        Sse::new(first.chain(changes))
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_of_a_session_hear_its_changes_only() {
        let hub = LiveHub::default();
        let mut a = hub.sender(1).subscribe();
        let mut b = hub.sender(2).subscribe();
        hub.publish(1, "bieu-quyet");
        assert_eq!(a.recv().await.unwrap(), "bieu-quyet");
        assert!(b.try_recv().is_err());
        hub.publish(3, "khong-ai-nghe");
    }
}
