//! A faithful local axis: the same HTTP API as the national axis (paths,
//! signed `XroadVnpt-*` headers, JSON answers) with its queue semantics —
//! one inbox per agency, a received list per message type, acknowledgement
//! with `updateStatus`, status packages routed back to the original sender,
//! and an agency directory. Every package is read and validated with the
//! edXML crate and refused, with the reason, when it is not acceptable.
//!
//! It keeps its queue in memory: it stands in for the axis in tests and in
//! the demo, where two deployments (a province and a commune) exchange
//! through it. It listens on loopback unless told otherwise.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use nghitruong_domain::clock::Clock;
use nghitruong_edxml::{Package, ReadOptions, TraceHeader, TraceHeaderList, ValidateOptions};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::api::{self, AgencyEntry, Answer, MessageType, QueueStatus, ReceivedItem};
use crate::sign;

/// A system allowed to call the axis, with the agencies it speaks for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SystemAccount {
    /// `systemid`.
    pub system_id: String,
    /// The shared secret.
    pub secret: String,
    /// Organisation codes it may send from and read the inbox of; empty
    /// means every agency of the directory (a shared demo account).
    #[serde(default)]
    pub organs: Vec<String>,
}

/// How the local axis is set up.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LocalAxisConfig {
    /// The axis's own code, written in the trace hop it adds.
    pub axis_organ_id: String,
    /// Who may call.
    pub systems: Vec<SystemAccount>,
    /// The agency directory.
    pub agencies: Vec<AgencyEntry>,
    /// Largest package accepted, in bytes.
    pub max_package_bytes: usize,
}

impl Default for LocalAxisConfig {
    fn default() -> Self {
        Self {
            axis_organ_id: "000.00.00.G22".into(),
            systems: Vec::new(),
            agencies: Vec::new(),
            max_package_bytes: 64 * 1024 * 1024,
        }
    }
}

/// One package waiting in an agency's inbox.
#[derive(Clone, Debug)]
struct QueueItem {
    doc_id: String,
    sender_doc_id: String,
    message_type: MessageType,
    from: String,
    to: String,
    status: QueueStatus,
    created: OffsetDateTime,
    package: Arc<Vec<u8>>,
}

#[derive(Default)]
struct Queue {
    next_id: u64,
    items: Vec<QueueItem>,
}

/// The running service's state.
#[derive(Clone)]
pub struct LocalAxis {
    config: Arc<LocalAxisConfig>,
    queue: Arc<Mutex<Queue>>,
    clock: Arc<dyn Clock>,
}

/// What a caller proved about itself, and the parameters it signed.
struct Caller {
    system: SystemAccount,
    params: HashMap<String, String>,
}

impl Caller {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn speaks_for(&self, organ: &str) -> bool {
        self.system.organs.is_empty() || self.system.organs.iter().any(|o| o == organ)
    }
}

/// A refusal: the HTTP status and the answer.
struct Refusal(StatusCode, Box<Answer>);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, axum::Json(*self.1)).into_response()
    }
}

fn refuse(status: StatusCode, desc: impl Into<String>) -> Refusal {
    Refusal(status, Box::new(Answer::fail(status.as_str(), desc)))
}

type Reply = Result<axum::Json<Answer>, Refusal>;

