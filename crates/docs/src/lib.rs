//! Session documents on disk and in bytes: what a file really is (decided
//! from its content, never its name), its text for search, an HTML view of
//! Word and Excel files, content-addressed storage, and the streamed zip
//! of a session's documents (the packet).
//!
//! Uploads are hostile. Every check here has a limit: bytes, zip entries,
//! uncompressed size, compression ratio, decompressed PDF content. Nothing
//! in this crate touches the database; the web crate wires it to the store.

#![warn(missing_docs)]

mod blobs;
mod inspect;
pub mod make;
mod packet;
mod verdict;
mod views;
mod xml;

pub use blobs::{BlobStore, Incoming, Staged, StoredBlob, is_over_limit};
pub use inspect::{FileInspection, Inspected, Limits, Rejection, inspect, inspect_file};
pub use packet::{PacketEntry, packet_size_bound, write_packet};
pub use verdict::{read_verdict, write_verdict};
pub use views::{docx_html, xlsx_html};
