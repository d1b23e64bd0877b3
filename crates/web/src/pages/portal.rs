//! Cổng thông tin — tra cứu công khai: citizens search, without signing in,
//! what the councils publish (petitions taken up and their answers, public
//! sessions' documents, resolutions), through the same index as the
//! workspace search with the public scope alone: the `public` access term
//! is a clause of the query, so nothing else is returned, counted or
//! faceted. A public document is read on its own public page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use nghitruong_domain::document::{self as rules};
use nghitruong_domain::session::session_title;
use nghitruong_search::{Dimension, Hit, Scope, SearchQuery};
use nghitruong_store::{Document, DocumentReader};
use serde::Deserialize;

use super::local_day;
use crate::AppState;
use crate::auth::CsrfToken;
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::routes::{Route, r};

/// The routes of the public portal's search and documents.
pub(crate) fn routes() -> Vec<Route> {
    use crate::auth::Access::Public;
    use axum::http::Method;
    use axum::routing::get;
    vec![
        r(Method::GET, "/cong-khai/tim-kiem", Public, get(search)),
        r(
            Method::GET,
            "/cong-khai/tai-lieu/{id}",
            Public,
            get(document),
        ),
        r(
            Method::GET,
            "/cong-khai/tai-lieu/{id}/tai-ve",
            Public,
            get(download),
        ),
    ]
}

/// Hits per page.
const PAGE_SIZE: usize = 20;
/// Longest query kept, in characters.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    loai: String,
    #[serde(default)]
    trang: Option<String>,
}

/// One hit as the portal shows it: linked to its public page, if it has
/// one.
struct PortalHit {
    hit: Hit,
}

impl PortalHit {
    fn href(&self) -> &str {
        self.hit.public_url.as_deref().unwrap_or("")
    }
}

/// A kind to narrow to, with its count.
struct KindLink {
    label: String,
    count: u64,
    href: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "portal_search_partial.html")]
struct ResultsView {
    q: String,
    total: usize,
    hits: Vec<PortalHit>,
    kinds: Vec<KindLink>,
    page: usize,
    pages: usize,
    prev_href: String,
    next_href: String,
}

#[derive(Template)]
#[template(path = "portal_search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    results: ResultsView,
}

fn url(q: &str, kind: &str, page: usize) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if !q.is_empty() {
        pairs.push(("q", q.to_owned()));
    }
    if !kind.is_empty() {
        pairs.push(("loai", kind.to_owned()));
    }
    if page > 1 {
        pairs.push(("trang", page.to_string()));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if query.is_empty() {
        "/cong-khai/tim-kiem".into()
    } else {
        format!("/cong-khai/tim-kiem?{query}")
    }
}

pub(crate) async fn search(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> AppResult<Response> {
    let q: String = params.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let kind: String = params.loai.trim().chars().take(32).collect();
    let page = usize::try_from(super::page_number(params.trang.as_deref(), 50)).unwrap_or(1);
    let Some(service) = state.search.clone() else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the search index is not open"
        )));
    };
    let query = SearchQuery {
        text: q.clone(),
        filters: if kind.is_empty() {
            Vec::new()
        } else {
            vec![(Dimension::Kind, kind.clone())]
        },
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let index = service.index();
    let results = tokio::task::spawn_blocking(move || index.search(&query, &Scope::public()))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    let kinds = results
        .facets
        .iter()
        .find(|(d, _)| *d == Dimension::Kind)
        .map(|(_, values)| {
            values
                .iter()
                .map(|v| {
                    let active = v.value == kind;
                    KindLink {
                        label: v.label.clone(),
                        count: v.count,
                        href: url(&q, if active { "" } else { &v.value }, 1),
                        active,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let pages = results.total.div_ceil(PAGE_SIZE).max(1);
    let view = ResultsView {
        total: results.total,
        hits: results
            .hits
            .into_iter()
            .map(|hit| PortalHit { hit })
            .collect(),
        kinds,
        page,
        pages,
        prev_href: url(&q, &kind, page.saturating_sub(1).max(1)),
        next_href: url(&q, &kind, page + 1),
        q: q.clone(),
    };
    if headers.contains_key("hx-request") {
        return Ok(Html(view.render()?).into_response());
    }
    let page = SearchPage {
        layout: Layout::public("Tra cứu công khai", &csrf),
        q,
        results: view,
    };
    Ok(Html(page.render()?).into_response())
}

/// A document the portal shows: the published version of a public
/// session's normal document for all deputies, or nothing.
async fn public_document(state: &AppState, id: i64) -> AppResult<(Document, String)> {
    // The published version, as every deputy reads it.
    let reader = DocumentReader {
        user_id: 0,
        sees_all: false,
        is_deputy: true,
        is_guest: false,
        day: local_day(state.clock.now()),
    };
    let doc = state
        .store
        .document(id, &reader)
        .await?
        .ok_or(AppError::NotFound)?;
    let session = state.store.council_session(doc.session_id).await?;
    let grants = state.store.audience(id).await?;
    let public = rules::is_public(
        session.is_public && session.status.is_visible_to_deputies(),
        doc.classification,
        doc.status,
        doc.published_version.is_some(),
        &grants,
    );
    if !public {
        return Err(AppError::NotFound);
    }
    let council = state.store.council(session.council_id).await?;
    let heading = format!(
        "{}, {} khóa {}",
        session_title(session.number),
        council.name,
        council.term.roman()
    );
    Ok((doc, heading))
}

#[derive(Template)]
#[template(path = "portal_document.html")]
struct DocumentPage {
    layout: Layout,
    id: i64,
    title: String,
    kind: &'static str,
    session: String,
    file_name: String,
    paragraphs: Vec<String>,
}

pub(crate) async fn document(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (doc, session) = public_document(&state, id).await?;
    let text = state
        .store
        .document_text(doc.id, doc.version.version)
        .await?;
    let paragraphs = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let page = DocumentPage {
        layout: Layout::public(&doc.title, &csrf),
        id: doc.id,
        kind: doc.kind.label(),
        title: doc.title,
        session,
        file_name: doc.version.file_name,
        paragraphs,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn download(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (doc, _) = public_document(&state, id).await?;
    super::documents::stream_file(&state, &doc, true).await
}
