//! Văn bản trả lời: the agency's officer records their agency's answer to a
//! forwarded petition with the signed letter as a file (PDF, DOCX or XLSX,
//! checked by its content), and everyone who may see the petition, or the
//! public once it is published, opens that letter.

use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use nghitruong_store::{AnswerFile, PetitionChange, StoredAnswerFile};

use super::{assigned_to_viewer, parse_day, petition_here, refusal};
use crate::AppState;
use crate::auth::Signed;
use crate::auth::login::audit_context;
use crate::error::{AppError, AppResult};
use crate::pages::documents::{Sent, send_blob};
use crate::uploads::receive_checked;
use nghitruong_domain::petition::DocumentRef;

/// Where the answer form posts (multipart, with the file).
pub(crate) const ANSWER_UPLOAD: &str = "/kien-nghi/{id}/tra-loi";

fn bad(message: &str) -> AppError {
    AppError::BadRequest(message.to_owned())
}

/// The agency officer records their agency's written answer, with the
/// signed letter when they attach it. The answer and its file are stored
/// together or not at all.
pub(crate) async fn answer(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Multipart,
) -> AppResult<Response> {
    let record = petition_here(&state, &viewer, id).await?;
    if !assigned_to_viewer(&viewer, &record) {
        return Err(AppError::Forbidden);
    }
    let (fields, file) = receive_checked(&state, form).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let version: i64 = field("version")
        .trim()
        .parse()
        .map_err(|_| bad("Biểu mẫu đã cũ; hãy tải lại trang."))?;
    let number = nghitruong_domain::text::clean_line("Số văn bản", field("number"), 100)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if number.is_empty() {
        return Err(bad("Hãy nhập số, ký hiệu của văn bản trả lời."));
    }
    let date = parse_day(field("date")).ok_or_else(|| bad("Ngày văn bản không hợp lệ."))?;
    if date > crate::pages::local_day(state.clock.now()) {
        return Err(bad("Ngày văn bản trả lời không được sau ngày hôm nay."));
    }
    let summary = field("summary").trim().to_owned();
    if summary.is_empty() {
        return Err(bad("Hãy tóm tắt nội dung trả lời."));
    }
    let file = file.map(|f| AnswerFile {
        file_name: f.display_name(&format!("Tra loi {number}")),
        sha256: f.blob.sha256,
        size: f.blob.size,
        format: f.inspected.format,
        pages: f.inspected.pages,
        text: f.inspected.text,
    });
    state
        .store
        .change_petition(
            id,
            version,
            &PetitionChange::RecordAnswer {
                document: DocumentRef { number, date },
                summary,
                file,
            },
            &audit_context(&state, &viewer, &headers),
        )
        .await
        .map_err(refusal)?;
    Ok(Redirect::to(&format!("/kien-nghi/{id}")).into_response())
}

async fn one_file(state: &AppState, petition_id: i64, file_id: i64) -> AppResult<StoredAnswerFile> {
    state
        .store
        .answer_files(petition_id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or(AppError::NotFound)
}

async fn send(state: &AppState, f: &StoredAnswerFile) -> AppResult<Response> {
    send_blob(
        state,
        &Sent {
            sha256: &f.file.sha256,
            size: f.file.size,
            format: f.file.format,
            file_name: &f.file.file_name,
            attachment: false,
            no_store: false,
        },
    )
    .await
}

/// The letter, for whoever may see the petition.
pub(crate) async fn answer_file(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    petition_here(&state, &viewer, id).await?;
    let f = one_file(&state, id, file_id).await?;
    send(&state, &f).await
}

/// The letter on the public portal, once the petition is published there.
pub(crate) async fn public_answer_file(
    State(state): State<AppState>,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let record = state.store.petition(id).await?;
    let p = &record.petition;
    if !p.status().is_published() || p.merged_into().is_some() {
        return Err(AppError::NotFound);
    }
    let f = one_file(&state, id, file_id).await?;
    send(&state, &f).await
}

/// A file as the petition page lists it.
pub(crate) struct AnswerFileRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) size: String,
    pub(crate) format: &'static str,
}

/// The files of a petition's answer, for its page.
pub(crate) async fn answer_file_rows(
    state: &AppState,
    petition_id: i64,
) -> AppResult<Vec<AnswerFileRow>> {
    Ok(state
        .store
        .answer_files(petition_id)
        .await?
        .into_iter()
        .map(|f| AnswerFileRow {
            id: f.id,
            size: crate::pages::documents::human_size(f.file.size),
            format: f.file.format.label(),
            name: f.file.file_name,
        })
        .collect())
}