impl LocalAxis {
    /// A service with `config`, stamping times from `clock`.
    pub fn new(config: LocalAxisConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            config: Arc::new(config),
            queue: Arc::new(Mutex::new(Queue::default())),
            clock,
        }
    }

    /// The HTTP API as a router.
    pub fn router(&self) -> Router {
        Router::new()
            .route(api::SEND, post(send))
            .route(api::RECEIVED, post(received))
            .route(api::GET, post(get))
            .route(api::UPDATE_STATUS, post(update_status))
            .route(api::AGENCIES, post(agencies))
            .route(api::COUNT_EDOC, post(count_edoc))
            .route(api::COUNT_STATUS, post(count_status))
            // Room for the multipart framing around the largest package.
            .layer(DefaultBodyLimit::max(
                self.config.max_package_bytes.saturating_add(64 * 1024),
            ))
            .with_state(self.clone())
    }

    /// Listens on `addr` and serves until the task is dropped. Refuses an
    /// address other than loopback unless `allow_remote`.
    pub async fn serve(
        self,
        addr: SocketAddr,
        allow_remote: bool,
    ) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
        anyhow::ensure!(
            allow_remote || addr.ip().is_loopback(),
            "trục thử nghiệm chỉ lắng nghe trên địa chỉ loopback (127.0.0.1), không phải {addr}"
        );
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let router = self.router();
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "local axis stopped");
            }
        });
        Ok((bound, task))
    }

    /// Checks the signature and returns the caller and its signed parameters.
    fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, Refusal> {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let unauthorised = |why: &str| refuse(StatusCode::UNAUTHORIZED, why.to_owned());
        let signed = text(sign::SIGN_HEADER).ok_or_else(|| unauthorised("thiếu chữ ký"))?;
        let hash = text(sign::HASH_HEADER).ok_or_else(|| unauthorised("thiếu mã băm chữ ký"))?;
        let keys =
            text(sign::SIGN_KEY).ok_or_else(|| unauthorised("thiếu danh sách tham số ký"))?;
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&signed).map_err(|_| unauthorised("chữ ký không phải JSON"))?;
        let mut params = HashMap::new();
        for name in keys.split(';').filter(|k| !k.is_empty()) {
            let wire = format!("{}{name}", sign::PREFIX);
            let value = map
                .get(&wire)
                .and_then(|v| v.as_str())
                .ok_or_else(|| unauthorised("tham số ký không khớp danh sách"))?;
            // Content-Type is rewritten by HTTP stacks (multipart adds a
            // boundary); every other signed value must be sent as signed.
            if name != "Content-Type" && text(&wire).as_deref() != Some(value) {
                return Err(unauthorised("tham số gửi khác tham số đã ký"));
            }
            params.insert(name.to_owned(), value.to_owned());
        }
        let system_id = params
            .get("systemid")
            .cloned()
            .ok_or_else(|| unauthorised("thiếu systemid"))?;
        if !params.contains_key("timestamp") {
            return Err(unauthorised("thiếu timestamp"));
        }
        let system = self
            .config
            .systems
            .iter()
            .find(|s| s.system_id == system_id)
            .cloned()
            .ok_or_else(|| unauthorised("hệ thống chưa đăng ký với trục"))?;
        if !sign::hmac_matches(&system.secret, &signed, &hash) {
            return Err(unauthorised("chữ ký không đúng"));
        }
        Ok(Caller { system, params })
    }

    fn known_agency(&self, code: &str) -> bool {
        self.config.agencies.iter().any(|a| a.code == code)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads, validates and routes a package; returns the sender's DocId.
    fn accept(&self, caller: &Caller, kind: MessageType, bytes: &[u8]) -> Result<String, Refusal> {
        let invalid = |why: String| refuse(StatusCode::UNPROCESSABLE_ENTITY, why);
        let options = ReadOptions {
            max_input_bytes: self.config.max_package_bytes,
            ..ReadOptions::default()
        };
        let mut package = nghitruong_edxml::read_with(bytes, &options)
            .map_err(|e| invalid(format!("gói edXML không đọc được: {e}")))?
            .package;
        let findings = nghitruong_edxml::validate(&package, &ValidateOptions::default());
        let errors: Vec<String> = findings
            .iter()
            .filter(|f| f.is_error())
            .map(ToString::to_string)
            .collect();
        if !errors.is_empty() {
            return Err(invalid(format!(
                "gói edXML không hợp lệ: {}",
                errors.join("; ")
            )));
        }
        let from = package.sender().organ_id.clone();
        if !caller.speaks_for(&from) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                format!(
                    "hệ thống {} không được gửi thay đơn vị {from}",
                    caller.system.system_id
                ),
            ));
        }
        let recipients: Vec<String> = match (&mut package, kind) {
            (Package::Document(doc), MessageType::Edoc) => {
                let now = self.clock.now().to_offset(time::macros::offset!(+7));
                let trace = doc.trace.get_or_insert_with(TraceHeaderList::default);
                trace.hops.push(TraceHeader {
                    organ_id: self.config.axis_organ_id.clone(),
                    timestamp: Some(time::PrimitiveDateTime::new(now.date(), now.time())),
                });
                doc.header.to.iter().map(|o| o.organ_id.clone()).collect()
            }
            (Package::Status(status), MessageType::Status) => match caller.param("to") {
                Some(to) => parse_to(to),
                None => vec![status.header.response_for.organ_id.clone()],
            },
            _ => {
                return Err(invalid(format!(
                    "messagetype={} không khớp loại gói",
                    kind.as_str()
                )));
            }
        };
        let mut unique = HashSet::new();
        let recipients: Vec<String> = recipients
            .into_iter()
            .filter(|r| unique.insert(r.clone()))
            .collect();
        if recipients.is_empty() {
            return Err(invalid("gói không có đơn vị nhận".into()));
        }
        if let Some(unknown) = recipients.iter().find(|r| !self.known_agency(r)) {
            return Err(invalid(format!(
                "đơn vị nhận {unknown} không có trong danh mục của trục"
            )));
        }
        let stored = Arc::new(match kind {
            MessageType::Edoc => nghitruong_edxml::to_bytes(&package),
            MessageType::Status => bytes.to_vec(),
        });
        let now = self.clock.now();
        let mut queue = self.lock();
        queue.next_id += 1;
        let sender_doc_id = format!("axis-{:08}", queue.next_id);
        for to in recipients {
            queue.next_id += 1;
            let doc_id = format!("axis-{:08}", queue.next_id);
            queue.items.push(QueueItem {
                doc_id,
                sender_doc_id: sender_doc_id.clone(),
                message_type: kind,
                from: from.clone(),
                to,
                status: QueueStatus::Initial,
                created: now,
                package: stored.clone(),
            });
        }
        tracing::debug!(%sender_doc_id, kind = kind.as_str(), %from, "local axis accepted a package");
        Ok(sender_doc_id)
    }

    /// How many queue items were ever created for a sender's DocId (tests
    /// check that re-delivery makes no duplicates).
    pub fn deliveries_of(&self, sender_doc_id: &str) -> usize {
        self.lock()
            .items
            .iter()
            .filter(|i| i.sender_doc_id == sender_doc_id)
            .count()
    }

    /// Every package ever accepted for `to`, of `kind`, in arrival order.
    pub fn delivered_to(&self, to: &str, kind: MessageType) -> Vec<Vec<u8>> {
        self.lock()
            .items
            .iter()
            .filter(|i| i.to == to && i.message_type == kind)
            .map(|i| i.package.as_ref().clone())
            .collect()
    }
}

