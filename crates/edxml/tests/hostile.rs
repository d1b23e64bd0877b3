//! Hostile and broken input: each is refused with a clear error naming
//! the rule broken, quickly and without large allocations.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read as _;
use std::time::{Duration, Instant};

use nghitruong_edxml::{ReadError, ReadOptions, read, read_from, read_with};

/// A minimal valid status package with `{from}` and `{extra}` holes.
fn status(from: &str, extra: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">
  <edXML:edXMLEnvelope xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>{from}<edXML:OrganName>UBND</edXML:OrganName></edXML:From>
        <edXML:ResponseFor><edXML:OrganId>000.00.00.G22</edXML:OrganId><edXML:Code>1/QĐ</edXML:Code></edXML:ResponseFor>
        <edXML:StatusCode>01</edXML:StatusCode>{extra}
        <edXML:Timestamp>2025/01/02 03:04:05</edXML:Timestamp>
      </edXML:MessageHeader>
    </edXML:edXMLHeader>
  </edXML:edXMLEnvelope>
</edXML>"
    )
}

const ORGAN: &str = "<edXML:OrganId>000.00.00.H41</edXML:OrganId>";

/// A document package with one attachment holding `base64`.
fn document_with_attachment(base64: &str) -> String {
    format!(
        "<edXML><edXMLEnvelope><edXMLHeader><MessageHeader>
<From><OrganId>000.00.00.H41</OrganId></From>
<To><OrganId>000.00.00.G22</OrganId></To>
</MessageHeader></edXMLHeader></edXMLEnvelope>
<AttachmentEncoded><Attachment><ContentId>cid:1</ContentId>
<ContentTransferEncoded>{base64}</ContentTransferEncoded></Attachment></AttachmentEncoded></edXML>"
    )
}

#[test]
fn the_reference_status_skeleton_reads() {
    assert!(read(status(ORGAN, "").as_bytes()).is_ok());
}

