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
pub mod findings;
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
use crate::walk::{WalkError, WalkOptions};

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
    };
    let mut outcomes: Vec<analyze::FileOutcome> = files
        .par_iter()
        .map(|f| analyze::analyze_file(&f.path, &f.display, &run))
        .collect();
    drop_linked_templates(&mut outcomes);
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

/// Templates that another scanned template links with `relativePath` were judged in their
/// callers' context; their own (parameterless) outcomes are dropped. A template that links its
/// own caller back (a cycle) keeps its outcome.
fn drop_linked_templates(outcomes: &mut [analyze::FileOutcome]) {
    let mut linked_by: std::collections::HashMap<&Path, Vec<&Path>> = Default::default();
    for o in outcomes.iter() {
        if let Some(me) = &o.template {
            for target in &o.links {
                if target != me {
                    linked_by
                        .entry(target.as_path())
                        .or_default()
                        .push(me.as_path());
                }
            }
        }
    }
    let drop: HashSet<PathBuf> = outcomes
        .iter()
        .filter_map(|o| {
            let me = o.template.as_deref()?;
            let callers = linked_by.get(me)?;
            let called_back = callers
                .iter()
                .all(|c| o.links.iter().any(|l| l.as_path() == *c));
            (!called_back).then(|| me.to_path_buf())
        })
        .collect();
    for o in outcomes.iter_mut() {
        if o.template.as_ref().is_some_and(|t| drop.contains(t)) {
            o.findings.clear();
            o.resources.clear();
            o.notes.clear();
        }
    }
}
