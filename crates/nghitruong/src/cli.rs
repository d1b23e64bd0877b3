//! Command-line interface: `serve`, `migrate`, `seed demo`, `admin`,
//! `audit verify`, `backup`, `search reindex`, `print-config`, `edxml`, `petitions eval`, `axis`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use nghitruong_domain::access::Role;
use nghitruong_domain::clock::{Clock, SystemClock};
use nghitruong_domain::text;
use nghitruong_store::{
    AuditContext, Backend, CouncilFilter, NewUser, SqlStore, Store, StoreOptions,
    verify_audit_chain,
};
use nghitruong_web::auth::password;
use nghitruong_web::{AppState, WebConfig};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::demo;
use crate::settings::{EXAMPLE, Settings};

// The doc comments of the command-line types are its help text, which is
// interface, so they are in Vietnamese.
/// Nghị trường: kỳ họp không giấy, kiến nghị cử tri và giám sát của HĐND
/// tỉnh, Đoàn ĐBQH và HĐND cấp xã.
#[derive(Parser, Debug)]
#[command(name = "nghitruong", version)]
pub struct Args {
    /// Tệp cấu hình TOML (mặc định: ./nghitruong.toml nếu có).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Thư mục dữ liệu (cơ sở dữ liệu và tài liệu); ghi đè cấu hình.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

impl Args {
    /// The upload check this process was started for, if any: it runs
    /// before the async runtime starts (no threads but its own), reads no
    /// settings and opens nothing but its file.
    pub fn inspection(&self) -> Option<&crate::inspect_cmd::InspectArgs> {
        match &self.command {
            Command::InspectUpload(inspect) => Some(inspect),
            _ => None,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Chạy máy chủ web.
    Serve {
        /// Cổng lắng nghe (0: chọn cổng trống).
        #[arg(long)]
        port: Option<u16>,
        /// Địa chỉ lắng nghe.
        #[arg(long)]
        host: Option<String>,
        /// Nạp dữ liệu mẫu tỉnh Nghệ An vào cơ sở dữ liệu trống.
        #[arg(long)]
        demo: bool,
    },
    /// Tạo hoặc cập nhật lược đồ cơ sở dữ liệu.
    Migrate,
    /// Nạp dữ liệu.
    Seed {
        #[command(subcommand)]
        what: SeedCommand,
    },
    /// Quản lý tài khoản.
    Admin {
        #[command(subcommand)]
        action: AdminCommand,
    },
    /// Làm việc với nhật ký hệ thống.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Sao lưu nhất quán cơ sở dữ liệu và tài liệu khi máy chủ đang chạy.
    Backup {
        /// Thư mục chứa bản sao (được tạo mới; chưa được tồn tại).
        #[arg(long)]
        out: PathBuf,
    },
    /// Tra cứu toàn văn: lập lại chỉ mục.
    Search {
        #[command(subcommand)]
        action: crate::search_cmd::SearchCommand,
    },
    /// In tệp cấu hình mẫu có chú thích.
    PrintConfig,
    /// Kiểm tra hoặc xem gói edXML của Trục liên thông văn bản quốc gia.
    Edxml {
        #[command(subcommand)]
        action: crate::edxml_cmd::EdxmlCommand,
    },
    /// Kiến nghị cử tri: đo chất lượng phát hiện trùng lặp và gợi ý phân loại.
    Petitions {
        #[command(subcommand)]
        action: crate::petitions_cmd::PetitionsCommand,
    },
    /// Trục liên thông văn bản thử nghiệm.
    Axis {
        #[command(subcommand)]
        action: crate::axis_cmd::AxisCommand,
    },
    /// Kiểm tra một tệp tải lên trong tiến trình riêng (máy chủ tự gọi).
    #[command(hide = true)]
    InspectUpload(crate::inspect_cmd::InspectArgs),
}

#[derive(Subcommand, Debug)]
enum SeedCommand {
    /// Tỉnh mẫu: Nghệ An, HĐND tỉnh, Đoàn ĐBQH và 130 HĐND cấp xã.
    Demo,
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Tạo tài khoản; mật khẩu nhập từ bàn phím hoặc stdin.
    CreateUser {
        /// Tên đăng nhập (chữ thường không dấu, chữ số, . _ -).
        username: String,
        /// Họ và tên hiển thị.
        #[arg(long)]
        name: String,
        /// Mã vai trò, ví dụ quan_tri, chu_tich, van_phong, thu_ky.
        #[arg(long, default_value = "quan_tri")]
        role: String,
        /// Mã đơn vị của Hội đồng nơi giữ vai trò (không cần với quan_tri).
        #[arg(long)]
        unit: Option<String>,
    },
    /// Đặt mật khẩu mới và kết thúc các phiên đăng nhập.
    ResetPassword {
        /// Tên đăng nhập.
        username: String,
    },
    /// Khóa tài khoản và kết thúc các phiên đăng nhập.
    Lock {
        /// Tên đăng nhập.
        username: String,
    },
    /// Mở khóa tài khoản.
    Unlock {
        /// Tên đăng nhập.
        username: String,
    },
    /// Tắt xác thực hai lớp (khi mất điện thoại).
    DisableTotp {
        /// Tên đăng nhập.
        username: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Kiểm tra chuỗi băm của nhật ký; chỉ ra bản ghi hỏng đầu tiên.
    /// Chỉ đọc, không thay đổi gì.
    Verify {
        /// Mốc in ra ở lần kiểm tra trước (SỐ:MÃ_BĂM); chuỗi phải còn giữ
        /// mốc này, nhờ đó phát hiện nhật ký bị cắt bớt hay viết lại.
        #[arg(long)]
        expect: Option<nghitruong_domain::audit::Anchor>,
    },
}

fn settings(args: &Args) -> anyhow::Result<Settings> {
    let mut s = Settings::load(args.config.as_deref())?;
    if let Some(dir) = &args.data_dir {
        s.data_dir.clone_from(dir);
    }
    Ok(s)
}

fn init_logs(s: &Settings) {
    subscriber(&s.log.filter, s.log.format == "json", std::io::stderr).init();
}

/// The log subscriber: the filter an operator wrote (`info` if it does not
/// parse), JSON lines or plain text, to `writer`. The NATS client writes
/// its sign-in message, password and all, at `trace`: that level of it is
/// never logged, whatever the filter says.
fn subscriber<W>(filter: &str, json: bool, writer: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let no_nats_trace = tracing_subscriber::filter::filter_fn(|m| {
        !(*m.level() == tracing::Level::TRACE && m.target().starts_with("async_nats"))
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if json {
        Box::new(builder.json().finish().with(no_nats_trace))
    } else {
        Box::new(builder.finish().with(no_nats_trace))
    }
}

pub async fn open_store(s: &Settings) -> anyhow::Result<SqlStore> {
    let url = s.database_url();
    if Backend::from_url(&url) == Some(Backend::Sqlite) {
        std::fs::create_dir_all(&s.data_dir)
            .with_context(|| format!("không tạo được thư mục dữ liệu {}", s.data_dir.display()))?;
        restrict_permissions(&s.data_dir, 0o700);
    }
    let max = s
        .database
        .max_connections
        .unwrap_or(match Backend::from_url(&url) {
            Some(Backend::Postgres) => 16,
            _ => 8,
        });
    let options = StoreOptions {
        url,
        schema: s.database.schema.clone(),
        max_connections: max,
        read_only: false,
    };
    let store = SqlStore::open(&options).await?;
    store
        .migrate()
        .await
        .context("không cập nhật được lược đồ cơ sở dữ liệu")?;
    if Backend::from_url(&s.database_url()) == Some(Backend::Sqlite) {
        restrict_permissions(&s.data_dir.join("nghitruong.db"), 0o600);
    }
    Ok(store)
}

/// Keeps the database (which holds password hashes and second-factor
/// secrets) readable by the server's own user only. Best effort: a folder
/// on a file system without Unix permissions is left as it is.
fn restrict_permissions(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if path.exists() {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// Runs a command; the exit code says whether it succeeded.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(inspect) = args.inspection() {
        return Ok(crate::inspect_cmd::run(inspect));
    }
    let s = settings(&args)?;
    match args.command {
        Command::PrintConfig => {
            print!("{EXAMPLE}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Edxml { action } => crate::edxml_cmd::run(action),
        Command::Petitions { action } => crate::petitions_cmd::run(action),
        Command::InspectUpload(inspect) => Ok(crate::inspect_cmd::run(&inspect)),
        Command::Axis { action } => {
            init_logs(&s);
            crate::axis_cmd::run(action, &s.exchange, Arc::new(SystemClock)).await
        }
        Command::Serve { port, host, demo } => {
            init_logs(&s);
            serve(s, host, port, demo).await
        }
        Command::Migrate => {
            open_store(&s).await?;
            println!("Cơ sở dữ liệu đã được tạo hoặc cập nhật đến phiên bản mới nhất.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Seed {
            what: SeedCommand::Demo,
        } => {
            let store = open_store(&s).await?;
            seed_demo(&store, &SystemClock).await?;
            seed_demo_documents(&store, &s, &SystemClock).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { action } => admin(&open_store(&s).await?, action).await,
        Command::Audit {
            action: AuditCommand::Verify { expect },
        } => audit_verify(&open_existing(&s, true).await?, expect.as_ref()).await,
        Command::Search { action } => {
            let store = open_existing(&s, true).await?;
            crate::search_cmd::run(&s, &store, action).await
        }
        Command::Backup { out } => backup(&s, &open_existing(&s, false).await?, &out).await,
    }
}

/// The settings `serve` runs with: the file and environment's, then the
/// command line's `--host` and `--port`, then what `--demo` turns on (the
/// demo exchanges documents through a local axis inside the server).
fn effective_settings(
    mut s: Settings,
    host: Option<String>,
    port: Option<u16>,
    demo: bool,
) -> Settings {
    if let Some(host) = host {
        s.server.host = host;
    }
    if let Some(port) = port {
        s.server.port = port;
    }
    if demo && !s.exchange.enabled {
        s.exchange.enabled = true;
        s.exchange.local_service = true;
    }
    s
}

/// One readable line of what `serve` is about to do, for the log.
fn startup_summary(s: &Settings, demo: bool) -> String {
    let exchange = if s.exchange.enabled {
        format!(
            "bật ({:?}, {}{})",
            s.exchange.kind,
            s.exchange.base_url,
            if s.exchange.local_service {
                ", trục nội bộ trong máy chủ"
            } else {
                ""
            }
        )
    } else {
        "tắt".to_owned()
    };
    let smtp = if s.smtp.enabled {
        format!("{}:{}", s.smtp.host, s.smtp.port)
    } else {
        "tắt".to_owned()
    };
    let scheduler = if s.scheduler.enabled {
        format!("mỗi {} giây", s.scheduler.tick_seconds.max(1))
    } else {
        "tắt".to_owned()
    };
    format!(
        "địa chỉ {}:{}; dữ liệu {}; cơ sở dữ liệu {}; liên thông văn bản: {exchange}; \
         thư điện tử: {smtp}; bộ lập lịch: {scheduler}{}",
        s.server.host,
        s.server.port,
        s.data_dir.display(),
        Backend::from_url(&s.database_url()).map_or("không rõ".to_owned(), |b| format!("{b:?}")),
        if demo { "; dữ liệu mẫu" } else { "" }
    )
}

async fn serve(
    s: Settings,
    host: Option<String>,
    port: Option<u16>,
    demo: bool,
) -> anyhow::Result<ExitCode> {
    // Log what is in force, not the defaults the overrides replace.
    let s = effective_settings(s, host, port, demo);
    tracing::info!(settings = ?s, "starting");
    tracing::info!("{}", startup_summary(&s, demo));
    let store = Arc::new(open_store(&s).await?);
    let clock = SystemClock;
    if demo {
        seed_demo(&store, &clock).await?;
        seed_demo_documents(&store, &s, &clock).await?;
    }
    let exchange = crate::axis_cmd::start(&s.exchange, store.clone(), Arc::new(clock)).await?;
    let config = WebConfig {
        secure_cookies: s.auth.secure_cookies,
        session_hours: s.auth.session_hours,
        documents_dir: Some(s.data_dir.join("documents")),
        upload_limits: s.documents.limits(),
        public_url: Some(s.smtp.public_url.clone()).filter(|u| !u.is_empty()),
        signing_key: signing_key(&s.data_dir)?,
        meet: s.meet.engine()?,
        inspector: Some(crate::inspect_cmd::inspector()?),
        ..WebConfig::default()
    };
    let search = Arc::new(crate::search_cmd::open(&s)?);
    let mut state = AppState::new(store.clone(), Arc::new(clock), config).with_search(search);
    state.parts_mut().exchange = exchange.as_ref().map(|r| r.service.clone());
    if let Some(smtp) = s.smtp.config() {
        let mailer = nghitruong_web::notify::Mailer::new(&smtp)
            .context("không khởi tạo được máy chủ thư điện tử [smtp]")?;
        state.parts_mut().mailer = Some(Arc::new(mailer));
    }
    let scheduler = s.scheduler.enabled.then(|| {
        nghitruong_web::scheduler::start(
            state.clone(),
            std::time::Duration::from_secs(s.scheduler.tick_seconds.max(1)),
        )
    });
    let seen = state.seen.clone();
    let relay = match s.live.nats_url.as_str() {
        "" => None,
        url => {
            let relay =
                nghitruong_web::live_nats::start(state.live.clone(), url, &s.live.nats_prefix)
                    .await
                    .context("không bật được cập nhật trực tiếp giữa các máy chủ [live]")?;
            tracing::info!(
                url = %nghitruong_web::live_nats::redacted(url),
                prefix = %s.live.nats_prefix,
                "relaying live changes over NATS"
            );
            Some(relay)
        }
    };
    let app = nghitruong_web::app(state);

    let (host, port) = (s.server.host.clone(), s.server.port);
    let listener = listen(&host, port).await.with_context(|| {
        format!("không mở được cổng {host}:{port} (cổng đang bận hoặc không có quyền)")
    })?;
    let addr = listener.local_addr()?;
    println!("Nghị trường đang chạy tại http://{addr}");
    tracing::info!(%addr, "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("máy chủ dừng do lỗi")?;
    for task in exchange.iter().flat_map(|r| &r.tasks) {
        task.abort();
    }
    if let Some(task) = scheduler {
        task.abort();
    }
    drop(relay);
    // Sign-in activity noted in the last few seconds.
    seen.write(store.as_ref()).await;
    if let Err(e) = store.checkpoint().await {
        tracing::warn!(error = %e, "could not fold the write-ahead log into the database file");
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// Adds the demo session's documents, once, under the data folder.
async fn seed_demo_documents(
    store: &SqlStore,
    s: &Settings,
    clock: &dyn Clock,
) -> anyhow::Result<()> {
    let ctx = AuditContext::system(clock.now());
    let dir = s.data_dir.join("documents");
    let added = crate::demo_documents::seed_documents(store, &dir, &ctx).await?;
    if added > 0 {
        println!("Đã nạp {added} tài liệu mẫu cho kỳ họp đã triệu tập.");
    }
    Ok(())
}

/// Seeds the demo province into an empty database; a database that already
/// has councils is left as it is.
pub async fn seed_demo(store: &SqlStore, clock: &dyn Clock) -> anyhow::Result<()> {
    let (_, existing) = store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await?;
    let csv = include_str!("../../../seed/admin-units-2025-07.csv");
    let hash = |p: &str| password::hash(p).unwrap_or_default();
    let (seed, accounts) = demo::demo_seed(csv, &hash)?;
    if existing == 0 {
        let ctx = AuditContext::system(clock.now());
        let counts = store.seed_organisation(&seed, &ctx).await?;
        demo::seed_session(store, &ctx).await?;
        let petitions = crate::demo_petitions::seed_petitions(store, &ctx).await?;
        println!("Đã nạp {petitions} kiến nghị cử tri mẫu (từ bộ dữ liệu phát triển).");
        let sup = crate::demo_supervision::seed_supervision(store, clock.now()).await?;
        println!(
            "Đã nạp sổ nghị quyết mẫu ({} nghị quyết, {} quan hệ) và một đoàn giám sát với {} nhiệm vụ.",
            sup.resolutions, sup.relations, sup.tasks
        );
        println!(
            "Đã nạp dữ liệu mẫu: {} đơn vị hành chính, {} Hội đồng, {} cơ quan, {} người, {} tài khoản.",
            counts.units, counts.councils, counts.bodies, counts.people, counts.users
        );
    } else {
        println!("Cơ sở dữ liệu đã có dữ liệu ({existing} Hội đồng); không nạp lại dữ liệu mẫu.");
    }
    println!("Tài khoản mẫu (mật khẩu: {}):", demo::DEMO_PASSWORD);
    for a in &accounts {
        println!(
            "  {:<16} {:<28} {}",
            a.username, a.role_label, a.council_name
        );
    }
    Ok(())
}

fn read_password(prompt: &str) -> anyhow::Result<String> {
    let typed = rpassword::prompt_password(prompt).or_else(|_| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })?;
    let typed = typed.trim_end_matches(['\n', '\r']).to_owned();
    text::new_password(&typed).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(typed)
}

async fn admin(store: &SqlStore, action: AdminCommand) -> anyhow::Result<ExitCode> {
    let ctx = AuditContext::system(SystemClock.now());
    match action {
        AdminCommand::CreateUser {
            username,
            name,
            role,
            unit,
        } => {
            let username = text::username(&username).map_err(|e| anyhow::anyhow!("{e}"))?;
            let name = text::person_name(&name).map_err(|e| anyhow::anyhow!("{e}"))?;
            let role: Role = role
                .parse()
                .map_err(|_| anyhow::anyhow!("vai trò không hợp lệ: {role}"))?;
            let council = match (role, unit) {
                (Role::Admin, _) => None,
                (_, None) => anyhow::bail!("vai trò này cần --unit (mã đơn vị của Hội đồng)"),
                (_, Some(code)) => Some(council_by_unit(store, &code).await?),
            };
            let pw = read_password("Mật khẩu (ít nhất 10 ký tự): ")?;
            let new = NewUser {
                username: username.clone(),
                display_name: name,
                password_hash: password::hash(&pw)?,
                person_id: None,
                agency_body_id: None,
            };
            let id = store.create_user(&new, &ctx).await.map_err(|e| match e {
                nghitruong_store::StoreError::Conflict(_) => {
                    anyhow::anyhow!("tên đăng nhập {username} đã có")
                }
                e => e.into(),
            })?;
            store.grant_role(id, council, role, &ctx).await?;
            println!("Đã tạo tài khoản {username} ({}).", role.label());
        }
        AdminCommand::ResetPassword { username } => {
            let creds = store
                .user_credentials(&username.to_lowercase())
                .await?
                .with_context(|| format!("không có tài khoản {username}"))?;
            let pw = read_password("Mật khẩu mới (ít nhất 10 ký tự): ")?;
            store
                .set_password(creds.user.id, &password::hash(&pw)?, &ctx)
                .await?;
            println!("Đã đặt lại mật khẩu cho {username}; các phiên đăng nhập cũ đã bị thu hồi.");
        }
        AdminCommand::Lock { username } => {
            store
                .set_user_active(account(store, &username).await?, false, &ctx)
                .await?;
            println!("Đã khóa tài khoản {username}; các phiên đăng nhập đã bị thu hồi.");
        }
        AdminCommand::Unlock { username } => {
            store
                .set_user_active(account(store, &username).await?, true, &ctx)
                .await?;
            println!("Đã mở khóa tài khoản {username}.");
        }
        AdminCommand::DisableTotp { username } => {
            store
                .set_totp_secret(account(store, &username).await?, None, &ctx)
                .await?;
            println!("Đã tắt xác thực hai lớp của {username}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn account(store: &SqlStore, username: &str) -> anyhow::Result<i64> {
    let creds = store
        .user_credentials(&username.to_lowercase())
        .await?
        .with_context(|| format!("không có tài khoản {username}"))?;
    Ok(creds.user.id)
}

async fn council_by_unit(store: &SqlStore, code: &str) -> anyhow::Result<i64> {
    let council = store.council_by_unit(code).await?;
    Ok(council
        .with_context(|| format!("không có Hội đồng với mã đơn vị {code}"))?
        .id)
}

async fn audit_verify(
    store: &SqlStore,
    expect: Option<&nghitruong_domain::audit::Anchor>,
) -> anyhow::Result<ExitCode> {
    match verify_audit_chain(store, expect).await? {
        Ok(report) => {
            println!("Chuỗi nhật ký toàn vẹn: {} bản ghi.", report.verified);
            if let Some(head) = report.head {
                println!("Mốc hiện tại (lưu lại để lần sau kiểm tra với --expect): {head}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            println!("Chuỗi nhật ký bị phá vỡ: {} ({broken})", broken.vi());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Opens a database that must already exist, read-only for SQLite, and
/// does not migrate it: checking a database must not change it.
pub async fn open_existing(s: &Settings, read_only: bool) -> anyhow::Result<SqlStore> {
    let url = s.database_url();
    let sqlite = Backend::from_url(&url) == Some(Backend::Sqlite);
    if sqlite {
        let file = nghitruong_store::sqlite_file(&url).unwrap_or_default();
        anyhow::ensure!(
            file.is_file(),
            "không tìm thấy cơ sở dữ liệu {}; kiểm tra --data-dir",
            file.display()
        );
    }
    let options = StoreOptions {
        url,
        schema: s.database.schema.clone(),
        max_connections: 2,
        read_only: sqlite && read_only,
    };
    SqlStore::open(&options).await
}

async fn backup(s: &Settings, store: &SqlStore, out: &Path) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !out.exists(),
        "{} đã tồn tại; hãy chọn một thư mục mới",
        out.display()
    );
    std::fs::create_dir_all(out)
        .with_context(|| format!("không tạo được thư mục {}", out.display()))?;
    restrict_permissions(out, 0o700);
    match store.backend() {
        Backend::Sqlite => store.backup_to(&out.join("nghitruong.db")).await?,
        Backend::Postgres => {
            let status = std::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg(format!(
                    "--file={}",
                    out.join("nghitruong.pgdump").display()
                ))
                .arg(s.database_url())
                .status()
                .context("không chạy được pg_dump; hãy cài gói postgresql-client")?;
            anyhow::ensure!(status.success(), "pg_dump thất bại ({status})");
        }
    }
    let docs = s.data_dir.join("documents");
    let copied = if docs.exists() {
        copy_tree(&docs, &out.join("documents"))?
    } else {
        0
    };
    println!(
        "Đã sao lưu cơ sở dữ liệu và {copied} tệp tài liệu vào {}.",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Copies a folder of documents. Documents are written once under opaque
/// names and never changed in place, so a plain copy is consistent.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(to)?;
    let mut n = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            n += copy_tree(&entry.path(), &target)?;
        } else if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), &target)?;
            n += 1;
        }
    }
    Ok(n)
}

/// The server's key for the links it signs (QR check-in codes), kept in
/// `<data dir>/signing.key` so codes printed before a restart still work;
/// made on first start, readable by the server's account only.
fn signing_key(data_dir: &std::path::Path) -> anyhow::Result<Arc<[u8]>> {
    let path = data_dir.join("signing.key");
    match std::fs::read(&path) {
        Ok(key) if key.len() >= 32 => return Ok(Arc::from(key)),
        Ok(_) => anyhow::bail!("tệp khóa {} bị hỏng (ngắn hơn 32 byte)", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("không đọc được tệp khóa {}", path.display()));
        }
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("không tạo được thư mục {}", data_dir.display()))?;
    let key = nghitruong_web::random_key();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("không tạo được tệp khóa {}", path.display()))?;
    std::io::Write::write_all(&mut file, &key)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("không ghi được tệp khóa {}", path.display()))?;
    Ok(key)
}

/// Connections waiting to be accepted. A hall of tablets and screens
/// reconnecting at once (after a Wi-Fi drop, or 2,000 screens fetching a
/// result) opens thousands of connections within milliseconds; past
/// tokio's default of 1,024 the kernel drops the new ones and each retries
/// only after a second (seen in session-bench). The kernel caps it at
/// `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

/// The server's listening socket on `host:port`, with [`LISTEN_BACKLOG`].
async fn listen(host: &str, port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    let addr = tokio::net::lookup_host((host, port))
        .await?
        .next()
        .context("the host name resolves to no address")?;
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As std's bind does: a restarted server can take its port back while
    // old connections linger in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    Ok(socket.listen(LISTEN_BACKLOG)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a subscriber wrote, shared with the test.
    #[derive(Clone, Default)]
    struct Written(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Written {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_nats_clients_sign_in_message_is_never_logged() {
        for json in [false, true] {
            let written = Written::default();
            let out = written.clone();
            let sub = subscriber("trace", json, move || out.clone());
            tracing::subscriber::with_default(sub, || {
                tracing::trace!(target: "async_nats::connection", "CONNECT pass=S3cret");
                tracing::debug!(target: "async_nats::connector", "connecting to server");
                tracing::trace!(target: "nghitruong::other", "trace of our own");
            });
            let text = String::from_utf8(written.0.lock().unwrap().clone()).unwrap();
            assert!(!text.contains("S3cret"), "{text}");
            assert!(text.contains("connecting to server"), "{text}");
            assert!(text.contains("trace of our own"), "{text}");
        }
        // And the operator's filter still decides the rest.
        let written = Written::default();
        let out = written.clone();
        tracing::subscriber::with_default(subscriber("warn", false, move || out.clone()), || {
            tracing::info!(target: "nghitruong::other", "not at warn");
        });
        assert!(written.0.lock().unwrap().is_empty());
    }

    #[test]
    fn the_startup_log_tells_the_settings_in_force() {
        let mut from_file = Settings::default();
        from_file.server.port = 9100;
        // The file's port stays unless the command line gives one.
        let s = effective_settings(from_file.clone(), None, None, false);
        assert_eq!(s.server.port, 9100);
        let line = startup_summary(&s, false);
        assert!(line.contains(":9100;"), "{line}");
        assert!(line.contains("liên thông văn bản: tắt"), "{line}");
        assert!(!line.contains("8080"), "{line}");

        let s = effective_settings(from_file, Some("127.0.0.1".into()), Some(9200), true);
        assert_eq!((s.server.host.as_str(), s.server.port), ("127.0.0.1", 9200));
        assert!(s.exchange.enabled && s.exchange.local_service);
        let line = startup_summary(&s, true);
        assert!(line.starts_with("địa chỉ 127.0.0.1:9200;"), "{line}");
        assert!(line.contains("liên thông văn bản: bật"), "{line}");
        assert!(line.contains("trục nội bộ"), "{line}");
        assert!(line.ends_with("; dữ liệu mẫu"), "{line}");

        // An exchange the settings turned on is left as configured by --demo.
        let mut configured = Settings::default();
        configured.exchange.enabled = true;
        configured.exchange.base_url = "http://127.0.0.1:8090".into();
        let s = effective_settings(configured, None, None, true);
        assert!(!s.exchange.local_service);
        assert!(startup_summary(&s, true).contains("http://127.0.0.1:8090"));
    }
}
