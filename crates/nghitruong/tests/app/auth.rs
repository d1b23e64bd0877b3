//! Sign-in, sessions, CSRF and hostile input.

use nghitruong_store::{AuditFilter, CouncilFilter, Store};
use nghitruong_web::auth::totp;
use time::Duration;

use nghitruong_testkit::UnixNow as _;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with, user};

#[tokio::test]
async fn a_wrong_password_is_refused_in_vietnamese() {
    let app = spawn_app().await;
    let mut c = app.client();
    let reply = c.sign_in("chutich", "sai-mat-khau").await;
    assert_eq!(reply.status, 401);
    assert!(
        reply
            .body
            .contains("Tên đăng nhập hoặc mật khẩu không đúng.")
    );
    assert_eq!(c.get("/").await.status, 303, "still signed out");

    let empty = c.sign_in("", "").await;
    assert_eq!(empty.status, 400);
    assert!(
        empty
            .body
            .contains("Vui lòng nhập tên đăng nhập và mật khẩu.")
    );
}

#[tokio::test]
async fn twenty_wrong_passwords_lock_the_account_without_saying_whether_it_exists() {
    let app = spawn_app().await;
    let mut c = app.client();
    for _ in 0..20 {
        c.sign_in("chutich", "sai-mat-khau").await;
    }
    let locked = c.sign_in("chutich", PASSWORD).await;
    assert_eq!(
        locked.status, 429,
        "the right password is refused while locked"
    );
    assert!(locked.body.contains("tạm bị khóa"));

    for _ in 0..5 {
        c.sign_in("khong-ton-tai", "sai-mat-khau").await;
    }
    let ghost = c.sign_in("khong-ton-tai", "sai-mat-khau").await;
    assert_eq!(
        ghost.status, 429,
        "a name that does not exist locks the same way"
    );
    assert_eq!(
        ghost.body.replace("khong-ton-tai", "X"),
        locked.body.replace("chutich", "X"),
        "the two lock pages differ only by the name typed"
    );

    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        c.sign_in("chutich", PASSWORD).await.status,
        303,
        "the lock lifts"
    );
    let (events, _) = app
        .store
        .audit_page(&AuditFilter {
            action_prefix: Some("auth.login.".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.action == "auth.login.locked"));
}

#[tokio::test]
async fn sessions_expire_and_end_at_sign_out() {
    let app = spawn_app().await;
    let mut c = app.signed_in("vanphong").await;
    assert_eq!(c.get("/").await.status, 200);
    app.clock.advance(Duration::hours(13));
    let reply = c.get("/").await;
    assert_eq!(reply.status, 303, "a twelve-hour session has expired");

    app.clock.advance(Duration::hours(-13));
    let mut c = app.signed_in("vanphong").await;
    assert_eq!(c.post("/dang-xuat", &[]).await.status, 303);
    assert_eq!(c.get("/").await.status, 303);
}

#[tokio::test]
async fn a_head_request_without_a_session_is_sent_to_sign_in_like_a_get() {
    let app = spawn_app().await;
    let c = app.client();
    for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
        let reply = c
            .http
            .request(method.clone(), format!("{}/ky-hop", c.base))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status().as_u16(), 303, "{method}");
        assert_eq!(
            reply
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("/dang-nhap?next=%2Fky-hop"),
            "{method}"
        );
    }
}

#[tokio::test]
async fn a_session_can_be_revoked_from_another_device() {
    let app = spawn_app().await;
    let mut tablet = app.signed_in("daibieu").await;
    let mut phone = app.signed_in("daibieu").await;
    let user = user(&app.store, "daibieu").await.id;
    let sessions = app.store.sessions_of(user).await.unwrap();
    let tablet_session = sessions.iter().map(|s| s.id).min().unwrap();
    let reply = phone
        .post(&format!("/tai-khoan/phien/{tablet_session}/thu-hoi"), &[])
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("Đã thu hồi phiên đăng nhập."));
    assert_eq!(
        tablet.get("/").await.status,
        303,
        "the tablet is signed out"
    );
    assert_eq!(phone.get("/").await.status, 200, "the phone is not");
}

#[tokio::test]
async fn a_forged_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let mut c = app.signed_in("vanphong").await;
    let before = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .0[0]
        .council
        .rules
        .clone();
    let body = "_csrf=gia-mao&pass_rule=it_nhat_hai_phan_ba".to_owned();
    let reply = c.post_raw("/quy-che", body).await;
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("Vui lòng tải lại trang"));
    let missing = c.post_raw("/quy-che", "pass_rule=x".into()).await;
    assert_eq!(missing.status, 403, "no token at all is refused too");
    let after = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .0[0]
        .council
        .rules
        .clone();
    assert_eq!(before, after);

    // A cross-site sign-in attempt carries no token either.
    let mut stranger = app.client();
    let reply = stranger
        .post_raw(
            "/dang-nhap",
            format!("username=chutich&password={PASSWORD}"),
        )
        .await;
    assert_eq!(reply.status, 403);
}

