//! The SQL store: one implementation over `sqlx::Any`, so the same queries
//! run on SQLite and PostgreSQL. Queries use `$n` placeholders, which both
//! accept; the few dialect differences are matched on [`Backend`].
//!
//! Each backend has its own migration folder, because their column types
//! and identity columns differ, but the tables and columns are the same.
//!
//! Writes are serialised: SQLite allows one writer anyway, and the audit
//! chain needs each record to see the one before it. In-process that is a
//! mutex; on PostgreSQL a transaction-scoped advisory lock also serialises
//! writers across nodes.

mod accounts;
mod audit;
mod ballots;
mod consultation;
mod direct;
mod documents;
mod exchange;
mod meetings;
mod notifications;
mod org;
mod petitions;
mod questions;
mod rows;
mod search;
mod sitting;
mod speaking;
mod supervision;

pub use sitting::tally_json;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use nghitruong_domain::access::Role;
use nghitruong_domain::audit::AuditRecord;
use nghitruong_domain::org::{AdminUnit, Body, Council};
use nghitruong_domain::rules::CouncilRules;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, AssertSqlSafe, Executor, Transaction};
use time::{Date, OffsetDateTime};
use tokio::sync::{Mutex, MutexGuard};

use crate::{
    AuditContext, AuditEvent, AuditFilter, AuthSession, CouncilFilter, CouncilSummary, Credentials,
    Member, NewSession, NewUser, OrgSeed, Result, RoleGrant, SeedCounts, Store, StoreError, User,
};

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, the embedded default.
    Sqlite,
    /// PostgreSQL, for a province or more.
    Postgres,
}

impl Backend {
    /// The backend a database URL names, from its scheme.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':').map(|(s, _)| s)?;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }
}

/// How to open a store.
#[derive(Clone)]
pub struct StoreOptions {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
    /// PostgreSQL only: the schema to work in, created if missing. Tests
    /// give each run its own so runs cannot collide.
    pub schema: Option<String>,
    /// Pool size.
    pub max_connections: u32,
    /// SQLite only: open an existing file read-only (verifying a backup
    /// must not change it); nothing is created or migrated.
    pub read_only: bool,
}

impl StoreOptions {
    /// A SQLite file at `path`, created if missing, with a pool of
    /// `max_connections`.
    pub fn sqlite_file(path: &Path, max_connections: u32) -> Self {
        Self {
            url: sqlite_url(path),
            schema: None,
            max_connections,
            read_only: false,
        }
    }
}

impl std::fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreOptions")
            .field("url", &redact_url(&self.url))
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// What sqlx takes for other than a file name in the path of a `sqlite://`
/// URL: `?` begins the parameters and `%` an escape, which it decodes.
/// `#` is escaped as well, for tools that read the URL as a URL.
const SQLITE_PATH_ESCAPES: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b'%').add(b'?').add(b'#');

/// The `sqlite://` URL of the file at `path`, whatever characters the path
/// holds: sqlx gives the file name back decoded (see [`sqlite_file`]). A
/// data folder named `hồ sơ?` or `50%41` opens that folder, not another
/// file or an error.
pub fn sqlite_url(path: &Path) -> String {
    let path = path.to_string_lossy();
    format!(
        "sqlite://{}",
        percent_encoding::utf8_percent_encode(&path, SQLITE_PATH_ESCAPES)
    )
}

/// The file a `sqlite://` or `sqlite:` URL names, decoded as sqlx decodes
/// it; `None` for another kind of URL, a database in memory, or a name
/// that does not decode to UTF-8 (which sqlx refuses too).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let database = rest.split('?').next().unwrap_or_default();
    if database.is_empty() || database == ":memory:" {
        return None;
    }
    let name = percent_encoding::percent_decode_str(database)
        .decode_utf8()
        .ok()?;
    Some(PathBuf::from(&*name))
}

/// The URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    if url.is_empty() {
        return String::new();
    }
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<invalid url>".into(),
    }
}

/// The store over SQLite or PostgreSQL. A clone shares the pool, the
/// writer lock and the ballot queue: the task that commits queued ballots
/// holds one.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    writer: Arc<Mutex<()>>,
    ballots: Arc<ballots::BallotQueue>,
    /// On a SQLite file, the connection ballots are committed on
    /// ([`direct`]).
    direct: Option<Arc<direct::Direct>>,
}

