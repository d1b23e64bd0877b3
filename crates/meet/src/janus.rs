//! Janus (máy chủ đối chứng Janus) for the load benchmark: the messages of
//! Janus's HTTP API and, with the `bench` feature, a client of its
//! VideoRoom plugin that gives a [`SyntheticPeer`](crate::synthetic::SyntheticPeer)
//! the same [`Signalling`] as our SFU, so both servers carry identical
//! load and are measured the same way.
//!
//! The API in short: `POST /janus` creates a session, `POST /janus/<session>`
//! attaches a plugin handle, `POST /janus/<session>/<handle>` sends a plugin
//! message (answered at once with `ack` or `success`, the result arriving
//! later as an `event`), `GET /janus/<session>?maxev=N` long-polls for those
//! events. A VideoRoom publisher joins, then `publish`es with its offer and
//! gets Janus's answer; a subscriber joins with the feeds it wants, gets
//! Janus's offer, and answers with `start`.

use serde::Deserialize;
use serde_json::Value;

use crate::synthetic::Signal;

/// A session description as Janus carries it (`jsep`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Jsep {
    /// `offer` or `answer`.
    #[serde(rename = "type")]
    pub kind: String,
    /// SDP text.
    pub sdp: String,
}

/// A plugin's part of a message.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PluginData {
    /// The plugin's package name (`janus.plugin.videoroom`).
    pub plugin: String,
    /// What the plugin says.
    pub data: Value,
}

/// An error of Janus's core API.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ApiError {
    /// Janus's error code.
    pub code: i64,
    /// Its text.
    pub reason: String,
}

/// One message from Janus: a direct reply to a request or an event from
/// the long poll.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Message {
    /// What it is: `success`, `ack`, `error`, `event`, `webrtcup`,
    /// `media`, `hangup`, `detached`, `keepalive`, ….
    pub janus: String,
    /// The request's transaction, echoed.
    #[serde(default)]
    pub transaction: Option<String>,
    /// The handle the event is about.
    #[serde(default)]
    pub sender: Option<u64>,
    /// The result of `create` and `attach` (`{"id": …}`).
    #[serde(default)]
    pub data: Option<Value>,
    /// A plugin's reply or event.
    #[serde(default)]
    pub plugindata: Option<PluginData>,
    /// A session description.
    #[serde(default)]
    pub jsep: Option<Jsep>,
    /// A core error.
    #[serde(default)]
    pub error: Option<ApiError>,
    /// Why (on `hangup`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// What went wrong talking to Janus.
#[derive(Debug, thiserror::Error)]
pub enum JanusError {
    /// Janus or its plugin refused.
    #[error("Janus refused: {0}")]
    Refused(String),
    /// Janus answered something this client does not understand.
    #[error("unexpected reply from Janus: {0}")]
    Unexpected(String),
    /// HTTP trouble.
    #[error("HTTP: {0}")]
    Http(String),
    /// Nothing came in time.
    #[error("Janus did not answer in time: {0}")]
    Timeout(String),
}

/// Reads a long-poll body: one message, or an array of them when asked
/// for with `maxev` greater than one.
pub fn parse_poll(body: &str) -> Result<Vec<Message>, JanusError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| JanusError::Unexpected(e.to_string()))?;
    let list = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    list.into_iter()
        .map(|v| serde_json::from_value(v).map_err(|e| JanusError::Unexpected(e.to_string())))
        .collect()
}

impl Message {
    /// Reads one direct reply.
    pub fn parse(body: &str) -> Result<Self, JanusError> {
        serde_json::from_str(body).map_err(|e| JanusError::Unexpected(format!("{e}: {body}")))
    }

    /// What the plugin says, if it said something.
    pub fn plugin_data(&self) -> Option<&Value> {
        self.plugindata.as_ref().map(|p| &p.data)
    }

