//! Tra cứu over HTTP: what the demo session holds is found with or without
//! diacritics, a change is found moments after it is stored, and nobody
//! finds, counts or facets what their roles may not see.

use std::time::Duration;

use nghitruong_store::{AuditContext, CouncilFilter, NewQuestion, Store};
use nghitruong_testkit::T0;
use serde_json::Value;

use crate::helpers::{Client, TestApp, spawn_app};

/// The JSON answer to `q`, polled until `until` holds (the indexer runs
/// beside the server) or ten seconds pass.
pub(crate) async fn search_until(c: &mut Client, q: &str, until: impl Fn(&Value) -> bool) -> Value {
    let path = format!(
        "/api/tra-cuu?{}",
        serde_urlencoded::to_string([("q", q)]).unwrap()
    );
    let mut last = Value::Null;
    for _ in 0..100 {
        let reply = c.get(&path).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        last = serde_json::from_str(&reply.body).unwrap();
        if until(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    last
}

fn total(v: &Value) -> u64 {
    v["total"].as_u64().unwrap()
}

async fn file_question(app: &TestApp) -> i64 {
    let (councils, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let session = app
        .store
        .council_sessions(councils[0].council.id)
        .await
        .unwrap()[0]
        .id;
    let deputy = app
        .store
        .user_credentials("daibieu")
        .await
        .unwrap()
        .unwrap()
        .user
        .person_id
        .unwrap();
    app.store
        .file_question(
            &NewQuestion {
                session_id: session,
                person_id: deputy,
                official: "Giám đốc Sở Xây dựng".into(),
                topic: "Tiến độ nâng cấp đường giao thông xã Anh Sơn".into(),
                content: "Vì sao tuyến đường liên xã xuống cấp mà chưa được sửa chữa?".into(),
            },
            &AuditContext::system(T0),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn sessions_and_questions_are_found_only_by_who_may_see_them() {
    let app = spawn_app().await;
    let mut chair = app.signed_in("chutich").await;

    // The demo session, typed without diacritics.
    let found = search_until(&mut chair, "ky hop nghe an", |v| total(v) > 0).await;
    let first = &found["hits"][0];
    assert_eq!(first["kind"], "session", "{found}");
    assert!(
        first["title_html"]
            .as_str()
            .unwrap()
            .contains("<mark>Kỳ</mark> <mark>họp</mark>"),
        "{found}"
    );
    let kinds: Vec<&str> = found["facets"]["loai"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["value"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"ky_hop") && kinds.contains(&"noi_dung"),
        "{found}"
    );

    // A question stored now is found moments later, accented or not.
    let id = file_question(&app).await;
    let found = search_until(&mut chair, "duong giao thong anh son", |v| {
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == id && h["kind"] == "question")
    })
    .await;
    let hit = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("the new question is found: {found}"));
    assert!(
        hit["title_html"]
            .as_str()
            .unwrap()
            .contains("<mark>đường</mark> <mark>giao</mark> <mark>thông</mark>"),
        "{hit}"
    );
    let accented = search_until(&mut chair, "đường giao thông Anh Sơn", |v| {
        total(v) > 0
    })
    .await;
    assert_eq!(accented["hits"][0]["id"], id, "{accented}");

    // The search page shows the same, and htmx gets the results alone.
    let page = chair.get("/tra-cuu?q=duong+giao+thong+anh+son").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<mark>đường</mark>"), "{}", page.body);
    assert!(page.body.contains("<h1>Tra cứu</h1>"));
    let partial = chair
        .http
        .get(format!("{}/tra-cuu?q=duong+lien+xa", chair.base))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!partial.contains("<html"), "{partial}");
    assert!(
        partial.contains("<mark>đường</mark> <mark>liên</mark> <mark>xã</mark>"),
        "{partial}"
    );

    // A commune's secretary and a provincial agency's officer hold no role
    // that sees the provincial council's questions: the question is not
    // returned, not counted and not faceted for them (the public session's
    // own records may be).
    let chair_total = total(&found);
    for username in ["thuky.17329", "coquan"] {
        let mut other = app.signed_in(username).await;
        let seen = search_until(&mut other, "duong giao thong anh son", |_| true).await;
        assert!(total(&seen) < chair_total, "{username}: {seen}");
        assert!(
            seen["hits"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["kind"] != "question"),
            "{username}: {seen}"
        );
        assert!(
            seen["facets"]["loai"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["value"] != "chat_van"),
            "{username}: {seen}"
        );
    }

    // Signed out, the API is closed.
    let mut anonymous = app.client();
    let reply = anonymous.get("/api/tra-cuu?q=ky+hop").await;
    assert!(
        reply.status == 303 || reply.status == 401,
        "{}",
        reply.status
    );
}
