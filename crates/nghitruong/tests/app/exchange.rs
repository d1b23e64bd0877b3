//! Liên thông văn bản through the pages: the office sends a resolution with
//! its signed PDF from "Văn bản đi", a commune deployment receives and
//! registers it through the local axis, its statuses show to the sender,
//! the office revokes it; a document the commune sends shows in "Văn bản
//! đến" with its file; bad uploads are refused in Vietnamese.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use nghitruong_axis::local::{demo_account, demo_agencies};
use nghitruong_axis::{
    Backoff, Compose, ExchangeService, LocalAxis, LocalAxisConfig, VxpClient, VxpConfig,
};
use nghitruong_domain::clock::Clock;
use nghitruong_edxml::Organization;
use nghitruong_store::{AuditContext, ExchangeStore, SqlStore, Store, StoreOptions};
use nghitruong_testkit::{T0, fixed_clock, temp_dir};

use crate::helpers::{Client, Reply, spawn_app_with};

const PROVINCE: &str = "000.00.01.H41";
const COMMUNE: &str = "001.29.00.H41";
const SECRET: &str = "bi-mat-thu-nghiem";

fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
}

fn exchange(
    addr: SocketAddr,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    organ: &str,
    name: &str,
) -> ExchangeService {
    let client = VxpClient::new(
        VxpConfig {
            base_url: format!("http://{addr}"),
            system_id: "nghitruong-test".into(),
            secret: SECRET.into(),
            organ_id: organ.into(),
            timeout: Duration::from_secs(5),
        },
        clock.clone(),
    )
    .unwrap();
    ExchangeService::new(
        store,
        Arc::new(client),
        clock,
        Organization {
            organ_id: organ.into(),
            organ_name: name.into(),
            ..Organization::default()
        },
        "Nghệ An".into(),
        Backoff::default(),
    )
}

