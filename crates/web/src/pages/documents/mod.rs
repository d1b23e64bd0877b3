//! Tài liệu kỳ họp: the office uploads the documents of a session, the
//! Thường trực approves them, the office publishes them to their audience,
//! and deputies and guests read them in the browser, take private notes,
//! download a packet or keep them on the tablet for a lost connection.
//!
//! Who may see a document is decided in the store's queries, never by
//! hiding links: every handler asks the store for the document as this
//! viewer sees it and gets nothing back when the viewer may not.

mod packet;
mod upload;
mod view;

pub(crate) use packet::SharedPackets;
pub(crate) use view::{Sent, send_blob, stream_file};

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::access::{Permission, Role};
use nghitruong_domain::document::{AudienceGrant, Classification, DocumentEvent, DocumentKind};
use nghitruong_domain::org::BodyKind;
use nghitruong_domain::session::session_title;
use nghitruong_store::{AgendaItem, CouncilSession, Document, DocumentReader};
use serde::Deserialize;

pub(super) use super::refusal;
use super::{local_day, local_time};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::routes::{Route, r};

/// The routes of session documents.
pub(crate) fn routes() -> Vec<Route> {
    use axum::extract::DefaultBodyLimit;
    use axum::http::Method;
    use axum::routing::{get, post};
    use nghitruong_domain::access::Permission as P;

    use crate::auth::Access::{Permission as Perm, Public};
    vec![
        r(
            Method::GET,
            "/ky-hop/{id}/tai-lieu",
            Perm(P::ViewSessions),
            get(list),
        ),
        r(
            Method::POST,
            UPLOAD_NEW,
            Perm(P::ManageDocuments),
            post(upload::create).layer(DefaultBodyLimit::disable()),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}/tai-lieu/da-doc",
            Perm(P::ViewSessions),
            get(receipts),
        ),
        r(
            Method::GET,
            "/ky-hop/{id}/goi-tai-lieu",
            Perm(P::ViewSessions),
            get(packet::download),
        ),
        r(
            Method::GET,
            "/tai-lieu/{id}",
            Perm(P::ViewSessions),
            get(view::show),
        ),
        r(
            Method::GET,
            "/tai-lieu/{id}/tep",
            Perm(P::ViewSessions),
            get(view::file),
        ),
        r(
            Method::GET,
            "/tai-lieu/{id}/tai-ve",
            Perm(P::ViewSessions),
            get(view::download),
        ),
        r(
            Method::POST,
            UPLOAD_VERSION,
            Perm(P::ManageDocuments),
            post(upload::new_version).layer(DefaultBodyLimit::disable()),
        ),
        r(
            Method::POST,
            "/tai-lieu/{id}/trang-thai",
            Perm(P::ManageDocuments),
            post(manage_event),
        ),
        r(
            Method::POST,
            "/tai-lieu/{id}/duyet",
            Perm(P::ApproveDocuments),
            post(approve_event),
        ),
        r(
            Method::POST,
            "/tai-lieu/{id}/doi-tuong",
            Perm(P::ManageDocuments),
            post(set_audience),
        ),
        r(
            Method::POST,
            "/tai-lieu/{id}/ghi-chu",
            Perm(P::ViewSessions),
            post(view::save_note),
        ),
        r(Method::GET, "/sw.js", Public, get(packet::service_worker)),
    ]
}

const UPLOAD_NEW: &str = "/ky-hop/{id}/tai-lieu";
const UPLOAD_VERSION: &str = "/tai-lieu/{id}/phien-ban";

