//! A small element tree built from `quick-xml` events, with the safety
//! rules applied while it is built.
//!
//! The reader maps this tree to the model; building a tree first is what
//! makes the mapping independent of child order. Packages are capped at a
//! few tens of MiB, so holding one in memory is fine.
//!
//! Safety rules: a DOCTYPE is refused outright, no entity is ever expanded
//! (only the five predefined ones and character references are resolved),
//! and nesting depth and element count are capped. Namespaces are ignored:
//! elements are matched by local name, so the prefixed, unprefixed and
//! XML-DSig flavours all read the same.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::escape::EscapeError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

use crate::error::ReadError;
use crate::path::canonical_name;

/// One element: its local name (after aliasing), attributes, text and
/// children in document order.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// Local name, mapped through [`canonical_name`].
    pub(crate) name: String,
    /// Attributes by local name; namespace declarations are left out.
    pub(crate) attrs: Vec<(String, String)>,
    /// Child elements in document order.
    pub(crate) children: Vec<Node>,
    /// All character data directly inside the element, untrimmed.
    pub(crate) text: String,
    /// Line where the start tag begins (1-based).
    pub(crate) line: u32,
}

/// Caps applied while building the tree.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TreeLimits {
    /// Deepest nesting allowed (the root is depth 1).
    pub(crate) max_depth: usize,
    /// Most elements allowed in the whole document.
    pub(crate) max_elements: usize,
}

/// Turns byte offsets into 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub(crate) fn new(text: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { starts }
    }

    /// The line holding byte `offset`.
    pub(crate) fn line(&self, offset: u64) -> u32 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let line = self.starts.partition_point(|start| *start <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}

/// An element still waiting for its end tag.
struct Open {
    node: Node,
    /// The name as written, prefix included, to match the end tag.
    qname: String,
}

/// Builds the tree while enforcing the limits.
struct Builder {
    limits: TreeLimits,
    stack: Vec<Open>,
    root: Option<Node>,
    elements: usize,
}

/// Parses `text` into a tree of elements.
pub(crate) fn parse(text: &str, lines: &LineIndex, limits: TreeLimits) -> Result<Node, ReadError> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    // We match end tags ourselves so that the error can say where the
    // unclosed element was opened.
    config.check_end_names = false;
    config.trim_text(false);

    let mut builder = Builder {
        limits,
        stack: Vec::new(),
        root: None,
        elements: 0,
    };
    loop {
        let at = lines.line(reader.buffer_position());
        let event = reader.read_event().map_err(|e| ReadError::Malformed {
            line: lines.line(reader.error_position()),
            detail: e.to_string(),
        })?;
        match event {
            Event::Eof => break,
            event => builder.handle(event, at)?,
        }
    }
    builder.finish(lines.line(u64::try_from(text.len()).unwrap_or(u64::MAX)))
}

