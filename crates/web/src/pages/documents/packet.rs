//! The session packet (one zip of what the reader may take away, with the
//! agenda as its index), file streaming, and the offline service worker.

use std::io::{self, Read as _, Write};

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use nghitruong_docs::{PacketEntry, write_packet};
use nghitruong_domain::document::DocumentStatus;
use nghitruong_domain::session::session_title;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{blobs, reader_of, session_here};
use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, AppResult};
use crate::pages::local_date;

/// Size of the pieces a file or packet is sent in.
const CHUNK: usize = 64 * 1024;

type Piece = Result<Bytes, io::Error>;

/// A file read on a blocking thread and sent in pieces; at most a few
/// pieces wait in memory, however large the file.
pub(super) fn file_stream(mut file: std::fs::File) -> ReceiverStream<Piece> {
    let (tx, rx) = mpsc::channel::<Piece>(4);
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        break; // the client went away
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

/// A `Write` that hands what is written to the response in pieces.
struct ChannelWriter {
    tx: mpsc::Sender<Piece>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(piece))
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        let _ = self.send();
    }
}

/// A document line of the packet's index.
struct IndexDoc {
    title: String,
    kind: &'static str,
    file: Option<String>,
}

#[derive(Template)]
#[template(path = "packet_index.html")]
struct PacketIndex {
    title: String,
    dates: String,
    place: String,
    items: Vec<(String, Vec<IndexDoc>)>,
}

/// The zip of the session's published documents the viewer may take away.
/// Confidential ones are listed in the index, to be read on the system.
pub(crate) async fn download(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    let reader = reader_of(&state, &viewer);
    let docs = state.store.session_documents(s.id, &reader).await?;
    let agenda = state.store.agenda(s.id).await?;

    let mut entries = Vec::new();
    let mut listed: Vec<(Option<i64>, IndexDoc)> = Vec::new();
    for d in &docs {
        let Some(published) = d.published_version else {
            continue;
        };
        if d.status == DocumentStatus::Withdrawn {
            continue;
        }
        let file = if d.classification.is_confidential() {
            None
        } else {
            let sha = if d.version.version == published {
                d.version.sha256.clone()
            } else {
                // The office sees the newest version; the packet carries
                // the one deputies were given.
                state
                    .store
                    .versions(d.id)
                    .await?
                    .into_iter()
                    .find(|v| v.version == published)
                    .map(|v| v.sha256)
                    .ok_or(AppError::NotFound)?
            };
            let name = format!(
                "{:02}-{}.{}",
                entries.len() + 1,
                d.title,
                d.version.format.extension()
            );
            entries.push(PacketEntry {
                name: name.clone(),
                sha256: sha,
            });
            Some(name)
        };
        listed.push((
            d.agenda_item_id,
            IndexDoc {
                title: d.title.clone(),
                kind: d.kind.label(),
                file,
            },
        ));
    }
    let mut items = Vec::new();
    let general: Vec<IndexDoc> = take_where(&mut listed, None);
    if !general.is_empty() {
        items.push(("Tài liệu chung".to_owned(), general));
    }
    for a in &agenda {
        items.push((
            format!("{}. {}", a.position, a.title),
            take_where(&mut listed, Some(a.id)),
        ));
    }
    let dates = if s.starts_on == s.ends_on {
        local_date(s.starts_on)
    } else {
        format!("{} – {}", local_date(s.starts_on), local_date(s.ends_on))
    };
    let index = PacketIndex {
        title: session_title(s.number),
        dates,
        place: s.place.clone(),
        items,
    }
    .render()?;

    let blobs = blobs(&state)?;
    let (tx, rx) = mpsc::channel::<Piece>(8);
    tokio::task::spawn_blocking(move || {
        let out = ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        };
        if let Err(e) = write_packet(out, &blobs, &index, &entries)
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            tracing::error!(error = %e, "session packet failed");
        }
    });
    let mut res = Body::from_stream(ReceiverStream::new(rx)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    let name = format!("ky-hop-thu-{}-tai-lieu.zip", s.number);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

fn take_where(listed: &mut Vec<(Option<i64>, IndexDoc)>, item: Option<i64>) -> Vec<IndexDoc> {
    let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(listed)
        .into_iter()
        .partition(|(i, _)| *i == item);
    *listed = kept;
    taken.into_iter().map(|(_, d)| d).collect()
}

/// The offline service worker, served from the root so that it may look
/// after the session and document pages.
pub(crate) async fn service_worker() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        include_bytes!("../../../static/sw.js").as_slice(),
    )
        .into_response()
}