/// The body limit of a route: uploads take files up to the configured
/// size (plus room for the form around them); everything else keeps the
/// small form limit. The upload routes turn off axum's own 2 MB default
/// for multipart bodies, so this is the one limit that applies.
pub(crate) fn body_limit(
    method: &axum::http::Method,
    path: &str,
    config: &crate::WebConfig,
) -> usize {
    let is_upload = *method == axum::http::Method::POST
        && (path == UPLOAD_NEW
            || path == UPLOAD_VERSION
            || path == crate::pages::petitions::ANSWER_UPLOAD);
    if is_upload {
        usize::try_from(config.upload_limits.max_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(64 * 1024)
    } else {
        config.max_form_bytes
    }
}

pub(super) use crate::uploads::blobs;

/// The viewer as the audience rules see them.
pub(crate) fn reader_of(state: &AppState, viewer: &Viewer) -> DocumentReader {
    DocumentReader {
        user_id: viewer.user.id,
        sees_all: sees_all(viewer),
        is_deputy: viewer
            .roles
            .iter()
            .any(|r| nghitruong_domain::document::reads_as_deputy(*r)),
        is_guest: viewer.roles.contains(&Role::Guest),
        day: local_day(state.clock.now()),
    }
}

/// The office and the Thường trực see every document in any state.
fn sees_all(viewer: &Viewer) -> bool {
    viewer.can(Permission::ManageDocuments) || viewer.can(Permission::ApproveDocuments)
}

/// A session of the viewer's council that the viewer may see.
pub(super) async fn session_here(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<CouncilSession> {
    let council = viewer.council.as_ref().ok_or(AppError::Forbidden)?;
    let s = state.store.council_session(id).await?;
    let visible = s.status.is_visible_to_deputies() || viewer.can(Permission::ManageSessions);
    if s.council_id != council.id || !visible {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

/// A document the viewer may read, in a session of their council.
pub(super) async fn readable(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<(Document, CouncilSession)> {
    let reader = reader_of(state, viewer);
    let doc = state
        .store
        .document(id, &reader)
        .await?
        .ok_or(AppError::NotFound)?;
    let session = session_here(state, viewer, doc.session_id).await?;
    Ok((doc, session))
}

/// Sends an htmx request on with `HX-Redirect`, a plain one with a 303.
pub(super) fn go(headers: &HeaderMap, to: &str) -> Response {
    if headers.contains_key("hx-request") {
        let mut res = axum::http::StatusCode::NO_CONTENT.into_response();
        if let Ok(v) = axum::http::HeaderValue::from_str(to) {
            res.headers_mut().insert("hx-redirect", v);
        }
        res
    } else {
        Redirect::to(to).into_response()
    }
}

/// One document in a list.
pub(crate) struct DocRow {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) status: &'static str,
    pub(crate) status_code: &'static str,
    pub(crate) format: &'static str,
    pub(crate) size: String,
    pub(crate) version: u32,
    pub(crate) confidential: Option<&'static str>,
    pub(crate) downloadable: bool,
}

pub(super) fn row_of(d: &Document) -> DocRow {
    DocRow {
        id: d.id,
        title: d.title.clone(),
        kind: d.kind.label(),
        status: d.status.label(),
        status_code: d.status.as_str(),
        format: d.version.format.label(),
        size: human_size(d.version.size),
        version: d.version.version,
        confidential: d
            .classification
            .is_confidential()
            .then(|| d.classification.label()),
        downloadable: !d.classification.is_confidential(),
    }
}

pub(crate) fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// An agenda item with its documents.
pub(crate) struct Group {
    pub(crate) heading: String,
    pub(crate) docs: Vec<DocRow>,
}

pub(super) fn group(agenda: &[AgendaItem], docs: &[Document]) -> Vec<Group> {
    let mut groups = Vec::new();
    let general: Vec<DocRow> = docs
        .iter()
        .filter(|d| d.agenda_item_id.is_none())
        .map(row_of)
        .collect();
    if !general.is_empty() {
        groups.push(Group {
            heading: "Tài liệu chung của kỳ họp".into(),
            docs: general,
        });
    }
    for item in agenda {
        let rows: Vec<DocRow> = docs
            .iter()
            .filter(|d| d.agenda_item_id == Some(item.id))
            .map(row_of)
            .collect();
        if !rows.is_empty() {
            groups.push(Group {
                heading: format!("{}. {}", item.position, item.title),
                docs: rows,
            });
        }
    }
    groups
}

#[derive(Template)]
#[template(path = "documents.html")]
struct ListPage {
    layout: Layout,
    session_id: i64,
    session_title: String,
    groups: Vec<Group>,
    query: String,
    searched: bool,
    can_manage: bool,
    can_see_receipts: bool,
    editable: bool,
    agenda: Vec<(i64, String)>,
    kinds: &'static [DocumentKind],
    classifications: &'static [Classification],
    committees: Vec<(i64, String)>,
    offline_urls: String,
    docview_js: String,
    max_mb: u64,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let s = session_here(&state, &viewer, id).await?;
    let reader = reader_of(&state, &viewer);
    let q: String = query.q.trim().chars().take(200).collect();
    let docs = if q.is_empty() {
        state.store.session_documents(s.id, &reader).await?
    } else {
        state.store.search_documents(s.id, &reader, &q).await?
    };
    let agenda = state.store.agenda(s.id).await?;
    let council = viewer.council.as_ref().ok_or(AppError::Forbidden)?;
    let committees = state
        .store
        .bodies(council.id)
        .await?
        .into_iter()
        .filter(|b| b.kind == BodyKind::Committee)
        .map(|b| (b.id, b.name))
        .collect();
    let offline: Vec<String> = std::iter::once(format!("/ky-hop/{}", s.id))
        .chain(std::iter::once(format!("/ky-hop/{}/tai-lieu", s.id)))
        .chain(
            docs.iter()
                .filter(|d| !d.classification.is_confidential())
                .flat_map(|d| {
                    [
                        format!("/tai-lieu/{}", d.id),
                        format!("/tai-lieu/{}/tep", d.id),
                    ]
                }),
        )
        .collect();
    let page = ListPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Tài liệu kỳ họp", "/ky-hop").await?,
        session_id: s.id,
        session_title: session_title(s.number),
        groups: group(&agenda, &docs),
        searched: !q.is_empty(),
        query: q,
        can_manage: viewer.can(Permission::ManageDocuments),
        can_see_receipts: sees_all(&viewer),
        editable: s.status.is_editable(),
        agenda: agenda
            .iter()
            .map(|a| (a.id, format!("{}. {}", a.position, a.title)))
            .collect(),
        kinds: DocumentKind::ALL,
        classifications: Classification::ALL,
        committees,
        offline_urls: serde_json::to_string(&offline).unwrap_or_else(|_| "[]".into()),
        docview_js: crate::statics::url("docview.js"),
        max_mb: state.config.upload_limits.max_bytes / (1024 * 1024),
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub(crate) struct EventForm {
    #[serde(default)]
    event: String,
}

async fn apply(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    id: i64,
    form: &EventForm,
    allowed: &[DocumentEvent],
) -> AppResult<Response> {
    let (doc, _) = readable(state, viewer, id).await?;
    let event = form
        .event
        .parse::<DocumentEvent>()
        .ok()
        .filter(|e| allowed.contains(e))
        .ok_or_else(|| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    state
        .store
        .document_event(doc.id, event, &audit_context(state, viewer, headers))
        .await
        .map_err(refusal)?;
    state.live.publish(doc.session_id, "tai-lieu");
    Ok(go(headers, &format!("/tai-lieu/{}", doc.id)))
}

/// What the office does to a document.
pub(super) const MANAGE_EVENTS: [DocumentEvent; 4] = [
    DocumentEvent::Submit,
    DocumentEvent::Publish,
    DocumentEvent::Withdraw,
    DocumentEvent::Reopen,
];
/// What the Thường trực does.
pub(super) const APPROVE_EVENTS: [DocumentEvent; 2] =
    [DocumentEvent::Approve, DocumentEvent::Reject];

pub(crate) async fn manage_event(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    apply(&state, &viewer, &headers, id, &form, &MANAGE_EVENTS).await
}

pub(crate) async fn approve_event(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    apply(&state, &viewer, &headers, id, &form, &APPROVE_EVENTS).await
}

/// The audience fields of the upload and audience forms.
#[derive(Default)]
pub(super) struct AudienceFields {
    pub(super) deputies: bool,
    pub(super) guests: bool,
    pub(super) committees: Vec<String>,
    pub(super) people: String,
}

impl AudienceFields {
    pub(super) fn take(&mut self, name: &str, value: String) -> bool {
        match name {
            "dai_bieu" => self.deputies = true,
            "khach_moi" => self.guests = true,
            "ban" => self.committees.push(value),
            "ca_nhan" => self.people = value,
            _ => return false,
        }
        true
    }

    /// The grants, with committees checked against the council's and
    /// people looked up by username.
    pub(super) async fn grants(
        &self,
        state: &AppState,
        viewer: &Viewer,
    ) -> AppResult<Vec<AudienceGrant>> {
        let council = viewer.council.as_ref().ok_or(AppError::Forbidden)?;
        let mut grants = Vec::new();
        if self.deputies {
            grants.push(AudienceGrant::AllDeputies);
        }
        if self.guests {
            grants.push(AudienceGrant::Guests);
        }
        let bodies = state.store.bodies(council.id).await?;
        for c in &self.committees {
            let id: i64 = c.trim().parse().unwrap_or(0);
            let body = bodies
                .iter()
                .find(|b| b.id == id && b.kind == BodyKind::Committee)
                .ok_or_else(|| AppError::BadRequest("Ban được chọn không hợp lệ.".into()))?;
            grants.push(AudienceGrant::Committee(body.id));
        }
        for name in self
            .people
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(200)
        {
            let found = state.store.user_credentials(name).await?;
            let user = found.ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Không tìm thấy tài khoản “{}”.",
                    name.chars().take(60).collect::<String>()
                ))
            })?;
            grants.push(AudienceGrant::Person(user.user.id));
        }
        if grants.is_empty() {
            return Err(AppError::BadRequest(
                "Vui lòng chọn ít nhất một đối tượng được xem tài liệu.".into(),
            ));
        }
        Ok(grants)
    }
}

pub(crate) async fn set_audience(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (doc, _) = readable(&state, &viewer, id).await?;
    let mut fields = AudienceFields::default();
    for (name, value) in form {
        fields.take(&name, value);
    }
    let grants = fields.grants(&state, &viewer).await?;
    state
        .store
        .set_audience(doc.id, &grants, &audit_context(&state, &viewer, &headers))
        .await?;
    state.live.publish(doc.session_id, "tai-lieu");
    Ok(go(&headers, &format!("/tai-lieu/{}", doc.id)))
}

/// One line of the read receipts.
pub(crate) struct ReceiptRow {
    pub(crate) name: String,
    pub(crate) first: String,
    pub(crate) last: String,
    pub(crate) times: u32,
}

#[derive(Template)]
#[template(path = "document_receipts.html")]
struct ReceiptsPage {
    layout: Layout,
    session_id: i64,
    session_title: String,
    docs: Vec<(DocRow, Vec<ReceiptRow>)>,
    everyone: bool,
}

/// Who opened what. The chair and the office see every reader; anyone
/// else sees only their own reading, so nobody learns what a colleague
/// has or has not read.
pub(crate) async fn receipts(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let everyone = sees_all(&viewer);
    let s = session_here(&state, &viewer, id).await?;
    let docs = state
        .store
        .session_documents(s.id, &reader_of(&state, &viewer))
        .await?;
    let mut receipts = state.store.read_receipts(s.id).await?;
    if !everyone {
        receipts.retain(|r| r.user_id == viewer.user.id);
    }
    let docs = docs
        .iter()
        .map(|d| {
            let rows = receipts
                .iter()
                .filter(|r| r.document_id == d.id)
                .map(|r| ReceiptRow {
                    name: r.name.clone(),
                    first: local_time(r.first_at),
                    last: local_time(r.last_at),
                    times: r.times,
                })
                .collect();
            (row_of(d), rows)
        })
        .collect();
    let page = ReceiptsPage {
        layout: Layout::signed(
            &state,
            &viewer,
            &csrf,
            if everyone {
                "Theo dõi đọc tài liệu"
            } else {
                "Tài liệu tôi đã đọc"
            },
            "/ky-hop",
        )
        .await?,
        session_id: s.id,
        session_title: session_title(s.number),
        docs,
        everyone,
    };
    Ok(Html(page.render()?))
}
