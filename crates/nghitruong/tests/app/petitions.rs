//! Voter petitions over HTTP: the secretary captures, the clerk aggregates,
//! classifies and forwards, the agency answers, the council grades, the
//! citizen reads; and hostile sheets are refused without losing anything.

use nghitruong_domain::org::BodyKind;
use nghitruong_store::{CouncilFilter, PetitionFilter, PetitionStore, Store};

use crate::helpers::{Client, Reply, TestApp, spawn_app};

async fn province(app: &TestApp) -> i64 {
    let (found, _) = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    found[0].council.id
}

/// The identifier at the end of a redirect such as `/kien-nghi/dot/3`.
fn last_id(reply: &Reply) -> i64 {
    let location = reply.location.as_deref().expect("a redirect");
    let path = location.split('#').next().unwrap();
    path.rsplit('/').next().unwrap().parse().unwrap()
}

/// Posts a file as multipart with the CSRF header, as htmx sends it.
async fn upload(c: &mut Client, path: &str, name: &str, bytes: Vec<u8>) -> Reply {
    c.post_multipart(path, &[], Some((name, &bytes)), true)
        .await
}

async fn open_round(office: &mut Client, name: &str) -> i64 {
    office.get("/kien-nghi").await;
    let created = office
        .post(
            "/kien-nghi/dot",
            &[
                ("name", name),
                ("track", "hdnd"),
                ("opened_on", "2026-11-02"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    last_id(&created)
}

#[tokio::test]
async fn a_petition_goes_from_the_meeting_to_the_public_answer() {
    let app = spawn_app().await;
    let council = province(&app).await;
    let mut office = app.signed_in("vanphong").await;

    let round = open_round(&mut office, "Tiếp xúc cử tri trước Kỳ họp thứ 2").await;
    let page = office.get(&format!("/kien-nghi/dot/{round}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tiếp xúc cử tri trước Kỳ họp thứ 2"));

    let meeting = office
        .post(
            &format!("/kien-nghi/dot/{round}/hoi-nghi"),
            &[
                ("kind", "truoc_ky_hop"),
                ("held_on", "2026-11-05"),
                ("place", "Hội trường UBND xã Anh Sơn"),
                ("place_code", ""),
                ("deputies", "Nguyễn Văn An, Trần Thị Bình"),
                ("voter_count", "120"),
                ("minutes", ""),
            ],
        )
        .await;
    assert_eq!(meeting.status, 303, "{}", meeting.body);
    let meeting = last_id(&meeting);
    let meeting_form = |code: &'static str| {
        [
            ("kind", "truoc_ky_hop"),
            ("held_on", "2026-11-06"),
            ("place", "Nhà văn hóa xóm 3"),
            ("place_code", code),
            ("deputies", "Nguyễn Văn An"),
            ("voter_count", "40"),
            ("minutes", ""),
        ]
    };
    let unknown = office
        .post(
            &format!("/kien-nghi/dot/{round}/hoi-nghi"),
            &meeting_form("99999"),
        )
        .await;
    assert_eq!(
        unknown.status, 400,
        "a unit code outside the province is refused"
    );
    let anh_son = office
        .post(
            &format!("/kien-nghi/dot/{round}/hoi-nghi"),
            &meeting_form("17329"),
        )
        .await;
    assert_eq!(
        anh_son.status, 303,
        "a commune of the province is taken: {}",
        anh_son.body
    );
    office.get(&format!("/kien-nghi/hoi-nghi/{meeting}")).await;
    for (text, name) in [
        (
            "Đề nghị nâng cấp, sửa chữa Quốc lộ 7 đoạn qua xã Anh Sơn vì mặt đường hư hỏng nặng.",
            "Hồ Thị Lan",
        ),
        (
            "De nghi sua chua QL7 doan qua xa Anh Son, mat duong hu hong nang.",
            "",
        ),
        ("Đề nghị cấp thẻ BHYT kịp thời cho người cao tuổi.", ""),
        ("<script>alert('x')</script> Đề nghị lắp đèn đường.", ""),
    ] {
        let saved = office
            .post(
                &format!("/kien-nghi/hoi-nghi/{meeting}/y-kien"),
                &[("text", text), ("voter_count", "2"), ("voter_name", name)],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
    }
    let empty = office
        .post(
            &format!("/kien-nghi/hoi-nghi/{meeting}/y-kien"),
            &[("text", "   "), ("voter_count", "1")],
        )
        .await;
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("không được để trống"), "{}", empty.body);
    let listed = office.get(&format!("/kien-nghi/hoi-nghi/{meeting}")).await;
    assert!(
        listed.body.contains("lắp đèn đường"),
        "the opinion is listed"
    );
    assert!(!listed.body.contains("<script>alert"));

    // Aggregation proposes the two write-ups of the QL7 petition as one.
    let agg = office
        .get(&format!("/kien-nghi/dot/{round}/tong-hop"))
        .await;
    assert_eq!(agg.status, 200);
    assert_eq!(agg.body.matches("data-testid=\"dup-group\"").count(), 1);
    let all = PetitionFilter {
        round_id: Some(round),
        ..Default::default()
    };
    let records = app.store.petitions(&all).await.unwrap();
    assert_eq!(records.len(), 4);
    let road: Vec<String> = records
        .iter()
        .filter(|r| r.petition.text().contains("7"))
        .map(|r| r.id().to_string())
        .collect();
    let took = office
        .post(
            &format!("/kien-nghi/dot/{round}/tong-hop"),
            &[("action", "tong_hop_tat_ca")],
        )
        .await;
    assert_eq!(took.status, 303);
    let merged = office
        .post(
            &format!("/kien-nghi/dot/{round}/tong-hop"),
            &[("action", "gop"), ("id", &road[1]), ("id", &road[0])],
        )
        .await;
    assert_eq!(merged.status, 303, "{}", merged.body);
    let target: i64 = road[1].parse().unwrap();
    let kept = app.store.petition(target).await.unwrap();
    assert_eq!(kept.petition.voter_count(), 4, "voters of both are kept");
    assert_eq!(app.store.petitions(&all).await.unwrap().len(), 3);

    // Classify for Sở Xây dựng, then forward with one letter.
    let agency = app
        .store
        .bodies(council)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.kind == BodyKind::Department && b.name.contains("Xây dựng"))
        .unwrap();
    let detail = office.get(&format!("/kien-nghi/{target}")).await;
    assert!(
        detail.body.contains("data-testid=\"suggestions\"") && detail.body.contains("Giao thông"),
        "a road petition gets a suggested topic: {}",
        detail.body
    );
    let classified = office
        .post(
            &format!("/kien-nghi/{target}/xu-ly"),
            &[
                ("action", "phan_loai"),
                ("field", "kinh_te_ngan_sach"),
                ("topic", "giao_thong"),
                ("competence", "tinh"),
                ("agency_id", &agency.id.to_string()),
            ],
        )
        .await;
    assert_eq!(classified.status, 303, "{}", classified.body);
    let district = office
        .post(
            &format!("/kien-nghi/{target}/xu-ly"),
            &[
                ("action", "phan_loai"),
                ("field", "kinh_te_ngan_sach"),
                ("topic", "giao_thong"),
                ("competence", "huyen"),
            ],
        )
        .await;
    assert_eq!(district.status, 400, "no districts after July 2025");
    office.get(&format!("/kien-nghi/dot/{round}")).await;
    let forwarded = office
        .post(
            &format!("/kien-nghi/dot/{round}/chuyen"),
            &[
                ("agency_id", &agency.id.to_string()),
                ("number", "125/HĐND-VP"),
                ("issued_on", "2026-12-04"),
            ],
        )
        .await;
    assert_eq!(forwarded.status, 303, "{}", forwarded.body);
    let record = app.store.petition(target).await.unwrap();
    let due = record.petition.assignment().unwrap().due;
    assert!(due > time::macros::date!(2026 - 12 - 04));
    let round_page = office.get(&format!("/kien-nghi/dot/{round}")).await;
    assert!(round_page.body.contains("125/HĐND-VP"));
    let letters = app.store.petition_letters(round).await.unwrap();
    for path in [
        format!("/kien-nghi/dot/{round}/cong-van/{}", letters[0].id),
        format!("/kien-nghi/dot/{round}/bao-cao.docx"),
    ] {
        let r = office
            .http
            .get(format!("{}{path}", office.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let bytes = r.bytes().await.unwrap().to_vec();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
            .unwrap();
        assert!(xml.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), "{path}");
        assert!(xml.contains("Quốc lộ 7"), "{path} lists the petition");
    }

    // Search finds it typed without diacritics, for the office and for the
    // agency it was sent to; the agency does not find the others.
    let is_road = |v: &serde_json::Value| {
        v["hits"].as_array().is_some_and(|h| {
            h.iter()
                .any(|h| h["kind"] == "petition" && h["id"] == target)
        })
    };
    let found = crate::search::search_until(&mut office, "quoc lo 7 anh son", is_road).await;
    assert!(is_road(&found), "{found}");
    let mut officer = app.signed_in("coquan").await;
    let found = crate::search::search_until(&mut officer, "quoc lo 7", is_road).await;
    assert!(is_road(&found), "{found}");
    // The index has caught up with the road petition, so with the
    // BHYT one too.
    let bhyt = officer.get("/api/tra-cuu?q=the+bhyt").await.body;
    let office_bhyt = office.get("/api/tra-cuu?q=the+bhyt").await.body;
    assert!(office_bhyt.contains("\"petition\""), "{office_bhyt}");
    assert!(
        !bhyt.contains("\"petition\""),
        "an agency finds only what was sent to it: {bhyt}"
    );

    // A deputy may read but not process.
    let mut deputy = app.signed_in("daibieu").await;
    assert_eq!(
        deputy.get(&format!("/kien-nghi/{target}")).await.status,
        200
    );
    let refused = deputy
        .post(
            &format!("/kien-nghi/{target}/xu-ly"),
            &[("action", "don_doc")],
        )
        .await;
    assert_eq!(refused.status, 403);

    // The agency officer sees what is assigned, and only that.
    let mine = officer.get("/kien-nghi/duoc-giao").await;
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("Quốc lộ 7"), "{}", mine.body);
    assert!(!mine.body.contains("BHYT"));
    let other = records
        .iter()
        .find(|r| r.petition.text().contains("BHYT"))
        .unwrap()
        .id();
    assert_eq!(
        officer.get(&format!("/kien-nghi/{other}")).await.status,
        404
    );
    let detail = officer.get(&format!("/kien-nghi/{target}")).await;
    assert!(!detail.body.contains("Hồ Thị Lan"), "no voter names");
    let answer_path = format!("/kien-nghi/{target}/tra-loi");
    let version = record.version.to_string();
    let letter = nghitruong_docs::make::pdf(&[
        "SỞ XÂY DỰNG TỈNH NGHỆ AN",
        "Số: 88/SXD-KH",
        "V/v trả lời kiến nghị cử tri về Quốc lộ 7",
    ]);
    // A file that is not a document is refused and nothing is recorded.
    let fake = officer
        .post_multipart(
            &answer_path,
            &[
                ("version", &version),
                ("number", "88/SXD-KH"),
                ("date", "2026-12-04"),
                ("summary", "Trả lời kèm tệp giả."),
            ],
            Some(("tra-loi.pdf", b"<script>alert(1)</script>")),
            false,
        )
        .await;
    assert_eq!(fake.status, 400, "{}", fake.body);
    assert!(
        fake.body.contains("không phải PDF, DOCX hay XLSX"),
        "{}",
        fake.body
    );
    assert!(app.store.answer_files(target).await.unwrap().is_empty());
    let answered = officer
        .post_multipart(
            &answer_path,
            &[
                ("version", &version),
                ("number", "88/SXD-KH"),
                ("date", "2026-12-04"),
                (
                    "summary",
                    "Sở đã bố trí vốn duy tu, sửa chữa đoạn tuyến trong quý I năm 2027.",
                ),
            ],
            Some(("88-SXD-KH.pdf", &letter)),
            false,
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    let files = app.store.answer_files(target).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file.file_name, "88-SXD-KH.pdf");
    let file_path = format!("/kien-nghi/{target}/tra-loi/{}", files[0].id);
    let shown = officer.get(&format!("/kien-nghi/{target}")).await;
    assert!(shown.body.contains(&file_path), "{}", shown.body);
    let fetched = office
        .http
        .get(format!("{}{file_path}", office.base))
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), letter.as_slice());
    let again = officer
        .post_multipart(
            &answer_path,
            &[
                ("version", &version),
                ("number", "89/SXD-KH"),
                ("date", "2026-12-04"),
                ("summary", "Trả lời lần hai"),
            ],
            None,
            false,
        )
        .await;
    assert_eq!(again.status, 400, "a stale form is refused");

    // The council grades; the citizen reads it, without personal data.
    office.get(&format!("/kien-nghi/{target}")).await;
    let graded = office
        .post(
            &format!("/kien-nghi/{target}/xu-ly"),
            &[
                ("action", "danh_gia"),
                ("result", "dang_giai_quyet"),
                ("text", "Có lộ trình sửa chữa quý I/2027."),
            ],
        )
        .await;
    assert_eq!(graded.status, 303, "{}", graded.body);
    let overview = office.get("/kien-nghi").await;
    assert_eq!(overview.status, 200);
    assert!(overview.body.contains("Theo lĩnh vực"));

    let mut citizen = app.client();
    let portal = citizen.get("/cong-khai/kien-nghi").await;
    assert_eq!(portal.status, 200);
    assert!(portal.body.contains("bố trí vốn duy tu"), "{}", portal.body);
    assert!(!portal.body.contains("Hồ Thị Lan"));
    assert!(
        !portal.body.contains("BHYT"),
        "not yet taken up: not published"
    );
    let unaccented = citizen.get("/cong-khai/kien-nghi?q=quoc+lo+7").await;
    assert!(unaccented.body.contains("data-testid=\"public-petition\""));
    let public_file = format!("/cong-khai/kien-nghi/{target}/tra-loi/{}", files[0].id);
    assert!(portal.body.contains(&public_file), "{}", portal.body);
    assert_eq!(citizen.get(&public_file).await.status, 200);
    let json = citizen.get("/cong-khai/kien-nghi.json").await;
    let feed: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(feed["count"], 1);
    assert!(!json.body.contains("Hồ Thị Lan"));
    let csv = citizen.get("/cong-khai/kien-nghi.csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("125/HĐND-VP") || csv.body.contains("Sở Xây dựng"));
}

