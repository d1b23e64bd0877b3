//! The audit log: changes are recorded with before and after, the chain
//! verifies, and tampering with one row is found by `audit verify`.

use std::process::Command;

use nghitruong_store::{AuditFilter, Store, verify_audit_chain};
use sqlx::Connection as _;

use crate::helpers::{spawn_app, user};

fn verify_cli(data_dir: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nghitruong"))
        .args(["audit", "verify", "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn a_rules_change_is_audited_with_before_and_after() {
    let app = spawn_app().await;
    let mut c = app.signed_in("vanphong").await;
    let page = c.get("/quy-che").await;
    assert!(page.body.contains("Tán thành"));
    let form = [
        ("pass_rule", "qua_nua"),
        ("dismiss_rule", "it_nhat_hai_phan_ba"),
        ("degraded_rule", "tren_hai_phan_ba"),
        ("denominator", "luat_dinh"),
        ("quorum_num", "2"),
        ("quorum_den", "3"),
        ("approve", "Đồng ý"),
        ("reject", "Không đồng ý"),
        ("abstain", "Không biểu quyết"),
        ("petition_answer_days", "30"),
        ("central_answer_days", "60"),
        ("delegation_forward_days", "15"),
        ("report_before_session_days", "30"),
        ("explanation_days", "15"),
        ("explanation_complex_days", "30"),
        ("reminder_days_before", "15, 7, 3"),
        ("speaking_seconds", "420"),
    ];
    let saved = c.post("/quy-che", &form).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("Đã lưu quy chế."));
    assert!(saved.body.contains("value=\"Đồng ý\""));

    let mut bad = form.to_vec();
    bad[7] = ("reject", "Đồng ý");
    let refused = c.post("/quy-che", &bad).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Ba nhãn biểu quyết phải khác nhau."));

    let (records, n) = app
        .store
        .audit_page(&AuditFilter {
            action_prefix: Some("council.rules".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(n, 1, "the refused change left no record");
    let r = &records[0];
    assert!(r.before.as_deref().unwrap().contains("Tán thành"));
    assert!(r.after.as_deref().unwrap().contains("Đồng ý"));
    assert!(r.actor_id.is_some());
    assert!(r.request_id.is_some(), "the record names its request");
}

#[tokio::test]
async fn tampering_with_one_row_is_found_by_audit_verify() {
    let app = spawn_app().await;
    let mut c = app.signed_in("quantri").await;
    c.get("/quan-tri/nhat-ky").await;
    let ok = c.post("/quan-tri/nhat-ky/kiem-tra", &[]).await;
    assert!(ok.body.contains("Chuỗi nhật ký toàn vẹn"), "{}", ok.body);
    let total = verify_audit_chain(app.store.as_ref(), None)
        .await
        .unwrap()
        .unwrap();
    assert!(total.verified >= 3);

    let (good, text) = verify_cli(app.data_dir.path());
    assert!(good, "{text}");
    assert!(text.contains("Chuỗi nhật ký toàn vẹn"));

    // Someone with database access rewrites who did something.
    let mut conn = crate::helpers::database(&app).await;
    sqlx::query("UPDATE audit_log SET actor_name = 'Người khác' WHERE seq = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let (good, text) = verify_cli(app.data_dir.path());
    assert!(!good, "verify must fail");
    assert!(
        text.contains("record 2"),
        "it names the first broken record: {text}"
    );
    let page = c.post("/quan-tri/nhat-ky/kiem-tra", &[]).await;
    assert!(
        page.body.contains("bản ghi số 2 đã bị sửa"),
        "{}",
        page.body
    );
}

/// Every value a secret column holds now, read straight from the database.
async fn stored_secrets(app: &crate::helpers::TestApp) -> Vec<String> {
    let mut conn = crate::helpers::database(app).await;
    let mut secrets = Vec::new();
    for sql in [
        "SELECT password_hash FROM users WHERE password_hash IS NOT NULL",
        "SELECT totp_secret FROM users WHERE totp_secret IS NOT NULL",
        "SELECT token_hash FROM auth_sessions",
        "SELECT csrf_token FROM auth_sessions",
        "SELECT token_hash FROM document_tickets",
    ] {
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
        secrets.extend(rows.into_iter().map(|(s,)| s));
    }
    conn.close().await.unwrap();
    secrets.sort();
    secrets.dedup();
    secrets
}

#[tokio::test]
async fn the_audit_log_reads_in_vietnamese_and_never_shows_a_secret() {
    let app = spawn_app().await;
    // A second factor turned on, a password reset and an account made.
    let mut staff = app.signed_in("vanphong").await;
    let setup = staff.get("/tai-khoan/xac-thuc-hai-lop").await;
    let marker = "name=\"secret\" value=\"";
    let start = setup.body.find(marker).unwrap() + marker.len();
    let secret = setup.body[start..start + setup.body[start..].find('"').unwrap()].to_owned();
    let now = u64::try_from(nghitruong_testkit::UnixNow::now_unix(app.clock.as_ref())).unwrap();
    let code = nghitruong_web::auth::totp::code_at(&secret, now).unwrap();
    let on = staff
        .post(
            "/tai-khoan/xac-thuc-hai-lop",
            &[
                ("secret", secret.as_str()),
                ("code", code.as_str()),
                ("current", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert!(on.body.contains("Đã bật xác thực hai lớp."), "{}", on.body);
    let mut admin = app.signed_in("quantri").await;
    let made = admin
        .post(
            "/quan-tri/nguoi-dung",
            &[
                ("username", "thuky.nhatky"),
                ("display_name", "Trần Văn Ghi"),
                ("password", "mat-khau-ban-dau-1"),
                ("role", "thu_ky"),
                ("unit_code", "17329"),
            ],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let id = user(&app.store, "thuky.nhatky").await.id;
    let reset = admin
        .post(
            &format!("/quan-tri/nguoi-dung/{id}/mat-khau"),
            &[("password", "mat-khau-thu-hai-2")],
        )
        .await;
    assert_eq!(reset.status, 200);

    // The page names actions, entities and fields in Vietnamese.
    let page = admin.get("/quan-tri/nhat-ky?action=user.").await;
    assert_eq!(page.status, 200);
    for label in [
        "Bật xác thực hai lớp",
        "Tạo tài khoản",
        "Đặt mật khẩu",
        "Phân vai trò",
        "Người dùng #",
        "Xác thực hai lớp:",
        "Tên đăng nhập:",
        "thuky.nhatky",
        "Họ và tên:",
        "<summary>Dữ liệu gốc</summary>",
        "data-label=\"Thay đổi\"",
    ] {
        assert!(page.body.contains(label), "{label} missing");
    }
    assert!(
        !page.body.contains("Thao tác khác"),
        "every action is named"
    );
    let signed = admin.get("/quan-tri/nhat-ky?action=auth.").await;
    assert!(signed.body.contains("Đăng nhập"));
    assert!(signed.body.contains("Địa chỉ truy cập:"));

    // No password hash, second-factor secret or session token is in any
    // record, nor on the page.
    let secrets = stored_secrets(&app).await;
    assert!(
        secrets.iter().any(|s| s == &secret),
        "the scan reads the secret"
    );
    assert!(secrets.len() > 5);
    let (records, _) = app
        .store
        .audit_page(&AuditFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap();
    for r in &records {
        let text = format!(
            "{} {}",
            r.before.as_deref().unwrap_or(""),
            r.after.as_deref().unwrap_or("")
        );
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "record {} holds a secret",
                r.seq
            );
        }
        assert!(
            !text.contains("mat-khau-"),
            "record {} holds a password",
            r.seq
        );
    }
    // (The page's own CSRF token is in its forms, as on every page.)
    let csrf = crate::helpers::csrf_in(&page.body).unwrap();
    for body in [&page.body, &signed.body] {
        for s in secrets.iter().filter(|s| **s != csrf) {
            assert!(!body.contains(s.as_str()), "the page shows a secret");
        }
    }
}
