//! Liên thông văn bản: văn bản đi (compose and send a document with its
//! signed PDF, each recipient's status, revoke, update, replace) and văn
//! bản đến (documents received through the axis, registered, with their
//! files, and the statuses we report back).

use std::sync::Arc;

use crate::form::Form;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_axis::{Compose, ExchangeService, SendError};
use nghitruong_edxml::{BusinessDocType, StatusCode as Status};
use nghitruong_store::exchange::{Agency, Incoming, Outgoing};
use serde::Deserialize;

use super::{local_date, local_time};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::routes::{Route, r};

/// The routes of the exchange, all under the ExchangeDocuments permission.
pub(crate) fn routes() -> Vec<Route> {
    use crate::auth::Access::Permission as Perm;
    use axum::http::Method;
    use axum::routing::{get, post};
    use nghitruong_domain::access::Permission as P;
    let p = Perm(P::ExchangeDocuments);
    vec![
        r(Method::GET, "/van-ban-di", p, get(outbox)),
        r(
            Method::POST,
            "/van-ban-di",
            p,
            post(send).layer(DefaultBodyLimit::disable()),
        ),
        r(Method::GET, "/van-ban-di/{id}", p, get(outgoing)),
        r(Method::POST, "/van-ban-di/{id}/thu-hoi", p, post(revoke)),
        r(Method::GET, "/van-ban-den", p, get(inbox)),
        r(Method::GET, "/van-ban-den/{id}", p, get(incoming)),
        r(Method::GET, "/van-ban-den/{id}/tep/{file}", p, get(file)),
        r(
            Method::POST,
            "/van-ban-den/{id}/trang-thai",
            p,
            post(report),
        ),
    ]
}

fn service(state: &AppState) -> Option<&Arc<ExchangeService>> {
    state.exchange.as_ref()
}

/// The label of a status code as people read it.
fn status_label(code: Option<&str>) -> String {
    match code {
        None => "Chưa có phản hồi".into(),
        Some(c) => Status::parse(c).label().to_owned(),
    }
}

fn business_label(code: u32) -> &'static str {
    BusinessDocType::from_code(code).label()
}

fn state_label(state: &str) -> &'static str {
    match state {
        "active" => "Đang hiệu lực",
        "registered" => "Đã vào sổ",
        "revoked" => "Đã thu hồi",
        "updated" => "Đã cập nhật",
        "replaced" => "Đã thay thế",
        _ => "Không rõ",
    }
}

/// A recipient line.
pub(crate) struct RecipientRow {
    pub(crate) organ_id: String,
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) code: String,
    pub(crate) note: String,
    pub(crate) at: String,
}

/// An outgoing document line.
pub(crate) struct OutgoingRow {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) subject: String,
    pub(crate) business: &'static str,
    pub(crate) date: String,
    pub(crate) state: &'static str,
    pub(crate) delivery: String,
    pub(crate) delivery_error: String,
    pub(crate) recipients: Vec<RecipientRow>,
}

