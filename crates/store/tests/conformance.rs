//! The store conformance story: one walk through every store method, run
//! against SQLite always and against PostgreSQL when
//! `NGHITRUONG_TEST_DATABASE_URL` is set (CI sets it). Each PostgreSQL run
//! works in a schema of its own, dropped at the end.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "conformance/documents.rs"]
mod documents_story;

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

#[path = "conformance/petitions.rs"]
mod petitions;

#[path = "conformance/meetings.rs"]
mod meetings_story;

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

/// A ballot of `person`, a deputy in office, in `round`, cast at `at`.
async fn ballot(
    store: &SqlStore,
    round: &nghitruong_store::VoteRound,
    person: i64,
    choice: nghitruong_domain::vote::Choice,
    at: &AuditContext,
) -> nghitruong_store::Result<Result<(), nghitruong_domain::vote::BallotRefusal>> {
    store
        .cast_ballot(round.session_id, round.id, person, true, choice, at)
        .await
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
    let by_unit = store.council_by_unit("16681").await.unwrap().unwrap();
    assert_eq!(by_unit.name, "HĐND xã Anh Sơn");
    assert_eq!(
        store.council_by_unit("40").await.unwrap().unwrap().id,
        province_id
    );
    assert!(store.council_by_unit("99999").await.unwrap().is_none());
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
    let epoch = store.access_epoch().await.unwrap();
    store
        .update_council_rules(province_id, &rules, &ctx(None))
        .await
        .unwrap();
    assert!(store.access_epoch().await.unwrap() > epoch, "council rules");
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
    let epoch = store.access_epoch().await.unwrap();
    store
        .grant_role(uid, None, Role::Admin, &ctx(None))
        .await
        .unwrap();
    assert!(
        store.access_epoch().await.unwrap() > epoch,
        "a role granted"
    );
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
        .touch_sessions(&[(s1, T0 + Duration::minutes(5))])
        .await
        .unwrap();
    // Sightings are written in batches, so an older one may come later: it
    // does not move "last seen" back, nor the access epoch, which moves with
    // a sign-in's access only.
    let epoch = store.access_epoch().await.unwrap();
    store
        .touch_sessions(&[(s1, T0 + Duration::minutes(2))])
        .await
        .unwrap();
    assert_eq!(store.access_epoch().await.unwrap(), epoch);
    let live = store
        .live_session("t1", T0 + Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert!(!live.needs_totp);
    assert_eq!(live.council_id, Some(commune_id));
    assert_eq!(live.last_seen_at, T0 + Duration::minutes(5));
    store.set_session_council(s1, commune_id).await.unwrap();
    assert!(
        store.access_epoch().await.unwrap() > epoch,
        "a sign-in moved to another council"
    );
    assert_eq!(store.sessions_of(uid).await.unwrap().len(), 2);

    assert!(matches!(
        store.revoke_session(uid + 1, s1, &ctx(None)).await,
        Err(StoreError::NotFound)
    ));
    let epoch = store.access_epoch().await.unwrap();
    store
        .revoke_session(uid, s2, &ctx(Some(uid)))
        .await
        .unwrap();
    assert!(
        store.access_epoch().await.unwrap() > epoch,
        "a sign-in revoked"
    );
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

    // Locking an account ends its sessions; unlocking lets it sign in again.
    let s3 = store
        .create_session(&session("t3", T0 + Duration::hours(8)), &ctx(Some(uid)))
        .await
        .unwrap();
    store.set_user_active(uid, false, &ctx(None)).await.unwrap();
    assert!(!store.user(uid).await.unwrap().is_active);
    assert!(
        store.live_session("t3", T0).await.unwrap().is_none(),
        "session {s3} ended"
    );
    store.set_user_active(uid, true, &ctx(None)).await.unwrap();
    assert!(store.user(uid).await.unwrap().is_active);
    assert!(matches!(
        store.set_user_active(999_999, false, &ctx(None)).await,
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

/// Sessions, agenda, attendance and both kinds of vote, with the secrecy
/// of a secret round checked against every table a dump would show.
async fn session_story(store: &SqlStore) {
    use nghitruong_domain::attendance::{AttendanceStatus, CheckInMethod};
    use nghitruong_domain::session::{
        AgendaKind, AgendaStatus, SessionEvent, SessionKind, SessionStatus,
    };
    use nghitruong_domain::vote::{
        BallotRefusal, Choice, RoundEvent, RoundStatus, VoteMode, VotePurpose,
    };

    let all = CouncilFilter {
        limit: 50,
        today: Some(date!(2026 - 12 - 04)),
        ..Default::default()
    };
    let province = store.councils(&all).await.unwrap().0[0].council.clone();
    let new = NewCouncilSession {
        council_id: province.id,
        term_number: province.term.number,
        kind: SessionKind::Regular,
        is_public: true,
        starts_on: date!(2026 - 12 - 08),
        ends_on: date!(2026 - 12 - 10),
        place: "Hội trường Trụ sở Tỉnh ủy Nghệ An".into(),
    };
    let s1 = store
        .create_council_session(&new, &ctx(None))
        .await
        .unwrap();
    let s2 = store
        .create_council_session(&new, &ctx(None))
        .await
        .unwrap();
    assert_eq!((s1.number, s2.number), (1, 2), "numbered per term");
    assert_eq!(
        store.council_sessions(province.id).await.unwrap()[0].id,
        s2.id,
        "newest first"
    );
    assert_eq!(store.council_session(s1.id).await.unwrap(), s1);
    assert!(matches!(
        store.session_event(s1.id, SessionEvent::Close, &ctx(None)).await,
        Err(StoreError::Conflict(m)) if m.contains("bế mạc")
    ));

    let item = |kind, title: &str| NewAgendaItem {
        session_id: s1.id,
        kind,
        title: title.into(),
        presenter: "Văn phòng".into(),
        planned_minutes: 30,
        resolution_kind: None,
    };
    let opening = store
        .add_agenda_item(&item(AgendaKind::Opening, "Khai mạc kỳ họp"), &ctx(None))
        .await
        .unwrap();
    let vote_item = store
        .add_agenda_item(
            &item(
                AgendaKind::Vote,
                "Biểu quyết thông qua Nghị quyết về giá đất",
            ),
            &ctx(None),
        )
        .await
        .unwrap();
    let agenda = store.agenda(s1.id).await.unwrap();
    assert_eq!(
        agenda.iter().map(|i| i.position).collect::<Vec<_>>(),
        [1, 2]
    );
    // The search indexer finds an item's session from the item alone.
    assert_eq!(store.agenda_item_session(vote_item).await.unwrap(), s1.id);
    assert!(matches!(
        store.agenda_item_session(i64::MAX).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.question_session(i64::MAX).await,
        Err(StoreError::NotFound)
    ));

    store
        .session_event(s1.id, SessionEvent::Convene, &ctx(None))
        .await
        .unwrap();
    assert_eq!(
        store
            .session_event(s1.id, SessionEvent::Open, &ctx(None))
            .await
            .unwrap(),
        SessionStatus::InProgress
    );
    store.move_agenda(s1.id, opening, &ctx(None)).await.unwrap();
    store
        .move_agenda(s1.id, vote_item, &ctx(None))
        .await
        .unwrap();
    let agenda = store.agenda(s1.id).await.unwrap();
    assert_eq!(
        (agenda[0].status, agenda[1].status),
        (AgendaStatus::Done, AgendaStatus::Current)
    );
    assert!(store.move_agenda(s1.id, opening, &ctx(None)).await.is_err());

    let deputies = store
        .seated_deputies(province.id, date!(2026 - 12 - 08))
        .await
        .unwrap();
    assert_eq!(deputies.len(), 3);
    let (a, b, c) = (
        deputies[0].person.id,
        deputies[1].person.id,
        deputies[2].person.id,
    );
    // The voter is found by one query, the same member as in the list.
    let one = store
        .seated_deputy(province.id, b, date!(2026 - 12 - 08))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one, deputies[1]);
    assert!(
        store
            .seated_deputy(province.id, a, date!(2000 - 01 - 01))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .seated_deputy(province.id + 1_000_000, a, date!(2026 - 12 - 08))
            .await
            .unwrap()
            .is_none()
    );
    store
        .set_attendance(
            s1.id,
            a,
            AttendanceStatus::Present,
            CheckInMethod::SelfService,
            None,
            &ctx(None),
        )
        .await
        .unwrap();
    store
        .set_attendance(
            s1.id,
            b,
            AttendanceStatus::Online,
            CheckInMethod::Secretary,
            None,
            &ctx(None),
        )
        .await
        .unwrap();
    store
        .set_attendance(
            s1.id,
            c,
            AttendanceStatus::Excused,
            CheckInMethod::Secretary,
            Some("Đi công tác"),
            &ctx(None),
        )
        .await
        .unwrap();
    store
        .set_attendance(
            s1.id,
            a,
            AttendanceStatus::Present,
            CheckInMethod::Qr,
            None,
            &ctx(None),
        )
        .await
        .unwrap();
    let att = store.attendance(s1.id).await.unwrap();
    assert_eq!(att.len(), 3, "checking in twice keeps one record");

    // A named round.
    let open = |mode| NewVoteRound {
        session_id: s1.id,
        agenda_item_id: vote_item,
        title: "Nghị quyết về giá đất".into(),
        mode,
        purpose: VotePurpose::Ordinary,
        seconds: Some(60),
    };
    let named = store
        .open_round(&open(VoteMode::Named), &ctx(None))
        .await
        .unwrap();
    assert_eq!((named.status, named.round_number), (RoundStatus::Open, 1));
    assert!(matches!(
        store.open_round(&open(VoteMode::Named), &ctx(None)).await,
        Err(StoreError::Conflict(_))
    ));
    // Bế mạc waits for the open vote, checked in the store's transaction.
    assert!(matches!(
        store.session_event(s1.id, SessionEvent::Close, &ctx(None)).await,
        Err(StoreError::Conflict(m)) if m.contains("biểu quyết")
    ));
    assert_eq!(
        ballot(store, &named, a, Choice::Approve, &ctx(None))
            .await
            .unwrap(),
        Ok(())
    );
    assert_eq!(
        ballot(store, &named, a, Choice::Reject, &ctx(None))
            .await
            .unwrap(),
        Err(BallotRefusal::AlreadyVoted)
    );
    assert_eq!(
        ballot(store, &named, c, Choice::Approve, &ctx(None))
            .await
            .unwrap(),
        Err(BallotRefusal::NotPresent)
    );
    // Sent to another session's address: not found, and nothing recorded.
    assert!(matches!(
        store
            .cast_ballot(
                named.session_id + 1000,
                named.id,
                b,
                true,
                Choice::Approve,
                &ctx(None)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        ballot(store, &named, b, Choice::Reject, &ctx(None))
            .await
            .unwrap(),
        Ok(())
    );
    let late = AuditContext {
        at: T0 + Duration::seconds(61),
        ..ctx(None)
    };
    let new_voter = deputies[2].person.id;
    store
        .set_attendance(
            s1.id,
            new_voter,
            AttendanceStatus::Present,
            CheckInMethod::Secretary,
            None,
            &ctx(None),
        )
        .await
        .unwrap();
    assert_eq!(
        ballot(store, &named, new_voter, Choice::Approve, &late)
            .await
            .unwrap(),
        Err(BallotRefusal::TimeUp)
    );
    let size = CouncilSize {
        statutory: 85,
        in_office: 84,
        degraded: false,
    };
    let rules = CouncilRules::default();
    let tally = store
        .close_round(named.id, RoundEvent::Close, size, &rules, &ctx(None))
        .await
        .unwrap();
    assert_eq!(
        (
            tally.counts.approve,
            tally.counts.reject,
            tally.denominator,
            tally.passed
        ),
        (1, 1, 84, false)
    );
    assert_eq!(
        ballot(store, &named, new_voter, Choice::Approve, &ctx(None))
            .await
            .unwrap(),
        Err(BallotRefusal::NotOpen)
    );
    let closed = store.round(named.id).await.unwrap();
    assert_eq!(closed.result.as_ref().unwrap()["denominator"], 84);
    assert_eq!(closed.result.as_ref().unwrap()["rule"], "qua_nua");
    assert_eq!(
        store.named_ballots(named.id).await.unwrap(),
        vec![
            (
                a.min(b),
                if a < b {
                    Choice::Approve
                } else {
                    Choice::Reject
                }
            ),
            (
                a.max(b),
                if a < b {
                    Choice::Reject
                } else {
                    Choice::Approve
                }
            )
        ]
    );

    // A secret revote: nothing links a deputy to a choice.
    let secret = store
        .open_round(&open(VoteMode::Secret), &ctx(None))
        .await
        .unwrap();
    assert_eq!(secret.round_number, 2, "a revote is a new round");
    // Cast at once, as in the hall, so that they are committed in groups:
    // a double tap counts once and an absent deputy is refused, whatever
    // group each ballot lands in. (`new_voter` is `c`, checked in above.)
    let cx = ctx(None);
    let cast =
        |person, choice| store.cast_ballot(secret.session_id, secret.id, person, true, choice, &cx);
    // A tablet that drops its connection once its ballot is queued: the
    // ballot is still committed (it was first, so `b` voting again is
    // refused), and the ballots of the same group are not lost with it.
    {
        let mut dropped = std::pin::pin!(cast(b, Choice::Approve));
        let first = std::future::poll_fn(|cx| std::task::Poll::Ready(dropped.as_mut().poll(cx)));
        assert!(first.await.is_pending(), "the caller stops waiting at once");
    }
    let (rb, ra, rn, ra2, rn2) = tokio::join!(
        cast(b, Choice::Reject),
        cast(a, Choice::Reject),
        cast(new_voter, Choice::Approve),
        cast(a, Choice::Reject),
        cast(new_voter, Choice::Approve),
    );
    assert_eq!(rb.unwrap(), Err(BallotRefusal::AlreadyVoted));
    for (first, second) in [(ra, ra2), (rn, rn2)] {
        let mut twice = [first.unwrap(), second.unwrap()];
        twice.sort_by_key(Result::is_ok);
        assert_eq!(twice, [Err(BallotRefusal::AlreadyVoted), Ok(())]);
    }
    assert_eq!(store.round_voters(secret.id).await.unwrap().len(), 3);
    let many = verify_audit_chain(store, None).await.unwrap().unwrap();
    assert!(many.verified > 0, "the chain holds after group commits");
    assert!(store.named_ballots(secret.id).await.unwrap().is_empty());
    let (ballots, _) = store
        .audit_page(&AuditFilter {
            action_prefix: Some("vote.ballot".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    for record in ballots
        .iter()
        .filter(|r| r.entity_id == Some(secret.id.to_string()))
    {
        let after = record.after.as_deref().unwrap();
        assert!(
            !after.contains("choice") && !after.contains("tan_thanh"),
            "audit holds no choice: {after}"
        );
    }
    let tally = store
        .close_round(secret.id, RoundEvent::Close, size, &rules, &ctx(None))
        .await
        .unwrap();
    assert_eq!((tally.counts.approve, tally.counts.reject), (2, 1));
    assert_eq!(
        store.rounds(s1.id).await.unwrap().len(),
        2,
        "the old round is kept"
    );
    assert!(
        store.adopted_resolutions(s1.id).await.unwrap().is_empty(),
        "a rejected draft is not numbered"
    );

    // Adopted by a hand count: numbered once in the register, in the same
    // transaction; a further passing revote numbers nothing more.
    for approve in [60, 70] {
        store
            .record_manual_result(
                &open(VoteMode::Named),
                nghitruong_domain::vote::Counts {
                    approve,
                    reject: 1,
                    abstain: 0,
                },
                80,
                size,
                &rules,
                &ctx(None),
            )
            .await
            .unwrap();
    }
    let adopted = store.adopted_resolutions(s1.id).await.unwrap();
    assert_eq!(adopted.len(), 1);
    assert_eq!(adopted[0].agenda_item_id, vote_item);
    assert_eq!(adopted[0].resolution.number.to_string(), "01/NQ-HĐND");
    assert_eq!(adopted[0].resolution.title, "Về giá đất");
    let register = store.register(&[province.id]).await.unwrap();
    assert!(
        register
            .resolutions()
            .values()
            .any(|r| r.number.to_string() == "01/NQ-HĐND")
    );

    // Bế mạc with every vote finished; no vote opens after it.
    store
        .session_event(s1.id, SessionEvent::Close, &ctx(None))
        .await
        .unwrap();
    assert!(matches!(
        store.open_round(&open(VoteMode::Named), &ctx(None)).await,
        Err(StoreError::Conflict(m)) if m.contains("khai mạc")
    ));

    consultation_story(store, province.id, [a, b, c]).await;
}

/// Written consultations: drafted, sent, answered once per deputy and
/// changed, closed after the deadline, with the result by the rule.
async fn consultation_story(store: &SqlStore, council_id: i64, deputies: [i64; 3]) {
    use nghitruong_domain::consultation::{ConsultationEvent, ConsultationStatus, Opinion};
    let at = |minutes: i64| AuditContext {
        at: T0 + Duration::minutes(minutes),
        ..ctx(None)
    };
    let deadline = T0 + Duration::days(3);
    let id = store
        .create_consultation(
            &NewConsultation {
                council_id,
                title: "Xin ý kiến về chủ trương đầu tư".into(),
                question: "Đại biểu có đồng ý với chủ trương đầu tư dự án không?".into(),
                document_ids: vec![7, 9],
                deadline,
            },
            &at(0),
        )
        .await
        .unwrap();
    let c = store.consultation(id).await.unwrap();
    assert_eq!(
        (c.status, c.document_ids.clone(), c.deadline, c.sent_at),
        (ConsultationStatus::Draft, vec![7, 9], deadline, None)
    );
    assert_eq!(store.consultations(council_id).await.unwrap(), vec![c]);
    // The reminder job looks at sent and closed ones only, from `since`.
    let followed = |since| async move {
        store
            .consultations_to_follow(since)
            .await
            .unwrap()
            .iter()
            .map(|c| (c.id, c.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(followed(T0).await, vec![], "a draft is not followed");
    let [a, b, c] = deputies;
    let answer = |person, opinion, text: &'static str, minutes| async move {
        store
            .answer_consultation(id, person, true, opinion, text, &at(minutes))
            .await
    };
    assert!(
        matches!(answer(a, Opinion::Agree, "", 1).await, Err(StoreError::Conflict(m)) if m.contains("Dự thảo")),
        "no answers to a draft"
    );
    assert_eq!(
        store
            .consultation_event(id, ConsultationEvent::Send, &at(2))
            .await
            .unwrap(),
        ConsultationStatus::Sent
    );
    assert_eq!(
        store.consultation(id).await.unwrap().sent_at,
        Some(T0 + Duration::minutes(2))
    );
    assert_eq!(followed(T0).await, vec![(id, ConsultationStatus::Sent)]);
    assert_eq!(
        followed(deadline).await,
        vec![(id, ConsultationStatus::Sent)]
    );
    assert_eq!(followed(deadline + Duration::seconds(1)).await, vec![]);
    answer(a, Opinion::Disagree, "", 3).await.unwrap();
    answer(a, Opinion::Agree, "", 4).await.unwrap();
    answer(b, Opinion::Other, "Đề nghị bổ sung đánh giá tác động", 5)
        .await
        .unwrap();
    assert!(matches!(
        answer(c, Opinion::Other, "  ", 6).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .answer_consultation(id, c, false, Opinion::Agree, "", &at(6))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .consultation_event(id, ConsultationEvent::Close, &at(7))
            .await,
        Err(StoreError::Conflict(m)) if m.contains("Chưa đến thời hạn")
    ));
    let after = 3 * 24 * 60;
    assert!(matches!(
        answer(c, Opinion::Agree, "", after).await,
        Err(StoreError::Conflict(m)) if m.contains("hết thời hạn")
    ));
    let answers = store.consultation_answers(id).await.unwrap();
    assert_eq!(answers.len(), 2, "one answer per deputy, the latest kept");
    let of = |p| answers.iter().find(|x| x.person_id == p).unwrap();
    assert_eq!(
        (of(a).opinion, of(a).answered_at),
        (Opinion::Agree, T0 + Duration::minutes(4))
    );
    assert_eq!(
        (of(b).opinion, of(b).text.as_str()),
        (Opinion::Other, "Đề nghị bổ sung đánh giá tác động")
    );
    assert_eq!(
        store
            .consultation_event(id, ConsultationEvent::Close, &at(after))
            .await
            .unwrap(),
        ConsultationStatus::Closed
    );
    assert_eq!(
        followed(T0).await,
        vec![(id, ConsultationStatus::Closed)],
        "a closed one is still followed, for its result"
    );
    assert!(
        store
            .consultation_event(id, ConsultationEvent::Send, &at(after))
            .await
            .is_err()
    );
}

/// The exchange with the axis: outgoing documents and their statuses, the
/// outbox with retries, registration of incoming documents, the directory.
async fn exchange_story(store: &SqlStore) {
    use nghitruong_store::exchange::*;
    let c = ctx(None);
    assert!(store.agencies().await.unwrap().is_empty());
    let agency = |code: &str, name: &str| Agency {
        code: code.into(),
        name: name.into(),
        parent: None,
    };
    let n = store
        .replace_agencies(
            &[
                agency("001.29.00.H41", "HĐND xã Anh Sơn"),
                agency("000.00.12.H41", "Sở Xây dựng"),
                agency("000.00.12.H41", "Sở Xây dựng (trùng)"),
            ],
            &c,
        )
        .await
        .unwrap();
    assert_eq!(n, 2, "duplicates are dropped");
    assert_eq!(store.agencies().await.unwrap()[0].code, "000.00.12.H41");

    let new = NewOutgoing {
        document_id: "000.00.01.H41,2026/12/04,15/NQ-HĐND".into(),
        business: 0,
        original_id: None,
        number: "15".into(),
        notation: "NQ-HĐND".into(),
        type_name: "Nghị quyết".into(),
        subject: "Về đầu tư công".into(),
        issued_on: date!(2026 - 12 - 04),
        reason: String::new(),
        pdf_name: Some("15.pdf".into()),
        recipients: vec![
            RecipientSeed {
                organ_id: "001.29.00.H41".into(),
                organ_name: "HĐND xã Anh Sơn".into(),
            },
            RecipientSeed {
                organ_id: "000.00.12.H41".into(),
                organ_name: "Sở Xây dựng".into(),
            },
        ],
        package: vec![0u8, 1, 2, 255],
    };
    let id = store.create_outgoing(&new, &c).await.unwrap();
    let doc = store.outgoing(id).await.unwrap();
    assert_eq!(doc.recipients.len(), 2);
    assert!(doc.recipients.iter().all(|r| r.status_code.is_none()));
    let delivery = doc.delivery.unwrap();
    assert_eq!(
        (delivery.state, delivery.attempts),
        (OutboxState::Pending, 0)
    );
    assert_eq!(
        delivery.package,
        vec![0u8, 1, 2, 255],
        "bytes survive as they were"
    );

    // Retry, then sent; a sent item is no longer due.
    let due = store.due_outbox(T0, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    store
        .outbox_retry(due[0].id, T0 + Duration::seconds(5), "down")
        .await
        .unwrap();
    assert!(store.due_outbox(T0, 10).await.unwrap().is_empty());
    let later = T0 + Duration::seconds(5);
    assert_eq!(store.due_outbox(later, 10).await.unwrap()[0].attempts, 1);
    store.outbox_sent(due[0].id, "axis-1", &c).await.unwrap();
    assert!(matches!(
        store.outbox_sent(due[0].id, "axis-1", &c).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.due_outbox(later, 10).await.unwrap().is_empty());
    let sent = store.outgoing(id).await.unwrap().delivery.unwrap();
    assert_eq!(
        (sent.state, sent.axis_doc_id.as_deref()),
        (OutboxState::Sent, Some("axis-1"))
    );

    // Enqueueing is idempotent by key; a refused item fails for good.
    let item = NewOutboxItem {
        dedupe_key: "status:x:01".into(),
        message_type: "status".into(),
        outgoing_id: None,
        incoming_id: None,
        summary: "01".into(),
        package: b"<edXML/>".to_vec(),
    };
    let first = store.enqueue(&item, &c).await.unwrap();
    assert_eq!(store.enqueue(&item, &c).await.unwrap(), first);
    store.outbox_failed(first, "refused", &c).await.unwrap();
    assert!(store.due_outbox(later, 10).await.unwrap().is_empty());
    assert_eq!(store.outbox(10).await.unwrap().len(), 2);

    // Statuses: recorded for a recipient of ours, ignored otherwise.
    let report = |from: &str, code: &str| StatusReport {
        document_id: new.document_id.clone(),
        about_organ_id: "000.00.01.H41".into(),
        from_organ_id: from.into(),
        status_code: code.into(),
        description: Some("lý do".into()),
        at: later,
    };
    assert!(
        store
            .record_status(&report("001.29.00.H41", "03"), &c)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_status(&report("999.99.99.Z99", "03"), &c)
            .await
            .unwrap()
    );
    let doc = store.outgoing(id).await.unwrap();
    let r = doc
        .recipients
        .iter()
        .find(|r| r.organ_id == "001.29.00.H41")
        .unwrap();
    assert_eq!(r.status_code.as_deref(), Some("03"));
    assert_eq!(r.updated_at, Some(later));

    // A revoke marks the original; answers (15) go to the revoke.
    let revoke = NewOutgoing {
        business: 1,
        original_id: Some(id),
        reason: "nhầm".into(),
        ..new.clone()
    };
    let revoke_id = store.create_outgoing(&revoke, &c).await.unwrap();
    assert_eq!(store.outgoing(id).await.unwrap().state, "revoked");
    store
        .record_status(&report("001.29.00.H41", "15"), &c)
        .await
        .unwrap();
    assert_eq!(
        store.outgoing(revoke_id).await.unwrap().recipients[1]
            .status_code
            .as_deref(),
        Some("15")
    );
    assert_eq!(store.outgoing_list(10).await.unwrap().len(), 2);
    let missing = NewOutgoing {
        original_id: Some(999_999),
        ..revoke.clone()
    };
    assert!(matches!(
        store.create_outgoing(&missing, &c).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.create_outgoing(&revoke, &c).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.outgoing_list(10).await.unwrap().len(),
        2,
        "nothing half-stored"
    );

    // Incoming: numbered per year, re-delivery found, files kept.
    let incoming = |fingerprint: &str, day| NewIncoming {
        fingerprint: fingerprint.into(),
        axis_doc_id: "axis-9".into(),
        from_organ_id: "000.00.12.H41".into(),
        from_name: "Sở Xây dựng".into(),
        document_id: format!("000.00.12.H41,2026/12/01,{fingerprint}"),
        code: "7/BC-SXD".into(),
        type_name: "Báo cáo".into(),
        subject: "Báo cáo".into(),
        issued_on: Some(date!(2026 - 12 - 01)),
        business: 0,
        original_document_id: None,
        reason: None,
        registered_on: day,
        files: vec![NewIncomingFile {
            name: "bc.pdf".into(),
            content_type: "application/pdf".into(),
            content: b"%PDF-1.7".to_vec(),
        }],
        package: b"<edXML/>".to_vec(),
    };
    let a = store
        .register_incoming(&incoming("a", date!(2026 - 12 - 04)), &c)
        .await
        .unwrap();
    let b = store
        .register_incoming(&incoming("b", date!(2026 - 12 - 04)), &c)
        .await
        .unwrap();
    let again = store
        .register_incoming(&incoming("a", date!(2026 - 12 - 05)), &c)
        .await
        .unwrap();
    let next_year = store
        .register_incoming(&incoming("c", date!(2027 - 01 - 02)), &c)
        .await
        .unwrap();
    assert_eq!((a.number, b.number, next_year.number), (1, 2, 1));
    assert_eq!((next_year.year, a.year), (2027, 2026));
    assert!(again.duplicate && again.id == a.id && !a.duplicate);
    let got = store.incoming(a.id).await.unwrap();
    assert_eq!(got.files.len(), 1);
    assert_eq!(got.files[0].size, 8);
    let (info, bytes) = store.incoming_file(a.id, got.files[0].id).await.unwrap();
    assert_eq!(
        (info.name.as_str(), bytes.as_slice()),
        ("bc.pdf", b"%PDF-1.7".as_slice())
    );
    assert!(matches!(
        store.incoming_file(b.id, got.files[0].id).await,
        Err(StoreError::NotFound)
    ));
    let found = store
        .incoming_by_document("000.00.12.H41", &got.document_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, a.id);
    store
        .set_incoming_state(a.id, Some("revoked"), Some("15"), &c)
        .await
        .unwrap();
    store
        .set_incoming_state(a.id, None, Some("05"), &c)
        .await
        .unwrap();
    let got = store.incoming(a.id).await.unwrap();
    assert_eq!(
        (got.state.as_str(), got.last_status.as_deref()),
        ("revoked", Some("05"))
    );
    assert!(matches!(
        store.set_incoming_state(999_999, None, None, &c).await,
        Err(StoreError::NotFound)
    ));
    // Three here and the agency answer of the petitions story.
    assert_eq!(store.incoming_list(10).await.unwrap().len(), 4);
}

// Two worker threads, as the server runs: ballots on a SQLite file are
// committed on their own connection with the committing thread's other
// tasks handed away (`block_in_place`), which a single-threaded runtime
// cannot do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_the_story() {
    let dir = temp_dir();
    let url = nghitruong_store::sqlite_url(&dir.path().join("nt.db"));
    let options = StoreOptions {
        url,
        schema: None,
        max_connections: 4,
        read_only: false,
    };
    let store = SqlStore::open(&options).await.unwrap();
    story(&store).await;
    session_story(&store).await;
    petitions::petition_story(&store).await;
    exchange_story(&store).await;
    documents_story::story(&store).await;
    meetings_story::story(&store).await;

    // A backup taken while the store is open is a complete database.
    let copy = dir.path().join("copy.db");
    store.backup_to(&copy).await.unwrap();
    let copy_url = nghitruong_store::sqlite_url(&copy);
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
    session_story(&store).await;
    petitions::petition_story(&store).await;
    exchange_story(&store).await;
    documents_story::story(&store).await;
    meetings_story::story(&store).await;
    assert!(matches!(
        store.backup_to(std::path::Path::new("/tmp/x")).await,
        Err(StoreError::Conflict(_))
    ));
    store.drop_schema(&schema).await.unwrap();
    store.close().await;
}
