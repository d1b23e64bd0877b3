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

fn main() -> ExitCode {
    let args = cli::Args::parse();
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
