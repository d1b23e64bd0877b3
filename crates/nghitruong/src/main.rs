//! The Nghị trường binary: the server and the commands operators use.
//!
//! Run the product with demo data:
//!
//! ```text
//! cargo run --release -- serve --demo
//! ```
//!
//! then open <http://127.0.0.1:8080> and sign in with an account it prints.

use std::process::ExitCode;

use clap::Parser as _;
use nghitruong::cli;

/// mimalloc rather than glibc's malloc: sign-ins hash passwords with
/// Argon2 (19 MiB each), and glibc keeps such blocks in per-thread arenas
/// after they are freed, so the server's memory stayed at its sign-in peak
/// for the rest of a session. mimalloc gives freed pages back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process, before any thread
/// starts. mimalloc asks the kernel for huge pages, and it gives freed
/// memory back in small pieces; the next allocation in such a piece then
/// faults in a whole 2 MiB page that the kernel zeroes first. When 500
/// deputies vote at once, that zeroing was a fifth of the server's CPU
/// (`perf`, issue #3). With small pages the ballots took about 40 % less
/// CPU, p99 fell by a third and peak memory by 50-80 MiB
/// (BENCHMARK-session.md).
/// The flag holds for the whole process, whatever the host's THP setting.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_thp_disable(true) {
        // Only slower, never wrong: go on with the host's setting.
        eprintln!("cảnh báo: không tắt được transparent huge pages: {e}");
    }
}

fn main() -> ExitCode {
    no_huge_pages();
    let args = cli::Args::parse();
    if let Some(inspect) = args.inspection() {
        return nghitruong::inspect_cmd::run(inspect);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lỗi: không khởi động được runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lỗi: {e:#}");
            ExitCode::FAILURE
        }
    }
}
