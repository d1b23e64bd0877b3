//! Deciding what an uploaded file is from its bytes, and taking its text.

use std::io::{Cursor, Read, Seek};
use std::path::Path;

use nghitruong_domain::document::FileFormat;

/// Limits applied to every upload; the settings file can change them.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
    /// Most entries a DOCX or XLSX zip may hold.
    pub max_zip_entries: usize,
    /// Largest total uncompressed size of a DOCX or XLSX, in bytes.
    pub max_uncompressed: u64,
    /// Largest ratio of uncompressed to compressed size of one entry.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 50 * 1024 * 1024,
            max_zip_entries: 2_000,
            max_uncompressed: 200 * 1024 * 1024,
            max_ratio: 100,
        }
    }
}

/// Why a file was refused, in words for the person who sent it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Empty file.
    #[error("Tệp rỗng, không có nội dung.")]
    Empty,
    /// Over the size limit.
    #[error("Tệp lớn hơn giới hạn cho phép ({limit_mb} MB).")]
    TooLarge {
        /// The limit in megabytes.
        limit_mb: u64,
    },
    /// Not PDF, DOCX or XLSX by content.
    #[error("Tệp không phải PDF, DOCX hay XLSX (đã kiểm tra nội dung, không dựa vào tên tệp).")]
    UnknownType,
    /// Claims to be a PDF but does not parse as one.
    #[error("Tệp PDF bị hỏng hoặc không đọc được.")]
    BadPdf,
    /// A PDF that needs a password.
    #[error("Tệp PDF có mật khẩu; vui lòng gửi bản không đặt mật khẩu.")]
    EncryptedPdf,
    /// A zip that cannot be read.
    #[error("Tệp Word/Excel bị hỏng hoặc không đọc được.")]
    BadZip,
    /// Too many entries, too big unpacked, or compressed too tightly.
    #[error(
        "Tệp Word/Excel có cấu trúc bất thường (quá nhiều thành phần hoặc dung lượng giải nén quá lớn); hệ thống từ chối để an toàn."
    )]
    ZipBomb,
    /// Macros, embedded HTML or ActiveX.
    #[error(
        "Tệp chứa macro, mã kịch bản hoặc thành phần nhúng; vui lòng lưu lại dưới dạng .docx/.xlsx thông thường."
    )]
    ActiveContent,
    /// A zip without the parts a Word or Excel file must have.
    #[error("Tệp nén không phải văn bản Word hay bảng tính Excel hợp lệ.")]
    MissingParts,
}

/// What an accepted file is.
#[derive(Clone, Debug)]
pub struct Inspected {
    /// Its format, from its content.
    pub format: FileFormat,
    /// Its text, for search (may be empty for a scanned PDF).
    pub text: String,
    /// Pages of a PDF; sheets of a workbook; 0 for a Word file.
    pub pages: u32,
}

/// Checks `bytes` against `limits` and reads its text. CPU-bound: call it
/// from a blocking task.
pub fn inspect(bytes: &[u8], limits: &Limits) -> Result<Inspected, Rejection> {
    check_size(bytes.len() as u64, limits)?;
    if bytes.starts_with(b"%PDF-") {
        return pdf(bytes);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return office(Cursor::new(bytes), limits);
    }
    Err(Rejection::UnknownType)
}

/// Why a file on disk could not be inspected: it was refused, or it could
/// not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileInspection {
    /// Refused, with the reason for the person who sent it.
    #[error(transparent)]
    Refused(#[from] Rejection),
    /// The file could not be read.
    #[error("cannot read the file to inspect it: {0}")]
    Io(#[from] std::io::Error),
}

/// [`inspect`] for a file on disk, reading only what the checks need: a
/// Word or Excel file is read part by part from the file, so a 50 MB
/// upload does not sit in memory while it is checked. Blocking I/O and
/// CPU-bound: call it from a blocking task.
pub fn inspect_file(path: &Path, limits: &Limits) -> Result<Inspected, FileInspection> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    check_size(size, limits)?;
    let mut magic = [0u8; 5];
    let sniffed = file.read(&mut magic)?;
    let magic = &magic[..sniffed];
    if magic.starts_with(b"%PDF-") {
        // Read whole: lopdf parses from memory only, and no maintained
        // crate parses PDF from a stream. What parsing may cost is bounded
        // by the process instead: the server runs this in a child with
        // limits on its memory and CPU (see `verdict.rs`).
        return Ok(pdf(&std::fs::read(path)?)?);
    }
    if magic.starts_with(b"PK\x03\x04") {
        file.rewind()?;
        return Ok(office(std::io::BufReader::new(file), limits)?);
    }
    Err(Rejection::UnknownType.into())
}