#[test]
fn billion_laughs_is_refused_at_the_doctype_without_expanding_anything() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<edXML>&lol9;</edXML>"#;
    let started = Instant::now();

    let err = read(xml.as_bytes()).unwrap_err();

    assert!(matches!(err, ReadError::Doctype { line: 2 }), "{err}");
    assert_eq!(err.code(), "EDX003");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn an_external_entity_doctype_is_refused() {
    let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE edXML [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<edXML>&xxe;</edXML>";

    let err = read(xml.as_bytes()).unwrap_err();

    assert!(matches!(err, ReadError::Doctype { .. }), "{err}");
}

#[test]
fn an_undeclared_entity_in_text_or_attribute_is_refused() {
    let in_text = status(ORGAN, "\n<edXML:Description>&xxe;</edXML:Description>");
    let in_attr = in_text.replace(
        "<edXML:Description>&xxe;",
        "<edXML:Description a=\"&xxe;\">",
    );

    for xml in [in_text, in_attr] {
        let err = read(xml.as_bytes()).unwrap_err();
        assert!(
            matches!(err, ReadError::Entity { ref name, line: 9 } if name == "xxe"),
            "{err}"
        );
    }
}

#[test]
fn a_200_mb_package_is_refused_after_reading_only_the_limit() {
    let huge = std::io::repeat(b' ').take(200 * 1024 * 1024);

    let err = read_from(huge, &ReadOptions::default()).unwrap_err();

    assert!(
        matches!(err, ReadError::TooLarge { limit } if limit == 64 * 1024 * 1024),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "EDX005: package is larger than the limit of 67108864 bytes"
    );
}

#[test]
fn a_package_over_a_configured_limit_is_refused() {
    let options = ReadOptions {
        max_input_bytes: 100,
        ..ReadOptions::default()
    };

    let err = read_with(status(ORGAN, "").as_bytes(), &options).unwrap_err();

    assert!(matches!(err, ReadError::TooLarge { limit: 100 }), "{err}");
}

#[test]
fn deeply_nested_xml_is_refused_quickly() {
    let depth = 100_000;
    let xml = format!(
        "<edXML>{}{}</edXML>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let started = Instant::now();

    let err = read(xml.as_bytes()).unwrap_err();

    assert!(matches!(err, ReadError::TooDeep { limit: 32, .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn too_many_elements_are_refused() {
    let xml = format!("<edXML>{}</edXML>", "<a/>".repeat(200_000));

    let err = read(xml.as_bytes()).unwrap_err();

    assert!(
        matches!(err, ReadError::TooManyElements { limit: 100_000, .. }),
        "{err}"
    );
}

#[test]
fn an_attachment_over_the_limit_is_refused_before_decoding() {
    let options = ReadOptions {
        max_attachment_bytes: 10,
        ..ReadOptions::default()
    };
    let xml = document_with_attachment(&"QUJD".repeat(10));

    let err = read_with(xml.as_bytes(), &options).unwrap_err();

    assert!(
        matches!(err, ReadError::AttachmentTooLarge { ref content_id, size: 30, limit: 10, line: 6 } if content_id == "1"),
        "{err}"
    );
}

#[test]
fn an_attachment_that_is_not_base64_is_refused() {
    let xml = document_with_attachment("not base64!");

    let err = read(xml.as_bytes()).unwrap_err();

    assert!(
        matches!(err, ReadError::InvalidBase64 { line: 6, .. }),
        "{err}"
    );
    assert_eq!(err.code(), "EDX007");
}

#[test]
fn text_that_is_not_utf8_is_refused_with_its_line() {
    let mut bytes = status(ORGAN, "").into_bytes();
    let at = bytes.windows(4).position(|w| w == b"UBND").unwrap();
    bytes[at] = 0xC0;

    let err = read(&bytes).unwrap_err();

    assert!(matches!(err, ReadError::NotUtf8 { line: 6 }), "{err}");
}

#[test]
fn a_root_other_than_edxml_is_refused() {
    let err = read(b"<html><body/></html>").unwrap_err();

    assert_eq!(
        err.to_string(),
        "EDX010: root element is <html> at line 1, expected <edXML>"
    );
}

#[test]
fn a_sender_without_organ_id_is_refused_naming_the_element_and_line() {
    let err = read(status("", "").as_bytes()).unwrap_err();

    assert_eq!(
        err.to_string(),
        "EDX001: missing required element edXML:MessageHeader/edXML:From/edXML:OrganId at line 6"
    );
}

#[test]
fn a_status_package_without_response_for_is_refused() {
    let xml = status(ORGAN, "").replace(
        "<edXML:ResponseFor><edXML:OrganId>000.00.00.G22</edXML:OrganId><edXML:Code>1/QĐ</edXML:Code></edXML:ResponseFor>",
        "",
    );

    let err = read(xml.as_bytes()).unwrap_err();

    assert!(
        err.to_string()
            .contains("edXML:MessageHeader/edXML:ResponseFor at line 5"),
        "{err}"
    );
}

#[test]
fn a_value_of_the_wrong_type_names_its_element_line_and_expected_form() {
    let xml = status(ORGAN, "").replace("2025/01/02 03:04:05", "hôm qua");

    let err = read(xml.as_bytes()).unwrap_err();

    assert_eq!(
        err.to_string(),
        "EDX008: edXML:MessageHeader/edXML:Timestamp at line 9 holds \"hôm qua\", expected a time yyyy/MM/dd HH:mm:ss"
    );
}

#[test]
fn an_impossible_date_is_refused() {
    let xml = document_with_attachment("").replace(
        "</To>",
        "</To><PromulgationInfo><PromulgationDate>2014/02/30</PromulgationDate></PromulgationInfo>",
    );

    let err = read(xml.as_bytes()).unwrap_err();

    assert!(
        matches!(err, ReadError::InvalidValue { ref path, .. } if path == "MessageHeader/PromulgationInfo/PromulgationDate"),
        "{err}"
    );
}

#[test]
fn unclosed_and_mismatched_tags_are_not_well_formed() {
    let whole = status(ORGAN, "");
    let truncated = &whole[..whole.find("<edXML:StatusCode>").unwrap()];
    let mismatched = whole.replace("</edXML:From>", "</edXML:To>");

    let err = read(truncated.as_bytes()).unwrap_err();
    assert_eq!(err.code(), "EDX002", "{err}");
    assert!(
        err.to_string()
            .contains("<edXML:MessageHeader> opened at line 5 is closed"),
        "{err}"
    );

    let err = read(mismatched.as_bytes()).unwrap_err();
    assert!(
        err.to_string()
            .contains("</edXML:To> does not match <edXML:From> opened at line 6"),
        "{err}"
    );
}
