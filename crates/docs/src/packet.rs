//! The session packet: one zip of the documents a reader may see, with the
//! agenda as `00-muc-luc.html`, written as a stream so that no whole file
//! (and no whole packet) is held in memory.
//!
//! Documents are stored uncompressed: PDF, DOCX and XLSX are compressed
//! already, and storing keeps the server's CPU for the people in the hall.

use std::collections::HashSet;
use std::io::{self, Write};

use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::BlobStore;

/// One document in a packet.
#[derive(Clone, Debug)]
pub struct PacketEntry {
    /// File name inside the zip, made safe by [`write_packet`].
    pub name: String,
    /// The stored file.
    pub sha256: String,
}

/// Writes the packet to `out`, reading each document from `blobs` in
/// pieces. Blocking: run it on a blocking thread that feeds the response.
pub fn write_packet<W: Write>(
    out: W,
    blobs: &BlobStore,
    index_html: &str,
    entries: &[PacketEntry],
) -> io::Result<()> {
    let mut zip = zip::ZipWriter::new_stream(out);
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(false);
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true);
    zip.start_file("00-muc-luc.html", deflated)
        .map_err(io::Error::other)?;
    zip.write_all(index_html.as_bytes())?;
    let mut used = HashSet::new();
    for entry in entries {
        let name = unique(&mut used, safe_name(&entry.name));
        let mut file = blobs.open(&entry.sha256)?;
        zip.start_file(name, stored).map_err(io::Error::other)?;
        io::copy(&mut file, &mut zip)?;
    }
    zip.finish().map_err(io::Error::other)?;
    Ok(())
}

/// At least the size of the packet [`write_packet`] writes: the index and
/// the documents, and for each document two headers and a directory
/// record with its name (a suffix that keeps names apart included), with
/// their 64-bit sizes; the index's own records and the end of the zip fit
/// in the kilobyte added to it.
pub fn packet_size_bound(
    blobs: &BlobStore,
    index_html: &str,
    entries: &[PacketEntry],
) -> io::Result<usize> {
    let mut bound = index_html.len().saturating_add(1024);
    for entry in entries {
        let size = blobs.open(&entry.sha256)?.metadata()?.len();
        bound = bound
            .saturating_add(usize::try_from(size).unwrap_or(usize::MAX))
            .saturating_add(200 + 3 * entry.name.len());
    }
    Ok(bound)
}

/// A name with no folders, no control characters and no reserved marks,
/// so unpacking cannot write outside the folder it is unpacked into.
pub(crate) fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let short: String = trimmed.chars().take(150).collect();
    if short.is_empty() {
        "tai-lieu".into()
    } else {
        short
    }
}

fn unique(used: &mut HashSet<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while !used.insert(candidate.to_lowercase()) {
        candidate = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem} ({n}).{ext}"),
            None => format!("{name} ({n})"),
        };
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    #[tokio::test]
    async fn a_packet_holds_the_index_and_each_document_once_named() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path()).unwrap();
        let mut up = blobs.begin(100).unwrap();
        up.write(b"%PDF-1.4 body").await.unwrap();
        let blob = up.finish().await.unwrap().keep().await.unwrap();
        let entries = vec![
            PacketEntry {
                name: "../../Tờ trình số 1.pdf".into(),
                sha256: blob.sha256.clone(),
            },
            PacketEntry {
                name: "../../Tờ trình số 1.pdf".into(),
                sha256: blob.sha256.clone(),
            },
        ];
        let mut out = Vec::new();
        write_packet(&mut out, &blobs, "<h1>Mục lục</h1>", &entries).unwrap();

        let mut zip = zip::ZipArchive::new(io::Cursor::new(out)).unwrap();
        let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        assert_eq!(names.len(), 3);
        assert!(names.contains(&"00-muc-luc.html".to_owned()));
        assert!(
            names.contains(&"-..-Tờ trình số 1.pdf".to_owned()),
            "{names:?}"
        );
        assert!(
            names.contains(&"-..-Tờ trình số 1 (2).pdf".to_owned()),
            "{names:?}"
        );
        let mut body = String::new();
        zip.by_name("-..-Tờ trình số 1.pdf")
            .unwrap()
            .read_to_string(&mut body)
            .unwrap();
        assert_eq!(body, "%PDF-1.4 body");
    }

    /// The bound holds with no document, with names that need a suffix to
    /// stay apart, with empty and one-byte files and a long index.
    #[tokio::test]
    async fn a_packet_is_never_larger_than_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path()).unwrap();
        let mut stored = Vec::new();
        for body in [&b""[..], b"x", &[7u8; 70_000][..]] {
            let mut up = blobs.begin(100_000).unwrap();
            up.write(body).await.unwrap();
            stored.push(up.finish().await.unwrap().keep().await.unwrap().sha256);
        }
        let long_index = "<p>Mục lục kỳ họp</p>".repeat(5_000);
        let entry = |name: &str, sha: &str| PacketEntry {
            name: name.into(),
            sha256: sha.into(),
        };
        let cases = [
            ("", vec![]),
            (
                "<h1>Mục lục</h1>",
                vec![entry("a.pdf", &stored[0]), entry("a.pdf", &stored[1])],
            ),
            (
                long_index.as_str(),
                (0..12).map(|_| entry("Báo cáo.docx", &stored[2])).collect(),
            ),
            // Records outweigh the files: the margin per document counts.
            (
                "<h1>Mục lục</h1>",
                (0..40)
                    .map(|_| {
                        entry(
                            "Báo cáo thẩm tra của Ban Kinh tế - Ngân sách về dự toán.docx",
                            &stored[1],
                        )
                    })
                    .collect(),
            ),
        ];
        for (index, entries) in cases {
            let mut out = Vec::new();
            write_packet(&mut out, &blobs, index, &entries).unwrap();
            let bound = packet_size_bound(&blobs, index, &entries).unwrap();
            assert!(out.len() <= bound, "{} > {bound}", out.len());
        }
    }
}
