//! Property tests: for generated packages, writing then reading gives the
//! same package; reading arbitrary or damaged input never panics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nghitruong_edxml::{
    Attachment, Business, BusinessDocType, BusinessDocumentInfo, Code, DocumentPackage,
    DocumentType, ManifestReference, MessageHeader, Organization, OtherInfo, Package, Priority,
    PromulgationInfo, Receiver, ReplacementInfo, ResponseFor, Signature, SignedReference,
    SignerInfo, StaffInfo, StatusCode, StatusHeader, StatusPackage, TraceHeader, TraceHeaderList,
    ValidateOptions, read, to_string, validate,
};
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use time::{Date, Month, PrimitiveDateTime, Time};

/// Text as the reader gives it: any XML characters, Vietnamese included,
/// markup characters and inner line breaks, trimmed of XML white space.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯưẠ-ỹ&<>\"'/.,:;()\\[\\]\t\r\n-]{0,24}"
        .prop_map(|s| s.trim_matches([' ', '\t', '\r', '\n']).to_owned())
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    of(text())
}

/// Organisation codes: canonical ones and whatever else senders write.
fn organ_id() -> impl Strategy<Value = String> {
    prop_oneof!["[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}", text(),]
}

fn content_id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9.@_-]{0,20}"
}

fn date() -> impl Strategy<Value = Date> {
    (1900i32..2100, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| {
        let month = Month::try_from(m).unwrap_or(Month::January);
        Date::from_calendar_date(y, month, d).unwrap_or(Date::MIN)
    })
}

fn timestamp() -> impl Strategy<Value = PrimitiveDateTime> {
    (date(), 0u8..24, 0u8..60, 0u8..60).prop_map(|(d, h, m, s)| {
        PrimitiveDateTime::new(d, Time::from_hms(h, m, s).unwrap_or(Time::MIDNIGHT))
    })
}

prop_compose! {
    fn organization()(
        organ_id in organ_id(),
        organization_in_charge in opt_text(),
        organ_name in text(),
        organ_add in opt_text(),
        email in opt_text(),
        telephone in opt_text(),
        fax in opt_text(),
        website in opt_text(),
    ) -> Organization {
        Organization { organ_id, organization_in_charge, organ_name, organ_add, email, telephone, fax, website }
    }
}

prop_compose! {
    fn response_for()(
        organ_id in organ_id(),
        code in text(),
        promulgation_date in of(date()),
        document_id in text(),
    ) -> ResponseFor {
        ResponseFor { organ_id, code, promulgation_date, document_id }
    }
}

prop_compose! {
    fn staff_info()(
        department in opt_text(),
        department_id in opt_text(),
        staff in opt_text(),
        staff_id in opt_text(),
        email in opt_text(),
        mobile in opt_text(),
    ) -> StaffInfo {
        StaffInfo { department, department_id, staff, staff_id, email, mobile }
    }
}

prop_compose! {
    fn other_info()(
        priority in of(any::<u32>().prop_map(Priority::from_code)),
        sphere_of_promulgation in opt_text(),
        typer_notation in opt_text(),
        promulgation_amount in of(any::<u32>()),
        page_amount in of(any::<u32>()),
        reply_fors in opt_text(),
        direction in of(any::<bool>()),
        reference_codes in opt_text(),
        appendixes in vec(text(), 0..3),
    ) -> OtherInfo {
        OtherInfo {
            priority, sphere_of_promulgation, typer_notation, promulgation_amount,
            page_amount, reply_fors, direction, reference_codes, appendixes,
        }
    }
}

prop_compose! {
    fn header_parts()(
        document_id in opt_text(),
        code in of((text(), text()).prop_map(|(number, notation)| Code { number, notation })),
        promulgation in of((text(), of(date())).prop_map(|(place, date)| PromulgationInfo { place, date })),
        document_type in of((of(any::<u32>()), of(any::<u32>()), text()).prop_map(
            |(type_code, type_detail, type_name)| DocumentType { type_code, type_detail, type_name },
        )),
        signer in of((opt_text(), opt_text(), opt_text()).prop_map(
            |(competence, position, full_name)| SignerInfo { competence, position, full_name },
        )),
    ) -> (Option<String>, Option<Code>, Option<PromulgationInfo>, Option<DocumentType>, Option<SignerInfo>) {
        (document_id, code, promulgation, document_type, signer)
    }
}

prop_compose! {
    fn message_header()(
        from in organization(),
        to in vec(organization(), 0..3),
        (document_id, code, promulgation, document_type, signer) in header_parts(),
        subject in text(),
        content in opt_text(),
        due_date in of(date()),
        other_info in of(other_info()),
        response_for in vec(response_for(), 0..2),
        steering_type in of(any::<u32>()),
        response_for_task in opt_text(),
        application_type in opt_text(),
        to_places in vec(text(), 0..3),
    ) -> MessageHeader {
        MessageHeader {
            from, to, document_id, code, promulgation, document_type, subject, content, signer,
            due_date, other_info, response_for, steering_type, response_for_task,
            application_type, to_places,
        }
    }
}

