//! `nghitruong edxml validate` and `show` on the sample packages in
//! `shared/data/edxml/`: exit codes 0 (all valid), 1 (one invalid) and 2
//! (usage error), and what `show` prints.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn samples() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/edxml");
    assert!(
        dir.is_dir(),
        "the edXML samples are missing: expected them in {}",
        dir.display()
    );
    dir
}

fn sample(name: &str) -> PathBuf {
    samples().join(name)
}

/// Runs the binary in an empty folder, so no local settings file is read.
fn nghitruong(args: &[&str], files: &[PathBuf]) -> Output {
    let cwd = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_nghitruong"))
        .current_dir(cwd.path())
        .args(args)
        .args(files)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn well_formed_samples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "edxml"))
        .filter(|p| !p.ends_with("handwritten_edoc_dsig_ns.edxml"))
        .collect();
    files.sort();
    files
}

#[test]
fn validating_every_well_formed_sample_exits_0_with_one_line_each() {
    let files = well_formed_samples();

    let output = nghitruong(&["edxml", "validate"], &files);

    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_eq!(text.lines().count(), files.len(), "{text}");
    for line in text.lines() {
        assert!(line.contains(": hợp lệ"), "{line}");
    }
    let status_line = text
        .lines()
        .find(|l| l.contains("status_inbox_01"))
        .unwrap();
    assert!(
        status_line.ends_with("status_inbox_01.edxml: hợp lệ"),
        "{status_line}"
    );
    let new_line = text
        .lines()
        .find(|l| l.contains("edoc_new_payload"))
        .unwrap();
    assert!(
        new_line.contains("EDX103 cảnh báo MessageHeader/To/OrganId (dòng 18)"),
        "{new_line}"
    );
}

#[test]
fn validating_with_the_malformed_sample_exits_1_and_names_line_and_rule() {
    let files = [
        sample("status.edxml"),
        sample("handwritten_edoc_dsig_ns.edxml"),
    ];

    let output = nghitruong(&["edxml", "validate"], &files);

    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].ends_with("status.edxml: hợp lệ"), "{text}");
    assert!(
        lines[1].contains(
            "handwritten_edoc_dsig_ns.edxml: không hợp lệ: EDX002: XML is not well-formed at line 74"
        ),
        "{text}"
    );
}

#[test]
fn a_well_formed_package_with_an_error_finding_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let rejected = std::fs::read_to_string(sample("status_rejection_02.edxml"))
        .unwrap()
        .replace(
            "Văn thư - Phòng Văn thư - Lưu trữ: Từ chối không tiếp nhận văn bản điện tử",
            "",
        );
    let path = dir.path().join("rejected.edxml");
    std::fs::write(&path, rejected).unwrap();

    let output = nghitruong(&["edxml", "validate"], &[path]);

    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("không hợp lệ, 1 lỗi: EDX119 lỗi MessageHeader/Description (dòng 29)"),
        "{text}"
    );
}

#[test]
fn an_unreadable_file_is_a_usage_error_exiting_2() {
    let files = [sample("status.edxml"), sample("no-such-file.edxml")];

    let output = nghitruong(&["edxml", "validate"], &files);

    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("no-such-file.edxml: không đọc được tệp"),
        "{text}"
    );
}

#[test]
fn validate_without_files_is_a_usage_error_exiting_2() {
    let output = nghitruong(&["edxml", "validate"], &[]);

    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("FILES"));
}

#[test]
fn show_summarises_a_document_package_in_vietnamese() {
    let output = nghitruong(
        &["edxml", "show"],
        &[sample("vnptlib_edoc_new_generated.edxml")],
    );

    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    for expected in [
        "Loại gói: văn bản điện tử",
        "Nơi gửi: Văn phòng Chính phủ (000.00.00.G22)",
        "Nơi nhận (3):",
        "  - UBND Tỉnh Nghệ An (000.00.00.H41)",
        "Số, ký hiệu: 7816/VPCP-TTĐT",
        "Ban hành: Hà Nội, ngày 11/04/2019",
        "Trích yếu: V/v kết nối, liên thông phần mềm quản lý văn bản",
        "Nghiệp vụ: Văn bản mới (0) — Văn bản điện tử mới",
        "Tệp đính kèm (1):",
        "  - 1896_QD-TTg_m_294779.doc — application/zip, 2.623 byte, cid:209",
        "Kiểm tra: hợp lệ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn show_summarises_a_status_package_and_its_document() {
    let output = nghitruong(&["edxml", "show"], &[sample("status_rejection_02.edxml")]);

    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    for expected in [
        "Loại gói: trạng thái xử lý",
        "Đơn vị báo: UBND Tỉnh Nghệ An (000.00.00.H41)",
        "Trạng thái: 02 Từ chối tiếp nhận",
        "Thời điểm: 20/09/2015 11:08:36",
        "Về văn bản: 7816/VPCP-TTĐT của 000.00.00.G22, ban hành 30/09/2015",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn show_of_the_malformed_sample_exits_1_with_the_reason() {
    let output = nghitruong(
        &["edxml", "show"],
        &[sample("handwritten_edoc_dsig_ns.edxml")],
    );

    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("EDX002"));
}
