//! Sign-in, the second factor, sign-out and switching council.

use crate::form::Form;
use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::throttle::Verdict;
use nghitruong_store::{AuditContext, AuditEvent, NewSession};
use serde::Deserialize;
use serde_json::json;

use super::{
    CsrfToken, MaybeSigned, Revoked, SESSION_COOKIE, Signed, password, random_token, safe_next,
    set_cookie, token_hash, totp,
};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::layout::Layout;
use crate::ops::request_id;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

pub(crate) async fn form(
    MaybeSigned(viewer): MaybeSigned,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if viewer.is_some_and(|v| !v.session.needs_totp) {
        return Ok(Redirect::to("/").into_response());
    }
    let page = LoginPage {
        layout: Layout::public("Đăng nhập", &csrf),
        username: String::new(),
        next: safe_next(q.next.as_deref()).to_owned(),
        error: None,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// The actor named in audit records of attempts made before sign-in.
const ANONYMOUS: &str = "Khách chưa đăng nhập";

const WRONG: &str = "Tên đăng nhập hoặc mật khẩu không đúng.";
const LOCKED: &str = "Đăng nhập tạm bị khóa do nhập sai nhiều lần. Vui lòng thử lại sau 15 phút \
                      hoặc liên hệ quản trị viên.";

pub(crate) async fn submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let username = form.username.trim().to_lowercase();
    let next = safe_next(form.next.as_deref()).to_owned();
    let refuse = |status: StatusCode, message: &str| -> AppResult<Response> {
        let page = LoginPage {
            layout: Layout::public("Đăng nhập", &csrf),
            username: username.chars().take(64).collect(),
            next: next.clone(),
            error: Some(message.to_owned()),
        };
        Ok((status, Html(page.render()?)).into_response())
    };
    if username.is_empty() || form.password.is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Vui lòng nhập tên đăng nhập và mật khẩu.",
        );
    }
    if username.len() > 64 || form.password.len() > 256 {
        return refuse(StatusCode::BAD_REQUEST, WRONG);
    }

    let now = state.clock.now();
    // Whatever name was typed stays in the details; the actor of an
    // anonymous attempt is never the typed text, which could imitate a
    // real person or the system.
    let ctx = AuditContext {
        actor_id: None,
        actor_name: ANONYMOUS.into(),
        request_id: request_id(&headers),
        at: now,
    };
    let address = addr.ip().to_string();
    let account_key = format!("u:{username}");
    let _pass = state.login_gate.enter(&account_key).await;
    let address_key = format!("ip:{address}");
    let since = now - state.config.throttle.window;
    let account_failures = state.store.login_failures(&account_key, since).await?;
    let verdict = state.config.throttle.decide(
        account_failures,
        state.store.login_failures(&address_key, since).await?,
    );
    if verdict == Verdict::Locked {
        // Refused attempts while locked are logged, not audited: they change
        // nothing, and an attacker could otherwise grow the audit log at will.
        tracing::warn!(target: "audit", address = %address, "sign-in refused while locked");
        return refuse(StatusCode::TOO_MANY_REQUESTS, LOCKED);
    }

    let creds = state.store.user_credentials(&username).await?;
    let phc = creds.as_ref().map_or_else(
        || password::decoy_hash().to_owned(),
        |c| c.password_hash.clone(),
    );
    let matches = password::verify_async(form.password, phc).await;
    let creds = match creds {
        Some(c) if matches && c.user.is_active => c,
        _ => {
            state
                .store
                .record_login_failure(&[account_key, address_key], now)
                .await?;
            let event = event("auth.login.failed", &username, &address);
            state.store.record_event(&event, &ctx).await?;
            if account_failures + 1 == state.config.throttle.per_account {
                // The failure that locks the account is audited once as a lock.
                let event = event_locked(&username, &address);
                state.store.record_event(&event, &ctx).await?;
            }
            return refuse(StatusCode::UNAUTHORIZED, WRONG);
        }
    };
    let needs_totp = creds.totp_secret.is_some();
    if !needs_totp {
        // With a second factor, failures are cleared only once it is passed,
        // so the code cannot be guessed by signing in again and again.
        state.store.clear_login_failures(&account_key).await?;
    }

    let token = random_token();
    let session = NewSession {
        token_hash: token_hash(&token),
        user_id: creds.user.id,
        csrf_token: random_token(),
        council_id: None,
        needs_totp,
        expires_at: now + time::Duration::hours(state.config.session_hours),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect(),
        address,
    };
    let ctx = AuditContext {
        actor_id: Some(creds.user.id),
        actor_name: creds.user.display_name.clone(),
        ..ctx
    };
    state.store.create_session(&session, &ctx).await?;
    tracing::info!(target: "audit", user_id = creds.user.id, "signed in");

    let target = if needs_totp {
        "/dang-nhap/xac-thuc".to_owned()
    } else {
        next
    };
    let max_age = state.config.session_hours * 3600;
    let cookie = set_cookie(SESSION_COOKIE, &token, max_age, state.config.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&target)).into_response())
}

fn event_locked(username: &str, address: &str) -> AuditEvent {
    event("auth.login.locked", username, address)
}

