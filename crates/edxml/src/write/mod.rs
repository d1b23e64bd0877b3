//! Writing packages in the canonical form: the layout VNPT's library emits
//! and the axis returns, which every known vendor reads.
//!
//! - UTF-8 with an XML declaration, LF line ends, two-space indent.
//! - The root `<edXML>` declares the edXML namespace as default;
//!   `edXMLEnvelope` declares it again as the `edXML` prefix and everything
//!   inside is prefixed, except `Signature` and its children.
//! - `AttachmentEncoded`, `Attachment` and its children are unprefixed,
//!   except `edXML:ContentTransferEncoded`, which declares the prefix itself.
//! - Children follow the VNPT emission order; dates are `yyyy/MM/dd`,
//!   times `yyyy/MM/dd HH:mm:ss`, content ids `cid:<id>`, base64 has no line
//!   breaks.
//!
//! Optional parts that are `None` or empty are left out, so reading the
//! output gives back the same [`Package`].

mod document;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::dates::{format_date, format_timestamp};
use crate::model::{Organization, Package, ResponseFor, StaffInfo, StatusPackage};
use crate::xml::is_xml_char;

/// The edXML namespace of QCVN 102:2016.
pub const NAMESPACE: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

/// Writes `package` in the canonical form.
pub fn to_string(package: &Package) -> String {
    let mut out = Out::default();
    out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.open_with("edXML", &[("xmlns", NAMESPACE)]);
    out.open_with("edXML:edXMLEnvelope", &[("xmlns:edXML", NAMESPACE)]);
    out.open("edXML:edXMLHeader");
    match package {
        Package::Document(doc) => document::envelope_and_attachments(&mut out, doc),
        Package::Status(status) => {
            status_header(&mut out, status);
            out.close("edXML:edXMLHeader");
            out.close("edXML:edXMLEnvelope");
        }
    }
    out.close("edXML");
    out.buf
}

/// Writes `package` in the canonical form, as UTF-8 bytes.
pub fn to_bytes(package: &Package) -> Vec<u8> {
    to_string(package).into_bytes()
}

fn status_header(out: &mut Out, status: &StatusPackage) {
    let h = &status.header;
    out.open("edXML:MessageHeader");
    organization(out, "edXML:From", &h.from);
    response_for(out, &h.response_for);
    if let Some(staff) = &h.staff {
        staff_info(out, staff);
    }
    out.leaf("edXML:StatusCode", h.status_code.as_str());
    out.opt_leaf("edXML:Description", h.description.as_deref());
    if let Some(at) = h.timestamp {
        out.leaf("edXML:Timestamp", &format_timestamp(at));
    }
    out.close("edXML:MessageHeader");
}

/// Writes `From` or `To` in the VNPT order.
fn organization(out: &mut Out, name: &str, org: &Organization) {
    out.open(name);
    out.leaf("edXML:OrganId", &org.organ_id);
    out.opt_leaf(
        "edXML:OrganizationInCharge",
        org.organization_in_charge.as_deref(),
    );
    out.leaf("edXML:OrganName", &org.organ_name);
    out.opt_leaf("edXML:OrganAdd", org.organ_add.as_deref());
    out.opt_leaf("edXML:Email", org.email.as_deref());
    out.opt_leaf("edXML:Telephone", org.telephone.as_deref());
    out.opt_leaf("edXML:Fax", org.fax.as_deref());
    out.opt_leaf("edXML:Website", org.website.as_deref());
    out.close(name);
}

/// Writes `ResponseFor` in the order of VNPT's status builder.
fn response_for(out: &mut Out, r: &ResponseFor) {
    out.open("edXML:ResponseFor");
    out.leaf("edXML:OrganId", &r.organ_id);
    out.leaf("edXML:Code", &r.code);
    out.leaf("edXML:DocumentId", &r.document_id);
    if let Some(date) = r.promulgation_date {
        out.leaf("edXML:PromulgationDate", &format_date(date));
    }
    out.close("edXML:ResponseFor");
}

fn staff_info(out: &mut Out, s: &StaffInfo) {
    out.open("edXML:StaffInfo");
    out.opt_leaf("edXML:Department", s.department.as_deref());
    out.opt_leaf("edXML:DepartmentId", s.department_id.as_deref());
    out.opt_leaf("edXML:Staff", s.staff.as_deref());
    out.opt_leaf("edXML:StaffId", s.staff_id.as_deref());
    out.opt_leaf("edXML:Email", s.email.as_deref());
    out.opt_leaf("edXML:Mobile", s.mobile.as_deref());
    out.close("edXML:StaffInfo");
}

fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// An indenting XML text builder.
#[derive(Default)]
struct Out {
    buf: String,
    depth: usize,
}

impl Out {
    fn raw(&mut self, text: &str) {
        self.buf.push_str(text);
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.buf.push_str("  ");
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(name);
        for (key, value) in attrs {
            self.buf.push(' ');
            self.buf.push_str(key);
            self.buf.push_str("=\"");
            escape_into(&mut self.buf, value, true);
            self.buf.push('"');
        }
    }

    fn open(&mut self, name: &str) {
        self.open_with(name, &[]);
    }

    fn open_with(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.buf.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    fn leaf_with(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start_tag(name, attrs);
        self.buf.push('>');
        escape_into(&mut self.buf, text, false);
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn empty_with(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.buf.push_str(" />\n");
    }

    fn opt_leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    fn opt_number(&mut self, name: &str, number: Option<u32>) {
        if let Some(n) = number {
            self.leaf(name, &n.to_string());
        }
    }
}

/// Escapes text for element content or (with `attr`) an attribute value.
///
/// `\r` is written as a character reference so that it survives end-of-line
/// normalisation; in attributes tab and line feed are too. Other control
/// characters cannot be carried by XML 1.0 at all (the reader refuses them),
/// so they become U+FFFD; a package read from XML never contains them.
fn escape_into(buf: &mut String, text: &str, attr: bool) {
    for c in text.chars() {
        match c {
            '&' => buf.push_str("&amp;"),
            '<' => buf.push_str("&lt;"),
            '>' => buf.push_str("&gt;"),
            '"' if attr => buf.push_str("&quot;"),
            '\r' => buf.push_str("&#13;"),
            '\n' | '\t' if attr => buf.push_str(&format!("&#{};", u32::from(c))),
            '\n' | '\t' => buf.push(c),
            c if !is_xml_char(c) => buf.push(char::REPLACEMENT_CHARACTER),
            c => buf.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_carry_become_replacement_characters() {
        let mut buf = String::new();

        escape_into(&mut buf, "a\u{0}b\u{1b}c\u{FFFE}", false);

        assert_eq!(buf, "a\u{FFFD}b\u{FFFD}c\u{FFFD}");
    }

    #[test]
    fn markup_characters_are_escaped() {
        let mut buf = String::new();

        escape_into(&mut buf, "a<b>&\"c\"\r\n", false);

        assert_eq!(buf, "a&lt;b&gt;&amp;\"c\"&#13;\n");
    }

    #[test]
    fn attribute_values_escape_quotes_and_line_breaks() {
        let mut buf = String::new();

        escape_into(&mut buf, "x\"y\n\tz", true);

        assert_eq!(buf, "x&quot;y&#10;&#9;z");
    }
}
