//! Each validator rule on a package that breaks only that rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nghitruong_edxml::{
    Attachment, Business, BusinessDocType, BusinessDocumentInfo, Code, DocumentPackage,
    DocumentType, ManifestReference, MessageHeader, OrganIdPolicy, Organization, OtherInfo,
    Package, Priority, PromulgationInfo, Receiver, ReplacementInfo, ResponseFor, Rule, Severity,
    StatusCode, StatusHeader, StatusPackage, TraceHeader, TraceHeaderList, ValidateOptions,
    is_valid, validate,
};
use time::macros::{date, datetime};

fn org(id: &str, name: &str) -> Organization {
    Organization {
        organ_id: id.to_owned(),
        organ_name: name.to_owned(),
        email: Some("vanthu@nghean.gov.vn".to_owned()),
        ..Organization::default()
    }
}

/// A resolution of HĐND tỉnh Nghệ An sent to two agencies, valid in every
/// respect.
fn document() -> DocumentPackage {
    DocumentPackage {
        header: MessageHeader {
            from: org("000.00.00.H41", "HĐND tỉnh Nghệ An"),
            to: vec![
                org("000.00.01.H41", "UBND tỉnh Nghệ An"),
                org("000.00.00.G22", "Văn phòng Chính phủ"),
            ],
            document_id: Some("000.00.00.H41,2025/07/15,15/NQ-HĐND".to_owned()),
            code: Some(Code {
                number: "15".to_owned(),
                notation: "NQ-HĐND".to_owned(),
            }),
            promulgation: Some(PromulgationInfo {
                place: "Nghệ An".to_owned(),
                date: Some(date!(2025 - 07 - 15)),
            }),
            document_type: Some(DocumentType {
                type_code: Some(1),
                type_detail: Some(0),
                type_name: "Nghị quyết".to_owned(),
            }),
            subject: "Về kế hoạch đầu tư công trung hạn".to_owned(),
            due_date: Some(date!(2025 - 08 - 15)),
            other_info: Some(OtherInfo {
                priority: Some(Priority::Urgent),
                ..OtherInfo::default()
            }),
            ..MessageHeader::default()
        },
        trace: Some(TraceHeaderList {
            hops: vec![TraceHeader {
                organ_id: "000.00.00.H41".to_owned(),
                timestamp: Some(datetime!(2025-07-15 09:00)),
            }],
            business: Some(Business {
                doc_type: Some(BusinessDocType::New),
                ..Business::default()
            }),
            ..TraceHeaderList::default()
        }),
        signature: None,
        manifest: vec![ManifestReference {
            content_id: "nq15".to_owned(),
            content_type: Some("application/pdf".to_owned()),
            description: None,
            attachment_name: Some("15-NQ-HDND.signed.pdf".to_owned()),
        }],
        attachments: vec![Attachment {
            content_id: "nq15".to_owned(),
            name: "15-NQ-HDND.signed.pdf".to_owned(),
            content_type: Some("application/pdf".to_owned()),
            content: b"%PDF-1.7\n".to_vec(),
            ..Attachment::default()
        }],
    }
}

fn status(code: StatusCode) -> StatusPackage {
    StatusPackage {
        header: StatusHeader {
            from: org("000.00.01.H41", "UBND tỉnh Nghệ An"),
            response_for: ResponseFor {
                organ_id: "000.00.00.H41".to_owned(),
                code: "15/NQ-HĐND".to_owned(),
                promulgation_date: Some(date!(2025 - 07 - 15)),
                document_id: "000.00.00.H41,2025/07/15,15/NQ-HĐND".to_owned(),
            },
            staff: None,
            status_code: code,
            description: Some("Đã vào sổ văn bản đến".to_owned()),
            timestamp: Some(datetime!(2025-07-15 10:30)),
        },
    }
}

fn options() -> ValidateOptions {
    ValidateOptions {
        today: Some(date!(2025 - 12 - 04)),
        ..ValidateOptions::default()
    }
}