    /// The refusal in this message: a core error, or a plugin's
    /// `error_code`/`error`.
    pub fn failure(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return Some(format!("{} ({})", e.reason, e.code));
        }
        let data = self.plugin_data()?;
        let text = data.get("error").and_then(Value::as_str)?;
        let code = data.get("error_code").and_then(Value::as_i64).unwrap_or(0);
        Some(format!("{text} ({code})"))
    }

    /// The id in the `success` reply to `create` (a session) or `attach`
    /// (a handle).
    pub fn created_id(&self) -> Result<u64, JanusError> {
        if let Some(why) = self.failure() {
            return Err(JanusError::Refused(why));
        }
        if self.janus != "success" {
            return Err(JanusError::Unexpected(format!("{self:?}")));
        }
        self.data
            .as_ref()
            .and_then(|d| d.get("id"))
            .and_then(Value::as_u64)
            .ok_or_else(|| JanusError::Unexpected(format!("no id in {self:?}")))
    }

    /// The VideoRoom's kind of event (`joined`, `attached`, `event`, …).
    pub fn videoroom(&self) -> Option<&str> {
        self.plugin_data()?.get("videoroom")?.as_str()
    }

    /// The publisher id (the feed) in a VideoRoom `joined` event.
    pub fn joined_feed(&self) -> Option<u64> {
        if self.videoroom() != Some("joined") {
            return None;
        }
        self.plugin_data()?.get("id")?.as_u64()
    }

    /// What a synthetic peer must act on: an answer or offer to apply, or
    /// the end of its connection. Other events (`webrtcup`, `media`,
    /// `slowlink`, acknowledgements) need nothing from it.
    pub fn signal(&self) -> Option<Signal> {
        if let Some(why) = self.failure() {
            return Some(Signal::Failed(why));
        }
        match self.janus.as_str() {
            "hangup" | "detached" => {
                return Some(Signal::Failed(
                    self.reason.clone().unwrap_or_else(|| self.janus.clone()),
                ));
            }
            "event" => {}
            _ => return None,
        }
        let jsep = self.jsep.as_ref()?;
        match jsep.kind.as_str() {
            "answer" => Some(Signal::Answer(jsep.sdp.clone())),
            "offer" => Some(Signal::Offer(jsep.sdp.clone())),
            _ => None,
        }
    }
}

#[cfg(feature = "bench")]
pub use client::{JanusApi, JanusSignalling};
#[cfg(feature = "bench")]
pub use process::JanusProcess;

#[cfg(feature = "bench")]
mod client {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::mpsc::{Receiver, Sender, channel};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use serde_json::{Value, json};

    use super::{JanusError, Message, parse_poll};
    use crate::PeerId;
    use crate::synthetic::{PeerError, Signal, Signalling};

    type Routes = Arc<Mutex<HashMap<u64, Sender<Message>>>>;

    /// A session on a Janus server over its HTTP API, with the thread that
    /// long-polls its events (handing each to the handle it is about) and
    /// the one that keeps it alive. Dropping the last clone does not end
    /// the session: call [`JanusApi::close`].
    #[derive(Clone, Debug)]
    pub struct JanusApi {
        http: reqwest::blocking::Client,
        base: String,
        session: u64,
        routes: Routes,
        stop: Arc<AtomicBool>,
        next_transaction: Arc<AtomicU64>,
        /// Where the synthetic peers of this session bind their sockets.
        client_ip: std::net::IpAddr,
    }

    fn http_err(e: impl std::fmt::Display) -> JanusError {
        JanusError::Http(e.to_string())
    }

