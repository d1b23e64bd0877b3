//! The petitions part of the conformance story.

use nghitruong_domain::document::FileFormat;
use nghitruong_domain::org::{BodyKind, CommitteeKind};
use nghitruong_domain::petition::{
    AssemblySession, Classification, Competence, DocumentRef, MeetingKind, PetitionStatus,
    ResultClass, Track,
};
use nghitruong_store::*;
use time::macros::date;

use super::ctx;

fn opinion(text: &str, voters: u32, place: &str) -> NewOpinion {
    NewOpinion {
        text: text.into(),
        voter_count: voters,
        place_code: Some(place.into()),
        voter_name: None,
        voter_address: None,
    }
}

pub(crate) async fn petition_story(store: &SqlStore) {
    let all = CouncilFilter {
        limit: 50,
        today: Some(date!(2026 - 12 - 04)),
        ..Default::default()
    };
    let province = store.councils(&all).await.unwrap().0[0].council.clone();
    let agency = store
        .bodies(province.id)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.kind == BodyKind::Department)
        .unwrap();

    let round = store
        .create_petition_round(
            &NewPetitionRound {
                council_id: province.id,
                name: "Tiếp xúc cử tri trước Kỳ họp thứ 2".into(),
                track: Track::Council,
                session_id: None,
                opened_on: date!(2026 - 11 - 02),
                assembly: None,
            },
            &ctx(None),
        )
        .await
        .unwrap();
    assert_eq!(
        store.petition_rounds(province.id).await.unwrap(),
        vec![round.clone()]
    );
    let meeting = store
        .create_voter_meeting(
            &NewVoterMeeting {
                round_id: round.id,
                kind: MeetingKind::BeforeSession,
                held_on: date!(2026 - 11 - 05),
                place_code: Some("16681".into()),
                place: "Hội trường UBND xã Anh Sơn".into(),
                deputies: "Nguyễn Văn An".into(),
                voter_count: 120,
                minutes: String::new(),
            },
            &ctx(None),
        )
        .await
        .unwrap();
    assert_eq!(
        store.voter_meetings(round.id).await.unwrap(),
        vec![meeting.clone()]
    );
    assert_eq!(store.voter_meeting(meeting.id).await.unwrap(), meeting);

    // A batch with one bad opinion stores nothing.
    let bad = [
        opinion(
            "Đề nghị nâng cấp Quốc lộ 7 đoạn qua xã Anh Sơn.",
            3,
            "16681",
        ),
        opinion("   ", 1, "16681"),
    ];
    let refused = store
        .capture_opinions(round.id, Some(meeting.id), &bad, &ctx(None))
        .await;
    assert!(matches!(refused, Err(StoreError::Conflict(m)) if m.contains("ý kiến thứ 2")));
    let by_round = PetitionFilter {
        round_id: Some(round.id),
        ..Default::default()
    };
    assert!(store.petitions(&by_round).await.unwrap().is_empty());

    let mut with_name = opinion(
        "Đề nghị sửa chữa Quốc lộ 7, đoạn qua xã Anh Sơn bị sạt lở.",
        2,
        "16681",
    );
    with_name.voter_name = Some("Hồ Thị Lan".into());
    with_name.voter_address = Some("xóm 3".into());
    let ids = store
        .capture_opinions(
            round.id,
            Some(meeting.id),
            &[
                opinion(
                    "Đề nghị nâng cấp Quốc lộ 7 đoạn qua xã Anh Sơn.",
                    3,
                    "16681",
                ),
                with_name,
                opinion(
                    "Đề nghị cấp thẻ BHYT cho người cao tuổi kịp thời.",
                    1,
                    "16000",
                ),
            ],
            &ctx(None),
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    let listed = store.petitions(&by_round).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .all(|p| p.petition.status() == PetitionStatus::Captured)
    );
    let road = store.petition(ids[0]).await.unwrap();
    assert_eq!(road.place_name.as_deref(), Some("Xã Anh Sơn"));
    assert_eq!(road.meeting_id, Some(meeting.id));

    // Matching ignores diacritics and case; LIKE wildcards are literal.
    let typed = |t: &str| PetitionFilter {
        round_id: Some(round.id),
        text: Some(t.into()),
        ..Default::default()
    };
    assert_eq!(store.petitions(&typed("quoc lo 7")).await.unwrap().len(), 2);
    assert_eq!(store.petitions(&typed("BHYT")).await.unwrap().len(), 1);
    assert!(store.petitions(&typed("%")).await.unwrap().is_empty());

    // Merge: the target keeps the voters of both; the source is hidden.
    let agg = store
        .change_petition(ids[0], road.version, &PetitionChange::Aggregate, &ctx(None))
        .await
        .unwrap();
    assert_eq!(agg.petition.status(), PetitionStatus::Aggregated);
    let stale = store
        .change_petition(ids[0], road.version, &PetitionChange::Aggregate, &ctx(None))
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict(_))),
        "stale version refused"
    );
    store
        .merge_petitions(ids[0], &[ids[1]], &ctx(None))
        .await
        .unwrap();
    let merged = store.petition(ids[0]).await.unwrap();
    assert_eq!(merged.petition.voter_count(), 5);
    assert!(merged.petition.sources().contains(&ids[1]));
    assert_eq!(store.petitions(&by_round).await.unwrap().len(), 2);
    assert_eq!(
        store.petition(ids[1]).await.unwrap().petition.merged_into(),
        Some(ids[0])
    );

    // Classify, forward with a letter, answer, grade.
    let classified = store
        .change_petition(
            ids[0],
            merged.version,
            &PetitionChange::Classify(Classification {
                field: CommitteeKind::EconomyBudget,
                topic: "giao_thong".into(),
                competence: Competence::Province,
                agency_id: Some(agency.id),
            }),
            &ctx(None),
        )
        .await
        .unwrap();
    let request = ForwardRequest {
        council_id: province.id,
        round_id: round.id,
        agency_id: agency.id,
        number: "125/HĐND-VP".into(),
        issued_on: date!(2026 - 12 - 04),
        due_on: date!(2027 - 01 - 15),
        petition_ids: vec![ids[0], ids[2]],
    };
    // ids[2] is still captured: the whole letter is refused, nothing changes.
    let refused = store.forward_petitions(&request, &ctx(None)).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))));
    assert!(store.petition_letters(round.id).await.unwrap().is_empty());
    assert_eq!(
        store.petition(ids[0]).await.unwrap().version,
        classified.version
    );
    let letter = store
        .forward_petitions(
            &ForwardRequest {
                petition_ids: vec![ids[0]],
                ..request.clone()
            },
            &ctx(None),
        )
        .await
        .unwrap();
    assert_eq!(
        store.petition_letters(round.id).await.unwrap(),
        vec![letter]
    );
    let again = store.forward_petitions(&request, &ctx(None)).await;
    assert!(matches!(again, Err(StoreError::Conflict(m)) if m.contains("125/HĐND-VP")));
    let assigned = store
        .petitions(&PetitionFilter {
            agency_id: Some(agency.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(assigned.len(), 1);
    assert_eq!(
        assigned[0].agency_name.as_deref(),
        Some(agency.name.as_str())
    );
    assert_eq!(
        assigned[0].petition.assignment().unwrap().due,
        date!(2027 - 01 - 15)
    );

    let answer_file = AnswerFile {
        file_name: "88-SXD-KH tra loi.pdf".into(),
        sha256: "ab".repeat(32),
        size: 48_213,
        format: FileFormat::Pdf,
        pages: 2,
        text: "Sở Xây dựng trả lời kiến nghị của cử tri".into(),
    };
    let answered = store
        .change_petition(
            ids[0],
            assigned[0].version,
            &PetitionChange::RecordAnswer {
                document: DocumentRef {
                    number: "88/SXD-KH".into(),
                    date: date!(2026 - 01 - 01),
                },
                summary: "Đã bố trí vốn sửa chữa trong năm 2026.".into(),
                file: Some(answer_file.clone()),
            },
            &ctx(None),
        )
        .await
        .unwrap();
    let files = store.answer_files(ids[0]).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file, answer_file);
    assert_eq!(files[0].petition_id, ids[0]);
    // A second answer is refused by the life cycle and keeps no file.
    let again = store
        .change_petition(
            ids[0],
            answered.version,
            &PetitionChange::RecordAnswer {
                document: DocumentRef {
                    number: "89/SXD-KH".into(),
                    date: date!(2026 - 01 - 02),
                },
                summary: "Trả lời lần hai.".into(),
                file: Some(answer_file.clone()),
            },
            &ctx(None),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.answer_files(ids[0]).await.unwrap().len(), 1);
    assert!(store.answer_files(ids[1]).await.unwrap().is_empty());
    let no_note = store
        .change_petition(
            ids[0],
            answered.version,
            &PetitionChange::Evaluate {
                result: ResultClass::NotResolved,
                note: " ".into(),
            },
            &ctx(None),
        )
        .await;
    assert!(matches!(no_note, Err(StoreError::Conflict(_))));
    let graded = store
        .change_petition(
            ids[0],
            answered.version,
            &PetitionChange::Evaluate {
                result: ResultClass::NotResolved,
                note: "Chưa bố trí được vốn.".into(),
            },
            &ctx(None),
        )
        .await
        .unwrap();
    assert_eq!(graded.petition.status(), PetitionStatus::Evaluated);

    // An answer arriving through the axis for letter 125: the petition
    // graded already keeps its answer, and the document is linked once.
    let incoming = store
        .register_incoming(
            &exchange::NewIncoming {
                fingerprint: "tra-loi-125".into(),
                axis_doc_id: "axis-125".into(),
                from_organ_id: "000.00.12.H41".into(),
                from_name: agency.name.clone(),
                document_id: "000.00.12.H41,2026/12/20,412/SXD-HTKT".into(),
                code: "412/SXD-HTKT".into(),
                type_name: "Công văn".into(),
                subject: "V/v trả lời kiến nghị cử tri".into(),
                issued_on: Some(date!(2026 - 12 - 20)),
                business: 0,
                original_document_id: None,
                reason: None,
                // A year of its own: the exchange story counts 2026 and 2027.
                registered_on: date!(2025 - 12 - 21),
                files: Vec::new(),
                package: b"<edXML/>".to_vec(),
            },
            &ctx(None),
        )
        .await
        .unwrap();
    let answer = IncomingAnswer {
        incoming_id: incoming.id,
        code: "412/SXD-HTKT".into(),
        issued_on: date!(2026 - 12 - 20),
        summary: "V/v trả lời kiến nghị cử tri".into(),
        from_name: agency.name.clone(),
    };
    for _ in 0..2 {
        let took = store
            .answer_by_letter(" 125/HĐND-VP ", &answer, &ctx(None))
            .await
            .unwrap();
        assert!(took.is_empty(), "an evaluated petition keeps its answer");
        assert_eq!(
            store.answer_documents(ids[0]).await.unwrap(),
            vec![incoming.id]
        );
    }
    let kept = store.petition(ids[0]).await.unwrap();
    assert_eq!(kept.version, graded.version);
    assert_eq!(kept.petition.answer().unwrap().document.number, "88/SXD-KH");
    assert!(
        store
            .answer_by_letter("999/HĐND-VP", &answer, &ctx(None))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.answer_documents(ids[2]).await.unwrap().is_empty());

    // Published: only what the council has taken up, never merged sources.
    let published = store
        .petitions(&PetitionFilter {
            council_id: Some(province.id),
            published_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        published.iter().map(PetitionRecord::id).collect::<Vec<_>>(),
        vec![ids[0]]
    );

    // Carry-over to the next round.
    let next = store
        .create_petition_round(
            &NewPetitionRound {
                name: "Tiếp xúc cử tri trước Kỳ họp thứ 3".into(),
                opened_on: date!(2027 - 05 - 02),
                ..NewPetitionRound {
                    council_id: province.id,
                    name: String::new(),
                    track: Track::Council,
                    session_id: None,
                    opened_on: date!(2027 - 05 - 02),
                    assembly: None,
                }
            },
            &ctx(None),
        )
        .await
        .unwrap();
    // The Delegation's track keeps the NA session's dates; the council's
    // own track may not have them.
    let na = AssemblySession::new(date!(2027 - 05 - 20), date!(2027 - 06 - 30)).unwrap();
    let delegation_round = NewPetitionRound {
        council_id: province.id,
        name: "Tiếp xúc cử tri sau Kỳ họp thứ nhất, Quốc hội khóa XVI".into(),
        track: Track::Delegation,
        session_id: None,
        opened_on: date!(2027 - 07 - 01),
        assembly: Some(na),
    };
    let made = store
        .create_petition_round(&delegation_round, &ctx(None))
        .await
        .unwrap();
    let read = store.petition_round(made.id).await.unwrap();
    assert_eq!(read.assembly, Some(na));
    assert_eq!(read.track, Track::Delegation);
    let wrong_track = store
        .create_petition_round(
            &NewPetitionRound {
                track: Track::Council,
                ..delegation_round.clone()
            },
            &ctx(None),
        )
        .await;
    assert!(matches!(wrong_track, Err(StoreError::Conflict(_))));

    let carried = store
        .carry_over_petition(ids[0], next.id, &ctx(None))
        .await
        .unwrap();
    let carried = store.petition(carried).await.unwrap();
    assert_eq!(carried.round_id, next.id);
    assert_eq!(carried.petition.carried_from(), Some(ids[0]));
    assert_eq!(carried.petition.status(), PetitionStatus::Classified);
    let twice = store.carry_over_petition(ids[0], next.id, &ctx(None)).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))));

    // A staged import lands once, whole.
    let staged = store
        .stage_import(
            round.id,
            "y-kien.xlsx",
            &[
                opinion("Đề nghị lắp đèn chiếu sáng đường liên xã.", 4, "16681"),
                opinion("Đề nghị nạo vét kênh tưới tiêu.", 2, "16681"),
            ],
            &ctx(None),
        )
        .await
        .unwrap();
    let loaded = store.staged_import(staged).await.unwrap();
    assert_eq!((loaded.rows.len(), loaded.committed), (2, false));
    assert_eq!(store.commit_import(staged, &ctx(None)).await.unwrap(), 2);
    assert!(store.staged_import(staged).await.unwrap().committed);
    assert!(matches!(
        store.commit_import(staged, &ctx(None)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.petitions(&by_round).await.unwrap().len(), 4);

    let by_status = store
        .petition_counts(province.id, PetitionCountBy::Status)
        .await
        .unwrap();
    let total: i64 = by_status.iter().map(|c| c.count).sum();
    assert_eq!(total, 5, "merged petitions are not counted");
    let by_place = store
        .petition_counts(province.id, PetitionCountBy::Place)
        .await
        .unwrap();
    assert!(
        by_place
            .iter()
            .any(|c| c.key == "Xã Anh Sơn" && c.count >= 2),
        "{by_place:?}"
    );

    // The voter's name is kept, but never in the audit log.
    let (log, _) = store
        .audit_page(&AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(log.iter().any(|r| r.action == "petition.transition"));
    assert!(
        log.iter()
            .all(|r| !r.after.as_deref().unwrap_or("").contains("Hồ Thị Lan")),
        "no personal data in the audit log"
    );
}
