//! imagegate: an offline static analyzer that flags Azure virtual machines, scale sets and
//! other resources booting from images outside the organisation's approved golden-image gallery.
//!
//! The pipeline flows one way: [`walk`] → [`analyze`] (load, classify, [`frontend`] into the
//! [`model`], [`extract`] images, [`judge`]) → [`report`] → [`report::emit`].

pub mod analyze;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod extract;
pub mod frontend;
pub mod image;
pub mod json;
pub mod judge;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod value;
pub mod walk;

use std::path::Path;

use rayon::prelude::*;

use crate::config::Config;
use crate::report::Report;
use crate::walk::{WalkError, WalkOptions};

/// Checks every file under the walk's roots against `config`.
pub fn check(
    options: &WalkOptions,
    config: &Config,
    cwd: &Path,
    detail: analyze::Detail,
) -> Result<Report, WalkError> {
    let (files, notes) = walk::walk(options, cwd)?;
    let outcomes: Vec<analyze::FileOutcome> = files
        .par_iter()
        .map(|f| analyze::analyze_file(&f.path, &f.display, config, detail))
        .collect();
    let mut report = Report {
        files_scanned: files.len(),
        notes,
        ..Report::default()
    };
    for outcome in outcomes {
        report.templates += usize::from(outcome.judged);
        report.findings.extend(outcome.findings);
        report.resources.extend(outcome.resources);
        report.notes.extend(outcome.notes);
    }
    report.finish();
    Ok(report)
}
