//! File uploads: the body limit per request (forms get the small limit,
//! multipart uploads to the paths that take files the larger one) and the
//! CSRF token of a multipart form, read from its `_csrf` field so that the
//! upload works without JavaScript.

use axum::body::Body;
use axum::extract::{FromRequest as _, Multipart, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::{AppError, AppState};

/// Paths (and their sub-paths) whose POST may carry a file.
const UPLOAD_PATHS: &[&str] = &["/van-ban-di", "/kien-nghi/dot"];

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

fn takes_files(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == Method::POST
        && is_multipart(req)
        && UPLOAD_PATHS
            .iter()
            .any(|p| path == *p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

/// Refuses a body over the limit of its kind, by its declared length at
/// once and by counting as it streams.
pub(crate) async fn limit_body(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, AppError> {
    let limit = if takes_files(&req) {
        state.config.max_upload_bytes
    } else {
        state.config.max_form_bytes
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(AppError::TooLarge);
    }
    let req = req.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    Ok(next.run(req).await)
}

/// Reads the `_csrf` field of a multipart body and hands the request on
/// with the same body when `ok` accepts it.
pub(crate) async fn check_multipart_token(
    req: Request,
    limit: usize,
    ok: impl Fn(&str) -> bool,
) -> Result<Request, AppError> {
    if !is_multipart(&req) {
        return Err(AppError::Csrf);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let copy = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    let mut form = Multipart::from_request(copy, &())
        .await
        .map_err(|_| AppError::Csrf)?;
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
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
