//! Nơi đặt chỉ mục — the directory that keeps the index, in generations.
//!
//! A rebuild (`nghitruong search reindex`) must work while the server
//! runs, and the server holds the index writer's lock for as long as it
//! runs. Rather than take that lock away, a rebuild writes a whole new
//! index into a new generation directory beside the one in use, and only
//! then points the `CURRENT` file at it (written to a temporary file and
//! renamed over the old one, so a reader sees either the old name or the
//! new one, never half of it). The server looks at `CURRENT` as it follows
//! the audit log; when it names another generation it opens that one,
//! resumes from the audit record the rebuild stored with its commit, and
//! removes the generation it used before. Searches keep using the old
//! index until the switch, so nobody sees an empty or half-built index.
//!
//! A generation is removed only when its writer lock can be taken, so
//! neither a running server's index nor a rebuild in progress is removed
//! from under its owner.
//!
//! ```text
//! <data dir>/search/
//!   CURRENT            "g1764812345123-4242"
//!   g1764812345123-4242/   meta.json, segments…
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::index::{Result, SearchIndex};

/// The file naming the generation in use.
const CURRENT: &str = "CURRENT";
/// Generation directories start with this.
const PREFIX: &str = "g";
/// A directory that does not open as an index is left alone this long: it
/// may be a rebuild that has just started.
const GRACE: Duration = Duration::from_secs(3600);

/// The directory holding the generations of one index.
#[derive(Clone, Debug)]
pub struct IndexHome {
    dir: PathBuf,
}

