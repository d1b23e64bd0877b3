//! Thông báo: a person's notifications, newest first, marked read one by
//! one or all at once, and the address e-mails go to.

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::local_time;
use crate::AppState;
use crate::auth::Access::SignedIn;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::routes::{Route, r};

/// How many notifications the page lists.
const SHOWN: i64 = 200;

/// The routes of notifications.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        r(Method::GET, "/thong-bao", SignedIn, get(list)),
        r(Method::POST, "/thong-bao/da-doc", SignedIn, post(mark_all)),
        r(
            Method::POST,
            "/thong-bao/{id}/da-doc",
            SignedIn,
            post(mark_one),
        ),
        r(
            Method::POST,
            "/thong-bao/thu-dien-tu",
            SignedIn,
            post(set_email),
        ),
    ]
}

struct Row {
    id: i64,
    subject: String,
    body: String,
    link: Option<String>,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    unread: i64,
    email: String,
    email_enabled: bool,
}

async fn list(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    let user = viewer.user.id;
    let rows: Vec<Row> = state
        .store
        .notifications(user, SHOWN)
        .await?
        .into_iter()
        .map(|n| Row {
            id: n.id,
            subject: n.subject,
            body: n.body,
            link: n
                .link
                .filter(|l| l.starts_with('/') && !l.starts_with("//")),
            at: local_time(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    let page = ListPage {
        layout: Layout::signed(&state, &viewer, &csrf, "Thông báo", "/thong-bao").await?,
        unread: state.store.unread_notifications(user).await?,
        rows,
        email: state.store.user_email(user).await?.unwrap_or_default(),
        email_enabled: state.mailer.is_some(),
    };
    Ok(Html(page.render()?).into_response())
}

async fn mark_all(State(state): State<AppState>, Signed(viewer): Signed) -> AppResult<Response> {
    state
        .store
        .mark_notifications_read(viewer.user.id, None, state.clock.now())
        .await?;
    Ok(Redirect::to("/thong-bao").into_response())
}

#[derive(Deserialize)]
struct MarkForm {
    #[serde(default)]
    next: String,
}

async fn mark_one(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
    Form(form): Form<MarkForm>,
) -> AppResult<Response> {
    state
        .store
        .mark_notifications_read(viewer.user.id, Some(id), state.clock.now())
        .await?;
    // Only a path inside the product, never another site.
    let next = if form.next.starts_with('/') && !form.next.starts_with("//") {
        form.next
    } else {
        "/thong-bao".to_owned()
    };
    Ok(Redirect::to(&next).into_response())
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn set_email(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<EmailForm>,
) -> AppResult<Response> {
    let email = form.email.trim();
    let email = if email.is_empty() {
        None
    } else if email.chars().count() <= 254 && crate::notify::valid_email(email) {
        Some(email)
    } else {
        return Err(AppError::BadRequest(
            "Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@coquan.gov.vn).".into(),
        ));
    };
    state
        .store
        .set_user_email(
            viewer.user.id,
            email,
            &audit_context(&state, &viewer, &headers),
        )
        .await?;
    Ok(Redirect::to("/thong-bao").into_response())
}
