//! Exchange with the national document axis (Trục liên thông văn bản quốc
//! gia, VDXP/NDXP) and with provincial integration platforms (LGSP).
//!
//! - [`client`]: the [`Exchange`] trait and [`VxpClient`], the client of
//!   the axis API with its signed request headers ([`sign`]).
//! - [`local`]: a faithful local axis service for tests and the demo.
//! - [`compose`]: the packages the product sends.
//! - [`service`]: the outbox, the inbox poller, statuses and the agency
//!   directory, run as background tasks inside the server.
//!
//! The reference is `shared/docs/reference/edxml.md` (§8 the API, §6 the
//! status codes).

#![warn(missing_docs)]

pub mod api;
pub mod client;
pub mod compose;
pub mod lgsp;
pub mod local;
pub mod service;
pub mod sign;

pub use api::{MessageType, QueueStatus};
pub use client::{Exchange, ExchangeError, VxpClient, VxpConfig};
pub use lgsp::{LgspClient, LgspConfig};
pub use local::{LocalAxis, LocalAxisConfig, SystemAccount};
pub use service::{Backoff, Compose, ExchangeService, SendError};
