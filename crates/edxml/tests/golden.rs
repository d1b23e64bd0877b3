//! Golden tests over every sample package in `shared/data/edxml/`: each
//! well-formed one reads, writes, reads back to the same package and gives
//! the findings listed here; the malformed one is refused with a message
//! that says where and why.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use nghitruong_edxml::{
    BusinessDocType, Package, ReadError, Severity, StatusCode, ValidateOptions, is_valid, read,
    read_with, to_string, validate,
};
use time::macros::date;

/// What a sample should give.
enum Expect {
    /// Reads; validation gives exactly these (code, severity, path).
    Reads(&'static [(&'static str, Severity, &'static str)]),
    /// Refused with this code, at this line, with this text in the message.
    Refused(&'static str, u32, &'static str),
}

use Severity::Warning;

const DOCUMENT_ID: (&str, Severity, &str) = ("EDX115", Warning, "MessageHeader/DocumentId");
const EMPTY_ATTACHMENT: (&str, Severity, &str) = (
    "EDX111",
    Warning,
    "AttachmentEncoded/Attachment/ContentTransferEncoded",
);

/// Every sample and what it should give. The payload-stripped samples have
/// an emptied attachment (EDX111); all VNPT document samples carry a
/// DocumentId whose date is not the PromulgationDate (EDX115).
const SAMPLES: &[(&str, Expect)] = &[
    (
        "edoc_new_payload-stripped.edxml",
        Expect::Reads(&[
            ("EDX103", Warning, "MessageHeader/To/OrganId"),
            ("EDX114", Warning, "MessageHeader/DueDate"),
            DOCUMENT_ID,
            EMPTY_ATTACHMENT,
        ]),
    ),
    (
        "edoc_replacement_payload-stripped.edxml",
        Expect::Reads(&[DOCUMENT_ID, EMPTY_ATTACHMENT]),
    ),
    (
        "edoc_revocation_payload-stripped.edxml",
        Expect::Reads(&[DOCUMENT_ID, EMPTY_ATTACHMENT]),
    ),
    (
        "edoc_update_payload-stripped.edxml",
        Expect::Reads(&[DOCUMENT_ID, EMPTY_ATTACHMENT]),
    ),
    (
        "handwritten_edoc_dsig_ns.edxml",
        Expect::Refused(
            "EDX002",
            74,
            "closing tag </edXML:MessageHeader> does not match <edXML:From> opened at line 7",
        ),
    ),
    ("status.edxml", Expect::Reads(&[])),
    ("status_acceptance_03.edxml", Expect::Reads(&[])),
    ("status_assignment_04.edxml", Expect::Reads(&[])),
    ("status_cancellation_13.edxml", Expect::Reads(&[])),
    ("status_change-acceptance_15.edxml", Expect::Reads(&[])),
    ("status_change-rejection_16.edxml", Expect::Reads(&[])),
    ("status_finish_06.edxml", Expect::Reads(&[])),
    ("status_inbox_01.edxml", Expect::Reads(&[])),
    ("status_processing_05.edxml", Expect::Reads(&[])),
    ("status_rejection_02.edxml", Expect::Reads(&[])),
    (
        "vnptlib_edoc_new_generated.edxml",
        Expect::Reads(&[DOCUMENT_ID]),
    ),
];

fn samples_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/edxml");
    assert!(
        dir.is_dir(),
        "the edXML samples are missing: expected them in {} (testdata/edxml in the repository)",
        dir.display()
    );
    dir
}