fn event(action: &str, username: &str, address: &str) -> AuditEvent {
    AuditEvent {
        action: action.into(),
        entity: "account".into(),
        entity_id: None,
        details: Some(json!({ "username": username, "address": address })),
    }
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    layout: Layout,
    error: Option<String>,
}

pub(crate) async fn second_factor_form(CsrfToken(csrf): CsrfToken) -> AppResult<Response> {
    let page = SecondFactorPage {
        layout: Layout::public("Xác thực hai lớp", &csrf),
        error: None,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(crate) async fn second_factor(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let account_key = format!("u:{}", viewer.user.username);
    let address_key = format!("ip:{}", addr.ip());
    let _pass = state.login_gate.enter(&account_key).await;
    let since = now - state.config.throttle.window;
    let locked = state.config.throttle.decide(
        state.store.login_failures(&account_key, since).await?,
        state.store.login_failures(&address_key, since).await?,
    ) == Verdict::Locked;
    let secret = state
        .store
        .user_credentials(&viewer.user.username)
        .await?
        .and_then(|c| c.totp_secret);
    let unix = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let step = if locked {
        None
    } else {
        secret.and_then(|s| totp::check(&s, &form.code, unix))
    };
    // A code is accepted once: the step it belongs to is recorded.
    let fresh = match step {
        Some(step) => state.store.use_totp_step(viewer.user.id, step).await?,
        None => false,
    };
    let ctx = audit_context(&state, &viewer, &headers);
    if !fresh {
        if !locked {
            state
                .store
                .record_login_failure(&[account_key, address_key], now)
                .await?;
            let event = event(
                "auth.second_factor.failed",
                &viewer.user.username,
                &addr.ip().to_string(),
            );
            state.store.record_event(&event, &ctx).await?;
        }
        let message = if locked {
            LOCKED
        } else {
            "Mã xác thực không đúng, đã dùng hoặc đã hết hạn."
        };
        let page = SecondFactorPage {
            layout: Layout::public("Xác thực hai lớp", &csrf),
            error: Some(message.into()),
        };
        return Ok((StatusCode::UNAUTHORIZED, Html(page.render()?)).into_response());
    }
    state.store.clear_login_failures(&account_key).await?;

    // A new session token once the second factor is passed, so a token
    // seen before it (on a shared tablet, say) is worth nothing after.
    let token = random_token();
    let session = NewSession {
        token_hash: token_hash(&token),
        user_id: viewer.user.id,
        csrf_token: random_token(),
        council_id: viewer.session.council_id,
        needs_totp: false,
        expires_at: viewer.session.expires_at,
        user_agent: viewer.session.user_agent.clone(),
        address: viewer.session.address.clone(),
    };
    state
        .store
        .confirm_second_factor(viewer.session.id, &ctx)
        .await?;
    state.store.create_session(&session, &ctx).await?;
    state
        .store
        .revoke_session(viewer.user.id, viewer.session.id, &ctx)
        .await?;
    state.viewers.revoke(Revoked::Session(viewer.session.id));
    let max_age = (viewer.session.expires_at - now).whole_seconds().max(0);
    let cookie = set_cookie(SESSION_COOKIE, &token, max_age, state.config.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

pub(crate) async fn sign_out(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
) -> AppResult<Response> {
    let ctx = audit_context(&state, &viewer, &headers);
    state
        .store
        .revoke_session(viewer.user.id, viewer.session.id, &ctx)
        .await?;
    state.viewers.revoke(Revoked::Session(viewer.session.id));
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies);
    // The browser drops what it kept for offline reading (the service
    // worker's cache and its registration), so the next person on a shared
    // tablet sees nothing of this deputy's documents. Browsers honour it on
    // HTTPS and loopback; app.js also empties the cache itself on sign-out
    // and on the sign-in page (after a sign-in that timed out).
    Ok((
        [
            (header::SET_COOKIE, cookie),
            (
                header::HeaderName::from_static("clear-site-data"),
                axum::http::HeaderValue::from_static("\"cache\", \"storage\""),
            ),
        ],
        Redirect::to("/dang-nhap"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct SwitchForm {
    council_id: i64,
    next: Option<String>,
}

pub(crate) async fn switch_council(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Form(form): Form<SwitchForm>,
) -> AppResult<Response> {
    if !viewer.may_enter(form.council_id) {
        return Err(AppError::Forbidden);
    }
    state.store.council(form.council_id).await?;
    state
        .store
        .set_session_council(viewer.session.id, form.council_id)
        .await?;
    // Streams opened in the council left behind end.
    state.viewers.revoke(Revoked::Session(viewer.session.id));
    Ok(Redirect::to(safe_next(form.next.as_deref())).into_response())
}

/// The audit context of a signed-in request.
pub(crate) fn audit_context(
    state: &AppState,
    viewer: &super::Viewer,
    headers: &HeaderMap,
) -> AuditContext {
    audit_context_of(state, viewer, request_id(headers))
}

/// [`audit_context`] when the request's id has been read already.
pub(crate) fn audit_context_of(
    state: &AppState,
    viewer: &super::Viewer,
    request_id: Option<String>,
) -> AuditContext {
    AuditContext {
        actor_id: Some(viewer.user.id),
        actor_name: viewer.user.display_name.clone(),
        request_id,
        at: state.clock.now(),
    }
}
