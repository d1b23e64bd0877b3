//! `nghitruong edxml validate FILE…` and `nghitruong edxml show FILE`: tools
//! for people who debug exchanges with the national document axis. Both
//! read packages with [`nghitruong_edxml`]; nothing touches the database.
//!
//! `validate` prints one line per file and exits 0 when every file is
//! valid (warnings allowed), 1 when any is not, 2 when a file cannot be
//! read. `show` prints a Vietnamese summary of one package.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use nghitruong_domain::clock::{Clock, SystemClock};
use nghitruong_edxml::dates::{format_date_vi, format_timestamp_vi};
use nghitruong_edxml::{
    BusinessDocType, DocumentPackage, Finding, OrganIdPolicy, Organization, Package, Parsed,
    ReadError, ReadOptions, ResponseFor, StatusPackage, ValidateOptions, is_valid, read_from,
    validate,
};
use time::Date;
use time::macros::offset;

/// The `edxml` subcommands.
#[derive(Subcommand, Debug)]
pub enum EdxmlCommand {
    /// Kiểm tra gói edXML: mỗi tệp một dòng; mã thoát 0 khi mọi tệp hợp lệ,
    /// 1 khi có tệp không hợp lệ, 2 khi không đọc được tệp.
    Validate {
        /// Các gói cần kiểm tra.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Coi mã định danh không theo dạng AAA.BB.CC.DDD là lỗi.
        #[arg(long)]
        strict_organ_ids: bool,
    },
    /// Hiển thị nội dung một gói.
    Show {
        /// Gói cần hiển thị.
        file: PathBuf,
    },
}

/// Exit code for a file that cannot be read: a usage error.
const USAGE: u8 = 2;

/// Runs an `edxml` subcommand.
pub fn run(command: EdxmlCommand) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    let today = SystemClock.now().to_offset(offset!(+7)).date();
    let code = match command {
        EdxmlCommand::Validate {
            files,
            strict_organ_ids,
        } => {
            let policy = if strict_organ_ids {
                OrganIdPolicy::RequireCanonical
            } else {
                OrganIdPolicy::WarnNonCanonical
            };
            let options = ValidateOptions {
                today: Some(today),
                organ_ids: policy,
            };
            validate_files(&files, &options, &mut out)?
        }
        EdxmlCommand::Show { file } => show_file(&file, today, &mut out)?,
    };
    out.flush()?;
    Ok(ExitCode::from(code))
}

/// Why a file gave no package.
enum Failure {
    /// The file could not be opened or read (exit 2).
    Unreadable(String),
    /// The bytes are not a readable package (exit 1).
    Refused(ReadError),
}

fn load(path: &Path) -> Result<Parsed, Failure> {
    let file = File::open(path).map_err(|e| Failure::Unreadable(e.to_string()))?;
    read_from(file, &ReadOptions::default()).map_err(|e| match e {
        ReadError::Io(io) => Failure::Unreadable(io.to_string()),
        other => Failure::Refused(other),
    })
}

/// Checks each file and prints its line; returns the exit code.
pub fn validate_files(
    files: &[PathBuf],
    options: &ValidateOptions,
    out: &mut impl Write,
) -> io::Result<u8> {
    let mut code = 0;
    for path in files {
        let name = path.display();
        match load(path) {
            Ok(parsed) => {
                let findings = validate(&parsed.package, options);
                writeln!(out, "{name}: {}", verdict(&parsed, &findings))?;
                if !is_valid(&findings) {
                    code = code.max(1);
                }
            }
            Err(Failure::Refused(e)) => {
                writeln!(out, "{name}: không hợp lệ: {e}")?;
                code = code.max(1);
            }
            Err(Failure::Unreadable(e)) => {
                writeln!(out, "{name}: không đọc được tệp: {e}")?;
                code = USAGE;
            }
        }
    }
    Ok(code)
}

