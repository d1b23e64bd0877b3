//! The verdict of an upload check made in a child process, as the child
//! writes it and the server reads it back.
//!
//! A file's parsers run on hostile input: a 16 KB PDF can ask lopdf for
//! gigabytes, a 5 MB one for minutes of CPU. The server therefore checks
//! each upload in a child process of its own binary, with limits on its
//! memory and CPU set by the kernel, and reads this verdict from the
//! child's output: the first line `ok <format> <pages>` followed by the
//! file's text, or `refused` followed by the message for the sender.
//! Written by hand: two lines of text need no serialisation format.

use std::str::FromStr;

use nghitruong_domain::document::FileFormat;

use crate::{FileInspection, Inspected};

/// Writes the verdict on a file for the server to read.
pub fn write_verdict(
    verdict: &Result<Inspected, FileInspection>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    match verdict {
        Ok(i) => {
            writeln!(out, "ok {} {}", i.format.as_str(), i.pages)?;
            out.write_all(i.text.as_bytes())
        }
        Err(FileInspection::Refused(r)) => {
            writeln!(out, "refused")?;
            write!(out, "{r}")
        }
        Err(FileInspection::Io(e)) => Err(std::io::Error::new(e.kind(), e.to_string())),
    }
}

/// The verdict a child wrote: the file's inspection, or the message it was
/// refused with. `None` if the output is not a verdict (the child died).
pub fn read_verdict(output: &[u8]) -> Option<Result<Inspected, String>> {
    let output = std::str::from_utf8(output).ok()?;
    let (first, rest) = output.split_once('\n')?;
    let mut words = first.split(' ');
    match (words.next()?, words.next(), words.next(), words.next()) {
        ("ok", Some(format), Some(pages), None) => Some(Ok(Inspected {
            format: FileFormat::from_str(format).ok()?,
            text: rest.to_owned(),
            pages: pages.parse().ok()?,
        })),
        ("refused", None, None, None) => Some(Err(rest.to_owned())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rejection;

    #[test]
    fn a_verdict_reads_back_as_it_was_written() {
        let accepted = Inspected {
            format: FileFormat::Pdf,
            text: "Tờ trình\nsố 12/TTr-UBND\n".into(),
            pages: 3,
        };
        let mut out = Vec::new();
        write_verdict(&Ok(accepted.clone()), &mut out).unwrap_or_else(|e| panic!("{e}"));
        let back = read_verdict(&out).and_then(Result::ok);
        assert_eq!(
            back.map(|i| (i.format, i.text, i.pages)),
            Some((accepted.format, accepted.text, accepted.pages))
        );
        let mut out = Vec::new();
        write_verdict(&Err(Rejection::EncryptedPdf.into()), &mut out)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read_verdict(&out).and_then(Result::err),
            Some(Rejection::EncryptedPdf.to_string())
        );
    }

    #[test]
    fn anything_else_is_no_verdict() {
        for output in [
            &b""[..],
            b"ok pdf 3",
            b"ok pdf x\ntext",
            b"ok exe 1\ntext",
            b"ok pdf 1 2\ntext",
            b"refused now\nmessage",
            b"maybe\n",
            b"\xff\xfe\n",
        ] {
            assert!(read_verdict(output).is_none(), "{output:?}");
        }
    }
}