fn check_size(size: u64, limits: &Limits) -> Result<(), Rejection> {
    if size == 0 {
        return Err(Rejection::Empty);
    }
    if size > limits.max_bytes {
        return Err(Rejection::TooLarge {
            limit_mb: limits.max_bytes.div_ceil(1024 * 1024),
        });
    }
    Ok(())
}

/// Decompressed content allowed per PDF page when reading its text.
const PDF_PAGE_LIMIT: usize = 16 * 1024 * 1024;

fn pdf(bytes: &[u8]) -> Result<Inspected, Rejection> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|_| Rejection::BadPdf)?;
    if doc.is_encrypted() {
        return Err(Rejection::EncryptedPdf);
    }
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    if pages.is_empty() {
        return Err(Rejection::BadPdf);
    }
    // A page whose text cannot be read (an image, an odd font) leaves a
    // gap in the search text; the file itself is still good.
    let mut text = String::new();
    for page in &pages {
        if let Ok(t) = doc.extract_text_with_limit(&[*page], PDF_PAGE_LIMIT) {
            text.push_str(t.trim_end());
            text.push('\n');
        }
    }
    Ok(Inspected {
        format: FileFormat::Pdf,
        text: crate::xml::tidy(&text),
        pages: u32::try_from(pages.len()).unwrap_or(u32::MAX),
    })
}

/// Opens an Office zip with its limits checked, entry by entry, before any
/// part is read. Declared sizes can lie, so [`read_part`] also stops at the
/// limit while it inflates.
pub(crate) fn open_zip<R: Read + Seek>(
    reader: R,
    limits: &Limits,
) -> Result<zip::ZipArchive<R>, Rejection> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|_| Rejection::BadZip)?;
    if zip.len() > limits.max_zip_entries {
        return Err(Rejection::ZipBomb);
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| Rejection::BadZip)?;
        if entry.encrypted() {
            return Err(Rejection::BadZip);
        }
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        if size / packed > limits.max_ratio && size > 64 * 1024 {
            return Err(Rejection::ZipBomb);
        }
        total = total.saturating_add(size);
        if total > limits.max_uncompressed {
            return Err(Rejection::ZipBomb);
        }
        let name = entry
            .name()
            .map_err(|_| Rejection::BadZip)?
            .to_ascii_lowercase();
        if is_active(&name) {
            return Err(Rejection::ActiveContent);
        }
    }
    Ok(zip)
}

/// Parts that carry code or foreign markup: VBA macros, ActiveX controls,
/// and altChunk imports of HTML or MHT that Word renders as a web page.
fn is_active(name: &str) -> bool {
    name.ends_with(".bin") && name.contains("vba")
        || name.contains("activex/")
        || [".html", ".htm", ".mht", ".mhtml", ".js", ".xhtml"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Reads one part, stopping at `limit` bytes however small its header says
/// it is.
pub(crate) fn read_part<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Result<Option<Vec<u8>>, Rejection> {
    let entry = match zip.by_name(name) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(_) => return Err(Rejection::BadZip),
    };
    let mut out = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|_| Rejection::BadZip)?;
    if out.len() as u64 > limit {
        return Err(Rejection::ZipBomb);
    }
    Ok(Some(out))
}

fn office<R: Read + Seek>(reader: R, limits: &Limits) -> Result<Inspected, Rejection> {
    let mut zip = open_zip(reader, limits)?;
    let types = read_part(&mut zip, "[Content_Types].xml", limits.max_uncompressed)?
        .ok_or(Rejection::MissingParts)?;
    let types = String::from_utf8_lossy(&types).to_ascii_lowercase();
    if types.contains("macroenabled") || types.contains("vbaproject") {
        return Err(Rejection::ActiveContent);
    }
    if let Some(document) = read_part(&mut zip, "word/document.xml", limits.max_uncompressed)? {
        let text = crate::xml::docx_text(&document).map_err(|_| Rejection::BadZip)?;
        return Ok(Inspected {
            format: FileFormat::Docx,
            text,
            pages: 0,
        });
    }
    if zip.by_name("xl/workbook.xml").is_ok() {
        let mut reader = zip.into_inner();
        reader.rewind().map_err(|_| Rejection::BadZip)?;
        let (text, sheets) = xlsx_text(reader)?;
        return Ok(Inspected {
            format: FileFormat::Xlsx,
            text,
            pages: sheets,
        });
    }
    Err(Rejection::MissingParts)
}