/// The (code, path) of each finding for a document changed by `change`.
fn findings(change: impl FnOnce(&mut DocumentPackage)) -> Vec<(&'static str, String)> {
    let mut doc = document();
    change(&mut doc);
    validate(&Package::Document(Box::new(doc)), &options())
        .into_iter()
        .map(|f| (f.code(), f.path))
        .collect()
}

fn status_findings(change: impl FnOnce(&mut StatusPackage)) -> Vec<(&'static str, String)> {
    let mut s = status(StatusCode::Accepted);
    change(&mut s);
    validate(&Package::Status(Box::new(s)), &options())
        .into_iter()
        .map(|f| (f.code(), f.path))
        .collect()
}

fn one(code: &'static str, path: &str) -> Vec<(&'static str, String)> {
    vec![(code, path.to_owned())]
}

fn business(doc: &mut DocumentPackage) -> &mut Business {
    doc.trace.as_mut().unwrap().business.as_mut().unwrap()
}

#[test]
fn a_complete_document_and_a_complete_status_have_no_findings() {
    assert_eq!(findings(|_| {}), []);
    assert_eq!(status_findings(|_| {}), []);
}

#[test]
fn missing_required_header_fields_are_errors() {
    assert_eq!(
        findings(|d| d.header.subject.clear()),
        one("EDX101", "MessageHeader/Subject")
    );
    assert_eq!(
        findings(|d| d.header.to.clear()),
        one("EDX101", "MessageHeader/To")
    );
    assert_eq!(
        findings(|d| d.header.code = None),
        one("EDX101", "MessageHeader/Code")
    );
    assert_eq!(
        findings(|d| d.header.promulgation.as_mut().unwrap().date = None),
        one("EDX101", "MessageHeader/PromulgationInfo/PromulgationDate")
    );
    assert_eq!(
        findings(|d| d.header.from.organ_id.clear()),
        [
            ("EDX101", "MessageHeader/From/OrganId".to_owned()),
            ("EDX115", "MessageHeader/DocumentId".to_owned()),
        ]
    );
}

#[test]
fn organisation_codes_are_checked_everywhere_they_appear() {
    assert_eq!(
        findings(|d| d.header.to[1].organ_id = "28.22.H17".to_owned()),
        one("EDX103", "MessageHeader/To[2]/OrganId")
    );
    assert_eq!(
        findings(|d| d.trace.as_mut().unwrap().hops[0].organ_id = "H41 tỉnh".to_owned()),
        one("EDX102", "TraceHeaderList/TraceHeader/OrganId")
    );
}

#[test]
fn a_non_canonical_code_is_an_error_only_when_the_policy_requires_it() {
    let mut doc = document();
    doc.header.to[0].organ_id = "vxp.saas.03".to_owned();
    let package = Package::Document(Box::new(doc));
    let strict = ValidateOptions {
        organ_ids: OrganIdPolicy::RequireCanonical,
        ..options()
    };

    assert!(is_valid(&validate(&package, &options())));
    let findings = validate(&package, &strict);
    assert_eq!(findings[0].severity, Severity::Error);
    assert!(!is_valid(&findings));
}

#[test]
fn the_same_recipient_twice_is_an_error() {
    assert_eq!(
        findings(|d| d.header.to[1].organ_id = "000.00.01.H41".to_owned()),
        one("EDX104", "MessageHeader/To[2]/OrganId")
    );
}

#[test]
fn a_priority_outside_zero_to_four_is_an_error() {
    assert_eq!(
        findings(|d| d.header.other_info.as_mut().unwrap().priority = Some(Priority::Other(7))),
        one("EDX105", "MessageHeader/OtherInfo/Priority")
    );
}

#[test]
fn dates_after_today_and_due_dates_before_issue_are_warned_about() {
    assert_eq!(
        findings(|d| {
            d.header.promulgation.as_mut().unwrap().date = Some(date!(2026 - 01 - 01));
            d.header.document_id = None;
            d.header.due_date = None;
        }),
        [
            ("EDX118", "MessageHeader/DocumentId".to_owned()),
            (
                "EDX113",
                "MessageHeader/PromulgationInfo/PromulgationDate".to_owned()
            ),
        ]
    );
    assert_eq!(
        findings(|d| d.header.due_date = Some(date!(2025 - 07 - 01))),
        one("EDX114", "MessageHeader/DueDate")
    );
}

