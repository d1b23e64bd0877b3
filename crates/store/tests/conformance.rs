//! The store conformance story: one walk through every store method, run
//! against SQLite always and against PostgreSQL when
//! `NGHITRUONG_TEST_DATABASE_URL` is set (CI sets it). Each PostgreSQL run
//! works in a schema of its own, dropped at the end.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use nghitruong_domain::access::Role;
use nghitruong_domain::audit::ChainVerifier;
use nghitruong_domain::org::{
    AdminUnit, BodyKind, CommitteeKind, CouncilLevel, PersonStatus, PositionRole, Term, UnitKind,
};
use nghitruong_domain::rules::{CouncilRules, Denominator};
use nghitruong_store::*;
use nghitruong_testkit::{T0, postgres_url, temp_dir, unique_name};
use time::Duration;
use time::macros::date;

fn unit(code: &str, name: &str, kind: UnitKind, parent: Option<&str>) -> AdminUnit {
    AdminUnit {
        code: code.into(),
        name: name.into(),
        kind,
        parent_code: parent.map(Into::into),
    }
}

fn body(key: &str, kind: BodyKind, committee: Option<CommitteeKind>, name: &str) -> BodySeed {
    BodySeed {
        key: key.into(),
        kind,
        committee,
        name: name.into(),
        abbreviation: "HĐND".into(),
        organ_code: None,
    }
}

fn deputy(key: Option<&str>, name: &str, body_key: &str, status: PersonStatus) -> PersonSeed {
    PersonSeed {
        key: key.map(Into::into),
        full_name: name.into(),
        status,
        positions: vec![PositionSeed {
            body_key: body_key.into(),
            role: PositionRole::Deputy,
            full_time: false,
            starts_on: date!(2026 - 03 - 22),
            ends_on: None,
        }],
    }
}

fn term() -> Term {
    Term {
        number: 19,
        starts_on: date!(2026 - 03 - 22),
        ends_on: date!(2031 - 03 - 21),
    }
}

fn small_province() -> OrgSeed {
    let commune = |code: &str, name: &str| CouncilSeed {
        unit_code: code.into(),
        level: CouncilLevel::Commune,
        name: format!("HĐND xã {name}"),
        term: Term {
            number: 1,
            ..term()
        },
        seats_statutory: 20,
        rules: CouncilRules::default(),
        bodies: vec![body(
            &format!("{code}:hdnd"),
            BodyKind::Council,
            None,
            "HĐND",
        )],
        people: vec![
            deputy(
                None,
                "Lô Văn Bình",
                &format!("{code}:hdnd"),
                PersonStatus::Active,
            ),
            deputy(
                None,
                "Vi Thị Hoa",
                &format!("{code}:hdnd"),
                PersonStatus::Resigned,
            ),
        ],
    };
    OrgSeed {
        units: vec![
            unit("40", "Nghệ An", UnitKind::Province, None),
            unit("16681", "Xã Anh Sơn", UnitKind::Commune, Some("40")),
            unit("16000", "Phường Vinh Phú", UnitKind::Ward, Some("40")),
        ],
        councils: vec![
            CouncilSeed {
                unit_code: "40".into(),
                level: CouncilLevel::Province,
                name: "HĐND tỉnh Nghệ An".into(),
                term: term(),
                seats_statutory: 85,
                rules: CouncilRules::default(),
                bodies: vec![
                    body(
                        "40:hdnd",
                        BodyKind::Council,
                        None,
                        "Hội đồng nhân dân tỉnh Nghệ An",
                    ),
                    body(
                        "40:ban:dan_toc",
                        BodyKind::Committee,
                        Some(CommitteeKind::Ethnic),
                        "Ban Dân tộc",
                    ),
                    body("40:sxd", BodyKind::Department, None, "Sở Xây dựng"),
                ],
                people: vec![
                    deputy(
                        Some("chair"),
                        "Nguyễn Văn An",
                        "40:hdnd",
                        PersonStatus::Active,
                    ),
                    deputy(None, "Trần Thị Bích", "40:hdnd", PersonStatus::Suspended),
                    deputy(None, "Lê Văn Cường", "40:hdnd", PersonStatus::Dismissed),
                ],
            },
            commune("16681", "Anh Sơn"),
            commune("16000", "Vinh Phú"),
        ],
        central_bodies: vec![body("bo:xd", BodyKind::Ministry, None, "Bộ Xây dựng")],
        users: vec![UserSeed {
            username: "chutich".into(),
            display_name: "Nguyễn Văn An".into(),
            password_hash: "$argon2id$fake".into(),
            person_key: Some("chair".into()),
            agency_key: None,
            roles: vec![(Some("40".into()), Role::Chair)],
        }],
    }
}