/// An open write transaction holding the writer lock.
pub(crate) struct Write<'a> {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) backend: Backend,
    _guard: MutexGuard<'a, ()>,
}

impl SqlStore {
    /// Opens (and for SQLite creates) the database. Does not migrate.
    pub async fn open(options: &StoreOptions) -> anyhow::Result<Self> {
        install_default_drivers();
        let backend = Backend::from_url(&options.url)
            .with_context(|| format!("unsupported database url {}", redact_url(&options.url)))?;
        let url = match backend {
            // The parameters only: a folder may be called `mode=x`.
            Backend::Sqlite if !query_of(&options.url).contains("mode=") => {
                let sep = if options.url.contains('?') { '&' } else { '?' };
                let mode = if options.read_only { "ro" } else { "rwc" };
                format!("{}{sep}mode={mode}", options.url)
            }
            _ => options.url.clone(),
        };
        if backend == Backend::Sqlite {
            // SQLite says only "unable to open database file".
            if let Some(folder) = sqlite_file(&url)
                .as_deref()
                .and_then(Path::parent)
                .filter(|f| !f.as_os_str().is_empty() && !f.is_dir())
            {
                anyhow::bail!(
                    "không mở được cơ sở dữ liệu {}: thư mục {} không tồn tại",
                    redact_url(&options.url),
                    folder.display()
                );
            }
            check_sqlite(&url, &options.url).await?;
        }
        let read_only = options.read_only;
        if let (Backend::Postgres, Some(schema)) = (backend, &options.schema) {
            create_schema(&url, schema).await?;
        }
        let schema = options.schema.clone();
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            // A SQLite connection lives in this process: pinging it before
            // each use (a round trip to its worker thread) finds nothing a
            // query would not, and cost 8 % of a vote's CPU (issue #3).
            .test_before_acquire(backend != Backend::Sqlite)
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite if read_only => {
                            conn.execute("PRAGMA query_only = ON").await?;
                        }
                        Backend::Sqlite => {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            // FULL: a commit returns once the log is on the
                            // disk, so an acknowledged ballot or record
                            // survives a power cut too. (NORMAL survives only
                            // the process dying.) Ballots commit in groups,
                            // so a vote pays one sync per group.
                            conn.execute("PRAGMA synchronous = FULL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                        }
                        Backend::Postgres => {
                            if let Some(schema) = schema {
                                let sql = format!("SET search_path TO {}", quote_ident(&schema));
                                conn.execute(AssertSqlSafe(sql)).await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("không mở được cơ sở dữ liệu {}", redact_url(&options.url)))?;
        let direct = match backend {
            Backend::Sqlite if !read_only && writes(&url) => direct_for(&pool).await?,
            _ => None,
        };
        Ok(Self {
            pool,
            backend,
            writer: Arc::new(Mutex::new(())),
            ballots: Arc::default(),
            direct,
        })
    }

    /// Starts a write: takes the writer lock and opens a transaction.
    pub(crate) async fn write(&self) -> Result<Write<'_>> {
        let guard = self.writer.lock().await;
        let mut tx = match self.backend {
            // IMMEDIATE takes SQLite's write lock at BEGIN, where the busy
            // timeout applies. A deferred transaction that has read first and
            // then writes is refused at once ("database is locked") while
            // another connection still holds the lock, which happens when a
            // failed write's rollback has not yet run on its own connection.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(db)?;
        if self.backend == Backend::Postgres {
            // Serialises writers across nodes; released at commit.
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(727274)) AS l")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        Ok(Write {
            tx,
            backend: self.backend,
            _guard: guard,
        })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Drops the PostgreSQL schema this store works in (tests clean up).
    pub async fn drop_schema(&self, schema: &str) -> anyhow::Result<()> {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", quote_ident(schema));
        self.pool.execute(AssertSqlSafe(sql)).await?;
        Ok(())
    }

    /// Writes everything in SQLite's write-ahead log into the database file,
    /// so that the file alone is a complete copy once the server has stopped.
    /// Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> anyhow::Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl Write<'_> {
    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await.map_err(db)
    }
}

/// Whether a SQLite URL lets the pool write: not `mode=ro` or
/// `immutable`, which a second connection must honour as well.
fn writes(url: &str) -> bool {
    let query = query_of(url);
    // Decoded as sqlx decodes them.
    !url::form_urlencoded::parse(query.as_bytes()).any(|(key, value)| {
        matches!(
            (&*key, &*value),
            ("mode", "ro" | "memory") | ("immutable", "true" | "1")
        )
    })
}

/// The parameters of a URL, after its first `?`, as sqlx splits them.
fn query_of(url: &str) -> &str {
    url.split_once('?').map_or("", |(_, q)| q)
}

/// The ballots' own connection to the pool's database file; none for a
/// database in memory, which another connection would not see.
async fn direct_for(pool: &AnyPool) -> anyhow::Result<Option<Arc<direct::Direct>>> {
    let (file,): (String,) =
        sqlx::query_as("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(pool)
            .await?;
    if file.is_empty() {
        return Ok(None);
    }
    let direct = direct::Direct::open(std::path::Path::new(&file))
        .with_context(|| format!("không mở được cơ sở dữ liệu {file}"))?;
    Ok(Some(Arc::new(direct)))
}

/// Opens one connection and reads the schema, so that a file that is not a
/// database, or cannot be opened, fails at once with SQLite's own reason
/// instead of a pool timing out.
/// Opens `url` once to see that it is a SQLite database; messages name it
/// as the operator wrote it, `shown`.
async fn check_sqlite(url: &str, shown: &str) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .with_context(|| format!("không mở được cơ sở dữ liệu {}", redact_url(shown)))?;
    sqlx::query("SELECT COUNT(*) FROM sqlite_master")
        .execute(&mut conn)
        .await
        .with_context(|| {
            format!(
                "tệp {} không phải cơ sở dữ liệu SQLite hợp lệ",
                redact_url(shown)
            )
        })?;
    conn.close().await?;
    Ok(())
}

async fn create_schema(url: &str, schema: &str) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .context("failed to reach postgres")?;
    let sql = format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(schema));
    conn.execute(AssertSqlSafe(sql))
        .await
        .context("failed to create schema")?;
    conn.close().await?;
    Ok(())
}