#[test]
fn a_document_id_that_disagrees_with_the_header_is_warned_about() {
    let found = findings(|d| {
        d.header.document_id = Some("000.00.00.G22,2025/07/16,16/NQ-HĐND".to_owned());
    });

    assert_eq!(found, one("EDX115", "MessageHeader/DocumentId"));
    let mut doc = document();
    doc.header.document_id = Some("000.00.00.G22,2025/07/16,16/NQ-HĐND".to_owned());
    let message = &validate(&Package::Document(Box::new(doc)), &options())[0].message;
    assert!(
        message.contains("sender 000.00.00.G22 but From/OrganId 000.00.00.H41"),
        "{message}"
    );
    assert!(
        message.contains("date 2025/07/16 but PromulgationDate 2025/07/15"),
        "{message}"
    );
    assert!(
        message.contains("number 16/NQ-HĐND but Code 15/NQ-HĐND"),
        "{message}"
    );
}

#[test]
fn a_uuid_document_id_is_not_compared_with_the_header() {
    assert_eq!(
        findings(|d| d.header.document_id = Some("9fbfbad2-f1f8-4256-a2eb-50fb1061cddb".to_owned())),
        []
    );
}

#[test]
fn an_unknown_business_type_is_an_error() {
    assert_eq!(
        findings(|d| business(d).doc_type = Some(BusinessDocType::Other(9))),
        one("EDX106", "TraceHeaderList/Bussiness/BussinessDocType")
    );
}

#[test]
fn a_revocation_must_name_the_revoked_document() {
    assert_eq!(
        findings(|d| business(d).doc_type = Some(BusinessDocType::Revoke)),
        one("EDX107", "MessageHeader/ResponseFor")
    );
    assert_eq!(
        findings(|d| {
            business(d).doc_type = Some(BusinessDocType::Revoke);
            d.header.response_for.push(ResponseFor {
                organ_id: "000.00.00.H41".to_owned(),
                code: "14/NQ-HĐND".to_owned(),
                ..ResponseFor::default()
            });
        }),
        []
    );
}

#[test]
fn an_update_must_name_the_updated_document_and_say_what_changes() {
    assert_eq!(
        findings(|d| business(d).doc_type = Some(BusinessDocType::Update)),
        [
            ("EDX107", "TraceHeaderList/Bussiness/DocumentId".to_owned()),
            (
                "EDX120",
                "TraceHeaderList/Bussiness/BussinessDocumentInfo".to_owned()
            ),
        ]
    );
    assert_eq!(
        findings(|d| {
            let b = business(d);
            b.doc_type = Some(BusinessDocType::Update);
            b.document_id = Some("000.00.00.H41,2025/07/10,14/NQ-HĐND".to_owned());
            b.document_info = Some(BusinessDocumentInfo {
                receivers: vec![Receiver {
                    organ_id: "000.00.00.G22".to_owned(),
                    receiver_type: Some(5),
                }],
                ..BusinessDocumentInfo::default()
            });
        }),
        one(
            "EDX120",
            "TraceHeaderList/Bussiness/BussinessDocumentInfo/ReceiverList/Receiver/ReceiverType"
        )
    );
}

#[test]
fn a_replacement_must_list_what_it_replaces() {
    assert_eq!(
        findings(|d| business(d).doc_type = Some(BusinessDocType::Replace)),
        one("EDX107", "TraceHeaderList/Bussiness/ReplacementInfoList")
    );
    assert_eq!(
        findings(|d| {
            let b = business(d);
            b.doc_type = Some(BusinessDocType::Replace);
            b.replacements = vec![ReplacementInfo {
                document_id: String::new(),
                organ_ids: vec!["000.00.00.G22".to_owned()],
            }];
        }),
        one(
            "EDX107",
            "TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo/DocumentId"
        )
    );
}

