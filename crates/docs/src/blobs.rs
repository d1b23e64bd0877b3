//! Content-addressed file storage under the data directory's document
//! folder: a file's name is the SHA-256 of its bytes, so the same upload
//! twice is stored once and a stored file can be checked against its name.
//!
//! Writes are atomic: bytes go to a temporary file in the same folder,
//! which is flushed to disk, renamed into place, and the folder itself is
//! flushed, so a crash leaves either the whole file or none.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::TempPath;
use tokio::io::AsyncWriteExt as _;

/// The document folder.
#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
}

/// A file kept in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    /// Hex SHA-256 of its bytes, which is also its name.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// An upload being received.
pub struct Incoming {
    file: tokio::fs::File,
    path: TempPath,
    hasher: Sha256,
    size: u64,
    limit: u64,
    root: PathBuf,
}

/// A received upload, checked against nothing yet; dropped, it vanishes.
pub struct Staged {
    path: TempPath,
    blob: StoredBlob,
    root: PathBuf,
}

impl BlobStore {
    /// A store rooted at `root` (created if missing).
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join("tmp"))?;
        sweep_stale(&root.join("tmp"));
        Ok(Self { root })
    }

    /// Starts receiving a file of at most `limit` bytes.
    pub fn begin(&self, limit: u64) -> io::Result<Incoming> {
        let (file, path) = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(self.root.join("tmp"))?
            .into_parts();
        Ok(Incoming {
            file: tokio::fs::File::from_std(file),
            path,
            hasher: Sha256::new(),
            size: 0,
            limit,
            root: self.root.clone(),
        })
    }

    /// Where a stored file lives, if `sha256` is a well-formed name. The
    /// name never comes from a person; checking it keeps a bad database
    /// row from naming a path outside the folder.
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        let ok = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// The bytes of a stored file.
    pub async fn read(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let path = self.path(sha256).ok_or(io::ErrorKind::InvalidInput)?;
        tokio::fs::read(path).await
    }

    /// Opens a stored file for streaming.
    pub fn open(&self, sha256: &str) -> io::Result<std::fs::File> {
        let path = self.path(sha256).ok_or(io::ErrorKind::InvalidInput)?;
        std::fs::File::open(path)
    }
}

/// The error `Incoming::write` gives when the file passes its limit.
pub fn is_over_limit(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::FileTooLarge
}

impl Incoming {
    /// Appends a chunk; fails with [`io::ErrorKind::FileTooLarge`] past the limit.
    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(io::ErrorKind::FileTooLarge.into());
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await
    }

    /// Flushes the bytes to disk.
    pub async fn finish(mut self) -> io::Result<Staged> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        drop(self.file);
        Ok(Staged {
            path: self.path,
            blob: StoredBlob {
                sha256: hex::encode(self.hasher.finalize()),
                size: self.size,
            },
            root: self.root,
        })
    }
}

/// A file still being received is younger than this; an older one was
/// left by a server that stopped in the middle of an upload.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes what stopped uploads left in `tmp`. Best effort: a file that
/// cannot be read or removed now is tried again next time.
fn sweep_stale(tmp: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        let ours = entry.file_name().to_string_lossy().starts_with("upload-");
        if old && ours {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Staged {
    /// What it will be stored as.
    pub fn blob(&self) -> &StoredBlob {
        &self.blob
    }

    /// Where it waits, to inspect it in place before keeping it.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Moves it into place under its hash. A file already there has the
    /// same bytes, so the copy just received is dropped.
    pub async fn keep(self) -> io::Result<StoredBlob> {
        let dir = self.root.join(&self.blob.sha256[..2]);
        let target = dir.join(&self.blob.sha256);
        let blob = self.blob.clone();
        let path = self.path;
        tokio::task::spawn_blocking(move || -> io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            if target.exists() {
                return Ok(());
            }
            path.persist(&target).map_err(|e| e.error)?;
            sync_dir(&dir)
        })
        .await
        .map_err(io::Error::other)??;
        Ok(blob)
    }
}

/// Flushes a directory entry (the rename) to disk. Windows has no such
/// call; there the rename is as durable as the file system makes it.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_stopped_upload_left_is_swept_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let aged = |name: &str, age_hours: u64| {
            let path = tmp.join(name);
            let file = std::fs::File::create(&path).unwrap();
            let then =
                std::time::SystemTime::now() - std::time::Duration::from_secs(age_hours * 3600);
            file.set_modified(then).unwrap();
            path
        };
        let left = aged("upload-left", 30);
        let running = aged("upload-running", 1);
        let other = aged("ghi-chu", 30);
        BlobStore::new(dir.path()).unwrap();
        assert!(!left.exists());
        assert!(running.exists(), "an upload in progress is kept");
        assert!(other.exists(), "only our own files are removed");
    }

    #[tokio::test]
    async fn a_file_is_stored_under_its_hash_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path()).unwrap();
        let mut first = None;
        for _ in 0..2 {
            let mut up = store.begin(1024).unwrap();
            up.write(b"hello ").await.unwrap();
            up.write(b"world").await.unwrap();
            let staged = up.finish().await.unwrap();
            assert_eq!(std::fs::read(staged.path()).unwrap(), b"hello world");
            let kept = staged.keep().await.unwrap();
            first.get_or_insert(kept.clone());
            assert_eq!(Some(&kept), first.as_ref());
        }
        let blob = first.unwrap();
        assert_eq!(
            blob.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(store.read(&blob.sha256).await.unwrap(), b"hello world");
        let leftovers = std::fs::read_dir(dir.path().join("tmp")).unwrap().count();
        assert_eq!(leftovers, 0, "no temporary file is left behind");
    }

    #[tokio::test]
    async fn an_oversized_or_dropped_upload_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path()).unwrap();
        let mut up = store.begin(4).unwrap();
        let err = up.write(b"12345").await.unwrap_err();
        assert!(is_over_limit(&err));
        drop(up);
        let staged = {
            let mut up = store.begin(10).unwrap();
            up.write(b"abc").await.unwrap();
            up.finish().await.unwrap()
        };
        drop(staged);
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "only tmp/"
        );
    }

    #[test]
    fn only_hashes_name_files() {
        let store = BlobStore::new(tempfile::tempdir().unwrap().path()).unwrap();
        assert!(store.path("../etc/passwd").is_none());
        assert!(store.path(&"A".repeat(64)).is_none());
        assert!(store.path(&"a".repeat(64)).is_some());
    }
}
