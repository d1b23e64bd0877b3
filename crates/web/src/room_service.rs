//! LiveKit's RoomService, called by this server (dịch vụ phòng của LiveKit):
//! in LiveKit mode the moderator's decisions are carried out on the LiveKit
//! server too, so that a page which ignores our WebSocket cannot go on
//! talking. A silenced participant's audio tracks are muted there and
//! their right to publish a microphone taken away (given back with the
//! floor), a removed participant is sent out of the LiveKit room, and the
//! room of an ended or called-off meeting is deleted.
//!
//! Each call is a Twirp request (JSON over HTTP POST) with a bearer token
//! of its own, valid for a minute and good for one room only. The calls
//! run in tasks of their own with a short timeout: a slow or absent
//! LiveKit server never holds up the room's WebSocket. Failures are logged
//! without the secret or the token.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nghitruong_domain::clock::Clock;
use nghitruong_meet::livekit::{self, LiveKitConfig, RoomCall};

/// How long one call may take, connection included.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How much of a refusal's body goes into the log.
const LOGGED_BODY: usize = 200;
/// How many times a permission is set on a participant LiveKit does not
/// know yet, and how long apart: the page joins LiveKit a moment after it
/// is let in, and the floor may be given in that moment.
// TODO(#8): a page that joins LiveKit more than these 6 s after it is let
// in, while the floor changes in that gap, keeps its join token's
// microphone permission until the next change; acceptable for now because
// the token it joins with is renewed from the person's current state at
// half its life, and a late join of that length is rare on a hall network.
const PERMIT_ATTEMPTS: u32 = 4;
const PERMIT_RETRY: Duration = Duration::from_millis(1500);

/// A client of one LiveKit server's RoomService.
#[derive(Clone)]
pub(crate) struct RoomService {
    inner: Arc<Inner>,
}

struct Inner {
    config: LiveKitConfig,
    /// `None` when the configured URL has no HTTP form: every call fails.
    base: Option<String>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    /// Per meeting and account: the microphone permission last decided.
    permits: Mutex<HashMap<(i64, i64), Arc<Permit>>>,
}

/// The microphone permission decided for one participant. Calls for it run
/// one at a time and each sends the latest decision, so calls that overtake
/// each other on the way still leave LiveKit with the last one.
#[derive(Default)]
struct Permit {
    microphone: AtomicBool,
    /// Bumped by each decision: an older call's retries give way.
    generation: AtomicU64,
    order: tokio::sync::Mutex<()>,
}

/// A failed call.
#[derive(Debug)]
pub(crate) struct CallError {
    /// LiveKit answered that the room or participant does not exist.
    pub(crate) not_found: bool,
    message: String,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<&str> for CallError {
    fn from(message: &str) -> Self {
        message.to_owned().into()
    }
}

impl From<String> for CallError {
    fn from(message: String) -> Self {
        Self {
            not_found: false,
            message,
        }
    }
}

/// What the moderator's decision asks of the LiveKit server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Enforce {
    /// Mute every audio track the participant publishes (silenced, or
    /// their speech ended in a moderated meeting). Unmuting stays their
    /// own act: LiveKit refuses remote unmuting unless configured to allow it.
    MuteAudio {
        /// The meeting.
        meeting: i64,
        /// The account (the LiveKit identity).
        user: i64,
    },
    /// Set whether the participant may publish a microphone (LiveKit's
    /// `UpdateParticipant`): taken away when silenced, given with the
    /// floor. Someone not in the LiveKit room yet is tried again a few
    /// times; the token they join with carries the same rule.
    Permit {
        /// The meeting.
        meeting: i64,
        /// The account.
        user: i64,
        /// May publish a microphone.
        microphone: bool,
    },
    /// Send the participant out of the LiveKit room.
    Remove {
        /// The meeting.
        meeting: i64,
        /// The account.
        user: i64,
    },
    /// Close the meeting's LiveKit room: everyone is disconnected.
    DeleteRoom {
        /// The meeting.
        meeting: i64,
    },
}

