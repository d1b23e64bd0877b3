//! The meetings part of the conformance story (issue #8): scheduling with
//! a linked session, the life cycle, invitations of halls and people, and
//! the join/leave record for the minutes. It seeds a province of its own.

use nghitruong_domain::access::Role;
use nghitruong_domain::meeting::{self, InviteRole, MeetingEvent, MeetingKind, MeetingStatus};
use nghitruong_domain::org::{
    AdminUnit, BodyKind, CouncilLevel, PersonStatus, PositionRole, Term, UnitKind,
};
use nghitruong_domain::rules::CouncilRules;
use nghitruong_domain::session::SessionKind;
use nghitruong_store::*;
use nghitruong_testkit::T0;
use time::Duration;
use time::macros::date;

fn ctx(minutes: i64) -> AuditContext {
    AuditContext {
        actor_id: None,
        actor_name: "Người kiểm thử".into(),
        request_id: None,
        at: T0 + Duration::minutes(minutes),
    }
}

fn province(code: &str, name: &str, person: &str) -> CouncilSeed {
    CouncilSeed {
        unit_code: code.into(),
        level: CouncilLevel::Province,
        name: format!("HĐND tỉnh {name}"),
        term: Term {
            number: 19,
            starts_on: date!(2026 - 03 - 22),
            ends_on: date!(2031 - 03 - 21),
        },
        seats_statutory: 50,
        rules: CouncilRules::default(),
        bodies: vec![BodySeed {
            key: format!("{code}:hdnd"),
            kind: BodyKind::Council,
            committee: None,
            name: "HĐND tỉnh".into(),
            abbreviation: "HĐND".into(),
            organ_code: None,
        }],
        people: vec![PersonSeed {
            key: Some(person.into()),
            full_name: format!("Đại biểu {name}"),
            status: PersonStatus::Active,
            positions: vec![PositionSeed {
                body_key: format!("{code}:hdnd"),
                role: PositionRole::Deputy,
                full_time: false,
                starts_on: date!(2026 - 03 - 22),
                ends_on: None,
            }],
        }],
    }
}

fn seed() -> OrgSeed {
    let unit = |code: &str, name: &str| AdminUnit {
        code: code.into(),
        name: name.into(),
        kind: UnitKind::Province,
        parent_code: None,
    };
    OrgSeed {
        units: vec![unit("96", "Tỉnh Họp Mạng"), unit("95", "Tỉnh Bên Cạnh")],
        councils: vec![
            province("96", "Họp Mạng", "hop.an"),
            province("95", "Bên Cạnh", "ben.binh"),
        ],
        central_bodies: vec![],
        users: vec![UserSeed {
            username: "hop.daibieu".into(),
            display_name: "Đại biểu An".into(),
            password_hash: "$argon2id$fake".into(),
            person_key: Some("hop.an".into()),
            agency_key: None,
            roles: vec![(Some("96".into()), Role::Deputy)],
        }],
    }
}

