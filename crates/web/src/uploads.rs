//! File uploads: the CSRF token of a multipart form, read from its `_csrf`
//! field so that an upload works without JavaScript. (Body limits are set
//! per route in `routes.rs`.)

use axum::body::Body;
use axum::extract::{FromRequest as _, Multipart, Request};
use axum::http::header;

use crate::AppError;

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
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