/// The `to` header: a JSON array of codes (the SDK's form) or one code.
fn parse_to(raw: &str) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(raw).unwrap_or_else(|_| {
        raw.split([',', ';'])
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

fn vn_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::macros::offset!(+7));
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

async fn send(State(axis): State<LocalAxis>, headers: HeaderMap, mut form: Multipart) -> Reply {
    let caller = axis.authenticate(&headers)?;
    let kind = caller
        .param("messagetype")
        .and_then(MessageType::parse)
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "messagetype phải là edoc hoặc status",
            )
        })?;
    let mut file = None;
    loop {
        let field = form.next_field().await.map_err(|e| too_large_or_bad(&e))?;
        let Some(field) = field else { break };
        if field.name() == Some(api::FILE_FIELD) {
            let bytes = field.bytes().await.map_err(|e| too_large_or_bad(&e))?;
            file = Some(bytes);
        }
    }
    let file = file.ok_or_else(|| {
        refuse(
            StatusCode::BAD_REQUEST,
            format!("thiếu tệp {} trong yêu cầu", api::FILE_FIELD),
        )
    })?;
    if file.len() > axis.config.max_package_bytes {
        return Err(too_large(axis.config.max_package_bytes));
    }
    if let Some(hash) = caller.param("hash-file")
        && !sign::file_hash_matches(&file, hash)
    {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "hash-file không khớp nội dung tệp",
        ));
    }
    let doc_id = axis.accept(&caller, kind, &file)?;
    let mut answer = Answer::ok();
    answer.doc_id = Some(doc_id);
    Ok(axum::Json(answer))
}

fn too_large(limit: usize) -> Refusal {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("gói lớn hơn giới hạn {limit} byte"),
    )
}

fn too_large_or_bad(e: &axum::extract::multipart::MultipartError) -> Refusal {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("gói quá lớn: {e}"))
    } else {
        refuse(
            StatusCode::BAD_REQUEST,
            format!("yêu cầu multipart hỏng: {e}"),
        )
    }
}

/// The inbox items `caller` may see: addressed to an agency it speaks for,
/// narrowed by its `to` header.
fn visible(caller: &Caller, item: &QueueItem) -> bool {
    caller.speaks_for(&item.to)
        && caller
            .param("to")
            .is_none_or(|to| parse_to(to).contains(&item.to))
}

fn pending(item: &QueueItem) -> bool {
    matches!(item.status, QueueStatus::Initial | QueueStatus::Processing)
}

async fn received(State(axis): State<LocalAxis>, headers: HeaderMap) -> Reply {
    let caller = axis.authenticate(&headers)?;
    let kind = caller
        .param("messagetype")
        .and_then(MessageType::parse)
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "messagetype phải là edoc hoặc status",
            )
        })?;
    let items: Vec<ReceivedItem> = axis
        .lock()
        .items
        .iter()
        .filter(|i| i.message_type == kind && pending(i) && visible(&caller, i))
        .map(|i| ReceivedItem {
            doc_id: i.doc_id.clone(),
            service_type: "eDoc".into(),
            message_type: i.message_type,
            from: i.from.clone(),
            to: i.to.clone(),
            status: i.status,
            status_desc: i.status.as_str().into(),
            created_time: vn_time(i.created),
        })
        .collect();
    let mut answer = Answer::ok();
    answer.data = Some(serde_json::to_value(items).unwrap_or_default());
    Ok(axum::Json(answer))
}