/// Most cells read from a workbook for search and for its HTML view.
pub(crate) const MAX_CELLS: usize = 200_000;

/// Most text taken from a workbook's cells, in bytes. Cells that share one
/// long string (a few hundred cells pointing at 1 MB of text) would
/// otherwise turn a small file into gigabytes of text.
pub(crate) const MAX_TEXT: usize = 8 * 1024 * 1024;

/// Most cells a workbook's HTML view shows.
pub(crate) const MAX_VIEW_CELLS: usize = 50_000;

/// Most text a workbook's HTML view shows, in bytes.
pub(crate) const MAX_VIEW_TEXT: usize = 1024 * 1024;

/// What is left of a workbook's allowance while it is read.
pub(crate) struct Allowance {
    cells: usize,
    text: usize,
}

impl Default for Allowance {
    fn default() -> Self {
        Self {
            cells: MAX_CELLS,
            text: MAX_TEXT,
        }
    }
}

impl Allowance {
    /// What a workbook's HTML view shows at most: a page a browser can
    /// open (escaping can make the text a few times longer).
    pub(crate) fn view() -> Self {
        Self {
            cells: MAX_VIEW_CELLS,
            text: MAX_VIEW_TEXT,
        }
    }

    pub(crate) fn spent(&self) -> bool {
        self.cells == 0 || self.text == 0
    }
}

/// The used cells of sheet `name`, row by row: `on_row` gets each row's
/// cells as (column, text), in the order the sheet stores them. Read cell
/// by cell, never as a grid from the first used cell to the last: two
/// cells at A1 and XFD1048576 would ask for hundreds of gigabytes.
/// Stops, without an error, when `allowance` is spent.
pub(crate) fn sheet_rows<R: Read + Seek>(
    book: &mut calamine::Xlsx<R>,
    name: &str,
    allowance: &mut Allowance,
    mut on_row: impl FnMut(&[(u32, String)]),
) -> Result<(), Rejection> {
    use calamine::DataRef;
    let mut cells = book
        .worksheet_cells_reader(name)
        .map_err(|_| Rejection::BadZip)?;
    let mut row: Vec<(u32, String)> = Vec::new();
    let mut row_number = None;
    while !allowance.spent() {
        let Some(cell) = cells.next_cell().map_err(|_| Rejection::BadZip)? else {
            break;
        };
        let (r, c) = cell.get_position();
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::SharedString(s) => s.chars().take(allowance.text).collect(),
            DataRef::String(s) => s.chars().take(allowance.text).collect(),
            other => calamine::Data::from(other.clone()).to_string(),
        };
        allowance.cells -= 1;
        allowance.text = allowance.text.saturating_sub(text.len().max(1));
        if row_number != Some(r) {
            if !row.is_empty() {
                on_row(&row);
                row.clear();
            }
            row_number = Some(r);
        }
        row.push((c, text));
    }
    if !row.is_empty() {
        on_row(&row);
    }
    Ok(())
}

