//! imagegate: an offline static analyzer that flags Azure virtual machines, scale sets and
//! other resources booting from images outside the organisation's approved golden-image gallery.
//!
//! The pipeline flows one way: [`walk`] → [`analyze`] (load, classify, [`frontend`] into the
//! [`model`], [`extract`] images, [`judge`]) → [`report`] → [`report::emit`].

pub mod analyze;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod eval;
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

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::analyze::{Detail, Run, canonical};
use crate::config::Config;
use crate::report::Report;
use crate::walk::{FileToRead, WalkError, WalkOptions};

/// Checks every file under the walk's roots against `config`.
pub fn check(
    options: &WalkOptions,
    config: &Config,
    cwd: &Path,
    detail: Detail,
) -> Result<Report, WalkError> {
    let (files, notes) = walk::walk(options, cwd)?;
    let roots: Vec<PathBuf> = options
        .roots
        .iter()
        .map(|r| {
            let c = canonical(r);
            if c.is_file() {
                c.parent().map(Path::to_path_buf).unwrap_or(c)
            } else {
                c
            }
        })
        .collect();
    let run = Run {
        config: config.clone(),
        detail,
        roots,
        linked_targets: linked_targets(&files),
    };
    let outcomes: Vec<analyze::FileOutcome> = files
        .par_iter()
        .map(|f| analyze::analyze_file(&f.path, &f.display, &run))
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

/// The templates that scanned templates link with a literal `relativePath` (canonical paths).
/// Only files that mention `relativePath` are parsed for this.
fn linked_targets(files: &[FileToRead]) -> HashSet<PathBuf> {
    files
        .par_iter()
        .flat_map_iter(|f| {
            let targets: Vec<PathBuf> = match std::fs::read(&f.path) {
                Ok(bytes) if memchr::memmem::find(&bytes, b"relativePath").is_some() => {
                    match source::decode(bytes)
                        .ok()
                        .and_then(|(t, _)| json::parse(&t).ok())
                    {
                        Some(root) => frontend::arm::relative_paths(&root)
                            .into_iter()
                            .filter_map(|rel| {
                                let base = f.path.parent().unwrap_or(Path::new("."));
                                base.join(rel.replace('\\', "/")).canonicalize().ok()
                            })
                            .collect(),
                        None => Vec::new(),
                    }
                }
                _ => Vec::new(),
            };
            targets
        })
        .collect()
}