    impl JanusApi {
        /// Creates a session at `base` (`http://127.0.0.1:<port>/janus`);
        /// its peers bind their media sockets to `client_ip`.
        pub fn connect(base: &str, client_ip: std::net::IpAddr) -> Result<Self, JanusError> {
            let http = reqwest::blocking::Client::builder()
                // Janus holds a long poll for 30 s before a keepalive.
                .timeout(Duration::from_secs(45))
                .no_proxy()
                .build()
                .map_err(http_err)?;
            let mut api = Self {
                http,
                base: base.trim_end_matches('/').to_owned(),
                session: 0,
                routes: Arc::new(Mutex::new(HashMap::new())),
                stop: Arc::new(AtomicBool::new(false)),
                next_transaction: Arc::new(AtomicU64::new(1)),
                client_ip,
            };
            let reply = api.post(&api.base.clone(), json!({"janus": "create"}))?;
            api.session = reply.created_id()?;
            let poller = api.clone();
            std::thread::Builder::new()
                .name("janus-poll".into())
                .spawn(move || poller.poll_events())
                .map_err(http_err)?;
            let keeper = api.clone();
            std::thread::Builder::new()
                .name("janus-keepalive".into())
                .spawn(move || keeper.keep_alive())
                .map_err(http_err)?;
            Ok(api)
        }

        fn session_url(&self) -> String {
            format!("{}/{}", self.base, self.session)
        }

        fn post(&self, url: &str, mut body: Value) -> Result<Message, JanusError> {
            let transaction = self.next_transaction.fetch_add(1, Ordering::Relaxed);
            body["transaction"] = Value::String(format!("t{transaction}"));
            let text = self
                .http
                .post(url)
                .json(&body)
                .send()
                .and_then(|r| r.error_for_status())
                .and_then(|r| r.text())
                .map_err(http_err)?;
            Message::parse(&text)
        }

        /// Attaches a VideoRoom handle; its events come on the receiver.
        pub fn attach(&self) -> Result<(u64, Receiver<Message>), JanusError> {
            let reply = self.post(
                &self.session_url(),
                json!({"janus": "attach", "plugin": "janus.plugin.videoroom"}),
            )?;
            let handle = reply.created_id()?;
            let (tx, rx) = channel();
            if let Ok(mut routes) = self.routes.lock() {
                routes.insert(handle, tx);
            }
            Ok((handle, rx))
        }

        /// Sends a plugin message (with a session description when given)
        /// on `handle`; the plugin's direct reply (`ack` when the result
        /// comes later as an event).
        pub fn message(
            &self,
            handle: u64,
            body: Value,
            jsep: Option<Value>,
        ) -> Result<Message, JanusError> {
            let mut request = json!({"janus": "message", "body": body});
            if let Some(jsep) = jsep {
                request["jsep"] = jsep;
            }
            let reply = self.post(&format!("{}/{handle}", self.session_url()), request)?;
            match reply.failure() {
                Some(why) => Err(JanusError::Refused(why)),
                None => Ok(reply),
            }
        }

        /// Ends the session and stops its threads.
        pub fn close(&self) {
            self.stop.store(true, Ordering::Relaxed);
            let _ = self.post(&self.session_url(), json!({"janus": "destroy"}));
        }

        fn poll_events(&self) {
            while !self.stop.load(Ordering::Relaxed) {
                let url = format!("{}?maxev=50", self.session_url());
                let body = self
                    .http
                    .get(&url)
                    .send()
                    .and_then(|r| r.error_for_status())
                    .and_then(|r| r.text());
                let messages = match body.map_err(http_err).and_then(|b| parse_poll(&b)) {
                    Ok(messages) => messages,
                    Err(e) => {
                        if !self.stop.load(Ordering::Relaxed) {
                            tracing::warn!("Janus long poll: {e}");
                            // Plain thread: a short pause before polling again.
                            #[allow(clippy::disallowed_methods)]
                            std::thread::sleep(Duration::from_millis(200));
                        }
                        continue;
                    }
                };
                let Ok(routes) = self.routes.lock() else {
                    return;
                };
                for message in messages {
                    if let Some(route) = message.sender.and_then(|h| routes.get(&h)) {
                        let _ = route.send(message);
                    }
                }
            }
        }

