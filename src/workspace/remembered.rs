//! What a long-lived workspace keeps of each file's judgement between runs.
//!
//! A language server judges the open documents again on every edit, and a run over a named
//! ARM template also judges every template whose computed link may deploy it (139 of them in
//! the Azure quickstarts). Most of those judgements read nothing that changed: a judgement is
//! a function of the files it reads, the contexts it is judged in and the run's
//! configuration. So each is kept with the canonical paths of the files it asked the loader
//! for ([`crate::source::Touched`]) and the unsaved buffer each had then, and is reused while
//! every one of those files holds the same buffer (or still none) and the file is judged in
//! the same contexts, under the same roots. Files on disk do not change under a remembering
//! workspace unless it is told ([`crate::workspace::Workspace::forget`] clears what is kept),
//! and its configuration never does (a new one makes a new workspace).

use std::path::PathBuf;
use std::sync::Mutex;

use foldhash::HashMap;

use crate::frontend::ParameterFile;
use crate::pipeline::{Detail, FileOutcome, Run};
use crate::source::{Overlays, Touched};
use crate::walk::FileToRead;

/// The judgements kept, by the canonical path of the file judged.
#[derive(Debug, Default)]
pub(crate) struct Outcomes(Mutex<HashMap<PathBuf, Remembered>>);

/// One file's judgement and what it depended on.
#[derive(Debug)]
struct Remembered {
    /// The run's roots (what may be read, and how links resolve).
    roots: Vec<PathBuf>,
    /// What was kept of each finding.
    detail: Detail,
    /// The parameter files it was judged with.
    contexts: Vec<ParameterFile>,
    /// Every file it asked to read, with the unsaved buffer laid over it then (`None`: the
    /// file's bytes on disk).
    touched: Vec<(PathBuf, Option<String>)>,
    /// What it found, before the run combined it with the other files' outcomes.
    outcome: FileOutcome,
}

impl Remembered {
    /// Whether this judgement holds for `file` judged in `run` with `contexts`: the same
    /// roots, detail and contexts, and every file it read laid over as it was then.
    fn holds(&self, run: &Run, contexts: &[ParameterFile]) -> bool {
        self.roots == run.roots
            && self.detail == run.detail
            && self.contexts == contexts
            && self
                .touched
                .iter()
                .all(|(path, text)| run.overlays.get(path) == text.as_ref())
    }
}

impl Outcomes {
    /// The judgement of `file` in `run` with `contexts` as parameter files: the one kept when
    /// it still holds, else what `judge` gives (recording the files it reads in the
    /// [`Touched`] it is handed), kept for the next run.
    pub(crate) fn judge(
        &self,
        file: &FileToRead,
        run: &Run,
        contexts: Vec<ParameterFile>,
        judge: impl FnOnce(Vec<ParameterFile>, &Touched) -> FileOutcome,
    ) -> FileOutcome {
        let kept = self
            .lock()
            .get(&file.canonical)
            .and_then(|r| r.holds(run, &contexts).then(|| r.outcome.clone()));
        if let Some(outcome) = kept {
            return outcome;
        }
        let touched = Touched::default();
        let outcome = judge(contexts.clone(), &touched);
        let mut touched = touched.into_inner().unwrap_or_else(|e| e.into_inner());
        touched.sort();
        touched.dedup();
        let remembered = Remembered {
            roots: run.roots.clone(),
            detail: run.detail,
            contexts,
            touched: with_buffers(touched, &run.overlays),
            outcome: outcome.clone(),
        };
        self.lock().insert(file.canonical.clone(), remembered);
        outcome
    }

    /// Forgets every judgement (files changed on disk).
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// The judgements, however a panicking run left them (each entry is whole).
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Remembered>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Each of `paths` with the unsaved buffer `overlays` lays over it, if any.
fn with_buffers(paths: Vec<PathBuf>, overlays: &Overlays) -> Vec<(PathBuf, Option<String>)> {
    paths
        .into_iter()
        .map(|p| {
            let text = overlays.get(&p).cloned();
            (p, text)
        })
        .collect()
}