#[tokio::test]
async fn a_ten_megabyte_field_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let mut c = app.signed_in("quantri").await;
    let huge = "a".repeat(10 * 1024 * 1024);
    let users_before = app.store.users("", 500).await.unwrap().len();
    let reply = c
        .post(
            "/quan-tri/nguoi-dung",
            &[("username", "khong-tao"), ("display_name", &huge)],
        )
        .await;
    assert_eq!(reply.status, 413);
    assert!(reply.body.contains("Dữ liệu gửi lên quá lớn"));
    assert_eq!(app.store.users("", 500).await.unwrap().len(), users_before);
}

#[tokio::test]
async fn a_script_tag_in_a_name_is_refused_and_search_text_is_escaped() {
    let app = spawn_app().await;
    let mut c = app.signed_in("quantri").await;
    let reply = c
        .post(
            "/quan-tri/nguoi-dung",
            &[
                ("username", "ke-gian"),
                ("display_name", "<script>alert(1)</script>"),
                ("password", "mot-mat-khau-dai"),
                ("role", "dai_bieu"),
                ("unit_code", "40"),
            ],
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("Họ và tên chứa ký tự không hợp lệ."));
    assert!(
        app.store
            .user_credentials("ke-gian")
            .await
            .unwrap()
            .is_none()
    );

    let search = c
        .get("/quan-tri/nguoi-dung?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(
        !search.body.contains("<script>alert(1)"),
        "typed markup is escaped"
    );
    assert!(
        search.body.contains("script&#62;alert(1)") || search.body.contains("script&gt;alert(1)")
    );
}

#[tokio::test]
async fn an_empty_form_gets_a_message_not_a_crash() {
    let app = spawn_app().await;
    let mut c = app.signed_in("quantri").await;
    let reply = c.post("/quan-tri/nguoi-dung", &[]).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("Tên đăng nhập chỉ gồm"));
    let rules = c.post("/quy-che", &[]).await;
    assert_eq!(rules.status, 422);
    assert!(rules.body.contains("Biểu mẫu gửi lên không đúng định dạng"));
}