        // Janus ends a session after `session_timeout` (60 s) without a
        // request; rather than rely on the long poll counting as one, an
        // explicit keepalive goes every 15 s.
        #[allow(clippy::disallowed_methods)] // plain thread
        fn keep_alive(&self) {
            let mut last = Instant::now();
            while !self.stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                if last.elapsed() >= Duration::from_secs(15) {
                    last = Instant::now();
                    if let Err(e) = self.post(&self.session_url(), json!({"janus": "keepalive"})) {
                        tracing::warn!("Janus keepalive: {e}");
                    }
                }
            }
        }
    }

    /// A synthetic peer's signalling through Janus's VideoRoom: a publisher
    /// (joins, then publishes with its offer) or a subscriber to some feeds
    /// (joins, answers Janus's offer with `start`).
    #[derive(Debug)]
    pub struct JanusSignalling {
        api: JanusApi,
        handle: u64,
        events: Receiver<Message>,
        publisher: bool,
        /// An event read while joining, not yet handed to the peer.
        first: Option<Message>,
    }

    fn peer_err(e: JanusError) -> PeerError {
        PeerError::Signalling(e.to_string())
    }

    impl JanusSignalling {
        /// Joins `room` as a publisher and waits for Janus to accept; the
        /// signalling and the publisher's feed id.
        pub fn publisher(
            api: &JanusApi,
            room: u64,
            display: &str,
        ) -> Result<(Self, u64), JanusError> {
            let (handle, events) = api.attach()?;
            api.message(
                handle,
                json!({"request": "join", "ptype": "publisher", "room": room, "display": display}),
                None,
            )?;
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let message = events
                    .recv_timeout(left)
                    .map_err(|_| JanusError::Timeout(format!("join of {display}")))?;
                if let Some(why) = message.failure() {
                    return Err(JanusError::Refused(why));
                }
                if let Some(feed) = message.joined_feed() {
                    let me = Self {
                        api: api.clone(),
                        handle,
                        events,
                        publisher: true,
                        first: None,
                    };
                    return Ok((me, feed));
                }
            }
        }

        /// Joins `room` as a subscriber to `feeds` (one PeerConnection with
        /// every feed's tracks); Janus's offer arrives as an event.
        pub fn subscriber(api: &JanusApi, room: u64, feeds: &[u64]) -> Result<Self, JanusError> {
            if feeds.is_empty() {
                return Err(JanusError::Refused("no publisher to subscribe to".into()));
            }
            let (handle, events) = api.attach()?;
            let streams: Vec<Value> = feeds.iter().map(|f| json!({"feed": f})).collect();
            let join =
                json!({"request": "join", "ptype": "subscriber", "room": room, "streams": streams});
            // A feed exists for subscribers only once its publisher's
            // WebRTC is up in Janus, a moment after the publisher itself
            // sees the connection: on "no such feed" (428), ask again.
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                api.message(handle, join.clone(), None)?;
                let left = deadline.saturating_duration_since(Instant::now());
                let first = events
                    .recv_timeout(left)
                    .map_err(|_| JanusError::Timeout("subscriber join".into()))?;
                let no_feed = first
                    .plugin_data()
                    .and_then(|d| d.get("error_code"))
                    .and_then(Value::as_i64)
                    == Some(428);
                if no_feed && Instant::now() < deadline {
                    #[allow(clippy::disallowed_methods)] // plain thread
                    std::thread::sleep(Duration::from_millis(200));
                    continue;
                }
                return Ok(Self {
                    api: api.clone(),
                    handle,
                    events,
                    publisher: false,
                    first: Some(first),
                });
            }
        }
    }

    impl Signalling for JanusSignalling {
        fn peer(&self) -> PeerId {
            PeerId(self.handle)
        }

        fn offers_first(&self) -> bool {
            self.publisher
        }

        fn data_channel(&self) -> bool {
            false
        }

        fn bind_ip(&self) -> std::net::IpAddr {
            self.api.client_ip
        }

        fn send_offer(&mut self, sdp: String) -> Result<(), PeerError> {
            // The offer holds str0m's host candidate: no trickle.
            self.api
                .message(
                    self.handle,
                    json!({"request": "publish"}),
                    Some(json!({"type": "offer", "sdp": sdp, "trickle": false})),
                )
                .map(|_| ())
                .map_err(peer_err)
        }

        fn send_answer(&mut self, sdp: String) -> Result<(), PeerError> {
            self.api
                .message(
                    self.handle,
                    json!({"request": "start"}),
                    Some(json!({"type": "answer", "sdp": sdp, "trickle": false})),
                )
                .map(|_| ())
                .map_err(peer_err)
        }

        fn try_recv(&mut self) -> Option<Signal> {
            if let Some(signal) = self.first.take().and_then(|m| m.signal()) {
                return Some(signal);
            }
            while let Ok(message) = self.events.try_recv() {
                if let Some(signal) = message.signal() {
                    return Some(signal);
                }
            }
            None
        }
    }
}

