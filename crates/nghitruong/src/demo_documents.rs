//! The demo session's documents: tờ trình, dự thảo nghị quyết, báo cáo
//! and báo cáo thẩm tra for the agenda of the demo province's convened
//! session, written as Word files (and one Excel sheet) and published to
//! the deputies. Every text here was written for the demo; figures are
//! invented and only look plausible.

use std::path::Path;

use anyhow::Context as _;
use nghitruong_docs::make::{self, Para};
use nghitruong_docs::{BlobStore, Limits, inspect};
use nghitruong_domain::document::{AudienceGrant, Classification, DocumentEvent, DocumentKind};
use nghitruong_domain::org::CouncilLevel;
use nghitruong_domain::session::SessionStatus;
use nghitruong_store::{
    AuditContext, CouncilFilter, DocumentReader, NewDocument, NewVersion, Store,
};

/// One demo document.
struct DemoDoc {
    /// Which agenda item, by position.
    item: u32,
    kind: DocumentKind,
    title: &'static str,
    classification: Classification,
    guests: bool,
    /// A document for named readers only (by user name), instead of all
    /// deputies: the restricted land-price working paper.
    named: &'static [&'static str],
    file_name: &'static str,
    bytes: Vec<u8>,
}

/// The header block of a state document (Nghị định 30/2020): the issuing
/// body on the left, the national motto on the right, then number, place
/// and date.
fn header(issuer: &[&str], number: &str, day: &str) -> Vec<Para> {
    let mut paras: Vec<Para> = issuer.iter().map(|l| Para::title(*l)).collect();
    paras.push(Para::title("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    paras.push(Para::title("Độc lập - Tự do - Hạnh phúc"));
    paras.push(Para::body(format!("Số: {number}")));
    paras.push(Para {
        text: format!("Nghệ An, ngày {day}"),
        italic: true,
        ..Para::default()
    });
    paras
}

fn body(lines: &[&str]) -> Vec<Para> {
    lines
        .iter()
        .map(|l| {
            let roman = l
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| "IVX".contains(c)));
            if l.starts_with("Điều ") || roman {
                Para::heading(*l)
            } else {
                Para::body(*l)
            }
        })
        .collect()
}

fn doc(parts: Vec<Vec<Para>>) -> Vec<u8> {
    make::docx(&parts.concat())
}

const UBND: &[&str] = &["ỦY BAN NHÂN DÂN", "TỈNH NGHỆ AN"];
const HDND: &[&str] = &["HỘI ĐỒNG NHÂN DÂN", "TỈNH NGHỆ AN"];

