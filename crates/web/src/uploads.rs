//! File uploads: the CSRF token of a multipart form, read from its `_csrf`
//! field so that an upload works without JavaScript. (Body limits are set
//! per route in `routes.rs`.)

use std::io::SeekFrom;

use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Request};
use axum::http::header;
use futures_util::{StreamExt, TryStreamExt};

use crate::AppError;

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| media_type_is(v, "multipart/form-data"))
}

/// Whether the `Content-Type` value `value` is of media type `media`
/// (lowercase), which is compared without regard to case (RFC 9110 §8.3.1).
pub(crate) fn media_type_is(value: &str, media: &str) -> bool {
    value
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(media))
}

/// Bytes of a multipart body kept in memory while its token is looked
/// for; what the token's search reads beyond them waits in a temporary
/// file. Our forms put the token first, so this is normally a few hundred
/// bytes; a form that sends a file before its token spools the file.
const IN_MEMORY: usize = 256 * 1024;

/// Longest `_csrf` field read, in bytes.
const MAX_TOKEN: u64 = 1024;

/// Most searches for a multipart body's token at once; more wait.
const MAX_SEARCHING: usize = 4;

static SEARCHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_SEARCHING);

/// What the search for a multipart body's token has read of it, to be
/// handed on unchanged: the first [`IN_MEMORY`] bytes in memory, the rest
/// in an unnamed temporary file (gone when closed, however the request
/// ends).
struct Spool {
    memory: Vec<Bytes>,
    kept: usize,
    file: Option<std::fs::File>,
    dir: std::path::PathBuf,
    limit: usize,
    failure: Option<AppError>,
}

impl Spool {
    /// Keeps `chunk`. Synchronous on purpose: the parser may be dropped
    /// at any await once it has the token, and a chunk taken from the
    /// connection but caught in an unfinished write would be lost. Writes
    /// go to the page cache in pieces of the connection's size.
    fn keep(&mut self, chunk: &Bytes) -> Result<(), AppError> {
        use std::io::Write;
        self.kept = self.kept.saturating_add(chunk.len());
        if self.kept > self.limit {
            return Err(AppError::too_large());
        }
        if self.file.is_none() && self.kept <= IN_MEMORY {
            self.memory.push(chunk.clone());
            return Ok(());
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                std::fs::create_dir_all(&self.dir).map_err(|e| AppError::Internal(e.into()))?;
                let file =
                    tempfile::tempfile_in(&self.dir).map_err(|e| AppError::Internal(e.into()))?;
                self.file.insert(file)
            }
        };
        file.write_all(chunk)
            .map_err(|e| AppError::Internal(e.into()))
    }

    /// The body as it was sent: what was kept, then what was not read.
    fn replay(self, rest: axum::body::BodyDataStream) -> Result<Body, AppError> {
        use std::io::Seek;
        let memory =
            futures_util::stream::iter(self.memory.into_iter().map(Ok::<_, std::io::Error>));
        let spooled = match self.file {
            Some(mut file) => {
                file.seek(SeekFrom::Start(0))
                    .map_err(|e| AppError::Internal(e.into()))?;
                tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file)).left_stream()
            }
            None => futures_util::stream::empty().right_stream(),
        };
        let rest = rest.map_err(std::io::Error::other);
        Ok(Body::from_stream(memory.chain(spooled).chain(rest)))
    }
}

/// Reads the `_csrf` field of a multipart body and hands the request on
/// with the same body when `ok` accepts it. Only what precedes the token
/// (and what the parser reads ahead) is read here: at most [`IN_MEMORY`]
/// bytes stay in memory, the rest of that waits in a temporary file under
/// `spool_dir`, and the remainder streams on to the handler untouched.
pub(crate) async fn check_multipart_token(
    req: Request,
    limit: usize,
    spool_dir: &std::path::Path,
    ok: impl Fn(&str) -> bool,
) -> Result<Request, AppError> {
    if !is_multipart(&req) {
        return Err(AppError::Csrf);
    }
    let (parts, body) = req.into_parts();
    // Read with multer itself: axum's extractor would apply its default
    // 2 MB limit here, before the route's own, and refuse every larger
    // upload as a bad token.
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or(AppError::Csrf)?;
    // The parser holds what comes before a boundary or the end of a part's
    // headers in memory, and searches it again as it grows: a signed-in
    // sender could make that megabytes, so few searches run at once.
    let _turn = SEARCHING
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut body = body.into_data_stream();
    let mut spool = Spool {
        memory: Vec::new(),
        kept: 0,
        file: None,
        dir: spool_dir.to_path_buf(),
        limit,
        failure: None,
    };
    let accepted = {
        let recorded =
            futures_util::stream::unfold((&mut body, &mut spool), |(body, spool)| async move {
                let chunk = match body.next().await? {
                    Ok(chunk) => chunk,
                    Err(e) => return Some((Err(std::io::Error::other(e)), (body, spool))),
                };
                if let Err(e) = spool.keep(&chunk) {
                    spool.failure = Some(e);
                    return Some((Err(std::io::Error::other("spool")), (body, spool)));
                }
                Some((Ok(chunk), (body, spool)))
            });
        // A token is 64 characters: a longer field is not one, and is not
        // read whole into memory to find that out.
        let constraints = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().for_field("_csrf", MAX_TOKEN));
        let mut form = multer::Multipart::with_constraints(recorded, boundary, constraints);
        let mut accepted = false;
        while let Ok(Some(field)) = form.next_field().await {
            if field.name() == Some("_csrf") {
                accepted = field.text().await.is_ok_and(|t| ok(&t));
                break;
            }
        }
        accepted
    };
    if let Some(failure) = spool.failure.take() {
        return Err(failure);
    }
    if !accepted {
        return Err(AppError::Csrf);
    }
    let body = spool.replay(body)?;
    Ok(Request::from_parts(parts, body))
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

