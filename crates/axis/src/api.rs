//! The wire shapes of the axis API (VXP, `shared/docs/reference/edxml.md`
//! §8.1): paths, the JSON answers, and the values shared by the client and
//! the local service.

use serde::{Deserialize, Serialize};

/// `/sendEdoc`: upload a package (multipart part `file_doc`).
pub const SEND: &str = "/sendEdoc";
/// `/getReceivedEdocList`: what waits in our inbox.
pub const RECEIVED: &str = "/getReceivedEdocList";
/// `/getEdoc`: one package, base64.
pub const GET: &str = "/getEdoc";
/// `/updateStatus`: acknowledge a queue item.
pub const UPDATE_STATUS: &str = "/updateStatus";
/// `/getAgenciesList`: the agency directory.
pub const AGENCIES: &str = "/getAgenciesList";
/// `/countReceiveEdoc`: how many documents wait.
pub const COUNT_EDOC: &str = "/countReceiveEdoc";
/// `/countReceiveStatus`: how many status packages wait.
pub const COUNT_STATUS: &str = "/countReceiveStatus";

/// The multipart field that carries the package.
pub const FILE_FIELD: &str = "file_doc";

/// `messagetype`: a document or a status package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    /// Gói văn bản.
    Edoc,
    /// Gói trạng thái.
    Status,
}

impl MessageType {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edoc => "edoc",
            Self::Status => "status",
        }
    }

    /// Reads the header value.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "edoc" => Some(Self::Edoc),
            "status" => Some(Self::Status),
            _ => None,
        }
    }
}

/// `updateStatus` values: what the receiver did with a queue item. Not the
/// business status, which travels as a status package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueStatus {
    /// Waiting to be fetched.
    Initial,
    /// Fetched, being processed.
    Processing,
    /// Processed; leaves the received list.
    Done,
    /// Could not be processed (e.g. it did not parse); leaves the list.
    Fail,
}

impl QueueStatus {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Processing => "processing",
            Self::Done => "done",
            Self::Fail => "fail",
        }
    }

    /// Reads the header value.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "initial" => Some(Self::Initial),
            "processing" => Some(Self::Processing),
            "done" => Some(Self::Done),
            "fail" => Some(Self::Fail),
            _ => None,
        }
    }
}

/// Every answer: `status` is `OK` or `FAIL`, `ErrorCode` `"0"` on success.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Answer {
    /// `OK` or `FAIL`.
    pub status: String,
    /// `"0"` on success.
    #[serde(rename = "ErrorCode", default)]
    pub error_code: String,
    /// What went wrong, for people.
    #[serde(rename = "ErrorDesc", default)]
    pub error_desc: String,
    /// The id of a package just sent.
    #[serde(rename = "DocId", default, skip_serializing_if = "Option::is_none")]
    pub doc_id: Option<String>,
    /// The payload of list and get calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// The count of count calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl Answer {
    /// A success.
    pub fn ok() -> Self {
        Self {
            status: "OK".into(),
            error_code: "0".into(),
            ..Self::default()
        }
    }

    /// A refusal with a code and a reason.
    pub fn fail(code: &str, desc: impl Into<String>) -> Self {
        Self {
            status: "FAIL".into(),
            error_code: code.into(),
            error_desc: desc.into(),
            ..Self::default()
        }
    }

    /// Whether the call succeeded.
    pub fn is_ok(&self) -> bool {
        self.status.eq_ignore_ascii_case("OK")
            && (self.error_code.is_empty() || self.error_code == "0")
    }
}

/// One item of `getReceivedEdocList`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedItem {
    /// The queue item's id, for `getEdoc` and `updateStatus`.
    pub doc_id: String,
    /// `eDoc`.
    #[serde(default)]
    pub service_type: String,
    /// `edoc` or `status`.
    pub message_type: MessageType,
    /// Sender's organisation code.
    pub from: String,
    /// Our organisation code the item was addressed to.
    pub to: String,
    /// Queue status.
    pub status: QueueStatus,
    /// Queue status in words.
    #[serde(rename = "status_desc", default)]
    pub status_desc: String,
    /// When the axis received it (`dd/MM/yyyy HH:mm:ss`).
    #[serde(rename = "created_time", default)]
    pub created_time: String,
}

/// One agency of the directory (`getAgenciesList`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyEntry {
    /// Mã định danh (QCVN 102).
    pub code: String,
    /// The axis's own id.
    #[serde(default)]
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    #[serde(default)]
    pub mail: String,
    /// The parent's code, if any.
    #[serde(default)]
    pub pid: String,
    /// An earlier code, if the agency was renumbered.
    #[serde(rename = "oldCode", default)]
    pub old_code: String,
}
