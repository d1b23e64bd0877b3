//! Settings: built-in defaults, then an optional TOML file, then
//! `NGHITRUONG__SECTION__KEY` environment variables. With nothing set the
//! server runs on 127.0.0.1:8080 with SQLite under `./data`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Every setting.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the database (by default) and documents live.
    pub data_dir: PathBuf,
    /// HTTP server.
    pub server: ServerSettings,
    /// Database.
    pub database: DatabaseSettings,
    /// Sign-in.
    pub auth: AuthSettings,
    /// Logs.
    pub log: LogSettings,
    /// Document exchange with the national axis.
    pub exchange: ExchangeSettings,
    /// Session documents.
    pub documents: DocumentSettings,
    /// E-mail for notifications (off by default).
    pub smtp: SmtpSettings,
    /// The jobs the server runs by itself (reminders, e-mail).
    pub scheduler: SchedulerSettings,
    /// Online meetings (họp trực tuyến).
    pub meet: MeetSettings,
    /// Live updates between the nodes of one province.
    pub live: LiveSettings,
}

/// Live updates of the session screens between nodes (scaled out). Off by
/// default: one process tells its own screens.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveSettings {
    /// The NATS server the nodes relay their changes through, such as
    /// `nats://10.0.0.5:4222`; empty for one node.
    pub nats_url: String,
    /// What the relay's subjects start with: one per province when several
    /// share a NATS server.
    pub nats_prefix: String,
}

impl std::fmt::Debug for LiveSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSettings")
            .field(
                "nats_url",
                &nghitruong_web::live_nats::redacted(&self.nats_url),
            )
            .field("nats_prefix", &self.nats_prefix)
            .finish()
    }
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            nats_url: String::new(),
            nats_prefix: "nghitruong.live".into(),
        }
    }
}

/// The SMTP server notifications are e-mailed through. Disabled by default:
/// notifications then show only inside the product.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    /// Send e-mail at all.
    pub enabled: bool,
    /// Server host.
    pub host: String,
    /// Server port (587 with STARTTLS).
    pub port: u16,
    /// Sender, `Tên <dia-chi@...>` or a bare address.
    pub from: String,
    /// Sign-in name, if the server needs one.
    pub user: Option<String>,
    /// Its password; never logged.
    pub password: Option<String>,
    /// Upgrade the connection with STARTTLS.
    pub starttls: bool,
    /// The address people reach the product at, for links in e-mails
    /// (`https://hdnd.nghean.gov.vn`); empty for none.
    pub public_url: String,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            host: "127.0.0.1".into(),
            port: 587,
            from: "Nghị trường <khong-tra-loi@localhost>".into(),
            user: None,
            password: None,
            starttls: true,
            public_url: String::new(),
        }
    }
}

/// Online meeting settings: the embedded SFU's UDP socket, or LiveKit.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeetSettings {
    /// `embedded` (the SFU inside this server) or `livekit`.
    pub engine: String,
    /// The embedded SFU's UDP address (one port for every participant).
    pub udp_bind: String,
    /// The address put in ICE candidates when the server is behind NAT.
    pub public_ip: String,
    /// LiveKit server URL.
    pub livekit_url: String,
    /// LiveKit API key.
    pub livekit_api_key: String,
    /// LiveKit API secret; never logged.
    pub livekit_api_secret: String,
    /// How long a LiveKit join token is valid, in seconds (fresh ones are
    /// sent half-way): how long a removed person could still join LiveKit
    /// with the last token they were given.
    pub livekit_token_ttl_seconds: i64,
}

impl Default for MeetSettings {
    fn default() -> Self {
        Self {
            engine: "embedded".into(),
            udp_bind: "127.0.0.1:0".into(),
            public_ip: String::new(),
            livekit_url: String::new(),
            livekit_api_key: String::new(),
            livekit_api_secret: String::new(),
            livekit_token_ttl_seconds: nghitruong_meet::livekit::JOIN_TOKEN_TTL_SECONDS,
        }
    }
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("enabled", &self.enabled)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("starttls", &self.starttls)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl SmtpSettings {
    /// The web layer's SMTP settings, when e-mail is enabled.
    pub fn config(&self) -> Option<nghitruong_web::notify::SmtpConfig> {
        self.enabled.then(|| nghitruong_web::notify::SmtpConfig {
            host: self.host.clone(),
            port: self.port,
            from: self.from.clone(),
            user: self.user.clone().filter(|u| !u.is_empty()),
            password: self.password.clone().filter(|p| !p.is_empty()),
            starttls: self.starttls,
        })
    }
}

/// The in-server scheduler.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerSettings {
    /// Run the jobs (turn off only on all but one node of a cluster).
    pub enabled: bool,
    /// Seconds between ticks.
    pub tick_seconds: u64,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            tick_seconds: 60,
        }
    }
}