impl RoomService {
    /// A client for `config`'s server, signing with `clock`'s time.
    pub(crate) fn new(config: LiveKitConfig, clock: Arc<dyn Clock>) -> Self {
        let base = config.api_base();
        if base.is_none() {
            tracing::warn!(
                "the LiveKit URL is not a ws:// or wss:// address: the moderator's decisions will not reach LiveKit"
            );
        }
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "LiveKit's API client fell back to the defaults");
                reqwest::Client::new()
            });
        Self {
            inner: Arc::new(Inner {
                config,
                base,
                http,
                clock,
                permits: Mutex::default(),
            }),
        }
    }

    /// Carries out `action` in a task of its own (needs a Tokio runtime;
    /// without one it is logged and dropped). Errors are logged.
    pub(crate) fn spawn(&self, action: Enforce) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(?action, "no runtime to reach LiveKit from");
            return;
        };
        // The decision is recorded now, in the caller's order.
        self.record(action);
        let this = self.clone();
        runtime.spawn(async move {
            if let Err(e) = this.carry_out(&action).await {
                tracing::warn!(?action, error = %e, "LiveKit did not carry out the moderator's decision");
            }
        });
    }

    /// Notes a decision before it is carried out: the latest microphone
    /// permission per participant; a deleted room's are forgotten.
    fn record(&self, action: Enforce) {
        match action {
            Enforce::Permit {
                meeting,
                user,
                microphone,
            } => {
                let permit = self.permit(meeting, user);
                permit.microphone.store(microphone, Ordering::SeqCst);
                permit.generation.fetch_add(1, Ordering::SeqCst);
            }
            Enforce::DeleteRoom { meeting } => {
                self.permits_lock().retain(|(m, _), _| *m != meeting);
            }
            Enforce::MuteAudio { .. } | Enforce::Remove { .. } => {}
        }
    }

    fn permits_lock(&self) -> std::sync::MutexGuard<'_, HashMap<(i64, i64), Arc<Permit>>> {
        self.inner.permits.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn permit(&self, meeting: i64, user: i64) -> Arc<Permit> {
        self.permits_lock()
            .entry((meeting, user))
            .or_default()
            .clone()
    }

    /// Sets `user`'s microphone permission to the latest decision, one call
    /// at a time; tried again while LiveKit does not know them yet and no
    /// newer decision was made.
    async fn set_permission(&self, meeting: i64, user: i64) -> Result<(), CallError> {
        let permit = self.permit(meeting, user);
        let generation = permit.generation.load(Ordering::SeqCst);
        for attempt in 1..=PERMIT_ATTEMPTS {
            let result = {
                let _one_at_a_time = permit.order.lock().await;
                let call = RoomCall::UpdateParticipant {
                    room: livekit::room_name(meeting),
                    identity: user.to_string(),
                    microphone: permit.microphone.load(Ordering::SeqCst),
                };
                self.call(&call).await
            };
            match result {
                Ok(_) => return Ok(()),
                Err(e) if e.not_found && attempt < PERMIT_ATTEMPTS => {
                    tokio::time::sleep(PERMIT_RETRY).await;
                    if permit.generation.load(Ordering::SeqCst) != generation {
                        // A newer decision has its own call.
                        return Ok(());
                    }
                }
                Err(e) if e.not_found => {
                    // Not in the LiveKit room: the token they join with
                    // carries the same rule.
                    tracing::debug!(
                        meeting,
                        user,
                        "not in the LiveKit room; permission left to the token"
                    );
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Carries out `action` now.
    #[cfg(test)]
    pub(crate) async fn enforce(&self, action: &Enforce) -> Result<(), CallError> {
        self.record(*action);
        self.carry_out(action).await
    }

    /// Carries out a recorded `action`.
    async fn carry_out(&self, action: &Enforce) -> Result<(), CallError> {
        match *action {
            Enforce::Permit { meeting, user, .. } => self.set_permission(meeting, user).await,
            Enforce::MuteAudio { meeting, user } => {
                let room = livekit::room_name(meeting);
                let identity = user.to_string();
                let list = self
                    .call(&RoomCall::ListParticipants { room: room.clone() })
                    .await?;
                for track_sid in livekit::audio_tracks(&list, &identity) {
                    self.call(&RoomCall::MutePublishedTrack {
                        room: room.clone(),
                        identity: identity.clone(),
                        track_sid,
                        muted: true,
                    })
                    .await?;
                }
                Ok(())
            }
            Enforce::Remove { meeting, user } => self
                .call(&RoomCall::RemoveParticipant {
                    room: livekit::room_name(meeting),
                    identity: user.to_string(),
                })
                .await
                .map(drop),
            Enforce::DeleteRoom { meeting } => self
                .call(&RoomCall::DeleteRoom {
                    room: livekit::room_name(meeting),
                })
                .await
                .map(drop),
        }
    }

    /// One Twirp call; the answer's JSON.
    async fn call(&self, call: &RoomCall) -> Result<serde_json::Value, CallError> {
        let inner = &self.inner;
        let base = inner
            .base
            .as_deref()
            .ok_or("the LiveKit URL has no HTTP form")?;
        let now = inner.clock.now().unix_timestamp();
        let token = call
            .token(&inner.config, now)
            .map_err(|e| format!("could not sign the API token: {e}"))?;
        let body = serde_json::to_vec(&call.body()).map_err(|e| e.to_string())?;
        let method = call.method();
        let reply = inner
            .http
            .post(call.url(base))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            // Without the URL: it is ours, and says nothing new.
            .map_err(|e| format!("{method}: {}", e.without_url()))?;
        let status = reply.status();
        let bytes = reply
            .bytes()
            .await
            .map_err(|e| format!("{method}: {}", e.without_url()))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes);
            let text: String = text.chars().take(LOGGED_BODY).collect();
            return Err(CallError {
                not_found: status == reqwest::StatusCode::NOT_FOUND,
                message: format!("{method}: HTTP {status}: {text}"),
            });
        }
        if bytes.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{method}: unreadable answer: {e}").into())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Mutex;

    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use nghitruong_domain::clock::FixedClock;
    use nghitruong_meet::livekit::AdminClaims;

    /// What the fake LiveKit server saw: method, bearer token, body.
    pub(crate) type Calls = Arc<Mutex<Vec<(String, String, serde_json::Value)>>>;

    pub(crate) const SECRET: &str = "bi-mat-du-dai-cho-hmac-sha256-0123456789";

    /// A loopback stand-in for LiveKit's RoomService: lists one
    /// participant (12) with a microphone and a camera, refuses
    /// `RemoveParticipant` as Twirp does, and records every call.
    pub(crate) async fn fake_livekit() -> (String, Calls) {
        let calls: Calls = Arc::default();
        let app = axum::Router::new()
            .route(
                "/twirp/livekit.RoomService/{method}",
                post(
                    |State(calls): State<Calls>,
                     Path(method): Path<String>,
                     headers: HeaderMap,
                     body: String| async move {
                        let token = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.strip_prefix("Bearer "))
                            .unwrap_or_default()
                            .to_owned();
                        let body = serde_json::from_str(&body).unwrap_or_default();
                        calls.lock().unwrap().push((method.clone(), token, body));
                        match method.as_str() {
                            "ListParticipants" => (
                                StatusCode::OK,
                                r#"{"participants":[{"identity":"12","tracks":[
                                    {"sid":"TR_mic","type":"AUDIO","source":"MICROPHONE"},
                                    {"sid":"TR_cam","type":"VIDEO","source":"CAMERA"}]},
                                    {"identity":"13","tracks":[{"sid":"TR_13","type":"AUDIO"}]}]}"#,
                            ),
                            "RemoveParticipant" => (
                                StatusCode::NOT_FOUND,
                                r#"{"code":"not_found","msg":"participant not found"}"#,
                            ),
                            _ => (StatusCode::OK, "{}"),
                        }
                    },
                ),
            )
            .with_state(calls.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("ws://127.0.0.1:{port}"), calls)
    }

    fn service(url: String) -> RoomService {
        RoomService::new(
            LiveKitConfig {
                url,
                api_key: "APIkhoa".into(),
                api_secret: SECRET.into(),
                ttl_seconds: 3600,
            },
            Arc::new(FixedClock::new(nghitruong_testkit::T0)),
        )
    }

    fn claims(token: &str) -> AdminClaims {
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.validate_exp = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<AdminClaims>(
            token,
            &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()),
            &v,
        )
        .expect("signed with the secret")
        .claims
    }

    #[tokio::test]
    async fn a_mute_lists_the_room_and_mutes_that_participants_audio_only() {
        let (url, calls) = fake_livekit().await;
        let rooms = service(url);
        rooms
            .enforce(&Enforce::MuteAudio {
                meeting: 7,
                user: 12,
            })
            .await
            .expect("muted");
        let calls = calls.lock().unwrap().clone();
        let methods: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(methods, ["ListParticipants", "MutePublishedTrack"]);
        assert_eq!(calls[0].2, serde_json::json!({"room": "hop-7"}));
        assert_eq!(
            calls[1].2,
            serde_json::json!({"room": "hop-7", "identity": "12", "track_sid": "TR_mic", "muted": true})
        );
        for (_, token, _) in &calls {
            let c = claims(token);
            assert_eq!(c.iss, "APIkhoa");
            assert_eq!(c.nbf, nghitruong_testkit::T0.unix_timestamp());
            assert_eq!(c.video.room, "hop-7");
            assert!(c.video.room_admin && !c.video.room_create);
        }
    }

    #[tokio::test]
    async fn deleting_the_room_asks_for_room_creation_and_refusals_are_errors() {
        let (url, calls) = fake_livekit().await;
        let rooms = service(url);
        rooms
            .enforce(&Enforce::DeleteRoom { meeting: 9 })
            .await
            .expect("deleted");
        let err = rooms
            .enforce(&Enforce::Remove {
                meeting: 9,
                user: 44,
            })
            .await
            .expect_err("refused")
            .to_string();
        assert!(
            err.contains("RemoveParticipant") && err.contains("404"),
            "{err}"
        );
        assert!(!err.contains("Bearer"), "{err}");
        let calls = calls.lock().unwrap().clone();
        assert_eq!(calls[0].0, "DeleteRoom");
        assert_eq!(calls[0].2, serde_json::json!({"room": "hop-9"}));
        assert!(claims(&calls[0].1).video.room_create);
        assert_eq!(calls[1].0, "RemoveParticipant");
        assert_eq!(
            calls[1].2,
            serde_json::json!({"room": "hop-9", "identity": "44"})
        );
        assert!(!claims(&calls[1].1).video.room_create);
    }

    #[tokio::test]
    async fn the_last_microphone_decision_is_the_one_livekit_keeps() {
        let (url, calls) = fake_livekit().await;
        let rooms = service(url);
        // The floor given and taken back at once: the calls may overtake
        // each other, but each sends the latest decision, one at a time.
        rooms.spawn(Enforce::Permit {
            meeting: 7,
            user: 12,
            microphone: true,
        });
        rooms.spawn(Enforce::Permit {
            meeting: 7,
            user: 12,
            microphone: false,
        });
        for _ in 0..200 {
            if calls.lock().unwrap().len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let calls = calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 2, "{calls:?}");
        for (method, token, body) in &calls {
            assert_eq!(method, "UpdateParticipant");
            assert_eq!(body["identity"], "12");
            assert_eq!(body["room"], "hop-7");
            assert!(claims(token).video.room_admin);
        }
        assert_eq!(
            calls[1].2["permission"]["can_publish_sources"],
            serde_json::json!(["CAMERA", "SCREEN_SHARE"]),
            "the microphone stays taken away"
        );
    }

    #[tokio::test]
    async fn an_absent_server_is_an_error_not_a_hang() {
        // A port just freed: nothing listens there.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let rooms = service(format!("ws://127.0.0.1:{port}"));
        let started = std::time::Instant::now();
        let err = rooms
            .enforce(&Enforce::DeleteRoom { meeting: 1 })
            .await
            .expect_err("nobody there")
            .to_string();
        assert!(err.starts_with("DeleteRoom"), "{err}");
        assert!(started.elapsed() < CALL_TIMEOUT + Duration::from_secs(1));
        let no_http = service("http://127.0.0.1:1".into());
        assert!(
            no_http
                .enforce(&Enforce::DeleteRoom { meeting: 1 })
                .await
                .is_err()
        );
    }
}
