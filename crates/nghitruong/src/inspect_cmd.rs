//! `nghitruong inspect-upload`: checks one uploaded file in a process of
//! its own, which the server starts for every upload.
//!
//! The parsers of PDF, Word and Excel files run on what anyone signed in
//! sends. A PDF of 16 KB can make lopdf build gigabytes of objects, and a
//! few megabytes of pages can keep it busy for minutes: no size check
//! before parsing can tell. The kernel bounds this process instead
//! (`RLIMIT_DATA` for its memory, `RLIMIT_CPU` for its time), and the
//! server also stops waiting after 25 s (`CHECK_WAIT` in the web crate's
//! `uploads.rs`). A file that reaches a limit is refused; the server is
//! untouched.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Memory the check may take, in MiB: a scanned PDF of 50 MB needs about
/// twice its size.
pub const MEMORY_MIB: u64 = 768;
/// CPU time the check may take, in seconds.
pub const CPU_SECONDS: u64 = 20;

/// The file and the limits of the check, as the server passes them
/// (`uploads.rs` in the web crate builds this command line).
#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// The file to check.
    path: PathBuf,
    /// Largest file accepted, in bytes.
    #[arg(long)]
    max_bytes: u64,
    /// Most entries of a DOCX or XLSX.
    #[arg(long)]
    max_zip_entries: usize,
    /// Largest uncompressed size of a DOCX or XLSX, in bytes.
    #[arg(long)]
    max_uncompressed: u64,
    /// Largest compression ratio of one entry.
    #[arg(long)]
    max_ratio: u64,
    /// Memory the check may take, in MiB.
    #[arg(long, default_value_t = MEMORY_MIB)]
    memory_mib: u64,
    /// CPU time the check may take, in seconds.
    #[arg(long, default_value_t = CPU_SECONDS)]
    cpu_seconds: u64,
}

/// Exit code of a check that could not read its file.
const UNREADABLE: u8 = 3;

/// Confines this process, checks the file and writes the verdict on
/// standard output.
pub fn run(a: &InspectArgs) -> ExitCode {
    if let Err(e) = confine(a.memory_mib, a.cpu_seconds) {
        eprintln!("lỗi: không đặt được giới hạn cho tiến trình kiểm tra: {e}");
        return ExitCode::FAILURE;
    }
    let limits = nghitruong_docs::Limits {
        max_bytes: a.max_bytes,
        max_zip_entries: a.max_zip_entries,
        max_uncompressed: a.max_uncompressed,
        max_ratio: a.max_ratio,
    };
    let verdict = nghitruong_docs::inspect_file(&a.path, &limits);
    let mut out = std::io::stdout().lock();
    match nghitruong_docs::write_verdict(&verdict, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi: không đọc được tệp cần kiểm tra: {e}");
            ExitCode::from(UNREADABLE)
        }
    }
}

fn confine(memory_mib: u64, cpu_seconds: u64) -> nix::Result<()> {
    use nix::sys::resource::{Resource, setrlimit};
    let memory = memory_mib.saturating_mul(1024 * 1024);
    setrlimit(Resource::RLIMIT_DATA, memory, memory)?;
    // Past the soft limit the kernel sends SIGXCPU, past the hard one SIGKILL.
    setrlimit(
        Resource::RLIMIT_CPU,
        cpu_seconds,
        cpu_seconds.saturating_add(1),
    )
}

/// The binary the server runs to check uploads: itself.
pub fn inspector() -> anyhow::Result<PathBuf> {
    std::env::current_exe().context("không tìm được tệp chạy của máy chủ để kiểm tra tệp tải lên")
}
