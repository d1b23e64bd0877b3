//! Tra cứu over HTTP: what the demo session holds is found with or without
//! diacritics, a change is found moments after it is stored, and nobody
//! finds, counts or facets what their roles may not see.

use std::time::Duration;

use nghitruong_domain::attendance::{AttendanceStatus, CheckInMethod};
use nghitruong_store::{AuditContext, CouncilFilter, NewQuestion, Store};
use nghitruong_testkit::T0;
use serde_json::Value;

use crate::helpers::{Client, TestApp, spawn_app, user};

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

/// The demo's first session and its council's seated deputies.
async fn session_and_deputies(app: &TestApp) -> (i64, Vec<i64>) {
    let (councils, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let council = councils[0].council.id;
    let session = app.store.council_sessions(council).await.unwrap()[0].id;
    let deputies = app
        .store
        .seated_deputies(council, T0.date())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.person.id)
        .collect();
    (session, deputies)
}

async fn file_question(app: &TestApp) -> i64 {
    let (session, _) = session_and_deputies(app).await;
    let deputy = user(&app.store, "daibieu").await.person_id.unwrap();
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

    // The agency officer gets nothing that leads to a council page closed
    // to them (the public session is on the portal for them).
    let mut officer = app.signed_in("coquan").await;
    let theirs = search_until(&mut officer, "ky hop", |_| true).await;
    assert!(
        theirs["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| !h["url"].as_str().unwrap_or("").starts_with("/ky-hop")),
        "{theirs}"
    );

    // Signed out, the API is closed.
    let mut anonymous = app.client();
    let reply = anonymous.get("/api/tra-cuu?q=ky+hop").await;
    assert!(
        reply.status == 303 || reply.status == 401,
        "{}",
        reply.status
    );
}

fn hit_ids(v: &Value, kind: &str) -> Vec<i64> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == kind)
        .map(|h| h["id"].as_i64().unwrap())
        .collect()
}