fn documents() -> Vec<DemoDoc> {
    vec![
        DemoDoc {
            item: 2,
            kind: DocumentKind::Report,
            title: "Báo cáo tình hình kinh tế - xã hội năm 2026, kế hoạch năm 2027",
            classification: Classification::Normal,
            guests: true,
            named: &[],
            file_name: "bao-cao-kinh-te-xa-hoi-2026.docx",
            bytes: doc(vec![
                header(UBND, "412/BC-UBND", "20 tháng 11 năm 2026"),
                vec![
                    Para::title("BÁO CÁO"),
                    Para::title(
                        "Tình hình kinh tế - xã hội năm 2026, mục tiêu, nhiệm vụ và giải pháp năm 2027",
                    ),
                ],
                body(&[
                    "I. KẾT QUẢ THỰC HIỆN NĂM 2026",
                    "Năm 2026, trong bối cảnh vận hành mô hình chính quyền địa phương hai cấp, các ngành, các cấp trong tỉnh đã bám sát chỉ tiêu Nghị quyết của Hội đồng nhân dân tỉnh, chủ động tháo gỡ vướng mắc cho doanh nghiệp và người dân.",
                    "Tốc độ tăng tổng sản phẩm trên địa bàn (GRDP) ước đạt 8,6%, cao hơn bình quân cả nước; trong đó khu vực công nghiệp - xây dựng tăng 12,1%, khu vực dịch vụ tăng 7,4%, khu vực nông, lâm nghiệp và thủy sản tăng 3,9%.",
                    "Thu ngân sách nhà nước trên địa bàn ước đạt 25.180 tỷ đồng, bằng 108% dự toán; giải ngân vốn đầu tư công đến ngày 15 tháng 11 đạt 78% kế hoạch vốn được giao.",
                    "Công tác giảm nghèo tiếp tục chuyển biến; tỷ lệ hộ nghèo theo chuẩn đa chiều giảm 1,2 điểm phần trăm, riêng các xã miền núi phía Tây giảm 3,1 điểm phần trăm.",
                    "II. HẠN CHẾ, NGUYÊN NHÂN",
                    "Tiến độ giải phóng mặt bằng một số dự án trọng điểm còn chậm; việc sắp xếp, xử lý trụ sở dôi dư sau khi sắp xếp đơn vị hành chính cấp xã chưa hoàn thành.",
                    "III. MỤC TIÊU, NHIỆM VỤ NĂM 2027",
                    "Phấn đấu tốc độ tăng GRDP từ 9% trở lên; thu ngân sách trên địa bàn đạt 26.500 tỷ đồng; tỷ lệ hộ nghèo giảm từ 1 đến 1,5 điểm phần trăm.",
                    "Ủy ban nhân dân tỉnh kính trình Hội đồng nhân dân tỉnh xem xét, quyết định.",
                ]),
            ]),
        },
        DemoDoc {
            item: 3,
            kind: DocumentKind::VerificationReport,
            title: "Báo cáo thẩm tra dự toán ngân sách địa phương năm 2027",
            classification: Classification::Normal,
            guests: false,
            named: &[],
            file_name: "bao-cao-tham-tra-du-toan-2027.docx",
            bytes: doc(vec![
                header(
                    &["HĐND TỈNH NGHỆ AN", "BAN KINH TẾ - NGÂN SÁCH"],
                    "87/BC-KTNS",
                    "01 tháng 12 năm 2026",
                ),
                vec![
                    Para::title("BÁO CÁO THẨM TRA"),
                    Para::title(
                        "Dự toán thu, chi ngân sách địa phương và phân bổ ngân sách cấp tỉnh năm 2027",
                    ),
                ],
                body(&[
                    "Thực hiện sự phân công của Thường trực Hội đồng nhân dân tỉnh, Ban Kinh tế - Ngân sách đã thẩm tra Tờ trình và dự thảo Nghị quyết về dự toán ngân sách địa phương năm 2027 của Ủy ban nhân dân tỉnh.",
                    "I. VỀ DỰ TOÁN THU",
                    "Ban cơ bản thống nhất dự toán thu ngân sách nhà nước trên địa bàn 26.500 tỷ đồng. Đề nghị Ủy ban nhân dân tỉnh làm rõ cơ sở xây dựng khoản thu tiền sử dụng đất 6.200 tỷ đồng trong điều kiện thị trường bất động sản phục hồi chưa đồng đều.",
                    "II. VỀ DỰ TOÁN CHI",
                    "Ban thống nhất bố trí chi đầu tư phát triển 9.340 tỷ đồng; đề nghị ưu tiên vốn cho các công trình chuyển tiếp, hạn chế khởi công mới dàn trải.",
                    "III. KIẾN NGHỊ",
                    "Ban Kinh tế - Ngân sách đề nghị Hội đồng nhân dân tỉnh xem xét, thông qua dự thảo Nghị quyết với các nội dung đã được tiếp thu, chỉnh lý.",
                ]),
            ]),
        },
        DemoDoc {
            item: 4,
            kind: DocumentKind::Report,
            title: "Báo cáo kết quả giải quyết ý kiến, kiến nghị của cử tri",
            classification: Classification::Normal,
            guests: true,
            named: &[],
            file_name: "bao-cao-kien-nghi-cu-tri.docx",
            bytes: doc(vec![
                header(UBND, "415/BC-UBND", "22 tháng 11 năm 2026"),
                vec![
                    Para::title("BÁO CÁO"),
                    Para::title(
                        "Kết quả giải quyết ý kiến, kiến nghị của cử tri gửi đến kỳ họp trước",
                    ),
                ],
                body(&[
                    "Sau kỳ họp giữa năm 2026, Thường trực Hội đồng nhân dân tỉnh đã chuyển 214 ý kiến, kiến nghị của cử tri đến Ủy ban nhân dân tỉnh và các cơ quan liên quan.",
                    "Đến ngày 15 tháng 11 năm 2026, đã giải quyết xong 171 kiến nghị (79,9%); 31 kiến nghị đang giải quyết theo lộ trình; 12 kiến nghị đã được giải thích, cung cấp thông tin.",
                    "Các kiến nghị tập trung vào lĩnh vực đất đai, hạ tầng giao thông nông thôn, chế độ đối với cán bộ không chuyên trách sau sắp xếp và nước sạch vùng miền núi.",
                ]),
            ]),
        },
        DemoDoc {
            item: 4,
            kind: DocumentKind::Other,
            title: "Bảng tổng hợp kiến nghị cử tri theo lĩnh vực",
            classification: Classification::Normal,
            guests: true,
            named: &[],
            file_name: "tong-hop-kien-nghi.xlsx",
            bytes: make::xlsx(
                "Tổng hợp",
                &[
                    [
                        "Lĩnh vực",
                        "Số kiến nghị",
                        "Đã giải quyết",
                        "Đang giải quyết",
                        "Giải thích",
                    ],
                    ["Đất đai, môi trường", "58", "41", "12", "5"],
                    ["Giao thông, xây dựng", "47", "38", "7", "2"],
                    ["Văn hóa - xã hội", "44", "39", "3", "2"],
                    ["Nông nghiệp, nông thôn", "36", "30", "5", "1"],
                    ["Tổ chức bộ máy, chế độ chính sách", "29", "23", "4", "2"],
                    ["Tổng cộng", "214", "171", "31", "12"],
                ]
                .iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
                .collect::<Vec<Vec<String>>>(),
            ),
        },
        DemoDoc {
            item: 8,
            kind: DocumentKind::Proposal,
            title: "Tờ trình về dự toán ngân sách địa phương năm 2027",
            classification: Classification::Normal,
            guests: false,
            named: &[],
            file_name: "to-trinh-du-toan-2027.docx",
            bytes: doc(vec![
                header(UBND, "9876/TTr-UBND", "25 tháng 11 năm 2026"),
                vec![
                    Para::title("TỜ TRÌNH"),
                    Para::title(
                        "Về dự toán thu ngân sách nhà nước trên địa bàn, thu, chi ngân sách địa phương năm 2027",
                    ),
                ],
                body(&[
                    "Kính gửi: Hội đồng nhân dân tỉnh Nghệ An.",
                    "Căn cứ Luật Tổ chức chính quyền địa phương; Luật Ngân sách nhà nước và các văn bản hướng dẫn thi hành, Ủy ban nhân dân tỉnh kính trình Hội đồng nhân dân tỉnh dự toán ngân sách năm 2027 như sau:",
                    "1. Tổng thu ngân sách nhà nước trên địa bàn: 26.500 tỷ đồng, trong đó thu nội địa 24.700 tỷ đồng, thu từ hoạt động xuất nhập khẩu 1.800 tỷ đồng.",
                    "2. Tổng chi ngân sách địa phương: 41.860 tỷ đồng, trong đó chi đầu tư phát triển 9.340 tỷ đồng, chi thường xuyên 30.950 tỷ đồng, dự phòng ngân sách 780 tỷ đồng.",
                    "3. Bội chi ngân sách địa phương: 420 tỷ đồng, từ nguồn vay lại vốn vay nước ngoài của Chính phủ.",
                    "Ủy ban nhân dân tỉnh kính trình Hội đồng nhân dân tỉnh xem xét, quyết định.",
                ]),
            ]),
        },
        DemoDoc {
            item: 8,
            kind: DocumentKind::DraftResolution,
            title: "Dự thảo Nghị quyết về dự toán ngân sách địa phương năm 2027",
            classification: Classification::Normal,
            guests: false,
            named: &[],
            file_name: "du-thao-nq-du-toan-2027.docx",
            bytes: doc(vec![
                header(HDND, "    /NQ-HĐND", "   tháng 12 năm 2026"),
                vec![
                    Para::title("DỰ THẢO"),
                    Para::title("NGHỊ QUYẾT"),
                    Para::title("Về dự toán ngân sách địa phương năm 2027"),
                    Para::title("HỘI ĐỒNG NHÂN DÂN TỈNH NGHỆ AN KHÓA XIX, KỲ HỌP THỨ 2"),
                ],
                body(&[
                    "Xét Tờ trình số 9876/TTr-UBND ngày 25 tháng 11 năm 2026 của Ủy ban nhân dân tỉnh; Báo cáo thẩm tra của Ban Kinh tế - Ngân sách; ý kiến thảo luận của đại biểu Hội đồng nhân dân tỉnh tại kỳ họp.",
                    "QUYẾT NGHỊ:",
                    "Điều 1. Phê chuẩn dự toán ngân sách địa phương năm 2027",
                    "Tổng thu ngân sách nhà nước trên địa bàn 26.500 tỷ đồng; tổng chi ngân sách địa phương 41.860 tỷ đồng; bội chi 420 tỷ đồng.",
                    "Điều 2. Tổ chức thực hiện",
                    "Giao Ủy ban nhân dân tỉnh tổ chức thực hiện Nghị quyết. Thường trực Hội đồng nhân dân tỉnh, các Ban, các Tổ đại biểu và đại biểu Hội đồng nhân dân tỉnh giám sát việc thực hiện.",
                ]),
            ]),
        },
        DemoDoc {
            item: 9,
            kind: DocumentKind::Proposal,
            title: "Tờ trình về bảng giá đất giai đoạn 2027–2031",
            classification: Classification::Normal,
            guests: false,
            named: &[],
            file_name: "to-trinh-bang-gia-dat.docx",
            bytes: doc(vec![
                header(UBND, "9901/TTr-UBND", "26 tháng 11 năm 2026"),
                vec![
                    Para::title("TỜ TRÌNH"),
                    Para::title(
                        "Về việc ban hành Nghị quyết quy định bảng giá đất trên địa bàn tỉnh giai đoạn 2027–2031",
                    ),
                ],
                body(&[
                    "Kính gửi: Hội đồng nhân dân tỉnh Nghệ An.",
                    "Bảng giá đất được xây dựng theo vùng giá trị, thửa đất chuẩn và khu vực sau sắp xếp đơn vị hành chính; giá đất ở tại các phường trung tâm tăng bình quân 18%, tại các xã miền núi tăng bình quân 6% so với bảng giá hiện hành.",
                    "Dự thảo đã được lấy ý kiến Ủy ban Mặt trận Tổ quốc tỉnh, các sở, ngành và 130 xã, phường; các ý kiến đã được tiếp thu, giải trình tại Báo cáo kèm theo.",
                ]),
            ]),
        },
        DemoDoc {
            item: 9,
            kind: DocumentKind::Report,
            title: "Phương án giá đất chi tiết tại các vùng giá trị (tài liệu hạn chế)",
            classification: Classification::Restricted,
            guests: false,
            named: &["daibieu", "daibieu2"],
            file_name: "phuong-an-gia-dat-chi-tiet.docx",
            bytes: doc(vec![
                header(UBND, "418/BC-UBND", "26 tháng 11 năm 2026"),
                vec![
                    Para::title("BÁO CÁO"),
                    Para::title("Phương án giá đất chi tiết tại các vùng giá trị trọng điểm"),
                ],
                body(&[
                    "Tài liệu phục vụ thảo luận của đại biểu, chưa công bố; không sao chép, không chuyển cho tổ chức, cá nhân khác.",
                    "Vùng giá trị 01 (trục đường Lê Nin, phường Vinh Phú): giá đất ở dự kiến 68 triệu đồng/m².",
                    "Vùng giá trị 14 (ven Quốc lộ 7, xã Anh Sơn): giá đất ở dự kiến 7,5 triệu đồng/m².",
                    "Vùng giá trị 27 (khu kinh tế Đông Nam): giá đất sản xuất, kinh doanh phi nông nghiệp dự kiến 2,1 triệu đồng/m².",
                ]),
            ]),
        },
    ]
}

