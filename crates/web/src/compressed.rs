//! Responses compressed once and sent many times.
//!
//! The router compresses responses above [`COMPRESS_ABOVE`] bytes as they
//! go out, once per request. A fragment that every screen of the hall
//! fetches at the same moment (the hall screen's live part after a vote)
//! would then be compressed 2,000 times; [`Precompressed`] holds it
//! compressed once, and each request only picks the form its client
//! accepts.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::io::Write as _;

/// Responses at or below this size go out uncompressed. One TCP segment
/// carries them either way, and compressing them costs more CPU than the
/// whole request otherwise does (measured on the hall fragment: 33 µs a
/// request plain, 87 µs with brotli, 67 µs with gzip).
pub(crate) const COMPRESS_ABOVE: u64 = 1400;

/// Brotli quality for text compressed once: a little above the level the
/// router uses per request (4), still quick for a fragment of a few kB.
const QUALITY: u32 = 6;

/// Brotli window (2^18 = 256 kB): fragments are far smaller.
const WINDOW_BITS: u32 = 18;

/// An HTML fragment and, when worth it, its brotli form.
#[derive(Debug)]
pub(crate) struct Precompressed {
    /// Shared by every response, not copied into each.
    html: Bytes,
    brotli: Option<Bytes>,
}

impl Precompressed {
    /// Compresses `html` if it is larger than [`COMPRESS_ABOVE`].
    pub(crate) fn new(html: String) -> Self {
        let large = u64::try_from(html.len()).is_ok_and(|n| n > COMPRESS_ABOVE);
        let brotli = large.then(|| Bytes::from(brotli(html.as_bytes())));
        Self {
            html: Bytes::from(html),
            brotli,
        }
    }

    /// The fragment as text.
    pub(crate) fn html(&self) -> &str {
        std::str::from_utf8(&self.html).unwrap_or_default()
    }

    /// The response for a request with `headers`: brotli if the client
    /// accepts it, otherwise the text (which the router may still gzip).
    pub(crate) fn respond(&self, headers: &HeaderMap) -> Response {
        let html = HeaderValue::from_static("text/html; charset=utf-8");
        match &self.brotli {
            Some(body) if accepts(headers, "br") => (
                [
                    (header::CONTENT_TYPE, html),
                    (header::CONTENT_ENCODING, HeaderValue::from_static("br")),
                    (header::VARY, HeaderValue::from_static("accept-encoding")),
                ],
                body.clone(),
            )
                .into_response(),
            _ => ([(header::CONTENT_TYPE, html)], self.html.clone()).into_response(),
        }
    }
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, QUALITY, WINDOW_BITS);
        // Writing into a Vec cannot fail.
        let _ = writer.write_all(bytes);
    }
    out
}

/// Does `Accept-Encoding` allow `coding` (`br;q=0` refuses it)?
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;
    use std::io::Read as _;

    fn asking(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    async fn body(r: Response) -> Vec<u8> {
        r.into_body().collect().await.unwrap().to_bytes().to_vec()
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts(&asking("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&asking("BR;q=0.5"), "br"));
        assert!(!accepts(&asking("gzip, br;q=0"), "br"));
        assert!(!accepts(&asking("gzip, brotli"), "br"));
        assert!(!accepts(&HeaderMap::new(), "br"));
    }

    #[tokio::test]
    async fn a_large_fragment_goes_out_in_brotli_to_those_who_accept_it() {
        let html = "<p>Tán thành: 450 — Không tán thành: 50</p>\n".repeat(100);
        let f = Precompressed::new(html.clone());
        let r = f.respond(&asking("gzip, deflate, br, zstd"));
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(r.headers()[header::VARY], "accept-encoding");
        let sent = body(r).await;
        assert!(sent.len() < html.len() / 10, "{} bytes", sent.len());
        let mut back = String::new();
        brotli::Decompressor::new(sent.as_slice(), 4096)
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, html);

        let plain = f.respond(&asking("gzip"));
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body(plain).await, html.as_bytes());
    }

    #[tokio::test]
    async fn a_small_fragment_is_never_compressed() {
        let f = Precompressed::new("<p>Có mặt 84/84</p>".to_owned());
        let r = f.respond(&asking("br"));
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body(r).await, "<p>Có mặt 84/84</p>".as_bytes());
        assert_eq!(f.html(), "<p>Có mặt 84/84</p>");
    }
}
