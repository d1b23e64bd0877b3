//! Session documents over HTTP: uploads checked by content, approval and
//! publication, the audience enforced on every route, confidential
//! documents that cannot be downloaded, notes, read receipts, the packet
//! and the demo documents.

use nghitruong_docs::make::{self, Para};
use nghitruong_store::{AuditContext, CouncilFilter, DocumentReader, DocumentStore as _, Store};
use nghitruong_testkit::T0;

use std::time::Duration;

use crate::helpers::{Client, Reply, TestApp, spawn_app, spawn_app_with_config, user};

pub(crate) async fn demo_session(app: &TestApp) -> i64 {
    let (found, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    app.store
        .council_sessions(found[0].council.id)
        .await
        .unwrap()[0]
        .id
}

async fn upload(
    c: &mut Client,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Reply {
    c.post_multipart(path, fields, file, false).await
}

/// Uploads a document for all deputies (or `extra` audience) and returns its id.
pub(crate) async fn upload_doc(
    office: &mut Client,
    session: i64,
    title: &str,
    classification: &str,
    audience: &[(&str, &str)],
    file: (&str, &[u8]),
) -> i64 {
    let mut fields = vec![
        ("title", title),
        ("kind", "to_trinh"),
        ("item", "0"),
        ("classification", classification),
    ];
    fields.extend_from_slice(audience);
    let reply = upload(
        office,
        &format!("/ky-hop/{session}/tai-lieu"),
        &fields,
        Some(file),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.location.unwrap();
    location
        .strip_prefix("/tai-lieu/")
        .unwrap()
        .parse()
        .unwrap()
}

pub(crate) async fn publish(app: &TestApp, office: &mut Client, id: i64) {
    let mut chair = app.signed_in("chutich").await;
    office.get(&format!("/tai-lieu/{id}")).await;
    let submit = office
        .post(
            &format!("/tai-lieu/{id}/trang-thai"),
            &[("event", "trinh_duyet")],
        )
        .await;
    assert_eq!(submit.status, 303, "{}", submit.body);
    chair.get(&format!("/tai-lieu/{id}")).await;
    let approve = chair
        .post(&format!("/tai-lieu/{id}/duyet"), &[("event", "duyet")])
        .await;
    assert_eq!(approve.status, 303, "{}", approve.body);
    let publish = office
        .post(
            &format!("/tai-lieu/{id}/trang-thai"),
            &[("event", "phat_hanh")],
        )
        .await;
    assert_eq!(publish.status, 303, "{}", publish.body);
}

fn stored_files(app: &TestApp) -> usize {
    let dir = app.data_dir.path().join("documents");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name() != "tmp")
        .map(|e| std::fs::read_dir(e.path()).map_or(0, Iterator::count))
        .sum::<usize>()
        + std::fs::read_dir(dir.join("tmp")).map_or(0, Iterator::count)
}

/// A PDF of a few kilobytes whose one page, once inflated, holds 16 MiB
/// of numbers: lopdf makes an object of over 100 bytes of each.
fn pdf_that_takes_gigabytes() -> Vec<u8> {
    use std::io::Write;
    let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    deflate.write_all(&b"0 ".repeat(8 * 1024 * 1024)).unwrap();
    let page = deflate.finish().unwrap();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
    ];
    let mut content = format!(
        "<< /Length {} /Filter /FlateDecode >>\nstream\n",
        page.len()
    )
    .into_bytes();
    content.extend_from_slice(&page);
    content.extend_from_slice(b"\nendstream");
    objects.push(content);
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[tokio::test]
async fn a_pdf_whose_reading_would_take_gigabytes_is_refused_and_the_server_is_untouched() {
    let app = spawn_app().await;
    let session = demo_session(&app).await;
    let mut office = app.signed_in("vanphong").await;
    office.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    let path = format!("/ky-hop/{session}/tai-lieu");
    let fields = [
        ("title", "Báo cáo thẩm tra"),
        ("kind", "to_trinh"),
        ("item", "0"),
        ("classification", "thuong"),
        ("dai_bieu", "1"),
    ];
    let bomb = pdf_that_takes_gigabytes();
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    let reply = upload(&mut office, &path, &fields, Some(("bao-cao.pdf", &bomb))).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("Tệp quá phức tạp để kiểm tra"),
        "{}",
        reply.body
    );
    assert_eq!(
        stored_files(&app),
        0,
        "nothing of a refused file stays on disk"
    );
    // The server goes on: the next file is taken.
    let pdf = make::pdf(&["Bao cao tham tra du thao nghi quyet"]);
    upload_doc(
        &mut office,
        session,
        "Báo cáo thẩm tra",
        "thuong",
        &[("dai_bieu", "1")],
        ("bao-cao.pdf", &pdf),
    )
    .await;
}

#[tokio::test]
async fn uploads_are_checked_by_content_and_refusals_keep_nothing() {
    let app = spawn_app_with_config(|c| c.upload_limits.max_bytes = 1024 * 1024).await;
    let session = demo_session(&app).await;
    let mut office = app.signed_in("vanphong").await;
    office.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    let path = format!("/ky-hop/{session}/tai-lieu");
    let fields = [
        ("title", "Tờ trình thử"),
        ("kind", "to_trinh"),
        ("item", "0"),
        ("classification", "thuong"),
        ("dai_bieu", "1"),
    ];

    // A program renamed to .pdf.
    let fake = upload(
        &mut office,
        &path,
        &fields,
        Some(("to-trinh.pdf", b"MZ\x90\x00\x03 this is not a pdf")),
    )
    .await;
    assert_eq!(fake.status, 400);
    assert!(
        fake.body.contains("không phải PDF, DOCX hay XLSX"),
        "{}",
        fake.body
    );

    // A Word file that inflates to 300 MB.
    let bomb = make::zip_bomb(300 * 1024 * 1024);
    let reply = upload(&mut office, &path, &fields, Some(("bao-cao.docx", &bomb))).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("cấu trúc bất thường"), "{}", reply.body);

    // Over the limit, by a little (caught while streaming) and by a lot
    // (caught from the declared length before reading).
    let mut big = make::pdf(&["x"]);
    big.resize(1024 * 1024 + 10, b' ');
    let reply = upload(&mut office, &path, &fields, Some(("lon.pdf", &big))).await;
    assert_eq!(reply.status, 413);
    assert!(
        reply.body.contains("lớn hơn giới hạn cho phép (1 MB)"),
        "{}",
        reply.body
    );
    big.resize(3 * 1024 * 1024, b' ');
    let reply = upload(&mut office, &path, &fields, Some(("lon.pdf", &big))).await;
    assert_eq!(reply.status, 413, "{}", reply.body);

    assert_eq!(stored_files(&app), 0, "no refused file stays on disk");
    let office_reader = DocumentReader {
        user_id: 0,
        sees_all: true,
        is_deputy: false,
        is_guest: false,
        day: T0.date(),
    };
    assert!(
        app.store
            .session_documents(session, &office_reader)
            .await
            .unwrap()
            .is_empty()
    );

    // A good PDF, named as anything.
    let pdf = make::pdf(&["To trinh ve du toan ngan sach nam 2027"]);
    let id = upload_doc(
        &mut office,
        session,
        "Tờ trình dự toán",
        "thuong",
        &[("dai_bieu", "1")],
        ("tai-lieu.bin", &pdf),
    )
    .await;
    let page = office.get(&format!("/tai-lieu/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("tai-lieu.pdf"),
        "the name takes the content's extension"
    );
    assert!(page.body.contains("data-pdf=\"/tai-lieu/"), "{}", page.body);
    let found = office
        .get(&format!("/ky-hop/{session}/tai-lieu?q=ngan+sach"))
        .await;
    assert!(
        found.body.contains("Tờ trình dự toán"),
        "the text is searchable"
    );

    // A Word file with script typed into it shows the script as text.
    let docx = make::docx(&[Para::body("<script>alert('x')</script> Điều 1")]);
    let id = upload_doc(
        &mut office,
        session,
        "Dự thảo có mã",
        "thuong",
        &[("dai_bieu", "1")],
        ("du-thao.docx", &docx),
    )
    .await;
    let page = office.get(&format!("/tai-lieu/{id}")).await;
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(page.body.contains("&lt;script&gt;alert("), "{}", page.body);

    // A macro-enabled Word file is refused.
    let reply = upload(
        &mut office,
        &path,
        &fields,
        Some(("macro.docx", &make::docm())),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("macro"), "{}", reply.body);
}

#[tokio::test]
async fn a_file_larger_than_the_framework_default_is_taken() {
    let app = spawn_app().await;
    let session = demo_session(&app).await;
    let mut office = app.signed_in("vanphong").await;
    office.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    let line = "Bang tong hop so lieu thu chi ngan sach cac xa phuong nam 2027";
    let lines = vec![line; 60_000];
    let pdf = make::pdf(&lines);
    assert!(pdf.len() > 3 * 1024 * 1024, "{} bytes", pdf.len());
    // As a plain form sends it, the token a field of the form: the CSRF
    // check reads it from the body, within the upload limit, not the
    // framework's default of 2 MB.
    let path = format!("/ky-hop/{session}/tai-lieu");
    let fields = [
        ("title", "Phụ lục số liệu (biểu mẫu)"),
        ("kind", "to_trinh"),
        ("item", "0"),
        ("classification", "thuong"),
        ("dai_bieu", "1"),
    ];
    let taken = office
        .post_form_multipart(&path, &fields, Some(("phu-luc.pdf", &pdf)))
        .await;
    assert_eq!(taken.status, 303, "{}", taken.body);
    let token = std::mem::replace(&mut office.csrf, "sai-ma".repeat(8));
    let refused = office
        .post_form_multipart(&path, &fields, Some(("phu-luc.pdf", &pdf)))
        .await;
    assert_eq!(refused.status, 403, "a wrong token in the form is refused");
    office.csrf = token;
    // Nobody signed in gets a body of that size read at all, with a good
    // token of their own (the sign-in page's).
    let mut stranger = app.client();
    stranger.get("/dang-nhap").await;
    assert!(!stranger.csrf.is_empty());
    let anonymous = stranger
        .post_form_multipart("/dang-nhap", &fields, Some(("phu-luc.pdf", &pdf)))
        .await;
    assert_eq!(anonymous.status, 403);
    let id = upload_doc(
        &mut office,
        session,
        "Phụ lục số liệu",
        "thuong",
        &[("dai_bieu", "1")],
        ("phu-luc.pdf", &pdf),
    )
    .await;
    let page = office.get(&format!("/tai-lieu/{id}")).await;
    assert!(page.body.contains("1500 trang"), "{}", page.body);
}

#[tokio::test]
async fn the_audience_decides_who_reads_on_every_route() {
    let app = spawn_app().await;
    let session = demo_session(&app).await;
    let mut office = app.signed_in("vanphong").await;
    office.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    let pdf = make::pdf(&["Bao cao rieng"]);
    let id = upload_doc(
        &mut office,
        session,
        "Báo cáo gửi riêng",
        "thuong",
        &[("ca_nhan", "daibieu2")],
        ("rieng.pdf", &pdf),
    )
    .await;

    // Before publication no deputy sees it, not even the named one.
    let mut named = app.signed_in("daibieu2").await;
    let mut other = app.signed_in("daibieu").await;
    assert_eq!(named.get(&format!("/tai-lieu/{id}")).await.status, 404);
    let refused = named
        .post(
            &format!("/tai-lieu/{id}/trang-thai"),
            &[("event", "trinh_duyet")],
        )
        .await;
    assert_eq!(refused.status, 403, "a deputy cannot submit");
    publish(&app, &mut office, id).await;

    assert_eq!(named.get(&format!("/tai-lieu/{id}")).await.status, 200);
    let list = named.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    assert!(list.body.contains("Báo cáo gửi riêng"));
    for path in [
        format!("/tai-lieu/{id}"),
        format!("/tai-lieu/{id}/tep"),
        format!("/tai-lieu/{id}/tai-ve"),
    ] {
        assert_eq!(other.get(&path).await.status, 404, "{path}");
    }
    let list = other.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    assert!(!list.body.contains("Báo cáo gửi riêng"));
    let search = other
        .get(&format!("/ky-hop/{session}/tai-lieu?q=rieng"))
        .await;
    assert!(!search.body.contains("Báo cáo gửi riêng"));
    let note = other
        .post(&format!("/tai-lieu/{id}/ghi-chu"), &[("note", "x")])
        .await;
    assert_eq!(note.status, 404);

    // Widening the audience lets the others in.
    office.get(&format!("/tai-lieu/{id}")).await;
    let widened = office
        .post(
            &format!("/tai-lieu/{id}/doi-tuong"),
            &[("dai_bieu", "1"), ("ca_nhan", "")],
        )
        .await;
    assert_eq!(widened.status, 303, "{}", widened.body);
    assert_eq!(other.get(&format!("/tai-lieu/{id}")).await.status, 200);
    let download = other.get(&format!("/tai-lieu/{id}/tai-ve")).await;
    assert_eq!(download.status, 200);
    assert!(download.body.starts_with("%PDF-"));
}

#[tokio::test]
async fn a_confidential_document_is_shown_watermarked_and_never_handed_out() {
    let app = spawn_app().await;
    let session = demo_session(&app).await;
    let mut office = app.signed_in("vanphong").await;
    office.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    let pdf = make::pdf(&["Phuong an gia dat chi tiet"]);
    let id = upload_doc(
        &mut office,
        session,
        "Phương án giá đất",
        "mat",
        &[("dai_bieu", "1")],
        ("mat.pdf", &pdf),
    )
    .await;
    publish(&app, &mut office, id).await;

    let mut deputy = app.signed_in("daibieu").await;
    let page = deputy.get(&format!("/tai-lieu/{id}")).await;
    assert_eq!(page.status, 200);
    let me = user(&app.store, "daibieu").await.display_name;
    assert!(page.body.contains("data-testid=\"watermark\""));
    assert!(
        page.body.contains(&format!("{me} · ")),
        "the watermark names the reader"
    );
    assert!(!page.body.contains("/tai-ve"), "no download link");
    assert_eq!(
        deputy.get(&format!("/tai-lieu/{id}/tai-ve")).await.status,
        404,
        "no download route serves it"
    );
    assert_eq!(
        deputy.get(&format!("/tai-lieu/{id}/tep")).await.status,
        404,
        "the viewer's address needs this view's ticket"
    );

    // The ticket of this page view works once, for this reader.
    let marker = "data-pdf=\"";
    let start = page.body.find(marker).unwrap() + marker.len();
    let src = page.body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#x3d;", "=");
    let mut other = app.signed_in("daibieu2").await;
    assert_eq!(other.get(&src).await.status, 404, "another reader's ticket");
    let page = deputy.get(&format!("/tai-lieu/{id}")).await;
    let start = page.body.find(marker).unwrap() + marker.len();
    let src = page.body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#x3d;", "=");
    let r = deputy
        .http
        .get(format!("{}{src}", deputy.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(deputy.get(&src).await.status, 404, "a ticket works once");

    // The packet lists it but does not carry it.
    let packet = deputy
        .http
        .get(format!("{}/ky-hop/{session}/goi-tai-lieu", deputy.base))
        .send()
        .await
        .unwrap();
    assert_eq!(packet.status().as_u16(), 200);
    let bytes = packet.bytes().await.unwrap();
    let names = zip_names(&bytes);
    assert!(names.contains(&"00-muc-luc.html".to_owned()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("Phương án")), "{names:?}");
}

/// File names in a zip.
fn zip_names(bytes: &[u8]) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    zip.file_names().map(|n| n.unwrap().into_owned()).collect()
}

#[tokio::test]
async fn notes_stay_private_and_the_chair_sees_who_read() {
    let app = spawn_app().await;
    let session = demo_session(&app).await;
    let mut office = app.signed_in("vanphong").await;
    office.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    let docx = make::docx(&[Para::title("TỜ TRÌNH"), Para::body("Nội dung tờ trình")]);
    let id = upload_doc(
        &mut office,
        session,
        "Tờ trình về giá đất",
        "thuong",
        &[("dai_bieu", "1")],
        ("to-trinh.docx", &docx),
    )
    .await;
    publish(&app, &mut office, id).await;

    let mut deputy = app.signed_in("daibieu").await;
    let page = deputy.get(&format!("/tai-lieu/{id}")).await;
    assert!(
        page.body.contains("<strong>TỜ TRÌNH</strong>"),
        "{}",
        page.body
    );
    let saved = deputy
        .post(
            &format!("/tai-lieu/{id}/ghi-chu"),
            &[("note", "Hỏi lại hệ số điều chỉnh\nở vùng 14")],
        )
        .await;
    assert_eq!(saved.status, 303);
    let page = deputy.get(&format!("/tai-lieu/{id}")).await;
    assert!(page.body.contains("Hỏi lại hệ số điều chỉnh\nở vùng 14"));
    let mut other = app.signed_in("daibieu2").await;
    assert!(
        !other
            .get(&format!("/tai-lieu/{id}"))
            .await
            .body
            .contains("Hỏi lại")
    );

    let mut chair = app.signed_in("chutich").await;
    let receipts = chair
        .get(&format!("/ky-hop/{session}/tai-lieu/da-doc"))
        .await;
    assert_eq!(receipts.status, 200);
    for user in ["daibieu", "daibieu2"] {
        let name = app
            .store
            .user_credentials(user)
            .await
            .unwrap()
            .unwrap()
            .user
            .display_name;
        assert!(receipts.body.contains(&name), "{}", receipts.body);
    }
    let mine = deputy
        .get(&format!("/ky-hop/{session}/tai-lieu/da-doc"))
        .await;
    assert_eq!(mine.status, 200);
    let other_name = user(&app.store, "daibieu2").await.display_name;
    assert!(
        !mine.body.contains(&other_name),
        "a deputy sees only their own reading"
    );
}

#[tokio::test]
async fn the_demo_session_has_published_documents_to_read() {
    let app = spawn_app().await;
    let session = demo_session(&app).await;
    let dir = app.data_dir.path().join("documents");
    let ctx = AuditContext::system(T0);
    let added = nghitruong::demo_documents::seed_documents(&*app.store, &dir, &ctx)
        .await
        .unwrap();
    assert_eq!(added, 8);
    let again = nghitruong::demo_documents::seed_documents(&*app.store, &dir, &ctx)
        .await
        .unwrap();
    assert_eq!(again, 0, "seeding twice adds nothing");

    let mut deputy = app.signed_in("daibieu").await;
    let list = deputy.get(&format!("/ky-hop/{session}/tai-lieu")).await;
    assert_eq!(list.body.matches("data-testid=\"document-row\"").count(), 8);
    let found = deputy
        .get(&format!("/ky-hop/{session}/tai-lieu?q=bang+gia+dat"))
        .await;
    assert!(
        found.body.contains("Tờ trình về bảng giá đất"),
        "{}",
        found.body
    );
    let packet = deputy
        .http
        .get(format!("{}/ky-hop/{session}/goi-tai-lieu", deputy.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        zip_names(&packet).len(),
        8,
        "the index and seven open documents"
    );
}

#[tokio::test]
async fn the_offline_worker_is_served_from_the_root() {
    let app = spawn_app().await;
    let mut c = app.client();
    let r = c.get("/sw.js").await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("x-nt-confidential"),
        "it skips confidential pages"
    );
}

/// The cookies of a fresh sign-in of `username`, as one `Cookie` header.
async fn sign_in_cookies(app: &TestApp, username: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let pairs = |r: &reqwest::Response| -> Vec<String> {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
            .collect()
    };
    let page = http
        .get(format!("{}/dang-nhap", app.base))
        .send()
        .await
        .unwrap();
    let mut cookies = pairs(&page);
    let token = crate::helpers::csrf_in(&page.text().await.unwrap()).unwrap();
    let signed = http
        .post(format!("{}/dang-nhap", app.base))
        .header("cookie", cookies.join("; "))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", username),
            ("password", crate::helpers::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303);
    cookies.extend(pairs(&signed));
    cookies.join("; ")
}

#[tokio::test]
async fn stalled_posts_of_someone_who_may_not_upload_hold_up_no_upload() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let app = spawn_app().await;
    let session = demo_session(&app).await;
    let deputy = sign_in_cookies(&app, "daibieu").await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // A deputy may not upload session documents. Posts to the upload route
    // (and to a form route, and to no route) that send a few bytes of a
    // large multipart body and then stall.
    let mut stalled = Vec::new();
    for path in [
        format!("/ky-hop/{session}/tai-lieu"),
        format!("/ky-hop/{session}/tai-lieu"),
        format!("/ky-hop/{session}/chuong-trinh"),
        "/khong-co-trang-nay".to_owned(),
        format!("/ky-hop/{session}/tai-lieu"),
    ] {
        let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {deputy}\r\n\
             Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n\
             --b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{}",
            "x".repeat(200)
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        stalled.push(socket);
    }
    // Each is answered at once, its body unread.
    for socket in &mut stalled {
        let mut answer = [0u8; 12];
        tokio::time::timeout(Duration::from_secs(5), socket.read_exact(&mut answer))
            .await
            .expect("a stalled post is answered without its body")
            .unwrap();
        let status = String::from_utf8_lossy(&answer[9..12]).into_owned();
        assert!(status == "403" || status == "404", "{status}");
    }
    // And the office's upload goes through meanwhile.
    let mut office = app.signed_in("vanphong").await;
    let pdf = make::pdf(&["Tờ trình về kế hoạch đầu tư công năm 2027"]);
    let started = std::time::Instant::now();
    upload_doc(
        &mut office,
        session,
        "Tờ trình đầu tư công",
        "thuong",
        &[("dai_bieu", "1")],
        ("to-trinh.pdf", &pdf),
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(stalled);
}
