//! The exchange inside the product: sending documents through the outbox
//! (retried with exponential backoff, kept in the database so a restart
//! loses nothing), polling the inbox, registering what arrives as văn bản
//! đến the same day and telling the sender, recording the statuses that
//! come back, and caching the agency directory.

use std::sync::Arc;
use std::time::Duration;

use nghitruong_domain::clock::Clock;
use nghitruong_edxml::{
    BusinessDocType, DocumentPackage, Organization, Package, ResponseFor, StatusCode,
    ValidateOptions,
};
use nghitruong_store::exchange::{
    Agency, Incoming, NewIncoming, NewIncomingFile, NewOutboxItem, NewOutgoing, RecipientSeed,
    StatusReport,
};
use nghitruong_store::{AuditContext, Store, StoreError};
use time::{Date, OffsetDateTime, PrimitiveDateTime};
use tokio::sync::Notify;

use crate::api::{MessageType, QueueStatus};
use crate::client::{Exchange, ExchangeError};
use crate::compose::{self, Draft, Original};

/// How long to wait before the next attempt: `base · 2^attempts`, at most `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The first wait.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            max: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The wait after `attempts` failed attempts (0 = the first failure).
    pub fn delay(self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.min(30));
        self.base.saturating_mul(factor).min(self.max)
    }
}

/// What one pass over the outbox did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Packages the axis took.
    pub sent: usize,
    /// Packages to try again later.
    pub retried: usize,
    /// Packages the axis refused for good.
    pub failed: usize,
}

/// What one pass over the inbox did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Intake {
    /// Documents registered.
    pub registered: usize,
    /// Packages that had been registered before (re-deliveries).
    pub duplicates: usize,
    /// Packages refused (unreadable or invalid).
    pub refused: usize,
    /// Status packages recorded.
    pub statuses: usize,
}

/// What a person fills in to send a document.
#[derive(Clone, Debug, Default)]
pub struct Compose {
    /// Recipients' codes.
    pub to: Vec<String>,
    /// Số.
    pub number: String,
    /// Ký hiệu.
    pub notation: String,
    /// Tên loại.
    pub type_name: String,
    /// Trích yếu.
    pub subject: String,
    /// Ngày ban hành.
    pub date: Option<Date>,
    /// Chức vụ người ký.
    pub signer_position: String,
    /// Họ tên người ký.
    pub signer_name: String,
    /// The signed PDF.
    pub pdf: Option<(String, Vec<u8>)>,
    /// New, revoke, update, replace.
    pub business: Option<BusinessDocType>,
    /// The outgoing document acted on.
    pub original_id: Option<i64>,
    /// Why.
    pub reason: String,
    /// The document answered (phúc đáp), e.g. a council's letter
    /// forwarding petitions to the agency sending this one.
    pub reply_to: Option<ResponseFor>,
}

/// Why a document could not be sent; the message is for the person.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The input is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The exchange service of one deployment.
pub struct ExchangeService {
    store: Arc<dyn Store>,
    exchange: Arc<dyn Exchange>,
    clock: Arc<dyn Clock>,
    me: Organization,
    place: String,
    backoff: Backoff,
    wake: Notify,
}

const STAFF: &str = "Hệ thống Nghị trường";

impl ExchangeService {
    /// A service sending as `me`.
    pub fn new(
        store: Arc<dyn Store>,
        exchange: Arc<dyn Exchange>,
        clock: Arc<dyn Clock>,
        me: Organization,
        place: String,
        backoff: Backoff,
    ) -> Self {
        Self {
            store,
            exchange,
            clock,
            me,
            place,
            backoff,
            wake: Notify::new(),
        }
    }

    /// Us, as packages name us.
    pub fn me(&self) -> &Organization {
        &self.me
    }

    fn now_vn(&self) -> PrimitiveDateTime {
        let t = self.clock.now().to_offset(time::macros::offset!(+7));
        PrimitiveDateTime::new(t.date(), t.time())
    }

    fn system(&self) -> AuditContext {
        AuditContext::system(self.clock.now())
    }