impl std::fmt::Debug for MeetSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeetSettings")
            .field("engine", &self.engine)
            .field("udp_bind", &self.udp_bind)
            .field("public_ip", &self.public_ip)
            .field("livekit_url", &self.livekit_url)
            .field("livekit_api_key", &self.livekit_api_key)
            .field("livekit_token_ttl_seconds", &self.livekit_token_ttl_seconds)
            .finish_non_exhaustive()
    }
}

/// The shortest LiveKit join token: fresh ones go out every half of it,
/// and a page needs a few seconds to join with one.
const MIN_TOKEN_TTL_SECONDS: i64 = 10;
/// The longest: a day (a removed person's last token lasts that long).
const MAX_TOKEN_TTL_SECONDS: i64 = 24 * 3600;

impl MeetSettings {
    /// The engine these settings describe, or why they are wrong.
    pub fn engine(&self) -> anyhow::Result<nghitruong_web::meet::MeetEngine> {
        use nghitruong_web::meet::MeetEngine;
        match self.engine.as_str() {
            "embedded" => {
                Ok(MeetEngine::Embedded {
                    bind: self.udp_bind.parse().with_context(|| {
                        format!("meet.udp_bind is not an address: {}", self.udp_bind)
                    })?,
                    public_ip: match self.public_ip.trim() {
                        "" => None,
                        ip => Some(ip.parse().with_context(|| {
                            format!("meet.public_ip is not an IP address: {ip}")
                        })?),
                    },
                })
            }
            "livekit" => {
                anyhow::ensure!(
                    !self.livekit_url.is_empty()
                        && !self.livekit_api_key.is_empty()
                        && self.livekit_api_secret.len() >= 32,
                    "meet.engine = \"livekit\" needs livekit_url, livekit_api_key and a livekit_api_secret of at least 32 characters"
                );
                anyhow::ensure!(
                    (MIN_TOKEN_TTL_SECONDS..=MAX_TOKEN_TTL_SECONDS)
                        .contains(&self.livekit_token_ttl_seconds),
                    "meet.livekit_token_ttl_seconds must be between {MIN_TOKEN_TTL_SECONDS} and {MAX_TOKEN_TTL_SECONDS}, not {}",
                    self.livekit_token_ttl_seconds
                );
                let config = nghitruong_meet::livekit::LiveKitConfig {
                    url: self.livekit_url.clone(),
                    api_key: self.livekit_api_key.clone(),
                    api_secret: self.livekit_api_secret.clone(),
                    ttl_seconds: self.livekit_token_ttl_seconds,
                };
                anyhow::ensure!(
                    config.connect_sources().is_some(),
                    "meet.livekit_url must be a ws:// or wss:// address, not {:?}",
                    self.livekit_url
                );
                Ok(MeetEngine::LiveKit(config))
            }
            other => {
                anyhow::bail!("meet.engine must be \"embedded\" or \"livekit\", not {other:?}")
            }
        }
    }
}

/// Document exchange settings (liên thông văn bản). The defaults point at
/// the local axis service (`nghitruong axis serve`) on loopback.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExchangeSettings {
    /// Run the outbox and inbox poller inside the server.
    pub enabled: bool,
    /// Base URL of the axis (or an LGSP with the same API).
    pub base_url: String,
    /// `systemid` given by the axis operator.
    pub system_id: String,
    /// The secret shared with the axis; never logged.
    pub secret: String,
    /// Our organisation code (mã định danh).
    pub organ_id: String,
    /// Our name as packages show it.
    pub organ_name: String,
    /// Địa danh written on documents we send.
    pub place: String,
    /// Seconds between polls of the inbox.
    pub poll_seconds: u64,
    /// Start the local axis service inside the server, at `base_url`.
    pub local_service: bool,
    /// `vxp`: the axis API (also an LGSP that exposes it); `lgsp`: a
    /// provincial platform with its own REST face (token, `/vanbans`), at
    /// `base_url` with the `lgsp_*` settings.
    pub kind: ExchangeKind,
    /// LGSP: the OAuth2 token endpoint.
    pub lgsp_token_url: String,
    /// LGSP: OAuth2 client id.
    pub lgsp_client_id: String,
    /// LGSP: OAuth2 client secret; never logged.
    pub lgsp_client_secret: String,
    /// LGSP: the unit's secret issued by the platform; never logged.
    pub lgsp_unit_secret: String,
}

