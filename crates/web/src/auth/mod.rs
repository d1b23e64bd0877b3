//! Signing in, the signed-in viewer, CSRF protection and the access check
//! every route goes through.
//!
//! A sign-in is a random token in an HTTP-only, SameSite=Lax cookie; the
//! database keeps only its SHA-256, so a stolen database holds no usable
//! sessions. Each session carries its own CSRF token; before sign-in a
//! double-submit cookie plays that part for the sign-in form.

mod cache;
pub mod check_in;
mod gate;
pub(crate) mod login;
pub mod password;
pub mod totp;

pub use cache::{Revoked, SeenSessions, ViewerCache};
pub use gate::LoginGate;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use nghitruong_domain::access::{Permission, Role};
use nghitruong_domain::org::{Council, CouncilLevel};
use nghitruong_store::{AuthSession, CouncilFilter, RoleGrant, User};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use crate::AppState;
use crate::error::AppError;

pub(crate) const SESSION_COOKIE: &str = "nt_session";
pub(crate) const CSRF_COOKIE: &str = "nt_csrf";
pub(crate) const CSRF_FIELD: &str = "_csrf";
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// The signed-in person and where they are working.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// The account.
    pub user: User,
    /// The sign-in session.
    pub session: AuthSession,
    /// The council being worked in, if the account has any role.
    pub council: Option<Council>,
    /// Roles held in that council.
    pub roles: Vec<Role>,
    /// Every role the account holds.
    pub grants: Vec<RoleGrant>,
}

impl Viewer {
    /// Whether the account holds the administrator role.
    pub fn is_admin(&self) -> bool {
        self.grants
            .iter()
            .any(|g| g.council_id.is_none() && g.role == Role::Admin)
    }

    /// Whether any role held in the current council grants `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        let level = self
            .council
            .as_ref()
            .map_or(CouncilLevel::Commune, |c| c.level);
        self.roles.iter().any(|r| r.permits(permission, level))
    }

    /// The role shown beside the name: the first held here.
    pub fn role_label(&self) -> &'static str {
        self.roles
            .first()
            .map_or("Chưa được phân vai trò", |r| r.label())
    }

    /// Whether the account may work in `council_id`.
    pub fn may_enter(&self, council_id: i64) -> bool {
        self.is_admin() || self.grants.iter().any(|g| g.council_id == Some(council_id))
    }

    /// The current council's id.
    pub fn council_id(&self) -> Option<i64> {
        self.council.as_ref().map(|c| c.id)
    }
}

/// The CSRF token the current page's forms must carry.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Random bytes as URL-safe base64.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a session token.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub(crate) fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("x=; Max-Age=0"))
}

/// Lets a request in: loads the viewer from the session cookie, if any,
/// into its extensions, then checks its CSRF token ([`check_csrf`]). The
/// CSRF cookie to set on the answer, when the visitor had none.
///
/// Works on the request in place rather than as a layer of its own: each
/// layer of `from_fn` costs every request a clone of the service below it
/// and a boxed future, and each `async fn` that takes the request by value
/// keeps room for it in its future beside the future it awaits. Nested,
/// the way in held 4 kB per request, faulted in fresh for each of the 500
/// ballots of a vote (issue #3).
pub(crate) async fn admit(
    state: &AppState,
    req: &mut Request,
) -> Result<Option<HeaderValue>, AppError> {
    let viewer = match cookie_value(req.headers(), SESSION_COOKIE) {
        Some(token) => signed_in(state, &token).await?,
        None => None,
    };
    req.extensions_mut().insert(viewer);
    check_csrf(state, req).await
}

/// The viewer a session token signs in, from the cache when it holds.
async fn signed_in(state: &AppState, token: &str) -> Result<Option<Arc<Viewer>>, AppError> {
    let hash = token_hash(token);
    let now = state.clock.now();
    let viewer = match state.viewers.get(&hash, now) {
        Some(known) => known,
        None => {
            let epoch = state.viewers.epoch(state.store.as_ref()).await?;
            match state.viewers.still_holds(&hash, now, epoch) {
                Some(held) => Some(held),
                None => {
                    let viewer = Box::pin(viewer_for(state, &hash)).await?.map(Arc::new);
                    state.viewers.put(hash, now, epoch, viewer.clone());
                    viewer
                }
            }
        }
    };
    if let Some(v) = &viewer {
        state.seen.seen(&state.store, &v.session, now);
    }
    Ok(viewer)
}