#[tokio::test]
async fn the_administrator_creates_an_account_that_can_sign_in() {
    let app = spawn_app().await;
    let mut admin = app.signed_in("quantri").await;
    let reply = admin
        .post(
            "/quan-tri/nguoi-dung",
            &[
                ("username", "thuky.moi"),
                ("display_name", "Lương Thị Mai"),
                ("password", "mat-khau-ban-dau"),
                ("role", "thu_ky"),
                ("unit_code", "17329"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("Đã tạo tài khoản thuky.moi."));
    let mut c = app.client();
    assert_eq!(c.sign_in("thuky.moi", "mat-khau-ban-dau").await.status, 303);
    assert!(c.get("/").await.body.contains("HĐND xã Anh Sơn"));

    let duplicate = admin
        .post(
            "/quan-tri/nguoi-dung",
            &[
                ("username", "thuky.moi"),
                ("display_name", "Người khác"),
                ("password", "mat-khau-ban-dau"),
                ("role", "thu_ky"),
                ("unit_code", "17329"),
            ],
        )
        .await;
    assert_eq!(duplicate.status, 400);
    assert!(duplicate.body.contains("đã được sử dụng"));

    // Resetting the password ends the sessions signed in with the old one.
    let id = user(&app.store, "thuky.moi").await.id;
    let reset = admin
        .post(
            &format!("/quan-tri/nguoi-dung/{id}/mat-khau"),
            &[("password", "mat-khau-thu-hai")],
        )
        .await;
    assert_eq!(reset.status, 200);
    assert_eq!(c.get("/").await.status, 303);
}

#[tokio::test]
async fn staff_can_turn_on_a_second_factor_and_are_asked_for_it() {
    let app = spawn_app().await;
    let mut c = app.signed_in("vanphong").await;
    let setup = c.get("/tai-khoan/xac-thuc-hai-lop").await;
    assert!(
        setup.body.contains("data:image/svg+xml;base64,"),
        "a QR code is shown"
    );
    let marker = "name=\"secret\" value=\"";
    let start = setup.body.find(marker).unwrap() + marker.len();
    let secret = &setup.body[start..start + setup.body[start..].find('"').unwrap()];
    let now = u64::try_from(app.clock.now_unix()).unwrap();

    let wrong = c
        .post(
            "/tai-khoan/xac-thuc-hai-lop",
            &[
                ("secret", secret),
                ("code", "000000"),
                ("current", PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    let code = totp::code_at(secret, now).unwrap();
    let no_password = c
        .post(
            "/tai-khoan/xac-thuc-hai-lop",
            &[("secret", secret), ("code", &code)],
        )
        .await;
    assert!(no_password.body.contains("Mật khẩu hiện tại không đúng."));
    let on = c
        .post(
            "/tai-khoan/xac-thuc-hai-lop",
            &[("secret", secret), ("code", &code), ("current", PASSWORD)],
        )
        .await;
    assert!(on.body.contains("Đã bật xác thực hai lớp."), "{}", on.body);

    c.post("/dang-xuat", &[]).await;
    let mut c = app.client();
    let reply = c.sign_in("vanphong", PASSWORD).await;
    assert_eq!(reply.location.as_deref(), Some("/dang-nhap/xac-thuc"));
    assert_eq!(
        c.get("/").await.location.as_deref(),
        Some("/dang-nhap/xac-thuc"),
        "nothing else until the code"
    );
    c.get("/dang-nhap/xac-thuc").await;
    assert_eq!(
        c.post("/dang-nhap/xac-thuc", &[("code", "123456")])
            .await
            .status,
        401
    );
    let ok = c.post("/dang-nhap/xac-thuc", &[("code", &code)]).await;
    assert_eq!(ok.location.as_deref(), Some("/"));
    assert_eq!(c.get("/").await.status, 200);

    // The same code does not open a second session, and a half-open
    // session can be abandoned.
    c.post("/dang-xuat", &[]).await;
    let mut again = app.client();
    again.sign_in("vanphong", PASSWORD).await;
    again.get("/dang-nhap/xac-thuc").await;
    let reused = again.post("/dang-nhap/xac-thuc", &[("code", &code)]).await;
    assert_eq!(reused.status, 401, "a code works once");
    let out = again.post("/dang-xuat", &[]).await;
    assert_eq!(
        out.location.as_deref(),
        Some("/dang-nhap"),
        "a pending session can sign out"
    );
    assert_eq!(
        again
            .get("/")
            .await
            .location
            .as_deref()
            .map(|l| l.starts_with("/dang-nhap?")),
        Some(true)
    );
}

#[tokio::test]
async fn a_locked_account_cannot_sign_in_until_unlocked() {
    let app = spawn_app().await;
    let mut admin = app.signed_in("quantri").await;
    let mut deputy = app.signed_in("daibieu").await;
    let id = user(&app.store, "daibieu").await.id;
    admin.get("/quan-tri/nguoi-dung").await;
    let locked = admin
        .post(
            &format!("/quan-tri/nguoi-dung/{id}/tai-khoan"),
            &[("action", "khoa")],
        )
        .await;
    assert!(
        locked.body.contains("Đã khóa tài khoản daibieu"),
        "{}",
        locked.body
    );
    assert_eq!(deputy.get("/").await.status, 303, "the open session ended");
    let mut again = app.client();
    assert_eq!(
        again.sign_in("daibieu", PASSWORD).await.status,
        401,
        "same answer as a wrong password"
    );
    let me = user(&app.store, "quantri").await.id;
    let own = admin
        .post(
            &format!("/quan-tri/nguoi-dung/{me}/tai-khoan"),
            &[("action", "khoa")],
        )
        .await;
    assert!(own.body.contains("Không thể tự khóa"));
    admin
        .post(
            &format!("/quan-tri/nguoi-dung/{id}/tai-khoan"),
            &[("action", "mo_khoa")],
        )
        .await;
    assert_eq!(app.client().sign_in("daibieu", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn sign_in_activity_is_written_later_in_one_batch() {
    let mut seen = None;
    let app = spawn_app_with(|state, _| seen = Some(state.seen.clone())).await;
    let seen = seen.unwrap();
    let mut deputy = app.signed_in("daibieu").await;
    let mut office = app.signed_in("vanphong").await;
    let last_seen = |name: &'static str| {
        let store = app.store.clone();
        async move {
            let id = user(&store, name).await.id;
            let sessions = store.sessions_of(id).await.unwrap();
            sessions.iter().map(|s| s.last_seen_at).max().unwrap()
        }
    };
    let signed_in_at = last_seen("daibieu").await;
    // Five minutes on, both viewers are loaded afresh and seen.
    app.clock.advance(Duration::minutes(5));
    assert_eq!(deputy.get("/").await.status, 200);
    assert_eq!(office.get("/").await.status, 200);
    assert_eq!(
        last_seen("daibieu").await,
        signed_in_at,
        "not written on the request's path"
    );
    seen.write(app.store.as_ref()).await;
    let now = signed_in_at + Duration::minutes(5);
    assert_eq!(last_seen("daibieu").await, now);
    assert_eq!(last_seen("vanphong").await, now);
}

#[tokio::test]
async fn a_sign_in_revoked_outside_this_server_is_refused_within_seconds() {
    let app = spawn_app().await;
    let mut c = app.signed_in("vanphong").await;
    assert_eq!(c.get("/").await.status, 200);
    // Past the two seconds a viewer is trusted without asking, it is kept
    // while the access epoch stays the same.
    app.clock.advance(Duration::minutes(3));
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    assert_eq!(c.get("/").await.status, 200, "kept: nothing changed");
    // Another node, or someone at the database, revokes the sign-in.
    let mut conn = crate::helpers::database(&app).await;
    sqlx::query("UPDATE auth_sessions SET revoked_at = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    assert_eq!(c.get("/").await.status, 303, "signed out within seconds");
}
