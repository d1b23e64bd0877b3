//! The supervision story (issue #5): the register of resolutions, a
//! delegation from plan to follow-up, tasks, progress reports and the
//! scheduler's once-only record of actions. Runs on SQLite always and on
//! PostgreSQL when `NGHITRUONG_TEST_DATABASE_URL` is set, in a schema of its
//! own.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;

use nghitruong_domain::calendar::WorkingCalendar;
use nghitruong_domain::org::{
    AdminUnit, BodyKind, CommitteeKind, CouncilLevel, PersonStatus, PositionRole, Term, UnitKind,
};
use nghitruong_domain::petition::DocumentRef;
use nghitruong_domain::resolution::{
    InForceStatus, Relation, RelationKind, ReportTiming, ReportingDuty, Resolution, ResolutionKind,
};
use nghitruong_domain::rules::CouncilRules;
use nghitruong_domain::supervision::{
    ActionKind, Conclusion, Conductor, DelegationStatus, EscalationPolicy,
    Member as DelegationMember, MemberRole, NewTask, Plan, Programme, ProgrammeTopic,
    Recommendation, Stream, TaskPlan, TaskSource, TaskStatus, due_actions,
};
use nghitruong_store::*;
use nghitruong_testkit::{T0, postgres_url, temp_dir, unique_name};
use time::macros::date;
use time::{Date, Duration, OffsetDateTime};

fn body(key: &str, kind: BodyKind, name: &str, abbreviation: &str) -> BodySeed {
    BodySeed {
        key: key.into(),
        kind,
        committee: None,
        name: name.into(),
        abbreviation: abbreviation.into(),
        organ_code: None,
    }
}

fn person(key: &str, name: &str) -> PersonSeed {
    PersonSeed {
        key: Some(key.into()),
        full_name: name.into(),
        status: PersonStatus::Active,
        positions: vec![PositionSeed {
            body_key: "40:hdnd".into(),
            role: PositionRole::Deputy,
            full_time: false,
            starts_on: date!(2026 - 03 - 22),
            ends_on: None,
        }],
    }
}

fn seed() -> OrgSeed {
    let term = Term {
        number: 19,
        starts_on: date!(2026 - 03 - 22),
        ends_on: date!(2031 - 03 - 21),
    };
    OrgSeed {
        units: vec![
            AdminUnit {
                code: "40".into(),
                name: "Nghệ An".into(),
                kind: UnitKind::Province,
                parent_code: None,
            },
            AdminUnit {
                code: "16681".into(),
                name: "Xã Anh Sơn".into(),
                kind: UnitKind::Commune,
                parent_code: Some("40".into()),
            },
        ],
        councils: vec![
            CouncilSeed {
                unit_code: "40".into(),
                level: CouncilLevel::Province,
                name: "HĐND tỉnh Nghệ An".into(),
                term,
                seats_statutory: 85,
                rules: CouncilRules::default(),
                bodies: vec![
                    body(
                        "40:hdnd",
                        BodyKind::Council,
                        "Hội đồng nhân dân tỉnh",
                        "HĐND",
                    ),
                    body(
                        "40:ubnd",
                        BodyKind::PeoplesCommittee,
                        "Ủy ban nhân dân tỉnh",
                        "UBND",
                    ),
                    body("40:sxd", BodyKind::Department, "Sở Xây dựng", "SXD"),
                ],
                people: vec![
                    person("head", "Nguyễn Văn An"),
                    person("member", "Trần Thị Bích"),
                ],
            },
            CouncilSeed {
                unit_code: "16681".into(),
                level: CouncilLevel::Commune,
                name: "HĐND xã Anh Sơn".into(),
                term: Term { number: 1, ..term },
                seats_statutory: 20,
                rules: CouncilRules::default(),
                bodies: vec![body("16681:hdnd", BodyKind::Council, "HĐND xã", "HĐND")],
                people: vec![],
            },
        ],
        central_bodies: vec![],
        users: vec![],
    }
}

fn ctx(at: OffsetDateTime) -> AuditContext {
    AuditContext {
        actor_id: None,
        actor_name: "Người kiểm thử".into(),
        request_id: Some("req-test".into()),
        at,
    }
}

