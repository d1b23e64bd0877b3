//! What a session leaves on the record: adopted resolutions numbered in the
//! register, the minutes, QR check-in.

use nghitruong_domain::session::AgendaKind;
use nghitruong_store::{CouncilFilter, Store, SupervisionStore};

use crate::helpers::{Client, TestApp, spawn_app};

/// The demo session, opened by the chair, with its two vote items (the
/// budget, an individual resolution; the land prices, a normative one).
async fn opened_session(app: &TestApp) -> (i64, i64, i64, i64, Client) {
    let (found, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let council = found[0].council.id;
    let s = app.store.council_sessions(council).await.unwrap()[0].clone();
    let votes: Vec<i64> = app
        .store
        .agenda(s.id)
        .await
        .unwrap()
        .iter()
        .filter(|i| i.kind == AgendaKind::Vote)
        .map(|i| i.id)
        .collect();
    let mut chair = app.signed_in("chutich").await;
    let page = format!("/ky-hop/{}", s.id);
    chair.get(&page).await;
    let opened = chair
        .post(&format!("{page}/dieu-hanh"), &[("event", "khai_mac")])
        .await;
    assert_eq!(opened.status, 303);
    (council, s.id, votes[0], votes[1], chair)
}

async fn hand_count(c: &mut Client, session: i64, item: i64, approve: &str, purpose: &str) {
    let page = format!("/ky-hop/{session}");
    c.get(&page).await;
    let reply = c
        .post(
            &format!("{page}/chuong-trinh/{item}/ket-qua-thu-cong"),
            &[
                ("approve", approve),
                ("reject", "3"),
                ("abstain", "1"),
                ("present", "80"),
                ("purpose", purpose),
            ],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
}

#[tokio::test]
async fn an_adopted_draft_is_numbered_once_in_the_register_and_shown_everywhere() {
    let app = spawn_app().await;
    let (council, id, budget, land, mut chair) = opened_session(&app).await;
    let mut office = app.signed_in("vanphong").await;

    // Rejected, then a dismissal-type vote: neither adopts a resolution.
    hand_count(&mut office, id, budget, "20", "thong_thuong").await;
    assert!(app.store.adopted_resolutions(id).await.unwrap().is_empty());

    // The revote passes: the budget resolution takes 01/NQ-HĐND.
    hand_count(&mut office, id, budget, "70", "thong_thuong").await;
    let adopted = app.store.adopted_resolutions(id).await.unwrap();
    assert_eq!(adopted.len(), 1);
    assert_eq!(adopted[0].agenda_item_id, budget);
    let budget_number = adopted[0].resolution.number.to_string();
    assert_eq!(budget_number, "01/NQ-HĐND");
    assert_eq!(
        adopted[0].resolution.title,
        "Về dự toán ngân sách địa phương năm 2027"
    );

    // Another revote that passes again, and a replayed close, number nothing twice.
    hand_count(&mut office, id, budget, "75", "thong_thuong").await;
    let rounds = app.store.rounds(id).await.unwrap();
    assert_eq!(rounds.len(), 3);
    let last = rounds.last().unwrap().id;
    let replay = chair
        .post(&format!("/ky-hop/{id}/bieu-quyet/{last}/ket-thuc"), &[])
        .await;
    assert_eq!(replay.status, 400, "a closed round cannot close again");
    assert_eq!(app.store.adopted_resolutions(id).await.unwrap().len(), 1);

    // The land price table is normative: its own series, the year in the symbol.
    hand_count(&mut office, id, land, "60", "thong_thuong").await;
    let adopted = app.store.adopted_resolutions(id).await.unwrap();
    assert_eq!(adopted.len(), 2);
    assert_eq!(adopted[1].resolution.number.to_string(), "01/2026/NQ-HĐND");

    // In the register of the council, and on the session page and hall screen.
    let register = app.store.register(&[council]).await.unwrap();
    let numbers: Vec<String> = register
        .resolutions()
        .values()
        .map(|r| r.number.to_string())
        .collect();
    assert!(numbers.contains(&budget_number), "{numbers:?}");
    assert!(
        numbers.contains(&"01/2026/NQ-HĐND".to_owned()),
        "{numbers:?}"
    );
    let page = chair.get(&format!("/ky-hop/{id}")).await.body;
    assert!(
        page.contains("Đã thông qua: Nghị quyết số <strong>01/NQ-HĐND</strong>"),
        "{page}"
    );
    assert!(page.contains("01/2026/NQ-HĐND"));
    let hall = chair.get(&format!("/ky-hop/{id}/man-hinh")).await.body;
    assert!(hall.contains("Nghị quyết số 01/2026/NQ-HĐND"), "{hall}");
}

#[tokio::test]
async fn a_dismissal_vote_adopts_no_resolution() {
    let app = spawn_app().await;
    let (_, id, budget, _, _) = opened_session(&app).await;
    let mut office = app.signed_in("vanphong").await;
    hand_count(&mut office, id, budget, "70", "bai_nhiem").await;
    assert!(app.store.adopted_resolutions(id).await.unwrap().is_empty());
}

/// The text of `word/document.xml` in a DOCX.
fn document_xml(bytes: &[u8]) -> String {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[tokio::test]
async fn the_minutes_are_drafted_from_what_the_session_recorded() {
    let app = spawn_app().await;
    let (council, id, budget, _, mut chair) = opened_session(&app).await;
    let page = format!("/ky-hop/{id}");

    // Three deputies check in; the office excuses a fourth with a reason.
    for name in ["daibieu", "daibieu2", "chutich"] {
        let mut d = app.signed_in(name).await;
        d.get(&page).await;
        assert_eq!(d.post(&format!("{page}/diem-danh"), &[]).await.status, 303);
    }
    let attended: Vec<i64> = app
        .store
        .attendance(id)
        .await
        .unwrap()
        .iter()
        .map(|a| a.person_id)
        .collect();
    let seated = app
        .store
        .seated_deputies(council, time::macros::date!(2026 - 12 - 04))
        .await
        .unwrap();
    let away = seated
        .iter()
        .find(|m| !attended.contains(&m.person.id))
        .unwrap();
    let mut office = app.signed_in("vanphong").await;
    office.get(&page).await;
    let excused = office
        .post(
            &format!("{page}/diem-danh/{}", away.person.id),
            &[
                ("status", "vang_co_ly_do"),
                ("reason", "Đi công tác nước ngoài"),
            ],
        )
        .await;
    assert_eq!(excused.status, 303, "{}", excused.body);

    // A deputy speaks, another files a question that is answered.
    let mut deputy = app.signed_in("daibieu").await;
    deputy.get(&page).await;
    deputy
        .post(
            &format!("{page}/phat-bieu"),
            &[
                ("kind", "phat_bieu"),
                ("topic", "Chi thường xuyên cho y tế"),
            ],
        )
        .await;
    deputy
        .post(
            &format!("{page}/chat-van"),
            &[
                ("official", "Giám đốc Sở Tài chính"),
                ("topic", "Giải ngân vốn đầu tư công"),
                ("content", "Vì sao tỷ lệ giải ngân còn thấp?"),
            ],
        )
        .await;
    let request = app.store.speak_requests(id).await.unwrap()[0].id;
    chair.get(&page).await;
    for event in ["moi", "ket_thuc"] {
        let r = chair
            .post(
                &format!("{page}/phat-bieu/{request}/dieu-hanh"),
                &[("event", event)],
            )
            .await;
        assert_eq!(r.status, 303, "{event}: {}", r.body);
    }
    let question = app.store.questions(id).await.unwrap()[0].id;
    chair
        .post(
            &format!("{page}/chat-van/{question}/dieu-hanh"),
            &[("event", "moi")],
        )
        .await;
    office.get(&page).await;
    office
        .post(
            &format!("{page}/chat-van/{question}/tra-loi"),
            &[(
                "answer",
                "Sở cam kết giải ngân đạt 95% trước ngày 31/01/2027.",
            )],
        )
        .await;

    // The budget is adopted by a hand count.
    hand_count(&mut office, id, budget, "70", "thong_thuong").await;

    // Deputies cannot download the minutes; the office can, from the page.
    assert_eq!(deputy.get(&format!("{page}/bien-ban")).await.status, 403);
    assert!(
        office
            .get(&page)
            .await
            .body
            .contains(&format!("href=\"{page}/bien-ban\""))
    );
    let reply = office
        .http
        .get(format!("{}{page}/bien-ban", office.base))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    assert!(
        reply.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("wordprocessingml")
    );
    let xml = document_xml(&reply.bytes().await.unwrap());
    for fact in [
        "HỘI ĐỒNG NHÂN DÂN TỈNH NGHỆ AN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/BB-HĐND",
        "Nghệ An, ngày 04 tháng 12 năm 2026",
        "BIÊN BẢN",
        "Kỳ họp thứ 2, Hội đồng nhân dân tỉnh Nghệ An khóa XIX",
        "Times New Roman",
        // Attendance with counts and the excused absence.
        "Số đại biểu tham dự: 3 (có mặt tại hội trường: 3; tham dự trực tuyến: 0). Vắng có lý do: 1.",
        &away.person.full_name,
        "Đi công tác nước ngoài",
        // Agenda, speaker, question and answer.
        "Biểu quyết thông qua Nghị quyết về dự toán ngân sách địa phương năm 2027",
        "Chi thường xuyên cho y tế",
        "Giám đốc Sở Tài chính",
        "Giải ngân vốn đầu tư công: Vì sao tỷ lệ giải ngân còn thấp?",
        "Sở cam kết giải ngân đạt 95% trước ngày 31/01/2027.",
        // The vote with counts, rule and outcome, and the numbered resolution.
        "Tán thành: 70 đại biểu (83,33%)",
        "cần ít nhất 43 trên 84",
        "Kết quả: thông qua.",
        "01/NQ-HĐND",
        "Nghị quyết về dự toán ngân sách địa phương năm 2027",
    ] {
        assert!(xml.contains(fact), "minutes lack {fact:?}");
    }
    // A4 page.
    assert!(xml.contains("w:w=\"11906\""), "A4 width");
}

const KEY: &[u8] = b"a test key of thirty-two bytes!!";

async fn person_of(app: &TestApp, username: &str) -> i64 {
    app.store
        .user_credentials(username)
        .await
        .unwrap()
        .unwrap()
        .user
        .person_id
        .unwrap()
}

fn token(session_id: i64, person_id: i64, expires: i64) -> String {
    nghitruong_web::auth::check_in::sign(
        KEY,
        nghitruong_web::auth::check_in::CheckInClaim {
            session_id,
            person_id,
            expires,
        },
    )
}

#[tokio::test]
async fn a_seat_code_checks_in_its_own_deputy_only_and_only_once() {
    use nghitruong_domain::attendance::CheckInMethod;

    let app = crate::helpers::spawn_app_with_config(|c| {
        c.signing_key = std::sync::Arc::from(KEY);
    })
    .await;
    let me = person_of(&app, "daibieu").await;
    let (found, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let s = app
        .store
        .council_sessions(found[0].council.id)
        .await
        .unwrap()[0]
        .clone();
    let until = s
        .ends_on
        .next_day()
        .unwrap()
        .midnight()
        .assume_offset(time::macros::offset!(+7))
        .unix_timestamp()
        - 1;
    let mine = format!("/ky-hop/{}/qr/{}", s.id, token(s.id, me, until));
    let mut deputy = app.signed_in("daibieu").await;

    // Not before the session opens.
    let early = deputy.get(&mine).await;
    assert_eq!(early.status, 400);
    assert!(early.body.contains("khai mạc"), "{}", early.body);

    let (_, id, _, _, _) = opened_session(&app).await;
    assert_eq!(id, s.id);

    // The office prints one code per deputy in office; a deputy cannot.
    let mut office = app.signed_in("vanphong").await;
    let sheet = office.get(&format!("/ky-hop/{id}/ma-qr")).await;
    assert_eq!(sheet.status, 200);
    let in_office = app
        .store
        .seated_deputies(s.council_id, time::macros::date!(2026 - 12 - 04))
        .await
        .unwrap()
        .iter()
        .filter(|m| m.person.status.holds_office())
        .count();
    assert_eq!(
        sheet.body.matches("data-testid=\"qr-card\"").count(),
        in_office
    );
    assert!(sheet.body.contains("data:image/svg+xml"));
    assert_eq!(deputy.get(&format!("/ky-hop/{id}/ma-qr")).await.status, 403);

    // Someone else's code checks nobody in.
    let mut other = app.signed_in("daibieu2").await;
    let stolen = other.get(&mine).await;
    assert_eq!(stolen.status, 400);
    assert!(stolen.body.contains("đại biểu khác"), "{}", stolen.body);
    assert!(app.store.attendance(id).await.unwrap().is_empty());

    // Forged, altered, expired and other sessions' codes are refused.
    let forged_key = nghitruong_web::auth::check_in::sign(
        b"not the server's key at all.....",
        nghitruong_web::auth::check_in::CheckInClaim {
            session_id: id,
            person_id: me,
            expires: until,
        },
    );
    let other_person = token(id, person_of(&app, "daibieu2").await, until);
    let altered = other_person.replacen(
        &format!("{id}.{}.", person_of(&app, "daibieu2").await),
        &format!("{id}.{me}."),
        1,
    );
    for (bad, why) in [
        (forged_key, "không hợp lệ"),
        (altered, "không hợp lệ"),
        ("not-a-token".to_owned(), "không hợp lệ"),
        (token(id, me, 1_000), "hết hạn"),
        (token(id + 1000, me, until), "không dành cho kỳ họp này"),
    ] {
        let r = deputy.get(&format!("/ky-hop/{id}/qr/{bad}")).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.body.contains(why), "{bad}: {}", r.body);
    }
    assert!(app.store.attendance(id).await.unwrap().is_empty());

    // The deputy's own code checks them in, by QR.
    let done = deputy.get(&mine).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("đã điểm danh có mặt."), "{}", done.body);
    let records = app.store.attendance(id).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].person_id, me);
    assert_eq!(records[0].method, CheckInMethod::Qr);

    // Opened again (a replay), nothing changes and nothing is recorded.
    let audit_before = app.store.audit_after(0, 100_000).await.unwrap().len();
    app.clock.advance(time::Duration::minutes(5));
    let again = deputy.get(&mine).await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("từ trước"), "{}", again.body);
    assert_eq!(app.store.attendance(id).await.unwrap(), records);
    assert_eq!(
        app.store.audit_after(0, 100_000).await.unwrap().len(),
        audit_before
    );
}

