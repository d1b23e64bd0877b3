//! The audit log: changes are recorded with before and after, the chain
//! verifies, and tampering with one row is found by `audit verify`.

use std::process::Command;

use nghitruong_store::{AuditFilter, Store, verify_audit_chain};
use sqlx::Connection as _;

use crate::helpers::spawn_app;

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
    let url = format!(
        "sqlite://{}",
        app.data_dir.path().join("nghitruong.db").display()
    );
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
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