/// `hợp lệ`, or the counts and every finding with its line, on one line.
fn verdict(parsed: &Parsed, findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "hợp lệ".to_owned();
    }
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    let mut head = if errors == 0 {
        "hợp lệ".to_owned()
    } else {
        format!("không hợp lệ, {errors} lỗi")
    };
    if warnings > 0 {
        head.push_str(&format!(", {warnings} cảnh báo"));
    }
    let listed: Vec<String> = findings.iter().map(|f| describe(parsed, f)).collect();
    format!("{head}: {}", listed.join("; "))
}

fn describe(parsed: &Parsed, f: &Finding) -> String {
    let line = parsed
        .source
        .line(&f.path)
        .map(|n| format!(" (dòng {n})"))
        .unwrap_or_default();
    format!(
        "{} {} {}{line}: {}",
        f.code(),
        f.severity.label(),
        f.path,
        f.message
    )
}

/// Prints the summary of one package; returns the exit code.
pub fn show_file(path: &Path, today: Date, out: &mut impl Write) -> io::Result<u8> {
    let parsed = match load(path) {
        Ok(parsed) => parsed,
        Err(Failure::Refused(e)) => {
            writeln!(out, "{}: không hợp lệ: {e}", path.display())?;
            return Ok(1);
        }
        Err(Failure::Unreadable(e)) => {
            writeln!(out, "{}: không đọc được tệp: {e}", path.display())?;
            return Ok(USAGE);
        }
    };
    writeln!(out, "Tệp: {}", path.display())?;
    match &parsed.package {
        Package::Document(doc) => show_document(doc, out)?,
        Package::Status(status) => show_status(status, out)?,
    }
    let options = ValidateOptions {
        today: Some(today),
        ..ValidateOptions::default()
    };
    let findings = validate(&parsed.package, &options);
    writeln!(
        out,
        "Kiểm tra: {}",
        if is_valid(&findings) {
            "hợp lệ"
        } else {
            "không hợp lệ"
        }
    )?;
    for f in &findings {
        writeln!(out, "  - {}", describe(&parsed, f))?;
    }
    Ok(0)
}

fn show_document(doc: &DocumentPackage, out: &mut impl Write) -> io::Result<()> {
    let h = &doc.header;
    writeln!(out, "Loại gói: văn bản điện tử")?;
    writeln!(out, "Nơi gửi: {}", organization(&h.from))?;
    writeln!(out, "Nơi nhận ({}):", h.to.len())?;
    for to in &h.to {
        writeln!(out, "  - {}", organization(to))?;
    }
    let code = h.code.as_ref().map(|c| c.combined());
    writeln!(out, "Số, ký hiệu: {}", or_dash(code.as_deref()))?;
    if let Some(p) = &h.promulgation {
        let date = p.date.map(format_date_vi);
        writeln!(
            out,
            "Ban hành: {}, ngày {}",
            or_dash(Some(&p.place)),
            or_dash(date.as_deref())
        )?;
    }
    let type_name = h.document_type.as_ref().map(|t| t.type_name.as_str());
    writeln!(out, "Loại văn bản: {}", or_dash(type_name))?;
    writeln!(out, "Trích yếu: {}", or_dash(Some(&h.subject)))?;
    if let Some(s) = &h.signer {
        let parts: Vec<&str> = [&s.competence, &s.position, &s.full_name]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .filter(|p| !p.is_empty())
            .collect();
        writeln!(out, "Người ký: {}", parts.join(" "))?;
    }
    if let Some(priority) = h.other_info.as_ref().and_then(|o| o.priority) {
        writeln!(out, "Độ khẩn: {}", priority.label())?;
    }
    if let Some(due) = h.due_date {
        writeln!(out, "Hạn xử lý: {}", format_date_vi(due))?;
    }
    writeln!(
        out,
        "Mã văn bản (DocumentId): {}",
        or_dash(h.document_id.as_deref())
    )?;
    show_business(doc, out)?;
    for r in h.response_for.iter().filter(|r| !r.is_empty()) {
        writeln!(out, "Văn bản liên quan: {}", document_ref(r))?;
    }
    for hop in doc.trace.iter().flat_map(|t| &t.hops) {
        let at = hop.timestamp.map(format_timestamp_vi);
        writeln!(
            out,
            "Chuyển qua: {} lúc {}",
            hop.organ_id,
            or_dash(at.as_deref())
        )?;
    }
    show_attachments(doc, out)
}