fn sample(name: &str) -> Vec<u8> {
    let path = samples_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn options() -> ValidateOptions {
    ValidateOptions {
        today: Some(date!(2025 - 12 - 04)),
        ..ValidateOptions::default()
    }
}

fn document(name: &str) -> Box<nghitruong_edxml::DocumentPackage> {
    match read(&sample(name)).unwrap() {
        Package::Document(doc) => doc,
        Package::Status(_) => panic!("{name} should be a document package"),
    }
}

#[test]
fn every_sample_file_has_an_expectation_and_every_expectation_a_file() {
    let mut on_disk: Vec<String> = std::fs::read_dir(samples_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".edxml"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SAMPLES.iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.sort();

    assert_eq!(on_disk, listed);
}

#[test]
fn well_formed_samples_round_trip_and_give_the_expected_findings() {
    for (name, expect) in SAMPLES {
        let Expect::Reads(expected) = expect else {
            continue;
        };
        let parsed =
            read_with(&sample(name), &Default::default()).unwrap_or_else(|e| panic!("{name}: {e}"));

        let written = to_string(&parsed.package);
        let again = read(written.as_bytes()).unwrap_or_else(|e| panic!("{name} rewritten: {e}"));
        assert_eq!(
            again, parsed.package,
            "{name}: the rewritten package differs"
        );
        assert_eq!(to_string(&again), written, "{name}: writing is not stable");

        let findings = validate(&parsed.package, &options());
        let got: Vec<(&str, Severity, &str)> = findings
            .iter()
            .map(|f| (f.code(), f.severity, f.path.as_str()))
            .collect();
        assert_eq!(got, *expected, "{name}: {findings:#?}");
        assert!(is_valid(&findings), "{name}");
        for f in &findings {
            assert!(
                parsed.source.line(&f.path).is_some(),
                "{name}: no line for {}",
                f.path
            );
        }
    }
}

#[test]
fn the_malformed_sample_is_refused_with_the_place_and_the_rule_broken() {
    for (name, expect) in SAMPLES {
        let Expect::Refused(code, line, text) = expect else {
            continue;
        };

        let err = read(&sample(name)).unwrap_err();

        assert_eq!(err.code(), *code, "{name}: {err}");
        assert_eq!(err.line(), Some(*line), "{name}: {err}");
        assert!(err.to_string().contains(text), "{name}: {err}");
    }
}

#[test]
fn the_vnpt_generated_sample_is_written_back_byte_for_byte() {
    let original = sample("vnptlib_edoc_new_generated.edxml");

    let written = to_string(&read(&original).unwrap());

    assert_eq!(written, String::from_utf8(original).unwrap());
}

#[test]
fn the_vnpt_generated_sample_decodes_its_zipped_attachment() {
    let doc = document("vnptlib_edoc_new_generated.edxml");

    let package = read(&sample("vnptlib_edoc_new_generated.edxml")).unwrap();
    assert_eq!(package.sender().organ_id, "000.00.00.G22");
    assert_eq!(doc.header.to.len(), 3);
    assert_eq!(doc.business_type(), BusinessDocType::New);
    let attachment = doc.attachment("cid:209").unwrap();
    assert_eq!(attachment.name, "1896_QD-TTg_m_294779.doc");
    assert_eq!(attachment.content_type.as_deref(), Some("application/zip"));
    assert!(attachment.content.starts_with(b"PK\x03\x04"), "a zip file");
    assert_eq!(attachment.content.len(), 2623);
}

#[test]
fn each_business_sample_carries_the_structure_of_its_type() {
    let revocation = document("edoc_revocation_payload-stripped.edxml");
    assert_eq!(revocation.business_type(), BusinessDocType::Revoke);
    assert_eq!(revocation.header.response_for[0].code, "267/VPCP-TTĐT");
    assert_eq!(
        revocation.header.response_for[0].promulgation_date,
        Some(date!(2018 - 09 - 28))
    );

    let update = document("edoc_update_payload-stripped.edxml");
    assert_eq!(update.business_type(), BusinessDocType::Update);
    let business = update.trace.as_ref().unwrap().business.as_ref().unwrap();
    let info = business.document_info.as_ref().unwrap();
    assert_eq!(info.receivers.len(), 2);
    assert_eq!(info.receivers[1].receiver_type, Some(1));

    let replacement = document("edoc_replacement_payload-stripped.edxml");
    assert_eq!(replacement.business_type(), BusinessDocType::Replace);
    let business = replacement
        .trace
        .as_ref()
        .unwrap()
        .business
        .as_ref()
        .unwrap();
    assert_eq!(business.replacements.len(), 2);
    assert_eq!(
        business.replacements[0].organ_ids,
        ["000.00.00.H41", "000.00.00.H14"]
    );
}

#[test]
fn each_status_sample_reads_the_code_its_name_says() {
    let cases = [
        ("status.edxml", StatusCode::Arrived),
        ("status_inbox_01.edxml", StatusCode::Arrived),
        ("status_rejection_02.edxml", StatusCode::Rejected),
        ("status_acceptance_03.edxml", StatusCode::Accepted),
        ("status_assignment_04.edxml", StatusCode::Assigned),
        ("status_processing_05.edxml", StatusCode::Processing),
        ("status_finish_06.edxml", StatusCode::Finished),
        ("status_cancellation_13.edxml", StatusCode::Cancelled),
        (
            "status_change-acceptance_15.edxml",
            StatusCode::ChangeAccepted,
        ),
        (
            "status_change-rejection_16.edxml",
            StatusCode::ChangeRejected,
        ),
    ];

    for (name, code) in cases {
        let Package::Status(status) = read(&sample(name)).unwrap() else {
            panic!("{name} should be a status package");
        };
        assert_eq!(status.header.status_code, code, "{name}");
        assert_eq!(
            status.header.response_for.document_id, "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
            "{name}: ResponseFor is read whatever the child order"
        );
        assert!(status.header.timestamp.is_some(), "{name}");
    }
}

#[test]
fn the_handwritten_sample_once_its_nesting_is_repaired_stops_at_the_jmeter_placeholder() {
    let repaired = repair_handwritten(&sample("handwritten_edoc_dsig_ns.edxml"));

    let err = read(repaired.as_bytes()).unwrap_err();

    assert!(
        matches!(err, ReadError::InvalidBase64 { line: 130, .. }),
        "{err}"
    );
}

#[test]
fn the_handwritten_sample_shows_the_tolerated_variants() {
    let repaired = repair_handwritten(&sample("handwritten_edoc_dsig_ns.edxml"))
        .replace("${__StringFromFile(test.txt,,,)}", "JVBERi0xLjQK");

    let Package::Document(doc) = read(repaired.as_bytes()).unwrap() else {
        panic!("a document package");
    };

    // Signature in the XML-DSig namespace, with a commented-out KeyValue.
    let signature = doc.signature.as_ref().unwrap();
    assert_eq!(signature.references[0].transforms.len(), 1);
    assert_eq!(signature.x509_subject_name.as_deref(), Some(""));
    // Prefixed AttachmentEncoded, content decoded.
    assert_eq!(doc.attachments[0].content, b"%PDF-1.4\n");
    assert_eq!(doc.manifest[0].content_id, doc.attachments[0].content_id);
    // DocumentId after SteeringType, ToPlaces before OtherInfo, empty ResponseFor.
    assert_eq!(
        doc.header.document_id.as_deref(),
        Some("9fbfbad2-f1f8-4256-a2eb-50fb1061cddb")
    );
    assert_eq!(doc.header.to_places, ["Các bộ"]);
    assert!(doc.header.response_for[0].is_empty());
    let findings: Vec<&str> = validate(&Package::Document(doc), &options())
        .iter()
        .map(|f| f.code())
        .collect();
    assert_eq!(findings, ["EDX114", "EDX103"]);
}

/// Drops the duplicated `<edXML:From>` start tag on line 7.
fn repair_handwritten(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(
        lines[6].trim(),
        "<edXML:From>",
        "line 7 is the duplicated start tag"
    );
    assert_eq!(lines[7].trim(), "<edXML:From>");
    let mut kept = lines.clone();
    kept.remove(6);
    kept.join("\n")
}
