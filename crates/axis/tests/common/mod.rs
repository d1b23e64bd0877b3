//! What the exchange tests share: a local axis on a free loopback port,
//! clients for the province and a commune, sample drafts, stores.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use nghitruong_axis::compose::Draft;
use nghitruong_axis::local::{demo_account, demo_agencies};
use nghitruong_axis::{Backoff, ExchangeService, LocalAxis, LocalAxisConfig, VxpClient, VxpConfig};
use nghitruong_domain::clock::{Clock, FixedClock};
use nghitruong_edxml::{BusinessDocType, Organization};
use nghitruong_store::{SqlStore, Store, StoreOptions};
use time::macros::{date, datetime};

pub const PROVINCE: &str = "000.00.01.H41";
pub const COMMUNE: &str = "001.29.00.H41";
pub const SYSTEM: &str = "nghitruong-test";
pub const SECRET: &str = "khoa-bi-mat-thu-nghiem";

pub fn config() -> LocalAxisConfig {
    LocalAxisConfig {
        systems: vec![demo_account(SYSTEM, SECRET)],
        agencies: demo_agencies(),
        ..LocalAxisConfig::default()
    }
}

pub fn clock() -> Arc<FixedClock> {
    nghitruong_testkit::fixed_clock()
}

/// Starts a local axis on `addr` (port 0: any free port).
pub async fn start_axis(
    config: LocalAxisConfig,
    clock: Arc<dyn Clock>,
    addr: SocketAddr,
) -> (LocalAxis, SocketAddr, tokio::task::JoinHandle<()>) {
    let axis = LocalAxis::new(config, clock);
    let (bound, task) = axis.clone().serve(addr, false).await.unwrap();
    (axis, bound, task)
}

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

pub fn client(addr: SocketAddr, organ: &str, secret: &str, clock: Arc<dyn Clock>) -> VxpClient {
    VxpClient::new(
        VxpConfig {
            base_url: format!("http://{addr}"),
            system_id: SYSTEM.into(),
            secret: secret.into(),
            organ_id: organ.into(),
            timeout: Duration::from_secs(5),
        },
        clock,
    )
    .unwrap()
}

pub fn org(code: &str, name: &str) -> Organization {
    Organization {
        organ_id: code.into(),
        organ_name: name.into(),
        ..Organization::default()
    }
}

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
}

pub fn draft() -> Draft {
    Draft {
        from: org(PROVINCE, "HĐND tỉnh Nghệ An"),
        to: vec![org(COMMUNE, "HĐND xã Anh Sơn")],
        number: "15".into(),
        notation: "NQ-HĐND".into(),
        type_name: "Nghị quyết".into(),
        subject: "Về kế hoạch đầu tư công năm 2027".into(),
        place: "Nghệ An".into(),
        date: date!(2026 - 12 - 04),
        signer_position: "Chủ tịch".into(),
        signer_name: "Nguyễn Văn A".into(),
        pdf: Some(("15-NQ-HDND.signed.pdf".into(), pdf())),
        business: BusinessDocType::New,
        original: None,
        reason: String::new(),
        reply_to: None,
        staff: "Văn thư".into(),
        at: datetime!(2026-12-04 08:30),
    }
}

pub async fn sqlite(dir: &std::path::Path, name: &str) -> Arc<SqlStore> {
    let store = SqlStore::open(&StoreOptions::sqlite_file(&dir.join(name), 2))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    Arc::new(store)
}

pub fn service(
    store: Arc<SqlStore>,
    addr: SocketAddr,
    organ: &str,
    name: &str,
    clock: Arc<FixedClock>,
) -> ExchangeService {
    let exchange = Arc::new(client(addr, organ, SECRET, clock.clone()));
    ExchangeService::new(
        store,
        exchange,
        clock,
        org(organ, name),
        "Nghệ An".into(),
        Backoff {
            base: Duration::from_secs(5),
            max: Duration::from_secs(300),
        },
    )
}
