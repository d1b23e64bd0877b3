//! Reading the office's petition sheets (XLSX or CSV) into opinions, with a
//! Vietnamese message for every row that cannot be taken, and writing the
//! petitions of a round back out as XLSX.
//!
//! Files are hostile until checked: the size is capped before anything is
//! parsed, an XLSX is opened as a zip only after its entries' sizes and
//! compression ratios are checked (a small file that inflates to gigabytes
//! is refused), and no cell is ever written back as a formula.

use std::collections::HashMap;
use std::io::Cursor;

use nghitruong_domain::petition::MAX_TEXT_CHARS;
use nghitruong_domain::text::{fold, is_invisible};
use nghitruong_store::NewOpinion;

use crate::AppState;
use crate::error::AppResult;

/// Largest sheet accepted.
pub(crate) const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Most rows one import may hold.
pub(crate) const MAX_ROWS: usize = 20_000;
/// Largest total the entries of an XLSX may inflate to.
const MAX_UNZIPPED_BYTES: u64 = 100 * 1024 * 1024;
/// Largest inflation ratio of one entry.
const MAX_RATIO: u64 = 200;
/// Most entries an XLSX may hold.
const MAX_ENTRIES: usize = 2_000;

/// A row that could not be taken, by its line number in the sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RowError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

/// What a sheet holds.
#[derive(Clone, Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) rows: Vec<NewOpinion>,
    pub(crate) errors: Vec<RowError>,
}

/// The columns we recognise, by the folded words of their header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Column {
    Text,
    Voters,
    Place,
    Name,
    Address,
}

fn column_of(header: &str) -> Option<Column> {
    let h = fold(header);
    let h = h.trim();
    let has = |w: &str| h.contains(w);
    if has("noi dung") || has("y kien") || has("kien nghi") {
        Some(Column::Text)
    } else if has("so cu tri") || has("so nguoi") || has("so luong") {
        Some(Column::Voters)
    } else if has("dia ban") || has("ma xa") || has("xa, phuong") || h == "xa" || has("don vi") {
        Some(Column::Place)
    } else if has("ho ten") || has("ho va ten") || has("nguoi kien nghi") {
        Some(Column::Name)
    } else if has("dia chi") {
        Some(Column::Address)
    } else {
        None
    }
}

/// Administrative units of the province, by code and by folded name with
/// and without the "xã"/"phường" prefix.
pub(crate) struct Places {
    codes: HashMap<String, String>,
    names: HashMap<String, String>,
}

impl Places {
    pub(crate) async fn load(state: &AppState, province: &str) -> AppResult<Self> {
        let units = state.store.units(Some(province)).await?;
        let mut codes = HashMap::new();
        let mut names = HashMap::new();
        for u in units {
            let folded = fold(&u.name);
            for prefix in ["xa ", "phuong ", "dac khu "] {
                if let Some(bare) = folded.strip_prefix(prefix) {
                    names.insert(bare.to_owned(), u.code.clone());
                }
            }
            names.insert(folded, u.code.clone());
            codes.insert(u.code.clone(), u.name);
        }
        Ok(Self { codes, names })
    }

    fn resolve(&self, raw: &str) -> Option<String> {
        let raw = raw.trim();
        if self.codes.contains_key(raw) {
            return Some(raw.to_owned());
        }
        let folded = fold(raw);
        let folded = folded.split(',').next().unwrap_or("").trim();
        self.names.get(folded).cloned()
    }
}

/// The province a council belongs to: its own unit, or its parent.
pub(crate) async fn province_of(state: &AppState, unit_code: &str) -> AppResult<String> {
    let provinces = state.store.units(None).await?;
    if provinces.iter().any(|p| p.code == unit_code) {
        return Ok(unit_code.to_owned());
    }
    for p in &provinces {
        let units = state.store.units(Some(&p.code)).await?;
        if units.iter().any(|u| u.code == unit_code) {
            return Ok(p.code.clone());
        }
    }
    Ok(unit_code.to_owned())
}

/// Whether `code` is a commune or ward of the council's province.
pub(crate) async fn known_unit(
    state: &AppState,
    council_unit: &str,
    code: &str,
) -> AppResult<bool> {
    let code = code.trim();
    if code.is_empty() || code.len() > 10 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(false);
    }
    let province = province_of(state, council_unit).await?;
    let units = state.store.units(Some(&province)).await?;
    Ok(units.iter().any(|u| u.code == code))
}

