//! Writes the parts of a document package.

use crate::dates::{format_date, format_timestamp};
use crate::model::{
    Attachment, Business, DocumentPackage, ManifestReference, MessageHeader, OtherInfo, Signature,
    SignedReference, TraceHeaderList,
};
use crate::write::{NAMESPACE, Out, base64, organization, response_for, staff_info};

/// Writes the header, the body and the attachments; the caller has opened
/// `edXML`, `edXMLEnvelope` and `edXMLHeader`.
pub(super) fn envelope_and_attachments(out: &mut Out, doc: &DocumentPackage) {
    message_header(out, &doc.header);
    if let Some(trace) = &doc.trace {
        trace_header_list(out, trace);
    }
    if let Some(signature) = &doc.signature {
        self::signature(out, signature);
    }
    out.close("edXML:edXMLHeader");
    if !doc.manifest.is_empty() {
        manifest(out, &doc.manifest);
    }
    out.close("edXML:edXMLEnvelope");
    if !doc.attachments.is_empty() {
        out.open("AttachmentEncoded");
        for a in &doc.attachments {
            attachment(out, a);
        }
        out.close("AttachmentEncoded");
    }
}

fn message_header(out: &mut Out, h: &MessageHeader) {
    out.open("edXML:MessageHeader");
    organization(out, "edXML:From", &h.from);
    for to in &h.to {
        organization(out, "edXML:To", to);
    }
    out.opt_leaf("edXML:DocumentId", h.document_id.as_deref());
    if let Some(code) = &h.code {
        out.open("edXML:Code");
        out.leaf("edXML:CodeNumber", &code.number);
        out.leaf("edXML:CodeNotation", &code.notation);
        out.close("edXML:Code");
    }
    if let Some(p) = &h.promulgation {
        out.open("edXML:PromulgationInfo");
        out.leaf("edXML:Place", &p.place);
        if let Some(date) = p.date {
            out.leaf("edXML:PromulgationDate", &format_date(date));
        }
        out.close("edXML:PromulgationInfo");
    }
    if let Some(t) = &h.document_type {
        out.open("edXML:DocumentType");
        out.opt_number("edXML:Type", t.type_code);
        out.opt_number("edXML:TypeDetail", t.type_detail);
        out.leaf("edXML:TypeName", &t.type_name);
        out.close("edXML:DocumentType");
    }
    out.leaf("edXML:Subject", &h.subject);
    out.opt_leaf("edXML:Content", h.content.as_deref());
    if let Some(s) = &h.signer {
        out.open("edXML:SignerInfo");
        out.opt_leaf("edXML:Competence", s.competence.as_deref());
        out.opt_leaf("edXML:Position", s.position.as_deref());
        out.opt_leaf("edXML:FullName", s.full_name.as_deref());
        out.close("edXML:SignerInfo");
    }
    if let Some(date) = h.due_date {
        out.leaf("edXML:DueDate", &format_date(date));
    }
    if let Some(o) = &h.other_info {
        other_info(out, o);
    }
    for r in &h.response_for {
        response_for(out, r);
    }
    out.opt_number("edXML:SteeringType", h.steering_type);
    if let Some(task) = &h.response_for_task {
        out.open("edXML:ResponseForTask");
        out.leaf("edXML:TaskCode", task);
        out.close("edXML:ResponseForTask");
    }
    out.opt_leaf("edXML:ApplicationType", h.application_type.as_deref());
    if !h.to_places.is_empty() {
        out.open("edXML:ToPlaces");
        for place in &h.to_places {
            out.leaf("edXML:Place", place);
        }
        out.close("edXML:ToPlaces");
    }
    out.close("edXML:MessageHeader");
}

fn other_info(out: &mut Out, o: &OtherInfo) {
    out.open("edXML:OtherInfo");
    out.opt_number("edXML:Priority", o.priority.map(|p| p.code()));
    out.opt_leaf(
        "edXML:SphereOfPromulgation",
        o.sphere_of_promulgation.as_deref(),
    );
    out.opt_leaf("edXML:TyperNotation", o.typer_notation.as_deref());
    out.opt_number("edXML:PromulgationAmount", o.promulgation_amount);
    out.opt_number("edXML:PageAmount", o.page_amount);
    out.opt_leaf("edXML:ReplyFors", o.reply_fors.as_deref());
    if let Some(direction) = o.direction {
        out.leaf("edXML:Direction", if direction { "true" } else { "false" });
    }
    out.opt_leaf("edXML:ReferenceCodes", o.reference_codes.as_deref());
    if !o.appendixes.is_empty() {
        out.open("edXML:Appendixes");
        for a in &o.appendixes {
            out.leaf("edXML:Appendix", a);
        }
        out.close("edXML:Appendixes");
    }
    out.close("edXML:OtherInfo");
}

/// Writes `TraceHeaderList` with `Bussiness` first, as VNPT's builder does.
fn trace_header_list(out: &mut Out, t: &TraceHeaderList) {
    let mut attrs = Vec::new();
    if let Some(id) = &t.id {
        attrs.push(("id", id.as_str()));
    }
    if let Some(version) = &t.version {
        attrs.push(("version", version.as_str()));
    }
    out.open_with("edXML:TraceHeaderList", &attrs);
    if let Some(b) = &t.business {
        business(out, b);
    }
    for hop in &t.hops {
        out.open("edXML:TraceHeader");
        out.leaf("edXML:OrganId", &hop.organ_id);
        if let Some(at) = hop.timestamp {
            out.leaf("edXML:Timestamp", &format_timestamp(at));
        }
        out.close("edXML:TraceHeader");
    }
    out.close("edXML:TraceHeaderList");
}