async fn viewer_for(state: &AppState, token_hash: &str) -> Result<Option<Viewer>, AppError> {
    let now = state.clock.now();
    let Some(session) = state.store.live_session(token_hash, now).await? else {
        return Ok(None);
    };
    let user = state.store.user(session.user_id).await?;
    if !user.is_active {
        return Ok(None);
    }
    let grants = state.store.roles(user.id).await?;
    let is_admin = grants
        .iter()
        .any(|g| g.council_id.is_none() && g.role == Role::Admin);
    let allowed = |id: i64| is_admin || grants.iter().any(|g| g.council_id == Some(id));
    let council_id = match session.council_id.filter(|id| allowed(*id)) {
        Some(id) => Some(id),
        None => match grants.iter().find_map(|g| g.council_id) {
            Some(id) => Some(id),
            None if is_admin => first_province(state).await?,
            None => None,
        },
    };
    let council = match council_id {
        Some(id) => Some(state.store.council(id).await?),
        None => None,
    };
    let mut roles: Vec<Role> = Vec::new();
    for g in &grants {
        let here = g.council_id.is_none() || g.council_id == council_id;
        if here && !roles.contains(&g.role) {
            roles.push(g.role);
        }
    }
    // The most specific role of this council comes first in labels.
    roles.sort_by_key(|r| if *r == Role::Admin { 1 } else { 0 });
    Ok(Some(Viewer {
        user,
        session,
        council,
        roles,
        grants,
    }))
}

async fn first_province(state: &AppState) -> Result<Option<i64>, AppError> {
    let filter = CouncilFilter {
        level: Some(CouncilLevel::Province),
        limit: 1,
        ..Default::default()
    };
    let (found, _) = state.store.councils(&filter).await?;
    Ok(found.first().map(|s| s.council.id))
}

/// The viewer `load_viewer` put in a request's extensions, if signed in.
fn viewer_in(extensions: &axum::http::Extensions) -> Option<Arc<Viewer>> {
    extensions.get::<Option<Arc<Viewer>>>().cloned().flatten()
}

/// Checks the CSRF token of every state-changing request and hands the
/// page's token to handlers; the CSRF cookie to set, when the visitor had
/// none. Form bodies are read here, within the size limit, and given back
/// to the handler unchanged.
async fn check_csrf(state: &AppState, req: &mut Request) -> Result<Option<HeaderValue>, AppError> {
    let viewer = viewer_in(req.extensions());
    let cookie = cookie_value(req.headers(), CSRF_COOKIE);
    let (expected, fresh) = match (&viewer, cookie) {
        (Some(v), _) => (v.session.csrf_token.clone(), false),
        (None, Some(c)) if c.len() >= 32 => (c, false),
        (None, _) => (random_token(), true),
    };

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method {
        check_token(req, &expected, viewer.as_deref(), &state.config).await?;
    }
    let cookie = fresh.then(|| {
        set_cookie(
            CSRF_COOKIE,
            &expected,
            8 * 3600,
            state.config.secure_cookies,
        )
    });
    req.extensions_mut().insert(CsrfToken(expected));
    Ok(cookie)
}

/// Checks the token of a state-changing request, leaving its body as it
/// came.
async fn check_token(
    req: &mut Request,
    expected: &str,
    viewer: Option<&Viewer>,
    config: &crate::WebConfig,
) -> Result<(), AppError> {
    let limit = config.max_form_bytes;
    // htmx sends the token as a header; a plain form, as a field.
    let by_header = match req.headers().get(CSRF_HEADER).map(|v| v.to_str()) {
        Some(Ok(sent)) if same(sent, expected) => true,
        Some(_) => return Err(AppError::Csrf),
        None => false,
    };
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| crate::uploads::media_type_is(v, "application/x-www-form-urlencoded"));
    if !is_form && by_header {
        return Ok(());
    }
    if !is_form {
        // A file upload carries its token as a multipart field. Only a
        // signed-in person uploads files: nobody else gets a body read
        // while its token is looked for.
        // And only for a route that takes files, that this person may
        // call: a body held while its token is sought takes one of a few
        // turns, so a post to a form route, to no route, or to an upload
        // its sender may not make is refused unread. (The route's template
        // is known here, as this layer wraps each route.)
        let Some(viewer) = viewer else {
            return Err(AppError::Csrf);
        };
        let Some(path) = req.extensions().get::<axum::extract::MatchedPath>() else {
            return Err(AppError::Csrf);
        };
        let route_limit = crate::routes::body_limit(req.method(), path.as_str(), config);
        if route_limit <= config.max_form_bytes {
            return Err(AppError::Csrf);
        }
        let access = crate::routes::access_of(req.method(), path.as_str());
        if !access.is_some_and(|a| admits(a, Some(viewer)).unwrap_or(false)) {
            return Err(AppError::Forbidden);
        }
        // The search holds the body within the route's own limit. Boxed:
        // the multipart parser's state is kilobytes, and every other
        // request would carry room for it. (A refused request is answered
        // with the refusal, so the default left in its place is not used.)
        let taken = std::mem::take(req);
        *req = Box::pin(crate::uploads::check_multipart_token(
            taken,
            route_limit,
            &config.spool_dir(),
            |sent| same(sent, expected),
        ))
        .await?;
        return Ok(());
    }
    let body = std::mem::take(req.body_mut());
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::too_large())?;
    if !form_is_utf8(&bytes) {
        return Err(AppError::BadRequest(
            "Dữ liệu gửi lên có ký tự không hợp lệ (không phải UTF-8). Vui lòng nhập lại.".into(),
        ));
    }
    if !by_header && !form_value_is(&bytes, CSRF_FIELD, |sent| same(sent, expected)) {
        return Err(AppError::Csrf);
    }
    // Read whole here, the form is decoded from these bytes without
    // reading the body again (`crate::form::Form`).
    req.extensions_mut()
        .insert(crate::form::FormBody(bytes.clone()));
    *req.body_mut() = Body::from(bytes);
    Ok(())
}