/// Session documents are found by their extracted text, typed without
/// diacritics, by exactly the people their audience names: a confidential
/// document for one named deputy is neither found nor counted by another,
/// a draft only by the office and the Thường trực, and a withdrawn one by
/// nobody outside them; the public portal finds a public session's normal
/// document and nothing else.
#[tokio::test]
async fn documents_are_found_by_their_text_only_within_their_audience() {
    use crate::documents::{demo_session, publish, upload_doc};
    use nghitruong_docs::make;

    let app = spawn_app().await;
    let session = demo_session(&app).await;
    let mut office = app.signed_in("vanphong").await;
    office.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    let secret = make::pdf(&["Phuong an boi thuong giai phong mat bang tuyen tranh thu"]);
    let secret_id = upload_doc(
        &mut office,
        session,
        "Phương án bồi thường tuyến tránh",
        "mat",
        &[("ca_nhan", "daibieu2")],
        ("mat.pdf", &secret),
    )
    .await;
    let open = make::pdf(&["Ke hoach dau tu cong trung han tuyen tranh"]);
    let open_id = upload_doc(
        &mut office,
        session,
        "Kế hoạch đầu tư công trung hạn tuyến tránh",
        "thuong",
        &[("dai_bieu", "1")],
        ("mo.pdf", &open),
    )
    .await;

    // Drafts: the office finds both, by the title or by the text.
    let found = search_until(&mut office, "tuyen tranh", |v| {
        let ids = hit_ids(v, "document");
        ids.contains(&secret_id) && ids.contains(&open_id)
    })
    .await;
    let ids = hit_ids(&found, "document");
    assert!(
        ids.contains(&secret_id) && ids.contains(&open_id),
        "{found}"
    );
    let mut named = app.signed_in("daibieu2").await;
    let mut other = app.signed_in("daibieu").await;
    for c in [&mut named, &mut other] {
        let seen = search_until(c, "tuyen tranh", |_| true).await;
        assert!(hit_ids(&seen, "document").is_empty(), "a draft: {seen}");
    }

    publish(&app, &mut office, secret_id).await;
    publish(&app, &mut office, open_id).await;
    let found = search_until(&mut named, "giai phong mat bang tuyen tranh", |v| {
        hit_ids(v, "document").contains(&secret_id)
    })
    .await;
    assert!(hit_ids(&found, "document").contains(&secret_id), "{found}");
    // The other deputy finds the open document, so the index has both…
    let seen = search_until(&mut other, "tuyen tranh", |v| {
        hit_ids(v, "document").contains(&open_id)
    })
    .await;
    assert_eq!(hit_ids(&seen, "document"), [open_id], "{seen}");
    // …and the confidential one is not counted in any facet either.
    let kinds = &seen["facets"]["loai"];
    let documents = kinds
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == "tai_lieu")
        .unwrap();
    assert_eq!(documents["count"], 1, "{seen}");
    let missed = search_until(&mut other, "giai phong mat bang", |_| true).await;
    assert!(
        !hit_ids(&missed, "document").contains(&secret_id),
        "{missed}"
    );

    // The public portal: the open document of a public session, not the
    // confidential one; its page shows the text.
    let mut citizen = app.client();
    let mut portal = String::new();
    for _ in 0..100 {
        portal = citizen.get("/cong-khai/tim-kiem?q=tuyen+tranh").await.body;
        if portal.contains(&format!("/cong-khai/tai-lieu/{open_id}")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        portal.contains(&format!("/cong-khai/tai-lieu/{open_id}")),
        "{portal}"
    );
    assert!(!portal.contains("bồi thường"), "{portal}");
    let page = citizen.get(&format!("/cong-khai/tai-lieu/{open_id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ke hoach dau tu cong"), "{}", page.body);
    assert_eq!(
        citizen
            .get(&format!("/cong-khai/tai-lieu/{secret_id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        citizen
            .get(&format!("/cong-khai/tai-lieu/{secret_id}/tai-ve"))
            .await
            .status,
        404
    );

    // Withdrawn: gone for the named deputy at once (same flow).
    office.get(&format!("/tai-lieu/{secret_id}")).await;
    let withdraw = office
        .post(
            &format!("/tai-lieu/{secret_id}/trang-thai"),
            &[("event", "thu_hoi")],
        )
        .await;
    assert_eq!(withdraw.status, 303, "{}", withdraw.body);
    let gone = search_until(&mut named, "giai phong mat bang tuyen tranh", |v| {
        !hit_ids(v, "document").contains(&secret_id)
    })
    .await;
    assert!(!hit_ids(&gone, "document").contains(&secret_id), "{gone}");
}

/// `search reindex` while the server runs: the rebuild goes into a new
/// generation beside the one the server holds, and the server moves to it
/// by itself, keeping what was found before and finding what the rebuild
/// added.
#[tokio::test]
async fn a_rebuild_while_the_server_runs_is_taken_over_by_the_server() {
    use nghitruong_search::IndexHome;
    use nghitruong_web::search::SearchService;
    use std::sync::Arc;

    let index_dir = tempfile::tempdir().unwrap();
    let dir = index_dir.path().join("search");
    let service = Arc::new(SearchService::open(&dir).unwrap());
    let serving = service.clone();
    let app = crate::helpers::spawn_app_with(move |state, _| {
        state.parts_mut().search = Some(serving);
    })
    .await;
    let mut chair = app.signed_in("chutich").await;
    let before = search_until(&mut chair, "ky hop nghe an", |v| total(v) > 0).await;
    assert!(total(&before) > 0, "{before}");
    let home = IndexHome::new(&dir);
    let first = home.current().unwrap().unwrap();

    // A question stored while nobody follows the log is in the rebuild.
    let id = file_question(&app).await;
    let rebuilt = SearchService::over(home.create().unwrap().1);
    let name = {
        let n = rebuilt.rebuild(&*app.store, &mut |_, _| {}).await.unwrap();
        assert!(n > 0);
        // The rebuild's generation is the newest directory.
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('g') && *n != first)
            .collect();
        names.sort();
        names.pop().unwrap()
    };
    drop(rebuilt);
    home.switch_to(&name).unwrap();

    let found = search_until(&mut chair, "duong giao thong anh son", |v| {
        hit_ids(v, "question").contains(&id)
    })
    .await;
    assert!(hit_ids(&found, "question").contains(&id), "{found}");
    // The server moved over and removed the generation it gave up.
    for _ in 0..50 {
        if !home.path_of(&first).exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !home.path_of(&first).exists(),
        "the old generation is removed"
    );
    assert_eq!(home.current().unwrap().as_deref(), Some(name.as_str()));
    let after = search_until(&mut chair, "ky hop nghe an", |v| total(v) > 0).await;
    assert_eq!(total(&after), total(&before), "{after}");
}

/// Records that change nothing searchable (here sign-in refusals) move the
/// indexer on without a commit, which would start a fresh indexing arena
/// each time; the next searchable change commits the mark past them all.
#[tokio::test]
async fn the_index_commits_only_when_something_searchable_changed() {
    use nghitruong_store::AuditEvent;
    use nghitruong_web::search::SearchService;

    let app = spawn_app().await;
    let service = SearchService::in_memory().unwrap();
    service.rebuild(&*app.store, &mut |_, _| {}).await.unwrap();
    let start = service.committed();
    assert!(start > 0, "the rebuild commits the head of the log");
    let mark = || service.index().mark().unwrap();
    assert_eq!(mark(), Some(start.to_string()));
    let records = service.index().len();

    for i in 0..3 {
        let refused = AuditEvent {
            action: "auth.login.failed".into(),
            entity: "account".into(),
            entity_id: None,
            details: Some(serde_json::json!({ "username": format!("khach{i}") })),
        };
        app.store
            .record_event(&refused, &AuditContext::system(T0))
            .await
            .unwrap();
    }
    let after = service.apply_changes(&*app.store, start).await.unwrap();
    assert_eq!(after, start + 3, "the indexer moved past the three records");
    assert_eq!(service.committed(), start, "nothing was committed for them");
    assert_eq!(mark(), Some(start.to_string()));

    // A hall checking in changes nothing searchable either.
    let (session, deputies) = session_and_deputies(&app).await;
    for (i, person) in deputies.iter().enumerate() {
        let status = if i % 2 == 0 {
            AttendanceStatus::Present
        } else {
            AttendanceStatus::Online
        };
        app.store
            .set_attendance(
                session,
                *person,
                status,
                CheckInMethod::SelfService,
                None,
                &AuditContext::system(T0),
            )
            .await
            .unwrap();
    }
    let after_check_ins = service.apply_changes(&*app.store, after).await.unwrap();
    assert_eq!(after_check_ins, after + deputies.len() as i64);
    assert_eq!(
        service.committed(),
        start,
        "nothing was committed for the check-ins"
    );
    let after = after_check_ins;

    let id = file_question(&app).await;
    let last = service.apply_changes(&*app.store, after).await.unwrap();
    assert!(last > after);
    assert_eq!(service.committed(), last);
    assert_eq!(mark(), Some(last.to_string()));
    assert_eq!(service.index().len(), records + 1, "question {id} is in");
}
