//! `nghitruong petitions eval FILE.jsonl [--json]`: measures duplicate
//! detection and classification suggestions on a labelled file in the
//! development set's format (`testdata/petitions/README.md`), beside the
//! `pg_trgm` baseline computed on the same records in the same run.
//!
//! Duplicate detection is scored by pairwise precision, recall and F1
//! against `dup_group`; the baseline links every pair whose trigram
//! similarity is at least 0.25. Classification is measured by
//! leave-one-out (each record suggested by a model trained on all the
//! others); above [`LOO_LIMIT`] records, by 10-fold cross-validation.
//!
//! Exit codes as `edxml validate`: 0 measured, 1 the file's content is
//! refused (not JSON, a field missing, too large), 2 the file cannot be
//! read.

use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use nghitruong_domain::classify::{self, LabelledPetition, LooReport, Target};
use nghitruong_domain::dedup::{self, DedupDoc, DedupParams, PairwiseScores};
use serde::Serialize;
use serde_json::Value;

/// The `petitions` subcommands.
#[derive(Subcommand, Debug)]
pub enum PetitionsCommand {
    /// Đo chất lượng phát hiện trùng lặp và gợi ý phân loại trên một tệp
    /// JSONL đã gán nhãn (định dạng của testdata/petitions), so với
    /// phương pháp đối chứng pg_trgm (ngưỡng 0,25). Mã thoát 0 khi đo
    /// được, 1 khi nội dung tệp không hợp lệ, 2 khi không đọc được tệp.
    Eval {
        /// Tệp JSONL, mỗi dòng một kiến nghị có ít nhất "text" và
        /// "dup_group".
        file: PathBuf,
        /// In đúng một đối tượng JSON thay cho bảng kết quả.
        #[arg(long)]
        json: bool,
    },
}

/// Largest file accepted.
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;
/// Largest number of records accepted.
pub const MAX_RECORDS: usize = 100_000;
/// Longest petition text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Up to this many records classification is measured by leave-one-out.
pub const LOO_LIMIT: usize = 2_000;
/// Similarity threshold of the `pg_trgm` baseline.
pub const BASELINE_THRESHOLD: f64 = 0.25;

/// Exit code for content that is refused.
const REFUSED: u8 = 1;
/// Exit code for a file that cannot be read.
const UNREADABLE: u8 = 2;

/// Runs a `petitions` subcommand.
pub fn run(command: PetitionsCommand) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    let mut err = io::stderr().lock();
    let code = match command {
        PetitionsCommand::Eval { file, json } => eval_file(&file, json, &mut out, &mut err)?,
    };
    out.flush()?;
    Ok(ExitCode::from(code))
}

/// One labelled record of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalRecord {
    /// `id`, or the line number when there is none.
    pub id: String,
    /// The labels and text.
    pub petition: LabelledPetition,
    /// `dup_group`.
    pub dup_group: String,
}

/// Why a file gave no records.
#[derive(Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Cannot be opened or read (exit 2).
    Unreadable(String),
    /// Read, but its content is refused (exit 1).
    Refused(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Unreadable(m) => write!(f, "không đọc được tệp: {m}"),
            LoadError::Refused(m) => write!(f, "tệp không hợp lệ: {m}"),
        }
    }
}

