//! Receiving an upload: the file streams to a temporary file while its
//! hash is taken, is checked by its content, and only then is kept and
//! recorded. A refused file leaves nothing behind.

use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use nghitruong_domain::document::{Classification, DocumentKind};
use nghitruong_domain::text;
use nghitruong_store::{NewDocument, NewVersion};

use super::{AudienceFields, go, readable, refusal, session_here};
use crate::AppState;
use crate::auth::Signed;
use crate::auth::login::audit_context;
use crate::error::{AppError, AppResult};
use crate::uploads::{CheckedFile, receive_checked};

/// What came with the file.
#[derive(Default)]
struct Fields {
    title: String,
    kind: String,
    item: String,
    classification: String,
    audience: AudienceFields,
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

/// Reads the form; the file goes to disk as it arrives.
async fn receive(state: &AppState, form: Multipart) -> AppResult<(Fields, Option<CheckedFile>)> {
    let (values, received) = receive_checked(state, form).await?;
    let mut fields = Fields::default();
    for (name, value) in values {
        match name.as_str() {
            "title" => fields.title = value,
            "kind" => fields.kind = value,
            "item" => fields.item = value,
            "classification" => fields.classification = value,
            other => {
                fields.audience.take(other, value);
            }
        }
    }
    Ok((fields, received))
}

fn version_of(received: CheckedFile, title: &str) -> NewVersion {
    NewVersion {
        file_name: received.display_name(title),
        sha256: received.blob.sha256,
        size: received.blob.size,
        format: received.inspected.format,
        pages: received.inspected.pages,
        text: received.inspected.text,
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Multipart,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    if !s.status.is_editable() {
        return Err(bad("Kỳ họp đã bế mạc; không thể thêm tài liệu."));
    }
    let (fields, received) = receive(&state, form).await?;
    let received =
        received.ok_or_else(|| bad("Vui lòng chọn tệp tài liệu (PDF, DOCX hoặc XLSX)."))?;
    let title =
        text::clean_line("Tên tài liệu", &fields.title, 300).map_err(|e| bad(e.to_string()))?;
    let kind: DocumentKind = fields
        .kind
        .parse()
        .map_err(|_| bad("Vui lòng chọn loại tài liệu."))?;
    let classification: Classification = fields
        .classification
        .parse()
        .map_err(|_| bad("Vui lòng chọn độ mật của tài liệu."))?;
    let agenda_item_id = agenda_item(&state, s.id, &fields.item).await?;
    let audience = fields.audience.grants(&state, &viewer).await?;
    let new = NewDocument {
        session_id: s.id,
        agenda_item_id,
        kind,
        title: title.clone(),
        classification,
        audience,
    };
    let id = state
        .store
        .create_document(
            &new,
            &version_of(received, &title),
            viewer.user.id,
            &audit_context(&state, &viewer, &headers),
        )
        .await?;
    state.live.publish(s.id, "tai-lieu");
    Ok(go(&headers, &format!("/tai-lieu/{id}")))
}

async fn agenda_item(state: &AppState, session_id: i64, raw: &str) -> AppResult<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() || raw == "0" {
        return Ok(None);
    }
    let id: i64 = raw
        .parse()
        .map_err(|_| bad("Nội dung chương trình không hợp lệ."))?;
    let agenda = state.store.agenda(session_id).await?;
    if !agenda.iter().any(|a| a.id == id) {
        return Err(bad("Nội dung chương trình không thuộc kỳ họp này."));
    }
    Ok(Some(id))
}

pub(crate) async fn new_version(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Multipart,
) -> AppResult<Response> {
    let (doc, session) = readable(&state, &viewer, id).await?;
    if !session.status.is_editable() {
        return Err(bad("Kỳ họp đã bế mạc; không thể cập nhật tài liệu."));
    }
    let (_, received) = receive(&state, form).await?;
    let received = received.ok_or_else(|| bad("Vui lòng chọn tệp của phiên bản mới."))?;
    state
        .store
        .add_version(
            doc.id,
            &version_of(received, &doc.title),
            viewer.user.id,
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(refusal)?;
    state.live.publish(doc.session_id, "tai-lieu");
    Ok(go(&headers, &format!("/tai-lieu/{}", doc.id)))
}