#[tokio::test]
async fn deputies_answer_a_written_consultation_and_see_the_result_after_the_deadline() {
    let app = spawn_app().await;
    let mut office = app.signed_in("vanphong").await;
    office.get("/xin-y-kien").await;
    // The deadline is typed in Vietnam time: T0 is 08:30 on 04/12/2026 there.
    let form = |deadline: &'static str, documents: &'static str| {
        vec![
            ("title", "Xin ý kiến về chủ trương đầu tư đường ven biển"),
            (
                "question",
                "Đại biểu có đồng ý với chủ trương đầu tư dự án đường ven biển không?",
            ),
            ("deadline", deadline),
            ("documents", documents),
        ]
    };
    let past = office
        .post("/xin-y-kien", &form("2026-12-04T08:00", "")[..3])
        .await;
    assert_eq!(past.status, 400);
    assert!(
        past.body.contains("sau thời điểm hiện tại"),
        "{}",
        past.body
    );
    let foreign = office
        .post("/xin-y-kien", &form("2026-12-06T17:00", "999999"))
        .await;
    assert_eq!(foreign.status, 400);
    assert!(foreign.body.contains("không thuộc các kỳ họp"));
    let created = office
        .post("/xin-y-kien", &form("2026-12-06T17:00", "")[..3])
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let page = created.location.unwrap();

    // A draft is the office's alone.
    let mut deputy = app.signed_in("daibieu").await;
    assert_eq!(deputy.get(&page).await.status, 404);
    assert!(
        !deputy
            .get("/xin-y-kien")
            .await
            .body
            .contains("đường ven biển")
    );

    office.get(&page).await;
    let sent = office
        .post(&format!("{page}/dieu-hanh"), &[("event", "gui")])
        .await;
    assert_eq!(sent.status, 303);
    let shown = deputy.get(&page).await.body;
    assert!(shown.contains("Đang lấy ý kiến"), "{shown}");

    // Answers: one per deputy, changeable; "other" must say what.
    let answer = async |c: &mut Client, opinion: &str, text: &str| {
        c.get(&page).await;
        c.post(
            &format!("{page}/tra-loi"),
            &[("opinion", opinion), ("text", text)],
        )
        .await
    };
    assert_eq!(answer(&mut deputy, "khong_dong_y", "").await.status, 303);
    assert_eq!(answer(&mut deputy, "dong_y", "").await.status, 303);
    let mut second = app.signed_in("daibieu2").await;
    let missing = answer(&mut second, "y_kien_khac", " ").await;
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("ghi rõ ý kiến khác"));
    assert_eq!(
        answer(
            &mut second,
            "y_kien_khac",
            "Cần đánh giá tác động môi trường"
        )
        .await
        .status,
        303
    );
    assert!(
        deputy
            .get(&page)
            .await
            .body
            .contains("Ý kiến đã gửi: <strong>Đồng ý</strong>")
    );
    let progress = office.get(&page).await.body;
    assert!(progress.contains("Đã có 2/"), "{progress}");
    assert!(!progress.contains("consultation-result"));
    // The office cannot answer, nor close before the deadline.
    assert_eq!(answer(&mut office, "dong_y", "").await.status, 403);
    let early = office
        .post(&format!("{page}/dieu-hanh"), &[("event", "ket_thuc")])
        .await;
    assert_eq!(early.status, 400);
    assert!(early.body.contains("Chưa đến thời hạn"));

    // After the deadline: no more answers, the result by the rule.
    app.clock.advance(time::Duration::hours(57));
    let mut third = app.signed_in("daibieu3").await;
    let late = answer(&mut third, "dong_y", "").await;
    assert!(!third.get(&page).await.body.contains("Gửi ý kiến</button>"));
    assert_eq!(late.status, 400, "{}", late.body);
    assert!(late.body.contains("hết thời hạn"), "{}", late.body);
    // Sign-ins last 12 hours: everyone signs in again.
    let mut deputy = app.signed_in("daibieu").await;
    let mut office = app.signed_in("vanphong").await;
    let result = deputy.get(&page).await.body;
    assert!(result.contains("KHÔNG ĐƯỢC TÁN THÀNH"), "{result}");
    assert!(
        result.contains("cần ít nhất 43 trên 84 đại biểu hiện có"),
        "{result}"
    );
    assert!(result.contains("Không gửi ý kiến: 82"), "{result}");
    office.get(&page).await;
    assert_eq!(
        office
            .post(&format!("{page}/dieu-hanh"), &[("event", "ket_thuc")])
            .await
            .status,
        303
    );
    let closed = office.get(&page).await.body;
    assert!(
        closed.contains("Cần đánh giá tác động môi trường"),
        "{closed}"
    );
    assert!(closed.contains("Đã kết thúc"));
}