impl IndexHome {
    /// The home at `dir` (`<data dir>/search`); nothing is created yet.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The generation `CURRENT` names, if any.
    pub fn current(&self) -> std::io::Result<Option<String>> {
        match std::fs::read_to_string(self.dir.join(CURRENT)) {
            Ok(name) => {
                let name = name.trim();
                Ok(is_generation(name).then(|| name.to_owned()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The directory of generation `name`.
    pub fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Opens the generation in use, taking its writer lock; creates a
    /// first, empty one when there is none. Returns its name too.
    pub fn open_current(&self) -> Result<(String, SearchIndex)> {
        std::fs::create_dir_all(&self.dir)?;
        if let Some(name) = self.current()?
            && self.path_of(&name).is_dir()
        {
            let index = SearchIndex::open(&self.path_of(&name))?;
            return Ok((name, index));
        }
        let (name, index) = self.create()?;
        self.switch_to(&name)?;
        Ok((name, index))
    }

    /// Opens generation `name` (after `CURRENT` moved to it).
    pub fn open(&self, name: &str) -> Result<SearchIndex> {
        SearchIndex::open(&self.path_of(name))
    }

    /// Creates a new, empty generation, not yet in use, with the writer
    /// memory and threads of a bulk load.
    pub fn create_with(&self, threads: usize, memory: usize) -> Result<(String, SearchIndex)> {
        std::fs::create_dir_all(&self.dir)?;
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let name = format!("{PREFIX}{millis}-{}", std::process::id());
        let index = SearchIndex::open_with(&self.path_of(&name), threads, memory)?;
        Ok((name, index))
    }

    /// Creates a new, empty generation, not yet in use.
    pub fn create(&self) -> Result<(String, SearchIndex)> {
        self.create_with(1, crate::index::WRITER_BYTES)
    }

    /// Points `CURRENT` at generation `name`, atomically.
    pub fn switch_to(&self, name: &str) -> std::io::Result<()> {
        let tmp = self
            .dir
            .join(format!("{CURRENT}.{}.tmp", std::process::id()));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(name.as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, self.dir.join(CURRENT))?;
        // The rename itself is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Removes every generation but the one in use and `keep`, and the
    /// files of the one-directory layout used before generations, when
    /// nobody holds their writer lock. Returns the names removed.
    pub fn remove_stale(&self, keep: Option<&str>) -> Vec<String> {
        let current = self.current().ok().flatten();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut removed = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_generation(&name)
                || Some(name.as_str()) == keep
                || Some(&name) == current.as_ref()
                || !entry.path().is_dir()
            {
                continue;
            }
            if unused(&entry.path()) && std::fs::remove_dir_all(entry.path()).is_ok() {
                removed.push(name);
            }
        }
        self.remove_legacy();
        removed
    }

    /// The index files of the layout before generations, kept directly in
    /// the home directory; removed once their writer lock is free.
    fn remove_legacy(&self) {
        if !self.dir.join("meta.json").is_file() || !unused(&self.dir) {
            return;
        }
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if is_file && name != CURRENT && !name.starts_with(&format!("{CURRENT}.")) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

fn is_generation(name: &str) -> bool {
    name.strip_prefix(PREFIX).is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '-')
    })
}

/// Whether the index in `dir` has no writer: its lock can be taken now.
/// A directory that is not (yet) an index counts as unused only once it
/// is older than [`GRACE`].
fn unused(dir: &Path) -> bool {
    let opened = tantivy::directory::MmapDirectory::open(dir)
        .map_err(tantivy::TantivyError::from)
        .and_then(tantivy::Index::open);
    match opened {
        Ok(index) => index
            .writer_with_num_threads::<tantivy::TantivyDocument>(1, 15_000_000)
            .is_ok(),
        Err(_) => std::fs::metadata(dir)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > GRACE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Audience, Kind, Record, Scope, SearchQuery};

    fn record(id: i64, title: &str) -> Record {
        Record {
            kind: Kind::Document,
            id,
            council_id: None,
            council_name: None,
            field: None,
            period: None,
            status: None,
            title: title.into(),
            body: String::new(),
            date: None,
            url: String::new(),
            public_url: None,
            audience: vec![Audience::Public],
        }
    }

    fn found(index: &SearchIndex, text: &str) -> usize {
        let q = SearchQuery {
            text: text.into(),
            limit: 10,
            ..SearchQuery::default()
        };
        index.search(&q, &Scope::public()).unwrap().total
    }

    #[test]
    fn a_rebuild_beside_the_index_in_use_switches_atomically() {
        let tmp = tempfile::tempdir().unwrap();
        let home = IndexHome::new(tmp.path().join("search"));
        let (first, serving) = home.open_current().unwrap();
        serving.upsert(&record(1, "Báo cáo cũ")).unwrap();
        serving.commit_marked("7").unwrap();

        // The writer of the generation in use is held: a second opening of
        // it fails, but a new generation builds beside it.
        assert!(home.open(&first).is_err());
        let (second, rebuilt) = home.create().unwrap();
        rebuilt.upsert(&record(2, "Tờ trình mới")).unwrap();
        rebuilt.commit_marked("9").unwrap();
        drop(rebuilt);
        // Until the switch, the old one is current and nothing is removed.
        assert_eq!(home.current().unwrap().as_deref(), Some(first.as_str()));
        home.switch_to(&second).unwrap();
        assert_eq!(home.current().unwrap().as_deref(), Some(second.as_str()));
        // The old generation is still held by its server: kept.
        assert!(home.remove_stale(None).is_empty());
        assert!(home.path_of(&first).is_dir());

        // The server moves over: opens the new one, drops the old one.
        let switched = home.open(&second).unwrap();
        assert_eq!(switched.mark().unwrap().as_deref(), Some("9"));
        assert_eq!(found(&switched, "to trinh moi"), 1);
        assert_eq!(found(&switched, "bao cao cu"), 0);
        drop(serving);
        assert_eq!(home.remove_stale(None), vec![first.clone()]);
        assert!(!home.path_of(&first).exists());
        drop(switched);
        let (again, reopened) = home.open_current().unwrap();
        assert_eq!(again, second);
        assert_eq!(reopened.len(), 1);
    }

    #[test]
    fn the_one_directory_layout_is_cleared_and_a_garbled_pointer_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("search");
        {
            let legacy = SearchIndex::open(&dir).unwrap();
            legacy.upsert(&record(1, "Cũ")).unwrap();
            legacy.commit().unwrap();
        }
        std::fs::write(dir.join(CURRENT), "../../etc").unwrap();
        let home = IndexHome::new(&dir);
        assert_eq!(home.current().unwrap(), None);
        let (name, index) = home.open_current().unwrap();
        assert!(index.is_empty());
        home.remove_stale(None);
        assert!(!dir.join("meta.json").exists());
        assert_eq!(home.current().unwrap().as_deref(), Some(name.as_str()));
    }
}
