//! LiveKit mode: for meetings too large for one machine, the browser joins
//! a configured LiveKit server instead of the embedded SFU. Our server
//! issues the access token (JWT, HS256, signed with the LiveKit API secret)
//! that names the room and what the participant may do there, and enforces
//! the moderator's decisions on the LiveKit server itself through its
//! RoomService API (Twirp: JSON over HTTP POST): a silenced participant's
//! audio is muted there, a removed one is sent out of the room and an ended
//! meeting's room is deleted, whatever the participant's page does.
//!
//! The token itself follows the room's rules: a person who is silenced gets
//! no right to publish a microphone (LiveKit's `canPublishSources`), and the
//! floor adds it through RoomService's `UpdateParticipant`. Tokens are
//! short-lived ([`JOIN_TOKEN_TTL_SECONDS`]) and our server sends a fresh one
//! over the room's WebSocket to those still let in, so a removed person, or
//! anyone after the meeting ended, cannot join the LiveKit room again with
//! an old one for long. This module holds the pure parts (tokens, addresses,
//! request bodies, reading the answers); the web crate makes the HTTP calls.

use serde::{Deserialize, Serialize};

/// Where the LiveKit server is and how to sign for it.
#[derive(Clone, Debug)]
pub struct LiveKitConfig {
    /// The server's WebSocket URL (`wss://livekit.example.vn`).
    pub url: String,
    /// API key (the token's issuer).
    pub api_key: String,
    /// API secret (the HMAC key).
    pub api_secret: String,
    /// How long a join token is valid, in seconds
    /// ([`JOIN_TOKEN_TTL_SECONDS`] unless configured).
    pub ttl_seconds: i64,
}

/// How long a participant's join token is valid, in seconds: ten minutes.
/// LiveKit checks a token's expiry when a participant joins (not on its own
/// reconnects), so this is how long a person sent out, or anyone after the
/// meeting ended, could still join the LiveKit room with the last token
/// they were given. Those still let in get a fresh one over our WebSocket
/// well before ([`refresh_after_seconds`]), which the page hands to
/// livekit-client for its reconnects. Ten minutes leaves room for a page
/// whose WebSocket is down a while without making the window long.
pub const JOIN_TOKEN_TTL_SECONDS: i64 = 600;

/// When to send a fresh join token, in seconds after the last: half the
/// token's life (at least a second), so one late or lost refresh still
/// leaves the page a valid token.
pub fn refresh_after_seconds(ttl_seconds: i64) -> u64 {
    u64::try_from(ttl_seconds / 2).unwrap_or(0).max(1)
}

/// What a participant may publish (LiveKit's track sources).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The camera.
    Camera,
    /// The microphone.
    Microphone,
    /// A shared screen.
    ScreenShare,
    /// A shared screen's sound.
    ScreenShareAudio,
}

impl Source {
    /// The name in a token's `canPublishSources`.
    pub fn token_name(self) -> &'static str {
        match self {
            Source::Camera => "camera",
            Source::Microphone => "microphone",
            Source::ScreenShare => "screen_share",
            Source::ScreenShareAudio => "screen_share_audio",
        }
    }

    /// The name in RoomService's JSON (the protobuf enum's name).
    pub fn api_name(self) -> &'static str {
        match self {
            Source::Camera => "CAMERA",
            Source::Microphone => "MICROPHONE",
            Source::ScreenShare => "SCREEN_SHARE",
            Source::ScreenShareAudio => "SCREEN_SHARE_AUDIO",
        }
    }
}

/// What a publishing participant may publish: everything when their
/// microphone may be open; camera and screen only when silenced (the
/// screen's sound is sound too: a silenced person is heard through
/// nothing). A viewer publishes nothing, which the token says with
/// `canPublish` false (an empty list would mean "every source" to LiveKit).
pub fn publish_sources(microphone: bool) -> Vec<Source> {
    if microphone {
        vec![
            Source::Camera,
            Source::Microphone,
            Source::ScreenShare,
            Source::ScreenShareAudio,
        ]
    } else {
        vec![Source::Camera, Source::ScreenShare]
    }
}

