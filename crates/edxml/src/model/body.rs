//! The package signature, the manifest and the attachments.

use std::fmt;

/// Signature — the package-level XML signature as written (VNPT puts it in
/// the edXML namespace; some senders use the XML-DSig one). Values are kept
/// as text: nothing here verifies a signature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signature {
    /// SignedInfo/CanonicalizationMethod@Algorithm.
    pub canonicalization_method: Option<String>,
    /// SignedInfo/SignatureMethod@Algorithm.
    pub signature_method: Option<String>,
    /// SignedInfo/Reference — what was signed.
    pub references: Vec<SignedReference>,
    /// SignatureValue, base64 as written.
    pub signature_value: Option<String>,
    /// KeyInfo/X509Data/X509SubjectName.
    pub x509_subject_name: Option<String>,
    /// KeyInfo/X509Data/X509Certificate, base64 as written.
    pub x509_certificate: Option<String>,
}

/// SignedInfo/Reference — one signed part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignedReference {
    /// The `URI` attribute (`""` is the whole document).
    pub uri: Option<String>,
    /// Transforms/Transform@Algorithm, in order.
    pub transforms: Vec<String>,
    /// DigestMethod@Algorithm.
    pub digest_method: Option<String>,
    /// DigestValue, base64 as written.
    pub digest_value: Option<String>,
}

/// edXMLManifest/Reference — a manifest entry pointing at an attachment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManifestReference {
    /// ContentId without `cid:` (Bkav's `xlink:href` is read when the
    /// element is absent).
    pub content_id: String,
    /// ContentType, e.g. `application/pdf`.
    pub content_type: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// AttachmentName — the file name.
    pub attachment_name: Option<String>,
}

/// Attachment — a file carried in `AttachmentEncoded`, decoded from base64.
///
/// A `application/zip` attachment is kept zipped: VNPT zips every file that
/// is not pdf/doc/docx/xls/xlsx/zip before sending.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Attachment {
    /// ContentId without `cid:`; matches a [`ManifestReference`].
    pub content_id: String,
    /// AttachmentName — the file name, e.g. `15-NQ-HDND.signed.pdf`.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// FieldName — rarely used.
    pub field_name: Option<String>,
    /// MimeType — rarely used; `content_type` is the one that counts.
    pub mime_type: Option<String>,
    /// ContentType, e.g. `application/pdf` or `application/zip`.
    pub content_type: Option<String>,
    /// The decoded bytes.
    pub content: Vec<u8>,
}

impl fmt::Debug for Attachment {
    /// Shows the size of the content instead of every byte.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("content_id", &self.content_id)
            .field("name", &self.name)
            .field("description", &self.description)
            .field("field_name", &self.field_name)
            .field("mime_type", &self.mime_type)
            .field("content_type", &self.content_type)
            .field("content", &format_args!("<{} bytes>", self.content.len()))
            .finish()
    }
}
