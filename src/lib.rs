//! imagegate: an offline static analyzer that flags Azure virtual machines, scale sets and
//! other resources booting from images outside the organisation's approved golden-image gallery.
//!
//! The pipeline flows one way: [`walk`] → [`pipeline`] (load, sniff, lower through a
//! frontend into the [`model`], [`extract`] images, [`judge`]) → [`report`] →
//! [`report::emit`]. A [`workspace::Workspace`] holds what every run shares (the config, the
//! working directory, the worker threads) and runs it; [`commands`] are the command line's
//! logic on top of it, so that `main.rs` only parses arguments and maps the outcome to an exit
//! code, and tests run every command in-process.

#![deny(missing_docs)]

pub mod baseline;
pub(crate) mod catalog;

pub mod cli;
pub mod commands;
pub mod config;
pub mod date;
pub(crate) mod eval;
pub(crate) mod extract;
pub mod findings;
pub(crate) mod frontend;
/// Parses and lowers one Bicep file: for `benches/bicep_parser.rs` only (#28).
#[doc(hidden)]
pub use frontend::bicep_parse_and_lower;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzz;
pub(crate) mod image;
pub mod init;
pub mod json;
pub(crate) mod judge;
pub mod kpi;
pub(crate) mod model;
pub mod note;
pub mod pipeline;
pub mod policy;
pub mod project;
pub mod report;
pub mod rules;
pub(crate) mod source;
pub mod suppress;
pub(crate) mod value;
pub(crate) mod variants;
pub mod walk;
pub mod workspace;
