//! Why a package could not be read at all.
//!
//! Each variant carries a short stable code (`EDX001` …) so that an operator
//! on the phone with the sending agency can name the rule that was broken.
//! Codes are never reused; a new rule gets a new number. Findings of the
//! validator, which come after a successful read, use the `EDX1nn` range
//! (see [`crate::validate::Rule`]).

use crate::path::display_path;

/// A package that cannot be turned into a [`crate::Package`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// `EDX001`: an element the reader needs to build the package is absent
    /// (the root envelope, the message header, `From`, an `OrganId`, a status
    /// package's `ResponseFor`…). `line` is where the parent element starts.
    #[error("EDX001: missing required element {} at line {line}", display_path(.path))]
    MissingElement {
        /// Path of the missing element below the envelope header.
        path: String,
        /// Line of the parent element.
        line: u32,
    },

    /// `EDX002`: the input is not well-formed XML (mismatched or unclosed
    /// tags, bad attribute syntax, text outside the root…).
    #[error("EDX002: XML is not well-formed at line {line}: {detail}")]
    Malformed {
        /// Line where the problem was found.
        line: u32,
        /// What was wrong, in the parser's words.
        detail: String,
    },

    /// `EDX003`: the input contains a `<!DOCTYPE …>`. Packages never need
    /// one, and a DTD is how entity-expansion attacks (billion laughs) and
    /// external entity reads start, so it is refused before anything else.
    #[error("EDX003: DOCTYPE declaration at line {line} is refused; edXML packages never need one")]
    Doctype {
        /// Line of the declaration.
        line: u32,
    },

    /// `EDX004`: an entity reference other than the five predefined ones
    /// (`&lt;` `&gt;` `&amp;` `&apos;` `&quot;`) or a character reference.
    /// Entities are never expanded.
    #[error(
        "EDX004: entity reference &{name}; at line {line} is refused; only predefined entities and character references are allowed"
    )]
    Entity {
        /// The entity name between `&` and `;`.
        name: String,
        /// Line of the reference.
        line: u32,
    },

    /// `EDX005`: the package is larger than the configured input limit.
    #[error("EDX005: package is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },

    /// `EDX006`: an attachment would decode to more bytes than allowed.
    #[error(
        "EDX006: attachment {content_id:?} at line {line} decodes to about {size} bytes, above the limit of {limit} bytes"
    )]
    AttachmentTooLarge {
        /// The attachment's content id, without `cid:`.
        content_id: String,
        /// Estimated decoded size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
        /// Line of the encoded content.
        line: u32,
    },

    /// `EDX007`: `ContentTransferEncoded` is not valid base64.
    #[error("EDX007: attachment {content_id:?} at line {line} is not valid base64: {detail}")]
    InvalidBase64 {
        /// The attachment's content id, without `cid:`.
        content_id: String,
        /// Line of the encoded content.
        line: u32,
        /// What the decoder said.
        detail: String,
    },

    /// `EDX008`: an element holds text that cannot be read as its type: a
    /// number that is not a number, a date that is not a date.
    #[error("EDX008: {} at line {line} holds {value:?}, expected {expected}", display_path(.path))]
    InvalidValue {
        /// Path of the element.
        path: String,
        /// Line of the element.
        line: u32,
        /// The text found.
        value: String,
        /// What was expected, e.g. `a date yyyy/MM/dd`.
        expected: &'static str,
    },

    /// `EDX009`: the input is not UTF-8. The axis and every known library
    /// write UTF-8; other encodings are not decoded.
    #[error("EDX009: package is not UTF-8 text (invalid byte at line {line})")]
    NotUtf8 {
        /// Line of the first invalid byte.
        line: u32,
    },

    /// `EDX010`: the root element is not `edXML`.
    #[error("EDX010: root element is <{found}> at line {line}, expected <edXML>")]
    WrongRoot {
        /// Local name of the root found.
        found: String,
        /// Line of the root element.
        line: u32,
    },

    /// `EDX011`: elements are nested deeper than the configured limit; real
    /// packages are about eight levels deep.
    #[error("EDX011: elements nested deeper than {limit} levels at line {line}")]
    TooDeep {
        /// The depth limit.
        limit: usize,
        /// Line of the element that went too deep.
        line: u32,
    },

    /// `EDX012`: the package has more elements than the configured limit.
    #[error("EDX012: package has more than {limit} elements (line {line})")]
    TooManyElements {
        /// The element limit.
        limit: usize,
        /// Line of the first element over the limit.
        line: u32,
    },

    /// `EDX013`: the bytes could not be read from their source.
    #[error("EDX013: failed to read the package: {0}")]
    Io(#[from] std::io::Error),
}

impl ReadError {
    /// The stable short code of the rule broken, e.g. `EDX001`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingElement { .. } => "EDX001",
            Self::Malformed { .. } => "EDX002",
            Self::Doctype { .. } => "EDX003",
            Self::Entity { .. } => "EDX004",
            Self::TooLarge { .. } => "EDX005",
            Self::AttachmentTooLarge { .. } => "EDX006",
            Self::InvalidBase64 { .. } => "EDX007",
            Self::InvalidValue { .. } => "EDX008",
            Self::NotUtf8 { .. } => "EDX009",
            Self::WrongRoot { .. } => "EDX010",
            Self::TooDeep { .. } => "EDX011",
            Self::TooManyElements { .. } => "EDX012",
            Self::Io(_) => "EDX013",
        }
    }

    /// The line the error points at, when there is one.
    pub fn line(&self) -> Option<u32> {
        match self {
            Self::MissingElement { line, .. }
            | Self::Malformed { line, .. }
            | Self::Doctype { line }
            | Self::Entity { line, .. }
            | Self::AttachmentTooLarge { line, .. }
            | Self::InvalidBase64 { line, .. }
            | Self::InvalidValue { line, .. }
            | Self::NotUtf8 { line }
            | Self::WrongRoot { line, .. }
            | Self::TooDeep { line, .. }
            | Self::TooManyElements { line, .. } => Some(*line),
            Self::TooLarge { .. } | Self::Io(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_element_names_its_prefixed_path_and_line() {
        let e = ReadError::MissingElement {
            path: "MessageHeader/From/OrganId".into(),
            line: 12,
        };

        assert_eq!(
            e.to_string(),
            "EDX001: missing required element edXML:MessageHeader/edXML:From/edXML:OrganId at line 12"
        );
        assert_eq!(e.code(), "EDX001");
        assert_eq!(e.line(), Some(12));
    }

    #[test]
    fn every_message_starts_with_its_code() {
        let errors = [
            ReadError::Doctype { line: 2 },
            ReadError::TooLarge { limit: 10 },
            ReadError::Entity {
                name: "lol".into(),
                line: 3,
            },
            ReadError::NotUtf8 { line: 1 },
        ];

        for e in errors {
            assert!(e.to_string().starts_with(e.code()), "{e}");
        }
    }
}
