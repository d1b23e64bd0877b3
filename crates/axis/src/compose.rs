//! Building the packages the product sends: a document (new, revoke,
//! update, replace) with its signed PDF, and a status package about a
//! document received. Written in the canonical form by the edXML crate.

use nghitruong_edxml::{
    Attachment, Business, BusinessDocType, BusinessDocumentInfo, Code, DocumentPackage,
    DocumentType, ManifestReference, MessageHeader, Organization, OtherInfo, Package, Priority,
    PromulgationInfo, ReplacementInfo, ResponseFor, SignerInfo, StaffInfo, StatusCode,
    StatusHeader, StatusPackage, TraceHeader, TraceHeaderList,
};
use sha2::{Digest, Sha256};
use time::{Date, PrimitiveDateTime};

/// What a sent document acts on, for revoke, update and replace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Original {
    /// Its DocumentId.
    pub document_id: String,
    /// Its số/ký hiệu, e.g. `15/NQ-HĐND`.
    pub code: String,
    /// Its date.
    pub date: Date,
}

/// A document to send (văn bản đi).
#[derive(Clone, Debug)]
pub struct Draft {
    /// Us.
    pub from: Organization,
    /// The recipients.
    pub to: Vec<Organization>,
    /// Số.
    pub number: String,
    /// Ký hiệu.
    pub notation: String,
    /// Tên loại văn bản ("Nghị quyết", "Công văn"…).
    pub type_name: String,
    /// Trích yếu.
    pub subject: String,
    /// Địa danh.
    pub place: String,
    /// Ngày ban hành.
    pub date: Date,
    /// Người ký: chức vụ and họ tên.
    pub signer_position: String,
    /// Họ tên người ký.
    pub signer_name: String,
    /// The signed PDF: file name and bytes.
    pub pdf: Option<(String, Vec<u8>)>,
    /// New, revoke, update or replace.
    pub business: BusinessDocType,
    /// The document acted on (revoke, update, replace).
    pub original: Option<Original>,
    /// Why (revoke, update, replace).
    pub reason: String,
    /// The document this one answers (phúc đáp): a forwarding letter's
    /// số/ký hiệu, its date and its issuer, carried as `ResponseFor`.
    pub reply_to: Option<ResponseFor>,
    /// The clerk who sends it.
    pub staff: String,
    /// When it is sent (Vietnam time), for the trace hop.
    pub at: PrimitiveDateTime,
}

/// `<From.OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>`, the usual DocumentId.
pub fn document_id(from: &str, date: Date, number: &str, notation: &str) -> String {
    format!(
        "{from},{},{number}/{notation}",
        nghitruong_edxml::dates::format_date(date)
    )
}