/// Reads a sheet: `.xlsx` or `.csv` by content, not by name.
pub(crate) fn parse(bytes: &[u8], places: &Places) -> Result<Parsed, String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "Tệp quá lớn: tối đa {} MB.",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        check_zip(bytes)?;
        let rows = read_xlsx(bytes)?;
        Ok(read_rows(rows, places))
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        Err("Tệp Excel định dạng cũ (.xls) chưa được hỗ trợ; hãy lưu lại dưới dạng .xlsx.".into())
    } else {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|_| {
                "Tệp không phải Excel (.xlsx) hay CSV mã UTF-8; hãy lưu lại đúng định dạng."
                    .to_owned()
            })?;
        if text.contains('\0') {
            return Err("Tệp không phải CSV văn bản.".into());
        }
        let rows = read_csv(text)?;
        Ok(read_rows(rows, places))
    }
}

/// Refuses zip bombs before the spreadsheet reader inflates anything.
fn check_zip(bytes: &[u8]) -> Result<(), String> {
    let bad = || "Tệp Excel bị hỏng hoặc không đọc được.".to_owned();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| bad())?;
    if archive.len() > MAX_ENTRIES {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut has_workbook = false;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| bad())?;
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if size / packed > MAX_RATIO || total > MAX_UNZIPPED_BYTES {
            return Err(
                "Tệp Excel có nội dung nén bất thường (có thể là tệp độc hại); hệ thống từ chối đọc."
                    .into(),
            );
        }
        has_workbook |= entry.name().is_ok_and(|n| n == "xl/workbook.xml");
    }
    if !has_workbook {
        return Err("Tệp nén này không phải bảng tính Excel (.xlsx).".into());
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|_| "Tệp Excel bị hỏng hoặc không đọc được.".to_owned())?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| "Tệp Excel không có trang tính nào.".to_owned())?;
    let range = book
        .worksheet_range(&first)
        .map_err(|_| "Không đọc được trang tính đầu tiên của tệp Excel.".to_owned())?;
    let mut out = Vec::new();
    for row in range.rows().take(MAX_ROWS + 2) {
        out.push(
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    // A formula's cached value is read as text; the formula
                    // itself is never evaluated or kept.
                    other => other.to_string(),
                })
                .collect(),
        );
    }
    Ok(out)
}

fn read_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let head: String = text.lines().take(5).collect();
    let delimiter = if head.matches(';').count() > head.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        if n > MAX_ROWS + 1 {
            break;
        }
        let record = record.map_err(|_| format!("Tệp CSV lỗi cấu trúc ở dòng {}.", n + 1))?;
        out.push(record.iter().map(str::to_owned).collect());
    }
    Ok(out)
}

/// Turns raw rows (header first) into opinions and row errors.
fn read_rows(rows: Vec<Vec<String>>, places: &Places) -> Parsed {
    let mut parsed = Parsed::default();
    let names_text = |r: &Vec<String>| r.iter().any(|c| column_of(c) == Some(Column::Text));
    let filled = |r: &Vec<String>| r.iter().filter(|c| !c.trim().is_empty()).count();
    // A title row above the table ("Danh sách ý kiến cử tri") names no
    // other column; prefer a row that does, else take a one-column sheet.
    let Some(header_at) = rows
        .iter()
        .take(10)
        .position(|r| names_text(r) && filled(r) >= 2)
        .or_else(|| rows.iter().take(10).position(names_text))
    else {
        parsed.errors.push(RowError {
            line: 1,
            message: "Không tìm thấy cột \"Nội dung kiến nghị\" trong 10 dòng đầu.".into(),
        });
        return parsed;
    };
    let mut columns: HashMap<Column, usize> = HashMap::new();
    for (i, cell) in rows[header_at].iter().enumerate() {
        if let Some(c) = column_of(cell) {
            columns.entry(c).or_insert(i);
        }
    }
    let data = &rows[header_at + 1..];
    if data.len() > MAX_ROWS {
        parsed.errors.push(RowError {
            line: header_at + 2 + MAX_ROWS,
            message: format!("Mỗi lần nhập tối đa {MAX_ROWS} dòng; hãy chia tệp."),
        });
        return parsed;
    }
    for (n, row) in data.iter().enumerate() {
        let line = header_at + 2 + n;
        let cell = |c: Column| {
            columns
                .get(&c)
                .and_then(|i| row.get(*i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match opinion(&cell, places) {
            Ok(o) => parsed.rows.push(o),
            Err(message) => parsed.errors.push(RowError { line, message }),
        }
    }
    parsed
}

fn opinion(cell: &dyn Fn(Column) -> String, places: &Places) -> Result<NewOpinion, String> {
    let text = cell(Column::Text);
    if text.is_empty() {
        return Err("thiếu nội dung kiến nghị".into());
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("nội dung dài quá {MAX_TEXT_CHARS} ký tự"));
    }
    if text
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || is_invisible(c))
    {
        return Err("nội dung có ký tự điều khiển hoặc ký tự ẩn".into());
    }
    let voters = cell(Column::Voters);
    let voter_count = if voters.is_empty() {
        1
    } else {
        voters
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("số cử tri \"{}\" không phải số nguyên dương", clip(&voters)))?
    };
    let place = cell(Column::Place);
    let place_code =
        if place.is_empty() {
            None
        } else {
            Some(places.resolve(&place).ok_or_else(|| {
                format!("không tìm thấy xã, phường \"{}\" trong tỉnh", clip(&place))
            })?)
        };
    let optional = |c: Column, max: usize| -> Result<Option<String>, String> {
        let v = cell(c);
        if v.chars().count() > max {
            return Err(format!("ô \"{}\" dài quá {max} ký tự", clip(&v)));
        }
        Ok(Some(v).filter(|v| !v.is_empty()))
    };
    Ok(NewOpinion {
        text,
        voter_count,
        place_code,
        voter_name: optional(Column::Name, 200)?,
        voter_address: optional(Column::Address, 300)?,
    })
}

