//! `nghitruong search reindex`: rebuilds the search index from the store.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use clap::Subcommand;
use nghitruong_store::Store;
use nghitruong_web::search::SearchService;

use crate::settings::Settings;

// The doc comments are the command's help text, so they are in Vietnamese.
#[derive(Subcommand, Debug)]
pub enum SearchCommand {
    /// Lập lại toàn bộ chỉ mục tra cứu từ cơ sở dữ liệu (dừng máy chủ trước).
    Reindex,
}

/// Where the index lives: `<data dir>/search`.
pub fn index_dir(s: &Settings) -> PathBuf {
    s.data_dir.join("search")
}

/// Opens the index kept under the data directory.
pub fn open(s: &Settings) -> anyhow::Result<SearchService> {
    open_at(&index_dir(s))
}

fn open_at(dir: &Path) -> anyhow::Result<SearchService> {
    SearchService::open(dir).with_context(|| {
        format!(
            "không mở được chỉ mục tra cứu tại {} (máy chủ đang chạy giữ chỉ mục? hãy dừng máy chủ trước)",
            dir.display()
        )
    })
}

/// Runs a search command.
pub async fn run(
    s: &Settings,
    store: &dyn Store,
    action: SearchCommand,
) -> anyhow::Result<ExitCode> {
    match action {
        SearchCommand::Reindex => {
            let service = open(s)?;
            let started = Instant::now();
            let live = std::io::stderr().is_terminal();
            let mut last = String::new();
            let mut progress = |name: &str, count: u64| {
                let line = format!("{name}: {count} hồ sơ");
                let mut err = std::io::stderr();
                if live {
                    let _ = write!(err, "\r\x1b[2K{line}");
                    let _ = err.flush();
                } else if name != last {
                    let _ = writeln!(err, "Đang lập chỉ mục: {name}…");
                }
                last = name.to_string();
            };
            let total = service.rebuild(store, &mut progress).await?;
            if live {
                eprintln!();
            }
            println!(
                "Đã lập chỉ mục {total} hồ sơ trong {:.1} giây, tại {}.",
                started.elapsed().as_secs_f64(),
                index_dir(s).display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
