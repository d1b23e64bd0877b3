//! `nghitruong search reindex`: rebuilds the search index from the store.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use clap::Subcommand;
use nghitruong_search::IndexHome;
use nghitruong_store::Store;
use nghitruong_web::search::SearchService;

use crate::settings::Settings;

// The doc comments are the command's help text, so they are in Vietnamese.
#[derive(Subcommand, Debug)]
pub enum SearchCommand {
    /// Lập lại toàn bộ chỉ mục tra cứu từ cơ sở dữ liệu, kể cả khi máy chủ
    /// đang chạy: chỉ mục mới được lập bên cạnh chỉ mục đang dùng rồi mới
    /// thay thế, máy chủ chuyển sang chỉ mục mới trong vài giây.
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
            "không mở được chỉ mục tra cứu tại {} (một máy chủ khác đang dùng cùng thư mục dữ liệu?)",
            dir.display()
        )
    })
}

/// Memory and threads of a rebuild's writer: a bulk load.
const REBUILD_THREADS: usize = 2;
const REBUILD_BYTES: usize = 200_000_000;

/// Runs a search command.
pub async fn run(
    s: &Settings,
    store: &dyn Store,
    action: SearchCommand,
) -> anyhow::Result<ExitCode> {
    match action {
        SearchCommand::Reindex => {
            // A new generation beside the one in use: a running server
            // keeps its index (and its writer lock) and goes on serving
            // searches from it until the rebuild is complete and current.
            let home = IndexHome::new(index_dir(s));
            let (name, index) = home
                .create_with(REBUILD_THREADS, REBUILD_BYTES)
                .with_context(|| {
                    format!("không tạo được chỉ mục mới trong {}", home.dir().display())
                })?;
            let service = SearchService::over(index);
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
            let built = service.rebuild(store, &mut progress).await;
            // The writer's lock goes with the service: the server can open
            // the new generation once it is current.
            drop(service);
            let total = match built {
                Ok(total) => total,
                Err(e) => {
                    let _ = std::fs::remove_dir_all(home.path_of(&name));
                    return Err(e.context(
                        "lập chỉ mục không thành công; chỉ mục đang dùng vẫn giữ nguyên",
                    ));
                }
            };
            let previous = home.current().ok().flatten();
            home.switch_to(&name)
                .with_context(|| format!("không chuyển được sang chỉ mục mới {name}"))?;
            home.remove_stale(Some(&name));
            let still_served = previous.is_some_and(|p| home.path_of(&p).is_dir());
            if live {
                eprintln!();
            }
            println!(
                "Đã lập chỉ mục {total} hồ sơ trong {:.1} giây, tại {}.",
                started.elapsed().as_secs_f64(),
                home.path_of(&name).display()
            );
            if still_served {
                println!(
                    "Chỉ mục cũ đang được máy chủ dùng: máy chủ sẽ tự chuyển sang chỉ mục mới trong vài giây và xóa chỉ mục cũ."
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
