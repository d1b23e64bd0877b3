//! The documents part of the conformance story: versions, approval,
//! publication, audience enforced inside the queries, search, notes,
//! read receipts and viewer tickets. It seeds a province of its own so it
//! does not depend on the rest of the story.

use nghitruong_domain::access::Role;
use nghitruong_domain::document::{
    AudienceGrant, Classification, DocumentEvent, DocumentKind, DocumentStatus, FileFormat,
};
use nghitruong_domain::org::{
    AdminUnit, BodyKind, CommitteeKind, CouncilLevel, PersonStatus, PositionRole, Term, UnitKind,
};
use nghitruong_domain::rules::CouncilRules;
use nghitruong_domain::session::{AgendaKind, SessionKind};
use nghitruong_store::*;
use nghitruong_testkit::T0;
use time::Duration;
use time::macros::date;

fn ctx() -> AuditContext {
    AuditContext {
        actor_id: None,
        actor_name: "Người kiểm thử".into(),
        request_id: None,
        at: T0,
    }
}

fn position(body: &str, role: PositionRole) -> PositionSeed {
    PositionSeed {
        body_key: body.into(),
        role,
        full_time: false,
        starts_on: date!(2026 - 03 - 22),
        ends_on: None,
    }
}

fn person(key: &str, name: &str, positions: Vec<PositionSeed>) -> PersonSeed {
    PersonSeed {
        key: Some(key.into()),
        full_name: name.into(),
        status: PersonStatus::Active,
        positions,
    }
}

fn user(name: &str, person: Option<&str>, role: Role) -> UserSeed {
    UserSeed {
        username: name.into(),
        display_name: format!("Người {name}"),
        password_hash: "$argon2id$fake".into(),
        person_key: person.map(Into::into),
        agency_key: None,
        roles: vec![(Some("98".into()), role)],
    }
}

fn seed() -> OrgSeed {
    let body = |key: &str, kind, committee, name: &str| BodySeed {
        key: key.into(),
        kind,
        committee,
        name: name.into(),
        abbreviation: "HĐND".into(),
        organ_code: None,
    };
    OrgSeed {
        units: vec![AdminUnit {
            code: "98".into(),
            name: "Tỉnh Thử Nghiệm".into(),
            kind: UnitKind::Province,
            parent_code: None,
        }],
        councils: vec![CouncilSeed {
            unit_code: "98".into(),
            level: CouncilLevel::Province,
            name: "HĐND tỉnh Thử Nghiệm".into(),
            term: Term {
                number: 19,
                starts_on: date!(2026 - 03 - 22),
                ends_on: date!(2031 - 03 - 21),
            },
            seats_statutory: 50,
            rules: CouncilRules::default(),
            bodies: vec![
                body("98:hdnd", BodyKind::Council, None, "HĐND tỉnh"),
                body(
                    "98:ban:ktns",
                    BodyKind::Committee,
                    Some(CommitteeKind::EconomyBudget),
                    "Ban Kinh tế - Ngân sách",
                ),
            ],
            people: vec![
                person(
                    "ban",
                    "Hồ Thị Ban",
                    vec![
                        position("98:hdnd", PositionRole::Deputy),
                        position("98:ban:ktns", PositionRole::Member),
                    ],
                ),
                person(
                    "dep",
                    "Phan Văn Đại",
                    vec![position("98:hdnd", PositionRole::Deputy)],
                ),
            ],
        }],
        central_bodies: vec![],
        users: vec![
            user("doc.vanphong", None, Role::OfficeStaff),
            user("doc.ban", Some("ban"), Role::Deputy),
            user("doc.daibieu", Some("dep"), Role::Deputy),
            user("doc.khach", None, Role::Guest),
        ],
    }
}

fn version(sha: char, text: &str) -> NewVersion {
    NewVersion {
        sha256: sha.to_string().repeat(64),
        size: 1234,
        format: FileFormat::Pdf,
        file_name: "to-trinh.pdf".into(),
        pages: 3,
        text: text.into(),
    }
}

