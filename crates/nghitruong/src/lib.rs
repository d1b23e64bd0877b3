//! The Nghị trường binary's library half: settings, the demo province and
//! the command line, so that integration tests drive the same code the
//! binary runs.

pub mod axis_cmd;
pub mod cli;
pub mod demo;
pub mod demo_documents;
pub mod demo_petitions;
pub mod demo_supervision;
pub mod edxml_cmd;
pub mod inspect_cmd;
pub mod petitions_cmd;
pub mod search_cmd;
pub mod settings;