fn doc(number: &str) -> DocumentRef {
    DocumentRef {
        number: number.into(),
        date: date!(2026 - 12 - 04),
    }
}

fn resolution(council_id: i64, number: &str, adopted_on: Date) -> Resolution {
    Resolution {
        id: 0,
        council_id,
        number: number.parse().unwrap(),
        title: "Quy định chính sách hỗ trợ".into(),
        adopted_on,
        effective_from: None,
        in_force_until: None,
        field: Some(CommitteeKind::EconomyBudget),
        implementing_bodies: vec![],
        reporting: vec![],
    }
}

fn conflict(r: Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(StoreError::Conflict(m)) => m,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn story(store: &SqlStore) {
    store.migrate().await.unwrap();
    store.seed_organisation(&seed(), &ctx(T0)).await.unwrap();
    let province = store.council_by_unit("40").await.unwrap().unwrap().id;
    let commune = store.council_by_unit("16681").await.unwrap().unwrap().id;
    let bodies = store.bodies(province).await.unwrap();
    let id_of = |name: &str| bodies.iter().find(|b| b.name == name).unwrap().id;
    let (ubnd, sxd) = (id_of("Ủy ban nhân dân tỉnh"), id_of("Sở Xây dựng"));

    // The register: entries, a duplicate refused, relations, statuses.
    let mut old = resolution(province, "6/2021/NQ-HĐND", date!(2021 - 07 - 10));
    old.implementing_bodies = vec![ubnd];
    old.reporting = vec![ReportingDuty {
        body_id: ubnd,
        content: "Báo cáo kết quả thực hiện".into(),
        timing: ReportTiming::YearEndSession,
        by: None,
    }];
    let old_id = store
        .add_resolution(&old, ResolutionKind::Normative, &ctx(T0))
        .await
        .unwrap();
    let stored = store.resolution(old_id).await.unwrap();
    assert_eq!(stored.number.to_string(), "06/2021/NQ-HĐND");
    assert_eq!(stored.reporting, old.reporting);
    assert_eq!(stored.field, Some(CommitteeKind::EconomyBudget));
    let mut new = resolution(province, "12/2026/NQ-HĐND", date!(2026 - 12 - 04));
    new.effective_from = Some(date!(2026 - 12 - 15));
    let new_id = store
        .add_resolution(&new, ResolutionKind::Normative, &ctx(T0))
        .await
        .unwrap();
    let message = conflict(
        store
            .add_resolution(&new, ResolutionKind::Normative, &ctx(T0))
            .await,
    );
    assert_eq!(
        message,
        "Số 12/2026/NQ-HĐND đã có trong sổ nghị quyết của năm này."
    );
    // The same number in the individual series and in the commune is free.
    let individual = resolution(province, "12/NQ-HĐND", date!(2026 - 12 - 04));
    store
        .add_resolution(&individual, ResolutionKind::Individual, &ctx(T0))
        .await
        .unwrap();
    let commune_res = resolution(commune, "12/2026/NQ-HĐND", date!(2026 - 08 - 01));
    let commune_id = store
        .add_resolution(&commune_res, ResolutionKind::Normative, &ctx(T0))
        .await
        .unwrap();

    let relate = |actor, kind, target| Relation {
        actor,
        kind,
        target,
        effective_on: None,
        provisions: String::new(),
    };
    store
        .add_relation(&relate(new_id, RelationKind::Replaces, old_id), &ctx(T0))
        .await
        .unwrap();
    let message = conflict(
        store
            .add_relation(&relate(old_id, RelationKind::Repeals, new_id), &ctx(T0))
            .await,
    );
    assert!(message.contains("không thể bãi bỏ"), "{message}");
    assert!(
        store
            .add_relation(&relate(new_id, RelationKind::Amends, 999_999), &ctx(T0))
            .await
            .is_err()
    );
    // The province repeals the commune's resolution (Luật 72/2025).
    store
        .add_relation(&relate(new_id, RelationKind::Repeals, commune_id), &ctx(T0))
        .await
        .unwrap();
    let register = store.register(&[province, commune]).await.unwrap();
    assert_eq!(register.resolutions().len(), 4);
    assert!(register.issues().is_empty(), "{:?}", register.issues());
    let status = |r: &nghitruong_domain::resolution::Register, id, day| {
        r.validity_at(id, day).unwrap().status
    };
    assert_eq!(
        status(&register, old_id, date!(2026 - 12 - 14)),
        InForceStatus::InForce
    );
    assert_eq!(
        status(&register, old_id, date!(2026 - 12 - 15)),
        InForceStatus::Ended
    );
    assert_eq!(
        status(&register, new_id, date!(2026 - 12 - 10)),
        InForceStatus::NotYet
    );
    // The commune's register alone still sees the province's repeal.
    let commune_register = store.register(&[commune]).await.unwrap();
    assert_eq!(
        status(&commune_register, commune_id, date!(2027 - 01 - 01)),
        InForceStatus::Ended
    );
    assert_eq!(commune_register.resolutions().len(), 2);
    assert!(store.register(&[]).await.unwrap().resolutions().is_empty());

    // The programme, saved twice for the same year.
    let mut programme = Programme {
        id: 0,
        council_id: province,
        year: 2027,
        adopted_by: Some(doc("50/NQ-HĐND")),
        topics: vec![ProgrammeTopic {
            title: "Việc thực hiện chính sách bồi thường, tái định cư".into(),
            stream: Stream::Thematic,
            conductor: Conductor::StandingCommittee,
            body_id: None,
            quarter: Some(2),
        }],
    };
    let programme_id = store.save_programme(&programme, &ctx(T0)).await.unwrap();
    programme.topics[0].quarter = Some(3);
    assert_eq!(
        store.save_programme(&programme, &ctx(T0)).await.unwrap(),
        programme_id
    );
    let loaded = store.programme(province, 2027).await.unwrap().unwrap();
    assert_eq!(
        (loaded.id, loaded.topics[0].quarter),
        (programme_id, Some(3))
    );
    assert!(store.programme(province, 2030).await.unwrap().is_none());

    // A delegation from plan to follow-up, saved step by step.
    let mut d = store
        .create_delegation(
            &NewDelegation {
                council_id: province,
                programme_id: Some(programme_id),
                conductor: Conductor::StandingCommittee,
                stream: Stream::Thematic,
                topic: "Bồi thường, hỗ trợ, tái định cư".into(),
                scope: "2021–2026".into(),
            },
            &ctx(T0),
        )
        .await
        .unwrap();
    assert_eq!(d.version, 1);
    let members = vec![
        DelegationMember {
            person_id: 1,
            role: MemberRole::Head,
        },
        DelegationMember {
            person_id: 2,
            role: MemberRole::Member,
        },
    ];
    let t = d
        .value
        .establish(doc("12/QĐ-HĐND"), members, BTreeSet::from([sxd]), T0)
        .unwrap();
    let stale = d.version;
    d.version = store
        .save_delegation(&d.value, d.version, Some(&t), &ctx(T0))
        .await
        .unwrap();
    assert_eq!(d.version, 2);
    let message = conflict(store.save_delegation(&d.value, stale, None, &ctx(T0)).await);
    assert!(message.contains("người khác cập nhật"), "{message}");
    d.value
        .send_plan(
            Plan {
                plan: doc("20/KH-ĐGS"),
                outline: None,
                reports_due: date!(2026 - 12 - 20),
                from: date!(2026 - 12 - 10),
                to: date!(2027 - 01 - 31),
            },
            T0,
        )
        .unwrap();
    d.value.draft_report(T0).unwrap();
    let t = d
        .value
        .conclude(
            Conclusion {
                document: doc("45/KL-HĐND"),
                report: None,
                recommendations: vec![Recommendation {
                    id: 1,
                    addressee_id: sxd,
                    content: "Hoàn thành chi trả bồi thường cho các hộ còn lại".into(),
                }],
            },
            T0,
        )
        .unwrap();
    d.version = store
        .save_delegation(&d.value, d.version, Some(&t), &ctx(T0))
        .await
        .unwrap();
    let due = date!(2027 - 03 - 31);
    let plan = TaskPlan {
        recommendation_id: 1,
        co_body_ids: vec![ubnd],
        responsible: None,
        expected_evidence: "Báo cáo kết quả chi trả".into(),
        due,
        complex: false,
    };
    let tasks = store
        .follow_up(
            d.value.id(),
            d.version,
            std::slice::from_ref(&plan),
            &ctx(T0),
        )
        .await
        .unwrap();
    assert_eq!(tasks[0].value.co_body_ids(), &[ubnd]);
    assert_eq!(tasks.len(), 1);
    let reloaded = store.delegation(d.value.id()).await.unwrap();
    assert_eq!(reloaded.value.status(), DelegationStatus::FollowingUp);
    assert_eq!(reloaded.version, d.version + 1);
    assert_eq!(store.delegations(province).await.unwrap().len(), 1);
    assert!(
        store
            .follow_up(d.value.id(), d.version, &[plan], &ctx(T0))
            .await
            .is_err(),
        "a stale version is refused"
    );

    // A task from questioning, given by hand.
    let questioning = store
        .create_task(
            province,
            &NewTask {
                id: 0,
                source: TaskSource::Questioning,
                source_doc: Some(doc("60/NQ-HĐND")),
                delegation_id: None,
                recommendation_id: None,
                content: "Xử lý dứt điểm ô nhiễm môi trường làng nghề".into(),
                lead_body_id: ubnd,
                co_body_ids: vec![sxd],
                responsible: None,
                expected_evidence: "Báo cáo kết quả".into(),
                due: date!(2027 - 06 - 30),
                complex: true,
            },
            &ctx(T0),
        )
        .await
        .unwrap();
    assert_eq!(questioning.value.co_body_ids(), &[sxd]);
    let bad = store
        .create_task(
            province,
            &NewTask {
                due: date!(2026 - 12 - 01),
                ..questioning_new(ubnd)
            },
            &ctx(T0),
        )
        .await;
    assert_eq!(
        conflict(bad),
        "Thời hạn thực hiện phải sau ngày giao nhiệm vụ."
    );

    let by_body = |lead| TaskFilter {
        council_id: Some(province),
        lead_body_id: Some(lead),
        ..TaskFilter::default()
    };
    assert_eq!(store.tasks(&by_body(sxd)).await.unwrap().len(), 1);
    assert_eq!(store.tasks(&by_body(ubnd)).await.unwrap().len(), 1);
    let everything = TaskFilter {
        council_id: Some(province),
        ..TaskFilter::default()
    };
    let all = store.tasks(&everything).await.unwrap();
    assert_eq!(all[0].value.due(), due, "ordered by due date");
    let due_soon = TaskFilter {
        due_by: Some(date!(2027 - 04 - 01)),
        status: Some(TaskStatus::NotDone),
        ..everything.clone()
    };
    assert_eq!(store.tasks(&due_soon).await.unwrap().len(), 1);

    // The agency reports progress; the scheduler acts once per key.
    let mut task = store.task(tasks[0].value.id()).await.unwrap();
    let t = task
        .value
        .report_progress("Đã chi trả 40 hộ", vec![doc("12/BC-SXD")], T0)
        .unwrap();
    task.version = store
        .save_task(&task.value, task.version, &t, &ctx(T0))
        .await
        .unwrap();
    let reports = store.progress_reports(task.value.id()).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].documents[0].number, "12/BC-SXD");

    let calendar = WorkingCalendar::default();
    let policy = EscalationPolicy::default();
    let mut sent = Vec::new();
    let mut day = date!(2026 - 12 - 04);
    while day <= date!(2027 - 08 - 31) {
        let now = day.with_hms(2, 0, 0).unwrap().assume_utc();
        for action in due_actions(&task.value, day, &calendar, &policy) {
            let first = store
                .record_action(task.value.id(), &action, &ctx(now))
                .await
                .unwrap();
            if first {
                assert_eq!(action.on, day, "{} fired on {day}", action.key);
                if action.kind == ActionKind::MarkOverdue {
                    let t = task.value.mark_overdue(now).unwrap();
                    task.version = store
                        .save_task(&task.value, task.version, &t, &ctx(now))
                        .await
                        .unwrap();
                }
                sent.push(action.key);
            }
        }
        day += Duration::days(1);
    }
    assert_eq!(
        store.sent_actions(task.value.id()).await.unwrap().len(),
        sent.len()
    );
    assert_eq!(
        sent.len(),
        3 + 1 + 7,
        "three reminders, the overdue mark, seven steps"
    );
    assert_eq!(
        store.task(task.value.id()).await.unwrap().value.status(),
        TaskStatus::Overdue
    );

    // The file cannot close while a task is open, even if the caller
    // passes no tasks to the domain check.
    let mut d = store.delegation(d.value.id()).await.unwrap();
    let t = d.value.close(&[], T0).unwrap();
    let message = conflict(
        store
            .save_delegation(&d.value, d.version, Some(&t), &ctx(T0))
            .await,
    );
    assert_eq!(
        message,
        "Chưa thể đóng hồ sơ giám sát: còn 1 nhiệm vụ chưa hoàn thành."
    );
    let mut task = store.task(task.value.id()).await.unwrap();
    let t = task
        .value
        .submit_result("Đã chi trả đủ", vec![doc("30/BC-SXD")], T0)
        .unwrap();
    task.version = store
        .save_task(&task.value, task.version, &t, &ctx(T0))
        .await
        .unwrap();
    let t = task.value.accept("", T0).unwrap();
    store
        .save_task(&task.value, task.version, &t, &ctx(T0))
        .await
        .unwrap();
    let t = d.value.close(&[], T0);
    assert!(t.is_err(), "the domain value already moved to closed");
    let d = store.delegation(d.value.id()).await.unwrap();
    let mut closing = d.value.clone();
    let t = closing.close(&[], T0).unwrap();
    store
        .save_delegation(&closing, d.version, Some(&t), &ctx(T0))
        .await
        .unwrap();
    assert_eq!(
        store.delegation(d.value.id()).await.unwrap().value.status(),
        DelegationStatus::Closed
    );

    // The audit chain holds every change.
    let report = verify_audit_chain(store, None).await.unwrap().unwrap();
    assert!(report.verified > 20, "{report:?}");
}

