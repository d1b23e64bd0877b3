//! Receiving an upload: the file streams to a temporary file while its
//! hash is taken, is checked by its content, and only then is kept and
//! recorded. A refused file leaves nothing behind.

use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use nghitruong_docs::{Inspected, StoredBlob, inspect, is_over_limit};
use nghitruong_domain::document::{Classification, DocumentKind};
use nghitruong_domain::text;
use nghitruong_store::{NewDocument, NewVersion};

use super::{AudienceFields, blobs, go, readable, refusal, session_here};
use crate::AppState;
use crate::auth::Signed;
use crate::auth::login::audit_context;
use crate::error::{AppError, AppResult};

/// What came with the file.
#[derive(Default)]
struct Fields {
    title: String,
    kind: String,
    item: String,
    classification: String,
    audience: AudienceFields,
}

/// A received, checked and kept file.
struct Received {
    blob: StoredBlob,
    inspected: Inspected,
    file_name: String,
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

fn too_large(state: &AppState) -> AppError {
    bad(format!(
        "Tệp lớn hơn giới hạn cho phép ({} MB).",
        state.config.upload_limits.max_bytes / (1024 * 1024)
    ))
}

/// Reads the form; the file goes to disk as it arrives.
async fn receive(state: &AppState, mut form: Multipart) -> AppResult<(Fields, Option<Received>)> {
    let mut fields = Fields::default();
    let mut received = None;
    let limit = state.config.upload_limits.max_bytes;
    while let Some(mut field) = form.next_field().await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            too_large(state)
        } else {
            bad("Biểu mẫu tải lên không đúng định dạng. Vui lòng thử lại.")
        }
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if received.is_some() {
                return Err(bad("Mỗi lần chỉ tải lên một tệp."));
            }
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let blobs = blobs(state)?;
            let mut incoming = blobs
                .begin(limit)
                .map_err(|e| AppError::Internal(e.into()))?;
            loop {
                let chunk = field.chunk().await.map_err(|e| {
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        too_large(state)
                    } else {
                        bad("Tệp tải lên bị gián đoạn. Vui lòng thử lại.")
                    }
                })?;
                let Some(chunk) = chunk else { break };
                incoming.write(&chunk).await.map_err(|e| {
                    if is_over_limit(&e) {
                        too_large(state)
                    } else {
                        AppError::Internal(e.into())
                    }
                })?;
            }
            let staged = incoming
                .finish()
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            if staged.blob().size == 0 {
                continue;
            }
            // TODO(#3): the checks read the whole file into memory (lopdf
            // parses from a buffer), so a 50 MB upload costs ~100 MB while it
            // is checked. Fine for an office uploading one file at a time.
            let bytes = staged
                .read()
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            let limits = state.config.upload_limits;
            let inspected = tokio::task::spawn_blocking(move || inspect(&bytes, &limits))
                .await
                .map_err(|e| AppError::Internal(e.into()))?
                .map_err(|rejection| bad(rejection.to_string()))?;
            let blob = staged
                .keep()
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            received = Some(Received {
                blob,
                inspected,
                file_name,
            });
        } else {
            let value = field
                .text()
                .await
                .map_err(|_| bad("Biểu mẫu tải lên không đúng định dạng. Vui lòng thử lại."))?;
            if value.len() > 10_000 {
                return Err(bad("Nội dung một ô nhập quá dài."));
            }
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
    }
    Ok((fields, received))
}

/// A display name for the uploaded file: its own name cleaned, with the
/// extension its content calls for. Never used as a path.
fn display_name(raw: &str, title: &str, r: &Inspected) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let stem = text::clean_line("Tên tệp", stem, 150)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| title.chars().take(150).collect());
    format!("{stem}.{}", r.format.extension())
}

fn version_of(received: Received, title: &str) -> NewVersion {
    NewVersion {
        file_name: display_name(&received.file_name, title, &received.inspected),
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