/// The document package of a draft.
pub fn document(draft: &Draft) -> Package {
    let id = document_id(
        &draft.from.organ_id,
        draft.date,
        &draft.number,
        &draft.notation,
    );
    let code = Code {
        number: draft.number.clone(),
        notation: draft.notation.clone(),
    };
    let mut response_for: Vec<ResponseFor> = draft.reply_to.iter().cloned().collect();
    let mut business = Business {
        doc_type: Some(draft.business),
        reason: Some(if draft.reason.is_empty() {
            draft.business.label().to_owned()
        } else {
            draft.reason.clone()
        }),
        paper: Some(false),
        staff: Some(StaffInfo {
            department: Some("Văn thư".into()),
            staff: Some(draft.staff.clone()),
            ..StaffInfo::default()
        }),
        ..Business::default()
    };
    if let Some(original) = &draft.original {
        match draft.business {
            BusinessDocType::Revoke => response_for.push(ResponseFor {
                organ_id: draft.from.organ_id.clone(),
                code: original.code.clone(),
                promulgation_date: Some(original.date),
                document_id: original.document_id.clone(),
            }),
            BusinessDocType::Update => {
                business.document_id = Some(original.document_id.clone());
                business.document_info = Some(BusinessDocumentInfo {
                    document_info: Some(true),
                    document_receiver: Some(false),
                    receivers: Vec::new(),
                });
            }
            BusinessDocType::Replace => business.replacements.push(ReplacementInfo {
                document_id: original.document_id.clone(),
                organ_ids: draft.to.iter().map(|o| o.organ_id.clone()).collect(),
            }),
            BusinessDocType::New | BusinessDocType::Other(_) => {}
        }
    }
    let (manifest, attachments) = match &draft.pdf {
        Some((name, bytes)) => {
            let cid = content_id(bytes);
            (
                vec![ManifestReference {
                    content_id: cid.clone(),
                    content_type: Some("application/pdf".into()),
                    description: Some(draft.subject.clone()),
                    attachment_name: Some(name.clone()),
                }],
                vec![Attachment {
                    content_id: cid,
                    name: name.clone(),
                    description: Some(draft.subject.clone()),
                    content_type: Some("application/pdf".into()),
                    content: bytes.clone(),
                    ..Attachment::default()
                }],
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    Package::Document(Box::new(DocumentPackage {
        header: MessageHeader {
            from: draft.from.clone(),
            to: draft.to.clone(),
            document_id: Some(id),
            code: Some(code),
            promulgation: Some(PromulgationInfo {
                place: draft.place.clone(),
                date: Some(draft.date),
            }),
            document_type: Some(DocumentType {
                type_code: Some(1),
                type_detail: Some(0),
                type_name: draft.type_name.clone(),
            }),
            subject: draft.subject.clone(),
            content: Some(draft.subject.clone()),
            signer: Some(SignerInfo {
                competence: Some("TM.".into()),
                position: Some(draft.signer_position.clone()),
                full_name: Some(draft.signer_name.clone()),
            }),
            due_date: None,
            other_info: Some(OtherInfo {
                priority: Some(Priority::Normal),
                sphere_of_promulgation: Some("Liên thông văn bản quốc gia".into()),
                promulgation_amount: Some(1),
                ..OtherInfo::default()
            }),
            response_for,
            steering_type: Some(1),
            response_for_task: None,
            application_type: None,
            to_places: Vec::new(),
        },
        trace: Some(TraceHeaderList {
            id: None,
            version: None,
            hops: vec![TraceHeader {
                organ_id: draft.from.organ_id.clone(),
                timestamp: Some(draft.at),
            }],
            business: Some(business),
        }),
        signature: None,
        manifest,
        attachments,
    }))
}

/// A content id derived from the bytes, so the same file gets the same id.
fn content_id(bytes: &[u8]) -> String {
    let h = hex::encode(Sha256::digest(bytes));
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A status package from `from` about the document `about`.
pub fn status(
    from: &Organization,
    about: ResponseFor,
    code: StatusCode,
    description: Option<String>,
    staff: &str,
    at: PrimitiveDateTime,
) -> Package {
    Package::Status(Box::new(StatusPackage {
        header: StatusHeader {
            from: from.clone(),
            response_for: about,
            staff: Some(StaffInfo {
                department: Some("Văn thư".into()),
                staff: Some(staff.to_owned()),
                ..StaffInfo::default()
            }),
            status_code: code,
            description,
            timestamp: Some(at),
        },
    }))
}

/// A fingerprint of a document package that ignores the hops the axis
/// adds, so the same package delivered twice is recognised.
pub fn fingerprint(package: &Package) -> String {
    let mut copy = package.clone();
    if let Package::Document(doc) = &mut copy
        && let Some(trace) = &mut doc.trace
    {
        trace.hops.clear();
    }
    hex::encode(Sha256::digest(nghitruong_edxml::to_bytes(&copy)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nghitruong_edxml::{ValidateOptions, is_valid, read, validate};
    use time::macros::{date, datetime};

    pub(crate) fn org(code: &str, name: &str) -> Organization {
        Organization {
            organ_id: code.into(),
            organ_name: name.into(),
            ..Organization::default()
        }
    }

    fn draft(business: BusinessDocType) -> Draft {
        Draft {
            from: org("000.00.01.H41", "HĐND tỉnh Nghệ An"),
            to: vec![org("001.29.00.H41", "HĐND xã Anh Sơn")],
            number: "15".into(),
            notation: "NQ-HĐND".into(),
            type_name: "Nghị quyết".into(),
            subject: "Về kế hoạch đầu tư công năm 2027".into(),
            place: "Nghệ An".into(),
            date: date!(2026 - 12 - 04),
            signer_position: "Chủ tịch".into(),
            signer_name: "Nguyễn Văn A".into(),
            pdf: Some(("15-NQ-HDND.signed.pdf".into(), b"%PDF-1.7 test".to_vec())),
            business,
            original: (business != BusinessDocType::New).then(|| Original {
                document_id: "000.00.01.H41,2026/12/01,14/NQ-HĐND".into(),
                code: "14/NQ-HĐND".into(),
                date: date!(2026 - 12 - 01),
            }),
            reason: String::new(),
            reply_to: None,
            staff: "Văn thư".into(),
            at: datetime!(2026-12-04 08:30),
        }
    }

    #[test]
    fn every_business_type_builds_a_valid_package_that_reads_back() {
        for business in [
            BusinessDocType::New,
            BusinessDocType::Revoke,
            BusinessDocType::Update,
            BusinessDocType::Replace,
        ] {
            let package = document(&draft(business));
            let findings = validate(&package, &ValidateOptions::default());
            assert!(is_valid(&findings), "{business:?}: {findings:?}");
            let back = read(&nghitruong_edxml::to_bytes(&package)).expect("reads back");
            assert_eq!(back, package);
            let Package::Document(doc) = back else {
                panic!("a document package")
            };
            assert_eq!(doc.business_type(), business);
        }
    }

    #[test]
    fn a_status_package_is_valid_and_the_fingerprint_ignores_axis_hops() {
        let about = ResponseFor {
            organ_id: "000.00.01.H41".into(),
            code: "15/NQ-HĐND".into(),
            promulgation_date: Some(date!(2026 - 12 - 04)),
            document_id: "000.00.01.H41,2026/12/04,15/NQ-HĐND".into(),
        };
        let package = status(
            &org("001.29.00.H41", "HĐND xã Anh Sơn"),
            about,
            StatusCode::Rejected,
            Some("Không thuộc thẩm quyền".into()),
            "Văn thư",
            datetime!(2026-12-04 09:00),
        );
        assert!(is_valid(&validate(&package, &ValidateOptions::default())));

        let original = document(&draft(BusinessDocType::New));
        let mut relayed = original.clone();
        if let Package::Document(doc) = &mut relayed {
            doc.trace.as_mut().expect("trace").hops.push(TraceHeader {
                organ_id: "000.00.00.G22".into(),
                timestamp: Some(datetime!(2026-12-04 08:31)),
            });
        }
        assert_eq!(fingerprint(&original), fingerprint(&relayed));
        assert_ne!(
            fingerprint(&original),
            fingerprint(&document(&draft(BusinessDocType::Revoke)))
        );
    }
}