pub(crate) async fn story(store: &SqlStore) {
    store.seed_organisation(&seed(), &ctx(0)).await.unwrap();
    let council = store.council_by_unit("96").await.unwrap().unwrap();
    let other = store.council_by_unit("95").await.unwrap().unwrap();
    let user = store
        .user_credentials("hop.daibieu")
        .await
        .unwrap()
        .unwrap()
        .user;
    let person = user.person_id.unwrap();
    let session = |council_id| NewCouncilSession {
        council_id,
        term_number: 19,
        kind: SessionKind::Regular,
        is_public: true,
        starts_on: date!(2026 - 12 - 08),
        ends_on: date!(2026 - 12 - 09),
        place: "Hội trường".into(),
    };
    let ours = store
        .create_council_session(&session(council.id), &ctx(0))
        .await
        .unwrap();
    let theirs = store
        .create_council_session(&session(other.id), &ctx(0))
        .await
        .unwrap();

    // A session of another council cannot be linked.
    let new = |session_id, starts: i64| NewMeeting {
        council_id: council.id,
        title: "Kỳ họp thứ nhất — điểm cầu các xã".into(),
        kind: MeetingKind::SessionRemote,
        session_id,
        starts_at: T0 + Duration::hours(starts),
    };
    let refused = store
        .create_meeting(&new(Some(theirs.id), 1), &ctx(1))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::Conflict(ref r) if r.contains("không thuộc")),
        "{refused:?}"
    );
    let m = store
        .create_meeting(&new(Some(ours.id), 2), &ctx(1))
        .await
        .unwrap();
    assert_eq!(m.status, MeetingStatus::Scheduled);
    assert_eq!(m.session_id, Some(ours.id));
    assert_eq!(store.meeting(m.id).await.unwrap(), m);
    let standing = store
        .create_meeting(
            &NewMeeting {
                kind: MeetingKind::StandingCommittee,
                title: "Họp Thường trực tháng 12".into(),
                ..new(None, 5)
            },
            &ctx(1),
        )
        .await
        .unwrap();
    let listed: Vec<i64> = store
        .meetings(council.id)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(listed, vec![standing.id, m.id], "latest start first");
    assert!(store.meetings(other.id).await.unwrap().is_empty());
    assert!(matches!(
        store.meeting(999_999).await,
        Err(StoreError::NotFound)
    ));

    // Invitations: halls and people, no duplicates, people of this council only.
    let hall = store
        .invite(
            m.id,
            &Invitee::Hall("Hội trường UBND xã Tân Hòa".into()),
            InviteRole::Participant,
            &ctx(2),
        )
        .await
        .unwrap();
    store
        .invite(
            m.id,
            &Invitee::Person(person),
            InviteRole::Participant,
            &ctx(2),
        )
        .await
        .unwrap();
    let again = store
        .invite(m.id, &Invitee::Person(person), InviteRole::Viewer, &ctx(2))
        .await
        .unwrap_err();
    assert!(
        matches!(again, StoreError::Conflict(ref r) if r.contains("Đã mời")),
        "{again:?}"
    );
    let stranger = store
        .members(
            store.bodies(other.id).await.unwrap()[0].id,
            date!(2026 - 12 - 08),
        )
        .await
        .unwrap()[0]
        .person
        .id;
    assert!(matches!(
        store
            .invite(
                m.id,
                &Invitee::Person(stranger),
                InviteRole::Viewer,
                &ctx(2)
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    let invitations = store.invitations(m.id).await.unwrap();
    assert_eq!(invitations.len(), 2);
    assert_eq!(
        invitations[0].invitee,
        Invitee::Hall("Hội trường UBND xã Tân Hòa".into())
    );
    assert_eq!(invitations[0].name, "Hội trường UBND xã Tân Hòa");
    assert_eq!(invitations[1].invitee, Invitee::Person(person));
    assert_eq!(invitations[1].name, "Đại biểu Họp Mạng");
    assert_eq!(invitations[1].role, InviteRole::Participant);
    assert!(matches!(
        store.uninvite(standing.id, hall, &ctx(3)).await,
        Err(StoreError::NotFound)
    ));
    store.uninvite(m.id, hall, &ctx(3)).await.unwrap();
    assert_eq!(store.invitations(m.id).await.unwrap().len(), 1);

    // Life cycle: open, join and leave, end closes open stays.
    let live = store
        .meeting_event(m.id, MeetingEvent::Open, &ctx(10))
        .await
        .unwrap();
    assert_eq!(live.status, MeetingStatus::Live);
    let refused = store
        .meeting_event(m.id, MeetingEvent::Cancel, &ctx(10))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::Conflict(ref r) if r.contains("Đang họp")),
        "{refused:?}"
    );
    let first = store
        .record_join(m.id, user.id, "Đại biểu An", &ctx(10))
        .await
        .unwrap();
    store.record_leave(first, &ctx(20)).await.unwrap();
    // A second leave keeps the first time.
    store.record_leave(first, &ctx(25)).await.unwrap();
    store
        .record_join(m.id, user.id, "Đại biểu An", &ctx(30))
        .await
        .unwrap();
    let ended = store
        .meeting_event(m.id, MeetingEvent::End, &ctx(70))
        .await
        .unwrap();
    assert_eq!(ended.status, MeetingStatus::Ended);
    assert_eq!(ended.ended_at, Some(T0 + Duration::minutes(70)));
    assert_eq!(store.meeting(m.id).await.unwrap(), ended);
    let record = store.presences(m.id).await.unwrap();
    assert_eq!(record.len(), 2);
    assert_eq!(record[0].left_at, Some(T0 + Duration::minutes(20)));
    assert_eq!(
        record[1].left_at,
        Some(T0 + Duration::minutes(70)),
        "closed by the end"
    );
    let lines = meeting::minutes(&record, T0 + Duration::minutes(70));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].present, Duration::minutes(50));

    // A scheduled meeting can be cancelled, not ended.
    assert!(matches!(
        store
            .meeting_event(standing.id, MeetingEvent::End, &ctx(80))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let cancelled = store
        .meeting_event(standing.id, MeetingEvent::Cancel, &ctx(80))
        .await
        .unwrap();
    assert_eq!(cancelled.status, MeetingStatus::Cancelled);
    assert_eq!(cancelled.ended_at, None);
}
