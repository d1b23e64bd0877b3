//! Tra cứu: one search box over everything the viewer may see, results as
//! they type (htmx), facets to narrow them, and the same as JSON.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use nghitruong_search::{Dimension, FacetValue, Hit, Scope, SearchQuery, SearchResults};
use serde::{Deserialize, Serialize};

use super::local_day;
use crate::AppState;
use crate::auth::{CsrfToken, Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::routes::{Route, r};
use crate::search::scope_of;

/// The routes of search.
pub(crate) fn routes() -> Vec<Route> {
    use crate::auth::Access::SignedIn;
    use axum::http::Method;
    use axum::routing::get;
    vec![
        r(Method::GET, "/tra-cuu", SignedIn, get(page)),
        r(Method::GET, "/api/tra-cuu", SignedIn, get(api)),
    ]
}

/// Hits per page.
const PAGE_SIZE: usize = 20;
/// Longest query kept, in characters.
const MAX_QUERY_CHARS: usize = 200;

/// The query string; facet parameters are named in Vietnamese like the URL.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    loai: String,
    #[serde(default)]
    hoi_dong: String,
    #[serde(default)]
    linh_vuc: String,
    #[serde(default)]
    thoi_gian: String,
    #[serde(default)]
    trang_thai: String,
    #[serde(default)]
    trang: Option<String>,
}

fn param_of(d: Dimension) -> &'static str {
    match d {
        Dimension::Kind => "loai",
        Dimension::Council => "hoi_dong",
        Dimension::Field => "linh_vuc",
        Dimension::Period => "thoi_gian",
        Dimension::Status => "trang_thai",
    }
}

impl Params {
    fn text(&self) -> String {
        self.q.trim().chars().take(MAX_QUERY_CHARS).collect()
    }

    fn filters(&self) -> Vec<(Dimension, String)> {
        [
            (Dimension::Kind, &self.loai),
            (Dimension::Council, &self.hoi_dong),
            (Dimension::Field, &self.linh_vuc),
            (Dimension::Period, &self.thoi_gian),
            (Dimension::Status, &self.trang_thai),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(d, v)| (d, v.trim().chars().take(MAX_QUERY_CHARS).collect()))
        .collect()
    }

    fn page(&self) -> usize {
        usize::try_from(super::page_number(self.trang.as_deref(), 50)).unwrap_or(1)
    }

    /// This search's URL with one filter set (or cleared with `None`) and
    /// the first page.
    fn url_with(&self, change: Option<(Dimension, &str)>, clear: Option<Dimension>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let text = self.text();
        if !text.is_empty() {
            pairs.push(("q", text));
        }
        for (d, v) in self.filters() {
            if Some(d) == clear || change.is_some_and(|(c, _)| c == d) {
                continue;
            }
            pairs.push((param_of(d), v));
        }
        if let Some((d, v)) = change {
            pairs.push((param_of(d), v.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            "/tra-cuu".into()
        } else {
            format!("/tra-cuu?{query}")
        }
    }
}

async fn run(state: &AppState, params: &Params, scope: Scope) -> AppResult<SearchResults> {
    let Some(service) = state.search.clone() else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the search index is not open"
        )));
    };
    let query = SearchQuery {
        text: params.text(),
        filters: params.filters(),
        offset: (params.page() - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let index = service.index();
    let results = tokio::task::spawn_blocking(move || index.search(&query, &scope))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(results)
}

/// A facet value as a link that adds or removes it.
pub(crate) struct FacetLink {
    pub(crate) label: String,
    pub(crate) count: u64,
    pub(crate) href: String,
    pub(crate) active: bool,
}

/// A facet with its values.
pub(crate) struct FacetGroup {
    pub(crate) label: &'static str,
    pub(crate) links: Vec<FacetLink>,
}

#[derive(Template)]
#[template(path = "search_results_partial.html")]
struct ResultsView {
    q: String,
    total: usize,
    hits: Vec<Hit>,
    facets: Vec<FacetGroup>,
    filtered: bool,
    clear_href: String,
    page: usize,
    pages: usize,
    prev_href: String,
    next_href: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    results: ResultsView,
}

fn view(params: &Params, results: SearchResults) -> ResultsView {
    let active = params.filters();
    let facets = results
        .facets
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(d, values)| FacetGroup {
            label: d.label(),
            links: values
                .into_iter()
                .map(
                    |FacetValue {
                         value,
                         label,
                         count,
                     }| {
                        let on = active.iter().any(|(ad, av)| *ad == d && *av == value);
                        FacetLink {
                            href: if on {
                                params.url_with(None, Some(d))
                            } else {
                                params.url_with(Some((d, &value)), None)
                            },
                            label,
                            count,
                            active: on,
                        }
                    },
                )
                .collect(),
        })
        .collect();
    let page = params.page();
    let pages = results.total.div_ceil(PAGE_SIZE).max(1);
    let paged = |n: usize| {
        let base = params.url_with(None, None);
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}trang={n}")
    };
    ResultsView {
        q: params.text(),
        total: results.total,
        hits: results.hits,
        facets,
        filtered: !active.is_empty(),
        clear_href: Params {
            q: params.q.clone(),
            ..Params::default()
        }
        .url_with(None, None),
        page,
        pages,
        prev_href: paged(page.saturating_sub(1).max(1)),
        next_href: paged(page + 1),
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> AppResult<Response> {
    let scope = scope_of(&*state.store, &viewer, local_day(state.clock.now())).await?;
    let results = run(&state, &params, scope).await?;
    let results = view(&params, results);
    if headers.contains_key("hx-request") {
        return Ok(Html(results.render()?).into_response());
    }
    let layout = Layout::signed(&state, &viewer, &csrf, "Tra cứu", "/tra-cuu").await?;
    let page = SearchPage {
        layout,
        q: params.text(),
        results,
    };
    Ok(Html(page.render()?).into_response())
}

/// The JSON answer: hits with their highlighted HTML, facet counts by
/// dimension, and the total.
#[derive(Serialize)]
struct ApiAnswer {
    total: usize,
    page: usize,
    hits: Vec<Hit>,
    facets: std::collections::BTreeMap<&'static str, Vec<FacetValue>>,
}

pub(crate) async fn api(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Query(params): Query<Params>,
) -> AppResult<Response> {
    let viewer: &Viewer = &viewer;
    let scope = scope_of(&*state.store, viewer, local_day(state.clock.now())).await?;
    let results = run(&state, &params, scope).await?;
    let answer = ApiAnswer {
        total: results.total,
        page: params.page(),
        hits: results.hits,
        facets: results
            .facets
            .into_iter()
            .map(|(d, values)| (param_of(d), values))
            .collect(),
    };
    Ok(Json(answer).into_response())
}
