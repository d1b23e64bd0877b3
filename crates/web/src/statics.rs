//! Static assets, compiled into the binary so that one file runs the
//! product. Each is served under its content hash, so browsers keep it for
//! a year and still see a new version at once.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Name, content type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/app.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/htmx.min.js"),
    ),
    (
        "meet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/meet.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
    (
        "docview.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/docview.js"),
    ),
    // pdf.js 5.6.205 (npm `pdfjs-dist`, Apache-2.0; see static/pdfjs/).
    (
        "pdf.min.mjs",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/pdfjs/pdf.min.mjs"),
    ),
    (
        "pdf.worker.min.mjs",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/pdfjs/pdf.worker.min.mjs"),
    ),
    // livekit-client 2.23.0 (npm `livekit-client`, Apache-2.0; see
    // static/livekit/): the browser side of LiveKit mode, loaded by the
    // meeting page only when meetings run on a LiveKit server.
    (
        "livekit-client.umd.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/livekit/livekit-client.umd.js"),
    ),
];

fn hashes() -> &'static Vec<String> {
    static HASHES: OnceLock<Vec<String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, _, bytes)| hex::encode(&Sha256::digest(bytes)[..6]))
            .collect()
    })
}

/// The versioned address of an asset.
pub(crate) fn url(name: &str) -> String {
    match FILES.iter().position(|(n, _, _)| *n == name) {
        Some(i) => format!("/static/{}/{name}", hashes()[i]),
        None => format!("/static/0/{name}"),
    }
}

/// Browsers ask for `/favicon.ico` on their own; answer with the icon.
pub(crate) async fn favicon() -> Response {
    serve(Path((String::new(), "favicon.svg".to_owned()))).await
}

/// Serves `/static/{hash}/{name}`.
pub(crate) async fn serve(Path((hash, name)): Path<(String, String)>) -> Response {
    let Some(i) = FILES.iter().position(|(n, _, _)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (_, content_type, bytes) = FILES[i];
    let cache = if hashes()[i] == hash {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod asset_tests {
    use super::*;

    #[test]
    fn every_asset_the_pages_name_is_served_under_its_hash() {
        for name in [
            "app.css",
            "app.js",
            "htmx.min.js",
            "favicon.svg",
            "meet.js",
            "livekit-client.umd.js",
        ] {
            let url = url(name);
            assert!(!url.starts_with("/static/0/"), "{name} is not in FILES");
        }
    }
}
