//! The package model: what an edXML package says, without its syntax.
//!
//! A [`Package`] is either a document package (gói văn bản: a document with
//! its attachments) or a status package (gói trạng thái: feedback about a
//! document received). The reader tells them apart by whether
//! `MessageHeader` holds a `StatusCode`.
//!
//! Conventions: a child the standard requires is a `String` (empty when the
//! package lacks it, so the validator can say so); an optional child is an
//! `Option`; repeated children are a `Vec` in document order. Text is
//! trimmed of XML white space. Content ids are kept without `cid:`.

mod body;
mod header;
mod status;
mod trace;

pub use body::{Attachment, ManifestReference, Signature, SignedReference};
pub use header::{
    Code, DocumentType, MessageHeader, Organization, OtherInfo, PromulgationInfo, ResponseFor,
    SignerInfo,
};
pub use status::StatusHeader;
pub use trace::{
    Business, BusinessDocumentInfo, Receiver, ReplacementInfo, StaffInfo, TraceHeader,
    TraceHeaderList,
};

use crate::codes::BusinessDocType;

/// An edXML package of either kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Package {
    /// Gói văn bản — a document with its attachments.
    Document(Box<DocumentPackage>),
    /// Gói trạng thái — a status report about a document.
    Status(Box<StatusPackage>),
}

impl Package {
    /// The organisation that sent the package (`From`).
    pub fn sender(&self) -> &Organization {
        match self {
            Self::Document(doc) => &doc.header.from,
            Self::Status(status) => &status.header.from,
        }
    }
}

/// Gói văn bản — a document package.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentPackage {
    /// The message header: who sends what to whom.
    pub header: MessageHeader,
    /// The hops the package took and its business type.
    pub trace: Option<TraceHeaderList>,
    /// The package-level XML signature; the axis does not check it, the
    /// legally binding signatures sit inside the attached PDF.
    pub signature: Option<Signature>,
    /// The manifest (`edXMLBody/edXMLManifest/Reference`).
    pub manifest: Vec<ManifestReference>,
    /// The attachments (`AttachmentEncoded/Attachment`), decoded.
    pub attachments: Vec<Attachment>,
}

impl DocumentPackage {
    /// The business type; a package without `Bussiness` is a new document.
    pub fn business_type(&self) -> BusinessDocType {
        self.trace
            .as_ref()
            .and_then(|t| t.business.as_ref())
            .and_then(|b| b.doc_type)
            .unwrap_or(BusinessDocType::New)
    }

    /// The attachment with content id `id` (with or without `cid:`).
    pub fn attachment(&self, id: &str) -> Option<&Attachment> {
        let id = id.strip_prefix("cid:").unwrap_or(id);
        self.attachments.iter().find(|a| a.content_id == id)
    }
}

/// Gói trạng thái — a status package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusPackage {
    /// The status header.
    pub header: StatusHeader,
}
