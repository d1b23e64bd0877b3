//! Văn bản hành chính — administrative documents written as DOCX in the
//! presentation Nghị định 30/2020/NĐ-CP prescribes: A4 paper, Times New
//! Roman, margins of 20–25 mm top and bottom, 30–35 mm left, 15–20 mm
//! right; the header block with the issuing body on the left and the
//! national motto on the right; number and symbol; place and date; the
//! title; the body; recipients (nơi nhận) and the signature block.
//!
//! The document is described as data ([`AdminDocument`]) so that cover
//! letters, reports and minutes share one layout; [`to_docx`] writes it.

use docx_rs::{
    AlignmentType, Docx, PageMargin, Paragraph, Run, RunFonts, Table, TableBorders, TableCell,
    TableRow, WidthType,
};
use time::Date;

/// Points to half-points, the unit DOCX sizes text in.
const fn half_points(pt: usize) -> usize {
    pt * 2
}

/// Millimetres to twentieths of a point (twips), the unit of page margins.
const fn twips(mm: i32) -> i32 {
    mm * 1440 * 10 / 254
}

/// A4 in twips.
const A4_WIDTH: u32 = 11_906;
const A4_HEIGHT: u32 = 16_838;
const FONT: &str = "Times New Roman";
/// Body text size (13 or 14 pt are allowed; 14 reads better printed).
const BODY_PT: usize = 14;

/// One block of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A justified paragraph, first line indented.
    Paragraph(String),
    /// A bold heading line (I., 1., …).
    Heading(String),
    /// A table: header row then rows; every cell is text.
    Table {
        /// Column headings.
        header: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<String>>,
    },
}

/// A document to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminDocument {
    /// The body above the issuing one ("HĐND TỈNH NGHỆ AN"), if any.
    pub parent_body: Option<String>,
    /// The issuing body ("THƯỜNG TRỰC HĐND").
    pub issuer: String,
    /// Số, ký hiệu: "125/HĐND-VP".
    pub number: String,
    /// Where it is issued ("Nghệ An").
    pub place: String,
    /// Its date.
    pub date: Date,
    /// The kind in capitals for reports and decisions ("BÁO CÁO"), or
    /// `None` for a letter (công văn), which has an excerpt line instead.
    pub kind: Option<String>,
    /// The title or, for a letter, the excerpt ("V/v chuyển kiến nghị …").
    pub title: String,
    /// "Kính gửi: …" for letters.
    pub addressees: Vec<String>,
    /// The body.
    pub body: Vec<Block>,
    /// Nơi nhận.
    pub recipients: Vec<String>,
    /// "TM. THƯỜNG TRỰC HĐND", "KT. CHỦ TỊCH"…
    pub signing_authority: String,
    /// "CHỦ TỊCH", "PHÓ CHỦ TỊCH".
    pub signer_title: String,
    /// The signer's name.
    pub signer_name: String,
}

/// Writing failed.
#[derive(Debug, thiserror::Error)]
#[error("could not write the DOCX file: {0}")]
pub struct DocgenError(String);

fn run(text: &str, pt: usize) -> Run {
    Run::new().add_text(text).size(half_points(pt)).fonts(
        RunFonts::new()
            .ascii(FONT)
            .hi_ansi(FONT)
            .cs(FONT)
            .east_asia(FONT),
    )
}

fn centered(text: &str, pt: usize, bold: bool, italic: bool) -> Paragraph {
    let mut r = run(text, pt);
    if bold {
        r = r.bold();
    }
    if italic {
        r = r.italic();
    }
    Paragraph::new().add_run(r).align(AlignmentType::Center)
}

fn no_borders(cell: TableCell) -> TableCell {
    cell.clear_all_border()
}

/// The header block: issuing body and number on the left, the national
/// motto and the place and date on the right.
fn header(doc: &AdminDocument) -> Table {
    let mut left = TableCell::new();
    if let Some(parent) = &doc.parent_body {
        left = left.add_paragraph(centered(&parent.to_uppercase(), 13, false, false));
    }
    left = left
        .add_paragraph(centered(&doc.issuer.to_uppercase(), 13, true, false))
        .add_paragraph(centered("______", 13, false, false))
        .add_paragraph(centered(&format!("Số: {}", doc.number), 13, false, false));
    if doc.kind.is_none() {
        left = left.add_paragraph(centered(&doc.title, 12, false, false));
    }
    let date = format!(
        "{}, ngày {:02} tháng {:02} năm {}",
        doc.place,
        doc.date.day(),
        u8::from(doc.date.month()),
        doc.date.year()
    );
    let right = TableCell::new()
        .add_paragraph(centered(
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            13,
            true,
            false,
        ))
        .add_paragraph(centered("Độc lập - Tự do - Hạnh phúc", 14, true, false))
        .add_paragraph(centered("________________________", 13, false, false))
        .add_paragraph(centered(&date, 14, false, true));
    Table::new(vec![TableRow::new(vec![
        no_borders(left.width(3_800, WidthType::Dxa)),
        no_borders(right.width(5_600, WidthType::Dxa)),
    ])])
    .set_borders(TableBorders::new().clear_all())
}

fn body_paragraph(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_PT))
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(docx_rs::SpecialIndentType::FirstLine(567)),
            None,
            None,
        )
}

fn table(header: &[String], rows: &[Vec<String>]) -> Table {
    let cell = |t: &str, bold: bool| {
        let mut r = run(t, 12);
        if bold {
            r = r.bold();
        }
        TableCell::new().add_paragraph(Paragraph::new().add_run(r))
    };
    let mut out = vec![TableRow::new(
        header.iter().map(|h| cell(h, true)).collect(),
    )];
    for row in rows {
        out.push(TableRow::new(row.iter().map(|c| cell(c, false)).collect()));
    }
    Table::new(out)
}

