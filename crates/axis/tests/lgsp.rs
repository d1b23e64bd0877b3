//! The exchange over an LGSP with its own REST face: a loopback mock of the
//! platform (OAuth2 client-credentials token, then `/vanbans` with JSON
//! bodies carrying the edXML in base64) routes packages between a province
//! and a commune deployment, each using [`LgspClient`]: the commune
//! registers the resolution, its statuses reach the province; a request
//! without a valid token is refused and an expired token is renewed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use common::*;
use nghitruong_axis::lgsp::{LgspAck, LgspAnswer, LgspClient, LgspConfig, LgspItem, LgspSend};
use nghitruong_axis::local::demo_agencies;
use nghitruong_axis::{Backoff, Compose, ExchangeService};
use nghitruong_store::{AuditContext, ExchangeStore};
use nghitruong_testkit::T0;
use time::macros::date;

const CLIENT_ID: &str = "nghitruong";
const CLIENT_SECRET: &str = "mat-khau-ung-dung";

/// The platform's memory: units by secret, the queue, the tokens issued.
#[derive(Default)]
struct Platform {
    units: HashMap<String, String>,
    queue: Vec<(LgspItem, Vec<u8>)>,
    tokens: Vec<String>,
    issued: AtomicUsize,
    refused: AtomicUsize,
}

type Shared = Arc<Mutex<Platform>>;

fn answer(data: Option<serde_json::Value>, doc_id: Option<String>) -> Response {
    Json(LgspAnswer {
        status: "OK".into(),
        error_code: "0".into(),
        error_desc: String::new(),
        doc_id,
        data,
    })
    .into_response()
}

fn refuse(code: &str, desc: &str) -> Response {
    Json(LgspAnswer {
        status: "FAIL".into(),
        error_code: code.into(),
        error_desc: desc.into(),
        ..LgspAnswer::default()
    })
    .into_response()
}

/// The bearer token is one the platform issued, or 401.
fn authorised(p: &Platform, headers: &HeaderMap) -> bool {
    let ok = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| p.tokens.iter().any(|k| k == t));
    if !ok {
        p.refused.fetch_add(1, Ordering::SeqCst);
    }
    ok
}

