//! The domain of Nghị trường: the organisation of a province's councils,
//! their rules, who may do what, and the audit chain.
//!
//! Nothing here performs I/O. Time comes in through [`clock::Clock`] and
//! randomness is passed in by callers, so every rule can be tested with
//! fixed inputs. The store and web crates depend on this one; it depends on
//! neither.
//!
//! # Glossary
//!
//! | Vietnamese | Here |
//! |---|---|
//! | Hội đồng nhân dân (HĐND) | [`org::Council`] |
//! | khóa (nhiệm kỳ) | [`org::Term`] |
//! | Thường trực HĐND, Ban, Tổ đại biểu | [`org::BodyKind`] |
//! | Đoàn đại biểu Quốc hội (Đoàn ĐBQH) | [`org::BodyKind::NaDelegation`] |
//! | đơn vị hành chính | [`org::AdminUnit`] |
//! | đại biểu | [`org::Person`] with a [`org::Position`] |
//! | quy chế, biểu quyết | [`rules::CouncilRules`], [`rules::MajorityRule`] |
//! | vai trò, quyền | [`access::Role`], [`access::Permission`] |
//! | nhật ký kiểm toán | [`audit`] |

#![warn(missing_docs)]

pub mod access;
pub mod attendance;
pub mod audit;
pub mod calendar;
pub mod classify;
pub mod clock;
pub mod codes;
pub mod consultation;
pub mod dedup;
pub mod document;
pub mod machine;
pub mod meeting;
pub mod org;
pub mod petition;
pub mod questioning;
pub mod resolution;
pub mod rules;
pub mod session;
pub mod speaking;
pub mod supervision;
pub mod text;
pub mod throttle;
pub mod vntext;
pub mod vote;