/// Whether every name and value of a form decodes to valid UTF-8. The
/// form decoder would otherwise replace bad bytes silently and store the
/// replacement characters. (A `+` decodes to a space, ASCII either way,
/// so it need not be replaced to judge the bytes.)
fn form_is_utf8(body: &[u8]) -> bool {
    body.split(|&b| b == b'&')
        .all(|pair| percent_encoding::percent_decode(pair).decode_utf8().is_ok())
}

/// Whether the form's first field named `key` has a value that `ok` accepts.
/// Read without copying the other fields.
fn form_value_is(body: &[u8], key: &str, ok: impl Fn(&str) -> bool) -> bool {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == key)
        .is_some_and(|(_, v)| ok(&v))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The access a route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in account that has passed its second factor.
    SignedIn,
    /// A session still waiting for its second factor.
    SecondFactor,
    /// Any session, whether or not its second factor is done (signing out).
    AnySession,
    /// A signed-in account whose role here grants the permission.
    Permission(Permission),
}

/// Whether `access` lets `viewer` in: `Forbidden` for a signed-in person
/// without the permission, `false` for someone to send to sign in.
fn admits(access: Access, viewer: Option<&Viewer>) -> Result<bool, AppError> {
    let fully_signed_in = viewer.is_some_and(|v| !v.session.needs_totp);
    Ok(match access {
        Access::Public => true,
        Access::SecondFactor => viewer.is_some_and(|v| v.session.needs_totp),
        Access::SignedIn => fully_signed_in,
        Access::AnySession => viewer.is_some(),
        Access::Permission(p) => {
            if !fully_signed_in {
                false
            } else if viewer.is_some_and(|v| v.can(p)) {
                true
            } else {
                return Err(AppError::Forbidden);
            }
        }
    })
}

/// The access check, one function for every route.
///
/// Decided before anything is awaited, and answered as the route's own
/// future or a ready refusal. As an `async fn` it kept a second copy of
/// the request beside the route's future: 1,072 bytes boxed for every
/// request with axum's wrapper, where this is the size of the route's
/// call and a word (issue #3).
pub(crate) fn require(
    State(access): State<Access>,
    req: Request,
    next: Next,
) -> futures_util::future::Either<
    impl Future<Output = Result<Response, AppError>>,
    std::future::Ready<Result<Response, AppError>>,
> {
    use futures_util::future::{Either, FutureExt as _};
    match refusal(access, &req) {
        None => Either::Left(next.run(req).map(Ok)),
        Some(refused) => Either::Right(std::future::ready(refused)),
    }
}

/// What a request that `access` does not admit is answered, or `None` if
/// it is admitted.
fn refusal(access: Access, req: &Request) -> Option<Result<Response, AppError>> {
    let viewer = viewer_in(req.extensions());
    match admits(access, viewer.as_deref()) {
        Ok(true) => return None,
        Ok(false) => {}
        Err(e) => return Some(Err(e)),
    }
    if viewer.as_ref().is_some_and(|v| v.session.needs_totp) {
        return Some(Ok(Redirect::to("/dang-nhap/xac-thuc").into_response()));
    }
    if access == Access::SecondFactor {
        return Some(Ok(Redirect::to("/dang-nhap").into_response()));
    }
    // HEAD is answered as GET would be: a link checker or a browser's
    // prefetch is sent to the sign-in page, not told 401.
    if req.method() == Method::GET || req.method() == Method::HEAD {
        let next_path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let target = format!("/dang-nhap?next={}", urlencode(next_path));
        return Some(Ok(Redirect::to(&target).into_response()));
    }
    Some(Err(AppError::Unauthenticated))
}

