//! Checks of a document package.

use std::collections::HashSet;

use crate::codes::{BusinessDocType, Priority};
use crate::dates::{format_date, parse_date};
use crate::model::{Business, DocumentPackage, MessageHeader, TraceHeaderList};
use crate::path::{child, single};
use crate::validate::Rule;
use crate::validate::common::{Report, limits};

const HEADER: &str = "MessageHeader";
const BUSINESS: &str = "TraceHeaderList/Bussiness";
const MANIFEST: &str = "edXMLBody/edXMLManifest";
const ATTACHMENTS: &str = "AttachmentEncoded";

pub(crate) fn check(doc: &DocumentPackage, r: &mut Report<'_>) {
    header(&doc.header, r);
    document_id_convention(&doc.header, r);
    if let Some(trace) = &doc.trace {
        hops(trace, r);
        if let Some(business) = &trace.business {
            self::business(business, &doc.header, r);
        }
    }
    attachments(doc, r);
}

fn header(h: &MessageHeader, r: &mut Report<'_>) {
    r.organization(&h.from, &single(HEADER, "From"));
    recipients(h, r);
    r.recommended(
        h.document_id.as_deref(),
        &single(HEADER, "DocumentId"),
        "DocumentId",
    );
    code(h, r);
    promulgation(h, r);
    match &h.document_type {
        Some(t) => {
            let path = format!("{HEADER}/DocumentType/TypeName");
            r.recommended(Some(&t.type_name), &path, "document type name (TypeName)");
            r.max_len(Some(&t.type_name), limits::TYPE_NAME, &path);
        }
        None => r.recommended(
            None,
            &single(HEADER, "DocumentType"),
            "document type (DocumentType)",
        ),
    }
    r.required(
        &h.subject,
        &single(HEADER, "Subject"),
        "subject (Subject, trích yếu)",
    );
    r.max_len(
        Some(&h.subject),
        limits::SUBJECT,
        &single(HEADER, "Subject"),
    );
    r.max_len(
        h.content.as_deref(),
        limits::SUBJECT,
        &single(HEADER, "Content"),
    );
    if let Some(s) = &h.signer {
        let base = single(HEADER, "SignerInfo");
        r.max_len(
            s.competence.as_deref(),
            limits::SIGNER,
            &single(&base, "Competence"),
        );
        r.max_len(
            s.position.as_deref(),
            limits::SIGNER,
            &single(&base, "Position"),
        );
        r.max_len(
            s.full_name.as_deref(),
            limits::FULL_NAME,
            &single(&base, "FullName"),
        );
    }
    other_info(h, r);
    for (i, rf) in h.response_for.iter().enumerate() {
        if !rf.organ_id.is_empty() {
            let base = child(HEADER, "ResponseFor", i, h.response_for.len());
            r.organ_id(&rf.organ_id, &single(&base, "OrganId"));
        }
    }
    for (i, place) in h.to_places.iter().enumerate() {
        let path = child(&format!("{HEADER}/ToPlaces"), "Place", i, h.to_places.len());
        r.max_len(Some(place), limits::TO_PLACE, &path);
    }
}

fn recipients(h: &MessageHeader, r: &mut Report<'_>) {
    if h.to.is_empty() {
        r.push(
            Rule::MissingField,
            single(HEADER, "To"),
            "a document package needs at least one recipient (To)",
        );
    }
    let mut seen = HashSet::new();
    for (i, to) in h.to.iter().enumerate() {
        let base = child(HEADER, "To", i, h.to.len());
        r.organization(to, &base);
        if !to.organ_id.is_empty() && !seen.insert(to.organ_id.as_str()) {
            r.push(
                Rule::DuplicateRecipient,
                single(&base, "OrganId"),
                format!("{} is already a recipient", to.organ_id),
            );
        }
    }
}

fn code(h: &MessageHeader, r: &mut Report<'_>) {
    let base = single(HEADER, "Code");
    let Some(code) = &h.code else {
        r.push(
            Rule::MissingField,
            base,
            "number and notation (Code, số và ký hiệu) are missing",
        );
        return;
    };
    let number = single(&base, "CodeNumber");
    let notation = single(&base, "CodeNotation");
    r.required(&code.number, &number, "number (CodeNumber, số)");
    r.required(
        &code.notation,
        &notation,
        "notation (CodeNotation, ký hiệu)",
    );
    r.max_len(Some(&code.number), limits::CODE_NUMBER, &number);
    r.max_len(Some(&code.notation), limits::CODE_NOTATION, &notation);
}