fn show_business(doc: &DocumentPackage, out: &mut impl Write) -> io::Result<()> {
    let kind = doc.business_type();
    let business = doc.trace.as_ref().and_then(|t| t.business.as_ref());
    let reason = business
        .and_then(|b| b.reason.as_deref())
        .filter(|r| !r.is_empty());
    match reason {
        Some(reason) => writeln!(
            out,
            "Nghiệp vụ: {} ({}) — {reason}",
            kind.label(),
            kind.code()
        )?,
        None => writeln!(out, "Nghiệp vụ: {} ({})", kind.label(), kind.code())?,
    }
    let Some(b) = business else { return Ok(()) };
    if kind == BusinessDocType::Update {
        writeln!(
            out,
            "  Văn bản được cập nhật: {}",
            or_dash(b.document_id.as_deref())
        )?;
        for r in b.document_info.iter().flat_map(|i| &i.receivers) {
            let change = match r.receiver_type {
                Some(0) => "bỏ khỏi nơi nhận",
                Some(1) => "thêm vào nơi nhận",
                _ => "thay đổi không rõ",
            };
            writeln!(out, "  - {}: {change}", r.organ_id)?;
        }
    }
    for r in &b.replacements {
        writeln!(
            out,
            "  Thay thế văn bản {} tại: {}",
            or_dash(Some(&r.document_id)),
            r.organ_ids.join(", ")
        )?;
    }
    Ok(())
}

fn show_attachments(doc: &DocumentPackage, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "Tệp đính kèm ({}):", doc.attachments.len())?;
    for a in &doc.attachments {
        writeln!(
            out,
            "  - {} — {}, {} byte, cid:{}",
            or_dash(Some(&a.name)),
            or_dash(a.content_type.as_deref()),
            thousands(a.content.len()),
            a.content_id
        )?;
    }
    Ok(())
}

fn show_status(status: &StatusPackage, out: &mut impl Write) -> io::Result<()> {
    let h = &status.header;
    writeln!(out, "Loại gói: trạng thái xử lý")?;
    writeln!(out, "Đơn vị báo: {}", organization(&h.from))?;
    writeln!(
        out,
        "Trạng thái: {} {}",
        h.status_code.as_str(),
        h.status_code.label()
    )?;
    if let Some(d) = h.description.as_deref().filter(|d| !d.is_empty()) {
        writeln!(out, "Mô tả: {d}")?;
    }
    let at = h.timestamp.map(format_timestamp_vi);
    writeln!(out, "Thời điểm: {}", or_dash(at.as_deref()))?;
    writeln!(out, "Về văn bản: {}", document_ref(&h.response_for))?;
    if let Some(staff) = &h.staff {
        let parts: Vec<&str> = [&staff.staff, &staff.department]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        writeln!(out, "Cán bộ: {}", parts.join(", "))?;
    }
    Ok(())
}

fn organization(org: &Organization) -> String {
    format!(
        "{} ({})",
        or_dash(Some(&org.organ_name)),
        or_dash(Some(&org.organ_id))
    )
}

fn document_ref(r: &ResponseFor) -> String {
    let date = r.promulgation_date.map(format_date_vi);
    format!(
        "{} của {}, ban hành {} (DocumentId {})",
        or_dash(Some(&r.code)),
        or_dash(Some(&r.organ_id)),
        or_dash(date.as_deref()),
        or_dash(Some(&r.document_id))
    )
}

fn or_dash(text: Option<&str>) -> &str {
    text.filter(|t| !t.is_empty()).unwrap_or("—")
}

/// Writes a count with `.` between thousands, as Vietnamese does.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated_with_dots() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2623), "2.623");
        assert_eq!(thousands(1_234_567), "1.234.567");
    }
}