prop_compose! {
    fn business()(
        document_id in opt_text(),
        doc_type in of((0u32..6).prop_map(BusinessDocType::from_code)),
        reason in opt_text(),
        paper in of(any::<bool>()),
        document_info in of((of(any::<bool>()), of(any::<bool>()), vec(
            (organ_id(), of(0u32..3)).prop_map(|(organ_id, receiver_type)| Receiver { organ_id, receiver_type }),
            0..3,
        )).prop_map(|(document_info, document_receiver, receivers)| BusinessDocumentInfo {
            document_info, document_receiver, receivers,
        })),
        replacements in vec((text(), vec(organ_id(), 0..3)).prop_map(
            |(document_id, organ_ids)| ReplacementInfo { document_id, organ_ids },
        ), 0..3),
        staff in of(staff_info()),
    ) -> Business {
        Business { document_id, doc_type, reason, paper, document_info, replacements, staff }
    }
}

prop_compose! {
    fn trace()(
        id in opt_text(),
        version in opt_text(),
        hops in vec((organ_id(), of(timestamp())).prop_map(
            |(organ_id, timestamp)| TraceHeader { organ_id, timestamp },
        ), 0..3),
        business in of(business()),
    ) -> TraceHeaderList {
        TraceHeaderList { id, version, hops, business }
    }
}

prop_compose! {
    fn signature()(
        canonicalization_method in opt_text(),
        signature_method in opt_text(),
        references in vec((opt_text(), vec(text(), 0..3), opt_text(), opt_text()).prop_map(
            |(uri, transforms, digest_method, digest_value)| SignedReference {
                uri, transforms, digest_method, digest_value,
            },
        ), 0..2),
        signature_value in opt_text(),
        x509_subject_name in opt_text(),
        x509_certificate in opt_text(),
    ) -> Signature {
        Signature {
            canonicalization_method, signature_method, references, signature_value,
            x509_subject_name, x509_certificate,
        }
    }
}

prop_compose! {
    fn attachment()(
        content_id in content_id(),
        name in text(),
        description in opt_text(),
        field_name in opt_text(),
        mime_type in opt_text(),
        content_type in opt_text(),
        content in vec(any::<u8>(), 0..300),
    ) -> Attachment {
        Attachment { content_id, name, description, field_name, mime_type, content_type, content }
    }
}

prop_compose! {
    fn manifest_reference()(
        content_id in content_id(),
        content_type in opt_text(),
        description in opt_text(),
        attachment_name in opt_text(),
    ) -> ManifestReference {
        ManifestReference { content_id, content_type, description, attachment_name }
    }
}

prop_compose! {
    fn document()(
        header in message_header().boxed(),
        trace in of(trace()).boxed(),
        signature in of(signature()).boxed(),
        manifest in vec(manifest_reference(), 0..3).boxed(),
        attachments in vec(attachment(), 0..3).boxed(),
    ) -> Package {
        Package::Document(Box::new(DocumentPackage { header, trace, signature, manifest, attachments }))
    }
}

prop_compose! {
    fn status()(
        from in organization(),
        response_for in response_for(),
        staff in of(staff_info()),
        status_code in "[0-9A-Za-z]{0,3}".prop_map(|s| StatusCode::parse(&s)),
        description in opt_text(),
        timestamp in of(timestamp()),
    ) -> Package {
        Package::Status(Box::new(StatusPackage {
            header: StatusHeader { from, response_for, staff, status_code, description, timestamp },
        }))
    }
}

/// Boxed: the unboxed value tree of a whole package is deep enough to
/// overflow a test thread's stack in debug builds.
fn package() -> BoxedStrategy<Package> {
    prop_oneof![document().boxed(), status().boxed()].boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn writing_then_reading_gives_the_same_package(package in package()) {
        let written = to_string(&package);

        let again = read(written.as_bytes());

        prop_assert!(again.is_ok(), "{:?}\n{}", again, written);
        prop_assert_eq!(again.ok(), Some(package));
    }

    #[test]
    fn writing_is_stable_after_one_round_trip(package in package()) {
        let written = to_string(&package);

        let rewritten = read(written.as_bytes()).map(|p| to_string(&p));

        prop_assert_eq!(rewritten.ok(), Some(written));
    }

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..2000)) {
        let _ = read(&bytes);
    }

    #[test]
    fn reading_a_damaged_package_never_panics_and_validating_what_reads_neither(
        package in package(),
        cut in any::<prop::sample::Index>(),
        junk in "[<>&;/a-z\"= ]{0,8}",
    ) {
        let written = to_string(&package);
        let at = cut.index(written.len() + 1);
        let at = (0..=at).rev().find(|i| written.is_char_boundary(*i)).unwrap_or(0);
        let damaged = format!("{}{}{}", &written[..at], junk, &written[at..]);

        if let Ok(p) = read(damaged.as_bytes()) {
            let _ = validate(&p, &ValidateOptions::default());
        }
    }
}
