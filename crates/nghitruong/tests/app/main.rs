//! End-to-end HTTP tests: the real application, seeded with the demo
//! province, served on a loopback port, driven by an HTTP client that keeps
//! cookies like a browser.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod audit;
mod auth;
mod documents;
mod durability;
mod exchange;
mod forms;
mod hardening;
mod helpers;
mod meetings;
mod nodes;
mod ops;
mod petitions;
mod routes;
mod search;
mod session_records;
mod sessions;
mod supervision;
