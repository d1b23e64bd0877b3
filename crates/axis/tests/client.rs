//! The client against the local axis: send, list, get, acknowledge, status
//! back, the directory; and the refusals (bad signature, malformed or
//! invalid or oversized packages, unknown recipients).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use nghitruong_axis::compose;
use nghitruong_axis::{Exchange, ExchangeError, MessageType, QueueStatus};
use nghitruong_edxml::{Package, ResponseFor, StatusCode};
use time::macros::datetime;

#[tokio::test]
async fn a_document_goes_to_the_commune_and_its_status_comes_back() {
    let clock = clock();
    let (axis, addr, _task) = start_axis(config(), clock.clone(), loopback()).await;
    let province = client(addr, PROVINCE, SECRET, clock.clone());
    let commune = client(addr, COMMUNE, SECRET, clock.clone());

    let package = compose::document(&draft());
    let bytes = nghitruong_edxml::to_bytes(&package);
    let sent = province.send(MessageType::Edoc, &bytes).await.unwrap();
    assert_eq!(axis.deliveries_of(&sent), 1);
    assert!(
        province
            .received(MessageType::Edoc)
            .await
            .unwrap()
            .is_empty()
    );

    let waiting = commune.received(MessageType::Edoc).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].from, PROVINCE);
    assert_eq!(waiting[0].to, COMMUNE);
    let got = nghitruong_edxml::read(&commune.get(&waiting[0].doc_id).await.unwrap()).unwrap();
    let Package::Document(doc) = &got else {
        panic!("a document")
    };
    let hops = &doc.trace.as_ref().unwrap().hops;
    assert_eq!(hops.len(), 2, "the axis adds its hop");
    assert_eq!(hops[1].organ_id, "000.00.00.G22");
    assert_eq!(compose::fingerprint(&got), compose::fingerprint(&package));
    assert_eq!(doc.attachments[0].content, pdf());

    // Fetched but not acknowledged: still listed; acknowledged: gone.
    assert_eq!(commune.received(MessageType::Edoc).await.unwrap().len(), 1);
    commune
        .acknowledge(&waiting[0].doc_id, QueueStatus::Done)
        .await
        .unwrap();
    assert!(
        commune
            .received(MessageType::Edoc)
            .await
            .unwrap()
            .is_empty()
    );

    let about = ResponseFor {
        organ_id: PROVINCE.into(),
        code: "15/NQ-HĐND".into(),
        promulgation_date: doc.header.promulgation.as_ref().unwrap().date,
        document_id: doc.header.document_id.clone().unwrap(),
    };
    let status = compose::status(
        &org(COMMUNE, "HĐND xã Anh Sơn"),
        about,
        StatusCode::Arrived,
        None,
        "Văn thư",
        datetime!(2026-12-04 08:35),
    );
    province_gets_status(&province, &commune, &status).await;

    let directory = commune.agencies().await.unwrap();
    assert!(directory.iter().any(|a| a.code == PROVINCE));
}

async fn province_gets_status(
    province: &nghitruong_axis::VxpClient,
    commune: &nghitruong_axis::VxpClient,
    status: &Package,
) {
    commune
        .send(MessageType::Status, &nghitruong_edxml::to_bytes(status))
        .await
        .unwrap();
    assert!(
        commune
            .received(MessageType::Status)
            .await
            .unwrap()
            .is_empty()
    );
    let back = province.received(MessageType::Status).await.unwrap();
    assert_eq!(back.len(), 1);
    let read = nghitruong_edxml::read(&province.get(&back[0].doc_id).await.unwrap()).unwrap();
    let Package::Status(s) = read else {
        panic!("a status")
    };
    assert_eq!(s.header.status_code, StatusCode::Arrived);
    province
        .acknowledge(&back[0].doc_id, QueueStatus::Done)
        .await
        .unwrap();
    assert_eq!(
        province.received(MessageType::Status).await.unwrap().len(),
        0
    );
}

fn refusal(e: ExchangeError) -> (String, String) {
    match e {
        ExchangeError::Refused { code, desc } => (code, desc),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_nothing_is_queued() {
    let clock = clock();
    let (axis, addr, _task) = start_axis(config(), clock.clone(), loopback()).await;
    let intruder = client(addr, PROVINCE, "sai-khoa", clock.clone());
    let bytes = nghitruong_edxml::to_bytes(&compose::document(&draft()));
    let (code, desc) = refusal(intruder.send(MessageType::Edoc, &bytes).await.unwrap_err());
    assert_eq!(code, "401");
    assert!(desc.contains("chữ ký không đúng"), "{desc}");
    assert!(axis.delivered_to(COMMUNE, MessageType::Edoc).is_empty());
    assert!(!ExchangeError::Refused { code, desc }.is_retryable());
}

#[tokio::test]
async fn malformed_invalid_and_misaddressed_packages_are_refused_with_the_reason() {
    let clock = clock();
    let (axis, addr, _task) = start_axis(config(), clock.clone(), loopback()).await;
    let province = client(addr, PROVINCE, SECRET, clock.clone());

    let (code, desc) = refusal(
        province
            .send(MessageType::Edoc, b"<edXML><edXMLEnvelope>")
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "422");
    assert!(desc.contains("EDX002"), "names the rule: {desc}");

    let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><edXML>&lol;</edXML>"#;
    let (_, desc) = refusal(province.send(MessageType::Edoc, bomb).await.unwrap_err());
    assert!(desc.contains("EDX003"), "{desc}");

    let mut no_subject = draft();
    no_subject.subject.clear();
    let bytes = nghitruong_edxml::to_bytes(&compose::document(&no_subject));
    let (_, desc) = refusal(province.send(MessageType::Edoc, &bytes).await.unwrap_err());
    assert!(
        desc.contains("EDX101") && desc.contains("Subject"),
        "{desc}"
    );

    let mut stranger = draft();
    stranger.to = vec![org("999.99.99.Z99", "Không có")];
    let bytes = nghitruong_edxml::to_bytes(&compose::document(&stranger));
    let (_, desc) = refusal(province.send(MessageType::Edoc, &bytes).await.unwrap_err());
    assert!(desc.contains("999.99.99.Z99"), "{desc}");

    let bytes = nghitruong_edxml::to_bytes(&compose::document(&draft()));
    let (_, desc) = refusal(
        province
            .send(MessageType::Status, &bytes)
            .await
            .unwrap_err(),
    );
    assert!(desc.contains("messagetype"), "{desc}");

    assert!(axis.delivered_to(COMMUNE, MessageType::Edoc).is_empty());
}

#[tokio::test]
async fn a_package_over_the_limit_is_refused() {
    let clock = clock();
    let mut small = config();
    small.max_package_bytes = 64 * 1024;
    let (axis, addr, _task) = start_axis(small, clock.clone(), loopback()).await;
    let province = client(addr, PROVINCE, SECRET, clock.clone());
    let mut big = draft();
    let mut content = pdf();
    content.resize(200 * 1024, b' ');
    big.pdf = Some(("lon.pdf".into(), content));
    let bytes = nghitruong_edxml::to_bytes(&compose::document(&big));
    let (code, desc) = refusal(province.send(MessageType::Edoc, &bytes).await.unwrap_err());
    assert_eq!(code, "413", "{desc}");
    assert!(axis.delivered_to(COMMUNE, MessageType::Edoc).is_empty());
}

#[tokio::test]
async fn the_local_axis_listens_on_loopback_only() {
    let axis = nghitruong_axis::LocalAxis::new(config(), clock());
    let err = axis
        .serve("0.0.0.0:0".parse().unwrap(), false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");
}
