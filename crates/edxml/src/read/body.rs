//! Reads the signature, the manifest and the attachments.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::ReadError;
use crate::model::{Attachment, ManifestReference, Signature, SignedReference};
use crate::read::el::{El, bare_content_id};

/// Standard base64 that does not insist on padding: senders differ.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Reads `Signature` (or `DigitalSignature`) in whichever namespace.
pub(crate) fn signature(el: &El<'_>) -> Signature {
    let signed_info = el.child("SignedInfo");
    let algorithm = |name: &str| {
        signed_info
            .as_ref()
            .and_then(|s| s.child(name))
            .and_then(|m| m.attr("Algorithm").map(str::to_owned))
    };
    let x509 = el.child("KeyInfo").and_then(|k| k.child("X509Data"));
    Signature {
        canonicalization_method: algorithm("CanonicalizationMethod"),
        signature_method: algorithm("SignatureMethod"),
        references: signed_info
            .map(|s| {
                s.children("Reference")
                    .iter()
                    .map(signed_reference)
                    .collect()
            })
            .unwrap_or_default(),
        signature_value: el.opt("SignatureValue"),
        x509_subject_name: x509.as_ref().and_then(|x| x.opt("X509SubjectName")),
        x509_certificate: x509.as_ref().and_then(|x| x.opt("X509Certificate")),
    }
}

fn signed_reference(el: &El<'_>) -> SignedReference {
    SignedReference {
        uri: el.attr("URI").map(str::to_owned),
        transforms: el
            .child("Transforms")
            .map(|t| {
                t.children("Transform")
                    .iter()
                    .filter_map(|t| t.attr("Algorithm").map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        digest_method: el
            .child("DigestMethod")
            .and_then(|d| d.attr("Algorithm").map(str::to_owned)),
        digest_value: el.opt("DigestValue"),
    }
}

/// Reads the manifest entries of `edXMLBody`.
pub(crate) fn manifest(body: &El<'_>) -> Vec<ManifestReference> {
    let Some(manifest) = body.child("edXMLManifest") else {
        return Vec::new();
    };
    manifest
        .children("Reference")
        .iter()
        .map(|r| ManifestReference {
            // Bkav names the attachment with xlink:href instead.
            content_id: match r.child("ContentId") {
                Some(id) => bare_content_id(id.text()),
                None => bare_content_id(r.attr("href").unwrap_or_default()),
            },
            content_type: r.opt("ContentType"),
            description: r.opt("Description"),
            attachment_name: r.opt("AttachmentName"),
        })
        .collect()
}

/// Reads and decodes every `Attachment` of `AttachmentEncoded`.
pub(crate) fn attachments(
    encoded: &El<'_>,
    max_bytes: usize,
) -> Result<Vec<Attachment>, ReadError> {
    encoded
        .children("Attachment")
        .iter()
        .map(|a| attachment(a, max_bytes))
        .collect()
}

fn attachment(el: &El<'_>, max_bytes: usize) -> Result<Attachment, ReadError> {
    let content_id = bare_content_id(&el.req("ContentId"));
    let content = match el.child("ContentTransferEncoded") {
        Some(encoded) => decode(&encoded, &content_id, max_bytes)?,
        None => Vec::new(),
    };
    Ok(Attachment {
        content_id,
        name: el.req("AttachmentName"),
        description: el.opt("Description"),
        field_name: el.opt("FieldName"),
        mime_type: el.opt("MimeType"),
        content_type: el.opt("ContentType"),
        content,
    })
}

/// Decodes base64 content, refusing it before decoding when it would be
/// larger than `max_bytes`. Line breaks inside the base64 are tolerated.
fn decode(el: &El<'_>, content_id: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
    let raw = el.raw_text();
    let encoded_len = raw.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    let size = encoded_len / 4 * 3 + (encoded_len % 4) * 3 / 4;
    if size > max_bytes {
        return Err(ReadError::AttachmentTooLarge {
            content_id: content_id.to_owned(),
            size,
            limit: max_bytes,
            line: el.line(),
        });
    }
    let compact: Vec<u8> = raw.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    LENIENT_BASE64
        .decode(compact)
        .map_err(|e| ReadError::InvalidBase64 {
            content_id: content_id.to_owned(),
            line: el.line(),
            detail: e.to_string(),
        })
}
