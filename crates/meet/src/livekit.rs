//! LiveKit mode: for meetings too large for one machine, the browser joins
//! a configured LiveKit server instead of the embedded SFU. Our server only
//! issues the access token (JWT, HS256, signed with the LiveKit API secret)
//! that names the room and what the participant may do there.

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
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(config.api_secret.as_bytes()),
    )
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
}
