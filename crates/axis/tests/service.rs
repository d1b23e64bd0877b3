//! The exchange inside the product, between two deployments (a province and
//! a commune) over the local axis: send → register → statuses back →
//! revoke; retries while the axis is down, without duplicate delivery;
//! the outbox surviving a restart; re-delivery registered once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use nghitruong_axis::{Compose, Exchange, MessageType, SendError};
use nghitruong_edxml::BusinessDocType;
use nghitruong_store::exchange::OutboxState;
use nghitruong_store::{AuditContext, ExchangeStore};
use nghitruong_testkit::T0;
use time::macros::date;

fn compose() -> Compose {
    Compose {
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
    }
}

fn ctx() -> AuditContext {
    AuditContext::system(T0)
}

#[tokio::test]
async fn a_resolution_is_registered_by_the_commune_statuses_flow_back_and_a_revoke_works() {
    let dir = nghitruong_testkit::temp_dir();
    let clock = clock();
    let (_axis, addr, _task) = start_axis(config(), clock.clone(), loopback()).await;
    let p_store = sqlite(dir.path(), "province.db").await;
    let c_store = sqlite(dir.path(), "commune.db").await;
    let province = service(
        p_store.clone(),
        addr,
        PROVINCE,
        "HĐND tỉnh Nghệ An",
        clock.clone(),
    );
    let commune = service(
        c_store.clone(),
        addr,
        COMMUNE,
        "HĐND xã Anh Sơn",
        clock.clone(),
    );
    assert_eq!(province.refresh_agencies().await.unwrap(), 8);

    let id = province
        .send_document(&compose(), "Văn thư", &ctx())
        .await
        .unwrap();
    let delivery = province.deliver_due().await.unwrap();
    assert_eq!(
        (delivery.sent, delivery.retried, delivery.failed),
        (1, 0, 0)
    );

    let intake = commune.poll_inbox().await.unwrap();
    assert_eq!((intake.registered, intake.refused), (1, 0));
    let inbox = c_store.incoming_list(10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    let doc = &inbox[0];
    assert_eq!((doc.reg_number, doc.reg_year), (1, 2026));
    assert_eq!(
        doc.registered_on,
        date!(2026 - 12 - 04),
        "registered the same day"
    );
    assert_eq!(doc.code, "15/NQ-HĐND");
    assert_eq!(doc.files.len(), 1);
    let (_, bytes) = c_store
        .incoming_file(doc.id, doc.files[0].id)
        .await
        .unwrap();
    assert_eq!(bytes, pdf());
    assert_eq!(doc.last_status.as_deref(), Some("03"));

    // The commune's statuses (01 arrived, 03 accepted) reach the province.
    assert_eq!(commune.deliver_due().await.unwrap().sent, 2);
    assert_eq!(province.poll_inbox().await.unwrap().statuses, 2);
    let sent = p_store.outgoing(id).await.unwrap();
    assert_eq!(sent.recipients[0].status_code.as_deref(), Some("03"));
    assert_eq!(sent.delivery.as_ref().unwrap().state, OutboxState::Sent);

    // The commune rejects it with a reason; the province sees the reason.
    let incoming = c_store.incoming(doc.id).await.unwrap();
    commune
        .send_status(
            &incoming,
            nghitruong_edxml::StatusCode::Rejected,
            Some("Không thuộc thẩm quyền".into()),
            "Văn thư xã",
            &ctx(),
        )
        .await
        .unwrap();
    commune.deliver_due().await.unwrap();
    province.poll_inbox().await.unwrap();
    let sent = p_store.outgoing(id).await.unwrap();
    assert_eq!(sent.recipients[0].status_code.as_deref(), Some("02"));
    assert_eq!(
        sent.recipients[0].description.as_deref(),
        Some("Không thuộc thẩm quyền")
    );

    // Revoke: the commune marks its copy revoked and agrees (15).
    let revoke = Compose {
        business: Some(BusinessDocType::Revoke),
        original_id: Some(id),
        reason: "Ban hành nhầm".into(),
        ..Compose::default()
    };
    let revoke_id = province
        .send_document(&revoke, "Văn thư", &ctx())
        .await
        .unwrap();
    assert_eq!(p_store.outgoing(id).await.unwrap().state, "revoked");
    province.deliver_due().await.unwrap();
    let intake = commune.poll_inbox().await.unwrap();
    assert_eq!(intake.registered, 1);
    assert_eq!(c_store.incoming(doc.id).await.unwrap().state, "revoked");
    commune.deliver_due().await.unwrap();
    province.poll_inbox().await.unwrap();
    let answer = p_store.outgoing(revoke_id).await.unwrap();
    assert_eq!(answer.recipients[0].status_code.as_deref(), Some("15"));
    assert_eq!(
        p_store.outgoing(id).await.unwrap().recipients[0]
            .status_code
            .as_deref(),
        Some("02"),
        "the answer to the revoke stays with the revoke"
    );

    // A second revoke of the same document is refused in Vietnamese.
    let again = province.send_document(&revoke, "Văn thư", &ctx()).await;
    assert!(matches!(again, Err(SendError::Invalid(m)) if m.contains("thu hồi")));
}

#[tokio::test]
async fn the_outbox_retries_while_the_axis_is_down_and_delivers_once_when_it_is_back() {
    let dir = nghitruong_testkit::temp_dir();
    let clock = clock();
    // A free port with nobody listening yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let p_store = sqlite(dir.path(), "province.db").await;
    let c_store = sqlite(dir.path(), "commune.db").await;
    let province = service(
        p_store.clone(),
        port,
        PROVINCE,
        "HĐND tỉnh Nghệ An",
        clock.clone(),
    );
    let agencies: Vec<_> = nghitruong_axis::local::demo_agencies()
        .into_iter()
        .map(|a| nghitruong_store::exchange::Agency {
            code: a.code,
            name: a.name,
            parent: None,
        })
        .collect();
    p_store.replace_agencies(&agencies, &ctx()).await.unwrap();
    province
        .send_document(&compose(), "Văn thư", &ctx())
        .await
        .unwrap();

    let first = province.deliver_due().await.unwrap();
    assert_eq!((first.sent, first.retried), (0, 1));
    let item = &p_store.outbox(10).await.unwrap()[0];
    assert_eq!(item.attempts, 1);
    assert!(
        item.last_error
            .as_deref()
            .unwrap()
            .contains("không kết nối được")
    );
    assert_eq!(item.next_attempt_at, T0 + time::Duration::seconds(5));
    // Not due yet: nothing is attempted.
    assert_eq!(province.deliver_due().await.unwrap(), Default::default());
    clock.advance(time::Duration::seconds(5));
    assert_eq!(province.deliver_due().await.unwrap().retried, 1);
    assert_eq!(
        p_store.outbox(10).await.unwrap()[0].next_attempt_at,
        T0 + time::Duration::seconds(15),
        "the second wait is twice the first"
    );

    let (axis, _, _task) = start_axis(config(), clock.clone(), port).await;
    clock.advance(time::Duration::seconds(10));
    assert_eq!(province.deliver_due().await.unwrap().sent, 1);
    assert_eq!(province.deliver_due().await.unwrap(), Default::default());
    assert_eq!(axis.delivered_to(COMMUNE, MessageType::Edoc).len(), 1);

    let commune = service(
        c_store.clone(),
        port,
        COMMUNE,
        "HĐND xã Anh Sơn",
        clock.clone(),
    );
    assert_eq!(commune.poll_inbox().await.unwrap().registered, 1);
    assert_eq!(commune.poll_inbox().await.unwrap(), Default::default());
    assert_eq!(c_store.incoming_list(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_pending_send_survives_a_restart() {
    let dir = nghitruong_testkit::temp_dir();
    let clock = clock();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    {
        let store = sqlite(dir.path(), "province.db").await;
        let agencies = vec![nghitruong_store::exchange::Agency {
            code: COMMUNE.into(),
            name: "HĐND xã Anh Sơn".into(),
            parent: None,
        }];
        store.replace_agencies(&agencies, &ctx()).await.unwrap();
        let province = service(
            store.clone(),
            port,
            PROVINCE,
            "HĐND tỉnh Nghệ An",
            clock.clone(),
        );
        province
            .send_document(&compose(), "Văn thư", &ctx())
            .await
            .unwrap();
        assert_eq!(province.deliver_due().await.unwrap().retried, 1);
        store.close().await;
    }
    let (axis, _, _task) = start_axis(config(), clock.clone(), port).await;
    let store = sqlite(dir.path(), "province.db").await;
    let province = service(
        store.clone(),
        port,
        PROVINCE,
        "HĐND tỉnh Nghệ An",
        clock.clone(),
    );
    clock.advance(time::Duration::seconds(5));
    assert_eq!(province.deliver_due().await.unwrap().sent, 1);
    assert_eq!(axis.delivered_to(COMMUNE, MessageType::Edoc).len(), 1);
    assert_eq!(store.outbox(10).await.unwrap()[0].state, OutboxState::Sent);
}

#[tokio::test]
async fn a_package_delivered_twice_is_registered_once() {
    let dir = nghitruong_testkit::temp_dir();
    let clock = clock();
    let (_axis, addr, _task) = start_axis(config(), clock.clone(), loopback()).await;
    let c_store = sqlite(dir.path(), "commune.db").await;
    let commune = service(
        c_store.clone(),
        addr,
        COMMUNE,
        "HĐND xã Anh Sơn",
        clock.clone(),
    );
    // The province's answer was lost, so it sent the same package again.
    let sender = client(addr, PROVINCE, SECRET, clock.clone());
    let bytes = nghitruong_edxml::to_bytes(&nghitruong_axis::compose::document(&draft()));
    sender.send(MessageType::Edoc, &bytes).await.unwrap();
    clock.advance(time::Duration::seconds(30));
    sender.send(MessageType::Edoc, &bytes).await.unwrap();
    let intake = commune.poll_inbox().await.unwrap();
    assert_eq!((intake.registered, intake.duplicates), (1, 1));
    assert_eq!(c_store.incoming_list(10).await.unwrap().len(), 1);
    // Its statuses are enqueued once too.
    let statuses = c_store.outbox(10).await.unwrap();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
}

#[tokio::test]
async fn a_malformed_package_in_the_inbox_is_refused_and_nothing_is_stored() {
    // The local axis never queues a bad package, so this one comes from an
    // axis that let it through: a fake exchange hands it over.
    let dir = nghitruong_testkit::temp_dir();
    let clock = clock();
    let store = sqlite(dir.path(), "commune.db").await;
    let fake = Arc::new(OneBadPackage::default());
    let commune = nghitruong_axis::ExchangeService::new(
        store.clone(),
        fake.clone(),
        clock.clone(),
        org(COMMUNE, "HĐND xã Anh Sơn"),
        "Nghệ An".into(),
        nghitruong_axis::Backoff::default(),
    );
    let intake = commune.poll_inbox().await.unwrap();
    assert_eq!((intake.registered, intake.refused), (0, 1));
    assert!(store.incoming_list(10).await.unwrap().is_empty());
    assert_eq!(
        fake.acks.lock().unwrap().as_slice(),
        [("bad-1".to_owned(), nghitruong_axis::QueueStatus::Fail)]
    );
}

#[derive(Default)]
struct OneBadPackage {
    acks: std::sync::Mutex<Vec<(String, nghitruong_axis::QueueStatus)>>,
}

#[async_trait::async_trait]
impl Exchange for OneBadPackage {
    async fn send(
        &self,
        _: MessageType,
        _: &[u8],
    ) -> Result<String, nghitruong_axis::ExchangeError> {
        Ok("x".into())
    }
    async fn received(
        &self,
        kind: MessageType,
    ) -> Result<Vec<nghitruong_axis::api::ReceivedItem>, nghitruong_axis::ExchangeError> {
        if kind == MessageType::Status || !self.acks.lock().unwrap().is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![nghitruong_axis::api::ReceivedItem {
            doc_id: "bad-1".into(),
            service_type: "eDoc".into(),
            message_type: MessageType::Edoc,
            from: PROVINCE.into(),
            to: COMMUNE.into(),
            status: nghitruong_axis::QueueStatus::Initial,
            status_desc: String::new(),
            created_time: String::new(),
        }])
    }
    async fn get(&self, _: &str) -> Result<Vec<u8>, nghitruong_axis::ExchangeError> {
        Ok(b"<edXML><edXMLEnvelope><oops></edXML>".to_vec())
    }
    async fn acknowledge(
        &self,
        doc_id: &str,
        status: nghitruong_axis::QueueStatus,
    ) -> Result<(), nghitruong_axis::ExchangeError> {
        self.acks.lock().unwrap().push((doc_id.into(), status));
        Ok(())
    }
    async fn agencies(
        &self,
    ) -> Result<Vec<nghitruong_axis::api::AgencyEntry>, nghitruong_axis::ExchangeError> {
        Ok(Vec::new())
    }
}
