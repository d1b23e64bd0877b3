//! Reading packages: bytes → element tree → [`Package`].
//!
//! The reader is strict about what makes input dangerous or meaningless
//! (size, DOCTYPE, entities, nesting, well-formedness, the elements that say
//! who sends what) and tolerant about everything else: namespaces and
//! prefixes are ignored, children may come in any order, vendor spellings
//! (`Business`, `DigitalSignature`, `xlink:href`) are accepted, unknown
//! elements are skipped. Whether the content makes sense is the
//! validator's job ([`crate::validate()`]).

mod body;
mod el;
mod header;
mod status;
mod trace;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use crate::error::ReadError;
use crate::model::{DocumentPackage, Package, StatusPackage};
use crate::path;
use crate::xml::{self, LineIndex, Node, TreeLimits};
use el::El;

/// Limits applied while reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest package accepted, in bytes (default 64 MiB).
    pub max_input_bytes: usize,
    /// Largest decoded attachment accepted, in bytes (default 32 MiB).
    pub max_attachment_bytes: usize,
    /// Deepest element nesting accepted (default 32; real packages reach 8).
    pub max_depth: usize,
    /// Most elements accepted in a package (default 100 000).
    pub max_elements: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_input_bytes: 64 * 1024 * 1024,
            max_attachment_bytes: 32 * 1024 * 1024,
            max_depth: 32,
            max_elements: 100_000,
        }
    }
}

/// A package together with where its elements sit in the source.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The package read.
    pub package: Package,
    /// Lines of the elements, to point findings at the source.
    pub source: SourceMap,
}

/// The line of each element, by path (see [`crate::path`] for the form).
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    lines: BTreeMap<String, u32>,
}

impl SourceMap {
    /// The line of the element at `path`, or of its nearest ancestor present
    /// in the source when the element itself is missing.
    pub fn line(&self, path: &str) -> Option<u32> {
        let mut path = path;
        loop {
            if let Some(line) = self.lines.get(path) {
                return Some(*line);
            }
            path = path.rsplit_once('/')?.0;
        }
    }

    fn build(root: &Node) -> Self {
        let mut map = Self::default();
        map.lines.insert(String::new(), root.line);
        map.index(root, "");
        map
    }

    fn index(&mut self, node: &Node, node_path: &str) {
        let mut totals: HashMap<&str, usize> = HashMap::new();
        for child in &node.children {
            *totals.entry(child.name.as_str()).or_default() += 1;
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for child in &node.children {
            let position = seen.entry(child.name.as_str()).or_default();
            let total = totals.get(child.name.as_str()).copied().unwrap_or(1);
            let child_path = if node_path.is_empty() && path::is_wrapper(&child.name) {
                String::new()
            } else {
                path::child(node_path, &child.name, *position, total)
            };
            *position += 1;
            self.lines.entry(child_path.clone()).or_insert(child.line);
            self.index(child, &child_path);
        }
    }
}

/// Reads a package with the default limits.
pub fn read(input: &[u8]) -> Result<Package, ReadError> {
    read_with(input, &ReadOptions::default()).map(|parsed| parsed.package)
}

/// Reads a package with `options`, keeping the lines of its elements.
pub fn read_with(input: &[u8], options: &ReadOptions) -> Result<Parsed, ReadError> {
    if input.len() > options.max_input_bytes {
        return Err(ReadError::TooLarge {
            limit: options.max_input_bytes,
        });
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let lines = LineIndex::new(input);
    let text = std::str::from_utf8(input).map_err(|e| ReadError::NotUtf8 {
        line: lines.line(u64::try_from(e.valid_up_to()).unwrap_or(u64::MAX)),
    })?;
    let limits = TreeLimits {
        max_depth: options.max_depth,
        max_elements: options.max_elements,
    };
    let root = xml::parse(text, &lines, limits)?;
    if root.name != "edXML" {
        return Err(ReadError::WrongRoot {
            found: root.name,
            line: root.line,
        });
    }

    let package = package(&root, options)?;
    Ok(Parsed {
        package,
        source: SourceMap::build(&root),
    })
}

/// Reads a package from `source`, stopping as soon as it passes the size
/// limit so that a huge upload is never held in memory whole.
pub fn read_from(source: impl Read, options: &ReadOptions) -> Result<Parsed, ReadError> {
    let limit = u64::try_from(options.max_input_bytes).unwrap_or(u64::MAX);
    let mut bytes = Vec::new();
    source
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    read_with(&bytes, options)
}

fn package(root: &Node, options: &ReadOptions) -> Result<Package, ReadError> {
    let root = El::root(root);
    let envelope = root.require("edXMLEnvelope")?.into_wrapper();
    let header = envelope.require("edXMLHeader")?.into_wrapper();
    let message = header.require("MessageHeader")?;

    if message.child("StatusCode").is_some() {
        let header = status::status_header(&message)?;
        return Ok(Package::Status(Box::new(StatusPackage { header })));
    }

    // AttachmentEncoded sits beside the envelope; accept it inside too.
    let encoded = root
        .child("AttachmentEncoded")
        .or_else(|| envelope.child("AttachmentEncoded"));
    let document = DocumentPackage {
        header: header::message_header(&message)?,
        trace: header
            .child("TraceHeaderList")
            .map(|t| trace::trace_header_list(&t))
            .transpose()?,
        signature: header.child("Signature").map(|s| body::signature(&s)),
        manifest: envelope
            .child("edXMLBody")
            .map(|b| body::manifest(&b))
            .unwrap_or_default(),
        attachments: match encoded {
            Some(encoded) => body::attachments(&encoded, options.max_attachment_bytes)?,
            None => Vec::new(),
        },
    };
    Ok(Package::Document(Box::new(document)))
}