/// Quotes an identifier for PostgreSQL. Only used with schema names the
/// operator or a test chose, never with user input, but quoted all the same.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Maps a driver error: unique violations become `Conflict`, a missing row
/// `NotFound`, anything else stays for the log.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(d.message().to_owned())
        }
        _ => StoreError::Other(anyhow::Error::new(e)),
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Other(e.into()))?;
        org::backfill_sort_keys(self).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn backup_to(&self, path: &Path) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                let target = path
                    .to_str()
                    .context("backup path is not UTF-8")?
                    .to_owned();
                // VACUUM INTO reads one consistent snapshot while writers go on.
                sqlx::query("VACUUM INTO $1")
                    .bind(target)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }
            Backend::Postgres => Err(StoreError::Conflict(
                "PostgreSQL is backed up with pg_dump; the command line runs it".into(),
            )),
        }
    }

    async fn seed_organisation(&self, seed: &OrgSeed, ctx: &AuditContext) -> Result<SeedCounts> {
        org::seed(self, seed, ctx).await
    }

    async fn units(&self, parent: Option<&str>) -> Result<Vec<AdminUnit>> {
        org::units(self, parent).await
    }

    async fn council(&self, id: i64) -> Result<Council> {
        org::council(self, id).await
    }

    async fn council_by_unit(&self, unit_code: &str) -> Result<Option<Council>> {
        org::council_by_unit(self, unit_code).await
    }

    async fn councils(&self, filter: &CouncilFilter) -> Result<(Vec<CouncilSummary>, i64)> {
        org::councils(self, filter).await
    }

    async fn update_council_rules(
        &self,
        council_id: i64,
        rules: &CouncilRules,
        ctx: &AuditContext,
    ) -> Result<()> {
        org::update_rules(self, council_id, rules, ctx).await
    }

    async fn bodies(&self, council_id: i64) -> Result<Vec<Body>> {
        org::bodies(self, council_id).await
    }

    async fn body(&self, id: i64) -> Result<Body> {
        org::body(self, id).await
    }

    async fn members(&self, body_id: i64, day: Date) -> Result<Vec<Member>> {
        org::members(self, body_id, day).await
    }

    async fn create_user(&self, user: &NewUser, ctx: &AuditContext) -> Result<i64> {
        accounts::create_user(self, user, ctx).await
    }

    async fn user(&self, id: i64) -> Result<User> {
        accounts::user(self, id).await
    }

    async fn user_credentials(&self, username: &str) -> Result<Option<Credentials>> {
        accounts::credentials(self, username).await
    }

    async fn users(&self, query: &str, limit: i64) -> Result<Vec<(User, Vec<RoleGrant>)>> {
        accounts::users(self, query, limit).await
    }

    async fn set_password(&self, user_id: i64, hash: &str, ctx: &AuditContext) -> Result<()> {
        accounts::set_password(self, user_id, hash, ctx).await
    }

    async fn set_totp_secret(
        &self,
        user_id: i64,
        secret: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()> {
        accounts::set_totp_secret(self, user_id, secret, ctx).await
    }

    async fn set_user_active(&self, user_id: i64, active: bool, ctx: &AuditContext) -> Result<()> {
        accounts::set_user_active(self, user_id, active, ctx).await
    }

    async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        accounts::use_totp_step(self, user_id, step).await
    }

    async fn grant_role(
        &self,
        user_id: i64,
        council_id: Option<i64>,
        role: Role,
        ctx: &AuditContext,
    ) -> Result<()> {
        accounts::grant_role(self, user_id, council_id, role, ctx).await
    }

    async fn roles(&self, user_id: i64) -> Result<Vec<RoleGrant>> {
        accounts::roles(&self.pool, user_id).await
    }

    async fn create_session(&self, session: &NewSession, ctx: &AuditContext) -> Result<i64> {
        accounts::create_session(self, session, ctx).await
    }

    async fn live_session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<AuthSession>> {
        accounts::live_session(self, token_hash, now).await
    }

    async fn access_epoch(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT n FROM access_epoch WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(n)
    }

    async fn touch_sessions(&self, seen: &[(i64, OffsetDateTime)]) -> Result<()> {
        accounts::touch_sessions(self, seen).await
    }

    async fn confirm_second_factor(&self, id: i64, ctx: &AuditContext) -> Result<()> {
        accounts::confirm_second_factor(self, id, ctx).await
    }

    async fn set_session_council(&self, id: i64, council_id: i64) -> Result<()> {
        accounts::set_session_council(self, id, council_id).await
    }

    async fn sessions_of(&self, user_id: i64) -> Result<Vec<AuthSession>> {
        accounts::sessions_of(self, user_id).await
    }

    async fn revoke_session(
        &self,
        user_id: i64,
        session_id: i64,
        ctx: &AuditContext,
    ) -> Result<()> {
        accounts::revoke_session(self, user_id, session_id, ctx).await
    }

    async fn record_login_failure(&self, keys: &[String], at: OffsetDateTime) -> Result<()> {
        accounts::record_login_failure(self, keys, at).await
    }

    async fn login_failures(&self, key: &str, since: OffsetDateTime) -> Result<u32> {
        accounts::login_failures(self, key, since).await
    }

    async fn clear_login_failures(&self, key: &str) -> Result<()> {
        accounts::clear_login_failures(self, key).await
    }

    async fn create_council_session(
        &self,
        new: &crate::NewCouncilSession,
        ctx: &AuditContext,
    ) -> Result<crate::CouncilSession> {
        sitting::create(self, new, ctx).await
    }

    async fn council_sessions(&self, council_id: i64) -> Result<Vec<crate::CouncilSession>> {
        sitting::list(self, council_id).await
    }

    async fn council_session(&self, id: i64) -> Result<crate::CouncilSession> {
        sitting::get_one(self, id).await
    }

    async fn session_event(
        &self,
        id: i64,
        event: nghitruong_domain::session::SessionEvent,
        ctx: &AuditContext,
    ) -> Result<nghitruong_domain::session::SessionStatus> {
        sitting::apply_event(self, id, event, ctx).await
    }

    async fn add_agenda_item(&self, new: &crate::NewAgendaItem, ctx: &AuditContext) -> Result<i64> {
        sitting::add_agenda_item(self, new, ctx).await
    }

    async fn agenda(&self, session_id: i64) -> Result<Vec<crate::AgendaItem>> {
        sitting::agenda(self, session_id).await
    }

    async fn move_agenda(&self, session_id: i64, item_id: i64, ctx: &AuditContext) -> Result<()> {
        sitting::move_agenda(self, session_id, item_id, ctx).await
    }

    async fn seated_deputies(&self, council_id: i64, day: Date) -> Result<Vec<Member>> {
        sitting::seated_deputies(self, council_id, day).await
    }

    async fn seated_deputy(
        &self,
        council_id: i64,
        person_id: i64,
        day: Date,
    ) -> Result<Option<Member>> {
        sitting::seated_deputy(self, council_id, person_id, day).await
    }

    async fn attendance(&self, session_id: i64) -> Result<Vec<crate::AttendanceRecord>> {
        sitting::attendance(self, session_id).await
    }

    async fn set_attendance(
        &self,
        session_id: i64,
        person_id: i64,
        status: nghitruong_domain::attendance::AttendanceStatus,
        method: nghitruong_domain::attendance::CheckInMethod,
        reason: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()> {
        sitting::set_attendance(self, session_id, person_id, status, method, reason, ctx).await
    }

    async fn open_round(
        &self,
        new: &crate::NewVoteRound,
        ctx: &AuditContext,
    ) -> Result<crate::VoteRound> {
        sitting::open_round(self, new, ctx).await
    }

    async fn rounds(&self, session_id: i64) -> Result<Vec<crate::VoteRound>> {
        sitting::rounds(self, session_id).await
    }

    async fn round(&self, id: i64) -> Result<crate::VoteRound> {
        sitting::get_round(self, id).await
    }

    async fn cast_ballot(
        &self,
        session_id: i64,
        round_id: i64,
        person_id: i64,
        holds_office: bool,
        choice: nghitruong_domain::vote::Choice,
        ctx: &AuditContext,
    ) -> Result<std::result::Result<(), nghitruong_domain::vote::BallotRefusal>> {
        let ballot = ballots::Ballot {
            session_id,
            round_id,
            person_id,
            holds_office,
            choice,
            ctx: ctx.clone(),
        };
        ballots::cast(self, ballot).await
    }

    async fn close_round(
        &self,
        round_id: i64,
        event: nghitruong_domain::vote::RoundEvent,
        size: crate::CouncilSize,
        rules: &CouncilRules,
        ctx: &AuditContext,
    ) -> Result<nghitruong_domain::vote::Tally> {
        sitting::close_round(self, round_id, event, size, rules, ctx).await
    }

    async fn record_manual_result(
        &self,
        new: &crate::NewVoteRound,
        counts: nghitruong_domain::vote::Counts,
        present: u32,
        size: crate::CouncilSize,
        rules: &CouncilRules,
        ctx: &AuditContext,
    ) -> Result<nghitruong_domain::vote::Tally> {
        sitting::record_manual(self, new, counts, present, size, rules, ctx).await
    }

    async fn round_voters(&self, round_id: i64) -> Result<Vec<i64>> {
        sitting::voters(self, round_id).await
    }

    async fn adopted_resolutions(&self, session_id: i64) -> Result<Vec<crate::AdoptedResolution>> {
        sitting::adopted_resolutions(self, session_id).await
    }

    async fn named_ballots(
        &self,
        round_id: i64,
    ) -> Result<Vec<(i64, nghitruong_domain::vote::Choice)>> {
        sitting::named_ballots(self, round_id).await
    }

    async fn ask_to_speak(
        &self,
        session_id: i64,
        person_id: i64,
        kind: nghitruong_domain::speaking::SpeakKind,
        topic: &str,
        allotted_seconds: u32,
        ctx: &AuditContext,
    ) -> Result<std::result::Result<i64, nghitruong_domain::speaking::SpeakRefusal>> {
        speaking::ask(
            self,
            session_id,
            person_id,
            kind,
            topic,
            allotted_seconds,
            ctx,
        )
        .await
    }

    async fn speak_requests(&self, session_id: i64) -> Result<Vec<crate::SpeakRequest>> {
        speaking::list(self, session_id).await
    }

    async fn speak_event(
        &self,
        id: i64,
        event: nghitruong_domain::speaking::SpeakEvent,
        ctx: &AuditContext,
    ) -> Result<crate::SpeakRequest> {
        speaking::event(self, id, event, ctx).await
    }

    async fn file_question(&self, new: &crate::NewQuestion, ctx: &AuditContext) -> Result<i64> {
        questions::file(self, new, ctx).await
    }

    async fn questions(&self, session_id: i64) -> Result<Vec<crate::Question>> {
        questions::list(self, session_id).await
    }

    async fn question_event(
        &self,
        id: i64,
        event: nghitruong_domain::questioning::QuestionEvent,
        answer: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()> {
        questions::event(self, id, event, answer, ctx).await
    }

    async fn record_event(&self, event: &AuditEvent, ctx: &AuditContext) -> Result<()> {
        let mut w = self.write().await?;
        let change = audit::Change {
            action: &event.action,
            entity: &event.entity,
            entity_id: event.entity_id.clone(),
            before: None,
            after: event.details.clone(),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn audit_page(&self, filter: &AuditFilter) -> Result<(Vec<AuditRecord>, i64)> {
        audit::page(self, filter).await
    }

    async fn audit_after(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        audit::after(self, after_seq, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
        assert_eq!(Backend::from_url("nothing"), None);
    }

    #[test]
    fn passwords_never_reach_debug_output() {
        let o = StoreOptions {
            url: "postgres://nt:s3cret@127.0.0.1/nt".into(),
            schema: None,
            max_connections: 1,
            read_only: false,
        };
        let shown = format!("{o:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("***"));
    }

    /// Folder names a province may use, and the characters a URL gives a
    /// meaning to: each comes back from the URL as sqlx reads it, with
    /// and without going through a URL parser first as sqlx's `Any`
    /// driver does, and as [`sqlite_file`] reads it.
    #[test]
    fn a_sqlite_url_names_its_file_whatever_the_characters() {
        use std::str::FromStr as _;
        for name in [
            "data/nghitruong.db",
            "/srv/dữ liệu HĐND/nghitruong.db",
            "/tmp/a b/x.db",
            "/tmp/x?y/x.db",
            "/tmp/p%41q/x.db",
            "/tmp/100%/x.db",
            "/tmp/h#k/x.db",
            "/tmp/mode=ro/x.db",
            "/tmp/a&b=c/x.db",
        ] {
            let url = sqlite_url(Path::new(name));
            assert!(!query_of(&url).contains("mode="), "{url}");
            assert_eq!(sqlite_file(&url).as_deref(), Some(Path::new(name)), "{url}");
            let direct = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(direct.get_filename(), Path::new(name), "{url}");
            let with_mode = format!("{url}?mode=rwc");
            let parsed = url::Url::parse(&with_mode).unwrap_or_else(|e| panic!("{url}: {e}"));
            let any = sqlx::sqlite::SqliteConnectOptions::from_str(parsed.as_str())
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(any.get_filename(), Path::new(name), "{url}");
            assert!(writes(&with_mode), "{url}");
        }
        assert_eq!(
            sqlite_url(Path::new("data/nghitruong.db")),
            "sqlite://data/nghitruong.db"
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
        assert_eq!(
            sqlite_file("sqlite:x.db?mode=ro").as_deref(),
            Some(Path::new("x.db"))
        );
    }

    /// A store opens, migrates and writes in a folder whose name holds
    /// `?`, `%`, `#` and spaces, in that folder and no other.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_store_opens_in_a_folder_named_with_url_characters() {
        let dir = nghitruong_testkit::temp_dir();
        let folder = dir.path().join("hồ sơ ?50%41 #1");
        std::fs::create_dir_all(&folder).unwrap_or_else(|e| panic!("{e}"));
        let file = folder.join("nghitruong.db");
        let store = SqlStore::open(&StoreOptions::sqlite_file(&file, 2))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(store.direct.is_some(), "the ballots' connection opened too");
        store.close().await;
        assert!(file.is_file(), "the database is in the folder named");
        let entries: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|e| e.map(|e| e.file_name()).unwrap_or_default())
            .collect();
        assert_eq!(entries, vec![std::ffi::OsString::from("hồ sơ ?50%41 #1")]);
    }

    /// A file in a folder that does not exist is refused with the folder
    /// named, not SQLite's "unable to open database file"; nothing is made.
    #[tokio::test]
    async fn a_missing_folder_is_named() {
        let dir = nghitruong_testkit::temp_dir();
        let folder = dir.path().join("không có");
        let e = SqlStore::open(&StoreOptions::sqlite_file(&folder.join("x.db"), 1))
            .await
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(e.contains("không tồn tại"), "{e}");
        assert!(e.contains(&folder.display().to_string()), "{e}");
        assert!(!folder.exists());
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("nt_test"), "\"nt_test\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    /// Every SQLite connection, the pool's and the ballots' own, writes the
    /// log to disk before a commit returns: an acknowledged ballot survives
    /// a power cut.
    #[tokio::test]
    async fn sqlite_commits_are_synced_to_disk() {
        let dir = nghitruong_testkit::temp_dir();
        let store = SqlStore::open(&StoreOptions::sqlite_file(&dir.path().join("t.db"), 2))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // Both connections of the pool at once, so each is asked.
        let mut first = store
            .pool()
            .acquire()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut second = store
            .pool()
            .acquire()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for conn in [&mut first, &mut second] {
            let (mode,): (i64,) = sqlx::query_as("PRAGMA synchronous")
                .fetch_one(&mut **conn)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(mode, 2, "synchronous = FULL");
            let (journal,): (String,) = sqlx::query_as("PRAGMA journal_mode")
                .fetch_one(&mut **conn)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(journal, "wal");
        }
        // And the ballots' own connection.
        let direct = store
            .direct
            .as_ref()
            .unwrap_or_else(|| panic!("no ballot connection"));
        assert_eq!(direct.settings(), (2, "wal".to_owned(), true));
    }

    /// The access epoch moves with every change to a council's roster,
    /// however it is made (migration 0018): the server keeps rosters by it.
    async fn roster_changes_move_the_epoch(store: &SqlStore) {
        use crate::Store;
        store.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        let statements = [
            "INSERT INTO bodies (kind, name, abbreviation) VALUES ('hdnd', 'Hội đồng', 'HĐND')",
            "INSERT INTO people (full_name, status) VALUES ('Đại biểu', 'dang_hoat_dong')",
            "INSERT INTO positions (person_id, body_id, role, starts_on) \
             SELECT p.id, b.id, 'dai_bieu', '2026-01-01' FROM people p, bodies b",
            "UPDATE people SET status = 'bai_nhiem'",
            "UPDATE positions SET ends_on = '2026-06-30'",
            "UPDATE bodies SET name = 'Hội đồng nhân dân'",
            "DELETE FROM positions",
            "DELETE FROM people",
            "DELETE FROM bodies",
        ];
        for sql in statements {
            let before = store.access_epoch().await.unwrap_or_else(|e| panic!("{e}"));
            sqlx::query(sql)
                .execute(store.pool())
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            let after = store.access_epoch().await.unwrap_or_else(|e| panic!("{e}"));
            assert!(after > before, "{sql} left the epoch at {before}");
        }
    }

    #[tokio::test]
    async fn roster_changes_move_the_epoch_on_both_backends() {
        let dir = nghitruong_testkit::temp_dir();
        let sqlite = StoreOptions::sqlite_file(&dir.path().join("t.db"), 1);
        let store = SqlStore::open(&sqlite)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        roster_changes_move_the_epoch(&store).await;
        let Some(url) = nghitruong_testkit::postgres_url() else {
            eprintln!("SKIPPED on PostgreSQL: NGHITRUONG_TEST_DATABASE_URL is not set");
            return;
        };
        let schema = nghitruong_testkit::unique_name("nt_roster");
        let options = StoreOptions {
            url,
            schema: Some(schema.clone()),
            max_connections: 2,
            read_only: false,
        };
        let store = SqlStore::open(&options)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        roster_changes_move_the_epoch(&store).await;
        store
            .drop_schema(&schema)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
