//! Reading a Word document's body (`word/document.xml`) into a small tree
//! of paragraphs, runs and tables: the one reading both the search text and
//! the HTML view are made from.

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use unicode_normalization::UnicodeNormalization as _;

/// A run of text with its emphasis.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) text: String,
    pub(crate) bold: bool,
    pub(crate) italic: bool,
}

/// A paragraph's role, from its style.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum ParaStyle {
    #[default]
    Body,
    Title,
    Heading(u8),
}

/// One block of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    Para {
        style: ParaStyle,
        centered: bool,
        runs: Vec<Run>,
    },
    /// Rows of cells; each cell holds its paragraphs.
    Table(Vec<Vec<Vec<Block>>>),
}

/// A cell: its paragraphs (and nested tables).
type Cell = Vec<Block>;

/// A table being read: its rows so far, the row being read, the cell
/// being read.
type OpenTable = (Vec<Vec<Cell>>, Vec<Cell>, Cell);

/// Deepest nesting of tables accepted (a table in a cell in a table…).
const MAX_TABLE_DEPTH: usize = 8;
/// Most blocks read from one document.
const MAX_BLOCKS: usize = 100_000;

#[derive(Default)]
struct Para {
    style: ParaStyle,
    centered: bool,
    runs: Vec<Run>,
    run: Option<Run>,
}

/// Parses a `word/document.xml`.
pub(crate) fn docx_blocks(xml: &[u8]) -> anyhow::Result<Vec<Block>> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    // Each open table: its rows, the current row, the current cell.
    let mut tables: Vec<OpenTable> = Vec::new();
    let mut body: Vec<Block> = Vec::new();
    let mut para: Option<Para> = None;
    let mut in_text = false;
    let mut count = 0usize;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf)?;
        match event {
            Event::Eof => break,
            Event::DocType(_) => anyhow::bail!("doctype in a word document"),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let local = e.local_name();
                let name: &str = local.as_ref();
                match name {
                    "p" if !empty => para = Some(Para::default()),
                    "p" => push(&mut tables, &mut body, empty_para()),
                    "r" if !empty => {
                        if let Some(p) = para.as_mut() {
                            p.run = Some(Run::default());
                        }
                    }
                    "t" if !empty => in_text = true,
                    "tab" => add_text(&mut para, "\t"),
                    "br" | "cr" => add_text(&mut para, "\n"),
                    "b" => set_flag(&mut para, e, |r| &mut r.bold),
                    "i" => set_flag(&mut para, e, |r| &mut r.italic),
                    "pStyle" => {
                        if let (Some(p), Some(v)) = (para.as_mut(), attr(e, "val")) {
                            p.style = style_of(&v);
                        }
                    }
                    "jc" => {
                        if let (Some(p), Some(v)) = (para.as_mut(), attr(e, "val")) {
                            p.centered = v == "center";
                        }
                    }
                    "tbl" if !empty => {
                        if tables.len() >= MAX_TABLE_DEPTH {
                            anyhow::bail!("tables nested too deep");
                        }
                        tables.push((Vec::new(), Vec::new(), Vec::new()));
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => match AsRef::<str>::as_ref(&e.local_name()) {
                "t" => in_text = false,
                "r" => {
                    if let Some(p) = para.as_mut()
                        && let Some(run) = p.run.take()
                        && !run.text.is_empty()
                    {
                        p.runs.push(run);
                    }
                }
                "p" => {
                    if let Some(p) = para.take() {
                        count += 1;
                        if count > MAX_BLOCKS {
                            anyhow::bail!("too many paragraphs");
                        }
                        push(
                            &mut tables,
                            &mut body,
                            Block::Para {
                                style: p.style,
                                centered: p.centered,
                                runs: p.runs,
                            },
                        );
                    }
                }
                "tc" => {
                    if let Some((_, row, cell)) = tables.last_mut() {
                        row.push(std::mem::take(cell));
                    }
                }
                "tr" => {
                    if let Some((rows, row, _)) = tables.last_mut() {
                        rows.push(std::mem::take(row));
                    }
                }
                "tbl" => {
                    if let Some((rows, _, _)) = tables.pop() {
                        push(&mut tables, &mut body, Block::Table(rows));
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => add_text(&mut para, &t.xml10_content()),
            Event::CData(t) if in_text => add_text(&mut para, &t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()?.map(String::from)
                } else {
                    let name = r.xml10_content();
                    quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned)
                };
                if let Some(s) = resolved {
                    add_text(&mut para, &s);
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(body)
}

fn empty_para() -> Block {
    Block::Para {
        style: ParaStyle::Body,
        centered: false,
        runs: Vec::new(),
    }
}

fn push(tables: &mut [OpenTable], body: &mut Vec<Block>, block: Block) {
    match tables.last_mut() {
        Some((_, _, cell)) => cell.push(block),
        None => body.push(block),
    }
}

fn add_text(para: &mut Option<Para>, text: &str) {
    if let Some(p) = para.as_mut() {
        match p.run.as_mut() {
            Some(run) => run.text.push_str(text),
            None => p.runs.push(Run {
                text: text.to_owned(),
                ..Run::default()
            }),
        }
    }
}

/// `<w:b/>` turns bold on; `<w:b w:val="0"/>` (or "false") turns it off.
fn set_flag(para: &mut Option<Para>, e: &BytesStart<'_>, field: fn(&mut Run) -> &mut bool) {
    if let Some(run) = para.as_mut().and_then(|p| p.run.as_mut()) {
        let on = !matches!(attr(e, "val").as_deref(), Some("0" | "false" | "off"));
        *field(run) = on;
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| AsRef::<str>::as_ref(&a.key.local_name()) == name)
        .map(|a| a.value.into_owned())
}

fn style_of(id: &str) -> ParaStyle {
    let lower = id.to_ascii_lowercase();
    if lower == "title" {
        return ParaStyle::Title;
    }
    match lower.strip_prefix("heading") {
        Some(n) => ParaStyle::Heading(n.parse::<u8>().unwrap_or(1).clamp(1, 4)),
        None => ParaStyle::Body,
    }
}

/// The plain text of a Word document, a line per paragraph.
pub(crate) fn docx_text(xml: &[u8]) -> anyhow::Result<String> {
    let blocks = docx_blocks(xml)?;
    let mut out = String::new();
    write_text(&blocks, &mut out);
    Ok(tidy(&out))
}

fn write_text(blocks: &[Block], out: &mut String) {
    for block in blocks {
        match block {
            Block::Para { runs, .. } => {
                for r in runs {
                    out.push_str(&r.text);
                }
                out.push('\n');
            }
            Block::Table(rows) => {
                for row in rows {
                    for cell in row {
                        write_text(cell, out);
                    }
                }
            }
        }
    }
}

/// NFC-normalised text with runs of blank lines folded, so search sees one
/// spelling of each Vietnamese letter.
pub(crate) fn tidy(text: &str) -> String {
    let nfc: String = text.nfc().collect();
    let mut out = String::with_capacity(nfc.len());
    let mut blank = 0;
    for line in nfc.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}
