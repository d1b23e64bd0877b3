//! Regression tests for defects found by trying to break the foundation.

use std::process::Command;

use nghitruong_store::{AuditFilter, Store};
use nghitruong_testkit::UnixNow as _;
use nghitruong_web::auth::totp;

use crate::helpers::{PASSWORD, spawn_app, user};

#[tokio::test]
async fn sign_in_never_redirects_off_the_site() {
    let app = spawn_app().await;
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\u{7f}",
    ] {
        let mut c = app.client();
        c.get("/dang-nhap").await;
        let reply = c
            .post(
                "/dang-nhap",
                &[
                    ("username", "chutich"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(reply.status, 303, "{next:?}: {}", reply.body);
        assert_eq!(reply.location.as_deref(), Some("/"), "{next:?}");
    }
}

#[tokio::test]
async fn concurrent_guesses_are_checked_one_at_a_time() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let mut c = app.client();
        c.get("/dang-nhap").await;
        tasks.push(tokio::spawn(async move {
            c.sign_in("chutich.17329", "sai-mat-khau").await.status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "only five guesses checked"
    );
    let since = app.clock.now_offset() - time::Duration::hours(1);
    assert_eq!(
        app.store
            .login_failures("u:chutich.17329", since)
            .await
            .unwrap(),
        5
    );
}

#[tokio::test]
async fn a_second_factor_cannot_be_guessed_by_signing_in_again() {
    let app = spawn_app().await;
    let user = user(&app.store, "vanphong").await.id;
    let secret = totp::new_secret();
    let ctx = nghitruong_store::AuditContext::system(nghitruong_testkit::T0);
    app.store
        .set_totp_secret(user, Some(&secret), &ctx)
        .await
        .unwrap();

    let mut c = app.client();
    for _ in 0..3 {
        c.sign_in("vanphong", PASSWORD).await;
        c.get("/dang-nhap/xac-thuc").await;
        c.post("/dang-nhap/xac-thuc", &[("code", "000000")]).await;
        c.post("/dang-nhap/xac-thuc", &[("code", "111111")]).await;
    }
    let now = u64::try_from(app.clock.now_unix()).unwrap();
    let code = totp::code_at(&secret, now).unwrap();
    let reply = c.sign_in("vanphong", PASSWORD).await;
    assert_eq!(
        reply.status, 429,
        "six wrong codes lock the account: {}",
        reply.body
    );
    let (failed, _) = app
        .store
        .audit_page(&AuditFilter {
            action_prefix: Some("auth.second_factor.failed".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(failed.len() >= 5, "wrong codes are audited");
    assert!(!code.is_empty());
}

#[tokio::test]
async fn the_current_password_cannot_be_guessed_from_a_session() {
    let app = spawn_app().await;
    let mut c = app.signed_in("vanphong").await;
    for _ in 0..5 {
        let r = c
            .post(
                "/tai-khoan/mat-khau",
                &[
                    ("current", "doan-mo"),
                    ("new", "x".repeat(12).as_str()),
                    ("confirm", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, 400);
    }
    let locked = c
        .post(
            "/tai-khoan/mat-khau",
            &[
                ("current", PASSWORD),
                ("new", "mat-khau-moi-dai"),
                ("confirm", "mat-khau-moi-dai"),
            ],
        )
        .await;
    assert_eq!(locked.status, 429);
}

#[tokio::test]
async fn audit_records_name_no_typed_actor_and_no_client_request_id() {
    let app = spawn_app().await;
    let mut c = app.client();
    c.get("/dang-nhap").await;
    let form = serde_urlencoded::to_string([
        ("_csrf", c.csrf.as_str()),
        ("username", "hệ thống"),
        ("password", "sai-mat-khau"),
    ])
    .unwrap();
    let reply = c
        .http
        .post(format!("{}/dang-nhap", c.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-request-id", "gia-mao user_id=1")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
    assert_ne!(reply.headers()["x-request-id"], "gia-mao user_id=1");
    let (records, _) = app
        .store
        .audit_page(&AuditFilter {
            action_prefix: Some("auth.login.failed".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    let r = &records[0];
    assert_eq!(r.actor_name, "Khách chưa đăng nhập");
    assert!(
        r.after.as_deref().unwrap().contains("hệ thống"),
        "the typed name is kept as a detail"
    );
    assert_ne!(r.request_id.as_deref(), Some("gia-mao user_id=1"));
}

#[tokio::test]
async fn a_multipart_post_to_a_form_route_is_not_searched_for_its_token() {
    let app = spawn_app().await;
    let c = app.signed_in("quantri").await;
    let boundary = "----gioi-han";
    let post = |path: &str, body: String| {
        c.http
            .post(format!("{}{path}", c.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
    };
    // Four times the small form limit, with a good token last: a form route
    // takes no files, so its body is refused unread (403). Searched, the
    // token would be found and the route's own limit refuse the body (413).
    let filler = "a".repeat(1024 * 1024);
    let field = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let body = format!(
        "{}{}--{boundary}--\r\n",
        field("display_name", &filler),
        field("_csrf", &c.csrf)
    );
    let r = post("/quan-tri/nguoi-dung", body).await.unwrap();
    assert_eq!(r.status(), 403);
    // Without a token, to a route that takes files: read whole, and refused
    // only for its missing token.
    let body = format!("{}--{boundary}--\r\n", field("display_name", &filler));
    let r = post("/kien-nghi/dot/1/nhap", body).await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn invalid_utf8_in_a_form_is_refused() {
    let app = spawn_app().await;
    let mut c = app.signed_in("quantri").await;
    let body = format!(
        "_csrf={}&username=utf8-hong&display_name=%C3%28%FF&password=mot-mat-khau-dai&role=dai_bieu&unit_code=40",
        c.csrf
    );
    let reply = c.post_raw("/quan-tri/nguoi-dung", body).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("UTF-8"));
    // The same form from htmx, its token in a header instead of a field.
    let r = c
        .http
        .post(format!("{}/quan-tri/nguoi-dung", c.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("hx-request", "true")
        .header("x-csrf-token", c.csrf.clone())
        .body("username=utf8-hong&display_name=%C3%28%FF&password=mot-mat-khau-dai&role=dai_bieu&unit_code=40")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("UTF-8"));
    assert!(
        app.store
            .user_credentials("utf8-hong")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn audit_verify_finds_a_cut_off_end_with_an_anchor_and_never_creates_a_database() {
    let app = spawn_app().await;
    let mut c = app.signed_in("chutich").await;
    c.get("/").await;
    let bin = env!("CARGO_BIN_EXE_nghitruong");
    let out = Command::new(bin)
        .args(["audit", "verify", "--data-dir"])
        .arg(app.data_dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    let head = text
        .lines()
        .find_map(|l| l.split(": ").nth(1).filter(|h| h.contains(':')))
        .unwrap()
        .to_owned();

    // Cut the last record off: the rest still chains, the anchor does not.
    let mut conn = crate::helpers::database(&app).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .execute(&mut conn)
        .await
        .unwrap();
    let plain = Command::new(bin)
        .args(["audit", "verify", "--data-dir"])
        .arg(app.data_dir.path())
        .output()
        .unwrap();
    assert!(
        plain.status.success(),
        "without an anchor a cut end cannot be seen"
    );
    let anchored = Command::new(bin)
        .args(["audit", "verify", "--expect", &head, "--data-dir"])
        .arg(app.data_dir.path())
        .output()
        .unwrap();
    assert!(!anchored.status.success());
    assert!(String::from_utf8_lossy(&anchored.stdout).contains("cắt bớt"));

    // A forged record numbered below one is a gap.
    sqlx::query("INSERT INTO audit_log (seq, at, actor_name, action, entity, prev_hash, hash) VALUES (0, 0, 'x', 'user.role.grant', 'user', 'y', 'y')")
        .execute(&mut conn)
        .await
        .unwrap();
    let forged = Command::new(bin)
        .args(["audit", "verify", "--data-dir"])
        .arg(app.data_dir.path())
        .output()
        .unwrap();
    assert!(!forged.status.success());

    let missing = app.data_dir.path().join("khong-co");
    let none = Command::new(bin)
        .args(["audit", "verify", "--data-dir"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("không tìm thấy cơ sở dữ liệu"));
    assert!(!missing.exists(), "checking creates nothing");
}
