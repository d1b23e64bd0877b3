//! LiveKit mode: for meetings too large for one machine, the browser joins
//! a configured LiveKit server instead of the embedded SFU. Our server
//! issues the access token (JWT, HS256, signed with the LiveKit API secret)
//! that names the room and what the participant may do there, and enforces
//! the moderator's decisions on the LiveKit server itself through its
//! RoomService API (Twirp: JSON over HTTP POST): a silenced participant's
//! audio is muted there, a removed one is sent out of the room and an ended
//! meeting's room is deleted, whatever the participant's page does. This
//! module holds the pure parts (tokens, addresses, request bodies, reading
//! the answers); the web crate makes the HTTP calls.

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
    /// How long a token is valid, in seconds.
    pub ttl_seconds: i64,
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
    /// May publish camera, microphone and screen.
    pub can_publish: bool,
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
            RoomCall::DeleteRoom { .. } => "DeleteRoom",
        }
    }

    /// The room the call is about.
    pub fn room(&self) -> &str {
        match self {
            RoomCall::ListParticipants { room }
            | RoomCall::MutePublishedTrack { room, .. }
            | RoomCall::RemoveParticipant { room, .. }
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
        assert!(claims.video.can_subscribe);
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
