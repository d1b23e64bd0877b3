//! What checking a PDF upload costs in memory: the file, read whole
//! (lopdf parses from memory only), and at most one image at a time on top,
//! not every image of the document again. Its own test binary, so that the
//! process's peak memory is this test's alone.

/// A line of `/proc/self/status`, in KiB.
fn status_kib(key: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/self/status"))
}

#[test]
fn a_scanned_pdf_costs_its_size_and_one_image_not_its_size_twice() {
    let lines = ["Bien ban kiem tra so lieu ngan sach"; 40 * 16];
    let image = 2 * 1024 * 1024;
    let bytes = nghitruong_docs::make::pdf_with_images(&lines, image);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("scan.pdf");
    std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let size = bytes.len();
    drop(bytes);
    let limits = nghitruong_docs::Limits::default();
    // Writing 5 to clear_refs resets the peak (VmHWM) to what is in use.
    std::fs::write("/proc/self/clear_refs", "5").unwrap_or_else(|e| panic!("{e}"));
    let before = status_kib("VmRSS:");
    let inspected =
        nghitruong_docs::inspect_file(&path, &limits).unwrap_or_else(|e| panic!("refused: {e}"));
    let extra = (status_kib("VmHWM:") - before) * 1024;
    assert_eq!(inspected.pages, 16);
    assert!(
        inspected.text.contains("Bien ban kiem tra"),
        "{}",
        inspected.text
    );
    eprintln!(
        "file {:.1} MiB, peak while checking {:.1} MiB over what was in use",
        size as f64 / 1048576.0,
        extra as f64 / 1048576.0
    );
    // 16 images of 2 MiB: the file (32 MiB) and one image, with room for
    // the parser's own structures; every image again would be 64 MiB.
    assert!(
        extra < size + 4 * image,
        "checking a {size}-byte PDF took {extra} bytes at its peak"
    );
}
