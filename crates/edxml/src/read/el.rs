//! A cursor over the element tree that knows its path, so every value read
//! can name its element and line when it is wrong.

use time::{Date, PrimitiveDateTime};

use crate::dates::{parse_date, parse_timestamp};
use crate::error::ReadError;
use crate::path;
use crate::xml::{Node, trim_xml};

/// An element and its path.
#[derive(Clone, Debug)]
pub(crate) struct El<'a> {
    node: &'a Node,
    path: String,
}

impl<'a> El<'a> {
    /// The root element; its path is empty.
    pub(crate) fn root(node: &'a Node) -> Self {
        Self {
            node,
            path: String::new(),
        }
    }

    /// The same element with the empty path, for the wrappers (`edXML`,
    /// `edXMLEnvelope`, `edXMLHeader`) that paths leave out.
    pub(crate) fn into_wrapper(self) -> Self {
        Self {
            node: self.node,
            path: String::new(),
        }
    }

    /// Line where the element starts.
    pub(crate) fn line(&self) -> u32 {
        self.node.line
    }

    /// The element's text, trimmed of XML white space.
    pub(crate) fn text(&self) -> &'a str {
        trim_xml(&self.node.text)
    }

    /// The untrimmed text, for base64 content.
    pub(crate) fn raw_text(&self) -> &'a str {
        &self.node.text
    }

    /// The value of attribute `name` (local name).
    pub(crate) fn attr(&self, name: &str) -> Option<&'a str> {
        self.node
            .attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first child named `name`.
    pub(crate) fn child(&self, name: &str) -> Option<El<'a>> {
        let count = self.count(name);
        self.node
            .children
            .iter()
            .find(|c| c.name == name)
            .map(|node| El {
                node,
                path: path::child(&self.path, name, 0, count),
            })
    }

    /// Every child named `name`, in document order.
    pub(crate) fn children(&self, name: &str) -> Vec<El<'a>> {
        let count = self.count(name);
        self.node
            .children
            .iter()
            .filter(|c| c.name == name)
            .enumerate()
            .map(|(i, node)| El {
                node,
                path: path::child(&self.path, name, i, count),
            })
            .collect()
    }

    /// The first child named `name`, or the error that it is missing.
    pub(crate) fn require(&self, name: &str) -> Result<El<'a>, ReadError> {
        self.child(name).ok_or_else(|| ReadError::MissingElement {
            path: path::single(&self.path, name),
            line: self.node.line,
        })
    }

    /// The text of child `name`, when the child exists.
    pub(crate) fn opt(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text().to_owned())
    }

    /// The text of child `name`, empty when the child is missing.
    pub(crate) fn req(&self, name: &str) -> String {
        self.opt(name).unwrap_or_default()
    }

    /// The texts of every child named `name`.
    pub(crate) fn texts(&self, name: &str) -> Vec<String> {
        self.children(name)
            .iter()
            .map(|c| c.text().to_owned())
            .collect()
    }

    /// Child `name` as a whole number; empty or missing is `None`.
    pub(crate) fn opt_u32(&self, name: &str) -> Result<Option<u32>, ReadError> {
        self.typed(name, "a whole number", |t| {
            if t.bytes().all(|b| b.is_ascii_digit()) {
                t.parse().ok()
            } else {
                None
            }
        })
    }

    /// Child `name` as a flag: `0`/`1` or `false`/`true`.
    pub(crate) fn opt_bool(&self, name: &str) -> Result<Option<bool>, ReadError> {
        self.typed(name, "0, 1, false or true", |t| match t {
            "1" | "true" | "True" | "TRUE" => Some(true),
            "0" | "false" | "False" | "FALSE" => Some(false),
            _ => None,
        })
    }

    /// Child `name` as a date.
    pub(crate) fn opt_date(&self, name: &str) -> Result<Option<Date>, ReadError> {
        self.typed(name, "a date yyyy/MM/dd", parse_date)
    }

    /// Child `name` as a timestamp.
    pub(crate) fn opt_timestamp(&self, name: &str) -> Result<Option<PrimitiveDateTime>, ReadError> {
        self.typed(name, "a time yyyy/MM/dd HH:mm:ss", parse_timestamp)
    }

    /// Reads child `name` with `parse`; empty or missing is `None`, text
    /// `parse` refuses is an error naming the element.
    fn typed<T>(
        &self,
        name: &str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ReadError> {
        let Some(child) = self.child(name) else {
            return Ok(None);
        };
        let text = child.text();
        if text.is_empty() {
            return Ok(None);
        }
        parse(text)
            .map(Some)
            .ok_or_else(|| ReadError::InvalidValue {
                path: child.path.clone(),
                line: child.line(),
                value: text.to_owned(),
                expected,
            })
    }

    fn count(&self, name: &str) -> usize {
        self.node.children.iter().filter(|c| c.name == name).count()
    }
}

/// A content id without its `cid:` prefix.
pub(crate) fn bare_content_id(text: &str) -> String {
    text.strip_prefix("cid:").unwrap_or(text).to_owned()
}