/// The first 40 characters of a cell, for messages.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Places {
        let mut codes = HashMap::new();
        codes.insert("16681".to_owned(), "Xã Anh Sơn".to_owned());
        let mut names = HashMap::new();
        names.insert("xa anh son".to_owned(), "16681".to_owned());
        names.insert("anh son".to_owned(), "16681".to_owned());
        Places { codes, names }
    }

    #[test]
    fn csv_rows_are_read_with_their_errors_by_line() {
        let csv = "Danh sách ý kiến cử tri\n\
                   STT;Nội dung kiến nghị;Số cử tri;Địa bàn;Họ tên\n\
                   1;Đề nghị nâng cấp QL7;3;xã Anh Sơn;Hồ Thị Lan\n\
                   2;;1;Anh Sơn;\n\
                   3;Đề nghị sửa cầu;không;16681;\n\
                   4;Đề nghị nạo vét kênh;;Xã Không Có;\n\
                   5;=HYPERLINK(\"http://x\",\"bấm\");2;;\n";
        let parsed = parse(csv.as_bytes(), &places()).unwrap();
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].place_code.as_deref(), Some("16681"));
        assert_eq!(parsed.rows[0].voter_name.as_deref(), Some("Hồ Thị Lan"));
        assert_eq!(parsed.rows[1].text, "=HYPERLINK(\"http://x\",\"bấm\")");
        let lines: Vec<usize> = parsed.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![4, 5, 6]);
        assert!(parsed.errors[1].message.contains("không phải số"));
        assert!(parsed.errors[2].message.contains("Xã Không Có"));
    }

    #[test]
    fn a_sheet_without_a_text_column_is_refused() {
        let parsed = parse("a,b\n1,2\n".as_bytes(), &places()).unwrap();
        assert!(parsed.rows.is_empty());
        assert!(parsed.errors[0].message.contains("Nội dung kiến nghị"));
    }

    #[test]
    fn binary_and_oversized_files_are_refused() {
        assert!(parse(b"\xff\xfe\x00garbage", &places()).is_err());
        assert!(
            parse(b"\xD0\xCF\x11\xE0rest", &places())
                .unwrap_err()
                .contains(".xls")
        );
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        assert!(parse(&big, &places()).unwrap_err().contains("quá lớn"));
        assert!(
            parse(b"PK\x03\x04broken", &places())
                .unwrap_err()
                .contains("hỏng")
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_before_inflating() {
        use std::io::Write;
        let mut out = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.start_file("xl/workbook.xml", opts).unwrap();
            z.write_all(b"<workbook/>").unwrap();
            z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..50 {
                z.write_all(&zeros).unwrap();
            }
            z.finish().unwrap();
        }
        let bytes = out.into_inner();
        assert!(bytes.len() < 1024 * 1024, "the bomb is small");
        let err = parse(&bytes, &places()).unwrap_err();
        assert!(err.contains("bất thường"), "{err}");
    }

    #[test]
    fn an_xlsx_written_by_us_reads_back() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Nội dung kiến nghị").unwrap();
        sheet.write_string(0, 1, "Số cử tri").unwrap();
        sheet.write_string(1, 0, "Đề nghị làm đường").unwrap();
        sheet.write_number(1, 1, 4.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let parsed = parse(&bytes, &places()).unwrap();
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.rows[0].voter_count, 4);
    }
}
