//! Online meetings (Họp trực tuyến) for Nghị trường.
//!
//! - [`Sfu`]: a WebRTC selective forwarding unit (bộ chuyển tiếp) on
//!   [str0m](https://docs.rs/str0m): one UDP socket for every participant,
//!   one `Rtc` per peer, ICE with the server's own (or a configured public)
//!   address, DTLS-SRTP as WebRTC requires. Media runs in its own thread,
//!   driven over channels ([`ToSfu`] in, [`FromSfu`] out per peer).
//! - Per-subscriber layer choice: simulcast layers (`h`/`l`) when the
//!   publisher sends them, or pausing a participant's video.
//! - Active speaker from RFC 6464 audio levels ([`speaker`]).
//! - LiveKit access tokens for the external engine ([`livekit`]).
//! - Synthetic participants ([`synthetic`]) and a client of Janus's
//!   VideoRoom ([`janus`]) for the load benchmark `meet-bench`.

pub mod janus;
pub mod livekit;
mod sfu;
pub mod speaker;
pub mod synthetic;

pub use sfu::{FromSfu, Layer, PeerId, Sfu, SfuConfig, SfuError, SfuStats, ToSfu};