#[tokio::test]
async fn deputies_who_have_not_answered_are_reminded_and_the_office_gets_the_result_once() {
    use nghitruong_domain::clock::Clock as _;
    use nghitruong_domain::consultation::Opinion;
    use nghitruong_store::{AuditContext, ConsultationStore as _, NotificationStore as _};
    use std::collections::BTreeMap;

    let mut state = None;
    let app = crate::helpers::spawn_app_with(|s, _| state = Some(s.clone())).await;
    let state = state.unwrap();
    let mut office = app.signed_in("vanphong").await;
    office.get("/xin-y-kien").await;
    // T0 is 08:30 on 04/12/2026 in Vietnam; answers until 17:00 on the 9th.
    let title = "Xin ý kiến về quy hoạch khu công nghiệp ven sông";
    let created = office
        .post(
            "/xin-y-kien",
            &[
                ("title", title),
                (
                    "question",
                    "Đại biểu có đồng ý với phương án quy hoạch không?",
                ),
                ("deadline", "2026-12-09T17:00"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let page = created.location.unwrap();
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    office.get(&page).await;
    assert_eq!(
        office
            .post(&format!("{page}/dieu-hanh"), &[("event", "gui")])
            .await
            .status,
        303
    );
    let user = |name: &'static str| {
        let store = app.store.clone();
        async move { store.user_credentials(name).await.unwrap().unwrap().user }
    };
    let early = user("daibieu").await;
    let late = user("daibieu3").await;
    let silent = user("daibieu2").await;
    let staff = user("vanphong").await;
    // One deputy answers at once.
    app.store
        .answer_consultation(
            id,
            early.person_id.unwrap(),
            true,
            Opinion::Agree,
            "",
            &AuditContext::system(app.clock.now()),
        )
        .await
        .unwrap();
    let about = |user_id: i64| {
        let store = app.store.clone();
        async move {
            let mut n = store.notifications(user_id, 10_000).await.unwrap();
            n.reverse();
            n.into_iter()
                .filter(|n| n.subject.contains(title))
                .map(|n| n.subject)
                .collect::<Vec<_>>()
        }
    };
    // Walk the clock a day at a time, each day's tick run twice.
    let mut heard: BTreeMap<(&str, u8), Vec<String>> = BTreeMap::new();
    let people = [
        ("daibieu", early.id),
        ("daibieu2", silent.id),
        ("daibieu3", late.id),
        ("vanphong", staff.id),
    ];
    let mut before: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..10 {
        let day = nghitruong_domain::calendar::local_date(app.clock.now()).day();
        for _ in 0..2 {
            let outcomes = nghitruong_web::scheduler::tick(&state).await;
            assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
        }
        for (name, uid) in people {
            let all = about(uid).await;
            let seen = before.entry(name).or_default();
            if all.len() > *seen {
                heard.insert((name, day), all[*seen..].to_vec());
            }
            *seen = all.len();
        }
        // The third deputy answers after the first reminder.
        if day == 6 {
            app.store
                .answer_consultation(
                    id,
                    late.person_id.unwrap(),
                    true,
                    Opinion::Disagree,
                    "",
                    &AuditContext::system(app.clock.now()),
                )
                .await
                .unwrap();
        }
        app.clock.advance(time::Duration::days(1));
    }
    let reminder = |d: u32| vec![format!("Còn {d} ngày: nhắc trả lời xin ý kiến: {title}")];
    let expected: BTreeMap<(&str, u8), Vec<String>> = [
        (("daibieu2", 6), reminder(3)),
        (("daibieu3", 6), reminder(3)),
        (("daibieu2", 8), reminder(1)),
        (
            ("vanphong", 10),
            vec![format!("Kết quả xin ý kiến: {title}")],
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        heard, expected,
        "each notice on its day, once, to whom it is due"
    );
    // The office's notice carries the result by the council's rule.
    let result = app
        .store
        .notifications(staff.id, 10_000)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.subject.contains(title))
        .unwrap();
    assert!(
        result
            .body
            .contains("Đồng ý 1, không đồng ý 1, ý kiến khác 0, chưa trả lời 82 trên 84"),
        "{}",
        result.body
    );
    assert!(
        result.body.contains("không được tán thành"),
        "{}",
        result.body
    );
    assert_eq!(result.link.as_deref(), Some(page.as_str()));
}