/// Which exchange the deployment talks to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExchangeKind {
    /// The VXP API of the national axis.
    #[default]
    Vxp,
    /// An LGSP with its own REST face.
    Lgsp,
}

impl Default for ExchangeSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: "http://127.0.0.1:8090".into(),
            system_id: "nghitruong-demo".into(),
            secret: "nghitruong-demo-secret".into(),
            organ_id: "000.00.01.H41".into(),
            organ_name: "HĐND tỉnh Nghệ An".into(),
            place: "Nghệ An".into(),
            poll_seconds: 30,
            local_service: false,
            kind: ExchangeKind::Vxp,
            lgsp_token_url: String::new(),
            lgsp_client_id: String::new(),
            lgsp_client_secret: String::new(),
            lgsp_unit_secret: String::new(),
        }
    }
}

/// Limits on uploaded session documents.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentSettings {
    /// Largest file accepted, in megabytes.
    pub max_upload_mb: u64,
    /// Most parts a DOCX or XLSX (a zip) may hold.
    pub max_zip_entries: usize,
    /// Largest unpacked size of a DOCX or XLSX, in megabytes.
    pub max_unpacked_mb: u64,
    /// Largest compression ratio of one part of a DOCX or XLSX.
    pub max_ratio: u64,
}

impl Default for DocumentSettings {
    fn default() -> Self {
        let l = nghitruong_docs::Limits::default();
        Self {
            max_upload_mb: l.max_bytes / (1024 * 1024),
            max_zip_entries: l.max_zip_entries,
            max_unpacked_mb: l.max_uncompressed / (1024 * 1024),
            max_ratio: l.max_ratio,
        }
    }
}

impl std::fmt::Debug for ExchangeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeSettings")
            .field("enabled", &self.enabled)
            .field("base_url", &self.base_url)
            .field("system_id", &self.system_id)
            .field("secret", &"***")
            .field("kind", &self.kind)
            .field("lgsp_token_url", &self.lgsp_token_url)
            .field("lgsp_client_id", &self.lgsp_client_id)
            .field("lgsp_client_secret", &"***")
            .field("lgsp_unit_secret", &"***")
            .field("organ_id", &self.organ_id)
            .field("poll_seconds", &self.poll_seconds)
            .field("local_service", &self.local_service)
            .finish()
    }
}

impl DocumentSettings {
    /// The limits the upload checks apply.
    pub fn limits(&self) -> nghitruong_docs::Limits {
        nghitruong_docs::Limits {
            max_bytes: self.max_upload_mb.max(1) * 1024 * 1024,
            max_zip_entries: self.max_zip_entries.max(1),
            max_uncompressed: self.max_unpacked_mb.max(1) * 1024 * 1024,
            max_ratio: self.max_ratio.max(1),
        }
    }
}

/// HTTP server settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on.
    pub host: String,
    /// Port to listen on.
    pub port: u16,
}

/// Database settings.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://<data_dir>/nghitruong.db`.
    pub url: String,
    /// PostgreSQL schema to use (default: the user's search path).
    pub schema: Option<String>,
    /// Connection pool size.
    pub max_connections: Option<u32>,
}

/// Sign-in settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Mark cookies Secure; turn on behind HTTPS.
    pub secure_cookies: bool,
    /// Hours a sign-in lasts.
    pub session_hours: i64,
}

/// Log settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` or `json`.
    pub format: String,
    /// A tracing filter, such as `info,nghitruong=debug`.
    pub filter: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            auth: AuthSettings::default(),
            log: LogSettings::default(),
            exchange: ExchangeSettings::default(),
            documents: DocumentSettings::default(),
            smtp: SmtpSettings::default(),
            scheduler: SchedulerSettings::default(),
            meet: MeetSettings::default(),
            live: LiveSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_hours: 12,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: "pretty".into(),
            filter: "info,nghitruong=debug,tower_http=info".into(),
        }
    }
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &nghitruong_store::redact_url(&self.url))
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("server", &self.server)
            .field("database", &self.database)
            .field("auth", &self.auth)
            .field("log", &self.log)
            .field("exchange", &self.exchange)
            .field("documents", &self.documents)
            .field("smtp", &self.smtp)
            .field("scheduler", &self.scheduler)
            .field("meet", &self.meet)
            .field("live", &self.live)
            .finish()
    }
}