fn promulgation(h: &MessageHeader, r: &mut Report<'_>) {
    let base = single(HEADER, "PromulgationInfo");
    let date_path = single(&base, "PromulgationDate");
    let Some(p) = &h.promulgation else {
        r.push(
            Rule::MissingField,
            date_path,
            "promulgation date (PromulgationDate, ngày ban hành) is missing",
        );
        return;
    };
    if p.date.is_none() {
        r.push(
            Rule::MissingField,
            &date_path,
            "promulgation date (PromulgationDate, ngày ban hành) is missing",
        );
    }
    r.not_future(p.date, &date_path);
    r.recommended(
        Some(&p.place),
        &single(&base, "Place"),
        "place (Place, địa danh)",
    );
    r.max_len(Some(&p.place), limits::PLACE, &single(&base, "Place"));
    if let (Some(due), Some(issued)) = (h.due_date, p.date)
        && due < issued
    {
        r.push(
            Rule::DueBeforePromulgation,
            single(HEADER, "DueDate"),
            format!(
                "due date {} is before the promulgation date {}",
                format_date(due),
                format_date(issued)
            ),
        );
    }
}

fn other_info(h: &MessageHeader, r: &mut Report<'_>) {
    let Some(o) = &h.other_info else { return };
    let base = single(HEADER, "OtherInfo");
    if let Some(Priority::Other(code)) = o.priority {
        r.push(
            Rule::UnknownPriority,
            single(&base, "Priority"),
            format!("priority {code} is not one of 0 (thường) to 4 (hỏa tốc hẹn giờ)"),
        );
    }
    let sphere = o.sphere_of_promulgation.as_deref();
    r.max_len(
        sphere,
        limits::SPHERE,
        &single(&base, "SphereOfPromulgation"),
    );
    let typer = o.typer_notation.as_deref();
    r.max_len(
        typer,
        limits::TYPER_NOTATION,
        &single(&base, "TyperNotation"),
    );
    for (i, a) in o.appendixes.iter().enumerate() {
        let path = child(
            &single(&base, "Appendixes"),
            "Appendix",
            i,
            o.appendixes.len(),
        );
        r.max_len(Some(a), limits::APPENDIX, &path);
    }
}

/// Compares `DocumentId` written as `<OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>`
/// with the header. Other forms (a UUID) are left alone.
fn document_id_convention(h: &MessageHeader, r: &mut Report<'_>) {
    let Some(id) = &h.document_id else { return };
    let parts: Vec<&str> = id.splitn(3, ',').map(str::trim).collect();
    let [organ, date, number] = parts.as_slice() else {
        return;
    };
    let mut differences = Vec::new();
    if *organ != h.from.organ_id {
        differences.push(format!(
            "sender {organ} but From/OrganId {}",
            h.from.organ_id
        ));
    }
    let issued = h.promulgation.as_ref().and_then(|p| p.date);
    if let Some(issued) = issued
        && parse_date(date) != Some(issued)
    {
        differences.push(format!(
            "date {date} but PromulgationDate {}",
            format_date(issued)
        ));
    }
    if let Some(code) = &h.code
        && *number != code.combined()
    {
        differences.push(format!("number {number} but Code {}", code.combined()));
    }
    if !differences.is_empty() {
        r.push(
            Rule::DocumentIdMismatch,
            single(HEADER, "DocumentId"),
            format!(
                "DocumentId {id} disagrees with the header: {}",
                differences.join("; ")
            ),
        );
    }
}

fn hops(trace: &TraceHeaderList, r: &mut Report<'_>) {
    for (i, hop) in trace.hops.iter().enumerate() {
        let base = child("TraceHeaderList", "TraceHeader", i, trace.hops.len());
        r.organ_id(&hop.organ_id, &single(&base, "OrganId"));
        if hop.timestamp.is_none() {
            r.push(
                Rule::MissingField,
                single(&base, "Timestamp"),
                "time of the hop (Timestamp) is missing",
            );
        }
    }
}

fn business(b: &Business, h: &MessageHeader, r: &mut Report<'_>) {
    let doc_type = match b.doc_type {
        Some(t) => t,
        None => {
            r.push(
                Rule::MissingField,
                single(BUSINESS, "BussinessDocType"),
                "business type (BussinessDocType) is missing",
            );
            return;
        }
    };
    match doc_type {
        BusinessDocType::New => {}
        BusinessDocType::Revoke => revoke(h, r),
        BusinessDocType::Update => update(b, r),
        BusinessDocType::Replace => replace(b, r),
        BusinessDocType::Other(code) => r.push(
            Rule::UnknownBusinessType,
            single(BUSINESS, "BussinessDocType"),
            format!(
                "business type {code} is not one of 0 (new), 1 (revoke), 2 (update), 3 (replace)"
            ),
        ),
    }
    if doc_type != BusinessDocType::Update && b.document_info.is_some() {
        r.push(
            Rule::InconsistentBusiness,
            single(BUSINESS, "BussinessDocumentInfo"),
            format!("update details on a package of type {}", doc_type.code()),
        );
    }
    if doc_type != BusinessDocType::Replace && !b.replacements.is_empty() {
        r.push(
            Rule::InconsistentBusiness,
            single(BUSINESS, "ReplacementInfoList"),
            format!(
                "replacement details on a package of type {}",
                doc_type.code()
            ),
        );
    }
    if let Some(staff) = &b.staff {
        r.staff(staff, &single(BUSINESS, "StaffInfo"));
    }
}

