//! The exchange client: the [`Exchange`] trait (what the product needs from
//! an axis) and [`VxpClient`], its implementation for the axis API and for
//! LGSPs that expose the same API. An LGSP with its own REST face (OAuth2,
//! `/vanbans`, see the reference §8.3) implements the same trait.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use nghitruong_domain::clock::Clock;
use std::sync::Arc;

use crate::api::{self, AgencyEntry, Answer, MessageType, QueueStatus, ReceivedItem};
use crate::sign::{self, Signed};

/// Why an exchange call failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The axis could not be reached or answered with a server error; the
    /// call may be tried again later.
    #[error("không kết nối được trục liên thông: {0}")]
    Unreachable(String),
    /// The axis refused the call (`status: FAIL`); trying again with the same
    /// input will not help.
    #[error("trục liên thông từ chối ({code}): {desc}")]
    Refused {
        /// `ErrorCode`.
        code: String,
        /// `ErrorDesc`.
        desc: String,
    },
    /// The answer was not what the API promises.
    #[error("trục liên thông trả lời không đúng giao thức: {0}")]
    Protocol(String),
}

impl ExchangeError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unreachable(_))
    }
}

/// What the product needs from the axis (or an LGSP).
#[async_trait]
pub trait Exchange: Send + Sync {
    /// Sends a package; returns the axis's `DocId`.
    async fn send(&self, kind: MessageType, package: &[u8]) -> Result<String, ExchangeError>;
    /// Lists what waits for us.
    async fn received(&self, kind: MessageType) -> Result<Vec<ReceivedItem>, ExchangeError>;
    /// Downloads one package.
    async fn get(&self, doc_id: &str) -> Result<Vec<u8>, ExchangeError>;
    /// Tells the axis what we did with a queue item.
    async fn acknowledge(&self, doc_id: &str, status: QueueStatus) -> Result<(), ExchangeError>;
    /// The agency directory.
    async fn agencies(&self) -> Result<Vec<AgencyEntry>, ExchangeError>;
}

/// How to reach an axis that speaks the VXP API.
#[derive(Clone)]
pub struct VxpConfig {
    /// Base URL, e.g. `http://127.0.0.1:8090`.
    pub base_url: String,
    /// `systemid` — mã trung tâm of our system.
    pub system_id: String,
    /// The secret shared with the axis; never sent.
    pub secret: String,
    /// Our organisation code (mã định danh), sent as `from` and `to`.
    pub organ_id: String,
    /// Time limit of one call.
    pub timeout: Duration,
}

impl std::fmt::Debug for VxpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VxpConfig")
            .field("base_url", &self.base_url)
            .field("system_id", &self.system_id)
            .field("secret", &"***")
            .field("organ_id", &self.organ_id)
            .finish()
    }
}

/// The VXP client over HTTP (reqwest with rustls).
pub struct VxpClient {
    config: VxpConfig,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl VxpClient {
    /// A client for `config`; time for the signed timestamp comes from `clock`.
    pub fn new(config: VxpConfig, clock: Arc<dyn Clock>) -> Result<Self, ExchangeError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(sign::USER_AGENT)
            .use_rustls_tls()
            .build()
            .map_err(|e| ExchangeError::Protocol(e.to_string()))?;
        Ok(Self {
            config,
            http,
            clock,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url.trim_end_matches('/'), path)
    }

    fn signed(&self, content_type: &str, params: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut s = Signed::new(content_type, &self.config.system_id, self.clock.now());
        for (n, v) in params {
            s.push(n, v);
        }
        s.http_headers(&self.config.secret)
    }

    async fn call(
        &self,
        path: &str,
        params: &[(&str, &str)],
        body: Option<reqwest::multipart::Form>,
    ) -> Result<Answer, ExchangeError> {
        let content_type = if body.is_some() {
            "application/octet-stream"
        } else {
            "application/json"
        };
        let mut req = self.http.post(self.url(path));
        for (n, v) in self.signed(content_type, params) {
            req = req.header(n, v);
        }
        req = match body {
            Some(form) => req.multipart(form),
            None => req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body("{}"),
        };
        let response = req
            .send()
            .await
            .map_err(|e| ExchangeError::Unreachable(e.to_string()))?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(ExchangeError::Unreachable(format!("HTTP {status}")));
        }
        let text = response
            .text()
            .await
            .map_err(|e| ExchangeError::Unreachable(e.to_string()))?;
        let answer: Answer = serde_json::from_str(&text).map_err(|_| {
            ExchangeError::Protocol(format!(
                "HTTP {status}: {}",
                text.chars().take(200).collect::<String>()
            ))
        })?;
        if answer.is_ok() {
            Ok(answer)
        } else {
            Err(ExchangeError::Refused {
                code: answer.error_code,
                desc: answer.error_desc,
            })
        }
    }
}

#[async_trait]
impl Exchange for VxpClient {
    async fn send(&self, kind: MessageType, package: &[u8]) -> Result<String, ExchangeError> {
        let hash = sign::sdk_file_hash(package);
        let part = reqwest::multipart::Part::bytes(package.to_vec())
            .file_name("edoc.edxml")
            .mime_str("application/octet-stream")
            .map_err(|e| ExchangeError::Protocol(e.to_string()))?;
        let form = reqwest::multipart::Form::new().part(api::FILE_FIELD, part);
        let params = [
            ("from", self.config.organ_id.as_str()),
            ("servicetype", "eDoc"),
            ("messagetype", kind.as_str()),
            ("hash-file", hash.as_str()),
        ];
        let answer = self.call(api::SEND, &params, Some(form)).await?;
        answer
            .doc_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ExchangeError::Protocol("sendEdoc answered without DocId".into()))
    }

    async fn received(&self, kind: MessageType) -> Result<Vec<ReceivedItem>, ExchangeError> {
        let params = [
            ("servicetype", "eDoc"),
            ("messagetype", kind.as_str()),
            ("to", self.config.organ_id.as_str()),
        ];
        let answer = self.call(api::RECEIVED, &params, None).await?;
        let data = answer.data.unwrap_or(serde_json::Value::Array(Vec::new()));
        serde_json::from_value(data).map_err(|e| ExchangeError::Protocol(e.to_string()))
    }

    async fn get(&self, doc_id: &str) -> Result<Vec<u8>, ExchangeError> {
        let answer = self.call(api::GET, &[("docId", doc_id)], None).await?;
        let data = answer
            .data
            .and_then(|d| d.as_str().map(str::to_owned))
            .ok_or_else(|| ExchangeError::Protocol("getEdoc answered without data".into()))?;
        base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| ExchangeError::Protocol(format!("getEdoc data is not base64: {e}")))
    }

    async fn acknowledge(&self, doc_id: &str, status: QueueStatus) -> Result<(), ExchangeError> {
        self.call(
            api::UPDATE_STATUS,
            &[("docId", doc_id), ("status", status.as_str())],
            None,
        )
        .await
        .map(|_| ())
    }

    async fn agencies(&self) -> Result<Vec<AgencyEntry>, ExchangeError> {
        let answer = self.call(api::AGENCIES, &[], None).await?;
        let data = answer.data.unwrap_or(serde_json::Value::Array(Vec::new()));
        serde_json::from_value(data).map_err(|e| ExchangeError::Protocol(e.to_string()))
    }
}