pub(crate) async fn story(store: &SqlStore) {
    store.seed_organisation(&seed(), &ctx()).await.unwrap();
    let id_of = async |name: &str| store.user_credentials(name).await.unwrap().unwrap().user.id;
    let office = id_of("doc.vanphong").await;
    let ban_member = id_of("doc.ban").await;
    let deputy = id_of("doc.daibieu").await;
    let guest = id_of("doc.khach").await;
    let council = store.council_by_unit("98").await.unwrap().unwrap();
    let committee = store
        .bodies(council.id)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.kind == BodyKind::Committee)
        .unwrap();
    let session = store
        .create_council_session(
            &NewCouncilSession {
                council_id: council.id,
                term_number: 19,
                kind: SessionKind::Regular,
                is_public: true,
                starts_on: date!(2026 - 12 - 08),
                ends_on: date!(2026 - 12 - 09),
                place: "Hội trường".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let item = store
        .add_agenda_item(
            &NewAgendaItem {
                session_id: session.id,
                kind: AgendaKind::Vote,
                title: "Nghị quyết dự toán ngân sách".into(),
                presenter: "UBND tỉnh".into(),
                planned_minutes: 30,
                resolution_kind: None,
            },
            &ctx(),
        )
        .await
        .unwrap();
    let reader = |user_id: i64, sees_all: bool, is_deputy: bool, is_guest: bool| DocumentReader {
        user_id,
        sees_all,
        is_deputy,
        is_guest,
        day: date!(2026 - 12 - 04),
    };
    let office_r = reader(office, true, false, false);
    let deputy_r = reader(deputy, false, true, false);
    let ban_r = reader(ban_member, false, true, false);
    let guest_r = reader(guest, false, false, true);

    // The office uploads a proposal for all deputies and a confidential
    // report for the committee only.
    let proposal = store
        .create_document(
            &NewDocument {
                session_id: session.id,
                agenda_item_id: Some(item),
                kind: DocumentKind::Proposal,
                title: "Tờ trình dự toán ngân sách năm 2027".into(),
                classification: Classification::Normal,
                audience: vec![AudienceGrant::AllDeputies],
            },
            &version('a', "Tờ trình về dự toán thu ngân sách nhà nước"),
            office,
            &ctx(),
        )
        .await
        .unwrap();
    let report = store
        .create_document(
            &NewDocument {
                session_id: session.id,
                agenda_item_id: Some(item),
                kind: DocumentKind::VerificationReport,
                title: "Báo cáo thẩm tra".into(),
                classification: Classification::Secret,
                audience: vec![AudienceGrant::Committee(committee.id)],
            },
            &version('b', "Báo cáo thẩm tra của Ban Kinh tế - Ngân sách"),
            office,
            &ctx(),
        )
        .await
        .unwrap();

    // Drafts: only the office sees them.
    assert_eq!(
        store
            .session_documents(session.id, &office_r)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .session_documents(session.id, &deputy_r)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.document(proposal, &deputy_r).await.unwrap().is_none());

    // Publication needs approval first.
    assert!(matches!(
        store.document_event(proposal, DocumentEvent::Publish, &ctx()).await,
        Err(StoreError::Conflict(m)) if m.contains("phát hành")
    ));
    for doc in [proposal, report] {
        for event in [
            DocumentEvent::Submit,
            DocumentEvent::Approve,
            DocumentEvent::Publish,
        ] {
            store.document_event(doc, event, &ctx()).await.unwrap();
        }
    }
    let seen = |docs: Vec<Document>| docs.iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(
        seen(
            store
                .session_documents(session.id, &deputy_r)
                .await
                .unwrap()
        ),
        vec![proposal],
        "a deputy outside the committee sees only the proposal"
    );
    assert_eq!(
        seen(store.session_documents(session.id, &ban_r).await.unwrap()),
        vec![proposal, report],
        "a committee member sees the committee's report"
    );
    assert!(
        store
            .session_documents(session.id, &guest_r)
            .await
            .unwrap()
            .is_empty(),
        "guests see nothing not shared with guests"
    );
    store
        .set_audience(
            proposal,
            &[AudienceGrant::AllDeputies, AudienceGrant::Person(guest)],
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.audience(proposal).await.unwrap(),
        vec![AudienceGrant::AllDeputies, AudienceGrant::Person(guest)]
    );
    assert_eq!(
        seen(store.session_documents(session.id, &guest_r).await.unwrap()),
        vec![proposal],
        "a named guest sees what names them"
    );

    // A new version goes back to draft; deputies keep reading version 1.
    let v2 = store
        .add_version(
            proposal,
            &version('c', "Tờ trình sửa đổi về dự toán"),
            office,
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(v2, 2);
    let as_deputy = store.document(proposal, &deputy_r).await.unwrap().unwrap();
    assert_eq!(as_deputy.status, DocumentStatus::Draft);
    assert_eq!(as_deputy.version.version, 1);
    assert_eq!(as_deputy.version.sha256, "a".repeat(64));
    let as_office = store.document(proposal, &office_r).await.unwrap().unwrap();
    assert_eq!(as_office.version.version, 2);
    assert_eq!(
        as_office.version.uploaded_by.as_deref(),
        Some("Người doc.vanphong")
    );
    let versions = store.versions(proposal).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1],
        "old versions are kept, newest first"
    );
    for event in [
        DocumentEvent::Submit,
        DocumentEvent::Approve,
        DocumentEvent::Publish,
    ] {
        store.document_event(proposal, event, &ctx()).await.unwrap();
    }
    let as_deputy = store.document(proposal, &deputy_r).await.unwrap().unwrap();
    assert_eq!(
        (as_deputy.version.version, as_deputy.published_version),
        (2, Some(2))
    );

    // Search ignores case and marks, and keeps to what the reader may see.
    let found = store
        .search_documents(session.id, &deputy_r, "DU TOAN")
        .await
        .unwrap();
    assert_eq!(seen(found), vec![proposal]);
    assert!(
        store
            .search_documents(session.id, &deputy_r, "thẩm tra")
            .await
            .unwrap()
            .is_empty(),
        "search finds nothing the reader may not open"
    );
    assert_eq!(
        seen(
            store
                .search_documents(session.id, &ban_r, "thẩm tra")
                .await
                .unwrap()
        ),
        vec![report]
    );
    assert!(
        store
            .search_documents(session.id, &ban_r, "100%_")
            .await
            .unwrap()
            .is_empty()
    );

    // Withdrawn: gone for the audience, still there for the office.
    store
        .document_event(report, DocumentEvent::Withdraw, &ctx())
        .await
        .unwrap();
    assert!(store.document(report, &ban_r).await.unwrap().is_none());
    assert!(store.document(report, &office_r).await.unwrap().is_some());

    // Notes are private to their writer; the audit keeps no text.
    store
        .save_note(proposal, deputy, "Hỏi về khoản chi đầu tư", &ctx())
        .await
        .unwrap();
    assert_eq!(
        store.note(proposal, deputy).await.unwrap().as_deref(),
        Some("Hỏi về khoản chi đầu tư")
    );
    assert_eq!(store.note(proposal, ban_member).await.unwrap(), None);
    let (records, _) = store
        .audit_page(&AuditFilter {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    let note_record = records
        .iter()
        .find(|r| r.action == "document.note")
        .unwrap();
    assert!(
        !note_record
            .after
            .as_deref()
            .unwrap_or("")
            .contains("khoản chi")
    );
    store
        .save_note(proposal, deputy, "  ", &ctx())
        .await
        .unwrap();
    assert_eq!(store.note(proposal, deputy).await.unwrap(), None);

    // Read receipts: first and last time, and how often.
    let later = AuditContext {
        at: T0 + Duration::minutes(5),
        ..ctx()
    };
    store.record_read(proposal, deputy, &ctx()).await.unwrap();
    store.record_read(proposal, deputy, &later).await.unwrap();
    store
        .record_read(proposal, ban_member, &ctx())
        .await
        .unwrap();
    let receipts = store.read_receipts(session.id).await.unwrap();
    assert_eq!(receipts.len(), 2);
    let mine = receipts.iter().find(|r| r.user_id == deputy).unwrap();
    assert_eq!((mine.first_at, mine.last_at, mine.times), (T0, later.at, 2));
    assert_eq!(mine.name, "Người doc.daibieu");

    // A ticket works once, and not after it expires.
    let ticket = Ticket {
        document_id: proposal,
        version: 2,
        user_id: deputy,
    };
    store
        .issue_ticket("h1", &ticket, T0 + Duration::minutes(1), &ctx())
        .await
        .unwrap();
    store
        .issue_ticket("h2", &ticket, T0 + Duration::minutes(1), &ctx())
        .await
        .unwrap();
    assert_eq!(
        store.take_ticket("h1", T0, &ctx()).await.unwrap(),
        Some(ticket.clone())
    );
    assert_eq!(store.take_ticket("h1", T0, &ctx()).await.unwrap(), None);
    assert_eq!(
        store
            .take_ticket("h2", T0 + Duration::minutes(2), &ctx())
            .await
            .unwrap(),
        None,
        "an expired ticket is refused"
    );
}