impl Builder {
    fn handle(&mut self, event: Event<'_>, line: u32) -> Result<(), ReadError> {
        match event {
            Event::DocType(_) => Err(ReadError::Doctype { line }),
            Event::Start(start) => {
                let open = self.open(&start, line)?;
                self.stack.push(open);
                Ok(())
            }
            Event::Empty(start) => {
                let open = self.open(&start, line)?;
                self.attach(open.node)
            }
            Event::End(end) => {
                let found = end.name().as_ref().to_owned();
                self.close(&found, line)
            }
            Event::Text(t) => self.text(&t.xml10_content(), line),
            Event::CData(c) => self.text(&c.xml10_content(), line),
            Event::GeneralRef(r) => {
                let resolved = resolve_reference(&r, line)?;
                self.text(&resolved, line)
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::Eof => Ok(()),
        }
    }

    /// Starts an element, checking depth, count and that there is only one root.
    fn open(&mut self, start: &BytesStart<'_>, line: u32) -> Result<Open, ReadError> {
        if self.stack.is_empty() && self.root.is_some() {
            return Err(malformed(
                line,
                "a second root element; a package has exactly one",
            ));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(ReadError::TooDeep {
                limit: self.limits.max_depth,
                line,
            });
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(ReadError::TooManyElements {
                limit: self.limits.max_elements,
                line,
            });
        }

        let local = start.local_name().as_ref().to_owned();
        let node = Node {
            name: canonical_name(&local).to_owned(),
            attrs: attributes(start, line)?,
            children: Vec::new(),
            text: String::new(),
            line,
        };
        let qname = start.name().as_ref().to_owned();
        Ok(Open { node, qname })
    }

    fn close(&mut self, found: &str, line: u32) -> Result<(), ReadError> {
        let Some(open) = self.stack.pop() else {
            return Err(malformed(
                line,
                &format!("closing tag </{found}> has no matching start tag"),
            ));
        };
        if open.qname != found {
            return Err(malformed(
                line,
                &format!(
                    "closing tag </{found}> does not match <{}> opened at line {}",
                    open.qname, open.node.line
                ),
            ));
        }
        self.attach(open.node)
    }

    /// Hands a finished element to its parent, or makes it the root.
    fn attach(&mut self, node: Node) -> Result<(), ReadError> {
        match self.stack.last_mut() {
            Some(parent) => parent.node.children.push(node),
            None if self.root.is_none() => self.root = Some(node),
            None => {
                return Err(malformed(
                    node.line,
                    "a second root element; a package has exactly one",
                ));
            }
        }
        Ok(())
    }

    fn text(&mut self, text: &str, line: u32) -> Result<(), ReadError> {
        check_chars(text, line)?;
        match self.stack.last_mut() {
            Some(open) => {
                open.node.text.push_str(text);
                Ok(())
            }
            None if is_xml_blank(text) => Ok(()),
            None => Err(malformed(line, "text outside the root element")),
        }
    }

    fn finish(self, last_line: u32) -> Result<Node, ReadError> {
        if let Some(open) = self.stack.last() {
            return Err(malformed(
                last_line,
                &format!(
                    "input ends before <{}> opened at line {} is closed",
                    open.qname, open.node.line
                ),
            ));
        }
        self.root
            .ok_or_else(|| malformed(last_line, "no root element"))
    }
}

/// Reads the attributes of a start tag, leaving out namespace declarations.
fn attributes(start: &BytesStart<'_>, line: u32) -> Result<Vec<(String, String)>, ReadError> {
    let mut out = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| malformed(line, &e.to_string()))?;
        if attr.key.as_namespace_binding().is_some() {
            continue;
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| match e {
                quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                    ReadError::Entity { name, line }
                }
                other => malformed(line, &other.to_string()),
            })?;
        check_chars(&value, line)?;
        let key = attr.key.local_name().as_ref().to_owned();
        out.push((key, value.into_owned()));
    }
    Ok(out)
}

/// Resolves `&name;` or `&#n;` in text; any other entity is refused.
fn resolve_reference(r: &BytesRef<'_>, line: u32) -> Result<Cow<'static, str>, ReadError> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
            Ok(None) | Err(_) => Err(malformed(
                line,
                &format!("invalid character reference &{};", r.xml10_content()),
            )),
        };
    }
    let name = r.xml10_content();
    let text = match name.as_ref() {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => {
            return Err(ReadError::Entity {
                name: name.into_owned(),
                line,
            });
        }
    };
    Ok(Cow::Borrowed(text))
}

fn malformed(line: u32, detail: &str) -> ReadError {
    ReadError::Malformed {
        line,
        detail: detail.to_owned(),
    }
}

/// Whether XML 1.0 allows `c` in a document (production `Char`).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Refuses text holding a character XML 1.0 does not allow.
fn check_chars(text: &str, line: u32) -> Result<(), ReadError> {
    match text.chars().find(|c| !is_xml_char(*c)) {
        Some(c) => Err(malformed(
            line,
            &format!("character U+{:04X} is not allowed in XML", u32::from(c)),
        )),
        None => Ok(()),
    }
}

