//! The web face of Nghị trường: axum routes, askama templates, htmx and a
//! little JavaScript, served as Vietnamese pages that work on a tablet in
//! the hall and on a phone.
//!
//! Every route is declared once in [`routes`] with the access it needs;
//! the same table builds the router and drives the role-by-route test.
//! Handlers read as: parse the input, call the store through the domain's
//! rules, render.

pub mod auth;
mod error;
mod layout;
pub mod live;
mod ops;
mod pages;
pub mod routes;
mod statics;

use std::sync::Arc;

use nghitruong_domain::clock::Clock;
use nghitruong_domain::throttle::ThrottlePolicy;
use nghitruong_store::Store;

pub use error::AppError;
pub use ops::Metrics;

/// Settings the web layer needs.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Send cookies with `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// How long a sign-in lasts.
    pub session_hours: i64,
    /// Sign-in throttling.
    pub throttle: ThrottlePolicy,
    /// Largest form body accepted, in bytes.
    pub max_form_bytes: usize,
    /// Where session documents are stored (`<data dir>/documents`);
    /// without one, uploads are refused.
    pub documents_dir: Option<std::path::PathBuf>,
    /// Limits on uploaded documents.
    pub upload_limits: nghitruong_docs::Limits,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_hours: 12,
            throttle: ThrottlePolicy::default(),
            max_form_bytes: 256 * 1024,
            documents_dir: None,
            upload_limits: nghitruong_docs::Limits::default(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub config: Arc<WebConfig>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Serialises sign-in attempts per account.
    pub login_gate: Arc<auth::LoginGate>,
    /// Live updates to the screens of each session.
    pub live: Arc<live::LiveHub>,
}

impl AppState {
    /// State over a store and a clock with default settings.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        Self {
            store,
            clock,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            login_gate: Arc::new(auth::LoginGate::default()),
            live: Arc::new(live::LiveHub::default()),
        }
    }
}

/// The whole application as a router, with its middleware.
pub fn app(state: AppState) -> axum::Router {
    routes::router(state)
}
