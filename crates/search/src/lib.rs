//! Tra cứu — full-text search over what Nghị trường stores: session
//! documents, petitions, answers, resolutions, tasks, sessions, agenda items
//! and questions, in one tantivy index with a Vietnamese analyzer.
//!
//! A query typed with or without diacritics finds the same records; the
//! marks typed, and syllables found side by side, only raise the rank (see
//! [`analyzer`] and [`SearchIndex::search`]). Who may see a record is part
//! of the record ([`Audience`]) and who asks is part of every search
//! ([`Scope`]): the index never returns, counts or facets a record outside
//! the asker's scope.
//!
//! Areas describe their records as [`Record`]s; the binary gathers them from
//! the store for a rebuild and after each change (see the `nghitruong`
//! crate's `search` module).

#![warn(missing_docs)]

pub mod analyzer;
mod home;
mod index;
mod record;

pub use home::IndexHome;
pub use index::{
    Dimension, FacetValue, Hit, MAX_PAGE, Result, SearchError, SearchIndex, SearchQuery,
    SearchResults, escape, highlight,
};
pub use record::{Audience, Kind, Record, Scope};

#[cfg(test)]
mod tests;
