//! Health, metrics, static assets, errors and backup.

use std::process::Command;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_metrics_answer() {
    let app = spawn_app().await;
    let mut c = app.client();
    assert_eq!(c.get("/healthz").await.status, 200);
    c.get("/dang-nhap").await;
    let metrics = c.get("/metrics").await;
    assert!(
        metrics.body.contains("nghitruong_http_requests_total"),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains("route=\"/dang-nhap\""));
}

#[tokio::test]
async fn static_assets_are_cached_for_a_year_and_compressed() {
    let app = spawn_app().await;
    let mut c = app.client();
    let page = c.get("/dang-nhap").await;
    let start = page.body.find("/static/").unwrap();
    let end = start + page.body[start..].find('"').unwrap();
    let url = format!("{}{}", app.base, &page.body[start..end]);
    let reply = c
        .http
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(reply.headers()["content-encoding"], "gzip");
}

/// A HEAD request gets the header fields its GET would: the encoding the
/// page comes in and `Vary`, so that a cache keeps the encodings apart, and
/// the security headers.
#[tokio::test]
async fn a_head_request_gets_the_headers_of_its_get() {
    let app = spawn_app().await;
    let c = app.client();
    for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
        let reply = c
            .http
            .request(method.clone(), format!("{}/dang-nhap", app.base))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200, "{method}");
        let h = reply.headers();
        assert_eq!(h["content-encoding"], "gzip", "{method}");
        assert_eq!(h["vary"], "accept-encoding", "{method}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{method}");
        assert!(h.contains_key("content-security-policy"), "{method}");
        if method == reqwest::Method::HEAD {
            assert!(reply.bytes().await.unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn unknown_pages_get_a_vietnamese_page_with_a_request_id() {
    let app = spawn_app().await;
    let mut c = app.signed_in("chutich").await;
    let reply = c.get("/khong-co-trang-nay").await;
    assert_eq!(reply.status, 404);
    assert!(reply.body.contains("Không tìm thấy"));
    assert!(reply.body.contains("Mã yêu cầu"));
    assert!(reply.body.contains("lang=\"vi\""));
}

/// A visitor's first page may be an error page: it still sets the CSRF
/// cookie the next form needs (the error page used to replace the answer
/// that carried it).
#[tokio::test]
async fn a_first_visit_to_an_error_page_gets_its_csrf_cookie() {
    let app = spawn_app().await;
    for htmx in [false, true] {
        // A new visitor each time, with no cookie yet.
        let c = app.client();
        let mut request = c.http.get(format!("{}/khong-co-trang-nay", app.base));
        if htmx {
            request = request.header("hx-request", "true");
        }
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status(), 404, "htmx: {htmx}");
        let cookies: Vec<_> = reply
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert!(
            cookies.iter().any(|c| c.starts_with("nt_csrf=")),
            "htmx: {htmx}, cookies: {cookies:?}"
        );
    }
}

#[tokio::test]
async fn backup_copies_a_running_database() {
    let app = spawn_app().await;
    let mut c = app.signed_in("chutich").await;
    c.get("/").await;
    let out_dir = app.data_dir.path().join("sao-luu");
    let out = Command::new(env!("CARGO_BIN_EXE_nghitruong"))
        .args(["backup", "--data-dir"])
        .arg(app.data_dir.path())
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = out_dir.join("nghitruong.db");
    assert!(copy.metadata().unwrap().len() > 100_000);

    // The copy verifies on its own.
    let verify = Command::new(env!("CARGO_BIN_EXE_nghitruong"))
        .args(["audit", "verify", "--data-dir"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let again = Command::new(env!("CARGO_BIN_EXE_nghitruong"))
        .args(["backup", "--data-dir"])
        .arg(app.data_dir.path())
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "an existing folder is not overwritten"
    );
}

#[tokio::test]
async fn an_htmx_request_gets_the_error_as_a_notice_in_place() {
    let app = spawn_app().await;
    let c = app.signed_in("chutich").await;
    let reply = c
        .http
        .get(format!("{}/khong-co-trang-nay", c.base))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 404);
    assert_eq!(reply.headers()["hx-retarget"], "#thong-bao");
    let body = reply.text().await.unwrap();
    assert!(
        body.starts_with("<div class=\"alert alert-error\" role=\"alert\">"),
        "{body}"
    );
    assert!(body.contains("Không tìm thấy") && body.contains("Mã yêu cầu"));
    assert!(!body.contains("<html"), "a fragment, not a page");
}
