//! Reading a document in the browser.
//!
//! PDFs are drawn by pdf.js (vendored, served from our origin) onto
//! canvases; Word and Excel files are turned into HTML on the server.
//!
//! Confidential documents (mật, hạn chế) are shown, never handed out:
//! - no download link and no download route serves them
//!   ([`download`] answers 404);
//! - a Word or Excel file reaches the browser only as HTML built from its
//!   text, so the file itself never leaves the server;
//! - a PDF reaches pdf.js through a one-time ticket made for this page
//!   view and this reader: the address works once, within two minutes,
//!   and says `no-store`, so it cannot be bookmarked, shared, cached or
//!   fetched again by a download manager;
//! - every page carries the reader's name and the time, drawn into the
//!   canvas pixels by the viewer script and laid over the HTML as well,
//!   so a screenshot or a photograph names whose screen it came from.
//!
//! We chose pdf.js canvases over server-rendered page images because no
//! PDF rasteriser is installed with the product and a Rust one would add a
//! large dependency; the ticket gives the same "no second copy" property
//! for the bytes pdf.js needs. What a screen shows can always be
//! photographed: the watermark and the read receipt make that traceable.

use crate::form::Form;
use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use nghitruong_docs::{docx_html, xlsx_html};
use nghitruong_domain::access::Permission;
use nghitruong_domain::document::{self, AudienceGrant, Classification, FileFormat};
use nghitruong_domain::org::BodyKind;
use nghitruong_domain::session::session_title;
use nghitruong_store::{Document, Ticket};
use serde::Deserialize;

use super::{APPROVE_EVENTS, MANAGE_EVENTS, blobs, go, human_size, readable};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, random_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::pages::local_time;

/// A version in the office's list.
pub(crate) struct VersionRow {
    pub(crate) version: u32,
    pub(crate) file_name: String,
    pub(crate) size: String,
    pub(crate) by: String,
    pub(crate) at: String,
    pub(crate) published: bool,
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    layout: Layout,
    id: i64,
    session_id: i64,
    session_title: String,
    title: String,
    kind: &'static str,
    status: &'static str,
    status_code: &'static str,
    confidential: Option<&'static str>,
    version: u32,
    file_name: String,
    size: String,
    pages: u32,
    format: &'static str,
    can_manage: bool,
    can_approve: bool,
    manage_events: Vec<(&'static str, &'static str)>,
    approve_events: Vec<(&'static str, &'static str)>,
    versions: Vec<VersionRow>,
    audience: Vec<String>,
    deputies: bool,
    guests: bool,
    committees: Vec<(i64, String, bool)>,
    people: String,
    /// Server-built HTML of a Word or Excel file.
    html: Option<String>,
    /// Where pdf.js fetches the PDF.
    pdf_src: Option<String>,
    pdfjs: String,
    pdf_worker: String,
    docview_js: String,
    watermark: String,
    watermark_tiles: usize,
    note: String,
}

