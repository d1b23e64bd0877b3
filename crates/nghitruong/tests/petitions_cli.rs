//! `nghitruong petitions eval` on the development set
//! (`testdata/petitions/petitions-dev.jsonl`): the text table, the single
//! JSON object of `--json` with floors just below what was measured, and
//! the exit codes 1 (content refused, with the line) and 2 (unreadable).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dev_set() -> PathBuf {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/petitions/petitions-dev.jsonl");
    assert!(path.is_file(), "the dev set is missing: {}", path.display());
    path
}

/// Runs the binary in an empty folder, so no local settings file is read.
fn nghitruong(args: &[&str], file: &Path) -> Output {
    let cwd = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_nghitruong"))
        .current_dir(cwd.path())
        .args(args)
        .arg(file)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn json_output_is_one_object_with_the_agreed_keys_and_sane_figures() {
    let output = nghitruong(&["petitions", "eval", "--json"], &dev_set());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.trim().lines().count(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "baseline",
            "competence_accuracy",
            "dedup",
            "field_accuracy",
            "records",
            "topic_accuracy"
        ]
    );
    assert_eq!(v["records"], 134);
    for part in ["dedup", "baseline"] {
        let mut inner: Vec<&str> = v[part]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        inner.sort_unstable();
        assert_eq!(inner, ["f1", "precision", "recall"], "{part}");
        for k in inner {
            let x = v[part][k].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&x), "{part}.{k} = {x}");
        }
    }
    let f = |path: &[&str]| {
        path.iter()
            .fold(&v, |v, k| &v[*k])
            .as_f64()
            .unwrap_or_else(|| panic!("{path:?} in {v}"))
    };
    // Floors just below the figures measured (F1 0.850 against 0.197;
    // accuracy 0.881 / 0.672 / 0.776).
    assert!(f(&["dedup", "f1"]) >= 0.84, "{v}");
    assert!(f(&["dedup", "f1"]) >= 3.0 * f(&["baseline", "f1"]), "{v}");
    assert!(
        f(&["baseline", "f1"]) > 0.1,
        "the baseline was computed: {v}"
    );
    assert!(f(&["field_accuracy"]) >= 0.8, "{v}");
    assert!(f(&["topic_accuracy"]) >= 0.55, "{v}");
    assert!(f(&["competence_accuracy"]) >= 0.7, "{v}");
}

#[test]
fn text_output_shows_both_methods_and_the_classification_method() {
    let output = nghitruong(&["petitions", "eval"], &dev_set());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    for needle in [
        "134 kiến nghị",
        "Phát hiện trùng lặp",
        "Nghị trường",
        "Đối chứng pg_trgm (tương đồng ≥ 0,25)",
        "leave-one-out",
        "Lĩnh vực",
        "Chủ đề",
        "Thẩm quyền",
        "Cơ quan giải quyết",
    ] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
}

#[test]
fn a_broken_line_is_refused_with_its_number_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.jsonl");
    let good = std::fs::read_to_string(dev_set()).unwrap();
    let mut lines: Vec<&str> = good.lines().take(3).collect();
    lines.push("{\"text\": \"Cử tri đề nghị sửa đường\", \"dup_group\": ");
    std::fs::write(&file, lines.join("\n")).unwrap();

    let output = nghitruong(&["petitions", "eval", "--json"], &file);

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "", "nothing on stdout for --json readers");
    let err = stderr(&output);
    assert!(err.contains("dòng 4: không phải JSON hợp lệ"), "{err}");
}

#[test]
fn a_record_without_its_group_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nogroup.jsonl");
    std::fs::write(
        &file,
        "{\"id\": \"X1\", \"text\": \"Cử tri đề nghị sửa đường\"}\n",
    )
    .unwrap();
    let output = nghitruong(&["petitions", "eval"], &file);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("dòng 1: thiếu trường \"dup_group\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_missing_file_exits_2() {
    let output = nghitruong(&["petitions", "eval"], Path::new("khong-co-tep.jsonl"));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("không tìm thấy tệp"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.jsonl");
    let f = std::fs::File::create(&file).unwrap();
    // A sparse 51 MB file.
    f.set_len(51 * 1024 * 1024).unwrap();
    let output = nghitruong(&["petitions", "eval"], &file);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("vượt giới hạn 50 MB"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_help_is_in_vietnamese() {
    let cwd = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_nghitruong"))
        .current_dir(cwd.path())
        .args(["petitions", "eval", "--help"])
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(text.contains("phát hiện trùng lặp"), "{text}");
    assert!(text.contains("In đúng một đối tượng JSON"), "{text}");
}