impl Settings {
    /// Loads settings from `file` (if given, it must exist; otherwise
    /// `nghitruong.toml` is read when present) and the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) => {
                anyhow::ensure!(
                    path.exists(),
                    "config file {} does not exist",
                    path.display()
                );
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("nghitruong.toml")),
        }
        figment = figment.merge(Env::prefixed("NGHITRUONG__").split("__").lowercase(true));
        figment.extract().context("invalid settings")
    }

    /// The database URL, defaulting to a SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            nghitruong_store::sqlite_url(&self.data_dir.join("nghitruong.db"))
        } else {
            self.database.url.clone()
        }
    }
}

/// The commented example configuration, also printed by `print-config`.
pub const EXAMPLE: &str = include_str!("../../../config/example.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_configuration() {
        let s = Settings::default();
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.database_url(), "sqlite://data/nghitruong.db");
    }

    #[test]
    fn livekit_needs_a_websocket_url_and_a_long_secret() {
        let mut m = MeetSettings {
            engine: "livekit".into(),
            livekit_url: "ws://127.0.0.1:7880".into(),
            livekit_api_key: "APIkhoa".into(),
            livekit_api_secret: "bi-mat-du-dai-cho-hmac-sha256-0123456789".into(),
            ..MeetSettings::default()
        };
        assert!(m.engine().is_ok());
        m.livekit_url = "https://livekit.tinh.gov.vn".into();
        let e = m.engine().expect_err("not a WebSocket address").to_string();
        assert!(e.contains("ws:// or wss://"), "{e}");
        m.livekit_url = "wss://livekit.tinh.gov.vn".into();
        match m.engine() {
            Ok(nghitruong_web::meet::MeetEngine::LiveKit(c)) => {
                assert_eq!(c.ttl_seconds, 600, "short-lived tokens by default");
            }
            other => panic!("{other:?}"),
        }
        m.livekit_token_ttl_seconds = 5;
        let e = m.engine().expect_err("too short").to_string();
        assert!(e.contains("livekit_token_ttl_seconds"), "{e}");
        m.livekit_token_ttl_seconds = 20;
        assert!(m.engine().is_ok());
        m.livekit_api_secret = "ngan".into();
        assert!(m.engine().is_err(), "a short secret");
    }

    #[test]
    fn the_example_file_is_valid_and_complete() {
        let parsed: Settings = toml::from_str(EXAMPLE).expect("example.toml parses with every key");
        assert_eq!(parsed.server.port, 8080);
    }

    #[test]
    fn database_passwords_are_redacted_in_debug() {
        let mut s = Settings::default();
        s.database.url = "postgres://nt:hunter22@127.0.0.1/nt".into();
        s.live.nats_url = "nats://node:swordfish@10.0.0.5:4222".into();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(!shown.contains("swordfish"), "{shown}");
        assert!(shown.contains("nats://***@10.0.0.5:4222"), "{shown}");
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail returns its own error type
    fn environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("nt.toml", "[server]\nport = 9000\nhost = \"0.0.0.0\"\n")?;
            jail.set_env("NGHITRUONG__SERVER__PORT", "9100");
            jail.set_env("NGHITRUONG__DATABASE__URL", "postgres://u@127.0.0.1/x");
            let s = Settings::load(Some(Path::new("nt.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(s.server.port, 9100);
            assert_eq!(s.server.host, "0.0.0.0");
            assert_eq!(s.database_url(), "postgres://u@127.0.0.1/x");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn smtp_is_off_by_default_and_set_from_the_environment() {
        assert!(Settings::default().smtp.config().is_none());
        assert!(Settings::default().scheduler.enabled);
        figment::Jail::expect_with(|jail| {
            jail.set_env("NGHITRUONG__SMTP__ENABLED", "true");
            jail.set_env("NGHITRUONG__SMTP__PORT", "2525");
            jail.set_env("NGHITRUONG__SMTP__STARTTLS", "false");
            jail.set_env("NGHITRUONG__SMTP__PASSWORD", "hunter22");
            jail.set_env("NGHITRUONG__SCHEDULER__TICK_SECONDS", "5");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            let smtp = s.smtp.config().expect("enabled");
            assert_eq!((smtp.port, smtp.starttls), (2525, false));
            assert_eq!(s.scheduler.tick_seconds, 5);
            assert!(!format!("{s:?}").contains("hunter22"));
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn unknown_keys_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "[server]\nprot = 9000\n")?;
            assert!(Settings::load(Some(Path::new("bad.toml"))).is_err());
            Ok(())
        });
    }
}