async fn post_multipart(
    c: &mut Client,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> Reply {
    let mut form = reqwest::multipart::Form::new().text("_csrf", c.csrf.clone());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str("application/pdf")
            .unwrap();
        form = form.part("pdf", part);
    }
    let r = c
        .http
        .post(format!("{}{path}", c.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Reply {
        status,
        location,
        body: r.text().await.unwrap_or_default(),
    }
}

const FIELDS: &[(&str, &str)] = &[
    ("to", COMMUNE),
    ("number", "15"),
    ("notation", "NQ-HĐND"),
    ("type_name", "Nghị quyết"),
    ("subject", "Về kế hoạch đầu tư công năm 2027"),
    ("date", "2026-12-04"),
    ("signer_position", "Chủ tịch"),
    ("signer_name", "Nguyễn Văn A"),
];

#[tokio::test]
async fn the_office_sends_a_resolution_the_commune_registers_it_and_the_statuses_show() {
    let axis_clock = fixed_clock();
    let config = LocalAxisConfig {
        systems: vec![demo_account("nghitruong-test", SECRET)],
        agencies: demo_agencies(),
        ..LocalAxisConfig::default()
    };
    let (addr, _task) = LocalAxis::new(config, axis_clock.clone())
        .serve("127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let mut province: Option<Arc<ExchangeService>> = None;
    let app = spawn_app_with(|state, store| {
        let service = Arc::new(exchange(
            addr,
            store.clone(),
            state.clock.clone(),
            PROVINCE,
            "HĐND tỉnh Nghệ An",
        ));
        state.parts_mut().exchange = Some(service.clone());
        province = Some(service);
    })
    .await;
    let province = province.unwrap();
    province.refresh_agencies().await.unwrap();

    let dir = temp_dir();
    let c_store = SqlStore::open(&StoreOptions::sqlite_file(&dir.path().join("xa.db"), 2))
        .await
        .unwrap();
    c_store.migrate().await.unwrap();
    let c_store = Arc::new(c_store);
    let commune = exchange(
        addr,
        c_store.clone(),
        axis_clock.clone(),
        COMMUNE,
        "HĐND xã Anh Sơn",
    );
    commune.refresh_agencies().await.unwrap();

    let mut office = app.signed_in("vanphong").await;
    let page = office.get("/van-ban-di").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("HĐND xã Anh Sơn"),
        "the directory is offered"
    );

    // Bad uploads: no PDF, a file that is not a PDF. Nothing is stored.
    let no_pdf = post_multipart(&mut office, "/van-ban-di", FIELDS, None).await;
    assert_eq!(no_pdf.status, 400);
    assert!(
        no_pdf
            .body
            .contains("Vui lòng đính kèm văn bản PDF đã ký số.")
    );
    assert!(
        no_pdf.body.contains("Về kế hoạch đầu tư công năm 2027"),
        "the form keeps what was typed"
    );
    let fake = post_multipart(
        &mut office,
        "/van-ban-di",
        FIELDS,
        Some(("nghi-quyet.pdf", b"MZ\x90\x00 not a pdf".to_vec())),
    )
    .await;
    assert_eq!(fake.status, 400);
    assert!(fake.body.contains("không phải PDF"), "{}", fake.body);
    let no_token = {
        let saved = std::mem::take(&mut office.csrf);
        let r = post_multipart(&mut office, "/van-ban-di", FIELDS, Some(("a.pdf", pdf()))).await;
        office.csrf = saved;
        r
    };
    assert_eq!(no_token.status, 403, "a multipart form needs its token");
    assert!(app.store.outgoing_list(10).await.unwrap().is_empty());

    let sent = post_multipart(
        &mut office,
        "/van-ban-di",
        FIELDS,
        Some(("../../15-NQ-HĐND.signed.pdf", pdf())),
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let location = sent.location.unwrap();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let stored = app.store.outgoing(id).await.unwrap();
    assert_eq!(stored.pdf_name.as_deref(), Some("15-NQ-HĐND.signed.pdf"));

    assert_eq!(province.deliver_due().await.unwrap().sent, 1);
    assert_eq!(commune.poll_inbox().await.unwrap().registered, 1);
    let registered = &c_store.incoming_list(5).await.unwrap()[0];
    assert_eq!(registered.reg_number, 1);
    assert_eq!(
        registered.registered_on,
        time::macros::date!(2026 - 12 - 04)
    );
    assert_eq!(commune.deliver_due().await.unwrap().sent, 2);
    assert_eq!(province.poll_inbox().await.unwrap().statuses, 2);
    let page = office.get(&location).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Đã tiếp nhận"), "{}", page.body);
    assert!(page.body.contains("Đã gửi lên trục"));
    let list = office.get("/van-ban-di").await;
    assert!(list.body.contains("Đã tiếp nhận"));

    // The commune rejects; the reason shows to the office.
    let incoming = c_store.incoming(registered.id).await.unwrap();
    commune
        .send_status(
            &incoming,
            nghitruong_edxml::StatusCode::Rejected,
            Some("Sai thẩm quyền".into()),
            "Văn thư xã",
            &AuditContext::system(T0),
        )
        .await
        .unwrap();
    commune.deliver_due().await.unwrap();
    province.poll_inbox().await.unwrap();
    let page = office.get(&location).await;
    assert!(page.body.contains("Từ chối tiếp nhận") && page.body.contains("Sai thẩm quyền"));

    // Revoke from the page.
    let revoked = office
        .post(
            &format!("{location}/thu-hoi"),
            &[("reason", "Ban hành nhầm")],
        )
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    province.deliver_due().await.unwrap();
    commune.poll_inbox().await.unwrap();
    assert_eq!(
        c_store.incoming(registered.id).await.unwrap().state,
        "revoked"
    );
    let page = office.get(&location).await;
    assert!(page.body.contains("Đã thu hồi"));
    assert!(
        !page.body.contains("/thu-hoi\""),
        "a revoked document offers no second revoke"
    );

    // The commune sends a report to the province: it shows in Văn bản đến.
    commune
        .send_document(
            &Compose {
                to: vec![PROVINCE.into()],
                number: "07".into(),
                notation: "BC-HĐND".into(),
                type_name: "Báo cáo".into(),
                subject: "Báo cáo kết quả giám sát".into(),
                date: Some(time::macros::date!(2026 - 12 - 03)),
                pdf: Some(("07-BC.pdf".into(), pdf())),
                ..Compose::default()
            },
            "Văn thư xã",
            &AuditContext::system(T0),
        )
        .await
        .unwrap();
    commune.deliver_due().await.unwrap();
    assert_eq!(province.poll_inbox().await.unwrap().registered, 1);
    let inbox = office.get("/van-ban-den").await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.body.contains("Báo cáo kết quả giám sát"));
    let doc = &app.store.incoming_list(5).await.unwrap()[0];
    let detail = office.get(&format!("/van-ban-den/{}", doc.id)).await;
    assert!(detail.body.contains("07-BC.pdf") && detail.body.contains("Đã tiếp nhận"));
    let file = office
        .http
        .get(format!(
            "{}/van-ban-den/{}/tep/{}",
            office.base, doc.id, doc.files[0].id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert_eq!(file.bytes().await.unwrap().as_ref(), pdf().as_slice());

    let refused = office
        .post(
            &format!("/van-ban-den/{}/trang-thai", doc.id),
            &[("code", "02")],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Từ chối tiếp nhận phải nêu lý do."));
    let done = office
        .post(
            &format!("/van-ban-den/{}/trang-thai", doc.id),
            &[("code", "05")],
        )
        .await;
    assert_eq!(done.status, 200);
    assert!(done.body.contains("Đã gửi trạng thái"));
    province.deliver_due().await.unwrap();
    commune.poll_inbox().await.unwrap();
    let report = c_store.outgoing_list(1).await.unwrap().remove(0);
    assert_eq!(report.recipients[0].status_code.as_deref(), Some("05"));

    // Deputies do not reach the exchange.
    let mut deputy = app.signed_in("daibieu").await;
    assert_eq!(deputy.get("/van-ban-di").await.status, 403);
    assert_eq!(deputy.get("/van-ban-den").await.status, 403);
}

/// An agency's answer to petitions the council forwarded, sent through the
/// axis as a document whose `ResponseFor` names the forwarding letter, is
/// recorded as the answer of the petitions that letter forwarded, with the
/// registered incoming document (and its PDF) linked to each; a petition
/// forwarded with another letter is untouched.
#[tokio::test]
async fn an_agency_answer_arriving_through_the_axis_is_attached_to_the_forwarded_petitions() {
    use nghitruong_domain::org::{BodyKind, CommitteeKind};
    use nghitruong_domain::petition::{Classification, Competence, PetitionStatus, Track};
    use nghitruong_edxml::ResponseFor;
    use nghitruong_store::{
        CouncilFilter, ForwardRequest, NewOpinion, NewPetitionRound, PetitionChange,
        PetitionStore as _,
    };
    use time::macros::date;

    const AGENCY: &str = "000.00.12.H41";
    let axis_clock = fixed_clock();
    let config = LocalAxisConfig {
        systems: vec![demo_account("nghitruong-test", SECRET)],
        agencies: demo_agencies(),
        ..LocalAxisConfig::default()
    };
    let (addr, _task) = LocalAxis::new(config, axis_clock.clone())
        .serve("127.0.0.1:0".parse().unwrap(), false)
        .await
        .unwrap();
    let mut province: Option<Arc<ExchangeService>> = None;
    let app = spawn_app_with(|state, store| {
        let service = Arc::new(exchange(
            addr,
            store.clone(),
            state.clock.clone(),
            PROVINCE,
            "HĐND tỉnh Nghệ An",
        ));
        state.parts_mut().exchange = Some(service.clone());
        province = Some(service);
    })
    .await;
    let province = province.unwrap();
    let store = &app.store;
    let ctx = AuditContext::system(T0);

    // Two petitions forwarded to the department with letter 125/HĐND-VP,
    // one with another letter.
    let (councils, _) = store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let council = councils[0].council.clone();
    let agency = store
        .bodies(council.id)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.kind == BodyKind::Department)
        .unwrap();
    let round = store
        .create_petition_round(
            &NewPetitionRound {
                council_id: council.id,
                name: "Tiếp xúc cử tri trước Kỳ họp thứ 2".into(),
                track: Track::Council,
                session_id: None,
                opened_on: date!(2026 - 11 - 02),
                assembly: None,
            },
            &ctx,
        )
        .await
        .unwrap();
    let opinion = |text: &str| NewOpinion {
        text: text.into(),
        voter_count: 1,
        place_code: None,
        voter_name: None,
        voter_address: None,
    };
    let ids = store
        .capture_opinions(
            round.id,
            None,
            &[
                opinion("Đề nghị nâng cấp Quốc lộ 7 đoạn qua xã Anh Sơn."),
                opinion("Đề nghị sửa cầu tràn Khe Thiềm bị sạt lở."),
                opinion("Đề nghị cấp thẻ BHYT cho người cao tuổi kịp thời."),
            ],
            &ctx,
        )
        .await
        .unwrap();
    for &id in &ids {
        let p = store.petition(id).await.unwrap();
        let p = store
            .change_petition(id, p.version, &PetitionChange::Aggregate, &ctx)
            .await
            .unwrap();
        store
            .change_petition(
                id,
                p.version,
                &PetitionChange::Classify(Classification {
                    field: CommitteeKind::EconomyBudget,
                    topic: "giao_thong".into(),
                    competence: Competence::Province,
                    agency_id: Some(agency.id),
                }),
                &ctx,
            )
            .await
            .unwrap();
    }
    let forward = |number: &str, petition_ids: Vec<i64>| ForwardRequest {
        council_id: council.id,
        round_id: round.id,
        agency_id: agency.id,
        number: number.into(),
        issued_on: date!(2026 - 12 - 04),
        due_on: date!(2027 - 01 - 15),
        petition_ids,
    };
    store
        .forward_petitions(&forward("125/HĐND-VP", vec![ids[0], ids[1]]), &ctx)
        .await
        .unwrap();
    store
        .forward_petitions(&forward("126/HĐND-VP", vec![ids[2]]), &ctx)
        .await
        .unwrap();

    // The department's own deployment answers letter 125 through the axis.
    let dir = temp_dir();
    let a_store = SqlStore::open(&StoreOptions::sqlite_file(&dir.path().join("so.db"), 2))
        .await
        .unwrap();
    a_store.migrate().await.unwrap();
    let department = exchange(
        addr,
        Arc::new(a_store),
        axis_clock.clone(),
        AGENCY,
        "Sở Xây dựng tỉnh Nghệ An",
    );
    department.refresh_agencies().await.unwrap();
    department
        .send_document(
            &Compose {
                to: vec![PROVINCE.into()],
                number: "412".into(),
                notation: "SXD-HTKT".into(),
                type_name: "Công văn".into(),
                subject: "V/v trả lời kiến nghị cử tri về giao thông trên địa bàn xã Anh Sơn"
                    .into(),
                date: Some(time::macros::date!(2026 - 12 - 20)),
                pdf: Some(("412-SXD.pdf".into(), pdf())),
                reply_to: Some(ResponseFor {
                    organ_id: PROVINCE.into(),
                    code: "125/HĐND-VP".into(),
                    promulgation_date: Some(date!(2026 - 12 - 04)),
                    document_id: String::new(),
                }),
                ..Compose::default()
            },
            "Văn thư Sở",
            &ctx,
        )
        .await
        .unwrap();
    department.deliver_due().await.unwrap();
    assert_eq!(province.poll_inbox().await.unwrap().registered, 1);

    let incoming = app.store.incoming_list(10).await.unwrap();
    assert_eq!(incoming.len(), 1);
    let incoming_id = incoming[0].id;
    for &id in &ids[..2] {
        let p = store.petition(id).await.unwrap().petition;
        assert_eq!(p.status(), PetitionStatus::Answered, "petition {id}");
        let answer = p.answer().unwrap();
        assert_eq!(answer.document.number, "412/SXD-HTKT");
        assert_eq!(answer.document.date, date!(2026 - 12 - 20));
        assert!(answer.summary.contains("trả lời kiến nghị cử tri"));
        assert_eq!(store.answer_documents(id).await.unwrap(), [incoming_id]);
    }
    // The petition of the other letter is untouched.
    let other = store.petition(ids[2]).await.unwrap().petition;
    assert_eq!(other.status(), PetitionStatus::Forwarded);
    assert!(store.answer_documents(ids[2]).await.unwrap().is_empty());

    // The petition page links the answer document and its file.
    let mut office = app.signed_in("vanphong").await;
    let page = office.get(&format!("/kien-nghi/{}", ids[0])).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("/van-ban-den/{incoming_id}")),
        "{}",
        page.body
    );
    let files = app.store.incoming(incoming_id).await.unwrap().files;
    let file = office
        .get(&format!("/van-ban-den/{incoming_id}/tep/{}", files[0].id))
        .await;
    assert_eq!(file.status, 200);
}