fn outgoing_row(o: &Outgoing) -> OutgoingRow {
    let (delivery, delivery_error) = match &o.delivery {
        Some(d) => (
            format!("{} ({} lần gửi)", d.state.label(), d.attempts),
            d.last_error.clone().unwrap_or_default(),
        ),
        None => ("Chưa gửi".into(), String::new()),
    };
    OutgoingRow {
        id: o.id,
        code: format!("{}/{}", o.number, o.notation),
        subject: o.subject.clone(),
        business: business_label(o.business),
        date: local_date(o.issued_on),
        state: state_label(&o.state),
        delivery,
        delivery_error,
        recipients: o
            .recipients
            .iter()
            .map(|r| RecipientRow {
                organ_id: r.organ_id.clone(),
                name: r.organ_name.clone(),
                status: status_label(r.status_code.as_deref()),
                code: r.status_code.clone().unwrap_or_default(),
                note: r.description.clone().unwrap_or_default(),
                at: r.updated_at.map(local_time).unwrap_or_default(),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "exchange_outbox.html")]
struct OutboxPage {
    layout: Layout,
    configured: bool,
    me: String,
    agencies: Vec<Agency>,
    rows: Vec<OutgoingRow>,
    error: Option<String>,
    form: SendFields,
}

/// What the compose form holds, kept when it is shown again with an error.
#[derive(Clone, Debug, Default)]
pub(crate) struct SendFields {
    pub(crate) to: Vec<String>,
    pub(crate) number: String,
    pub(crate) notation: String,
    pub(crate) type_name: String,
    pub(crate) subject: String,
    pub(crate) date: String,
    pub(crate) signer_position: String,
    pub(crate) signer_name: String,
    pub(crate) business: String,
    pub(crate) original_id: String,
    pub(crate) reason: String,
}

async fn outbox_page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    error: Option<String>,
    form: SendFields,
) -> AppResult<Response> {
    let rows = state
        .store
        .outgoing_list(100)
        .await?
        .iter()
        .map(outgoing_row)
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = OutboxPage {
        layout: Layout::signed(state, viewer, csrf, "Văn bản đi", "/van-ban-di").await?,
        configured: service(state).is_some(),
        me: service(state)
            .map(|s| format!("{} ({})", s.me().organ_name, s.me().organ_id))
            .unwrap_or_default(),
        agencies: state.store.agencies().await?,
        rows,
        error,
        form,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn outbox(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    outbox_page(&state, &viewer, &csrf, None, SendFields::default()).await
}

/// Keeps the last part of an uploaded file's name, without control
/// characters, at most 200 characters.
fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "van-ban.pdf".into()
    } else {
        cleaned
    }
}

fn parse_day(s: &str) -> Result<Option<time::Date>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map(Some)
        .map_err(|_| "Ngày ban hành không hợp lệ (định dạng năm-tháng-ngày).".to_owned())
}

/// Reads the compose form; a file too large or a broken body is an error
/// message, never a half-read document.
async fn read_form(mut form: Multipart) -> Result<(SendFields, Option<(String, Vec<u8>)>), String> {
    let mut fields = SendFields::default();
    let mut pdf = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err("Tệp đính kèm quá lớn (tối đa 20 MB).".into());
            }
            Err(_) => return Err("Không đọc được dữ liệu gửi lên. Vui lòng thử lại.".into()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "pdf" {
            let file_name = clean_file_name(field.file_name().unwrap_or_default());
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    "Tệp đính kèm quá lớn (tối đa 20 MB).".to_owned()
                } else {
                    "Không đọc được tệp đính kèm. Vui lòng thử lại.".to_owned()
                }
            })?;
            if !bytes.is_empty() {
                pdf = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let value = field
            .text()
            .await
            .map_err(|_| "Dữ liệu gửi lên có ký tự không hợp lệ.".to_owned())?;
        if value.chars().count() > 2000 {
            return Err("Một trường nhập quá dài.".into());
        }
        match name.as_str() {
            "to" => fields.to.push(value),
            "number" => fields.number = value,
            "notation" => fields.notation = value,
            "type_name" => fields.type_name = value,
            "subject" => fields.subject = value,
            "date" => fields.date = value,
            "signer_position" => fields.signer_position = value,
            "signer_name" => fields.signer_name = value,
            "business" => fields.business = value,
            "original_id" => fields.original_id = value,
            "reason" => fields.reason = value,
            _ => {}
        }
    }
    Ok((fields, pdf))
}

fn compose_of(fields: &SendFields, pdf: Option<(String, Vec<u8>)>) -> Result<Compose, String> {
    let business = match fields.business.as_str() {
        "" | "0" => BusinessDocType::New,
        "2" => BusinessDocType::Update,
        "3" => BusinessDocType::Replace,
        _ => return Err("Loại nghiệp vụ không hợp lệ.".into()),
    };
    let original_id = match fields.original_id.trim() {
        "" => None,
        s => Some(
            s.parse::<i64>()
                .map_err(|_| "Văn bản gốc không hợp lệ.".to_owned())?,
        ),
    };
    Ok(Compose {
        to: fields.to.clone(),
        number: fields.number.clone(),
        notation: fields.notation.clone(),
        type_name: fields.type_name.clone(),
        subject: fields.subject.clone(),
        date: parse_day(&fields.date)?,
        signer_position: fields.signer_position.clone(),
        signer_name: fields.signer_name.clone(),
        pdf,
        business: Some(business),
        original_id,
        reason: fields.reason.clone(),
        reply_to: None,
    })
}

