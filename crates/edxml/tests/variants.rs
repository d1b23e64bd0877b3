//! The flavours senders write read to the same package as the canonical
//! form: other prefixes or none, vendor spellings, the XML-DSig namespace,
//! other child orders, other date orders, wrapped base64.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use nghitruong_edxml::{Package, Signature, read, to_string};

fn vnpt_sample() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/edxml/vnptlib_edoc_new_generated.edxml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the edXML samples are missing: cannot read {}: {e}",
            path.display()
        )
    })
}

fn canonical() -> Package {
    read(vnpt_sample().as_bytes()).unwrap()
}

fn reads_as_canonical(variant: &str, what: &str) {
    let package = read(variant.as_bytes()).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(package, canonical(), "{what}");
}

#[test]
fn no_prefix_and_no_namespace_read_the_same() {
    let variant = vnpt_sample()
        .replace("edXML:", "")
        .replace(
            " xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"",
            "",
        )
        .replace(" xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"", "");

    reads_as_canonical(&variant, "no namespace at all");
}

#[test]
fn another_prefix_reads_the_same() {
    let variant = vnpt_sample()
        .replace("edXML:", "ns2:")
        .replace("xmlns:edXML=", "xmlns:ns2=");

    reads_as_canonical(&variant, "prefix ns2");
}

#[test]
fn bkav_business_spelling_and_xlink_reference_read_the_same() {
    let variant = vnpt_sample()
        .replace("Bussiness>", "Business>")
        .replace(
            "<edXML:Reference>\n          <edXML:ContentId>cid:209</edXML:ContentId>",
            "<edXML:Reference xmlns:xlink=\"http://www.w3.org/1999/xlink\" xlink:href=\"cid:209\" xlink:type=\"simple\">",
        );

    reads_as_canonical(&variant, "Business and xlink:href");
}

#[test]
fn a_signature_in_the_xmldsig_namespace_reads_the_same() {
    let variant = vnpt_sample().replace(
        "<Signature>",
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
    );
    let variant = variant.replace("</Signature>", "</ds:Signature>");

    reads_as_canonical(&variant, "ds:Signature");
}

#[test]
fn an_empty_digital_signature_reads_as_an_empty_signature() {
    let sample = vnpt_sample();
    let start = sample.find("<Signature>").unwrap();
    let end = sample.find("</Signature>").unwrap() + "</Signature>".len();
    let variant = format!(
        "{}<edXML:DigitalSignature/>{}",
        &sample[..start],
        &sample[end..]
    );

    let Package::Document(doc) = read(variant.as_bytes()).unwrap() else {
        panic!("a document");
    };

    assert_eq!(doc.signature, Some(Signature::default()));
}

#[test]
fn day_first_dates_crlf_line_ends_bom_and_wrapped_base64_read_the_same() {
    let sample = vnpt_sample();
    let encoded_start = sample.find("QCVN_102_2016\">UEsDB").unwrap() + "QCVN_102_2016\">".len();
    let encoded_end = sample.find("</edXML:ContentTransferEncoded>").unwrap();
    let wrapped: Vec<String> = sample.as_bytes()[encoded_start..encoded_end]
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let variant = format!(
        "\u{FEFF}{}{}{}",
        &sample[..encoded_start],
        wrapped.join("\r\n"),
        &sample[encoded_end..]
    )
    .replace("2019/04/11 00:00:00", "11/04/2019 00:00:00")
    .replace(">2019/04/11<", ">11/04/2019<")
    .replace('\n', "\r\n");

    reads_as_canonical(&variant, "dd/MM/yyyy, CRLF, BOM, wrapped base64");
}

#[test]
fn children_in_another_order_read_the_same() {
    let sample = vnpt_sample();
    // Move DocumentId after ToPlaces and TraceHeader before Bussiness, as
    // the hand-written samples do.
    let doc_id =
        "        <edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT</edXML:DocumentId>\n";
    let moved = sample.replacen(doc_id, "", 1).replace(
        "        </edXML:ToPlaces>\n",
        &format!("        </edXML:ToPlaces>\n{doc_id}"),
    );
    let hop_start = moved.find("        <edXML:TraceHeader>").unwrap();
    let hop_end = moved.find("        </edXML:TraceHeader>\n").unwrap()
        + "        </edXML:TraceHeader>\n".len();
    let hop = moved[hop_start..hop_end].to_owned();
    let without_hop = format!("{}{}", &moved[..hop_start], &moved[hop_end..]);
    let variant = without_hop.replace(
        "      <edXML:TraceHeaderList>\n",
        &format!("      <edXML:TraceHeaderList>\n{hop}"),
    );
    assert_ne!(variant, sample);

    reads_as_canonical(&variant, "reordered children");
}

#[test]
fn cdata_comments_and_unknown_elements_do_not_change_the_package() {
    let variant = vnpt_sample()
        .replace(
            "<edXML:Subject>V/v kết nối",
            "<!-- a note --><edXML:Unknown>x</edXML:Unknown><edXML:Subject><![CDATA[V/v kết nối]]>",
        )
        .replace(
            "<edXML:Place>Hà Nội</edXML:Place>",
            "<edXML:Place>H&#224; N&#x1ED9;i</edXML:Place>",
        );

    reads_as_canonical(
        &variant,
        "CDATA, comment, unknown element, character references",
    );
}

#[test]
fn the_canonical_form_is_stable_across_variants() {
    let variant = vnpt_sample()
        .replace("edXML:", "")
        .replace("Bussiness>", "Business>");

    let written = to_string(&read(variant.as_bytes()).unwrap());

    assert_eq!(written, vnpt_sample());
}
