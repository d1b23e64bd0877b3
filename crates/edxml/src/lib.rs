//! edXML packages of QCVN 102:2016 — the format of the national document
//! exchange axis (Trục liên thông văn bản quốc gia, VDXP/NDXP) and of the
//! provincial integration platforms (LGSP) that expose the same API.
//!
//! - [`read`] / [`read_with`] / [`read_from`] turn bytes into a
//!   [`Package`], tolerant of the namespace and order variants senders use
//!   and strict about hostile input (DOCTYPE, entities, size, depth).
//! - [`to_string`] / [`to_bytes`] write the canonical (VNPT) form, which
//!   reads back to the same package.
//! - [`validate()`] checks a package and returns [`Finding`]s.
//! - [`OrganId`] checks organisation codes (mã định danh), strictly or
//!   leniently.
//!
//! Every failure carries a stable short code: `EDX0nn` for
//! [`ReadError`]s, `EDX1nn` for findings ([`Rule`]).
//!
//! The crate does no I/O of its own beyond [`read_from`]'s reader, no
//! database, no HTTP; the exchange client and the outbox build on it. The
//! research behind it, with the evidence for each rule, is
//! `shared/docs/reference/edxml.md`.
//!
//! ```
//! let xml = r#"<edXML><edXMLEnvelope><edXMLHeader><MessageHeader>
//!   <From><OrganId>000.00.00.H41</OrganId><OrganName>UBND tỉnh Nghệ An</OrganName></From>
//!   <ResponseFor><OrganId>000.00.00.G22</OrganId><Code>7816/VPCP-TTĐT</Code>
//!     <PromulgationDate>2015/09/30</PromulgationDate></ResponseFor>
//!   <StatusCode>03</StatusCode><Timestamp>2015/09/20 11:08:36</Timestamp>
//! </MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"#;
//!
//! let package = nghitruong_edxml::read(xml.as_bytes())?;
//! let findings = nghitruong_edxml::validate(&package, &Default::default());
//! assert!(nghitruong_edxml::is_valid(&findings));
//! assert_eq!(nghitruong_edxml::read(nghitruong_edxml::to_string(&package).as_bytes())?, package);
//! # Ok::<(), nghitruong_edxml::ReadError>(())
//! ```

#![warn(missing_docs)]

mod codes;
pub mod dates;
mod error;
mod model;
pub mod organ_id;
pub mod path;
mod read;
pub mod validate;
mod write;
mod xml;

pub use codes::{BusinessDocType, Priority, StatusCode};
pub use error::ReadError;
pub use model::{
    Attachment, Business, BusinessDocumentInfo, Code, DocumentPackage, DocumentType,
    ManifestReference, MessageHeader, Organization, OtherInfo, Package, PromulgationInfo, Receiver,
    ReplacementInfo, ResponseFor, Signature, SignedReference, SignerInfo, StaffInfo, StatusHeader,
    StatusPackage, TraceHeader, TraceHeaderList,
};
pub use organ_id::{OrganId, OrganIdError, Strictness};
pub use read::{Parsed, ReadOptions, SourceMap, read, read_from, read_with};
pub use validate::{Finding, OrganIdPolicy, Rule, Severity, ValidateOptions, is_valid, validate};
pub use write::{NAMESPACE, to_bytes, to_string};