fn business(out: &mut Out, b: &Business) {
    out.open("edXML:Bussiness");
    out.opt_leaf("edXML:DocumentId", b.document_id.as_deref());
    out.opt_number("edXML:BussinessDocType", b.doc_type.map(|t| t.code()));
    out.opt_leaf("edXML:BussinessDocReason", b.reason.as_deref());
    if let Some(paper) = b.paper {
        out.leaf("edXML:Paper", flag(paper));
    }
    if let Some(info) = &b.document_info {
        out.open("edXML:BussinessDocumentInfo");
        if let Some(v) = info.document_info {
            out.leaf("edXML:DocumentInfo", flag(v));
        }
        if let Some(v) = info.document_receiver {
            out.leaf("edXML:DocumentReceiver", flag(v));
        }
        if !info.receivers.is_empty() {
            out.open("edXML:ReceiverList");
            for r in &info.receivers {
                out.open("edXML:Receiver");
                out.leaf("edXML:OrganId", &r.organ_id);
                out.opt_number("edXML:ReceiverType", r.receiver_type);
                out.close("edXML:Receiver");
            }
            out.close("edXML:ReceiverList");
        }
        out.close("edXML:BussinessDocumentInfo");
    }
    if !b.replacements.is_empty() {
        out.open("edXML:ReplacementInfoList");
        for r in &b.replacements {
            out.open("edXML:ReplacementInfo");
            out.leaf("edXML:DocumentId", &r.document_id);
            out.open("edXML:OrganIdList");
            for id in &r.organ_ids {
                out.leaf("edXML:OrganId", id);
            }
            out.close("edXML:OrganIdList");
            out.close("edXML:ReplacementInfo");
        }
        out.close("edXML:ReplacementInfoList");
    }
    if let Some(staff) = &b.staff {
        staff_info(out, staff);
    }
    out.close("edXML:Bussiness");
}

/// Writes `Signature` unprefixed, so it sits in the edXML namespace as
/// VNPT's library puts it.
fn signature(out: &mut Out, s: &Signature) {
    out.open("Signature");
    let has_signed_info = s.canonicalization_method.is_some()
        || s.signature_method.is_some()
        || !s.references.is_empty();
    if has_signed_info {
        out.open("SignedInfo");
        if let Some(a) = &s.canonicalization_method {
            out.empty_with("CanonicalizationMethod", &[("Algorithm", a)]);
        }
        if let Some(a) = &s.signature_method {
            out.empty_with("SignatureMethod", &[("Algorithm", a)]);
        }
        for r in &s.references {
            signed_reference(out, r);
        }
        out.close("SignedInfo");
    }
    out.opt_leaf("SignatureValue", s.signature_value.as_deref());
    if s.x509_subject_name.is_some() || s.x509_certificate.is_some() {
        out.open("KeyInfo");
        out.open("X509Data");
        out.opt_leaf("X509SubjectName", s.x509_subject_name.as_deref());
        out.opt_leaf("X509Certificate", s.x509_certificate.as_deref());
        out.close("X509Data");
        out.close("KeyInfo");
    }
    out.close("Signature");
}

fn signed_reference(out: &mut Out, r: &SignedReference) {
    let attrs: Vec<(&str, &str)> = r.uri.iter().map(|u| ("URI", u.as_str())).collect();
    out.open_with("Reference", &attrs);
    if !r.transforms.is_empty() {
        out.open("Transforms");
        for t in &r.transforms {
            out.empty_with("Transform", &[("Algorithm", t)]);
        }
        out.close("Transforms");
    }
    if let Some(a) = &r.digest_method {
        out.empty_with("DigestMethod", &[("Algorithm", a)]);
    }
    out.opt_leaf("DigestValue", r.digest_value.as_deref());
    out.close("Reference");
}

fn manifest(out: &mut Out, refs: &[ManifestReference]) {
    out.open("edXML:edXMLBody");
    out.open_with("edXML:edXMLManifest", &[("version", "1.0")]);
    for r in refs {
        out.open("edXML:Reference");
        out.leaf("edXML:ContentId", &format!("cid:{}", r.content_id));
        out.opt_leaf("edXML:ContentType", r.content_type.as_deref());
        out.opt_leaf("edXML:Description", r.description.as_deref());
        out.opt_leaf("edXML:AttachmentName", r.attachment_name.as_deref());
        out.close("edXML:Reference");
    }
    out.close("edXML:edXMLManifest");
    out.close("edXML:edXMLBody");
}

fn attachment(out: &mut Out, a: &Attachment) {
    out.open("Attachment");
    out.leaf("ContentId", &format!("cid:{}", a.content_id));
    out.leaf("AttachmentName", &a.name);
    out.opt_leaf("Description", a.description.as_deref());
    out.opt_leaf("FieldName", a.field_name.as_deref());
    out.opt_leaf("MimeType", a.mime_type.as_deref());
    out.opt_leaf("ContentType", a.content_type.as_deref());
    out.leaf_with(
        "edXML:ContentTransferEncoded",
        &[("xmlns:edXML", NAMESPACE)],
        &base64(&a.content),
    );
    out.close("Attachment");
}

fn flag(value: bool) -> &'static str {
    if value { "1" } else { "0" }
}
