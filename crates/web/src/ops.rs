//! Operations: health, Prometheus metrics, request IDs, the error page.

use std::time::Instant;

use askama::Template;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::AppState;
use crate::error::ErrorInfo;
use crate::statics;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// The metrics the server exports.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("nghitruong");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Histogram::new([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]);
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        Self {
            registry,
            requests,
            latency,
        }
    }
}

impl Metrics {
    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "cơ sở dữ liệu không phản hồi",
            )
                .into_response()
        }
    }
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// A request being counted and timed by its route template, not its path,
/// so identifiers do not multiply the series (see `routes::entry`).
pub(crate) struct Tracked {
    started: Instant,
    method: &'static str,
    route: String,
}

impl Tracked {
    /// Starts the clock on `req`.
    pub(crate) fn start(req: &Request) -> Self {
        // Only known methods become labels, so no request can add series at will.
        let method = match req.method().as_str() {
            "GET" => "GET",
            "POST" => "POST",
            "HEAD" => "HEAD",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            "PATCH" => "PATCH",
            "OPTIONS" => "OPTIONS",
            _ => "OTHER",
        };
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
        Self {
            started: Instant::now(),
            method,
            route,
        }
    }

    /// Counts the request, answered with `response`.
    pub(crate) fn finish(self, metrics: &Metrics, response: &Response) {
        let labels = RequestLabels {
            method: self.method.to_owned(),
            route: self.route,
            status: response.status().as_u16(),
        };
        metrics.requests.get_or_create(&labels).inc();
        metrics
            .latency
            .observe(self.started.elapsed().as_secs_f64());
    }
}

/// Drops any request ID a client sent, so that the ID in logs and audit
/// records is always one the server made.
pub(crate) fn strip_client_request_id(mut req: Request) -> Request {
    req.headers_mut().remove("x-request-id");
    req
}

/// Request IDs: sixteen random hex digits.
#[derive(Clone, Copy, Default)]
pub(crate) struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _req: &axum::http::Request<B>) -> Option<RequestId> {
        let id = format!("{:016x}", rand::random::<u64>());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// The request ID of a request, for audit records and error pages.
/// What a frequent handler reads of its request's headers, without
/// copying them all as a `HeaderMap` argument does (a ballot, 500 in a
/// second: issue #3).
pub(crate) struct Asked {
    /// The request's id, for its audit record.
    pub(crate) request_id: Option<String>,
    /// Whether htmx sent it (and takes a fragment back).
    pub(crate) by_htmx: bool,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Asked {
            request_id: request_id(&parts.headers),
            by_htmx: parts.headers.contains_key("hx-request"),
        })
    }
}

pub(crate) fn request_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    heading: &'static str,
    message: String,
    request_id: String,
    css: String,
}

/// The message alone, for htmx requests that show it in place.
#[derive(Template)]
#[template(path = "error_partial.html")]
struct ErrorPartial<'a> {
    message: &'a str,
    request_id: &'a str,
}

fn heading(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Dữ liệu chưa hợp lệ",
        401 => "Cần đăng nhập",
        403 => "Không có quyền",
        405 => "Thao tác không được hỗ trợ",
        408 => "Quá thời gian xử lý",
        415 | 422 => "Biểu mẫu không hợp lệ",
        404 => "Không tìm thấy",
        413 => "Dữ liệu quá lớn",
        429 => "Tạm khóa",
        _ => "Có lỗi xảy ra",
    }
}

