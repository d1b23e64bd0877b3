//! The route table: every route with the access it needs. The router is
//! built from it, and the role-by-route test walks it, so a route cannot
//! exist without an access rule.

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{MethodRouter, get, post};
use nghitruong_domain::access::Permission as P;
use tower::ServiceBuilder;
use tower::util::MapRequestLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate as _, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{self, Access, login};
use crate::ops::{self, RandomRequestId};
use crate::pages::{
    account, admin, consultations, documents, exchange, holidays, home, meetings, notifications,
    organisation, petitions, portal, search, sessions, supervision,
};
use crate::{AppState, statics};

/// One route: method, path template, access.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: Method,
    /// Path template, with `{id}` for identifiers.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

/// A route and its handler; each area of the product lists its own.
pub(crate) type Route = (RouteSpec, MethodRouter<AppState>);

/// One entry of a route table.
pub(crate) fn r(
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> Route {
    (
        RouteSpec {
            method,
            path,
            access,
        },
        handler,
    )
}

/// The whole table: the foundation's routes, then each area's.
fn table() -> Vec<Route> {
    use Access::{AnySession, Permission as Perm, Public, SecondFactor, SignedIn};
    let foundation = vec![
        r(Method::GET, "/healthz", Public, get(ops::healthz)),
        r(Method::GET, "/metrics", Public, get(ops::metrics)),
        r(
            Method::GET,
            "/static/{hash}/{name}",
            Public,
            get(statics::serve),
        ),
        r(Method::GET, "/favicon.ico", Public, get(statics::favicon)),
        r(Method::GET, "/dang-nhap", Public, get(login::form)),
        r(Method::POST, "/dang-nhap", Public, post(login::submit)),
        r(
            Method::GET,
            "/dang-nhap/xac-thuc",
            SecondFactor,
            get(login::second_factor_form),
        ),
        r(
            Method::POST,
            "/dang-nhap/xac-thuc",
            SecondFactor,
            post(login::second_factor),
        ),
        r(
            Method::POST,
            "/dang-xuat",
            AnySession,
            post(login::sign_out),
        ),
        r(
            Method::POST,
            "/chon-hoi-dong",
            SignedIn,
            post(login::switch_council),
        ),
        r(Method::GET, "/", Perm(P::ViewWorkspace), get(home::show)),
        r(
            Method::GET,
            "/to-chuc",
            Perm(P::ViewOrganisation),
            get(organisation::structure),
        ),
        r(
            Method::GET,
            "/hoi-dong",
            Perm(P::ViewProvinceCouncils),
            get(organisation::councils),
        ),
        r(
            Method::GET,
            "/hoi-dong/{id}",
            Perm(P::ViewProvinceCouncils),
            get(organisation::council),
        ),
        r(
            Method::GET,
            "/co-quan",
            Perm(P::ViewAgencies),
            get(organisation::agencies),
        ),
        r(
            Method::GET,
            "/quy-che",
            Perm(P::ViewRules),
            get(organisation::rules),
        ),
        r(
            Method::POST,
            "/quy-che",
            Perm(P::EditRules),
            post(organisation::save_rules),
        ),
        r(
            Method::GET,
            "/quy-che/ngay-nghi",
            Perm(P::ViewRules),
            get(holidays::show),
        ),
        r(
            Method::POST,
            "/quy-che/ngay-nghi",
            Perm(P::EditRules),
            post(holidays::save),
        ),
        r(
            Method::GET,
            "/quan-tri/nguoi-dung",
            Perm(P::ManageUsers),
            get(admin::users),
        ),
        r(
            Method::POST,
            "/quan-tri/nguoi-dung",
            Perm(P::ManageUsers),
            post(admin::create_user),
        ),
        r(
            Method::POST,
            "/quan-tri/nguoi-dung/{id}/mat-khau",
            Perm(P::ManageUsers),
            post(admin::reset_password),
        ),
        r(
            Method::POST,
            "/quan-tri/nguoi-dung/{id}/vai-tro",
            Perm(P::ManageUsers),
            post(admin::grant),
        ),
        r(
            Method::POST,
            "/quan-tri/nguoi-dung/{id}/tai-khoan",
            Perm(P::ManageUsers),
            post(admin::account_action),
        ),
        r(
            Method::GET,
            "/quan-tri/nhat-ky",
            Perm(P::ViewAudit),
            get(admin::audit),
        ),
        r(
            Method::POST,
            "/quan-tri/nhat-ky/kiem-tra",
            Perm(P::ViewAudit),
            post(admin::verify_audit),
        ),
        r(Method::GET, "/tai-khoan", SignedIn, get(account::show)),
        r(
            Method::POST,
            "/tai-khoan/mat-khau",
            SignedIn,
            post(account::change_password),
        ),
        r(
            Method::POST,
            "/tai-khoan/phien/{id}/thu-hoi",
            SignedIn,
            post(account::revoke),
        ),
        r(
            Method::GET,
            "/tai-khoan/xac-thuc-hai-lop",
            SignedIn,
            get(account::totp_setup),
        ),
        r(
            Method::POST,
            "/tai-khoan/xac-thuc-hai-lop",
            SignedIn,
            post(account::totp_enable),
        ),
        r(
            Method::POST,
            "/tai-khoan/xac-thuc-hai-lop/tat",
            SignedIn,
            post(account::totp_disable),
        ),
    ];
    [
        foundation,
        sessions::routes(),
        petitions::routes(),
        exchange::routes(),
        search::routes(),
        documents::routes(),
        supervision::routes(),
        notifications::routes(),
        consultations::routes(),
        portal::routes(),
        meetings::routes(),
    ]
    .concat()
}

/// Who may call the route of `method` at the template `path`, if any.
pub(crate) fn access_of(method: &Method, path: &str) -> Option<Access> {
    type ByPath = std::collections::HashMap<&'static str, Vec<(Method, Access)>>;
    static ACCESS: std::sync::LazyLock<ByPath> = std::sync::LazyLock::new(|| {
        let mut by_path = ByPath::new();
        for s in specs() {
            by_path
                .entry(s.path)
                .or_default()
                .push((s.method, s.access));
        }
        by_path
    });
    ACCESS
        .get(path)?
        .iter()
        .find(|(m, _)| m == method)
        .map(|(_, a)| *a)
}

/// Every route, for tests and documentation.
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

/// The application router with its middleware.
pub fn router(state: AppState) -> Router {
    let mut router: Router<AppState> = Router::new();
    for (spec, handler) in table() {
        // Each route has its own body limit: uploads take files, the rest
        // small forms (the CSRF check reads form bodies within the same
        // small limit before any route runs).
        let limit = body_limit(&spec.method, spec.path, &state.config);
        // One layer, one boxed service per route: the limit, then the
        // access check.
        let guarded = handler.route_layer(
            ServiceBuilder::new()
                .layer(RequestBodyLimitLayer::new(limit))
                .map_request(|req: axum::http::Request<_>| req.map(axum::body::Body::new))
                .layer(from_fn_with_state(spec.access, auth::require)),
        );
        router = router.route(spec.path, guarded);
    }
    // The way in (`entry`) needs the matched route, so it wraps each route.
    // So does compression, for another reason: the router empties the body
    // of a HEAD response, and compression must see the body first, or a
    // HEAD answer lacks the `Content-Encoding` and `Vary` its GET has.
    let routed = router
        .fallback(|| async { crate::AppError::NotFound })
        .layer(from_fn_with_state(state.clone(), entry))
        // Level 1: pages and fragments are compressed on every request, and
        // after each event of a session 500 tablets fetch theirs at once;
        // brotli's default level 4 was the largest cost of those requests
        // in a profile (issue #3). What is shared is compressed once, harder
        // (`compressed.rs`).
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(1)).compress_when(
            // Small responses gain nothing; documents and packets are
            // compressed already; event streams must not be buffered.
            SizeAbove::new(crate::compressed::COMPRESS_ABOVE)
                .and(NotForContentType::GRPC)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE)
                .and(NotForContentType::const_new("application/pdf"))
                .and(NotForContentType::const_new("application/zip"))
                .and(NotForContentType::const_new("application/vnd.openxmlformats")),
        ))
        .with_state(state);
    // The rest need no route, so they wrap the router once, as one type,
    // outermost first. Each `Router::layer` boxes every route again, and a
    // boxed route clones everything below it on each call: the nine layers
    // here cost every request about a hundred allocations that way (issue
    // #3).
    let request_id = HeaderName::from_static("x-request-id");
    let outer = ServiceBuilder::new()
        .layer(MapRequestLayer::new(ops::strip_client_request_id))
        .layer(SetRequestIdLayer::new(request_id.clone(), RandomRequestId))
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = ops::request_id(req.headers()).unwrap_or_default();
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(header_default(header::CACHE_CONTROL, "no-store"))
        .layer(header_default(header::REFERRER_POLICY, "same-origin"))
        .layer(header_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_default(header::CONTENT_SECURITY_POLICY, CSP))
        .service(routed);
    Router::new().fallback_service(outer)
}