fn find<'q>(
    queue: &'q mut Queue,
    caller: &Caller,
    doc_id: &str,
) -> Result<&'q mut QueueItem, Refusal> {
    queue
        .items
        .iter_mut()
        .find(|i| i.doc_id == doc_id && visible(caller, i))
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, format!("không có văn bản {doc_id}")))
}

async fn get(State(axis): State<LocalAxis>, headers: HeaderMap) -> Reply {
    let caller = axis.authenticate(&headers)?;
    let doc_id = caller
        .param("docId")
        .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "thiếu docId"))?
        .to_owned();
    let mut queue = axis.lock();
    let item = find(&mut queue, &caller, &doc_id)?;
    if item.status == QueueStatus::Initial {
        item.status = QueueStatus::Processing;
    }
    let mut answer = Answer::ok();
    answer.data = Some(serde_json::Value::String(
        base64::engine::general_purpose::STANDARD.encode(item.package.as_slice()),
    ));
    Ok(axum::Json(answer))
}

async fn update_status(State(axis): State<LocalAxis>, headers: HeaderMap) -> Reply {
    let caller = axis.authenticate(&headers)?;
    let doc_id = caller
        .param("docId")
        .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "thiếu docId"))?
        .to_owned();
    let status = caller
        .param("status")
        .and_then(QueueStatus::parse)
        .filter(|s| *s != QueueStatus::Initial)
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "status phải là done, fail hoặc processing",
            )
        })?;
    let mut queue = axis.lock();
    find(&mut queue, &caller, &doc_id)?.status = status;
    Ok(axum::Json(Answer::ok()))
}

async fn agencies(State(axis): State<LocalAxis>, headers: HeaderMap) -> Reply {
    axis.authenticate(&headers)?;
    let mut answer = Answer::ok();
    answer.data = Some(serde_json::to_value(&axis.config.agencies).unwrap_or_default());
    Ok(axum::Json(answer))
}

async fn count(axis: &LocalAxis, headers: &HeaderMap, kind: MessageType) -> Reply {
    let caller = axis.authenticate(headers)?;
    let n = axis
        .lock()
        .items
        .iter()
        .filter(|i| i.message_type == kind && pending(i) && visible(&caller, i))
        .count();
    let mut answer = Answer::ok();
    answer.count = Some(n as u64);
    Ok(axum::Json(answer))
}

async fn count_edoc(State(axis): State<LocalAxis>, headers: HeaderMap) -> Reply {
    count(&axis, &headers, MessageType::Edoc).await
}

async fn count_status(State(axis): State<LocalAxis>, headers: HeaderMap) -> Reply {
    count(&axis, &headers, MessageType::Status).await
}

/// The directory of the demo: the province's council and agencies and two
/// communes. The codes are invented in the canonical form; the real ones
/// come from the axis's list (see the reference §7).
pub fn demo_agencies() -> Vec<AgencyEntry> {
    let entry = |code: &str, name: &str, pid: &str| AgencyEntry {
        code: code.into(),
        id: code.into(),
        name: name.into(),
        mail: String::new(),
        pid: pid.into(),
        old_code: String::new(),
    };
    vec![
        entry("000.00.00.H41", "UBND tỉnh Nghệ An", ""),
        entry("000.00.01.H41", "HĐND tỉnh Nghệ An", ""),
        entry("000.00.12.H41", "Sở Xây dựng tỉnh Nghệ An", "000.00.00.H41"),
        entry(
            "000.00.13.H41",
            "Sở Tài chính tỉnh Nghệ An",
            "000.00.00.H41",
        ),
        entry(
            "000.00.14.H41",
            "Sở Nông nghiệp và Môi trường tỉnh Nghệ An",
            "000.00.00.H41",
        ),
        entry("001.29.00.H41", "HĐND xã Anh Sơn", "000.00.01.H41"),
        entry("002.29.00.H41", "UBND xã Anh Sơn", "000.00.00.H41"),
        entry("000.00.00.G22", "Văn phòng Chính phủ", ""),
    ]
}

/// The shared account of the demo and of tests: it speaks for every agency
/// of the directory. Never use it against a real axis.
pub fn demo_account(system_id: &str, secret: &str) -> SystemAccount {
    SystemAccount {
        system_id: system_id.into(),
        secret: secret.into(),
        organs: Vec::new(),
    }
}
