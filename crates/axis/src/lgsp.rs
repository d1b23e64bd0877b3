//! [`LgspClient`] — the [`Exchange`] trait over a provincial integration
//! platform (LGSP) with its own REST face, as the reference (§8.3 b)
//! describes the WSO2-style LGSPs: an OAuth2 client-credentials token from
//! the platform's token endpoint, then `Authorization: Bearer` calls under
//! its document-exchange base path, with JSON bodies carrying the edXML
//! package in base64 and the unit's secret:
//!
//! | call | method and path | body or query |
//! |---|---|---|
//! | send | `POST /vanbans` | `{secret, loaiVanBan, from, edxml}` → `{docId}` |
//! | list | `GET /vanbans?secret=…&loaiVanBan=…` | → `{data: [item…]}` |
//! | get | `GET /vanbans/{docId}?secret=…` | → `{data: base64}` |
//! | acknowledge | `PUT /vanbans/{docId}` | `{secret, status}` (`DONE`, `FAIL`…) |
//! | agencies | `GET /donvilienthongs?secret=…` | → `{data: [agency…]}` |
//!
//! Every answer carries `status`, `errorCode`, `errorDesc`. The token is
//! kept until shortly before it expires; a call answered 401 takes a new
//! token and is tried once more. The exact paths of a given province's
//! platform are configurable through its base URL only; the reference
//! marks them as inferred (Q6), so a deployment checks them on site.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::api::{AgencyEntry, MessageType, QueueStatus, ReceivedItem};
use crate::client::{Exchange, ExchangeError};
use crate::sign;

/// How to reach an LGSP.
#[derive(Clone)]
pub struct LgspConfig {
    /// The OAuth2 token endpoint, e.g. `https://lgsp.tinh.gov.vn/token`.
    pub token_url: String,
    /// The document-exchange base, e.g. `https://lgsp.tinh.gov.vn/truclienthong/v1.0.0`.
    pub base_url: String,
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret; never logged.
    pub client_secret: String,
    /// The unit's own secret the platform issued; never logged.
    pub unit_secret: String,
    /// Our organisation code (mã định danh).
    pub organ_id: String,
    /// Time limit of one call.
    pub timeout: Duration,
}

impl std::fmt::Debug for LgspConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LgspConfig")
            .field("token_url", &self.token_url)
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("unit_secret", &"***")
            .field("organ_id", &self.organ_id)
            .finish()
    }
}

/// A token is renewed this long before the platform says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// The LGSP client over HTTP (reqwest with rustls).
pub struct LgspClient {
    config: LgspConfig,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
}

/// The token endpoint's answer (RFC 6749 §5.1).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Every answer of the platform.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LgspAnswer {
    /// `OK` or `FAIL`.
    pub status: String,
    /// `"0"` on success.
    #[serde(default)]
    pub error_code: String,
    /// What went wrong.
    #[serde(default)]
    pub error_desc: String,
    /// The id of a package just sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_id: Option<String>,
    /// The payload of list and get calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// One item of the incoming list, as the platform names its fields.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LgspItem {
    /// Queue id.
    pub doc_id: String,
    /// `eDoc`.
    #[serde(default)]
    pub service_type: String,
    /// `edoc` or `status`.
    pub message_type: String,
    /// Sender.
    pub from: String,
    /// Recipient (us).
    pub to: String,
    /// `INITIAL`, `PROCESSING`, `DONE`, `FAIL`.
    pub status: String,
    /// The status in words.
    #[serde(default)]
    pub status_desc: String,
    /// When the platform received it.
    #[serde(default)]
    pub created_time: String,
}

/// What `POST /vanbans` takes.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LgspSend {
    /// The unit's secret.
    pub secret: String,
    /// `edoc` or `status`.
    pub loai_van_ban: String,
    /// Our organisation code.
    pub from: String,
    /// The package, base64.
    pub edxml: String,
}

/// What `PUT /vanbans/{docId}` takes.
#[derive(Debug, Deserialize, Serialize)]
pub struct LgspAck {
    /// The unit's secret.
    pub secret: String,
    /// `DONE`, `FAIL`…
    pub status: String,
}

impl LgspClient {
    /// A client for `config`.
    pub fn new(config: LgspConfig) -> Result<Self, ExchangeError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(sign::USER_AGENT)
            .use_rustls_tls()
            .build()
            .map_err(|e| ExchangeError::Protocol(e.to_string()))?;
        Ok(Self {
            config,
            http,
            token: Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url.trim_end_matches('/'), path)
    }

