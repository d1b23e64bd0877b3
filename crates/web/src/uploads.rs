//! File uploads: the CSRF token of a multipart form, read from its `_csrf`
//! field so that an upload works without JavaScript. (Body limits are set
//! per route in `routes.rs`.)

use axum::body::Body;
use axum::extract::{Multipart, Request};
use axum::http::header;

use crate::AppError;

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// Most upload bodies held in memory at once (each up to the upload
/// limit) while their token is checked; more wait their turn.
const MAX_BUFFERED: usize = 4;

static BUFFERING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_BUFFERED);

/// Leave to hold an upload's body in memory; given back when dropped.
pub(crate) type Buffering = tokio::sync::SemaphorePermit<'static>;

/// Reads the `_csrf` field of a multipart body and hands the request on
/// with the same body when `ok` accepts it, with the permit the caller
/// keeps until the request is answered.
// TODO(#3): the body is held in memory (up to the upload limit) while its
// token is found; streaming it needs every upload handler to check a
// token field that comes first. Acceptable for now: only for a signed-in
// person, at most MAX_BUFFERED bodies at once.
pub(crate) async fn check_multipart_token(
    req: Request,
    limit: usize,
    ok: impl Fn(&str) -> bool,
) -> Result<(Request, Buffering), AppError> {
    if !is_multipart(&req) {
        return Err(AppError::Csrf);
    }
    let permit = BUFFERING
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge)?;
    // Read with multer itself: axum's extractor would apply its default
    // 2 MB limit here, before the route's own, and refuse every larger
    // upload as a bad token. The body is already within `limit`.
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or(AppError::Csrf)?;
    let once =
        futures_util::stream::once(std::future::ready(Ok::<_, std::io::Error>(bytes.clone())));
    let mut form = multer::Multipart::new(once, boundary);
    let mut accepted = false;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("_csrf") {
            accepted = field.text().await.is_ok_and(|t| ok(&t));
            break;
        }
    }
    if !accepted {
        return Err(AppError::Csrf);
    }
    Ok((Request::from_parts(parts, Body::from(bytes)), permit))
}

// --- Checked files ---------------------------------------------------------------------

/// A file received from a form, checked by its content and kept in the
/// document folder.
pub(crate) struct CheckedFile {
    /// Where its bytes are.
    pub(crate) blob: nghitruong_docs::StoredBlob,
    /// What its content is.
    pub(crate) inspected: nghitruong_docs::Inspected,
    /// The name the sender's browser gave it (never used as a path).
    pub(crate) file_name: String,
}

impl CheckedFile {
    /// A display name: the sender's name cleaned, with the extension its
    /// content calls for, or `fallback` when nothing usable is left.
    pub(crate) fn display_name(&self, fallback: &str) -> String {
        let base = self
            .file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default();
        let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
        let stem = nghitruong_domain::text::clean_line("Tên tệp", stem, 150)
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| fallback.chars().take(150).collect());
        format!("{stem}.{}", self.inspected.format.extension())
    }
}

/// The document folder.
pub(crate) fn blobs(state: &crate::AppState) -> Result<nghitruong_docs::BlobStore, AppError> {
    let dir = state.config.documents_dir.as_ref().ok_or_else(|| {
        AppError::BadRequest("Máy chủ chưa được cấu hình thư mục lưu tài liệu.".into())
    })?;
    nghitruong_docs::BlobStore::new(dir).map_err(|e| AppError::Internal(e.into()))
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

fn too_large(state: &crate::AppState) -> AppError {
    bad(format!(
        "Tệp lớn hơn giới hạn cho phép ({} MB).",
        state.config.upload_limits.max_bytes.div_ceil(1024 * 1024)
    ))
}

/// Reads a multipart form with at most one file, in the field `file`.
/// The file streams to a temporary file while its hash is taken, is
/// checked by its content (PDF, DOCX or XLSX; no macros, no zip bombs) and
/// only then kept; a refused file leaves nothing behind. Text fields come
/// back by name, each at most 20,000 bytes.
pub(crate) async fn receive_checked(
    state: &crate::AppState,
    mut form: Multipart,
) -> Result<(Vec<(String, String)>, Option<CheckedFile>), AppError> {
    use axum::http::StatusCode;
    let mut fields = Vec::new();
    let mut received = None;
    let limit = state.config.upload_limits.max_bytes;
    let broken = |e: axum::extract::multipart::MultipartError, message: &str| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(state)
        } else {
            bad(message)
        }
    };
    while let Some(mut field) = form.next_field().await.map_err(|e| {
        broken(
            e,
            "Biểu mẫu tải lên không đúng định dạng. Vui lòng thử lại.",
        )
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            let value = field
                .text()
                .await
                .map_err(|_| bad("Biểu mẫu tải lên không đúng định dạng. Vui lòng thử lại."))?;
            if value.len() > 20_000 {
                return Err(bad("Nội dung một ô nhập quá dài."));
            }
            fields.push((name, value));
            continue;
        }
        if received.is_some() {
            return Err(bad("Mỗi lần chỉ tải lên một tệp."));
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let mut incoming = blobs(state)?
            .begin(limit)
            .map_err(|e| AppError::Internal(e.into()))?;
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| broken(e, "Tệp tải lên bị gián đoạn. Vui lòng thử lại."))?
        {
            incoming.write(&chunk).await.map_err(|e| {
                if nghitruong_docs::is_over_limit(&e) {
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
            // An empty file input: the browser sends the field with no bytes.
            continue;
        }
        // Checked where it was received: a Word or Excel file is read part
        // by part from disk, not loaded whole (a PDF still is, see
        // `inspect_file`).
        let limits = state.config.upload_limits;
        let path = staged.path().to_owned();
        let inspected =
            tokio::task::spawn_blocking(move || nghitruong_docs::inspect_file(&path, &limits))
                .await
                .map_err(|e| AppError::Internal(e.into()))?
                .map_err(|e| match e {
                    nghitruong_docs::FileInspection::Refused(rejection) => {
                        bad(rejection.to_string())
                    }
                    nghitruong_docs::FileInspection::Io(e) => AppError::Internal(e.into()),
                })?;
        let blob = staged
            .keep()
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        received = Some(CheckedFile {
            blob,
            inspected,
            file_name,
        });
    }
    Ok((fields, received))
}