/// Most uploaded files checked at once, one per core of the machine this
/// is measured on: more would only share the cores and add their memory.
const MAX_INSPECTING: usize = 2;

static INSPECTING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_INSPECTING);

/// How long the server waits for a child's check before it kills it.
const CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(25);

/// Checks the file at `path` in a child process (`binary inspect-upload`),
/// which the kernel stops at its memory or CPU limit: a file whose parsing
/// would take gigabytes or minutes is refused and the server is untouched.
/// The child is killed if the request is dropped or after [`CHECK_WAIT`].
async fn inspect_in_child(
    binary: &std::path::Path,
    path: &std::path::Path,
    limits: &nghitruong_docs::Limits,
) -> Result<nghitruong_docs::Inspected, AppError> {
    let too_complex = || {
        bad(
            "Tệp quá phức tạp để kiểm tra: việc đọc tệp vượt giới hạn bộ nhớ hoặc thời gian \
             cho phép. Vui lòng lưu lại tệp (ví dụ in ra PDF) rồi gửi lại.",
        )
    };
    let mut command = tokio::process::Command::new(binary);
    command.arg("inspect-upload").arg(path);
    for (flag, value) in [
        ("--max-bytes", limits.max_bytes.to_string()),
        ("--max-zip-entries", limits.max_zip_entries.to_string()),
        ("--max-uncompressed", limits.max_uncompressed.to_string()),
        ("--max-ratio", limits.max_ratio.to_string()),
    ] {
        command.arg(flag).arg(value);
    }
    let child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        // mimalloc otherwise maps its first arena (1 GiB) writable at once,
        // which the kernel counts against the memory limit: then the check
        // failed at random, 3 times in 30, on a file needing 57 MB.
        .env("MIMALLOC_ARENA_EAGER_COMMIT", "0")
        .spawn()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot start the upload check: {e}")))?;
    let output = match tokio::time::timeout(CHECK_WAIT, child.wait_with_output()).await {
        Ok(output) => output.map_err(|e| AppError::Internal(e.into()))?,
        Err(_) => {
            tracing::warn!(
                seconds = CHECK_WAIT.as_secs(),
                "an upload check ran out of time"
            );
            return Err(too_complex());
        }
    };
    match nghitruong_docs::read_verdict(&output.stdout) {
        Some(Ok(inspected)) => Ok(inspected),
        Some(Err(message)) => Err(bad(message)),
        None if output.status.code() == Some(3) => Err(AppError::Internal(anyhow::anyhow!(
            "the upload check could not read its file: {}",
            String::from_utf8_lossy(&output.stderr)
        ))),
        None => {
            let said = String::from_utf8_lossy(&output.stderr);
            let said = said.trim();
            tracing::warn!(status = %output.status, said, "an upload check reached its limits");
            Err(too_complex())
        }
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
    AppError::TooLarge(format!(
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
        // Checked where it was received, in a child process when the
        // server has one (see `inspect_in_child`). At most INSPECTING files
        // at once: the check is CPU-bound and may take its memory limit.
        let limits = state.config.upload_limits;
        let path = staged.path().to_owned();
        let turn = INSPECTING
            .acquire()
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let inspected = match &state.config.inspector {
            Some(binary) => inspect_in_child(binary, &path, &limits).await?,
            None => {
                // The turn goes with the check, so a dropped request does
                // not free it while the check still runs.
                tokio::task::spawn_blocking(move || {
                    let inspected = nghitruong_docs::inspect_file(&path, &limits);
                    drop(turn);
                    inspected
                })
                .await
                .map_err(|e| AppError::Internal(e.into()))?
                .map_err(|e| match e {
                    nghitruong_docs::FileInspection::Refused(rejection) => {
                        bad(rejection.to_string())
                    }
                    nghitruong_docs::FileInspection::Io(e) => AppError::Internal(e.into()),
                })?
            }
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDARY: &str = "----nt-boundary";

    fn part(name: &str, value: &[u8]) -> Vec<u8> {
        let mut out =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .into_bytes();
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
        out
    }

    fn form(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut body: Vec<u8> = parts.iter().flat_map(|(n, v)| part(n, v)).collect();
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        body
    }

    /// The body sent in chunks of 64 KiB, as a connection delivers it.
    fn request(body: &[u8]) -> Request {
        let chunks: Vec<Result<Bytes, std::io::Error>> = body
            .chunks(64 * 1024)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        Request::builder()
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn checked(
        body: &[u8],
        limit: usize,
        dir: &std::path::Path,
    ) -> Result<Vec<u8>, AppError> {
        let req = check_multipart_token(request(body), limit, dir, |t| t == "dung-ma").await?;
        let handed_on = axum::body::to_bytes(req.into_body(), usize::MAX)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        Ok(handed_on.to_vec())
    }

    fn same(got: &Result<Vec<u8>, AppError>, sent: &[u8]) {
        let got = got.as_ref().unwrap_or_else(|e| panic!("refused: {e:?}"));
        let differs = got.iter().zip(sent).position(|(a, b)| a != b);
        assert!(
            got.len() == sent.len() && differs.is_none(),
            "handed on {} bytes of {}, first difference at {differs:?}",
            got.len(),
            sent.len()
        );
    }

    fn file(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[tokio::test]
    async fn the_handler_gets_the_body_as_it_was_sent_with_the_token_first_or_last() {
        let dir = nghitruong_testkit::temp_dir();
        let big = file(3 * 1024 * 1024 + 17);
        let first = form(&[
            ("_csrf", b"dung-ma"),
            ("title", b"T\xe1\xbb\x9d"),
            ("file", &big),
        ]);
        same(&checked(&first, 8 << 20, dir.path()).await, &first);
        // A file before the token: what precedes the token waits on disk,
        // not in memory, and comes back in order.
        let last = form(&[("file", &big), ("_csrf", b"dung-ma")]);
        same(&checked(&last, 8 << 20, dir.path()).await, &last);
        // The spool file has no name: nothing is left in the folder.
        let left = std::fs::read_dir(dir.path()).map_or(0, Iterator::count);
        assert_eq!(left, 0, "the spool left files behind");
    }

    #[test]
    fn media_types_are_compared_without_case_and_parameters() {
        assert!(media_type_is(
            "multipart/form-data; boundary=x",
            "multipart/form-data"
        ));
        assert!(media_type_is(
            "Multipart/Form-Data; boundary=x",
            "multipart/form-data"
        ));
        assert!(media_type_is(
            " multipart/form-data ",
            "multipart/form-data"
        ));
        assert!(!media_type_is(
            "multipart/form-dataX; boundary=x",
            "multipart/form-data"
        ));
        assert!(!media_type_is(
            "multipart/mixed; boundary=x",
            "multipart/form-data"
        ));
        assert!(media_type_is(
            "Application/X-WWW-Form-Urlencoded;charset=UTF-8",
            "application/x-www-form-urlencoded"
        ));
    }

    #[tokio::test]
    async fn a_missing_or_wrong_token_or_an_oversized_body_is_refused() {
        let dir = nghitruong_testkit::temp_dir();
        let big = file(1024 * 1024);
        let none = form(&[("title", b"x"), ("file", &big)]);
        assert!(matches!(
            checked(&none, 8 << 20, dir.path()).await,
            Err(AppError::Csrf)
        ));
        let wrong = form(&[("_csrf", b"sai-ma"), ("file", &big)]);
        assert!(matches!(
            checked(&wrong, 8 << 20, dir.path()).await,
            Err(AppError::Csrf)
        ));
        // The limit holds while the token is looked for, wherever it is.
        let late = form(&[("file", &big), ("_csrf", b"dung-ma")]);
        assert!(matches!(
            checked(&late, 512 * 1024, dir.path()).await,
            Err(AppError::TooLarge(_))
        ));
        // A "token" of megabytes is refused without being read whole.
        let huge = "x".repeat(4 * 1024 * 1024);
        let long = form(&[("_csrf", huge.as_bytes()), ("file", b"x")]);
        assert!(matches!(
            checked(&long, 8 << 20, dir.path()).await,
            Err(AppError::Csrf)
        ));
        let garbled = b"--not-the-boundary\r\n\r\nabc".to_vec();
        assert!(matches!(
            checked(&garbled, 8 << 20, dir.path()).await,
            Err(AppError::Csrf)
        ));
    }
}