#[test]
fn structure_of_another_business_type_is_warned_about() {
    assert_eq!(
        findings(|d| {
            business(d).replacements = vec![ReplacementInfo {
                document_id: "x".to_owned(),
                organ_ids: vec![],
            }];
        }),
        one("EDX120", "TraceHeaderList/Bussiness/ReplacementInfoList")
    );
}

#[test]
fn manifest_entries_must_resolve_to_attachments() {
    assert_eq!(
        findings(|d| d.attachments[0].content_id = "other".to_owned()),
        [
            (
                "EDX109",
                "edXMLBody/edXMLManifest/Reference/ContentId".to_owned()
            ),
            (
                "EDX110",
                "AttachmentEncoded/Attachment/ContentId".to_owned()
            ),
        ]
    );
}

#[test]
fn two_attachments_with_one_content_id_is_an_error() {
    assert_eq!(
        findings(|d| {
            let copy = d.attachments[0].clone();
            d.attachments.push(copy);
        }),
        one("EDX112", "AttachmentEncoded/Attachment[2]/ContentId")
    );
}

#[test]
fn attachments_without_content_or_name_are_reported() {
    assert_eq!(
        findings(|d| d.attachments[0].content.clear()),
        one(
            "EDX111",
            "AttachmentEncoded/Attachment/ContentTransferEncoded"
        )
    );
    assert_eq!(
        findings(|d| d.attachments[0].name.clear()),
        one("EDX101", "AttachmentEncoded/Attachment/AttachmentName")
    );
}

#[test]
fn overlong_text_and_broken_emails_are_warned_about() {
    assert_eq!(
        findings(|d| d.header.code.as_mut().unwrap().number = "123456789012".to_owned()),
        [
            ("EDX116", "MessageHeader/Code/CodeNumber".to_owned()),
            ("EDX115", "MessageHeader/DocumentId".to_owned()),
        ]
    );
    assert_eq!(
        findings(|d| d.header.from.email = Some("vanthu.nghean.gov.vn".to_owned())),
        one("EDX117", "MessageHeader/From/Email")
    );
}

#[test]
fn an_unknown_status_code_is_a_warning_and_an_empty_one_an_error() {
    let unknown = validate(
        &Package::Status(Box::new(status(StatusCode::parse("14")))),
        &options(),
    );
    assert_eq!(unknown[0].rule, Rule::UnknownStatusCode);
    assert!(is_valid(&unknown));

    let empty = validate(
        &Package::Status(Box::new(status(StatusCode::parse("")))),
        &options(),
    );
    assert_eq!(empty[0].rule, Rule::MissingField);
    assert!(!is_valid(&empty));
}

#[test]
fn every_known_status_code_is_accepted() {
    for code in StatusCode::KNOWN {
        assert_eq!(
            validate(&Package::Status(Box::new(status(code.clone()))), &options()),
            [],
            "{code}"
        );
    }
}

#[test]
fn a_rejection_must_give_its_reason() {
    let mut rejected = status(StatusCode::Rejected);
    rejected.header.description = None;

    let found = validate(&Package::Status(Box::new(rejected)), &options());

    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, Rule::RejectionWithoutReason);
    assert_eq!(found[0].code(), "EDX119");
}

#[test]
fn a_status_must_name_its_document_and_time() {
    assert_eq!(
        status_findings(|s| {
            s.header.response_for.document_id.clear();
            s.header.response_for.code.clear();
            s.header.timestamp = None;
        }),
        [
            ("EDX101", "MessageHeader/ResponseFor/DocumentId".to_owned()),
            ("EDX101", "MessageHeader/Timestamp".to_owned()),
        ]
    );
    assert_eq!(
        status_findings(|s| s.header.timestamp = Some(datetime!(2030-01-01 00:00))),
        one("EDX113", "MessageHeader/Timestamp")
    );
}

#[test]
fn findings_display_code_severity_path_and_message() {
    let found = validate(
        &Package::Status(Box::new(status(StatusCode::parse("14")))),
        &options(),
    );

    assert_eq!(
        found[0].to_string(),
        "EDX108 cảnh báo MessageHeader/StatusCode: status code \"14\" is not one of 01–06, 13, 15, 16"
    );
}