impl LiveKitConfig {
    /// The origins the browser talks to (signalling WebSocket and the HTTP
    /// probe LiveKit's client makes when a connection is refused), for the
    /// meeting page's `connect-src`: `ws://host:port http://host:port`, or
    /// the `wss`/`https` pair. `None` when `url` is not a plain `ws://` or
    /// `wss://` address (then it cannot go into a security header).
    pub fn connect_sources(&self) -> Option<String> {
        let (secure, rest) = if let Some(rest) = self.url.strip_prefix("wss://") {
            (true, rest)
        } else if let Some(rest) = self.url.strip_prefix("ws://") {
            (false, rest)
        } else {
            return None;
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
        if authority.is_empty() || !authority.chars().all(plain) {
            return None;
        }
        Some(if secure {
            format!("wss://{authority} https://{authority}")
        } else {
            format!("ws://{authority} http://{authority}")
        })
    }
}

/// The LiveKit room of a meeting (phòng họp): `hop-<id>`.
pub fn room_name(meeting: i64) -> String {
    format!("hop-{meeting}")
}

/// How long a token for one server API call is valid, in seconds.
pub const API_TOKEN_TTL_SECONDS: i64 = 60;

impl LiveKitConfig {
    /// The base address of LiveKit's server API: the `http://` or
    /// `https://` form of `url` (same host, port and path), without a
    /// trailing slash. `None` when `url` is not a `ws://` or `wss://` address.
    pub fn api_base(&self) -> Option<String> {
        let (scheme, rest) = if let Some(rest) = self.url.strip_prefix("wss://") {
            ("https", rest)
        } else if let Some(rest) = self.url.strip_prefix("ws://") {
            ("http", rest)
        } else {
            return None;
        };
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() || rest.starts_with('/') {
            return None;
        }
        Some(format!("{scheme}://{rest}"))
    }
}

/// LiveKit's video grant (the `video` claim).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoGrant {
    /// The room name.
    pub room: String,
    /// May join the room.
    pub room_join: bool,
    /// May publish (which sources: `can_publish_sources`).
    pub can_publish: bool,
    /// The sources it may publish (`camera`, `microphone`, `screen_share`,
    /// `screen_share_audio`); left out for those who publish nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub can_publish_sources: Vec<String>,
    /// May receive the others.
    pub can_subscribe: bool,
    /// May send data messages (chat).
    pub can_publish_data: bool,
    /// Moderator: may mute and remove others.
    pub room_admin: bool,
}

/// The claims of a LiveKit access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The API key.
    pub iss: String,
    /// The participant's identity (our account id).
    pub sub: String,
    /// The participant's display name.
    pub name: String,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// What the participant may do.
    pub video: VideoGrant,
}

/// Who joins and with which rights.
#[derive(Clone, Debug)]
pub struct Grant<'a> {
    /// The room (one per meeting: `hop-<id>`).
    pub room: &'a str,
    /// Identity (account id as text).
    pub identity: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Sends audio and video; viewers only watch.
    pub publish: bool,
    /// May publish a microphone (not while silenced by the moderator or
    /// the room's rules).
    pub microphone: bool,
    /// Moderator (chair, office).
    pub admin: bool,
}

/// The grant of a server API token: administers one room (list, mute and
/// remove its participants) and, for deleting it, may create and delete
/// rooms. It cannot join.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminGrant {
    /// The room.
    pub room: String,
    /// Moderator of the room.
    pub room_admin: bool,
    /// May create and delete rooms (LiveKit asks it for `DeleteRoom`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub room_create: bool,
}

/// The claims of a server API token (no identity: our server is no
/// participant).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminClaims {
    /// The API key.
    pub iss: String,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// What the call may do.
    pub video: AdminGrant,
}

/// A call to LiveKit's RoomService (the moderator's powers on the LiveKit
/// server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomCall {
    /// Who is in `room`, with their published tracks.
    ListParticipants {
        /// The room.
        room: String,
    },
    /// Mutes (or unmutes) one published track.
    MutePublishedTrack {
        /// The room.
        room: String,
        /// The participant (our account id).
        identity: String,
        /// The track's LiveKit id.
        track_sid: String,
        /// Muted.
        muted: bool,
    },
    /// Sends a participant out of the room.
    RemoveParticipant {
        /// The room.
        room: String,
        /// The participant.
        identity: String,
    },
    /// Sets what a participant may publish (their permission replaced
    /// whole): the microphone added when they are given the floor, taken
    /// away when silenced.
    UpdateParticipant {
        /// The room.
        room: String,
        /// The participant.
        identity: String,
        /// May publish a microphone.
        microphone: bool,
    },
    /// Closes the room: everyone in it is disconnected.
    DeleteRoom {
        /// The room.
        room: String,
    },
}