/// Reads and checks a labelled JSONL file.
pub fn load(path: &Path) -> Result<Vec<EvalRecord>, LoadError> {
    let file = std::fs::File::open(path).map_err(|e| LoadError::Unreadable(io_vi(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| LoadError::Unreadable(io_vi(&e)))?;
    if meta.is_dir() {
        return Err(LoadError::Unreadable("đây là một thư mục".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::Refused(format!(
            "tệp lớn {} MB, vượt giới hạn {} MB",
            meta.len().div_ceil(1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    // Read at most one byte past the limit, in case the file grows.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::Unreadable(io_vi(&e)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::Refused(format!(
            "tệp vượt giới hạn {} MB",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let body = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        LoadError::Refused(format!("dòng {line}: không phải văn bản UTF-8"))
    })?;
    parse(&body).map_err(LoadError::Refused)
}

/// Parses the lines of a labelled JSONL file; the error names the line.
pub fn parse(body: &str) -> Result<Vec<EvalRecord>, String> {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let mut records = Vec::new();
    for (i, line) in body.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        if records.len() == MAX_RECORDS {
            return Err(format!(
                "dòng {n}: quá {MAX_RECORDS} kiến nghị, vượt giới hạn"
            ));
        }
        let value: Value = serde_json::from_str(line).map_err(|e| {
            format!(
                "dòng {n}: không phải JSON hợp lệ (cột {}: {})",
                e.column(),
                json_error_vi(&e)
            )
        })?;
        let Value::Object(map) = value else {
            return Err(format!(
                "dòng {n}: mỗi dòng phải là một đối tượng JSON {{…}}"
            ));
        };
        let text_field = |key: &str, required: bool| -> Result<String, String> {
            match map.get(key) {
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
                Some(Value::String(_)) | None | Some(Value::Null) if !required => Ok(String::new()),
                Some(Value::String(_)) => Err(format!("dòng {n}: trường \"{key}\" để trống")),
                None | Some(Value::Null) => Err(format!("dòng {n}: thiếu trường \"{key}\"")),
                Some(_) => Err(format!("dòng {n}: trường \"{key}\" phải là chuỗi")),
            }
        };
        let text = text_field("text", true)?;
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(format!(
                "dòng {n}: nội dung kiến nghị dài quá {MAX_TEXT_CHARS} ký tự"
            ));
        }
        let dup_group = text_field("dup_group", true)?;
        let locality = text_field("locality", false)?;
        let id = match map.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(x)) => x.to_string(),
            _ => format!("dòng {n}"),
        };
        records.push(EvalRecord {
            id,
            dup_group,
            petition: LabelledPetition {
                text,
                locality: (!locality.is_empty()).then_some(locality),
                field: text_field("field", false)?,
                topic: text_field("topic", false)?,
                competence: text_field("competence", false)?,
                agency: text_field("agency", false)?,
            },
        });
    }
    if records.is_empty() {
        return Err("tệp không có kiến nghị nào".into());
    }
    Ok(records)
}

fn io_vi(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "không tìm thấy tệp".into(),
        io::ErrorKind::PermissionDenied => "không có quyền đọc tệp".into(),
        _ => e.to_string(),
    }
}

fn json_error_vi(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "dòng kết thúc giữa chừng",
        Category::Syntax => "sai cú pháp",
        Category::Data => "dữ liệu không đúng kiểu",
        Category::Io => "lỗi đọc",
    }
}

/// Pairwise scores as printed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

impl From<PairwiseScores> for Prf {
    fn from(s: PairwiseScores) -> Self {
        Self {
            precision: s.precision,
            recall: s.recall,
            f1: s.f1,
        }
    }
}

/// The `--json` output, exactly these keys.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalSummary {
    /// Our duplicate detection.
    pub dedup: Prf,
    /// `pg_trgm` similarity ≥ 0.25.
    pub baseline: Prf,
    /// Accuracy of field suggestions.
    pub field_accuracy: f64,
    /// Accuracy of topic suggestions.
    pub topic_accuracy: f64,
    /// Accuracy of competence suggestions.
    pub competence_accuracy: f64,
    /// Records measured.
    pub records: usize,
}

/// Everything measured, for the text output.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// What `--json` prints.
    pub summary: EvalSummary,
    /// Our scores with the counts.
    pub dedup: PairwiseScores,
    /// The baseline's with the counts.
    pub baseline: PairwiseScores,
    /// Classification.
    pub classification: LooReport,
    /// Pairs our finder scored.
    pub candidate_pairs: usize,
    /// Seconds the finder took.
    pub dedup_seconds: f64,
}

/// Measures duplicate detection and classification on `records`.
pub fn evaluate(records: &[EvalRecord]) -> Evaluation {
    let labels: Vec<&str> = records.iter().map(|r| r.dup_group.as_str()).collect();
    let docs: Vec<DedupDoc> = records
        .iter()
        .map(|r| DedupDoc {
            text: r.petition.text.clone(),
            place: r.petition.locality.clone(),
        })
        .collect();
    let started = std::time::Instant::now();
    let report = dedup::find_duplicates(&docs, &DedupParams::default());
    let dedup_seconds = started.elapsed().as_secs_f64();
    let ours = PairwiseScores::from_groups(&report.groups, &labels);

    let texts: Vec<&str> = records.iter().map(|r| r.petition.text.as_str()).collect();
    let baseline =
        PairwiseScores::from_pairs(&dedup::trigram_pairs(&texts, BASELINE_THRESHOLD), &labels);

    let petitions: Vec<LabelledPetition> = records.iter().map(|r| r.petition.clone()).collect();
    let folds = if petitions.len() <= LOO_LIMIT {
        petitions.len()
    } else {
        10
    };
    let classification = classify::cross_validate(&petitions, folds);
    Evaluation {
        summary: EvalSummary {
            dedup: ours.into(),
            baseline: baseline.into(),
            field_accuracy: classification.of(Target::Field),
            topic_accuracy: classification.of(Target::Topic),
            competence_accuracy: classification.of(Target::Competence),
            records: records.len(),
        },
        dedup: ours,
        baseline,
        classification,
        candidate_pairs: report.candidate_pairs,
        dedup_seconds,
    }
}