/// Whether text is only XML white space (space, tab, CR, LF).
pub(crate) fn is_xml_blank(text: &str) -> bool {
    trim_xml(text).is_empty()
}

/// Trims XML white space, and only that: a no-break space is content.
pub(crate) fn trim_xml(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: TreeLimits = TreeLimits {
        max_depth: 16,
        max_elements: 100,
    };

    fn tree(xml: &str) -> Result<Node, ReadError> {
        parse(xml, &LineIndex::new(xml.as_bytes()), LIMITS)
    }

    #[test]
    fn elements_are_named_by_local_name_whatever_the_prefix() {
        let root =
            tree(r#"<a:edXML xmlns:a="u"><a:Business/><DigitalSignature/></a:edXML>"#).unwrap();

        assert_eq!(root.name, "edXML");
        assert_eq!(root.children[0].name, "Bussiness");
        assert_eq!(root.children[1].name, "Signature");
        assert!(
            root.attrs.is_empty(),
            "xmlns declarations are not attributes"
        );
    }

    #[test]
    fn predefined_and_character_references_are_resolved() {
        let root = tree("<r>a &lt; b &amp;&#x110;&#272;</r>").unwrap();

        assert_eq!(root.text, "a < b &ĐĐ");
    }

    #[test]
    fn characters_xml_does_not_allow_are_refused_raw_or_referenced() {
        assert!(tree("<r>a\u{1}b</r>").is_err());
        assert!(tree("<r>&#1;</r>").is_err());
        assert!(tree("<r>&#0;</r>").is_err());
        assert!(tree("<r a=\"&#27;\"/>").is_err());
        assert_eq!(tree("<r>&#9;&#13;</r>").unwrap().text, "\t\r");
    }

    #[test]
    fn a_doctype_is_refused_before_any_entity_is_seen() {
        let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"x\">]>\n<r>&a;</r>";

        let err = tree(xml).unwrap_err();

        assert!(matches!(err, ReadError::Doctype { line: 2 }), "{err}");
    }

    #[test]
    fn an_undeclared_entity_is_refused() {
        let err = tree("<r>\n&lol;</r>").unwrap_err();

        assert!(
            matches!(err, ReadError::Entity { ref name, line: 2 } if name == "lol"),
            "{err}"
        );
    }

    #[test]
    fn a_mismatched_end_tag_names_where_the_open_element_started() {
        let err = tree("<r>\n<a>\n<b></b>\n</r>").unwrap_err();

        assert_eq!(
            err.to_string(),
            "EDX002: XML is not well-formed at line 4: closing tag </r> does not match <a> opened at line 2"
        );
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        let xml = format!("{}{}", "<a>".repeat(20), "</a>".repeat(20));

        let err = tree(&xml).unwrap_err();

        assert!(matches!(err, ReadError::TooDeep { limit: 16, .. }), "{err}");
    }

    #[test]
    fn more_elements_than_the_limit_are_refused() {
        let xml = format!("<r>{}</r>", "<a/>".repeat(200));

        let err = tree(&xml).unwrap_err();

        assert!(
            matches!(err, ReadError::TooManyElements { limit: 100, .. }),
            "{err}"
        );
    }

    #[test]
    fn an_unclosed_element_at_the_end_is_reported() {
        let err = tree("<r>\n<a>").unwrap_err();

        assert!(
            err.to_string().contains("<a> opened at line 2 is closed"),
            "{err}"
        );
    }

    #[test]
    fn a_second_root_is_refused() {
        assert!(tree("<r/><r/>").is_err());
        assert!(tree("<r></r>text").is_err());
    }

    #[test]
    fn lines_are_counted_from_one() {
        let index = LineIndex::new(b"a\nb\nc");

        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 2);
        assert_eq!(index.line(4), 3);
    }
}