/// The file of the version a reader gets, fetched from the folder.
async fn bytes_of(state: &AppState, doc: &Document) -> AppResult<Vec<u8>> {
    blobs(state)?
        .read(&doc.version.sha256)
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (doc, session) = readable(&state, &viewer, id).await?;
    let ctx = audit_context(&state, &viewer, &headers);
    state
        .store
        .record_read(doc.id, viewer.user.id, &ctx)
        .await?;
    let confidential = doc.classification.is_confidential();

    // The body: HTML for Word and Excel, a pdf.js address for a PDF.
    let limits = state.config.upload_limits;
    let (html, pdf_src) = match doc.version.format {
        FileFormat::Pdf if confidential => {
            let token = random_token();
            let ticket = Ticket {
                document_id: doc.id,
                version: doc.version.version,
                user_id: viewer.user.id,
            };
            let expires = ctx.at + time::Duration::minutes(2);
            state
                .store
                .issue_ticket(&token_hash(&token), &ticket, expires, &ctx)
                .await?;
            (None, Some(format!("/tai-lieu/{}/tep?ve={token}", doc.id)))
        }
        FileFormat::Pdf => (None, Some(format!("/tai-lieu/{}/tep", doc.id))),
        format => {
            let bytes = bytes_of(&state, &doc).await?;
            let html = tokio::task::spawn_blocking(move || match format {
                FileFormat::Xlsx => xlsx_html(&bytes, &limits),
                _ => docx_html(&bytes, &limits),
            })
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored file unreadable: {e}")))?;
            (Some(html), None)
        }
    };

    let can_manage = viewer.can(Permission::ManageDocuments);
    let can_approve = viewer.can(Permission::ApproveDocuments);
    let allowed = |events: &[document::DocumentEvent]| -> Vec<(&'static str, &'static str)> {
        events
            .iter()
            .filter(|e| doc.status.on(**e).is_ok())
            .map(|e| (e.as_str(), e.label()))
            .collect()
    };
    let (versions, audience_grants) = if can_manage || can_approve {
        let versions = state
            .store
            .versions(doc.id)
            .await?
            .into_iter()
            .map(|v| VersionRow {
                published: doc.published_version == Some(v.version),
                version: v.version,
                file_name: v.file_name,
                size: human_size(v.size),
                by: v.uploaded_by.unwrap_or_default(),
                at: local_time(v.uploaded_at),
            })
            .collect();
        (versions, state.store.audience(doc.id).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let council = viewer.council.as_ref().ok_or(AppError::Forbidden)?;
    let bodies = state.store.bodies(council.id).await?;
    let mut audience = Vec::new();
    let mut people = Vec::new();
    for g in &audience_grants {
        match g {
            AudienceGrant::AllDeputies => audience.push("Tất cả đại biểu".to_owned()),
            AudienceGrant::Guests => audience.push("Khách mời".to_owned()),
            AudienceGrant::Committee(b) => audience.push(
                bodies
                    .iter()
                    .find(|x| x.id == *b)
                    .map_or_else(|| format!("Ban #{b}"), |x| x.name.clone()),
            ),
            AudienceGrant::Person(u) => {
                let user = state.store.user(*u).await?;
                audience.push(user.display_name.clone());
                people.push(user.username);
            }
        }
    }
    let committees = bodies
        .iter()
        .filter(|b| b.kind == BodyKind::Committee)
        .map(|b| {
            let on = audience_grants.contains(&AudienceGrant::Committee(b.id));
            (b.id, b.name.clone(), on)
        })
        .collect();
    let note = state
        .store
        .note(doc.id, viewer.user.id)
        .await?
        .unwrap_or_default();
    let page = DocumentPage {
        layout: Layout::signed(&state, &viewer, &csrf, &doc.title, "/ky-hop").await?,
        id: doc.id,
        session_id: session.id,
        session_title: session_title(session.number),
        title: doc.title.clone(),
        kind: doc.kind.label(),
        status: doc.status.label(),
        status_code: doc.status.as_str(),
        confidential: confidential.then(|| doc.classification.label()),
        version: doc.version.version,
        file_name: doc.version.file_name.clone(),
        size: human_size(doc.version.size),
        pages: doc.version.pages,
        format: doc.version.format.label(),
        can_manage,
        can_approve,
        manage_events: allowed(&MANAGE_EVENTS),
        approve_events: allowed(&APPROVE_EVENTS),
        versions,
        deputies: audience_grants.contains(&AudienceGrant::AllDeputies),
        guests: audience_grants.contains(&AudienceGrant::Guests),
        audience,
        committees,
        people: people.join(", "),
        html,
        pdf_src,
        pdfjs: crate::statics::url("pdf.min.mjs"),
        pdf_worker: crate::statics::url("pdf.worker.min.mjs"),
        docview_js: crate::statics::url("docview.js"),
        watermark: document::watermark(&viewer.user.display_name, ctx.at),
        watermark_tiles: if confidential { 24 } else { 0 },
        note,
    };
    let mut res = axum::response::Html(page.render()?).into_response();
    if confidential {
        // The offline cache keeps no confidential page (see sw.js).
        res.headers_mut()
            .insert("x-nt-confidential", HeaderValue::from_static("1"));
    }
    Ok(res)
}

#[derive(Deserialize)]
pub(crate) struct FileQuery {
    #[serde(default)]
    ve: Option<String>,
}

/// The PDF for pdf.js. A confidential one needs this page view's ticket.
pub(crate) async fn file(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<FileQuery>,
) -> AppResult<Response> {
    let (doc, _) = readable(&state, &viewer, id).await?;
    if doc.classification.is_confidential() {
        if doc.version.format != FileFormat::Pdf {
            return Err(AppError::NotFound);
        }
        let token = q.ve.ok_or(AppError::NotFound)?;
        let ctx = audit_context(&state, &viewer, &headers);
        let ticket = state
            .store
            .take_ticket(&token_hash(&token), state.clock.now(), &ctx)
            .await?
            .ok_or(AppError::NotFound)?;
        let valid = ticket.document_id == doc.id
            && ticket.user_id == viewer.user.id
            && ticket.version == doc.version.version;
        if !valid {
            return Err(AppError::NotFound);
        }
    }
    stream_file(&state, &doc, false).await
}

/// Saves the file: only for documents that are not confidential.
pub(crate) async fn download(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (doc, _) = readable(&state, &viewer, id).await?;
    if doc.classification != Classification::Normal {
        return Err(AppError::NotFound);
    }
    stream_file(&state, &doc, true).await
}

/// `filename*` of RFC 6266, with an ASCII fallback.
fn disposition(kind: &str, name: &str) -> HeaderValue {
    let ascii: String = nghitruong_domain::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("inline"))
}

pub(crate) async fn stream_file(
    state: &AppState,
    doc: &Document,
    attachment: bool,
) -> AppResult<Response> {
    send_blob(
        state,
        &Sent {
            sha256: &doc.version.sha256,
            size: doc.version.size,
            format: doc.version.format,
            file_name: &doc.version.file_name,
            attachment,
            no_store: doc.classification.is_confidential(),
        },
    )
    .await
}

/// A file of the document folder to send.
pub(crate) struct Sent<'a> {
    /// Its name in the folder.
    pub(crate) sha256: &'a str,
    /// Bytes.
    pub(crate) size: u64,
    /// Its format (gives the content type).
    pub(crate) format: FileFormat,
    /// The name the reader's browser saves it under.
    pub(crate) file_name: &'a str,
    /// Download rather than show in the browser.
    pub(crate) attachment: bool,
    /// Confidential: no cache keeps it, and the service worker leaves it.
    pub(crate) no_store: bool,
}