/// The way into every route, as one layer (each `from_fn` layer costs
/// every request a clone of the services below it and a boxed future): the
/// metrics (`ops::Tracked`) around the error pages (`ops::ErrorPages`)
/// around the viewer and the CSRF check (`auth::admit`). Each reads what
/// it needs of the request before it goes in, rather than wrapping the
/// rest in a future of its own: nested, those held 4 kB per request.
async fn entry(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let tracked = ops::Tracked::start(&req);
    let errors = ops::ErrorPages::of(&req);
    let (response, csrf_cookie) = match auth::admit(&state, &mut req).await {
        Ok(csrf_cookie) => (next.run(req).await, csrf_cookie),
        Err(refused) => (refused.into_response(), None),
    };
    let mut response = errors.render(response);
    // After the error pages, which answer with pages of their own: a
    // visitor's first page may be one of them.
    if let Some(cookie) = csrf_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    tracked.finish(&state.metrics, &response);
    response
}

/// The body limit of a route: session documents take files up to their
/// configured size, the document exchange and the petition import take
/// theirs (each handler answers in Vietnamese within it), everything else
/// keeps the small form limit. `path` is the route's template, as
/// [`axum::extract::MatchedPath`] gives it.
pub(crate) fn body_limit(method: &Method, path: &str, config: &crate::WebConfig) -> usize {
    let takes_file = *method == Method::POST
        && (path.starts_with("/van-ban-di")
            || path == "/kien-nghi/dot/{id}/nhap"
            || supervision::takes_file(path));
    if takes_file {
        config.max_upload_bytes.max(config.max_form_bytes)
    } else {
        documents::body_limit(method, path, config)
    }
}

/// A header set on every response that has not set it itself.
fn header_default(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Keeps pages from being framed, sniffed or made to load anything from
/// elsewhere; htmx and our scripts are served from this origin.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The same policy for a page that must also reach `sources` (the meeting
/// room in LiveKit mode connects to the LiveKit server).
pub(crate) fn csp_with_connect(sources: &str) -> String {
    format!("{CSP}; connect-src 'self' {sources}")
}