    /// Asks the background loop to run now (after a send).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Checks a composed document, builds its package and puts it in the
    /// outbox. Returns the outgoing document's id.
    pub async fn send_document(
        &self,
        input: &Compose,
        staff: &str,
        ctx: &AuditContext,
    ) -> Result<i64, SendError> {
        let invalid = |m: &str| SendError::Invalid(m.to_owned());
        let business = input.business.unwrap_or(BusinessDocType::New);
        let original = match input.original_id {
            Some(id) => Some(self.store.outgoing(id).await.map_err(|e| match e {
                StoreError::NotFound => invalid("Không tìm thấy văn bản gốc."),
                other => SendError::Store(other),
            })?),
            None => None,
        };
        if business != BusinessDocType::New && original.is_none() {
            return Err(invalid(
                "Thu hồi, cập nhật hay thay thế phải chỉ rõ văn bản đã gửi.",
            ));
        }
        if let Some(o) = &original
            && o.state != "active"
        {
            return Err(invalid(
                "Văn bản gốc đã bị thu hồi, cập nhật hoặc thay thế trước đó.",
            ));
        }
        let mut codes: Vec<String> = input
            .to
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        if codes.is_empty()
            && let Some(o) = &original
        {
            codes = o.recipients.iter().map(|r| r.organ_id.clone()).collect();
        }
        codes.sort();
        codes.dedup();
        if codes.is_empty() {
            return Err(invalid("Vui lòng chọn ít nhất một đơn vị nhận."));
        }
        let directory = self.store.agencies().await?;
        let mut to = Vec::new();
        for code in &codes {
            let Some(agency) = directory.iter().find(|a| &a.code == code) else {
                return Err(SendError::Invalid(format!(
                    "Đơn vị nhận {code} không có trong danh mục của trục liên thông."
                )));
            };
            to.push(Organization {
                organ_id: agency.code.clone(),
                organ_name: agency.name.clone(),
                ..Organization::default()
            });
        }
        let pick = |given: &str, from_original: Option<&str>| {
            let given = given.trim();
            if given.is_empty() {
                from_original.unwrap_or_default().to_owned()
            } else {
                given.to_owned()
            }
        };
        let o = original.as_ref();
        let (number, notation, type_name, subject, date) = if business == BusinessDocType::Revoke {
            let o = o.ok_or_else(|| invalid("Thiếu văn bản gốc."))?;
            (
                o.number.clone(),
                o.notation.clone(),
                o.type_name.clone(),
                o.subject.clone(),
                o.issued_on,
            )
        } else {
            (
                pick(&input.number, o.map(|o| o.number.as_str())),
                pick(&input.notation, o.map(|o| o.notation.as_str())),
                pick(&input.type_name, o.map(|o| o.type_name.as_str())),
                pick(&input.subject, o.map(|o| o.subject.as_str())),
                input
                    .date
                    .or(o.map(|o| o.issued_on))
                    .unwrap_or(self.now_vn().date()),
            )
        };
        for (value, name, max) in [
            (&number, "Số văn bản", 11),
            (&notation, "Ký hiệu", 30),
            (&type_name, "Tên loại văn bản", 100),
            (&subject, "Trích yếu", 500),
        ] {
            if value.is_empty() {
                return Err(SendError::Invalid(format!(
                    "Vui lòng nhập {}.",
                    name.to_lowercase()
                )));
            }
            if value.chars().count() > max {
                return Err(SendError::Invalid(format!("{name} dài quá {max} ký tự.")));
            }
        }
        if business != BusinessDocType::New && input.reason.trim().is_empty() {
            return Err(invalid("Vui lòng nêu lý do."));
        }
        if business == BusinessDocType::New && input.pdf.is_none() {
            return Err(invalid("Vui lòng đính kèm văn bản PDF đã ký số."));
        }
        if let Some((_, bytes)) = &input.pdf
            && !bytes.starts_with(b"%PDF-")
        {
            return Err(invalid("Tệp đính kèm không phải PDF."));
        }
        let draft = Draft {
            from: self.me.clone(),
            to: to.clone(),
            number: number.clone(),
            notation: notation.clone(),
            type_name: type_name.clone(),
            subject: subject.clone(),
            place: self.place.clone(),
            date,
            signer_position: input.signer_position.trim().to_owned(),
            signer_name: input.signer_name.trim().to_owned(),
            pdf: input.pdf.clone(),
            business,
            original: o.map(|o| Original {
                document_id: o.document_id.clone(),
                code: format!("{}/{}", o.number, o.notation),
                date: o.issued_on,
            }),
            reason: input.reason.trim().to_owned(),
            reply_to: input.reply_to.clone().filter(|r| !r.is_empty()),
            staff: staff.to_owned(),
            at: self.now_vn(),
        };
        let package = compose::document(&draft);
        let options = ValidateOptions {
            today: Some(self.now_vn().date()),
            ..ValidateOptions::default()
        };
        let errors: Vec<String> = nghitruong_edxml::validate(&package, &options)
            .into_iter()
            .filter(|f| f.is_error())
            .map(|f| f.to_string())
            .collect();
        if !errors.is_empty() {
            return Err(SendError::Invalid(format!(
                "Gói edXML không hợp lệ: {}",
                errors.join("; ")
            )));
        }
        let Package::Document(doc) = &package else {
            return Err(invalid("Gói không phải văn bản."));
        };
        let new = NewOutgoing {
            document_id: doc.header.document_id.clone().unwrap_or_default(),
            business: business.code(),
            original_id: input.original_id,
            number,
            notation,
            type_name,
            subject,
            issued_on: date,
            reason: draft.reason.clone(),
            pdf_name: input.pdf.as_ref().map(|(n, _)| n.clone()),
            recipients: to
                .iter()
                .map(|o| RecipientSeed {
                    organ_id: o.organ_id.clone(),
                    organ_name: o.organ_name.clone(),
                })
                .collect(),
            package: nghitruong_edxml::to_bytes(&package),
        };
        let id = self
            .store
            .create_outgoing(&new, ctx)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => SendError::Invalid(m),
                other => SendError::Store(other),
            })?;
        self.wake();
        Ok(id)
    }

    /// Puts a status package about a received document in the outbox; the
    /// same status about the same document is enqueued once.
    pub async fn send_status(
        &self,
        incoming: &Incoming,
        code: StatusCode,
        description: Option<String>,
        staff: &str,
        ctx: &AuditContext,
    ) -> Result<i64, StoreError> {
        let about = ResponseFor {
            organ_id: incoming.from_organ_id.clone(),
            code: incoming.code.clone(),
            promulgation_date: incoming.issued_on,
            document_id: incoming.document_id.clone(),
        };
        self.enqueue_status(about, Some(incoming.id), code, description, staff, ctx)
            .await
    }

    async fn enqueue_status(
        &self,
        about: ResponseFor,
        incoming_id: Option<i64>,
        code: StatusCode,
        description: Option<String>,
        staff: &str,
        ctx: &AuditContext,
    ) -> Result<i64, StoreError> {
        // Progress statuses (04, 05, 06) may repeat over a document's life;
        // the others are sent once per document.
        let key = format!(
            "status:{}:{}:{}:{}",
            about.organ_id,
            about.document_id,
            code.as_str(),
            incoming_id.unwrap_or(0)
        );
        let summary = format!(
            "Trạng thái {} gửi {} về văn bản {}",
            code, about.organ_id, about.code
        );
        let package = compose::status(&self.me, about, code, description, staff, self.now_vn());
        let id = self
            .store
            .enqueue(
                &NewOutboxItem {
                    dedupe_key: key,
                    message_type: MessageType::Status.as_str().into(),
                    outgoing_id: None,
                    incoming_id,
                    summary,
                    package: nghitruong_edxml::to_bytes(&package),
                },
                ctx,
            )
            .await?;
        self.wake();
        Ok(id)
    }

    /// Sends every outbox item whose time has come.
    pub async fn deliver_due(&self) -> Result<Delivery, StoreError> {
        let mut report = Delivery::default();
        let due = self.store.due_outbox(self.clock.now(), 50).await?;
        for item in due {
            let kind = MessageType::parse(&item.message_type).unwrap_or(MessageType::Edoc);
            match self.exchange.send(kind, &item.package).await {
                Ok(doc_id) => {
                    self.store
                        .outbox_sent(item.id, &doc_id, &self.system())
                        .await?;
                    report.sent += 1;
                }
                Err(e) if e.is_retryable() => {
                    let next = self.clock.now() + self.backoff.delay(item.attempts);
                    self.store
                        .outbox_retry(item.id, next, &e.to_string())
                        .await?;
                    report.retried += 1;
                    tracing::info!(id = item.id, error = %e, "axis unreachable; will retry");
                    // The axis is down: the rest waits for the next pass.
                    break;
                }
                Err(e) => {
                    self.store
                        .outbox_failed(item.id, &e.to_string(), &self.system())
                        .await?;
                    report.failed += 1;
                    tracing::warn!(id = item.id, error = %e, "axis refused a package");
                }
            }
        }
        Ok(report)
    }

    /// Takes in what waits for us: documents, then statuses.
    pub async fn poll_inbox(&self) -> Result<Intake, PollError> {
        let mut intake = Intake::default();
        for item in self.exchange.received(MessageType::Edoc).await? {
            let bytes = self.exchange.get(&item.doc_id).await?;
            let outcome = self.take_document(&item.doc_id, &bytes).await?;
            match outcome {
                Taken::Registered => intake.registered += 1,
                Taken::Duplicate => intake.duplicates += 1,
                Taken::Refused => intake.refused += 1,
            }
            let ack = if outcome == Taken::Refused {
                QueueStatus::Fail
            } else {
                QueueStatus::Done
            };
            self.exchange.acknowledge(&item.doc_id, ack).await?;
        }
        for item in self.exchange.received(MessageType::Status).await? {
            let bytes = self.exchange.get(&item.doc_id).await?;
            let ack = match nghitruong_edxml::read(&bytes) {
                Ok(Package::Status(status)) => {
                    let h = &status.header;
                    let at = h
                        .timestamp
                        .map(|t| t.assume_offset(time::macros::offset!(+7)))
                        .unwrap_or_else(|| self.clock.now());
                    let report = StatusReport {
                        document_id: h.response_for.document_id.clone(),
                        about_organ_id: h.response_for.organ_id.clone(),
                        from_organ_id: h.from.organ_id.clone(),
                        status_code: h.status_code.as_str().to_owned(),
                        description: h.description.clone(),
                        at,
                    };
                    if self.store.record_status(&report, &self.system()).await? {
                        intake.statuses += 1;
                    } else {
                        // TODO(#7): match by ResponseFor/Code when a sender
                        // leaves DocumentId empty; ours always fill it.
                        tracing::warn!(document = %report.document_id, from = %report.from_organ_id,
                            "status about a document we did not send");
                    }
                    QueueStatus::Done
                }
                Ok(Package::Document(_)) | Err(_) => {
                    intake.refused += 1;
                    QueueStatus::Fail
                }
            };
            self.exchange.acknowledge(&item.doc_id, ack).await?;
        }
        Ok(intake)
    }

    async fn take_document(&self, axis_doc_id: &str, bytes: &[u8]) -> Result<Taken, StoreError> {
        let package = match nghitruong_edxml::read(bytes) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(%axis_doc_id, error = %e, "refused an unreadable package");
                return Ok(Taken::Refused);
            }
        };
        let Package::Document(doc) = &package else {
            return Ok(Taken::Refused);
        };
        let today = self.now_vn().date();
        let errors: Vec<String> = nghitruong_edxml::validate(&package, &ValidateOptions::default())
            .into_iter()
            .filter(|f| f.is_error())
            .map(|f| f.to_string())
            .collect();
        let about = response_for(doc);
        if !errors.is_empty() {
            tracing::warn!(%axis_doc_id, errors = ?errors, "refused an invalid package");
            if !doc.header.from.organ_id.is_empty() {
                let reason = format!("Gói edXML không hợp lệ: {}", errors.join("; "));
                self.enqueue_status(
                    about,
                    None,
                    StatusCode::Rejected,
                    Some(reason),
                    STAFF,
                    &self.system(),
                )
                .await?;
            }
            return Ok(Taken::Refused);
        }
        let h = &doc.header;
        let business = doc.business_type();
        let b = doc.trace.as_ref().and_then(|t| t.business.as_ref());
        let original_document_id = match business {
            BusinessDocType::Revoke => h.response_for.first().map(|r| r.document_id.clone()),
            BusinessDocType::Update => b.and_then(|b| b.document_id.clone()),
            BusinessDocType::Replace => b
                .and_then(|b| b.replacements.first())
                .map(|r| r.document_id.clone()),
            BusinessDocType::New | BusinessDocType::Other(_) => None,
        };
        let new = NewIncoming {
            fingerprint: compose::fingerprint(&package),
            axis_doc_id: axis_doc_id.to_owned(),
            from_organ_id: h.from.organ_id.clone(),
            from_name: h.from.organ_name.clone(),
            document_id: h.document_id.clone().unwrap_or_default(),
            code: h.code.as_ref().map(|c| c.combined()).unwrap_or_default(),
            type_name: h
                .document_type
                .as_ref()
                .map(|t| t.type_name.clone())
                .unwrap_or_default(),
            subject: h.subject.clone(),
            issued_on: h.promulgation.as_ref().and_then(|p| p.date),
            business: business.code(),
            original_document_id: original_document_id.clone(),
            reason: b.and_then(|b| b.reason.clone()),
            registered_on: today,
            files: doc
                .attachments
                .iter()
                .map(|a| NewIncomingFile {
                    name: a.name.clone(),
                    content_type: a
                        .content_type
                        .clone()
                        .unwrap_or_else(|| "application/octet-stream".into()),
                    content: a.content.clone(),
                })
                .collect(),
            package: bytes.to_vec(),
        };
        let ctx = self.system();
        let registration = self.store.register_incoming(&new, &ctx).await?;
        let incoming = self.store.incoming(registration.id).await?;
        match business {
            BusinessDocType::New | BusinessDocType::Other(_) => {
                self.send_status(&incoming, StatusCode::Arrived, None, STAFF, &ctx)
                    .await?;
                let note = format!(
                    "Đã vào sổ văn bản đến, số đến {}/{}",
                    registration.number, registration.year
                );
                self.send_status(&incoming, StatusCode::Accepted, Some(note), STAFF, &ctx)
                    .await?;
                self.store
                    .set_incoming_state(
                        incoming.id,
                        None,
                        Some(StatusCode::Accepted.as_str()),
                        &ctx,
                    )
                    .await?;
                if !registration.duplicate {
                    self.attach_answers(doc, &incoming, &ctx).await?;
                }
            }
            BusinessDocType::Revoke | BusinessDocType::Update | BusinessDocType::Replace => {
                let state = match business {
                    BusinessDocType::Revoke => "revoked",
                    BusinessDocType::Update => "updated",
                    _ => "replaced",
                };
                let target = match &original_document_id {
                    Some(id) => {
                        self.store
                            .incoming_by_document(&h.from.organ_id, id)
                            .await?
                    }
                    None => None,
                };
                let (code, note) = match &target {
                    Some(t) => {
                        self.store
                            .set_incoming_state(t.id, Some(state), None, &ctx)
                            .await?;
                        (StatusCode::ChangeAccepted, None)
                    }
                    None => (
                        StatusCode::ChangeRejected,
                        Some("Không tìm thấy văn bản gốc trong sổ văn bản đến".to_owned()),
                    ),
                };
                let about = match &target {
                    Some(t) => ResponseFor {
                        organ_id: t.from_organ_id.clone(),
                        code: t.code.clone(),
                        promulgation_date: t.issued_on,
                        document_id: t.document_id.clone(),
                    },
                    None => about,
                };
                self.enqueue_status(about, Some(incoming.id), code.clone(), note, STAFF, &ctx)
                    .await?;
                if business != BusinessDocType::Revoke {
                    self.send_status(&incoming, StatusCode::Accepted, None, STAFF, &ctx)
                        .await?;
                }
                self.store
                    .set_incoming_state(incoming.id, None, Some(code.as_str()), &ctx)
                    .await?;
            }
        }
        Ok(if registration.duplicate {
            Taken::Duplicate
        } else {
            Taken::Registered
        })
    }

    /// An agency's answer to petitions the council forwarded: a document
    /// whose `ResponseFor` names one of the council's forwarding letters
    /// (công văn chuyển kiến nghị) by its số/ký hiệu becomes the written
    /// answer of the petitions that letter forwarded, with the registered
    /// incoming document (and its files) as the answer's attachment.
    async fn attach_answers(
        &self,
        doc: &DocumentPackage,
        incoming: &nghitruong_store::exchange::Incoming,
        ctx: &AuditContext,
    ) -> Result<(), StoreError> {
        for about in doc
            .header
            .response_for
            .iter()
            .filter(|r| !r.code.is_empty())
        {
            if !about.organ_id.is_empty() && about.organ_id != self.me.organ_id {
                continue;
            }
            let answered = self
                .store
                .answer_by_letter(
                    &about.code,
                    &nghitruong_store::IncomingAnswer {
                        incoming_id: incoming.id,
                        code: incoming.code.clone(),
                        issued_on: incoming.issued_on.unwrap_or(incoming.registered_on),
                        summary: incoming.subject.clone(),
                        from_name: incoming.from_name.clone(),
                    },
                    ctx,
                )
                .await?;
            if !answered.is_empty() {
                tracing::info!(letter = %about.code, petitions = ?answered, "an agency's answer was attached to the forwarded petitions");
            }
        }
        Ok(())
    }

    /// Fetches the agency directory and caches it.
    pub async fn refresh_agencies(&self) -> Result<usize, PollError> {
        let list = self.exchange.agencies().await?;
        let agencies: Vec<Agency> = list
            .into_iter()
            .filter(|a| !a.code.trim().is_empty())
            .map(|a| Agency {
                code: a.code,
                name: a.name,
                parent: Some(a.pid).filter(|p| !p.is_empty()),
            })
            .collect();
        Ok(self
            .store
            .replace_agencies(&agencies, &self.system())
            .await?)
    }

    /// Runs the outbox, the inbox and (hourly) the directory every `every`,
    /// or sooner when [`Self::wake`] is called, until the task is aborted.
    pub fn spawn(self: Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut directory_at: Option<OffsetDateTime> = None;
            loop {
                let now = self.clock.now();
                if directory_at.is_none_or(|t| now - t > time::Duration::hours(1)) {
                    match self.refresh_agencies().await {
                        Ok(n) => {
                            directory_at = Some(now);
                            tracing::debug!(agencies = n, "agency directory refreshed");
                        }
                        Err(e) => tracing::info!(error = %e, "agency directory not refreshed"),
                    }
                }
                if let Err(e) = self.deliver_due().await {
                    tracing::warn!(error = %e, "outbox pass failed");
                }
                match self.poll_inbox().await {
                    Ok(i) if i != Intake::default() => tracing::info!(?i, "inbox polled"),
                    Ok(_) => {}
                    Err(e) => tracing::info!(error = %e, "inbox not polled"),
                }
                if let Err(e) = self.deliver_due().await {
                    tracing::warn!(error = %e, "outbox pass failed");
                }
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    () = self.wake.notified() => {}
                }
            }
        })
    }
}

/// Names the document a status is about.
fn response_for(doc: &DocumentPackage) -> ResponseFor {
    let h = &doc.header;
    ResponseFor {
        organ_id: h.from.organ_id.clone(),
        code: h.code.as_ref().map(|c| c.combined()).unwrap_or_default(),
        promulgation_date: h.promulgation.as_ref().and_then(|p| p.date),
        document_id: h.document_id.clone().unwrap_or_default(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Taken {
    Registered,
    Duplicate,
    Refused,
}

/// Why a pass over the inbox stopped.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The axis failed.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_limit() {
        let b = Backoff {
            base: Duration::from_secs(5),
            max: Duration::from_secs(60),
        };
        let waits: Vec<u64> = (0..6).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
        assert_eq!(b.delay(u32::MAX).as_secs(), 60);
    }
}