fn ctx(actor: Option<i64>) -> AuditContext {
    AuditContext {
        actor_id: actor,
        actor_name: "Người kiểm thử".into(),
        request_id: Some("req-test".into()),
        at: T0,
    }
}

/// The story every backend must pass.
async fn story(store: &SqlStore) {
    store.migrate().await.unwrap();
    store.migrate().await.expect("migrating twice is harmless");
    store.ping().await.unwrap();

    // Organisation.
    let counts = store
        .seed_organisation(&small_province(), &ctx(None))
        .await
        .unwrap();
    assert_eq!(
        counts,
        SeedCounts {
            units: 3,
            councils: 3,
            bodies: 6,
            people: 7,
            users: 1
        },
        "seed counts"
    );
    let provinces = store.units(None).await.unwrap();
    assert_eq!(provinces.len(), 1);
    assert_eq!(provinces[0].name, "Nghệ An");
    let communes = store.units(Some("40")).await.unwrap();
    assert_eq!(
        communes.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
        ["16000", "16681"]
    );

    let all = CouncilFilter {
        limit: 50,
        today: Some(date!(2026 - 12 - 04)),
        ..Default::default()
    };
    let (list, total) = store.councils(&all).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(
        list[0].council.level,
        CouncilLevel::Province,
        "province first"
    );
    assert_eq!(
        list[0].deputies_in_office, 2,
        "dismissed deputies are not in office"
    );
    assert_eq!(list[0].council.term.number, 19);

    let folded = CouncilFilter {
        level: Some(CouncilLevel::Commune),
        query: Some("anh son".into()),
        ..all.clone()
    };
    let (list, total) = store.councils(&folded).await.unwrap();
    assert_eq!(
        total, 1,
        "a query typed without diacritics finds the council"
    );
    assert_eq!(list[0].council.name, "HĐND xã Anh Sơn");
    assert_eq!(list[0].unit_name, "Xã Anh Sơn");
    assert_eq!(list[0].deputies_in_office, 1);

    let province_id = store.councils(&all).await.unwrap().0[0].council.id;
    let only = CouncilFilter {
        ids: Some(vec![province_id]),
        ..all.clone()
    };
    assert_eq!(store.councils(&only).await.unwrap().1, 1);
    let none = CouncilFilter {
        ids: Some(vec![]),
        ..all.clone()
    };
    assert_eq!(
        store.councils(&none).await.unwrap().1,
        0,
        "an empty id list matches nothing"
    );
    let paged = CouncilFilter {
        limit: 1,
        offset: 1,
        ..all.clone()
    };
    let (page, total) = store.councils(&paged).await.unwrap();
    assert_eq!((page.len(), total), (1, 3));

    let mut rules = CouncilRules {
        denominator: Denominator::Statutory,
        ..Default::default()
    };
    rules.vote_labels.approve = "Đồng ý".into();
    store
        .update_council_rules(province_id, &rules, &ctx(None))
        .await
        .unwrap();
    let council = store.council(province_id).await.unwrap();
    assert_eq!(council.rules, rules);
    assert!(matches!(
        store.council(999_999).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .update_council_rules(999_999, &rules, &ctx(None))
            .await,
        Err(StoreError::NotFound)
    ));

    let bodies = store.bodies(province_id).await.unwrap();
    assert_eq!(bodies.len(), 3);
    let ethnic = bodies
        .iter()
        .find(|b| b.committee == Some(CommitteeKind::Ethnic))
        .unwrap();
    assert_eq!(store.body(ethnic.id).await.unwrap().name, "Ban Dân tộc");
    let hall = bodies.iter().find(|b| b.kind == BodyKind::Council).unwrap();
    let members = store.members(hall.id, date!(2026 - 12 - 04)).await.unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[0].person.full_name, "Nguyễn Văn An");
    let before_term = store.members(hall.id, date!(2026 - 01 - 01)).await.unwrap();
    assert!(
        before_term.is_empty(),
        "no one holds a seat before the term"
    );

    // Accounts.
    let new = NewUser {
        username: "vanphong".into(),
        display_name: "Phạm Thị Dung".into(),
        password_hash: "$argon2id$v=19$fake".into(),
        person_id: None,
        agency_body_id: None,
    };
    let uid = store.create_user(&new, &ctx(None)).await.unwrap();
    assert!(matches!(
        store.create_user(&new, &ctx(None)).await,
        Err(StoreError::Conflict(_))
    ));
    let creds = store.user_credentials("vanphong").await.unwrap().unwrap();
    assert_eq!(creds.user.display_name, "Phạm Thị Dung");
    assert_eq!(creds.password_hash, "$argon2id$v=19$fake");
    assert!(!creds.user.has_totp);
    assert!(store.user_credentials("khongco").await.unwrap().is_none());

    store
        .grant_role(uid, Some(province_id), Role::OfficeStaff, &ctx(None))
        .await
        .unwrap();
    assert!(matches!(
        store
            .grant_role(uid, Some(province_id), Role::OfficeStaff, &ctx(None))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.grant_role(uid, None, Role::Deputy, &ctx(None)).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .grant_role(uid, None, Role::Admin, &ctx(None))
        .await
        .unwrap();
    let roles = store.roles(uid).await.unwrap();
    assert_eq!(
        roles,
        vec![
            RoleGrant {
                council_id: Some(province_id),
                role: Role::OfficeStaff
            },
            RoleGrant {
                council_id: None,
                role: Role::Admin
            },
        ]
    );
    let found = store.users("phong", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1.len(), 2);
    assert_eq!(store.users("", 10).await.unwrap().len(), 2);

    store
        .set_totp_secret(uid, Some("JBSWY3DPEHPK3PXP"), &ctx(Some(uid)))
        .await
        .unwrap();
    let creds = store.user_credentials("vanphong").await.unwrap().unwrap();
    assert_eq!(creds.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert!(store.user(uid).await.unwrap().has_totp);
    assert!(
        !format!("{creds:?}").contains("JBSWY3DPEHPK3PXP"),
        "secrets stay out of Debug"
    );

    // A one-time code's step is used once, and only forwards.
    assert!(store.use_totp_step(uid, 100).await.unwrap());
    assert!(
        !store.use_totp_step(uid, 100).await.unwrap(),
        "the same code twice"
    );
    assert!(
        !store.use_totp_step(uid, 99).await.unwrap(),
        "an older code"
    );
    assert!(store.use_totp_step(uid, 101).await.unwrap());

    // Sessions.
    let session = |token: &str, expires| NewSession {
        token_hash: token.into(),
        user_id: uid,
        csrf_token: format!("csrf-{token}"),
        council_id: Some(province_id),
        needs_totp: true,
        expires_at: expires,
        user_agent: "Chromium".into(),
        address: "127.0.0.1".into(),
    };
    let s1 = store
        .create_session(&session("t1", T0 + Duration::hours(8)), &ctx(Some(uid)))
        .await
        .unwrap();
    let s2 = store
        .create_session(&session("t2", T0 + Duration::minutes(1)), &ctx(Some(uid)))
        .await
        .unwrap();
    let live = store.live_session("t1", T0).await.unwrap().unwrap();
    assert_eq!(
        (live.id, live.needs_totp, live.csrf_token.as_str()),
        (s1, true, "csrf-t1")
    );
    assert!(
        store
            .live_session("t2", T0 + Duration::minutes(2))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(store.live_session("nope", T0).await.unwrap().is_none());

    store
        .confirm_second_factor(s1, &ctx(Some(uid)))
        .await
        .unwrap();
    let communes_only = CouncilFilter {
        level: Some(CouncilLevel::Commune),
        ..all.clone()
    };
    let commune_id = store.councils(&communes_only).await.unwrap().0[0]
        .council
        .id;
    store.set_session_council(s1, commune_id).await.unwrap();
    store
        .touch_session(s1, T0 + Duration::minutes(5))
        .await
        .unwrap();
    let live = store
        .live_session("t1", T0 + Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert!(!live.needs_totp);
    assert_eq!(live.council_id, Some(commune_id));
    assert_eq!(live.last_seen_at, T0 + Duration::minutes(5));
    assert_eq!(store.sessions_of(uid).await.unwrap().len(), 2);

    assert!(matches!(
        store.revoke_session(uid + 1, s1, &ctx(None)).await,
        Err(StoreError::NotFound)
    ));
    store
        .revoke_session(uid, s2, &ctx(Some(uid)))
        .await
        .unwrap();
    assert!(matches!(
        store.revoke_session(uid, s2, &ctx(None)).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.live_session("t1", T0).await.unwrap().is_some());
    store
        .set_password(uid, "$argon2id$new", &ctx(Some(uid)))
        .await
        .unwrap();
    assert!(
        store.live_session("t1", T0).await.unwrap().is_none(),
        "a new password ends sessions"
    );
    assert!(matches!(
        store.set_password(999_999, "x", &ctx(None)).await,
        Err(StoreError::NotFound)
    ));

    // Throttling.
    let keys = vec!["u:vanphong".to_owned(), "ip:127.0.0.1".to_owned()];
    for minute in 0..3 {
        store
            .record_login_failure(&keys, T0 + Duration::minutes(minute))
            .await
            .unwrap();
    }
    assert_eq!(store.login_failures("u:vanphong", T0).await.unwrap(), 3);
    assert_eq!(
        store
            .login_failures("u:vanphong", T0 + Duration::minutes(2))
            .await
            .unwrap(),
        1
    );
    store.clear_login_failures("u:vanphong").await.unwrap();
    assert_eq!(store.login_failures("u:vanphong", T0).await.unwrap(), 0);
    assert_eq!(store.login_failures("ip:127.0.0.1", T0).await.unwrap(), 3);

    // Audit.
    let event = AuditEvent {
        action: "auth.login.failed".into(),
        entity: "user".into(),
        entity_id: None,
        details: Some(serde_json::json!({ "username": "khongco" })),
    };
    store.record_event(&event, &ctx(None)).await.unwrap();
    let report = verify_audit_chain(store, None).await.unwrap().unwrap();
    let head = report.head.clone().unwrap();
    assert_eq!(
        verify_audit_chain(store, Some(&head)).await.unwrap(),
        Ok(report.clone()),
        "the chain holds its own head"
    );
    let wrong = nghitruong_domain::audit::Anchor {
        seq: head.seq,
        hash: "0".repeat(64),
    };
    assert!(
        verify_audit_chain(store, Some(&wrong))
            .await
            .unwrap()
            .is_err()
    );
    let beyond = nghitruong_domain::audit::Anchor {
        seq: head.seq + 5,
        hash: head.hash.clone(),
    };
    assert!(
        verify_audit_chain(store, Some(&beyond))
            .await
            .unwrap()
            .is_err(),
        "a chain shorter than its anchor was cut"
    );
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.audit_after(after, 4).await.unwrap();
        if page.is_empty() {
            break;
        }
        for r in &page {
            verifier.check(r).unwrap();
            after = r.seq;
        }
    }
    let (newest, total) = store
        .audit_page(&AuditFilter {
            limit: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(verifier.verified(), total);
    assert_eq!(newest.len(), 3);
    assert_eq!(newest[0].action, "auth.login.failed");
    assert!(newest[0].seq > newest[1].seq, "newest first");
    let rules_changes = AuditFilter {
        action_prefix: Some("council.".into()),
        limit: 10,
        ..Default::default()
    };
    let (records, n) = store.audit_page(&rules_changes).await.unwrap();
    assert_eq!(n, 1);
    let before: serde_json::Value =
        serde_json::from_str(records[0].before.as_deref().unwrap()).unwrap();
    assert_eq!(
        before["denominator"], "hien_co",
        "the rules before the change are kept"
    );
    let by_actor = AuditFilter {
        actor_id: Some(uid),
        limit: 50,
        ..Default::default()
    };
    assert!(store.audit_page(&by_actor).await.unwrap().1 >= 5);
    let session_events = AuditFilter {
        entity: Some("session".into()),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(store.audit_page(&session_events).await.unwrap().1, 2);
}

#[tokio::test]
async fn sqlite_store_passes_the_story() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.path().join("nt.db").display());
    let options = StoreOptions {
        url,
        schema: None,
        max_connections: 4,
        read_only: false,
    };
    let store = SqlStore::open(&options).await.unwrap();
    story(&store).await;

    // A backup taken while the store is open is a complete database.
    let copy = dir.path().join("copy.db");
    store.backup_to(&copy).await.unwrap();
    let copy_url = format!("sqlite://{}", copy.display());
    let restored = SqlStore::open(&StoreOptions {
        url: copy_url,
        schema: None,
        max_connections: 1,
        read_only: true,
    })
    .await
    .unwrap();
    let (_, live_total) = store
        .audit_page(&AuditFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let (_, copy_total) = restored
        .audit_page(&AuditFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(live_total, copy_total);
}

#[tokio::test]
async fn postgres_store_passes_the_story() {
    let Some(url) = postgres_url() else {
        eprintln!("SKIPPED: set NGHITRUONG_TEST_DATABASE_URL to run the PostgreSQL story");
        return;
    };
    let schema = unique_name("nt_test");
    let options = StoreOptions {
        url,
        schema: Some(schema.clone()),
        max_connections: 4,
        read_only: false,
    };
    let store = SqlStore::open(&options).await.unwrap();
    story(&store).await;
    assert!(matches!(
        store.backup_to(std::path::Path::new("/tmp/x")).await,
        Err(StoreError::Conflict(_))
    ));
    store.drop_schema(&schema).await.unwrap();
    store.close().await;
}