fn revoke(h: &MessageHeader, r: &mut Report<'_>) {
    let names_original = h
        .response_for
        .iter()
        .any(|rf| !rf.document_id.is_empty() || !rf.code.is_empty());
    if !names_original {
        r.push(
            Rule::MissingOriginal,
            single(HEADER, "ResponseFor"),
            "a revocation must name the revoked document in ResponseFor (DocumentId or Code)",
        );
    }
}

fn update(b: &Business, r: &mut Report<'_>) {
    if b.document_id.as_deref().is_none_or(str::is_empty) {
        r.push(
            Rule::MissingOriginal,
            single(BUSINESS, "DocumentId"),
            "an update must name the updated document in Bussiness/DocumentId",
        );
    }
    let info_path = single(BUSINESS, "BussinessDocumentInfo");
    let Some(info) = &b.document_info else {
        r.push(
            Rule::InconsistentBusiness,
            info_path,
            "an update should say what changes in BussinessDocumentInfo",
        );
        return;
    };
    let list = single(&info_path, "ReceiverList");
    for (i, receiver) in info.receivers.iter().enumerate() {
        let base = child(&list, "Receiver", i, info.receivers.len());
        r.organ_id(&receiver.organ_id, &single(&base, "OrganId"));
        if let Some(t) = receiver.receiver_type.filter(|t| *t > 1) {
            r.push(
                Rule::InconsistentBusiness,
                single(&base, "ReceiverType"),
                format!("receiver type {t} is neither 0 (removed) nor 1 (added)"),
            );
        }
    }
}

fn replace(b: &Business, r: &mut Report<'_>) {
    let list = single(BUSINESS, "ReplacementInfoList");
    if b.replacements.is_empty() {
        r.push(
            Rule::MissingOriginal,
            &list,
            "a replacement must list the replaced documents in ReplacementInfoList",
        );
    }
    for (i, info) in b.replacements.iter().enumerate() {
        let base = child(&list, "ReplacementInfo", i, b.replacements.len());
        if info.document_id.is_empty() {
            r.push(
                Rule::MissingOriginal,
                single(&base, "DocumentId"),
                "a replacement entry must name the replaced document (DocumentId)",
            );
        }
        let ids = single(&base, "OrganIdList");
        for (j, id) in info.organ_ids.iter().enumerate() {
            r.organ_id(id, &child(&ids, "OrganId", j, info.organ_ids.len()));
        }
    }
}

fn attachments(doc: &DocumentPackage, r: &mut Report<'_>) {
    let attached: HashSet<&str> = doc
        .attachments
        .iter()
        .map(|a| a.content_id.as_str())
        .collect();
    let listed: HashSet<&str> = doc.manifest.iter().map(|m| m.content_id.as_str()).collect();

    let refs = &doc.manifest;
    for (i, m) in refs.iter().enumerate() {
        let path = single(&child(MANIFEST, "Reference", i, refs.len()), "ContentId");
        if m.content_id.is_empty() {
            r.push(
                Rule::MissingField,
                path,
                "manifest entry has no content id (ContentId)",
            );
        } else if !attached.contains(m.content_id.as_str()) {
            r.push(
                Rule::UnresolvedContentId,
                path,
                format!("no attachment has content id cid:{}", m.content_id),
            );
        }
    }

    let mut seen = HashSet::new();
    let all = &doc.attachments;
    for (i, a) in all.iter().enumerate() {
        let base = child(ATTACHMENTS, "Attachment", i, all.len());
        let id_path = single(&base, "ContentId");
        if a.content_id.is_empty() {
            r.push(
                Rule::MissingField,
                &id_path,
                "attachment has no content id (ContentId)",
            );
        } else if !seen.insert(a.content_id.as_str()) {
            r.push(
                Rule::DuplicateContentId,
                &id_path,
                format!(
                    "another attachment already has content id cid:{}",
                    a.content_id
                ),
            );
        } else if !listed.contains(a.content_id.as_str()) {
            r.push(
                Rule::UnlistedAttachment,
                &id_path,
                format!(
                    "attachment cid:{} is not listed in the manifest",
                    a.content_id
                ),
            );
        }
        let name_path = single(&base, "AttachmentName");
        r.required(&a.name, &name_path, "attachment file name (AttachmentName)");
        r.max_len(Some(&a.name), limits::ATTACHMENT_NAME, &name_path);
        r.recommended(
            a.content_type.as_deref(),
            &single(&base, "ContentType"),
            "content type (ContentType)",
        );
        if a.content.is_empty() {
            r.push(
                Rule::EmptyAttachment,
                single(&base, "ContentTransferEncoded"),
                format!("attachment {:?} has no content", a.name),
            );
        }
    }
}
