//! HTML views of Word and Excel files for reading in the browser.
//!
//! The HTML is built, not filtered: the converter walks the document's
//! paragraphs, runs and tables and writes only the handful of tags below,
//! with every piece of text escaped. No markup, attribute, style or link
//! from the file reaches the page, so there is nothing for a sanitiser to
//! catch; a `<script>` typed into a Word document arrives as visible text.

use std::fmt::Write as _;
use std::io::Cursor;

use crate::inspect::{Allowance, Limits, Rejection, open_zip, read_part, sheet_rows};

/// Most empty cells shown between two used ones of a row.
const MAX_GAP: u32 = 32;
use crate::xml::{Block, ParaStyle, docx_blocks};

/// A Word document as HTML: `h2`–`h5`, `p`, `strong`, `em`, `br`, `table`.
pub fn docx_html(bytes: &[u8], limits: &Limits) -> Result<String, Rejection> {
    let mut zip = open_zip(Cursor::new(bytes), limits)?;
    let xml = read_part(&mut zip, "word/document.xml", limits.max_uncompressed)?
        .ok_or(Rejection::MissingParts)?;
    let blocks = docx_blocks(&xml).map_err(|_| Rejection::BadZip)?;
    let mut html = String::new();
    write_blocks(&blocks, &mut html);
    Ok(html)
}

fn write_blocks(blocks: &[Block], html: &mut String) {
    for block in blocks {
        match block {
            Block::Para {
                style,
                centered,
                runs,
            } => {
                let tag = match style {
                    ParaStyle::Title => "h2",
                    ParaStyle::Heading(1) => "h3",
                    ParaStyle::Heading(2) => "h4",
                    ParaStyle::Heading(_) => "h5",
                    ParaStyle::Body => "p",
                };
                let class = if *centered { " class=\"giua\"" } else { "" };
                let _ = write!(html, "<{tag}{class}>");
                for run in runs {
                    let (open, close) = match (run.bold, run.italic) {
                        (true, true) => ("<strong><em>", "</em></strong>"),
                        (true, false) => ("<strong>", "</strong>"),
                        (false, true) => ("<em>", "</em>"),
                        (false, false) => ("", ""),
                    };
                    html.push_str(open);
                    escape_into(&run.text, html);
                    html.push_str(close);
                }
                let _ = writeln!(html, "</{tag}>");
            }
            Block::Table(rows) => {
                html.push_str("<div class=\"bang-cuon\"><table>\n");
                for row in rows {
                    html.push_str("<tr>");
                    for cell in row {
                        html.push_str("<td>");
                        write_blocks(cell, html);
                        html.push_str("</td>");
                    }
                    html.push_str("</tr>\n");
                }
                html.push_str("</table></div>\n");
            }
        }
    }
}

/// Escapes text for HTML element content and attribute values; new lines
/// inside a run become `<br>`.
fn escape_into(text: &str, html: &mut String) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            '\n' => html.push_str("<br>"),
            c if c.is_control() && c != '\t' => {}
            c => html.push(c),
        }
    }
}

/// An Excel workbook as HTML: a captioned table per sheet.
pub fn xlsx_html(bytes: &[u8], limits: &Limits) -> Result<String, Rejection> {
    use calamine::Reader as _;
    open_zip(Cursor::new(bytes), limits)?;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| Rejection::BadZip)?;
    let mut html = String::new();
    let mut allowance = Allowance::view();
    for name in book.sheet_names() {
        if allowance.spent() {
            break;
        }
        html.push_str("<div class=\"bang-cuon\"><table><caption>");
        escape_into(&name, &mut html);
        html.push_str("</caption>\n");
        sheet_rows(&mut book, &name, &mut allowance, |row| {
            html.push_str("<tr>");
            let mut next = 0u32;
            for (column, text) in row {
                // Empty cells between two used ones keep the columns
                // aligned, within reason.
                if *column > next && column - next <= MAX_GAP {
                    for _ in next..*column {
                        html.push_str("<td></td>");
                    }
                }
                html.push_str("<td>");
                escape_into(text, &mut html);
                html.push_str("</td>");
                next = column + 1;
            }
            html.push_str("</tr>\n");
        })?;
        html.push_str("</table></div>\n");
    }
    if allowance.spent() {
        html.push_str(
            "<p class=\"ghi-chu\">Bảng tính dài hơn phần hiển thị ở đây: chỉ hiện phần đầu.</p>\n",
        );
    }
    Ok(html)
}