impl RoomCall {
    /// The Twirp method name.
    pub fn method(&self) -> &'static str {
        match self {
            RoomCall::ListParticipants { .. } => "ListParticipants",
            RoomCall::MutePublishedTrack { .. } => "MutePublishedTrack",
            RoomCall::RemoveParticipant { .. } => "RemoveParticipant",
            RoomCall::UpdateParticipant { .. } => "UpdateParticipant",
            RoomCall::DeleteRoom { .. } => "DeleteRoom",
        }
    }

    /// The room the call is about.
    pub fn room(&self) -> &str {
        match self {
            RoomCall::ListParticipants { room }
            | RoomCall::MutePublishedTrack { room, .. }
            | RoomCall::RemoveParticipant { room, .. }
            | RoomCall::UpdateParticipant { room, .. }
            | RoomCall::DeleteRoom { room } => room,
        }
    }

    /// The address to POST to, under the server API's base.
    pub fn url(&self, api_base: &str) -> String {
        format!("{api_base}/twirp/livekit.RoomService/{}", self.method())
    }

    /// The JSON body (LiveKit's field names).
    pub fn body(&self) -> serde_json::Value {
        match self {
            RoomCall::ListParticipants { room } | RoomCall::DeleteRoom { room } => {
                serde_json::json!({ "room": room })
            }
            RoomCall::MutePublishedTrack {
                room,
                identity,
                track_sid,
                muted,
            } => serde_json::json!({
                "room": room,
                "identity": identity,
                "track_sid": track_sid,
                "muted": muted,
            }),
            RoomCall::RemoveParticipant { room, identity } => {
                serde_json::json!({ "room": room, "identity": identity })
            }
            RoomCall::UpdateParticipant {
                room,
                identity,
                microphone,
            } => {
                let sources: Vec<&str> = publish_sources(*microphone)
                    .into_iter()
                    .map(Source::api_name)
                    .collect();
                serde_json::json!({
                    "room": room,
                    "identity": identity,
                    "permission": {
                        "can_publish": true,
                        "can_subscribe": true,
                        "can_publish_data": true,
                        "can_publish_sources": sources,
                    },
                })
            }
        }
    }

    /// Signs the bearer token for this call, valid from `now` (Unix
    /// seconds) for [`API_TOKEN_TTL_SECONDS`]: admin of the call's room,
    /// and room creation for `DeleteRoom` only.
    pub fn token(
        &self,
        config: &LiveKitConfig,
        now: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = AdminClaims {
            iss: config.api_key.clone(),
            nbf: now,
            exp: now + API_TOKEN_TTL_SECONDS,
            video: AdminGrant {
                room: self.room().to_owned(),
                room_admin: true,
                room_create: matches!(self, RoomCall::DeleteRoom { .. }),
            },
        };
        sign(config, &claims)
    }
}

/// The sids of the audio tracks `identity` publishes, read from a
/// `ListParticipants` answer. Every audio track counts, whatever source the
/// page claims for it: a silenced participant is heard through none. Fields
/// LiveKit leaves out are read as protobuf's defaults (type 0 is audio).
pub fn audio_tracks(list: &serde_json::Value, identity: &str) -> Vec<String> {
    let is_audio = |kind: Option<&serde_json::Value>| match kind {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s == "AUDIO",
        Some(serde_json::Value::Number(n)) => n.as_u64() == Some(0),
        Some(_) => false,
    };
    list.get("participants")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter(|p| p.get("identity").and_then(|i| i.as_str()) == Some(identity))
        .flat_map(|p| {
            p.get("tracks")
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
        })
        .filter(|t| is_audio(t.get("type")))
        .filter_map(|t| t.get("sid").and_then(|s| s.as_str()))
        .filter(|sid| !sid.is_empty())
        .map(str::to_owned)
        .collect()
}

fn sign<T: Serialize>(
    config: &LiveKitConfig,
    claims: &T,
) -> Result<String, jsonwebtoken::errors::Error> {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(config.api_secret.as_bytes()),
    )
}