fn xlsx_text<R: Read + Seek>(reader: R) -> Result<(String, u32), Rejection> {
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(reader).map_err(|_| Rejection::BadZip)?;
    let names = book.sheet_names();
    let mut text = String::new();
    let mut allowance = Allowance::default();
    for name in &names {
        if allowance.spent() {
            break;
        }
        text.push_str(name);
        text.push('\n');
        sheet_rows(&mut book, name, &mut allowance, |row| {
            let line: Vec<&str> = row.iter().map(|(_, t)| t.as_str()).collect();
            text.push_str(&line.join("\t"));
            text.push('\n');
        })?;
    }
    Ok((
        crate::xml::tidy(&text),
        u32::try_from(names.len()).unwrap_or(u32::MAX),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::make::{self, Para};

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn a_pdf_is_known_by_its_bytes_and_gives_its_text() {
        let bytes = make::pdf(&["To trinh so 12/TTr-UBND", "ve du toan ngan sach"]);
        let found = inspect(&bytes, &limits()).unwrap();
        assert_eq!(found.format, FileFormat::Pdf);
        assert_eq!(found.pages, 1);
        assert!(
            found.text.contains("To trinh so 12/TTr-UBND"),
            "{}",
            found.text
        );
    }

    #[test]
    fn word_and_excel_files_give_their_text_in_nfc() {
        let decomposed = "Nghi\u{323} quyê\u{301}t";
        let bytes = make::docx(&[Para::title("TỜ TRÌNH"), Para::body(decomposed)]);
        let found = inspect(&bytes, &limits()).unwrap();
        assert_eq!(found.format, FileFormat::Docx);
        assert_eq!(found.text, "TỜ TRÌNH\nNghị quyết");

        let rows = vec![vec!["Xã".to_owned(), "Số kiến nghị".to_owned()]];
        let found = inspect(&make::xlsx("Tổng hợp", &rows), &limits()).unwrap();
        assert_eq!(found.format, FileFormat::Xlsx);
        assert!(found.text.contains("Xã\tSố kiến nghị"), "{}", found.text);
    }

    #[test]
    fn a_renamed_or_damaged_file_is_refused() {
        assert_eq!(
            inspect(b"MZ\x90\x00 not a pdf at all", &limits()).unwrap_err(),
            Rejection::UnknownType
        );
        assert_eq!(inspect(b"", &limits()).unwrap_err(), Rejection::Empty);
        assert_eq!(
            inspect(b"%PDF-1.7\n garbage", &limits()).unwrap_err(),
            Rejection::BadPdf
        );
        assert_eq!(
            inspect(b"PK\x03\x04 truncated", &limits()).unwrap_err(),
            Rejection::BadZip
        );
        let plain_zip = make::xlsx("a", &[]);
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        let other = zip.finish().unwrap().into_inner();
        assert_eq!(
            inspect(&other, &limits()).unwrap_err(),
            Rejection::MissingParts
        );
        assert!(inspect(&plain_zip, &limits()).is_ok());
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_inflated() {
        let bomb = make::zip_bomb(300 * 1024 * 1024);
        assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
        assert_eq!(inspect(&bomb, &limits()).unwrap_err(), Rejection::ZipBomb);
        let tight = Limits {
            max_zip_entries: 2,
            ..limits()
        };
        let docx = make::docx(&[Para::body("x")]);
        assert_eq!(inspect(&docx, &tight).unwrap_err(), Rejection::ZipBomb);
    }

    /// `bytes` written to a file of its own.
    fn on_disk(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, bytes).unwrap();
        file
    }

    fn refused(result: Result<Inspected, FileInspection>) -> Rejection {
        match result {
            Err(FileInspection::Refused(r)) => r,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_file_on_disk_is_judged_as_its_bytes_are() {
        let rows = vec![vec!["Xã".to_owned(), "Số kiến nghị".to_owned()]];
        let files = [
            make::pdf(&["To trinh so 12/TTr-UBND"]),
            make::docx(&[Para::title("TỜ TRÌNH"), Para::body("Nghị quyết")]),
            make::xlsx("Tổng hợp", &rows),
        ];
        for bytes in &files {
            let from_memory = inspect(bytes, &limits()).unwrap();
            let from_disk = inspect_file(on_disk(bytes).path(), &limits()).unwrap();
            assert_eq!(from_disk.format, from_memory.format);
            assert_eq!(from_disk.text, from_memory.text);
            assert_eq!(from_disk.pages, from_memory.pages);
        }
        let bad = [
            (Vec::new(), Rejection::Empty),
            (b"%PD".to_vec(), Rejection::UnknownType),
            (b"%PDF-1.7 nothing else".to_vec(), Rejection::BadPdf),
            (make::zip_bomb(300 * 1024 * 1024), Rejection::ZipBomb),
            (b"PK\x03\x04 broken".to_vec(), Rejection::BadZip),
        ];
        for (bytes, why) in bad {
            assert_eq!(
                refused(inspect_file(on_disk(&bytes).path(), &limits())),
                why
            );
        }
        let small = Limits {
            max_bytes: 10,
            ..limits()
        };
        assert_eq!(
            refused(inspect_file(on_disk(&files[1]).path(), &small)),
            Rejection::TooLarge { limit_mb: 1 }
        );
        let gone = std::env::temp_dir().join("nghitruong-khong-co-tep-nay.docx");
        assert!(matches!(
            inspect_file(&gone, &limits()),
            Err(FileInspection::Io(_))
        ));
    }

    #[test]
    fn a_workbook_spanning_the_whole_sheet_is_read_cell_by_cell() {
        // Two cells at opposite corners: as a grid, 2^34 cells.
        let data = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Góc trên</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>Góc dưới</t></is></c></row>"#;
        let bytes = make::xlsx_raw("Bảng", data, &[]);
        assert!(bytes.len() < 4096);
        let found = inspect(&bytes, &limits()).unwrap();
        assert_eq!(found.format, FileFormat::Xlsx);
        assert!(found.text.contains("Góc trên"), "{}", found.text);
        assert!(found.text.contains("Góc dưới"), "{}", found.text);
        let html = crate::xlsx_html(&bytes, &limits()).unwrap();
        assert!(html.contains("Góc dưới"));
        assert!(html.len() < 4096, "{} bytes of HTML", html.len());
    }

    #[test]
    fn cells_sharing_one_long_string_give_bounded_text() {
        // Letters that do not compress well, so that no ratio check stops it.
        let mut x: u32 = 2_463_534_242;
        let long: String = (0..1024 * 1024)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                char::from(b'a' + (x % 26) as u8)
            })
            .collect();
        let cells: String = (1..=300)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
            .collect();
        let bytes = make::xlsx_raw("Bảng", &cells, &[&long]);
        assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
        let found = inspect(&bytes, &limits()).unwrap();
        assert!(
            found.text.len() <= MAX_TEXT + 1024,
            "{} bytes",
            found.text.len()
        );
        assert!(
            found.text.len() >= MAX_TEXT / 2,
            "{} bytes",
            found.text.len()
        );
        let html = crate::xlsx_html(&bytes, &limits()).unwrap();
        assert!(
            html.len() <= MAX_VIEW_TEXT + 64 * 1024,
            "{} bytes",
            html.len()
        );
        assert!(
            html.contains("chỉ hiện phần đầu"),
            "the view says it is cut"
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let small = Limits {
            max_bytes: 10,
            ..limits()
        };
        assert_eq!(
            inspect(&make::pdf(&["x"]), &small).unwrap_err(),
            Rejection::TooLarge { limit_mb: 1 }
        );
    }

    #[test]
    fn macros_and_embedded_pages_are_refused() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        zip.start_file("[Content_Types].xml", o).unwrap();
        zip.start_file("word/document.xml", o).unwrap();
        zip.start_file("word/vbaProject.bin", o).unwrap();
        let docm = zip.finish().unwrap().into_inner();
        assert_eq!(
            inspect(&docm, &limits()).unwrap_err(),
            Rejection::ActiveContent
        );
    }

    #[test]
    fn script_typed_into_a_word_file_is_shown_as_text() {
        let bytes = make::docx(&[Para::body("<script>alert(1)</script> & <b>")]);
        let html = crate::docx_html(&bytes, &limits()).unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;"));
        let found = inspect(&bytes, &limits()).unwrap();
        assert!(
            found.text.contains("<script>"),
            "search keeps the words as typed"
        );
    }

    #[test]
    fn word_structure_becomes_a_few_known_tags() {
        let bytes = make::docx(&[
            Para::title("DỰ THẢO"),
            Para::heading("Điều 1. Phạm vi"),
            Para::body("Nội dung"),
        ]);
        let html = crate::docx_html(&bytes, &limits()).unwrap();
        assert_eq!(
            html,
            "<p class=\"giua\"><strong>DỰ THẢO</strong></p>\n\
             <h3><strong>Điều 1. Phạm vi</strong></h3>\n\
             <p>Nội dung</p>\n"
        );
        let rows = vec![vec!["<i>".to_owned(), "2".to_owned()]];
        let html = crate::xlsx_html(&make::xlsx("S", &rows), &limits()).unwrap();
        assert!(html.contains("<td>&lt;i&gt;</td><td>2</td>"), "{html}");
    }
}
