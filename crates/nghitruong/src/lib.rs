//! The Nghị trường binary's library half: settings, the demo province and
//! the command line, so that integration tests drive the same code the
//! binary runs.

pub mod cli;
pub mod demo;
pub mod demo_documents;
pub mod edxml_cmd;
pub mod settings;
