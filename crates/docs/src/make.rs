//! Writing small PDF, DOCX and XLSX files: the demo province's session
//! documents and the fixtures of tests. Word and Excel files are a handful
//! of XML parts in a zip, so they are written here directly; no crate we
//! checked writes both with less code than this.

use std::io::{Cursor, Write as _};

use zip::write::SimpleFileOptions;

/// A paragraph to write.
#[derive(Clone, Debug, Default)]
pub struct Para {
    /// Its text.
    pub text: String,
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// Centred.
    pub center: bool,
    /// Written with Word's "Heading 1" style.
    pub heading: bool,
}

impl Para {
    /// Plain body text.
    pub fn body(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// A bold centred line, as a document's title is set.
    pub fn title(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: true,
            center: true,
            ..Self::default()
        }
    }

    /// A section heading.
    pub fn heading(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: true,
            heading: true,
            ..Self::default()
        }
    }
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn zip_of(parts: &[(&str, String)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    for (name, body) in parts {
        // Writing to memory cannot fail short of running out of it.
        if zip.start_file(*name, options).is_ok() {
            let _ = zip.write_all(body.as_bytes());
        }
    }
    zip.finish().map(Cursor::into_inner).unwrap_or_default()
}

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="TARGET"/></Relationships>"#;

/// A Word document of `paras`, A4 in Times New Roman 14 as state documents are set.
pub fn docx(paras: &[Para]) -> Vec<u8> {
    let mut body = String::new();
    for p in paras {
        body.push_str("<w:p><w:pPr>");
        if p.heading {
            body.push_str(r#"<w:pStyle w:val="Heading1"/>"#);
        }
        if p.center {
            body.push_str(r#"<w:jc w:val="center"/>"#);
        } else {
            body.push_str(r#"<w:jc w:val="both"/>"#);
        }
        body.push_str("</w:pPr><w:r><w:rPr>");
        if p.bold {
            body.push_str("<w:b/>");
        }
        if p.italic {
            body.push_str("<w:i/>");
        }
        body.push_str(r#"</w:rPr><w:t xml:space="preserve">"#);
        body.push_str(&esc(&p.text));
        body.push_str("</w:t></w:r></w:p>");
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1701"/></w:sectPr></w:body></w:document>"#
    );
    let styles = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/><w:sz w:val="28"/></w:rPr></w:rPrDefault></w:docDefaults><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:rPr><w:b/></w:rPr></w:style></w:styles>"#;
    let types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>"#;
    let doc_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
    zip_of(&[
        ("[Content_Types].xml", types.into()),
        ("_rels/.rels", RELS.replace("TARGET", "word/document.xml")),
        ("word/document.xml", document),
        ("word/styles.xml", styles.into()),
        ("word/_rels/document.xml.rels", doc_rels.into()),
    ])
}

/// An Excel workbook of one sheet named `sheet`, each cell an inline string.
pub fn xlsx(sheet: &str, rows: &[Vec<String>]) -> Vec<u8> {
    let mut data = String::new();
    for (r, row) in rows.iter().enumerate() {
        data.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for cell in row {
            data.push_str(r#"<c t="inlineStr"><is><t>"#);
            data.push_str(&esc(cell));
            data.push_str("</t></is></c>");
        }
        data.push_str("</row>");
    }
    xlsx_raw(sheet, &data, &[])
}

/// A workbook of one sheet named `sheet` whose `<sheetData>` is `data` as
/// given (cells may point at `shared`, the shared strings, by index): for
/// tests of what a hostile workbook can hold.
pub fn xlsx_raw(sheet: &str, data: &str, shared: &[&str]) -> Vec<u8> {
    let worksheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        esc(sheet)
    );
    let mut book_rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#,
    );
    let mut parts = Vec::new();
    if !shared.is_empty() {
        book_rels.push_str(r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
        let mut strings = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">"#,
            shared.len()
        );
        for s in shared {
            strings.push_str("<si><t>");
            strings.push_str(&esc(s));
            strings.push_str("</t></si>");
        }
        strings.push_str("</sst>");
        parts.push(("xl/sharedStrings.xml", strings));
    }
    book_rels.push_str("</Relationships>");
    let types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    let mut all = vec![
        ("[Content_Types].xml", types.to_owned()),
        ("_rels/.rels", RELS.replace("TARGET", "xl/workbook.xml")),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", book_rels),
        ("xl/worksheets/sheet1.xml", worksheet),
    ];
    all.extend(parts);
    zip_of(&all)
}

/// A PDF with a line of Helvetica text per entry of `lines`, a page per
/// 40 lines. The standard fonts cover Latin-1 only, so the text should be
/// written without Vietnamese marks; the demo writes its documents as DOCX.
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};

    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut kids = Vec::new();
    let chunks: Vec<&[&str]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(40).collect()
    };
    for chunk in chunks {
        let mut ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("TL", vec![16.into()]),
            Operation::new("Td", vec![60.into(), 780.into()]),
        ];
        for line in chunk {
            ops.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
            ops.push(Operation::new("T*", vec![]));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops };
        let bytes = content.encode().unwrap_or_default();
        let content_id = doc.add_object(Stream::new(dictionary! {}, bytes));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        kids.push(Object::from(page_id));
    }
    let count = i64::try_from(kids.len()).unwrap_or(1);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    let _ = doc.save_to(&mut out);
    out
}

/// A Word file carrying a VBA macro part, as Word saves a `.docm`.
pub fn docm() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    for (name, body) in [
        ("[Content_Types].xml", "<Types/>"),
        ("word/document.xml", "<document/>"),
        ("word/vbaProject.bin", "Attribute VB_Name"),
    ] {
        if zip.start_file(name, options).is_ok() {
            let _ = zip.write_all(body.as_bytes());
        }
    }
    zip.finish().map(Cursor::into_inner).unwrap_or_default()
}

/// A Word file whose body inflates to `inflated` bytes of zeros from a few
/// kilobytes: what an upload check must refuse before reading it.
pub fn zip_bomb(inflated: usize) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(inflated > u32::MAX as usize);
    let types = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;
    if zip.start_file("[Content_Types].xml", options).is_ok() {
        let _ = zip.write_all(types.as_bytes());
    }
    if zip.start_file("word/document.xml", options).is_ok() {
        let block = vec![0u8; 1 << 20];
        let mut left = inflated;
        while left > 0 {
            let n = left.min(block.len());
            let _ = zip.write_all(&block[..n]);
            left -= n;
        }
    }
    zip.finish().map(Cursor::into_inner).unwrap_or_default()
}