/// Whether going to `location` (a path, perhaps with `#fragment`) from the
/// page at `current` (htmx's absolute HX-Current-URL) would only move
/// within the page, so that a browser would not load it again.
fn only_fragment_differs(current: Option<&str>, location: &str) -> bool {
    let Some((target, _fragment)) = location.split_once('#') else {
        return false;
    };
    let Some(current) = current else {
        return false;
    };
    // The path and query of the current address, without its own fragment.
    let after_scheme = current.split_once("://").map_or(current, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let path = path.split('#').next().unwrap_or(path);
    path == target
}

/// What the error pages need to know of a request, read before it goes in
/// (see `routes::entry`).
pub(crate) struct ErrorPages {
    id: String,
    htmx: bool,
    boosted: bool,
    current_url: Option<String>,
}

impl ErrorPages {
    /// Reads what `req` tells of its page.
    pub(crate) fn of(req: &Request) -> Self {
        Self {
            id: request_id(req.headers()).unwrap_or_default(),
            htmx: req.headers().contains_key("hx-request"),
            boosted: req.headers().contains_key("hx-boosted"),
            current_url: req
                .headers()
                .get("hx-current-url")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }

    /// Renders an error `response` as a Vietnamese page with the request
    /// ID, and logs internal causes once, here.
    pub(crate) fn render(self, response: Response) -> Response {
        let Self {
            id,
            htmx,
            boosted,
            current_url,
        } = self;
        let status = response.status();
        if boosted && status.is_redirection() {
            // A form sent by htmx (hx-boost) that succeeded: the browser goes
            // where the handler sends it, as after a plain post, instead of htmx
            // following the redirect and swapping the next page into this one.
            if let Some(location) = response.headers().get(header::LOCATION).cloned() {
                let mut out = StatusCode::OK.into_response();
                if only_fragment_differs(current_url.as_deref(), location.to_str().unwrap_or("")) {
                    // Going to "/page#part" from "/page" would only scroll, not
                    // show what was saved: reload instead (the browser keeps the
                    // scroll position, so the person stays at the form).
                    out.headers_mut()
                        .insert("hx-refresh", HeaderValue::from_static("true"));
                } else {
                    out.headers_mut().insert("hx-redirect", location);
                }
                return out;
            }
        }
        if !(status.is_client_error() || status.is_server_error()) {
            return response;
        }
        let info = response.extensions().get::<ErrorInfo>().cloned();
        // Our own pages (a form shown again with its message) pass through;
        // anything else, such as a framework rejection in English, is replaced.
        let is_html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if info.is_none() && is_html {
            return response;
        }
        let info = info.unwrap_or_else(|| ErrorInfo {
            heading: None,
            message: match status.as_u16() {
                404 => "Không tìm thấy trang hoặc dữ liệu được yêu cầu.".into(),
                405 => "Thao tác này không được hỗ trợ tại địa chỉ này.".into(),
                413 => crate::error::TOO_LARGE.into(),
                415 | 422 | 400 => {
                    "Biểu mẫu gửi lên không đúng định dạng. Vui lòng tải lại trang rồi thử lại."
                        .into()
                }
                _ => "Hệ thống gặp sự cố khi xử lý yêu cầu.".into(),
            },
            internal: None,
        });
        if let Some(internal) = &info.internal {
            tracing::error!(request_id = %id, error = %internal, "request failed");
        }
        if htmx {
            // An htmx request gets the message where the page shows notices.
            let partial = ErrorPartial {
                message: &info.message,
                request_id: &id,
            };
            let fragment = partial.render().unwrap_or_else(|_| "Có lỗi xảy ra.".into());
            let mut out = (status, Html(fragment)).into_response();
            out.headers_mut()
                .insert("hx-retarget", HeaderValue::from_static("#thong-bao"));
            out.headers_mut()
                .insert("hx-reswap", HeaderValue::from_static("innerHTML"));
            // A refused form stays at its own address (a boosted form would
            // otherwise show the address it was posted to).
            out.headers_mut()
                .insert("hx-push-url", HeaderValue::from_static("false"));
            return out;
        }
        let page = ErrorPage {
            status: status.as_u16(),
            heading: info.heading.unwrap_or_else(|| heading(status)),
            message: info.message,
            request_id: id,
            css: statics::url("app.css"),
        };
        let body = page.render().unwrap_or_else(|_| "Có lỗi xảy ra.".into());
        (status, Html(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::only_fragment_differs;

    #[test]
    fn a_redirect_to_a_part_of_the_same_page_is_recognised() {
        let here = Some("http://127.0.0.1:8080/kien-nghi/hoi-nghi/3");
        assert!(only_fragment_differs(here, "/kien-nghi/hoi-nghi/3#y-kien"));
        assert!(only_fragment_differs(
            Some("http://127.0.0.1:8080/kien-nghi/hoi-nghi/3#y-kien"),
            "/kien-nghi/hoi-nghi/3#y-kien"
        ));
        assert!(!only_fragment_differs(here, "/kien-nghi/hoi-nghi/3"));
        assert!(!only_fragment_differs(here, "/kien-nghi/hoi-nghi/4#y-kien"));
        assert!(!only_fragment_differs(None, "/kien-nghi/hoi-nghi/3#y-kien"));
        assert!(!only_fragment_differs(
            Some("http://127.0.0.1:8080/kien-nghi/hoi-nghi/3?trang=2"),
            "/kien-nghi/hoi-nghi/3#y-kien"
        ));
        assert!(only_fragment_differs(Some("http://[::1]:80"), "/#a"));
    }
}