async fn send(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    form: Multipart,
) -> AppResult<Response> {
    let Some(exchange) = service(&state).cloned() else {
        return Err(AppError::BadRequest(
            "Chưa cấu hình liên thông văn bản (mục [exchange] trong tệp cấu hình).".into(),
        ));
    };
    let (fields, pdf) = match read_form(form).await {
        Ok(v) => v,
        Err(e) => return outbox_page(&state, &viewer, &csrf, Some(e), SendFields::default()).await,
    };
    let input = match compose_of(&fields, pdf) {
        Ok(c) => c,
        Err(e) => return outbox_page(&state, &viewer, &csrf, Some(e), fields).await,
    };
    let ctx = audit_context(&state, &viewer, &headers);
    match exchange
        .send_document(&input, &viewer.user.display_name, &ctx)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/van-ban-di/{id}")).into_response()),
        Err(SendError::Invalid(e)) => outbox_page(&state, &viewer, &csrf, Some(e), fields).await,
        Err(SendError::Store(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "exchange_outgoing.html")]
struct OutgoingPage {
    layout: Layout,
    doc: OutgoingRow,
    active: bool,
    reason: String,
    original_id: Option<i64>,
    error: Option<String>,
}

async fn outgoing_page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    id: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let doc = state.store.outgoing(id).await?;
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let title = format!("Văn bản đi {}/{}", doc.number, doc.notation);
    let page = OutgoingPage {
        layout: Layout::signed(state, viewer, csrf, &title, "/van-ban-di").await?,
        active: doc.state == "active" && service(state).is_some(),
        reason: doc.reason.clone(),
        original_id: doc.original_id,
        doc: outgoing_row(&doc),
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn outgoing(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    outgoing_page(&state, &viewer, &csrf, id, None).await
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn revoke(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let Some(exchange) = service(&state).cloned() else {
        return Err(AppError::BadRequest(
            "Chưa cấu hình liên thông văn bản.".into(),
        ));
    };
    let reason = form.reason.trim();
    if reason.chars().count() > 500 {
        return outgoing_page(
            &state,
            &viewer,
            &csrf,
            id,
            Some("Lý do dài quá 500 ký tự.".into()),
        )
        .await;
    }
    let input = Compose {
        business: Some(BusinessDocType::Revoke),
        original_id: Some(id),
        reason: reason.to_owned(),
        ..Compose::default()
    };
    let ctx = audit_context(&state, &viewer, &headers);
    match exchange
        .send_document(&input, &viewer.user.display_name, &ctx)
        .await
    {
        Ok(new_id) => Ok(Redirect::to(&format!("/van-ban-di/{new_id}")).into_response()),
        Err(SendError::Invalid(e)) => outgoing_page(&state, &viewer, &csrf, id, Some(e)).await,
        Err(SendError::Store(e)) => Err(e.into()),
    }
}

/// An incoming document line.
pub(crate) struct IncomingRow {
    pub(crate) id: i64,
    pub(crate) number: String,
    pub(crate) registered_on: String,
    pub(crate) from: String,
    pub(crate) code: String,
    pub(crate) type_name: String,
    pub(crate) subject: String,
    pub(crate) business: &'static str,
    pub(crate) state: &'static str,
    pub(crate) last_status: String,
    pub(crate) reason: String,
    pub(crate) files: Vec<(i64, String, String)>,
}

fn incoming_row(d: &Incoming) -> IncomingRow {
    IncomingRow {
        id: d.id,
        number: format!("{}/{}", d.reg_number, d.reg_year),
        registered_on: local_date(d.registered_on),
        from: format!("{} ({})", d.from_name, d.from_organ_id),
        code: d.code.clone(),
        type_name: d.type_name.clone(),
        subject: d.subject.clone(),
        business: business_label(d.business),
        state: state_label(&d.state),
        last_status: status_label(d.last_status.as_deref()),
        reason: d.reason.clone().unwrap_or_default(),
        files: d
            .files
            .iter()
            .map(|f| (f.id, f.name.clone(), format_size(f.size)))
            .collect(),
    }
}

fn format_size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

#[derive(Template)]
#[template(path = "exchange_inbox.html")]
struct InboxPage {
    layout: Layout,
    configured: bool,
    rows: Vec<IncomingRow>,
}

async fn inbox(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    let rows = state
        .store
        .incoming_list(200)
        .await?
        .iter()
        .map(incoming_row)
        .collect();
    let page = InboxPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Văn bản đến", "/van-ban-den").await?,
        configured: service(&state).is_some(),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

/// The statuses a person may report about a received document.
const REPORTABLE: [Status; 4] = [
    Status::Assigned,
    Status::Processing,
    Status::Finished,
    Status::Rejected,
];

#[derive(Template)]
#[template(path = "exchange_incoming.html")]
struct IncomingPage {
    layout: Layout,
    doc: IncomingRow,
    can_report: bool,
    choices: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    notice: Option<String>,
}

async fn incoming_page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    id: i64,
    error: Option<String>,
    notice: Option<String>,
) -> AppResult<Response> {
    let doc = state.store.incoming(id).await?;
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let title = format!("Văn bản đến số {}/{}", doc.reg_number, doc.reg_year);
    let page = IncomingPage {
        layout: Layout::signed(state, viewer, csrf, &title, "/van-ban-den").await?,
        can_report: service(state).is_some() && doc.state == "registered" && doc.business == 0,
        choices: REPORTABLE.iter().map(|s| (s.as_str(), s.label())).collect(),
        doc: incoming_row(&doc),
        error,
        notice,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn incoming(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    incoming_page(&state, &viewer, &csrf, id, None, None).await
}

async fn file(
    State(state): State<AppState>,
    Signed(_viewer): Signed,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (info, bytes) = state.store.incoming_file(id, file_id).await?;
    // Only a PDF is shown inline; anything else downloads as bytes.
    let is_pdf = info.content_type == "application/pdf" && bytes.starts_with(b"%PDF-");
    let content_type = if is_pdf {
        "application/pdf"
    } else {
        "application/octet-stream"
    };
    let ascii: String = info
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(&info.name, percent_encoding::NON_ALPHANUMERIC);
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if is_pdf { "inline" } else { "attachment" }
    );
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct ReportForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    reason: String,
}

async fn report(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let Some(exchange) = service(&state).cloned() else {
        return Err(AppError::BadRequest(
            "Chưa cấu hình liên thông văn bản.".into(),
        ));
    };
    let doc = state.store.incoming(id).await?;
    let code = Status::parse(form.code.trim());
    let bad = |m: &str| Some(m.to_owned());
    let error = if !REPORTABLE.contains(&code) {
        bad("Vui lòng chọn trạng thái.")
    } else if code == Status::Rejected && form.reason.trim().is_empty() {
        bad("Từ chối tiếp nhận phải nêu lý do.")
    } else if form.reason.chars().count() > 500 {
        bad("Lý do dài quá 500 ký tự.")
    } else if doc.state != "registered" || doc.business != 0 {
        bad("Văn bản này không còn nhận báo cáo trạng thái.")
    } else {
        None
    };
    if error.is_some() {
        return incoming_page(&state, &viewer, &csrf, id, error, None).await;
    }
    let ctx = audit_context(&state, &viewer, &headers);
    let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
    exchange
        .send_status(&doc, code.clone(), reason, &viewer.user.display_name, &ctx)
        .await?;
    state
        .store
        .set_incoming_state(id, None, Some(code.as_str()), &ctx)
        .await?;
    let notice = format!("Đã gửi trạng thái “{}” cho đơn vị gửi.", code.label());
    incoming_page(&state, &viewer, &csrf, id, None, Some(notice)).await
}