/// The recipients on the left, the signature block on the right.
fn footer(doc: &AdminDocument) -> Table {
    let mut left = TableCell::new()
        .add_paragraph(Paragraph::new().add_run(run("Nơi nhận:", 12).bold().italic()));
    for r in &doc.recipients {
        left = left.add_paragraph(Paragraph::new().add_run(run(&format!("- {r};"), 11)));
    }
    let right = TableCell::new()
        .add_paragraph(centered(&doc.signing_authority, 14, true, false))
        .add_paragraph(centered(&doc.signer_title, 14, true, false))
        .add_paragraph(centered("", 14, false, false))
        .add_paragraph(centered("", 14, false, false))
        .add_paragraph(centered("", 14, false, false))
        .add_paragraph(centered(&doc.signer_name, 14, true, false));
    Table::new(vec![TableRow::new(vec![
        no_borders(left.width(4_600, WidthType::Dxa)),
        no_borders(right.width(4_800, WidthType::Dxa)),
    ])])
    .set_borders(TableBorders::new().clear_all())
}

/// Writes `doc` as a DOCX file.
pub fn to_docx(doc: &AdminDocument) -> Result<Vec<u8>, DocgenError> {
    let mut docx = Docx::new()
        .page_size(A4_WIDTH, A4_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(twips(20))
                .bottom(twips(20))
                .left(twips(30))
                .right(twips(15)),
        )
        .default_fonts(
            RunFonts::new()
                .ascii(FONT)
                .hi_ansi(FONT)
                .cs(FONT)
                .east_asia(FONT),
        )
        .default_size(half_points(BODY_PT))
        .add_table(header(doc))
        .add_paragraph(Paragraph::new());
    if let Some(kind) = &doc.kind {
        docx = docx
            .add_paragraph(centered(&kind.to_uppercase(), 14, true, false))
            .add_paragraph(centered(&doc.title, 14, true, false));
    }
    for a in &doc.addressees {
        docx = docx.add_paragraph(centered(&format!("Kính gửi: {a}"), 14, false, false));
    }
    docx = docx.add_paragraph(Paragraph::new());
    for block in &doc.body {
        docx = match block {
            Block::Paragraph(t) => docx.add_paragraph(body_paragraph(t)),
            Block::Heading(t) => docx.add_paragraph(
                Paragraph::new()
                    .add_run(run(t, BODY_PT).bold())
                    .align(AlignmentType::Both),
            ),
            Block::Table { header, rows } => docx
                .add_table(table(header, rows))
                .add_paragraph(Paragraph::new()),
        };
    }
    docx = docx.add_paragraph(Paragraph::new()).add_table(footer(doc));
    let mut out = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| DocgenError(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Read;

    use time::macros::date;

    use super::*;

    fn letter() -> AdminDocument {
        AdminDocument {
            parent_body: Some("HĐND tỉnh Nghệ An".into()),
            issuer: "Thường trực HĐND".into(),
            number: "125/HĐND-VP".into(),
            place: "Nghệ An".into(),
            date: date!(2026 - 12 - 04),
            kind: None,
            title: "V/v chuyển kiến nghị của cử tri".into(),
            addressees: vec!["Sở Xây dựng tỉnh Nghệ An".into()],
            body: vec![
                Block::Paragraph("Thường trực HĐND tỉnh chuyển kiến nghị <b>&</b>.".into()),
                Block::Table {
                    header: vec!["STT".into(), "Nội dung".into()],
                    rows: vec![vec!["1".into(), "=HYPERLINK(\"x\")".into()]],
                },
            ],
            recipients: vec!["Như trên".into(), "Lưu: VT".into()],
            signing_authority: "TM. THƯỜNG TRỰC HĐND".into(),
            signer_title: "CHỦ TỊCH".into(),
            signer_name: "Nguyễn Văn An".into(),
        }
    }

    fn document_xml(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }

    #[test]
    fn a_letter_has_the_state_layout() {
        let xml = document_xml(&to_docx(&letter()).unwrap());
        for needle in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Số: 125/HĐND-VP",
            "Nghệ An, ngày 04 tháng 12 năm 2026",
            "Kính gửi: Sở Xây dựng tỉnh Nghệ An",
            "THƯỜNG TRỰC HĐND",
            "Times New Roman",
            "Nơi nhận:",
        ] {
            assert!(xml.contains(needle), "missing {needle}");
        }
        // A4 and the margins of the decree.
        assert!(xml.contains("w:w=\"11906\"") && xml.contains("w:h=\"16838\""));
        assert!(xml.contains(&format!("w:left=\"{}\"", twips(30))));
        // Text is escaped, never markup or a formula.
        assert!(xml.contains("&lt;b&gt;&amp;&lt;/b&gt;"));
        assert!(!xml.contains("<w:fldSimple"));
    }

    #[test]
    fn a_report_has_its_kind_and_title() {
        let doc = AdminDocument {
            kind: Some("Báo cáo".into()),
            title: "Tổng hợp ý kiến, kiến nghị của cử tri".into(),
            addressees: vec![],
            ..letter()
        };
        let xml = document_xml(&to_docx(&doc).unwrap());
        assert!(xml.contains("BÁO CÁO"));
        assert!(xml.contains("Tổng hợp ý kiến, kiến nghị của cử tri"));
    }
}