    /// A valid token: the one kept, or a new one.
    async fn token(&self, renew: bool) -> Result<String, ExchangeError> {
        let mut kept = self.token.lock().await;
        if !renew
            && let Some((token, until)) = kept.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let response = self
            .http
            .post(&self.config.token_url)
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| ExchangeError::Unreachable(e.to_string()))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(ExchangeError::Unreachable(format!("token: HTTP {status}")));
        }
        if !status.is_success() {
            return Err(ExchangeError::Refused {
                code: status.as_u16().to_string(),
                desc: "LGSP không cấp mã truy cập (sai client id hoặc client secret?)".into(),
            });
        }
        let answer: TokenAnswer = response
            .json()
            .await
            .map_err(|e| ExchangeError::Protocol(format!("token: {e}")))?;
        let life = Duration::from_secs(answer.expires_in.unwrap_or(300));
        let until = Instant::now() + life.saturating_sub(TOKEN_MARGIN);
        *kept = Some((answer.access_token.clone(), until));
        Ok(answer.access_token)
    }

    /// One call with the bearer token, taking a new token once on 401.
    async fn call(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<LgspAnswer, ExchangeError> {
        let mut renew = false;
        loop {
            let token = self.token(renew).await?;
            let response = build(&self.http)
                .bearer_auth(&token)
                .send()
                .await
                .map_err(|e| ExchangeError::Unreachable(e.to_string()))?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && !renew {
                renew = true;
                continue;
            }
            if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                return Err(ExchangeError::Unreachable(format!("HTTP {status}")));
            }
            let text = response
                .text()
                .await
                .map_err(|e| ExchangeError::Unreachable(e.to_string()))?;
            let answer: LgspAnswer = serde_json::from_str(&text).map_err(|_| {
                ExchangeError::Protocol(format!(
                    "HTTP {status}: {}",
                    text.chars().take(200).collect::<String>()
                ))
            })?;
            let ok = answer.status.eq_ignore_ascii_case("OK")
                && (answer.error_code.is_empty() || answer.error_code == "0");
            return if ok {
                Ok(answer)
            } else {
                Err(ExchangeError::Refused {
                    code: answer.error_code,
                    desc: answer.error_desc,
                })
            };
        }
    }
}

fn data_list<T: serde::de::DeserializeOwned>(answer: LgspAnswer) -> Result<Vec<T>, ExchangeError> {
    let data = answer.data.unwrap_or(serde_json::Value::Array(Vec::new()));
    serde_json::from_value(data).map_err(|e| ExchangeError::Protocol(e.to_string()))
}

#[async_trait]
impl Exchange for LgspClient {
    async fn send(&self, kind: MessageType, package: &[u8]) -> Result<String, ExchangeError> {
        let body = LgspSend {
            secret: self.config.unit_secret.clone(),
            loai_van_ban: kind.as_str().to_owned(),
            from: self.config.organ_id.clone(),
            edxml: base64::engine::general_purpose::STANDARD.encode(package),
        };
        let url = self.url("/vanbans");
        let answer = self.call(|h| h.post(&url).json(&body)).await?;
        answer
            .doc_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ExchangeError::Protocol("LGSP answered a send without docId".into()))
    }

    async fn received(&self, kind: MessageType) -> Result<Vec<ReceivedItem>, ExchangeError> {
        let url = self.url("/vanbans");
        let secret = self.config.unit_secret.clone();
        let answer = self
            .call(|h| {
                h.get(&url)
                    .query(&[("secret", secret.as_str()), ("loaiVanBan", kind.as_str())])
            })
            .await?;
        let items: Vec<LgspItem> = data_list(answer)?;
        items
            .into_iter()
            .filter(|i| MessageType::parse(&i.message_type.to_ascii_lowercase()) == Some(kind))
            .map(|i| {
                Ok(ReceivedItem {
                    message_type: kind,
                    status: QueueStatus::parse(&i.status).ok_or_else(|| {
                        ExchangeError::Protocol(format!("unknown queue status {}", i.status))
                    })?,
                    doc_id: i.doc_id,
                    service_type: i.service_type,
                    from: i.from,
                    to: i.to,
                    status_desc: i.status_desc,
                    created_time: i.created_time,
                })
            })
            .collect()
    }

    async fn get(&self, doc_id: &str) -> Result<Vec<u8>, ExchangeError> {
        let url = self.url(&format!("/vanbans/{}", path_segment(doc_id)));
        let secret = self.config.unit_secret.clone();
        let answer = self
            .call(|h| h.get(&url).query(&[("secret", secret.as_str())]))
            .await?;
        let data = answer
            .data
            .and_then(|d| d.as_str().map(str::to_owned))
            .ok_or_else(|| ExchangeError::Protocol("LGSP answered a get without data".into()))?;
        base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| ExchangeError::Protocol(format!("LGSP data is not base64: {e}")))
    }

    async fn acknowledge(&self, doc_id: &str, status: QueueStatus) -> Result<(), ExchangeError> {
        let url = self.url(&format!("/vanbans/{}", path_segment(doc_id)));
        let body = LgspAck {
            secret: self.config.unit_secret.clone(),
            status: status.as_str().to_ascii_uppercase(),
        };
        self.call(|h| h.put(&url).json(&body)).await.map(|_| ())
    }

    async fn agencies(&self) -> Result<Vec<AgencyEntry>, ExchangeError> {
        let url = self.url("/donvilienthongs");
        let secret = self.config.unit_secret.clone();
        let answer = self
            .call(|h| h.get(&url).query(&[("secret", secret.as_str())]))
            .await?;
        data_list(answer)
    }
}

/// A queue id as one path segment: anything but unreserved characters is
/// percent-encoded, so an id can never reach another path.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Shared handle, as the service takes it.
pub fn shared(config: LgspConfig) -> Result<Arc<dyn Exchange>, ExchangeError> {
    Ok(Arc::new(LgspClient::new(config)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_id_stays_one_path_segment() {
        assert_eq!(path_segment("abc-1_2.3~"), "abc-1_2.3~");
        assert_eq!(path_segment("../x?y"), "..%2Fx%3Fy");
    }

    #[test]
    fn secrets_are_not_in_the_debug_form() {
        let config = LgspConfig {
            token_url: "http://127.0.0.1:1/token".into(),
            base_url: "http://127.0.0.1:1".into(),
            client_id: "nghitruong".into(),
            client_secret: "client-secret-value".into(),
            unit_secret: "unit-secret-value".into(),
            organ_id: "000.00.01.H41".into(),
            timeout: Duration::from_secs(1),
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret-value"), "{shown}");
    }
}