#[tokio::test]
async fn sheets_are_checked_previewed_and_imported_whole() {
    let app = spawn_app().await;
    let mut office = app.signed_in("vanphong").await;
    let round = open_round(&mut office, "Tiếp xúc cử tri sau Kỳ họp thứ 2").await;
    office.get(&format!("/kien-nghi/dot/{round}")).await;
    let path = format!("/kien-nghi/dot/{round}/nhap");
    let csv = "STT;Nội dung kiến nghị;Số cử tri;Địa bàn\n\
               1;Đề nghị nạo vét kênh tưới tiêu xóm 5;3;\n\
               2;;1;\n\
               3;=HYPERLINK(\"http://127.0.0.1/\",\"bấm vào đây\");2;\n\
               4;Đề nghị sửa cầu treo;nhiều;\n";
    let preview = upload(&mut office, &path, "y-kien.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("Dòng 3: thiếu nội dung"),
        "{}",
        preview.body
    );
    assert!(
        preview.body.contains("Dòng 5: số cử tri"),
        "{}",
        preview.body
    );
    let staged = preview
        .body
        .split("/kien-nghi/nhap/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_owned();
    let all = PetitionFilter {
        round_id: Some(round),
        ..Default::default()
    };
    assert!(
        app.store.petitions(&all).await.unwrap().is_empty(),
        "nothing yet"
    );
    let confirm = format!("/kien-nghi/nhap/{staged}/xac-nhan");
    let done = office.post(&confirm, &[]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Đã nhập 2 ý kiến"), "{}", done.body);
    assert_eq!(app.store.petitions(&all).await.unwrap().len(), 2);
    let twice = office.post(&confirm, &[]).await;
    assert_eq!(twice.status, 400);
    assert_eq!(app.store.petitions(&all).await.unwrap().len(), 2);

    // The export keeps the formula as inert text.
    let export = office
        .http
        .get(format!("{}/kien-nghi/dot/{round}/xuat.xlsx", office.base))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status().as_u16(), 200);
    let bytes = export.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(!sheet.contains("<f>"), "no formula cells");
    let mut shared = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut shared,
    )
    .unwrap();
    assert!(shared.contains("=HYPERLINK"), "kept as text");

    // Malformed, oversized and bomb files: clear messages, nothing stored.
    let garbage = upload(
        &mut office,
        &path,
        "hong.xlsx",
        b"PK\x03\x04garbage".to_vec(),
    )
    .await;
    assert!(garbage.body.contains("bị hỏng"), "{}", garbage.body);
    let big = upload(&mut office, &path, "lon.csv", vec![b'a'; 11 * 1024 * 1024]).await;
    assert!(big.body.contains("Tệp quá lớn"), "{}", big.body);
    let huge = upload(
        &mut office,
        &path,
        "rat-lon.csv",
        vec![b'a'; 50 * 1024 * 1024],
    )
    .await;
    assert_eq!(huge.status, 413);
    assert!(huge.body.contains("quá lớn"), "{}", huge.body);
    assert_eq!(app.store.petitions(&all).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_demo_round_shows_every_stage() {
    use nghitruong_domain::petition::PetitionStatus as S;
    let app = spawn_app().await;
    let created = nghitruong::demo_petitions::seed_petitions(
        app.store.as_ref(),
        &nghitruong_store::AuditContext::system(nghitruong_testkit::T0),
    )
    .await
    .unwrap();
    let council = province(&app).await;
    let all = app
        .store
        .petitions(&PetitionFilter {
            council_id: Some(council),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_demo_petitions_belong_to_nghe_an(&app, &all).await;
    assert_eq!(
        created, 14,
        "the records of the development set that Nghệ An voters could have raised"
    );
    for status in [
        S::Captured,
        S::Aggregated,
        S::Classified,
        S::Forwarded,
        S::Evaluated,
    ] {
        assert!(
            all.iter().any(|r| r.petition.status() == status),
            "some petition is {status:?}"
        );
    }
    let mut office = app.signed_in("vanphong").await;
    let overview = office.get("/kien-nghi").await;
    assert!(overview.body.contains("dữ liệu mẫu"));
    let rounds = app.store.petition_rounds(council).await.unwrap();
    let round = rounds
        .iter()
        .find(|r| r.name.contains("Kỳ họp thứ 2"))
        .unwrap()
        .id;
    // The Delegation's round after the NA session shows its sending window.
    let delegation = rounds
        .iter()
        .find(|r| r.track == nghitruong_domain::petition::Track::Delegation)
        .unwrap();
    let window = office
        .get(&format!("/kien-nghi/dot/{}", delegation.id))
        .await;
    assert!(
        window.body.contains("còn 10 ngày; 4 kiến nghị chưa gửi"),
        "{}",
        window.body
    );
    let agg = office
        .get(&format!("/kien-nghi/dot/{round}/tong-hop"))
        .await;
    assert!(
        agg.body.matches("data-testid=\"dup-group\"").count() >= 1,
        "second write-ups are proposed for merging"
    );
    let mut citizen = app.client();
    let portal = citizen.get("/cong-khai/kien-nghi").await;
    assert!(
        portal
            .body
            .matches("data-testid=\"public-petition\"")
            .count()
            >= 2
    );
}

/// Every province named in the development set (its `province` key) but
/// Nghệ An: the independent list the demo's texts are checked against.
fn provinces_of_the_dev_set() -> Vec<String> {
    let set = include_str!("../../../../testdata/petitions/petitions-dev.jsonl");
    let mut names: Vec<String> = set
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|r| r["province"].as_str().map(str::to_owned))
        .filter(|p| p != "Nghệ An" && !p.starts_with('('))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The province the development set records for the petition `text`.
fn dev_set_province(text: &str) -> String {
    let set = include_str!("../../../../testdata/petitions/petitions-dev.jsonl");
    set.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["text"].as_str() == Some(text))
        .and_then(|r| r["province"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("(not in the set: {text})"))
}

/// The demo places its petitions in Nghệ An communes: no text or answer
/// names another province (a commune of the same name, "xã Lạng Sơn",
/// aside), every one was typed with diacritics, every place is a commune of
/// the province.
async fn assert_demo_petitions_belong_to_nghe_an(
    app: &TestApp,
    all: &[nghitruong_store::PetitionRecord],
) {
    let provinces = provinces_of_the_dev_set();
    assert!(provinces.len() > 20, "{provinces:?}");
    let communes: std::collections::BTreeSet<String> = app
        .store
        .units(Some("40"))
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.code)
        .collect();
    assert!(communes.len() > 100);
    assert!(!all.is_empty());
    for r in all {
        let p = &r.petition;
        let mut texts = vec![p.text().to_owned()];
        texts.extend(p.answer().map(|a| a.summary.clone()));
        for text in &texts {
            let lower = text.to_lowercase();
            for name in &provinces {
                let name = name.to_lowercase();
                let named = lower.match_indices(&name).any(|(at, _)| {
                    let before = &lower[..at];
                    !before.ends_with("xã ") && !before.ends_with("phường ")
                });
                assert!(!named, "petition {} names {name}: {text}", p.id());
            }
            // Proper Vietnamese: many words carry a diacritic.
            let words: Vec<&str> = text
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| !w.is_empty())
                .collect();
            let marked = words.iter().filter(|w| !w.is_ascii()).count();
            assert!(
                marked * 4 >= words.len(),
                "petition {} reads as typed without diacritics: {text}",
                p.id()
            );
        }
        // And it is a record raised in Nghệ An or nationwide.
        let origin = dev_set_province(p.text());
        assert!(
            origin == "Nghệ An" || origin == "(toàn quốc)",
            "petition {} was raised in {origin}: {}",
            p.id(),
            p.text()
        );
        for place in p.places() {
            assert!(
                communes.contains(place),
                "petition {} is placed in {place}",
                p.id()
            );
        }
    }
}

#[tokio::test]
async fn the_delegation_round_shows_its_15_day_sending_window() {
    let app = spawn_app().await;
    let mut office = app.signed_in("vanphong").await;
    office.get("/kien-nghi").await;
    // NA session dates are for the Delegation's track only, and must be in order.
    let council_track = office
        .post(
            "/kien-nghi/dot",
            &[
                ("name", "Tiếp xúc cử tri của HĐND"),
                ("track", "hdnd"),
                ("opened_on", "2026-11-02"),
                ("na_opening", "2026-10-20"),
                ("na_closing", "2026-12-10"),
            ],
        )
        .await;
    assert_eq!(council_track.status, 400);
    assert!(
        council_track
            .body
            .contains("Chỉ đợt tiếp xúc của Đoàn ĐBQH")
    );
    let reversed = office
        .post(
            "/kien-nghi/dot",
            &[
                ("name", "Tiếp xúc cử tri sau kỳ họp Quốc hội"),
                ("track", "doan_dbqh"),
                ("opened_on", "2026-12-12"),
                ("na_opening", "2026-12-10"),
                ("na_closing", "2026-10-20"),
            ],
        )
        .await;
    assert_eq!(reversed.status, 400);
    assert!(reversed.body.contains("Ngày bế mạc kỳ họp Quốc hội"));
    // The test clock is 2026-12-04 (T0): after-session contact opened on
    // the closing day must be sent by closing + 15 days.
    let made = office
        .post(
            "/kien-nghi/dot",
            &[
                (
                    "name",
                    "Tiếp xúc cử tri sau Kỳ họp thứ 10, Quốc hội khóa XV",
                ),
                ("track", "doan_dbqh"),
                ("opened_on", "2026-11-20"),
                ("na_opening", "2026-10-20"),
                ("na_closing", "2026-11-20"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let page = office.get(made.location.as_deref().unwrap()).await;
    assert!(
        page.body.contains("data-testid=\"sending-window\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("05/12/2026"), "{}", page.body);
    assert!(
        page.body.contains("chưa có kiến nghị để gửi"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn holiday_arrangements_are_recorded_and_move_due_dates() {
    let app = spawn_app().await;
    let mut office = app.signed_in("vanphong").await;
    let page = office.get("/quy-che/ngay-nghi?nam=2027").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tết Âm lịch"), "{}", page.body);
    assert!(page.body.contains("Quốc khánh"));
    let bad = office
        .post(
            "/quy-che/ngay-nghi",
            &[
                ("year", "2027"),
                ("national_day_adjacent", "05/09/2027"),
                ("source", "Thông báo thử"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("1/9 hoặc 3/9"), "{}", bad.body);
    let typo = office
        .post(
            "/quy-che/ngay-nghi",
            &[("year", "2027"), ("compensatory_days", "31/02/2027")],
        )
        .await;
    assert_eq!(typo.status, 400);
    assert!(typo.body.contains("không phải ngày"), "{}", typo.body);
    let saved = office
        .post(
            "/quy-che/ngay-nghi",
            &[
                ("year", "2027"),
                ("compensatory_days", "03/05/2027, 04/05/2027"),
                ("make_up_working_days", "24/04/2027"),
                ("source", "Thông báo số 01/TB-BNV (thử nghiệm)"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let shown = office.get("/quy-che/ngay-nghi?nam=2027").await;
    assert!(shown.body.contains("04/05/2027"), "{}", shown.body);
    assert!(shown.body.contains("Làm bù"));
    assert!(shown.body.contains("Thông báo số 01/TB-BNV"));
    // The stored rules now build a calendar with the extra day off.
    let council = app
        .store
        .councils(&CouncilFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .0
        .remove(0)
        .council;
    let calendar = council.rules.calendar().unwrap();
    assert!(!calendar.is_working_day(time::macros::date!(2027 - 05 - 04)));
    assert!(calendar.is_working_day(time::macros::date!(2027 - 04 - 24)));
    // A deputy reads the calendar but may not change it.
    let mut deputy = app.signed_in("daibieu").await;
    assert_eq!(deputy.get("/quy-che/ngay-nghi").await.status, 200);
    let refused = deputy
        .post("/quy-che/ngay-nghi", &[("year", "2027"), ("remove", "1")])
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn agencies_are_reminded_before_answers_are_due_and_told_once_overdue() {
    use nghitruong_domain::clock::Clock as _;
    use nghitruong_domain::petition::PetitionStatus;
    use nghitruong_store::{AuditContext, NotificationStore as _};
    use std::collections::BTreeMap;

    let mut state = None;
    let app = crate::helpers::spawn_app_with(|s, _| state = Some(s.clone())).await;
    let state = state.unwrap();
    nghitruong::demo_petitions::seed_petitions(
        &*app.store,
        &AuditContext::system(nghitruong_testkit::T0),
    )
    .await
    .unwrap();
    let user = |name: &'static str| {
        let store = app.store.clone();
        async move { store.user_credentials(name).await.unwrap().unwrap().user }
    };
    let officer = user("coquan").await;
    let office = user("vanphong").await;
    let agency = officer.agency_body_id.unwrap();
    // What the demo left waiting for Sở Xây dựng: letters and due dates.
    let mut letters: BTreeMap<(String, time::Date), usize> = BTreeMap::new();
    for r in app
        .store
        .petitions(&PetitionFilter {
            agency_id: Some(agency),
            status: Some(PetitionStatus::Forwarded),
            ..Default::default()
        })
        .await
        .unwrap()
    {
        let a = r.petition.assignment().unwrap();
        *letters.entry((a.letter.number.clone(), a.due)).or_default() += 1;
    }
    assert!(
        !letters.is_empty(),
        "the demo forwards petitions to Sở Xây dựng"
    );
    let mut expected: BTreeMap<time::Date, Vec<String>> = BTreeMap::new();
    for ((_, due), n) in &letters {
        for d in [15, 7, 3] {
            expected
                .entry(*due - time::Duration::days(d))
                .or_default()
                .push(format!("Còn {d} ngày đến hạn trả lời {n} kiến nghị cử tri"));
        }
        expected
            .entry(*due + time::Duration::days(1))
            .or_default()
            .push(format!("Quá hạn trả lời {n} kiến nghị cử tri"));
    }
    let subjects = |id: i64| {
        let store = app.store.clone();
        async move {
            let mut n = store.notifications(id, 10_000).await.unwrap();
            n.reverse();
            n.into_iter().map(|n| n.subject).collect::<Vec<_>>()
        }
    };
    let last = *expected.keys().last().unwrap();
    let mut seen: BTreeMap<time::Date, Vec<String>> = BTreeMap::new();
    let mut before = 0;
    let mut day = nghitruong_domain::calendar::local_date(app.clock.now());
    while day <= last + time::Duration::days(5) {
        let outcomes = nghitruong_web::scheduler::tick(&state).await;
        assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
        // A second run the same day sends nothing new.
        nghitruong_web::scheduler::tick(&state).await;
        let now = subjects(officer.id).await;
        let petitions: Vec<String> = now[before..]
            .iter()
            .filter(|s| s.contains("kiến nghị cử tri"))
            .cloned()
            .collect();
        if !petitions.is_empty() {
            seen.insert(day, petitions);
        }
        before = now.len();
        app.clock.advance(time::Duration::days(1));
        day = nghitruong_domain::calendar::local_date(app.clock.now());
    }
    for list in expected.values_mut().chain(seen.values_mut()) {
        list.sort();
    }
    assert_eq!(seen, expected, "each reminder on its day, once");
    let office_heard: Vec<String> = subjects(office.id)
        .await
        .into_iter()
        .filter(|s| s.starts_with("Quá hạn trả lời"))
        .collect();
    // The office hears of every agency's overdue letter, once each.
    let mut all_letters = std::collections::BTreeSet::new();
    for r in app
        .store
        .petitions(&PetitionFilter {
            status: Some(PetitionStatus::Forwarded),
            ..Default::default()
        })
        .await
        .unwrap()
    {
        let a = r.petition.assignment().unwrap();
        all_letters.insert((a.agency_id, a.letter.number.clone(), a.due));
    }
    assert!(all_letters.len() > letters.len());
    assert_eq!(office_heard.len(), all_letters.len(), "{office_heard:?}");
}
