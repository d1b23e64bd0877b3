//! `nghitruong axis serve` runs the local axis service (for trials and the
//! demo: two deployments exchange documents through it), and [`start`]
//! runs the document exchange inside `serve`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Subcommand;
use nghitruong_axis::api::AgencyEntry;
use nghitruong_axis::local::{demo_account, demo_agencies};
use nghitruong_axis::{Backoff, ExchangeService, LocalAxis, LocalAxisConfig, VxpClient, VxpConfig};
use nghitruong_domain::clock::Clock;
use nghitruong_edxml::Organization;
use nghitruong_store::Store;

use crate::settings::ExchangeSettings;

/// The `axis` subcommands.
#[derive(Subcommand, Debug)]
pub enum AxisCommand {
    /// Chạy trục liên thông thử nghiệm (cùng giao diện với trục quốc gia)
    /// trên 127.0.0.1, cho thử nghiệm và dữ liệu mẫu.
    Serve {
        /// Cổng lắng nghe.
        #[arg(long, default_value_t = 8090)]
        port: u16,
        /// Danh mục đơn vị (JSON: [{"code","name","pid"}…]); mặc định:
        /// danh mục mẫu của tỉnh Nghệ An.
        #[arg(long)]
        agencies: Option<PathBuf>,
    },
}

fn local_config(s: &ExchangeSettings, agencies: Vec<AgencyEntry>) -> LocalAxisConfig {
    LocalAxisConfig {
        systems: vec![demo_account(&s.system_id, &s.secret)],
        agencies,
        ..LocalAxisConfig::default()
    }
}

/// Runs an `axis` subcommand until Ctrl-C.
pub async fn run(
    command: AxisCommand,
    s: &ExchangeSettings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<ExitCode> {
    let AxisCommand::Serve { port, agencies } = command;
    let agencies = match agencies {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("không đọc được {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{} không phải danh mục đơn vị JSON", path.display()))?
        }
        None => demo_agencies(),
    };
    let count = agencies.len();
    let axis = LocalAxis::new(local_config(s, agencies), clock);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let (bound, task) = axis.serve(addr, false).await?;
    println!(
        "Trục liên thông thử nghiệm đang chạy tại http://{bound} ({count} đơn vị trong danh mục)"
    );
    let _ = tokio::signal::ctrl_c().await;
    task.abort();
    Ok(ExitCode::SUCCESS)
}

fn is_addr_in_use(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::AddrInUse)
}

/// What runs while the server does.
pub struct Running {
    /// The service the web pages send through.
    pub service: Arc<ExchangeService>,
    /// The background tasks, aborted at shutdown.
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Starts the exchange (and the local axis, if asked) when it is enabled.
pub async fn start(
    s: &ExchangeSettings,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Option<Running>> {
    if !s.enabled {
        return Ok(None);
    }
    let mut tasks = Vec::new();
    if s.local_service {
        let url = url::Url::parse(&s.base_url)
            .with_context(|| format!("exchange.base_url không hợp lệ: {}", s.base_url))?;
        let host = url.host_str().unwrap_or_default();
        let ip: std::net::IpAddr = if host == "localhost" {
            [127, 0, 0, 1].into()
        } else {
            host.parse().with_context(|| {
                format!("trục thử nghiệm cần địa chỉ IP loopback, không phải {host}")
            })?
        };
        let addr = SocketAddr::new(ip, url.port_or_known_default().unwrap_or(8090));
        let axis = LocalAxis::new(local_config(s, demo_agencies()), clock.clone());
        match axis.serve(addr, false).await {
            Ok((bound, task)) => {
                tracing::info!(%bound, "local axis service started inside the server");
                tasks.push(task);
            }
            // Another instance on this machine (the other deployment of a
            // two-deployment demo) already runs it: exchange through that one.
            Err(e) if addr.ip().is_loopback() && is_addr_in_use(&e) => {
                tracing::info!(%addr, "local axis already running; using it");
            }
            Err(e) => return Err(e),
        }
    }
    let client: Arc<dyn nghitruong_axis::Exchange> = match s.kind {
        crate::settings::ExchangeKind::Vxp => Arc::new(VxpClient::new(
            VxpConfig {
                base_url: s.base_url.clone(),
                system_id: s.system_id.clone(),
                secret: s.secret.clone(),
                organ_id: s.organ_id.clone(),
                timeout: Duration::from_secs(30),
            },
            clock.clone(),
        )?),
        crate::settings::ExchangeKind::Lgsp => {
            anyhow::ensure!(
                !s.lgsp_token_url.trim().is_empty() && !s.lgsp_client_id.trim().is_empty(),
                "exchange.kind = \"lgsp\" cần exchange.lgsp_token_url và exchange.lgsp_client_id"
            );
            Arc::new(nghitruong_axis::LgspClient::new(
                nghitruong_axis::LgspConfig {
                    token_url: s.lgsp_token_url.clone(),
                    base_url: s.base_url.clone(),
                    client_id: s.lgsp_client_id.clone(),
                    client_secret: s.lgsp_client_secret.clone(),
                    unit_secret: s.lgsp_unit_secret.clone(),
                    organ_id: s.organ_id.clone(),
                    timeout: Duration::from_secs(30),
                },
            )?)
        }
    };
    let me = Organization {
        organ_id: s.organ_id.clone(),
        organ_name: s.organ_name.clone(),
        ..Organization::default()
    };
    let service = Arc::new(ExchangeService::new(
        store,
        client,
        clock,
        me,
        s.place.clone(),
        Backoff::default(),
    ));
    tasks.push(
        service
            .clone()
            .spawn(Duration::from_secs(s.poll_seconds.max(1))),
    );
    tracing::info!(base_url = %s.base_url, organ = %s.organ_id, kind = ?s.kind, "document exchange started");
    Ok(Some(Running { service, tasks }))
}