/// Loads, measures and prints; returns the exit code.
pub fn eval_file(
    path: &Path,
    json: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> io::Result<u8> {
    let records = match load(path) {
        Ok(r) => r,
        Err(e) => {
            writeln!(err, "lỗi: {}: {e}", path.display())?;
            return Ok(match e {
                LoadError::Unreadable(_) => UNREADABLE,
                LoadError::Refused(_) => REFUSED,
            });
        }
    };
    let evaluation = evaluate(&records);
    if json {
        let line = serde_json::to_string(&evaluation.summary).map_err(io::Error::other)?;
        writeln!(out, "{line}")?;
    } else {
        print_text(path, &evaluation, out)?;
    }
    Ok(0)
}

fn print_text(path: &Path, e: &Evaluation, out: &mut impl Write) -> io::Result<()> {
    let s = &e.summary;
    let n = s.records;
    writeln!(out, "Tệp: {} ({n} kiến nghị)", path.display())?;
    writeln!(out)?;
    writeln!(
        out,
        "Phát hiện trùng lặp (theo cặp, so với dup_group: {} cặp trùng):",
        e.dedup.actual
    )?;
    writeln!(
        out,
        "  {:<40} {:>13} {:>8} {:>7} {:>18}",
        "", "Độ chính xác", "Độ phủ", "F1", "Cặp đúng/đề xuất"
    )?;
    for (name, p) in [
        ("Nghị trường", &e.dedup),
        ("Đối chứng pg_trgm (tương đồng ≥ 0,25)", &e.baseline),
    ] {
        writeln!(
            out,
            "  {:<40} {:>13} {:>8} {:>7} {:>18}",
            name,
            vi(p.precision),
            vi(p.recall),
            vi(p.f1),
            format!("{}/{}", p.true_positives, p.predicted)
        )?;
    }
    let all_pairs = n * n.saturating_sub(1) / 2;
    writeln!(
        out,
        "  Số cặp được chấm điểm: {} trên {all_pairs} cặp; thời gian {} giây.",
        e.candidate_pairs,
        vi(e.dedup_seconds)
    )?;
    writeln!(out)?;
    let method = if e.classification.folds == n {
        "kiểm định chéo bỏ-một, leave-one-out".to_owned()
    } else {
        format!("kiểm định chéo {} phần", e.classification.folds)
    };
    writeln!(out, "Gợi ý phân loại, tỷ lệ đúng ({method}):")?;
    for target in [
        Target::Field,
        Target::Topic,
        Target::Competence,
        Target::Agency,
    ] {
        let counted = e.classification.counted.get(&target).copied().unwrap_or(0);
        writeln!(
            out,
            "  {:<20} {:>6}  ({counted} kiến nghị có nhãn)",
            target.label(),
            vi(e.classification.of(target))
        )?;
    }
    Ok(())
}

/// A figure with three decimals and a decimal comma, as Vietnamese writes
/// it.
fn vi(x: f64) -> String {
    format!("{x:.3}").replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_is_not_json_names_its_line() {
        let body = "{\"text\": \"a\", \"dup_group\": \"g\"}\n\n{\"text\": \"b\", \n";
        let e = parse(body).unwrap_err();
        assert!(e.starts_with("dòng 3: không phải JSON hợp lệ"), "{e}");
    }

    #[test]
    fn missing_or_mistyped_fields_are_named() {
        assert_eq!(
            parse("{\"dup_group\": \"g\"}").unwrap_err(),
            "dòng 1: thiếu trường \"text\""
        );
        assert_eq!(
            parse("{\"text\": \"a\", \"dup_group\": 3}").unwrap_err(),
            "dòng 1: trường \"dup_group\" phải là chuỗi"
        );
        assert_eq!(
            parse("{\"text\": \"  \", \"dup_group\": \"g\"}").unwrap_err(),
            "dòng 1: trường \"text\" để trống"
        );
        assert_eq!(
            parse("[1, 2]").unwrap_err(),
            "dòng 1: mỗi dòng phải là một đối tượng JSON {…}"
        );
        assert_eq!(parse("\n \n").unwrap_err(), "tệp không có kiến nghị nào");
    }

    #[test]
    fn optional_labels_may_be_null_or_absent() {
        let r = parse(
            "\u{feff}{\"id\": \"P1\", \"text\": \"Sửa đường\", \"dup_group\": \"g\", \"topic\": null}",
        )
        .unwrap();
        assert_eq!(r[0].id, "P1");
        assert_eq!(r[0].petition.topic, "");
        assert_eq!(r[0].petition.locality, None);
    }

    #[test]
    fn figures_use_a_decimal_comma() {
        assert_eq!(vi(0.75), "0,750");
    }
}