/// Notifications, their e-mails and the files of task reports, on a store
/// the supervision story has filled.
async fn notifications_story(store: &SqlStore) {
    use nghitruong_domain::access::Role;
    use nghitruong_domain::document::FileFormat;
    let province = store.council_by_unit("40").await.unwrap().unwrap().id;
    let sxd = store
        .bodies(province)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.abbreviation == "SXD")
        .unwrap()
        .id;
    let new_user = |name: &str, agency: Option<i64>| NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: "x".into(),
        person_id: None,
        agency_body_id: agency,
    };
    let officer = store
        .create_user(&new_user("coquan.tb", Some(sxd)), &ctx(T0))
        .await
        .unwrap();
    let office = store
        .create_user(&new_user("vanphong.tb", None), &ctx(T0))
        .await
        .unwrap();
    store
        .grant_role(office, Some(province), Role::OfficeStaff, &ctx(T0))
        .await
        .unwrap();
    store
        .grant_role(officer, Some(province), Role::AgencyOfficer, &ctx(T0))
        .await
        .unwrap();
    assert_eq!(store.agency_users(&[sxd]).await.unwrap(), vec![officer]);
    assert_eq!(
        store
            .council_users(province, &[Role::OfficeStaff, Role::Chair])
            .await
            .unwrap(),
        vec![office]
    );
    assert!(store.agency_users(&[]).await.unwrap().is_empty());
    // A deputy's own account, found from the person (reminders to deputies).
    let seated = store.seated_deputies(province, T0.date()).await.unwrap();
    let person = seated[0].person.id;
    let deputy = store
        .create_user(
            &NewUser {
                person_id: Some(person),
                ..new_user("daibieu.tb", None)
            },
            &ctx(T0),
        )
        .await
        .unwrap();
    assert_eq!(
        store.person_users(&[person, i64::MAX]).await.unwrap(),
        vec![deputy]
    );
    assert!(store.person_users(&[]).await.unwrap().is_empty());

    // Only those with an address get an e-mail.
    store
        .set_user_email(officer, Some("coquan@sxd.example"), &ctx(T0))
        .await
        .unwrap();
    assert_eq!(
        store.user_email(officer).await.unwrap().as_deref(),
        Some("coquan@sxd.example")
    );
    let new = NewNotification {
        recipients: vec![officer, office, officer],
        dedupe_key: Some("task-1/due-2027-01-20/remind-15".into()),
        subject: "Nhắc hạn".into(),
        body: "Còn 15 ngày".into(),
        link: Some("/giam-sat/nhiem-vu/1".into()),
        email: true,
    };
    assert_eq!(store.add_notifications(&new, T0).await.unwrap(), 2);
    // The same key again notifies nobody twice.
    assert_eq!(store.add_notifications(&new, T0).await.unwrap(), 0);
    let plain = NewNotification {
        dedupe_key: None,
        recipients: vec![office],
        ..new.clone()
    };
    assert_eq!(store.add_notifications(&plain, T0).await.unwrap(), 1);
    assert_eq!(store.add_notifications(&plain, T0).await.unwrap(), 1);
    assert_eq!(store.unread_notifications(office).await.unwrap(), 3);
    let listed = store.notifications(officer, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].link.as_deref(), Some("/giam-sat/nhiem-vu/1"));
    assert_eq!(
        store
            .mark_notifications_read(office, Some(listed[0].id), T0)
            .await
            .unwrap(),
        0,
        "someone else's notification is not touched"
    );
    assert_eq!(
        store
            .mark_notifications_read(officer, Some(listed[0].id), T0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .mark_notifications_read(office, None, T0)
            .await
            .unwrap(),
        3
    );
    assert_eq!(store.unread_notifications(office).await.unwrap(), 0);

    // One e-mail queued, for the officer; a failure waits for its retry.
    let due = store.due_emails(T0, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].recipient, "coquan@sxd.example");
    store
        .email_failed(due[0].id, "421 busy", Some(T0 + Duration::minutes(2)))
        .await
        .unwrap();
    assert!(store.due_emails(T0, 10).await.unwrap().is_empty());
    let again = store
        .due_emails(T0 + Duration::minutes(2), 10)
        .await
        .unwrap();
    assert_eq!(again[0].attempts, 1);
    store.email_sent(again[0].id, T0).await.unwrap();
    assert!(
        store
            .due_emails(T0 + Duration::days(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    store.set_user_email(officer, None, &ctx(T0)).await.unwrap();
    assert_eq!(store.user_email(officer).await.unwrap(), None);

    // Files sent with a task's reports.
    let task = store
        .create_task(province, &questioning_new(sxd), &ctx(T0))
        .await
        .unwrap();
    assert!(
        store
            .councils_with_open_tasks()
            .await
            .unwrap()
            .contains(&province)
    );
    let file = TaskFile {
        id: 0,
        task_id: task.value.id(),
        document: doc("201/BC-SXD"),
        file_name: "bao-cao.pdf".into(),
        sha256: "ab".repeat(32),
        size: 1234,
        format: FileFormat::Pdf,
        uploaded_by: Some(officer),
    };
    let id = store.add_task_file(&file, &ctx(T0)).await.unwrap();
    let files = store.task_files(task.value.id()).await.unwrap();
    assert_eq!(files, vec![TaskFile { id, ..file }]);
}

fn questioning_new(lead: i64) -> NewTask {
    NewTask {
        id: 0,
        source: TaskSource::Questioning,
        source_doc: None,
        delegation_id: None,
        recommendation_id: None,
        content: "Nội dung".into(),
        lead_body_id: lead,
        co_body_ids: vec![],
        responsible: None,
        expected_evidence: "Báo cáo".into(),
        due: date!(2027 - 06 - 30),
        complex: false,
    }
}

#[tokio::test]
async fn sqlite_store_passes_the_supervision_story() {
    let dir = temp_dir();
    let url = nghitruong_store::sqlite_url(&dir.path().join("nt.db"));
    let store = SqlStore::open(&StoreOptions {
        url,
        schema: None,
        max_connections: 4,
        read_only: false,
    })
    .await
    .unwrap();
    story(&store).await;
    notifications_story(&store).await;
}

#[tokio::test]
async fn postgres_store_passes_the_supervision_story() {
    let Some(url) = postgres_url() else {
        eprintln!("SKIPPED: set NGHITRUONG_TEST_DATABASE_URL to run the PostgreSQL story");
        return;
    };
    let schema = unique_name("nt_superv");
    let store = SqlStore::open(&StoreOptions {
        url,
        schema: Some(schema.clone()),
        max_connections: 4,
        read_only: false,
    })
    .await
    .unwrap();
    story(&store).await;
    notifications_story(&store).await;
    store.drop_schema(&schema).await.unwrap();
    store.close().await;
}