#[cfg(feature = "bench")]
mod process {
    use std::io::Write;
    use std::net::TcpListener;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use super::JanusError;

    /// The VideoRoom room the benchmark uses (configured in the jcfg).
    pub const ROOM: u64 = 1;

    fn io_err(what: &str, e: impl std::fmt::Display) -> JanusError {
        JanusError::Http(format!("{what}: {e}"))
    }

    /// A `janus` child process on loopback, with its own configuration in a
    /// temporary folder: only the HTTP transport (on 127.0.0.1 and a free
    /// port) and the VideoRoom plugin, no event handlers, loggers, STUN or
    /// TURN, ICE gathering on one loopback-range address only, no IPv6.
    /// Killed when dropped; if the bench itself is killed, Janus lingers in
    /// the bench's network namespace, where it can reach nothing, until
    /// killed by hand.
    #[derive(Debug)]
    pub struct JanusProcess {
        child: Child,
        /// The API's base address (`http://127.0.0.1:<port>/janus`).
        pub base: String,
        folder: tempfile::TempDir,
    }

    /// The Debian package's module folders.
    const LIB: &str = "/usr/lib/x86_64-linux-gnu/janus";

    fn names_in(folder: &Path, keep: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return vec![];
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".so") && n != keep)
            .collect();
        names.sort();
        names
    }

    impl JanusProcess {
        /// Writes the configuration and starts `binary` (`janus`), RTP on
        /// UDP ports `rtp_ports`, then waits until its API answers.
        /// `ice_address` is the one local address Janus gathers ICE
        /// candidates on: Janus skips loopback *interfaces* when gathering,
        /// so the benchmark gives it a loopback-range address (127.0.0.2) on
        /// a closed veth pair inside its own network namespace.
        pub fn start(
            binary: &str,
            ice_address: &str,
            rtp_ports: (u16, u16),
        ) -> Result<Self, JanusError> {
            let folder = tempfile::Builder::new()
                .prefix("meet-bench-janus")
                .tempdir()
                .map_err(|e| io_err("temporary folder", e))?;
            // A free port: bind to port 0, read it, let go (Janus binds it
            // a moment later; nothing else on this machine races for it).
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| io_err("free port", e))?
                .port();
            let lib = PathBuf::from(LIB);
            let disable = |sub: &str, keep: &str| names_in(&lib.join(sub), keep).join(",");
            let dir = folder.path().display().to_string();
            let core = format!(
                r#"general: {{
	configs_folder = "{dir}"
	plugins_folder = "{LIB}/plugins"
	transports_folder = "{LIB}/transports"
	events_folder = "{LIB}/events"
	loggers_folder = "{LIB}/loggers"
	debug_level = 3
	interface = "127.0.0.1"
	session_timeout = 60
	server_name = "meet-bench"
}}
media: {{
	ipv6 = false
	rtp_port_range = "{}-{}"
}}
nat: {{
	ice_enforce_list = "{ice_address}"
	full_trickle = false
	ignore_mdns = true
}}
plugins: {{
	disable = "{}"
}}
transports: {{
	disable = "{}"
}}
loggers: {{
	disable = "{}"
}}
events: {{
	broadcast = false
	disable = "{}"
}}
"#,
                rtp_ports.0,
                rtp_ports.1,
                disable("plugins", "libjanus_videoroom.so"),
                disable("transports", "libjanus_http.so"),
                disable("loggers", ""),
                disable("events", ""),
            );
            let http = format!(
                r#"general: {{
	json = "plain"
	base_path = "/janus"
	http = true
	port = {port}
	ip = "127.0.0.1"
	https = false
}}
admin: {{
	admin_http = false
	admin_https = false
}}
"#
            );
            // Bitrate only caps the REMB Janus sends; the synthetic
            // publishers keep their fixed rate whatever it says.
            let videoroom = r#"general: {
}
room-1: {
	description = "meet-bench"
	publishers = 10
	bitrate = 3000000
	fir_freq = 0
	videocodec = "vp8"
	audiocodec = "opus"
	audiolevel_ext = true
	record = false
}
"#;
            for (name, text) in [
                ("janus.jcfg", core.as_str()),
                ("janus.transport.http.jcfg", http.as_str()),
                ("janus.plugin.videoroom.jcfg", videoroom),
            ] {
                std::fs::File::create(folder.path().join(name))
                    .and_then(|mut f| f.write_all(text.as_bytes()))
                    .map_err(|e| io_err(name, e))?;
            }
            let log = std::fs::File::create(folder.path().join("janus.log"))
                .map_err(|e| io_err("janus.log", e))?;
            let err = log.try_clone().map_err(|e| io_err("janus.log", e))?;
            let child = Command::new(binary)
                .arg("-C")
                .arg(folder.path().join("janus.jcfg"))
                .arg("-F")
                .arg(folder.path())
                .arg("--disable-colors")
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(err)
                .spawn()
                .map_err(|e| io_err(binary, e))?;
            let mut me = Self {
                child,
                base: format!("http://127.0.0.1:{port}/janus"),
                folder,
            };
            me.wait_ready()?;
            Ok(me)
        }

        #[allow(clippy::disallowed_methods)] // plain thread: a short pause between tries
        fn wait_ready(&mut self) -> Result<(), JanusError> {
            let http = reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(2))
                .no_proxy()
                .build()
                .map_err(|e| io_err("HTTP client", e))?;
            let deadline = Instant::now() + Duration::from_secs(15);
            let info = format!("{}/info", self.base);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = self.child.try_wait() {
                    return Err(JanusError::Refused(format!(
                        "janus exited ({status}); its log:\n{}",
                        self.log_tail(30)
                    )));
                }
                if let Ok(r) = http.get(&info).send()
                    && r.status().is_success()
                {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(JanusError::Timeout(format!(
                "janus API at {info}; its log:\n{}",
                self.log_tail(30)
            )))
        }

        /// The process id (for its CPU time).
        pub fn pid(&self) -> u32 {
            self.child.id()
        }

        /// User + system CPU seconds of the whole process, all threads.
        pub fn cpu_seconds(&self) -> f64 {
            crate::sfu::cpu_seconds(&format!("/proc/{}/stat", self.child.id()))
        }

        /// The last `lines` lines of its log.
        pub fn log_tail(&self, lines: usize) -> String {
            let text =
                std::fs::read_to_string(self.folder.path().join("janus.log")).unwrap_or_default();
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
    }

    impl Drop for JanusProcess {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(feature = "bench")]