/// Extracts the signed-in viewer; the access check has already run.
pub struct Signed(pub Arc<Viewer>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Signed {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        viewer_in(&parts.extensions)
            .map(Signed)
            .ok_or(AppError::Unauthenticated)
    }
}

/// Extracts the viewer if there is one.
pub struct MaybeSigned(pub Option<Arc<Viewer>>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for MaybeSigned {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeSigned(viewer_in(&parts.extensions)))
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .unwrap_or(CsrfToken(String::new())))
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e[1..].to_owned())
        .unwrap_or_default()
}

/// A redirect target from a form is only followed when it stays on this
/// site: a path starting with one slash.
///
/// Only plain URL characters are allowed: browsers drop tabs and newlines
/// from addresses, so `/\t/evil.example` would otherwise leave the site.
pub(crate) fn safe_next(next: Option<&str>) -> &str {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._~/?&=%+,;:@!$*()'".contains(&b);
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 512
                && n.bytes().all(plain) =>
        {
            n
        }
        _ => "/",
    }
}

/// A signed-in viewer with no role, session `session` of account `user`,
/// for unit tests.
#[cfg(test)]
pub(crate) fn test_viewer(session: i64, user: i64) -> Viewer {
    let at = time::macros::datetime!(2026-12-07 08:00 +7);
    Viewer {
        user: nghitruong_store::User {
            id: user,
            username: format!("u{user}"),
            display_name: "Người thử".into(),
            person_id: None,
            agency_body_id: None,
            has_totp: false,
            is_active: true,
        },
        session: AuthSession {
            id: session,
            user_id: user,
            csrf_token: String::new(),
            council_id: None,
            needs_totp: false,
            created_at: at,
            last_seen_at: at,
            expires_at: at + time::Duration::hours(12),
            revoked_at: None,
            user_agent: String::new(),
            address: String::new(),
        },
        council: None,
        roles: Vec::new(),
        grants: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/hoi-dong?q=anh")), "/hoi-dong?q=anh");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/\u{7f}")), "/");
        assert_eq!(safe_next(Some("/hội-đồng")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn forms_with_invalid_utf8_are_found() {
        assert!(form_is_utf8(b"display_name=Nguy%E1%BB%85n+V%C4%83n&x=1"));
        assert!(!form_is_utf8(b"display_name=%C3%28%FF"));
        assert!(!form_is_utf8(b"a=1&b=\xff"));
    }

    #[test]
    fn the_token_is_read_from_the_first_field_of_its_name() {
        let is = |body: &[u8], want: &str| form_value_is(body, CSRF_FIELD, |v| v == want);
        assert!(is(b"choice=tan_thanh&_csrf=abc", "abc"));
        assert!(is(b"_csrf=a%2Bb+c&_csrf=x", "a+b c"));
        assert!(!is(b"_csrf=x&_csrf=abc", "abc"));
        assert!(!is(b"choice=tan_thanh", ""));
        assert!(!is(b"", ""));
    }

    /// Every request waits in the way in while the one before it in the
    /// hall is served: what it holds there must stay small, or 500 ballots
    /// at once fault in megabytes of fresh memory (issue #3). Nested layers
    /// that each kept the request held 4 kB.
    #[tokio::test]
    async fn a_request_being_admitted_holds_little_memory() {
        let dir = nghitruong_testkit::temp_dir();
        let options = nghitruong_store::StoreOptions::sqlite_file(&dir.path().join("t.db"), 1);
        let store = nghitruong_store::SqlStore::open(&options)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let state = AppState::new(
            Arc::new(store),
            nghitruong_testkit::fixed_clock(),
            crate::WebConfig::default(),
        );
        let mut req = Request::new(Body::empty());
        let admitting = admit(&state, &mut req);
        let size = std::mem::size_of_val(&admitting);
        assert!(size <= 1024, "a request being admitted holds {size} bytes");
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; nt_session=abc; nt_session_x=2"),
        );
        assert_eq!(cookie_value(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie_value(&h, "missing"), None);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