/// Adds the documents to the demo province's convened session, stored in
/// `documents_dir` and published, unless that session has documents
/// already. Returns how many were added.
pub async fn seed_documents(
    store: &dyn Store,
    documents_dir: &Path,
    ctx: &AuditContext,
) -> anyhow::Result<usize> {
    let filter = CouncilFilter {
        level: Some(CouncilLevel::Province),
        limit: 1,
        ..Default::default()
    };
    let (found, _) = store.councils(&filter).await?;
    let Some(council) = found.first().map(|c| &c.council) else {
        return Ok(0);
    };
    let sessions = store.council_sessions(council.id).await?;
    let Some(session) = sessions
        .iter()
        .find(|s| s.status == SessionStatus::Convened)
    else {
        return Ok(0);
    };
    let office = DocumentReader {
        user_id: 0,
        sees_all: true,
        is_deputy: false,
        is_guest: false,
        day: session.starts_on,
    };
    if !store
        .session_documents(session.id, &office)
        .await?
        .is_empty()
    {
        return Ok(0);
    }
    let uploader = store
        .user_credentials("vanphong")
        .await?
        .map_or(0, |c| c.user.id);
    let agenda = store.agenda(session.id).await?;
    let blobs = BlobStore::new(documents_dir)
        .with_context(|| format!("không tạo được thư mục {}", documents_dir.display()))?;
    let limits = Limits::default();
    let mut added = 0;
    for d in documents() {
        let inspected = inspect(&d.bytes, &limits)
            .map_err(|e| anyhow::anyhow!("demo document {} refused: {e}", d.file_name))?;
        let mut incoming = blobs.begin(limits.max_bytes)?;
        incoming.write(&d.bytes).await?;
        let blob = incoming.finish().await?.keep().await?;
        let mut audience = Vec::new();
        for name in d.named {
            if let Some(c) = store.user_credentials(name).await? {
                audience.push(AudienceGrant::Person(c.user.id));
            }
        }
        if d.named.is_empty() {
            audience.push(AudienceGrant::AllDeputies);
        }
        if d.guests {
            audience.push(AudienceGrant::Guests);
        }
        let new = NewDocument {
            session_id: session.id,
            agenda_item_id: agenda.iter().find(|a| a.position == d.item).map(|a| a.id),
            kind: d.kind,
            title: d.title.into(),
            classification: d.classification,
            audience,
        };
        let version = NewVersion {
            sha256: blob.sha256,
            size: blob.size,
            format: inspected.format,
            file_name: d.file_name.into(),
            pages: inspected.pages,
            text: inspected.text,
        };
        let id = store.create_document(&new, &version, uploader, ctx).await?;
        for event in [
            DocumentEvent::Submit,
            DocumentEvent::Approve,
            DocumentEvent::Publish,
        ] {
            store.document_event(id, event, ctx).await?;
        }
        added += 1;
    }
    Ok(added)
}