async fn token(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let basic = headers.get("authorization").and_then(|v| v.to_str().ok());
    if basic != Some(expected.as_str()) || body != "grant_type=client_credentials" {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut p = s.lock().unwrap();
    let n = p.issued.fetch_add(1, Ordering::SeqCst);
    let t = format!("token-{n}");
    p.tokens.push(t.clone());
    Json(serde_json::json!({ "access_token": t, "token_type": "Bearer", "expires_in": 3600 }))
        .into_response()
}

async fn send(State(s): State<Shared>, headers: HeaderMap, Json(body): Json<LgspSend>) -> Response {
    let mut p = s.lock().unwrap();
    if !authorised(&p, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(from) = p.units.get(&body.secret).cloned() else {
        return refuse("106", "AGENCY_ID_INCORRECT");
    };
    if from != body.from {
        return refuse("106", "AGENCY_ID_INCORRECT");
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&body.edxml) else {
        return refuse("500", "DATA_INCORRECT");
    };
    let Ok(package) = nghitruong_edxml::read(&bytes) else {
        return refuse("500", "DATA_INCORRECT");
    };
    let to: Vec<String> = match &package {
        nghitruong_edxml::Package::Document(d) => {
            d.header.to.iter().map(|o| o.organ_id.clone()).collect()
        }
        nghitruong_edxml::Package::Status(st) => vec![st.header.response_for.organ_id.clone()],
    };
    let mut first = None;
    for organ in to {
        let id = format!("lgsp-{}", p.queue.len() + 1);
        first.get_or_insert(id.clone());
        p.queue.push((
            LgspItem {
                doc_id: id,
                service_type: "eDoc".into(),
                message_type: body.loai_van_ban.clone(),
                from: from.clone(),
                to: organ,
                status: "INITIAL".into(),
                status_desc: String::new(),
                created_time: "04/12/2026 08:30:00".into(),
            },
            bytes.clone(),
        ));
    }
    answer(None, first)
}

#[derive(serde::Deserialize)]
struct ListQuery {
    secret: String,
    #[serde(rename = "loaiVanBan")]
    kind: String,
}

async fn list(State(s): State<Shared>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let p = s.lock().unwrap();
    if !authorised(&p, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(me) = p.units.get(&q.secret) else {
        return refuse("106", "AGENCY_ID_INCORRECT");
    };
    let items: Vec<&LgspItem> = p
        .queue
        .iter()
        .map(|(i, _)| i)
        .filter(|i| &i.to == me && i.message_type == q.kind)
        .filter(|i| i.status == "INITIAL" || i.status == "PROCESSING")
        .collect();
    answer(Some(serde_json::to_value(items).unwrap()), None)
}

#[derive(serde::Deserialize)]
struct SecretQuery {
    secret: String,
}

async fn fetch(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<SecretQuery>,
) -> Response {
    let p = s.lock().unwrap();
    if !authorised(&p, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let me = p.units.get(&q.secret);
    match p
        .queue
        .iter()
        .find(|(i, _)| i.doc_id == id && Some(&i.to) == me)
    {
        Some((_, bytes)) => answer(
            Some(
                base64::engine::general_purpose::STANDARD
                    .encode(bytes)
                    .into(),
            ),
            None,
        ),
        None => refuse("404", "NOT_FOUND"),
    }
}

async fn ack(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<LgspAck>,
) -> Response {
    let mut p = s.lock().unwrap();
    if !authorised(&p, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let me = p.units.get(&body.secret).cloned();
    match p
        .queue
        .iter_mut()
        .find(|(i, _)| i.doc_id == id && Some(&i.to) == me.as_ref())
    {
        Some((item, _)) => {
            item.status = body.status;
            answer(None, None)
        }
        None => refuse("404", "NOT_FOUND"),
    }
}

async fn units(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let p = s.lock().unwrap();
    if !authorised(&p, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    answer(Some(serde_json::to_value(demo_agencies()).unwrap()), None)
}

async fn start(platform: Shared) -> SocketAddr {
    let app = Router::new()
        .route("/token", post(token))
        .route("/truclienthong/v1.0.0/vanbans", post(send).get(list))
        .route("/truclienthong/v1.0.0/vanbans/{id}", get(fetch).put(ack))
        .route("/truclienthong/v1.0.0/donvilienthongs", get(units))
        .with_state(platform);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn lgsp(addr: SocketAddr, organ: &str, unit_secret: &str) -> LgspClient {
    LgspClient::new(LgspConfig {
        token_url: format!("http://{addr}/token"),
        base_url: format!("http://{addr}/truclienthong/v1.0.0"),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        unit_secret: unit_secret.into(),
        organ_id: organ.into(),
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

fn over(
    store: Arc<nghitruong_store::SqlStore>,
    client: LgspClient,
    organ: &str,
) -> ExchangeService {
    ExchangeService::new(
        store,
        Arc::new(client),
        clock(),
        org(organ, organ),
        "Nghệ An".into(),
        Backoff {
            base: Duration::from_secs(5),
            max: Duration::from_secs(300),
        },
    )
}

#[tokio::test]
async fn a_resolution_travels_through_the_lgsp_and_the_statuses_come_back() {
    let platform: Shared = Arc::default();
    {
        let mut p = platform.lock().unwrap();
        p.units.insert("bi-mat-tinh".into(), PROVINCE.into());
        p.units.insert("bi-mat-xa".into(), COMMUNE.into());
    }
    let addr = start(platform.clone()).await;
    let dir = nghitruong_testkit::temp_dir();
    let p_store = sqlite(dir.path(), "province.db").await;
    let c_store = sqlite(dir.path(), "commune.db").await;
    let province = over(
        p_store.clone(),
        lgsp(addr, PROVINCE, "bi-mat-tinh"),
        PROVINCE,
    );
    let commune = over(c_store.clone(), lgsp(addr, COMMUNE, "bi-mat-xa"), COMMUNE);
    assert_eq!(
        province.refresh_agencies().await.unwrap(),
        demo_agencies().len()
    );
    commune.refresh_agencies().await.unwrap();

    let ctx = AuditContext::system(T0);
    let id = province
        .send_document(
            &Compose {
                to: vec![COMMUNE.into()],
                number: "15".into(),
                notation: "NQ-HĐND".into(),
                type_name: "Nghị quyết".into(),
                subject: "Về kế hoạch đầu tư công năm 2027".into(),
                date: Some(date!(2026 - 12 - 04)),
                signer_position: "Chủ tịch".into(),
                signer_name: "Nguyễn Văn A".into(),
                pdf: Some(("15-NQ-HDND.signed.pdf".into(), pdf())),
                ..Compose::default()
            },
            "Văn thư",
            &ctx,
        )
        .await
        .unwrap();
    assert_eq!(province.deliver_due().await.unwrap().sent, 1);
    let intake = commune.poll_inbox().await.unwrap();
    assert_eq!((intake.registered, intake.refused), (1, 0));
    let inbox = c_store.incoming_list(10).await.unwrap();
    assert_eq!(inbox[0].code, "15/NQ-HĐND");
    let (_, bytes) = c_store
        .incoming_file(inbox[0].id, inbox[0].files[0].id)
        .await
        .unwrap();
    assert_eq!(bytes, pdf());
    // The platform's queue item was acknowledged as done.
    assert!(
        platform
            .lock()
            .unwrap()
            .queue
            .iter()
            .any(|(i, _)| i.to == COMMUNE && i.status == "DONE")
    );

    assert_eq!(commune.deliver_due().await.unwrap().sent, 2);
    assert_eq!(province.poll_inbox().await.unwrap().statuses, 2);
    let sent = p_store.outgoing(id).await.unwrap();
    assert_eq!(sent.recipients[0].status_code.as_deref(), Some("03"));

    // One token per client so far; a token the platform forgets (expired)
    // is renewed on the 401 and the call goes through.
    assert_eq!(platform.lock().unwrap().issued.load(Ordering::SeqCst), 2);
    platform.lock().unwrap().tokens.clear();
    assert_eq!(commune.poll_inbox().await.unwrap().registered, 0);
    let p = platform.lock().unwrap();
    assert_eq!(p.issued.load(Ordering::SeqCst), 3);
    assert!(p.refused.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn wrong_client_credentials_are_refused_in_vietnamese() {
    let addr = start(Arc::default()).await;
    let client = LgspClient::new(LgspConfig {
        token_url: format!("http://{addr}/token"),
        base_url: format!("http://{addr}/truclienthong/v1.0.0"),
        client_id: CLIENT_ID.into(),
        client_secret: "sai".into(),
        unit_secret: "x".into(),
        organ_id: PROVINCE.into(),
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    let err = nghitruong_axis::Exchange::agencies(&client)
        .await
        .unwrap_err();
    assert!(!err.is_retryable());
    assert!(
        err.to_string().contains("LGSP không cấp mã truy cập"),
        "{err}"
    );
}