pub use process::ROOM;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn create_and_attach_replies_give_their_id() {
        let reply = Message::parse(
            r#"{"janus":"success","transaction":"t1","data":{"id":4071929418385702}}"#,
        )
        .unwrap();
        assert_eq!(reply.created_id().unwrap(), 4_071_929_418_385_702);
        assert_eq!(reply.transaction.as_deref(), Some("t1"));
        let ack = Message::parse(r#"{"janus":"ack","session_id":1,"transaction":"t2"}"#).unwrap();
        assert!(matches!(ack.created_id(), Err(JanusError::Unexpected(_))));
        assert_eq!(ack.signal(), None);
    }

    #[test]
    fn core_and_plugin_errors_are_refusals() {
        let core = Message::parse(
            r#"{"janus":"error","transaction":"t3","error":{"code":458,"reason":"No such session 12"}}"#,
        )
        .unwrap();
        assert!(
            matches!(core.created_id(), Err(JanusError::Refused(why)) if why == "No such session 12 (458)")
        );
        let plugin = Message::parse(
            r#"{"janus":"event","sender":7,"plugindata":{"plugin":"janus.plugin.videoroom",
               "data":{"videoroom":"event","error_code":426,"error":"No such room (9)"}}}"#,
        )
        .unwrap();
        assert_eq!(plugin.failure().as_deref(), Some("No such room (9) (426)"));
        assert_eq!(
            plugin.signal(),
            Some(Signal::Failed("No such room (9) (426)".into()))
        );
    }

    #[test]
    fn a_joined_publisher_has_a_feed_and_its_answer_is_applied() {
        let joined = Message::parse(
            r#"{"janus":"event","sender":11,"transaction":"t4","plugindata":{"plugin":"janus.plugin.videoroom",
               "data":{"videoroom":"joined","room":1,"description":"meet-bench","id":3318,"private_id":99,"publishers":[]}}}"#,
        )
        .unwrap();
        assert_eq!(joined.sender, Some(11));
        assert_eq!(joined.videoroom(), Some("joined"));
        assert_eq!(joined.joined_feed(), Some(3318));
        assert_eq!(joined.signal(), None, "no SDP yet");
        let configured = Message::parse(
            r#"{"janus":"event","sender":11,"plugindata":{"plugin":"janus.plugin.videoroom",
               "data":{"videoroom":"event","room":1,"configured":"ok","audio_codec":"opus","video_codec":"vp8"}},
               "jsep":{"type":"answer","sdp":"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"}}"#,
        )
        .unwrap();
        assert_eq!(configured.joined_feed(), None);
        assert_eq!(
            configured.signal(),
            Some(Signal::Answer("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n".into()))
        );
    }

    #[test]
    fn a_subscribers_offer_is_answered_and_a_hangup_ends_it() {
        let attached = Message::parse(
            r#"{"janus":"event","sender":12,"plugindata":{"plugin":"janus.plugin.videoroom",
               "data":{"videoroom":"attached","room":1,"streams":[{"mid":"0","feed_id":3318}]}},
               "jsep":{"type":"offer","sdp":"v=0\r\n"}}"#,
        )
        .unwrap();
        assert_eq!(attached.videoroom(), Some("attached"));
        assert_eq!(attached.signal(), Some(Signal::Offer("v=0\r\n".into())));
        let hangup = Message::parse(
            r#"{"janus":"hangup","session_id":1,"sender":12,"reason":"DTLS alert"}"#,
        )
        .unwrap();
        assert_eq!(hangup.signal(), Some(Signal::Failed("DTLS alert".into())));
        let up = Message::parse(r#"{"janus":"webrtcup","session_id":1,"sender":12}"#).unwrap();
        assert_eq!(up.signal(), None);
    }

    #[test]
    fn a_long_poll_gives_one_message_or_an_array() {
        let one = parse_poll(r#"{"janus":"keepalive"}"#).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].janus, "keepalive");
        let many = parse_poll(
            r#"[{"janus":"webrtcup","sender":1},{"janus":"media","sender":2,"type":"video","receiving":true}]"#,
        )
        .unwrap();
        assert_eq!(
            many.iter().map(|m| m.sender).collect::<Vec<_>>(),
            vec![Some(1), Some(2)]
        );
        assert!(parse_poll("<html>").is_err());
        assert!(parse_poll(r#"[{"sender":1}]"#).is_err(), "no `janus` field");
    }
}
