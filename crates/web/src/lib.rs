//! The web face of Nghị trường: axum routes, askama templates, htmx and a
//! little JavaScript, served as Vietnamese pages that work on a tablet in
//! the hall and on a phone.
//!
//! Every route is declared once in [`routes`] with the access it needs;
//! the same table builds the router and drives the role-by-route test.
//! Handlers read as: parse the input, call the store through the domain's
//! rules, render.

pub mod auth;
mod compressed;
mod error;
mod form;
mod layout;
pub mod live;
pub mod live_nats;
pub mod meet;
pub mod notify;
mod ops;
mod pages;
mod room_service;
mod roster;
pub mod routes;
pub mod scheduler;
pub mod search;
mod statics;
mod uploads;

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
    /// Largest upload accepted (a signed PDF to exchange), in bytes.
    pub max_upload_bytes: usize,
    /// Where session documents are stored (`<data dir>/documents`);
    /// without one, uploads are refused.
    pub documents_dir: Option<std::path::PathBuf>,
    /// Limits on uploaded documents.
    pub upload_limits: nghitruong_docs::Limits,
    /// The binary that checks each upload in a child process with limits on
    /// its memory and CPU (`nghitruong inspect-upload`); the server sets
    /// itself. Without one, uploads are checked in this process (tests).
    pub inspector: Option<std::path::PathBuf>,
    /// The address people reach the product at (`https://hdnd.example`),
    /// used to put full links in e-mails; without it e-mails carry none.
    pub public_url: Option<String>,
    /// The server's key for links it signs (QR check-in codes). The binary
    /// keeps it in the data directory so printed codes outlive a restart;
    /// the default is random, good for one process.
    pub signing_key: Arc<[u8]>,
    /// The media engine of online meetings.
    pub meet: meet::MeetEngine,
}

impl WebConfig {
    /// Where an upload's body waits while its token is looked for: the
    /// document folder's `tmp`, on the same disk as the files it keeps, or
    /// the system's temporary folder without one.
    pub(crate) fn spool_dir(&self) -> std::path::PathBuf {
        self.documents_dir
            .as_ref()
            .map_or_else(std::env::temp_dir, |d| d.join("tmp"))
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_hours: 12,
            throttle: ThrottlePolicy::default(),
            max_form_bytes: 256 * 1024,
            max_upload_bytes: 20 * 1024 * 1024,
            documents_dir: None,
            inspector: None,
            upload_limits: nghitruong_docs::Limits::default(),
            public_url: None,
            signing_key: random_key(),
            meet: meet::MeetEngine::default(),
        }
    }
}

/// 32 random bytes.
pub fn random_key() -> Arc<[u8]> {
    use rand::RngCore as _;
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    Arc::from(key.as_slice())
}

/// What every handler can reach: one shared [`AppParts`].
///
/// Every request clones the state several times (once for each middleware
/// and handler that holds it), so it is a single reference-counted
/// pointer: eleven separate counters touched from both cores on every
/// request cost about a tenth of the server's time when 2,000 screens
/// fetched at once (issue #3, measured with perf).
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

/// The parts of [`AppState`], reached through it (`state.store`).
#[derive(Clone)]
pub struct AppParts {
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
    /// Viewers loaded in the last two seconds, by session token.
    pub viewers: Arc<auth::ViewerCache>,
    /// Each council's seated deputies, kept while the access epoch holds.
    pub rosters: Arc<roster::Rosters>,
    /// Sign-ins seen lately, whose "last seen" time is written in batches.
    pub seen: Arc<auth::SeenSessions>,
    /// Live updates to the screens of each session.
    pub live: Arc<live::LiveHub>,
    /// Document exchange with the national axis, when it is configured.
    pub exchange: Option<Arc<nghitruong_axis::ExchangeService>>,
    /// The search index and its indexer; `None` if it could not be opened.
    pub search: Option<Arc<search::SearchService>>,
    /// E-mail for notifications, when an SMTP server is configured.
    pub mailer: Option<Arc<notify::Mailer>>,
    /// Online meeting rooms and their media engine.
    pub meet: Arc<meet::MeetService>,
    /// Session packets being downloaded, held once for everyone.
    pub(crate) packets: Arc<pages::documents::SharedPackets>,
}

impl AppState {
    /// State over a store and a clock with default settings.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        let meet = Arc::new(meet::MeetService::with_clock(
            config.meet.clone(),
            clock.clone(),
        ));
        Self(Arc::new(AppParts {
            meet,
            store,
            clock,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            login_gate: Arc::new(auth::LoginGate::default()),
            viewers: Arc::new(auth::ViewerCache::default()),
            rosters: Arc::new(roster::Rosters::default()),
            seen: Arc::default(),
            live: Arc::new(live::LiveHub::default()),
            exchange: None,
            search: match search::SearchService::in_memory() {
                Ok(s) => Some(Arc::new(s)),
                Err(e) => {
                    tracing::error!(error = %e, "could not create the search index");
                    None
                }
            },
            mailer: None,
            packets: Arc::default(),
        }))
    }

    /// The parts, to change while setting up, before the state is handed to
    /// the router: a clone handed out earlier keeps the parts it had.
    pub fn parts_mut(&mut self) -> &mut AppParts {
        Arc::make_mut(&mut self.0)
    }

    /// Uses `search` (the index kept under the data directory) instead of
    /// the one in memory that [`AppState::new`] starts with.
    pub fn with_search(mut self, search: Arc<search::SearchService>) -> Self {
        self.parts_mut().search = Some(search);
        self
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The whole application as a router, with its middleware.
pub fn app(state: AppState) -> axum::Router {
    if let Some(search) = &state.search {
        search.start(state.store.clone());
    }
    routes::router(state)
}