/// Streams a file of the document folder, a few pieces in memory at a time.
pub(crate) async fn send_blob(state: &AppState, sent: &Sent<'_>) -> AppResult<Response> {
    let file = blobs(state)?
        .open(sent.sha256)
        .map_err(|e| AppError::Internal(e.into()))?;
    let body = Body::from_stream(super::packet::file_stream(file));
    let mut res = body.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(sent.format.mime()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(sent.size));
    let kind = if sent.attachment {
        "attachment"
    } else {
        "inline"
    };
    h.insert(
        header::CONTENT_DISPOSITION,
        disposition(kind, sent.file_name),
    );
    if sent.no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert("x-nt-confidential", HeaderValue::from_static("1"));
    } else {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    Ok(res)
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    note: String,
}

/// Most characters a private note keeps.
const NOTE_MAX: usize = 10_000;

pub(crate) async fn save_note(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let (doc, _) = readable(&state, &viewer, id).await?;
    let note = clean_note(&form.note)?;
    state
        .store
        .save_note(
            doc.id,
            viewer.user.id,
            &note,
            &audit_context(&state, &viewer, &headers),
        )
        .await?;
    Ok(go(&headers, &format!("/tai-lieu/{}#ghi-chu", doc.id)))
}

/// A note keeps its lines; invisible and control characters go.
fn clean_note(raw: &str) -> AppResult<String> {
    use unicode_normalization::UnicodeNormalization as _;
    let text: String = raw
        .replace("\r\n", "\n")
        .nfc()
        .filter(|c| {
            *c == '\n'
                || *c == '\t'
                || !(c.is_control() || nghitruong_domain::text::is_invisible(*c))
        })
        .collect();
    if text.chars().count() > NOTE_MAX {
        return Err(AppError::BadRequest(format!(
            "Ghi chú dài quá {NOTE_MAX} ký tự."
        )));
    }
    Ok(text.trim().to_owned())
}
