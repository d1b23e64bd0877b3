//! One's own account: password, second factor, sign-in sessions.

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use nghitruong_domain::text;
use serde::Deserialize;

use super::local_time;
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Revoked, Signed, Viewer, password, totp};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;

/// A session as listed.
pub(crate) struct SessionRow {
    pub(crate) id: i64,
    pub(crate) created: String,
    pub(crate) last_seen: String,
    pub(crate) device: String,
    pub(crate) address: String,
    pub(crate) current: bool,
    pub(crate) live: bool,
}

/// A browser string as people name their device: "Chrome trên Android".
/// Only the common families are told apart; anything else is "Trình duyệt
/// khác", which is enough to tell one's own sessions apart.
fn device_name(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("CocCoc") || ua.contains("coc_coc") {
        "Cốc Cốc"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "Trình duyệt khác"
    };
    let system = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS/iPadOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        return browser.to_owned();
    };
    format!("{browser} trên {system}")
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    username: String,
    roles: Vec<String>,
    has_totp: bool,
    sessions: Vec<SessionRow>,
    error: Option<String>,
    notice: Option<String>,
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    error: Option<String>,
    notice: Option<String>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let user = state.store.user(viewer.user.id).await?;
    let sessions = state
        .store
        .sessions_of(viewer.user.id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            created: local_time(s.created_at),
            last_seen: local_time(s.last_seen_at),
            device: device_name(&s.user_agent),
            address: s.address.clone(),
            current: s.id == viewer.session.id,
            live: s.revoked_at.is_none() && s.expires_at > now,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = AccountPage {
        layout: Layout::signed(state, viewer, csrf, "Tài khoản", "/tai-khoan").await?,
        username: user.username,
        roles: viewer.roles.iter().map(|r| r.label().to_owned()).collect(),
        has_totp: user.has_totp,
        sessions,
        error,
        notice,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    page(&state, &viewer, &csrf, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// Checks the password typed to confirm a sensitive change. Wrong guesses
/// count against the account like wrong sign-ins, so a stolen session
/// cannot be used to find the password.
async fn current_password_ok(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    typed: String,
) -> AppResult<bool> {
    let now = state.clock.now();
    let key = format!("u:{}", viewer.user.username);
    let failures = state
        .store
        .login_failures(&key, now - state.config.throttle.window)
        .await?;
    if state.config.throttle.decide(failures, 0) == nghitruong_domain::throttle::Verdict::Locked {
        return Err(AppError::TooManyRequests(
            "Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 15 phút.".into(),
        ));
    }
    let creds = state
        .store
        .user_credentials(&viewer.user.username)
        .await?
        .ok_or(AppError::NotFound)?;
    let ok = password::verify_async(typed, creds.password_hash).await;
    if !ok {
        state.store.record_login_failure(&[key], now).await?;
        let event = nghitruong_store::AuditEvent {
            action: "auth.password_check.failed".into(),
            entity: "user".into(),
            entity_id: Some(viewer.user.id.to_string()),
            details: None,
        };
        state
            .store
            .record_event(&event, &audit_context(state, viewer, headers))
            .await?;
    }
    Ok(ok)
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    if !current_password_ok(&state, &viewer, &headers, form.current).await? {
        return page(
            &state,
            &viewer,
            &csrf,
            Some("Mật khẩu hiện tại không đúng.".into()),
            None,
        )
        .await;
    }
    if let Err(e) = text::new_password(&form.new) {
        return page(&state, &viewer, &csrf, Some(e.to_string()), None).await;
    }
    if form.new != form.confirm {
        return page(
            &state,
            &viewer,
            &csrf,
            Some("Mật khẩu nhập lại không khớp.".into()),
            None,
        )
        .await;
    }
    let hash = password::hash_async(form.new).await?;
    state
        .store
        .set_password(
            viewer.user.id,
            &hash,
            &audit_context(&state, &viewer, &headers),
        )
        .await?;
    state.viewers.revoke(Revoked::User(viewer.user.id));
    // Every session, this one included, ends with the old password.
    Ok(axum::response::Redirect::to("/dang-nhap").into_response())
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let ctx = audit_context(&state, &viewer, &headers);
    let revoked = state.store.revoke_session(viewer.user.id, id, &ctx).await;
    if revoked.is_ok() {
        state.viewers.revoke(Revoked::Session(id));
    }
    match revoked {
        Ok(()) if id == viewer.session.id => {
            Ok(axum::response::Redirect::to("/dang-nhap").into_response())
        }
        Ok(()) => {
            page(
                &state,
                &viewer,
                &csrf,
                None,
                Some("Đã thu hồi phiên đăng nhập.".into()),
            )
            .await
        }
        Err(nghitruong_store::StoreError::NotFound) => {
            page(
                &state,
                &viewer,
                &csrf,
                Some("Phiên này không còn hiệu lực.".into()),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "totp_setup.html")]
struct TotpSetupPage {
    layout: Layout,
    secret: String,
    qr: String,
    error: Option<String>,
}

async fn setup_page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    secret: String,
    error: Option<String>,
) -> AppResult<Response> {
    let url = totp::provisioning_url(&secret, &viewer.user.username);
    let page = TotpSetupPage {
        layout: Layout::signed(state, viewer, csrf, "Xác thực hai lớp", "/tai-khoan").await?,
        qr: totp::qr_data_url(&url).unwrap_or_default(),
        secret,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub(crate) async fn totp_setup(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
) -> AppResult<Response> {
    setup_page(&state, &viewer, &csrf, totp::new_secret(), None).await
}

#[derive(Deserialize)]
pub(crate) struct EnableForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    current: String,
}

pub(crate) async fn totp_enable(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Form(form): Form<EnableForm>,
) -> AppResult<Response> {
    let secret: String = form.secret.trim().chars().take(64).collect();
    let valid_secret = secret.len() >= 26
        && secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b));
    if !valid_secret {
        return Err(AppError::BadRequest(
            "Khóa bí mật không hợp lệ. Vui lòng bắt đầu lại.".into(),
        ));
    }
    // Replacing a second factor takes turning the old one off first, and
    // both need the password: a stolen session cannot swap in its own.
    if state.store.user(viewer.user.id).await?.has_totp {
        let msg = "Xác thực hai lớp đang bật. Hãy tắt trước khi thiết lập lại.".into();
        return page(&state, &viewer, &csrf, Some(msg), None).await;
    }
    if !current_password_ok(&state, &viewer, &headers, form.current).await? {
        let msg = "Mật khẩu hiện tại không đúng.".into();
        return setup_page(&state, &viewer, &csrf, secret, Some(msg)).await;
    }
    let unix = u64::try_from(state.clock.now().unix_timestamp()).unwrap_or(0);
    if totp::check(&secret, &form.code, unix).is_none() {
        let msg = "Mã xác thực không đúng. Kiểm tra giờ trên điện thoại rồi nhập mã mới.".into();
        return setup_page(&state, &viewer, &csrf, secret, Some(msg)).await;
    }
    let ctx = audit_context(&state, &viewer, &headers);
    state
        .store
        .set_totp_secret(viewer.user.id, Some(&secret), &ctx)
        .await?;
    page(
        &state,
        &viewer,
        &csrf,
        None,
        Some("Đã bật xác thực hai lớp.".into()),
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct DisableForm {
    #[serde(default)]
    current: String,
}

pub(crate) async fn totp_disable(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Form(form): Form<DisableForm>,
) -> AppResult<Response> {
    if !current_password_ok(&state, &viewer, &headers, form.current).await? {
        return page(
            &state,
            &viewer,
            &csrf,
            Some("Mật khẩu hiện tại không đúng.".into()),
            None,
        )
        .await;
    }
    let ctx = audit_context(&state, &viewer, &headers);
    state
        .store
        .set_totp_secret(viewer.user.id, None, &ctx)
        .await?;
    page(
        &state,
        &viewer,
        &csrf,
        None,
        Some("Đã tắt xác thực hai lớp.".into()),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::device_name;

    #[test]
    fn devices_are_named_as_people_say_them() {
        let tablet = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert_eq!(device_name(tablet), "Chrome trên Android");
        let ipad = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(device_name(ipad), "Safari trên iOS/iPadOS");
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(device_name(firefox), "Firefox trên Windows");
        assert_eq!(device_name(""), "Trình duyệt khác");
    }
}