/// Signs an access token for `grant`, valid from `now` (Unix seconds).
pub fn access_token(
    config: &LiveKitConfig,
    grant: &Grant<'_>,
    now: i64,
) -> Result<String, jsonwebtoken::errors::Error> {
    let claims = Claims {
        iss: config.api_key.clone(),
        sub: grant.identity.to_owned(),
        name: grant.name.to_owned(),
        nbf: now,
        exp: now + config.ttl_seconds,
        video: VideoGrant {
            room: grant.room.to_owned(),
            room_join: true,
            can_publish: grant.publish,
            can_publish_sources: if grant.publish {
                publish_sources(grant.microphone)
                    .into_iter()
                    .map(|s| s.token_name().to_owned())
                    .collect()
            } else {
                vec![]
            },
            can_subscribe: true,
            can_publish_data: true,
            room_admin: grant.admin,
        },
    };
    sign(config, &claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};

    fn config() -> LiveKitConfig {
        LiveKitConfig {
            url: "ws://127.0.0.1:7880".into(),
            api_key: "APIkhoa".into(),
            api_secret: "bi-mat-du-dai-cho-hmac-sha256-0123456789".into(),
            ttl_seconds: 3600,
        }
    }

    fn validation() -> Validation {
        let mut v = Validation::new(Algorithm::HS256);
        v.validate_exp = false;
        v.validate_nbf = false;
        v.required_spec_claims.clear();
        v
    }

    #[test]
    fn the_token_carries_livekit_claims_signed_with_the_secret() {
        let c = config();
        let grant = Grant {
            room: "hop-7",
            identity: "12",
            name: "Nguyễn Văn An",
            publish: true,
            microphone: true,
            admin: false,
        };
        let token = access_token(&c, &grant, 1_800_000_000).expect("token");
        let decoded = decode::<Claims>(
            &token,
            &DecodingKey::from_secret(c.api_secret.as_bytes()),
            &validation(),
        )
        .expect("valid signature");
        assert_eq!(decoded.header.alg, Algorithm::HS256);
        let claims = decoded.claims;
        assert_eq!(claims.iss, "APIkhoa");
        assert_eq!(claims.sub, "12");
        assert_eq!(claims.name, "Nguyễn Văn An");
        assert_eq!(claims.nbf, 1_800_000_000);
        assert_eq!(claims.exp, 1_800_003_600);
        assert_eq!(
            claims.video,
            VideoGrant {
                room: "hop-7".into(),
                room_join: true,
                can_publish: true,
                can_publish_sources: vec![
                    "camera".into(),
                    "microphone".into(),
                    "screen_share".into(),
                    "screen_share_audio".into()
                ],
                can_subscribe: true,
                can_publish_data: true,
                room_admin: false,
            }
        );
        // LiveKit reads camelCase names.
        let payload = token.split('.').nth(1).expect("payload");
        let json =
            String::from_utf8(URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("utf-8");
        assert!(json.contains("\"roomJoin\":true"), "{json}");
        assert!(json.contains("\"canPublish\":true"), "{json}");
    }

    fn token_json(token: &str) -> String {
        let payload = token.split('.').nth(1).expect("payload");
        String::from_utf8(URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("utf-8")
    }

    #[test]
    fn a_silenced_person_gets_no_microphone_and_the_token_is_short_lived() {
        let mut c = config();
        c.ttl_seconds = JOIN_TOKEN_TTL_SECONDS;
        let grant = Grant {
            room: "hop-7",
            identity: "12",
            name: "Trần Thị Bình",
            publish: true,
            microphone: false,
            admin: false,
        };
        let token = access_token(&c, &grant, 1_800_000_000).expect("token");
        let json = token_json(&token);
        // LiveKit's claim name and lower-case source names.
        assert!(
            json.contains(r#""canPublishSources":["camera","screen_share"]"#),
            "{json}"
        );
        assert!(!json.contains("microphone"), "{json}");
        let claims = decode::<Claims>(
            &token,
            &DecodingKey::from_secret(c.api_secret.as_bytes()),
            &validation(),
        )
        .expect("valid")
        .claims;
        assert!(claims.video.can_publish);
        assert_eq!(claims.exp - claims.nbf, 600);
        // The page is given a fresh one half-way, well before it expires.
        assert_eq!(refresh_after_seconds(JOIN_TOKEN_TTL_SECONDS), 300);
        assert_eq!(refresh_after_seconds(20), 10);
        assert_eq!(refresh_after_seconds(1), 1, "never a busy loop");
        assert_eq!(refresh_after_seconds(-5), 1);
    }

    #[test]
    fn the_floor_adds_the_microphone_through_update_participant() {
        assert_eq!(
            publish_sources(true),
            [
                Source::Camera,
                Source::Microphone,
                Source::ScreenShare,
                Source::ScreenShareAudio
            ]
        );
        // Silenced: no sound of any kind, the picture stays.
        assert_eq!(
            publish_sources(false),
            [Source::Camera, Source::ScreenShare]
        );
        let open = RoomCall::UpdateParticipant {
            room: "hop-7".into(),
            identity: "12".into(),
            microphone: true,
        };
        assert_eq!(open.method(), "UpdateParticipant");
        assert_eq!(
            open.url("http://127.0.0.1:7880"),
            "http://127.0.0.1:7880/twirp/livekit.RoomService/UpdateParticipant"
        );
        assert_eq!(
            open.body(),
            serde_json::json!({"room": "hop-7", "identity": "12", "permission": {
                "can_publish": true, "can_subscribe": true, "can_publish_data": true,
                "can_publish_sources": ["CAMERA", "MICROPHONE", "SCREEN_SHARE", "SCREEN_SHARE_AUDIO"]
            }})
        );
        let shut = RoomCall::UpdateParticipant {
            room: "hop-7".into(),
            identity: "12".into(),
            microphone: false,
        };
        assert_eq!(
            shut.body()["permission"]["can_publish_sources"],
            serde_json::json!(["CAMERA", "SCREEN_SHARE"])
        );
        let claims = decode::<AdminClaims>(
            &shut.token(&config(), 1_800_000_000).expect("token"),
            &DecodingKey::from_secret(config().api_secret.as_bytes()),
            &validation(),
        )
        .expect("valid")
        .claims;
        assert!(claims.video.room_admin && !claims.video.room_create);
        assert_eq!(claims.video.room, "hop-7");
    }

    #[test]
    fn the_page_may_connect_to_the_livekit_origin_only() {
        let mut c = config();
        assert_eq!(
            c.connect_sources().as_deref(),
            Some("ws://127.0.0.1:7880 http://127.0.0.1:7880")
        );
        c.url = "wss://livekit.tinh.gov.vn/duong-dan?x=1".into();
        assert_eq!(
            c.connect_sources().as_deref(),
            Some("wss://livekit.tinh.gov.vn https://livekit.tinh.gov.vn")
        );
        for bad in [
            "https://livekit.tinh.gov.vn",
            "ws://",
            "ws://a b",
            "ws://x; script-src *",
            "wss://x\r\n",
        ] {
            c.url = bad.into();
            assert_eq!(c.connect_sources(), None, "{bad}");
        }
    }

    #[test]
    fn a_viewer_cannot_publish_and_a_wrong_secret_fails() {
        let c = config();
        let grant = Grant {
            room: "hop-7",
            identity: "30",
            name: "Khách",
            publish: false,
            microphone: false,
            admin: false,
        };
        let token = access_token(&c, &grant, 1_800_000_000).expect("token");
        let claims = decode::<Claims>(
            &token,
            &DecodingKey::from_secret(c.api_secret.as_bytes()),
            &validation(),
        )
        .expect("valid")
        .claims;
        assert!(!claims.video.can_publish);
        assert!(claims.video.can_publish_sources.is_empty());
        assert!(claims.video.can_subscribe);
        assert!(!token_json(&token).contains("canPublishSources"));
        assert!(
            decode::<Claims>(&token, &DecodingKey::from_secret(b"sai"), &validation()).is_err()
        );
    }

    #[test]
    fn the_server_api_lives_at_the_http_form_of_the_livekit_address() {
        let mut c = config();
        assert_eq!(c.api_base().as_deref(), Some("http://127.0.0.1:7880"));
        c.url = "wss://livekit.tinh.gov.vn/".into();
        assert_eq!(c.api_base().as_deref(), Some("https://livekit.tinh.gov.vn"));
        c.url = "wss://tinh.gov.vn/livekit?x=1".into();
        assert_eq!(c.api_base().as_deref(), Some("https://tinh.gov.vn/livekit"));
        for bad in [
            "https://livekit.tinh.gov.vn",
            "ws://",
            "wss:///x",
            "livekit",
        ] {
            c.url = bad.into();
            assert_eq!(c.api_base(), None, "{bad}");
        }
        let call = RoomCall::DeleteRoom { room: room_name(7) };
        assert_eq!(
            call.url("http://127.0.0.1:7880"),
            "http://127.0.0.1:7880/twirp/livekit.RoomService/DeleteRoom"
        );
    }

    #[test]
    fn room_calls_carry_livekit_field_names() {
        let room = room_name(7);
        assert_eq!(room, "hop-7");
        let mute = RoomCall::MutePublishedTrack {
            room: room.clone(),
            identity: "12".into(),
            track_sid: "TR_abc".into(),
            muted: true,
        };
        assert_eq!(mute.method(), "MutePublishedTrack");
        assert_eq!(
            mute.body(),
            serde_json::json!({"room": "hop-7", "identity": "12", "track_sid": "TR_abc", "muted": true})
        );
        let remove = RoomCall::RemoveParticipant {
            room: room.clone(),
            identity: "12".into(),
        };
        assert_eq!(remove.method(), "RemoveParticipant");
        assert_eq!(
            remove.body(),
            serde_json::json!({"room": "hop-7", "identity": "12"})
        );
        let list = RoomCall::ListParticipants { room: room.clone() };
        assert_eq!(list.method(), "ListParticipants");
        assert_eq!(list.body(), serde_json::json!({"room": "hop-7"}));
        assert_eq!(RoomCall::DeleteRoom { room }.body()["room"], "hop-7");
    }

    #[test]
    fn a_server_api_token_administers_its_room_only_and_joins_nothing() {
        let c = config();
        let mute = RoomCall::MutePublishedTrack {
            room: "hop-7".into(),
            identity: "12".into(),
            track_sid: "TR_abc".into(),
            muted: true,
        };
        let token = mute.token(&c, 1_800_000_000).expect("token");
        let claims = decode::<AdminClaims>(
            &token,
            &DecodingKey::from_secret(c.api_secret.as_bytes()),
            &validation(),
        )
        .expect("valid signature")
        .claims;
        assert_eq!(
            claims,
            AdminClaims {
                iss: "APIkhoa".into(),
                nbf: 1_800_000_000,
                exp: 1_800_000_000 + API_TOKEN_TTL_SECONDS,
                video: AdminGrant {
                    room: "hop-7".into(),
                    room_admin: true,
                    room_create: false,
                },
            }
        );
        let payload = token.split('.').nth(1).expect("payload");
        let json =
            String::from_utf8(URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("utf-8");
        assert!(json.contains("\"roomAdmin\":true"), "{json}");
        assert!(!json.contains("roomJoin"), "{json}");
        assert!(!json.contains("roomCreate"), "{json}");
        assert!(!json.contains("\"sub\""), "{json}");
        // Deleting a room is LiveKit's `roomCreate` right.
        let delete = RoomCall::DeleteRoom {
            room: "hop-7".into(),
        };
        let token = delete.token(&c, 1_800_000_000).expect("token");
        let claims = decode::<AdminClaims>(
            &token,
            &DecodingKey::from_secret(c.api_secret.as_bytes()),
            &validation(),
        )
        .expect("valid")
        .claims;
        assert!(claims.video.room_create && claims.video.room_admin);
        assert!(
            decode::<AdminClaims>(&token, &DecodingKey::from_secret(b"sai"), &validation())
                .is_err()
        );
    }

    #[test]
    fn the_audio_tracks_of_one_identity_are_found_in_the_list() {
        // As LiveKit's Twirp JSON writes them: enum names, snake_case.
        let list = serde_json::json!({
            "participants": [
                {"identity": "12", "tracks": [
                    {"sid": "TR_mic", "type": "AUDIO", "source": "MICROPHONE", "muted": false},
                    {"sid": "TR_cam", "type": "VIDEO", "source": "CAMERA"},
                    {"sid": "TR_hidden", "type": "AUDIO", "source": "SCREEN_SHARE_AUDIO"},
                    {"sid": "TR_default", "source": "UNKNOWN"},
                    {"sid": "", "type": "AUDIO"}
                ]},
                {"identity": "13", "tracks": [{"sid": "TR_other", "type": "AUDIO"}]},
                {"identity": "14"}
            ]
        });
        assert_eq!(
            audio_tracks(&list, "12"),
            vec!["TR_mic", "TR_hidden", "TR_default"]
        );
        assert_eq!(audio_tracks(&list, "13"), vec!["TR_other"]);
        assert!(audio_tracks(&list, "14").is_empty());
        assert!(audio_tracks(&list, "99").is_empty());
        // Numbers for enums are read too; nonsense finds nothing.
        let numeric = serde_json::json!({"participants": [{"identity": "12", "tracks": [
            {"sid": "TR_a", "type": 0}, {"sid": "TR_v", "type": 1}
        ]}]});
        assert_eq!(audio_tracks(&numeric, "12"), vec!["TR_a"]);
        assert!(audio_tracks(&serde_json::json!({"participants": 3}), "12").is_empty());
        assert!(audio_tracks(&serde_json::json!([]), "12").is_empty());
    }
}
