//! A council session from preparation to result, as the office, the chair,
//! deputies and the hall screen see it over HTTP.

use nghitruong_store::{CouncilFilter, Store};

use crate::helpers::{Client, TestApp, event_stream, spawn_app, stream_text};

async fn demo_session(app: &TestApp) -> (i64, i64) {
    let (found, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let sessions = app
        .store
        .council_sessions(found[0].council.id)
        .await
        .unwrap();
    let s = &sessions[0];
    let agenda = app.store.agenda(s.id).await.unwrap();
    let vote_item = agenda.iter().find(|i| i.kind.has_vote()).unwrap().id;
    (s.id, vote_item)
}

/// The demo session opened, its vote item started, `names` checked in and
/// a secret ballot open on the item: the session, the chair, the checked-in
/// deputies and the round.
async fn secret_vote_open(app: &TestApp, names: &[&str]) -> (i64, Client, Vec<Client>, i64) {
    let (id, vote_item) = demo_session(app).await;
    let page = format!("/ky-hop/{id}");
    let mut chair = app.signed_in("chutich").await;
    chair.get(&page).await;
    chair
        .post(&format!("{page}/dieu-hanh"), &[("event", "khai_mac")])
        .await;
    chair
        .post(&format!("{page}/chuong-trinh/{vote_item}/bat-dau"), &[])
        .await;
    let mut deputies = Vec::new();
    for name in names {
        let mut d = app.signed_in(name).await;
        d.get(&page).await;
        d.post(&format!("{page}/diem-danh"), &[]).await;
        deputies.push(d);
    }
    chair.get(&page).await;
    chair
        .post(
            &format!("{page}/chuong-trinh/{vote_item}/bieu-quyet"),
            &[
                ("mode", "bo_phieu_kin"),
                ("purpose", "thong_thuong"),
                ("seconds", ""),
            ],
        )
        .await;
    let round = app.store.rounds(id).await.unwrap()[0].id;
    (id, chair, deputies, round)
}

async fn vote(c: &mut Client, session: i64, round: i64, choice: &str) -> u16 {
    c.get(&format!("/ky-hop/{session}")).await;
    c.post(
        &format!("/ky-hop/{session}/bieu-quyet/{round}/phieu"),
        &[("choice", choice)],
    )
    .await
    .status
}

#[tokio::test]
async fn a_session_runs_from_agenda_to_result() {
    let app = spawn_app().await;
    let (id, vote_item) = demo_session(&app).await;
    let page = format!("/ky-hop/{id}");

    let mut chair = app.signed_in("chutich").await;
    let list = chair.get("/ky-hop").await;
    assert!(
        list.body
            .contains("Kỳ họp thứ 2, HĐND tỉnh Nghệ An khóa XIX"),
        "{}",
        list.body
    );
    assert!(chair.get(&page).await.body.contains("Đã triệu tập"));
    assert_eq!(
        chair
            .post(&format!("{page}/dieu-hanh"), &[("event", "khai_mac")])
            .await
            .status,
        303
    );

    // Three deputies check in on their tablets; one has not yet.
    let mut deputies = Vec::new();
    for name in ["daibieu", "daibieu2", "chutich"] {
        let mut d = app.signed_in(name).await;
        d.get(&page).await;
        assert_eq!(
            d.post(&format!("{page}/diem-danh"), &[]).await.status,
            303,
            "{name} checks in"
        );
        deputies.push(d);
    }
    let mut late = app.signed_in("daibieu3").await;

    chair.get(&page).await;
    let started = chair
        .post(&format!("{page}/chuong-trinh/{vote_item}/bat-dau"), &[])
        .await;
    assert_eq!(started.status, 303);
    let opened = chair
        .post(
            &format!("{page}/chuong-trinh/{vote_item}/bieu-quyet"),
            &[
                ("mode", "cong_khai"),
                ("purpose", "thong_thuong"),
                ("seconds", "120"),
            ],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let round = app.store.rounds(id).await.unwrap()[0].id;

    assert_eq!(vote(&mut deputies[0], id, round, "tan_thanh").await, 303);
    assert_eq!(
        vote(&mut deputies[1], id, round, "khong_tan_thanh").await,
        303
    );
    assert_eq!(
        vote(&mut deputies[0], id, round, "khong_tan_thanh").await,
        400,
        "one ballot each"
    );
    let refused = late
        .post(
            &format!("/ky-hop/{id}/bieu-quyet/{round}/phieu"),
            &[("choice", "tan_thanh")],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("điểm danh"), "{}", refused.body);
    let mine = deputies[0].get(&page).await;
    assert!(mine.body.contains("Phiếu của bạn đã được ghi nhận."));

    let hall = chair.get(&format!("{page}/man-hinh")).await;
    assert!(
        hall.body.contains(&format!(
            "Đã biểu quyết <span data-voted-round=\"{round}\">2</span>/3"
        )),
        "{}",
        hall.body
    );

    // The office cannot run the vote; the chair closes it.
    let mut office = app.signed_in("vanphong").await;
    office.get(&page).await;
    assert_eq!(
        office
            .post(&format!("{page}/bieu-quyet/{round}/ket-thuc"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        chair
            .post(&format!("{page}/bieu-quyet/{round}/ket-thuc"), &[])
            .await
            .status,
        303
    );
    let result = chair.get(&page).await;
    assert!(
        result.body.contains("Không thông qua"),
        "2 of 84 is not more than half"
    );
    assert!(
        result.body.contains("cần ít nhất 43 trên 84"),
        "{}",
        result.body
    );
    let hall = chair.get(&format!("{page}/man-hinh/truc-tiep")).await;
    assert!(hall.body.contains("KHÔNG THÔNG QUA"));
}

#[tokio::test]
async fn a_secret_ballot_leaves_no_link_between_a_deputy_and_a_choice_in_the_database() {
    let app = spawn_app().await;
    let (id, mut chair, mut deputies, round) =
        secret_vote_open(&app, &["daibieu", "daibieu2", "daibieu3"]).await;
    let page = format!("/ky-hop/{id}");
    for (d, choice) in deputies
        .iter_mut()
        .zip(["tan_thanh", "khong_tan_thanh", "khong_bieu_quyet"])
    {
        assert_eq!(vote(d, id, round, choice).await, 303);
    }
    chair
        .post(&format!("{page}/bieu-quyet/{round}/ket-thuc"), &[])
        .await;

    // Dump every table as text and look for a row that names a voter and
    // a choice together, or an order that pairs them.
    let mut conn = crate::helpers::database(&app).await;
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let voters = app.store.round_voters(round).await.unwrap();
    assert_eq!(voters.len(), 3);
    for (table,) in tables {
        let sql = format!("SELECT * FROM \"{table}\"");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for row in rows {
            use sqlx::Row as _;
            let cells: Vec<String> = (0..row.len())
                .map(|i| {
                    row.try_get::<String, _>(i)
                        .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                        .unwrap_or_default()
                })
                .collect();
            let line = cells.join("|");
            let names_choice = ["tan_thanh", "khong_tan_thanh", "khong_bieu_quyet"]
                .iter()
                .any(|c| line.contains(c));
            let names_voter = voters
                .iter()
                .any(|v| cells.iter().any(|c| c == &v.to_string()));
            let about_round = line.contains(&format!("\"entity_id\":\"{round}\""))
                || cells.first() == Some(&round.to_string());
            assert!(
                !(names_choice && names_voter && (about_round || table == "round_voters")),
                "{table} links a voter to a choice: {line}"
            );
        }
    }
    let closed = app.store.round(round).await.unwrap();
    assert_eq!(
        (
            closed.counts.approve,
            closed.counts.reject,
            closed.counts.abstain
        ),
        (1, 1, 1)
    );
    assert!(app.store.named_ballots(round).await.unwrap().is_empty());
}

#[tokio::test]
async fn deputies_queue_to_speak_and_the_chair_gives_the_floor() {
    let app = spawn_app().await;
    let (id, _) = demo_session(&app).await;
    let page = format!("/ky-hop/{id}");
    let mut chair = app.signed_in("chutich").await;
    chair.get(&page).await;
    chair
        .post(&format!("{page}/dieu-hanh"), &[("event", "khai_mac")])
        .await;

    let mut first = app.signed_in("daibieu").await;
    first.get(&page).await;
    let asked = first
        .post(
            &format!("{page}/phat-bieu"),
            &[("kind", "phat_bieu"), ("topic", "Dự toán chi cho giáo dục")],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let again = first
        .post(
            &format!("{page}/phat-bieu"),
            &[("kind", "tranh_luan"), ("topic", "Lần nữa")],
        )
        .await;
    assert_eq!(again.status, 400, "one open request at a time");
    let mut second = app.signed_in("daibieu2").await;
    second.get(&page).await;
    second
        .post(
            &format!("{page}/phat-bieu"),
            &[("kind", "tranh_luan"), ("topic", "Tranh luận về giáo dục")],
        )
        .await;

    let queue = app.store.speak_requests(id).await.unwrap();
    assert_eq!(queue.len(), 2);
    let taken = second
        .post(&format!("{page}/phat-bieu/{}/rut", queue[0].id), &[])
        .await;
    assert_eq!(
        taken.status, 403,
        "a deputy withdraws only their own request"
    );

    chair.get(&page).await;
    let call = |r: i64| format!("{page}/phat-bieu/{r}/dieu-hanh");
    assert_eq!(
        chair
            .post(&call(queue[0].id), &[("event", "moi")])
            .await
            .status,
        303
    );
    let hall = chair.get(&format!("{page}/man-hinh/truc-tiep")).await;
    assert!(hall.body.contains("Đang phát biểu"), "{}", hall.body);
    assert!(
        hall.body.contains("07:00"),
        "seven minutes by the council's rules"
    );
    assert_eq!(
        chair
            .post(&call(queue[1].id), &[("event", "moi")])
            .await
            .status,
        303
    );
    let now = app.store.speak_requests(id).await.unwrap();
    assert_eq!(now[0].status.as_str(), "da_phat_bieu");
    assert_eq!(now[1].status.as_str(), "dang_phat_bieu");
    assert_eq!(now[1].allotted_seconds, 210, "a debate gets half the time");
    let page_html = chair.get(&page).await.body;
    assert!(page_html.contains("Đã phát biểu (1)"));
}

#[tokio::test]
async fn questions_are_filed_called_and_answered_on_the_record() {
    let app = spawn_app().await;
    let (id, _) = demo_session(&app).await;
    let page = format!("/ky-hop/{id}");
    let mut deputy = app.signed_in("daibieu").await;
    deputy.get(&page).await;
    let filed = deputy
        .post(
            &format!("{page}/chat-van"),
            &[
                ("official", "Giám đốc Sở Nông nghiệp và Môi trường"),
                ("topic", "Giải phóng mặt bằng Quốc lộ 7"),
                ("content", "Vì sao việc bồi thường cho các hộ dân còn chậm?"),
            ],
        )
        .await;
    assert_eq!(
        filed.status, 303,
        "a question is filed before the session opens: {}",
        filed.body
    );
    let q = app.store.questions(id).await.unwrap()[0].id;

    let mut chair = app.signed_in("chutich").await;
    chair.get(&page).await;
    chair
        .post(&format!("{page}/dieu-hanh"), &[("event", "khai_mac")])
        .await;
    assert_eq!(
        chair
            .post(
                &format!("{page}/chat-van/{q}/dieu-hanh"),
                &[("event", "moi")]
            )
            .await
            .status,
        303
    );
    let answer = [("answer", "Sở sẽ chi trả xong trong quý I năm 2027.")];
    assert_eq!(
        chair
            .post(&format!("{page}/chat-van/{q}/tra-loi"), &answer)
            .await
            .status,
        403,
        "the secretary records"
    );
    let mut office = app.signed_in("vanphong").await;
    office.get(&page).await;
    assert_eq!(
        office
            .post(&format!("{page}/chat-van/{q}/tra-loi"), &answer)
            .await
            .status,
        303
    );
    let shown = deputy.get(&page).await.body;
    assert!(shown.contains("Sở sẽ chi trả xong trong quý I năm 2027."));
    assert!(shown.contains("Đã trả lời"));
}

#[tokio::test]
async fn a_result_counted_by_hand_is_recorded_by_the_same_rules() {
    let app = spawn_app().await;
    let (id, vote_item) = demo_session(&app).await;
    let page = format!("/ky-hop/{id}");
    let mut chair = app.signed_in("chutich").await;
    chair.get(&page).await;
    chair
        .post(&format!("{page}/dieu-hanh"), &[("event", "khai_mac")])
        .await;
    let mut office = app.signed_in("vanphong").await;
    office.get(&page).await;
    let path = format!("{page}/chuong-trinh/{vote_item}/ket-qua-thu-cong");
    let form = [
        ("approve", "70"),
        ("reject", "5"),
        ("abstain", "2"),
        ("present", "80"),
        ("purpose", "thong_thuong"),
    ];
    assert_eq!(office.post(&path, &form).await.status, 303);
    let shown = office.get(&page).await.body;
    assert!(shown.contains("Kiểm phiếu thủ công"));
    assert!(shown.contains("Thông qua"));
    let bad = [
        ("approve", "70"),
        ("reject", "15"),
        ("abstain", "2"),
        ("present", "80"),
    ];
    let refused = office.post(&path, &bad).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("vượt quá số đại biểu có mặt"),
        "{}",
        refused.body
    );
}

/// The session's event stream carries the hall fragment (results,
/// headcount, speaker) and is authorised when it opens: signing out ends
/// it, so a stream opened before receives no result afterwards.
#[tokio::test]
async fn a_signed_out_stream_receives_no_result() {
    let app = spawn_app().await;
    let (id, mut chair, mut deputies, round) = secret_vote_open(&app, &["daibieu3"]).await;
    let mut deputy = deputies.remove(0);
    let page = format!("/ky-hop/{id}");

    let mut stream = event_stream(&deputy, &page).await;
    deputy.get(&page).await;
    assert_eq!(deputy.post("/dang-xuat", &[]).await.status, 303);
    // Signed out: the fragment is refused.
    assert_ne!(deputy.get(&format!("{page}/truc-tiep")).await.status, 200);

    chair.get(&page).await;
    chair
        .post(&format!("{page}/bieu-quyet/{round}/ket-thuc"), &[])
        .await;
    let seen = stream_text(&mut stream, |_| false).await;
    assert!(
        !seen.contains("Kết quả"),
        "a signed-out stream was sent the result:\n{seen}"
    );
}

/// A tablet sends its ballot by htmx and gets the acknowledgement in place;
/// the screens are told how many have voted in the event itself, counted
/// when it goes out, so none of them reloads its fragment for a ballot.
#[tokio::test]
async fn a_ballot_is_answered_in_place_and_its_progress_travels_in_the_event() {
    let app = spawn_app().await;
    let (id, mut chair, mut deputies, round) =
        secret_vote_open(&app, &["daibieu", "daibieu2"]).await;
    let page = format!("/ky-hop/{id}");
    chair.get(&page).await;
    let mut stream = event_stream(&chair, &page).await;
    let path = format!("{page}/bieu-quyet/{round}/phieu");
    for d in &mut deputies {
        d.get(&page).await;
        let reply = d.post_htmx(&path, &[("choice", "tan_thanh")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(
            reply.body.contains("data-testid=\"ballot-recorded\"") && !reply.body.contains("<html"),
            "{}",
            reply.body
        );
    }
    // A second ballot is refused in Vietnamese, in place too.
    let again = deputies[0]
        .post_htmx(&path, &[("choice", "tan_thanh")])
        .await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("đã"), "{}", again.body);

    let seen = stream_text(&mut stream, |seen| seen.contains("\"voted\":2")).await;
    let expected = format!("event: tien-do\ndata: {{\"round\":{round},\"voted\":2}}");
    assert!(
        seen.contains(&expected),
        "no progress with the count:\n{seen}"
    );
    assert!(
        !seen.contains("data: phieu"),
        "a ballot made the screens reload:\n{seen}"
    );
}

/// Bế mạc waits for the vote under way: a closed session takes no ballot.
#[tokio::test]
async fn a_session_is_not_closed_while_a_vote_is_open() {
    let app = spawn_app().await;
    let (id, mut chair, mut deputies, round) = secret_vote_open(&app, &["daibieu"]).await;
    let page = format!("/ky-hop/{id}");
    chair.get(&page).await;
    let refused = chair
        .post(&format!("{page}/dieu-hanh"), &[("event", "be_mac")])
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("Còn lượt biểu quyết đang mở"),
        "{}",
        refused.body
    );
    let still = app.store.council_session(id).await.unwrap();
    assert!(still.status.is_live(), "the session was closed");
    let path = format!("{page}/bieu-quyet/{round}/phieu");
    deputies[0].get(&page).await;
    assert_eq!(
        deputies[0]
            .post(&path, &[("choice", "tan_thanh")])
            .await
            .status,
        303
    );

    chair.get(&page).await;
    chair
        .post(&format!("{page}/bieu-quyet/{round}/ket-thuc"), &[])
        .await;
    let closed = chair
        .post(&format!("{page}/dieu-hanh"), &[("event", "be_mac")])
        .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
}
