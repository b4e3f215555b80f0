//! The workspace: what every run over a repository shares, and the runs themselves.
//!
//! A [`Workspace`] owns the configuration in effect, the working directory that paths are
//! shown from, the [`Limits`] each file is held to, the worker threads and the unsaved
//! buffers laid over files ([`Workspace::set_overlay`]); [`Workspace::check`], [`Workspace::audit`] and
//! [`Workspace::check_buffer`] run the pipeline on it and return the [`Report`]. Every entry
//! point stands on it: the commands of the command line ([`crate::commands`]), the tests
//! (in-process, without spawning the binary) and, next, the language server, which keeps one
//! workspace alive and judges unsaved buffers with [`Workspace::check_buffer`].
//!
//! Nothing here reads standard input, the environment or the clock: what a run depends on is
//! given to it (the config's `today`, the buffer's reader, the environment variables parameter
//! files read), so that two runs on the same inputs give the same report.

mod remembered;
mod run;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
pub use crate::eval::Limits;
use crate::pipeline::Detail;
use crate::report::Report;
use crate::source::Overlays;
use crate::walk::{WalkError, WalkOptions};

/// Each worker's stack: the evaluator's own stack budget (1 MiB) assumes 2 MiB; deep Bicep
/// and JSON nesting is refused long before 8 MiB.
const WORKER_STACK: usize = 8 * 1024 * 1024;

/// The configuration, working directory, limits, worker threads and unsaved buffers runs
/// share.
#[derive(Debug)]
pub struct Workspace {
    /// The policy, mode, rules and exemptions of every run (its `today` included).
    config: Config,
    /// The directory paths are shown relative to (absolute, or as the process sees it).
    cwd: PathBuf,
    /// The budgets and size bounds each file of a run is held to.
    limits: Limits,
    /// The worker threads of every run.
    pool: rayon::ThreadPool,
    /// Unsaved buffers laid over files on disk, by canonical path: every run reads them
    /// instead of the files (walked, or reached as parameter files, linked templates,
    /// modules).
    overlays: Arc<Overlays>,
    /// The environment variables parameter files read (`readEnvironmentVariable()` in a
    /// `.bicepparam`, azd's `${NAME}` in a JSON parameter file), as given
    /// ([`Workspace::with_environment`]); none by default.
    environment: Arc<BTreeMap<String, String>>,
    /// What the project graph read of each file, kept between runs when the workspace is
    /// long-lived ([`Workspace::remembering`]); `None`: read anew every run.
    memo: Option<Arc<crate::project::Memo>>,
    /// Each file's judgement and the files it read, kept between runs when the workspace is
    /// long-lived ([`Workspace::remembering`]): reused while none of those files changed.
    outcomes: Option<Arc<remembered::Outcomes>>,
}

/// Why a workspace cannot be made.
#[derive(Debug)]
pub enum WorkspaceError {
    /// The worker threads cannot start.
    Threads(rayon::ThreadPoolBuildError),
}

impl std::fmt::Display for WorkspaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkspaceError::Threads(e) => write!(f, "cannot start the worker threads: {e}"),
        }
    }
}

impl std::error::Error for WorkspaceError {}

impl Workspace {
    /// A workspace judging with `config`, showing paths relative to `cwd`, on `threads`
    /// worker threads (0: one per core).
    pub fn new(config: Config, cwd: PathBuf, threads: usize) -> Result<Workspace, WorkspaceError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(WORKER_STACK)
            .thread_name(|i| format!("imagegate-{i}"))
            .build()
            .map_err(WorkspaceError::Threads)?;
        Ok(Workspace {
            config,
            cwd,
            limits: Limits::default(),
            pool,
            overlays: Arc::default(),
            environment: Arc::default(),
            memo: None,
            outcomes: None,
        })
    }

    /// This workspace, keeping for the next run what its runs' project graphs read of each
    /// file and each file's judgement with the files it read: for a long-lived process (the
    /// language server), whose runs after the first then read only the files laid over by
    /// unsaved buffers, and judge again only what reads a buffer that changed. Files changed
    /// on disk are read again only after [`Workspace::forget`].
    pub fn remembering(self) -> Workspace {
        Workspace {
            memo: Some(Arc::default()),
            outcomes: Some(Arc::default()),
            ..self
        }
    }

    /// Forgets what earlier runs read of the files and how they judged them (files changed
    /// on disk).
    pub fn forget(&self) {
        if let Some(memo) = &self.memo {
            memo.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
        if let Some(outcomes) = &self.outcomes {
            outcomes.clear();
        }
    }

    /// This workspace, with `environment` as the environment variables its runs' parameter
    /// files read: a `.bicepparam`'s `readEnvironmentVariable('NAME', default)` is the
    /// variable's value here, as `bicep build-params` reads it on the machine that runs it
    /// (the default only when it is unset), and azd's `${NAME}` in a JSON parameter file
    /// likewise. The library reads no environment itself: the command gives it the process's.
    pub fn with_environment(self, environment: BTreeMap<String, String>) -> Workspace {
        Workspace {
            environment: Arc::new(environment),
            ..self
        }
    }

    /// This workspace, holding each file of its runs to `limits` instead: the evaluation
    /// budgets, and the largest file and JSON document read. The command line keeps the
    /// defaults; tests lower them to reach a budget with small inputs.
    pub fn with_limits(self, limits: Limits) -> Workspace {
        Workspace { limits, ..self }
    }

    /// The limits each file of a run is held to.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// What every file of a run is read by: the limits and the unsaved buffers.
    fn reading(&self) -> run::Reading<'_> {
        run::Reading {
            limits: &self.limits,
            overlays: &self.overlays,
            environment: &self.environment,
            memo: self.memo.as_deref(),
            outcomes: self.outcomes.as_deref(),
            cancel: None,
        }
    }

    /// Lays `text` over the file at `path` (relative to the working directory): from now on
    /// runs read `text` instead of the file's bytes (an editor's unsaved buffer). The file
    /// must exist (its canonical path names it); a run still reads nothing outside its roots
    /// and nothing larger than a file may be.
    pub fn set_overlay(&mut self, path: &Path, text: String) -> std::io::Result<()> {
        let canonical = self.cwd.join(path).canonicalize()?;
        Arc::make_mut(&mut self.overlays).insert(canonical, text);
        Ok(())
    }

    /// Removes the text laid over the file at `path`, if any: runs read the file again.
    pub fn remove_overlay(&mut self, path: &Path) {
        let joined = self.cwd.join(path);
        let canonical = joined.canonicalize().unwrap_or(joined);
        Arc::make_mut(&mut self.overlays).remove(&canonical);
    }

    /// The configuration in effect.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The directory paths are shown relative to.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// Checks every file under the walk's roots (infrastructure as code).
    ///
    /// Files named as roots (what pre-commit and editors pass) are judged in their project's
    /// context, and the report keeps exactly what a full run reports that touches them: the project
    /// (the folder of the config in effect when it holds the file, else the top of the file's git
    /// repository, else the file's own folder) is walked, its graph built, and the files that reach
    /// a named one judged (`ProjectGraph::reaching`: a parameter file with its template, a linked
    /// template through its callers, a data file through what loads it); the report holds the
    /// findings located in a named file, about a resource declared there, with a related location
    /// there or judged with its values, and the resources declared there or judged with them.
    pub fn check(&self, options: &WalkOptions, detail: Detail) -> Result<Report, WalkError> {
        self.pool
            .install(|| run::check(options, &self.config, &self.cwd, detail, self.reading()))
    }

    /// Checks as [`Workspace::check`] does, unless `cancel` is set before the run ends: then
    /// it stops at the next file (the files being judged finish) and gives no report
    /// (`Ok(None)`). What an editor's server calls, setting `cancel` when the user types again
    /// so that a run over stale buffers does not delay the next one.
    pub fn check_unless(
        &self,
        options: &WalkOptions,
        detail: Detail,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<Option<Report>, WalkError> {
        let reading = run::Reading {
            cancel: Some(cancel),
            ..self.reading()
        };
        let report = self
            .pool
            .install(|| run::check(options, &self.config, &self.cwd, detail, reading))?;
        Ok((!cancel.load(std::sync::atomic::Ordering::Relaxed)).then_some(report))
    }

    /// Audits the inventory exports under the walk's roots (files named, and the `.json` and
    /// `.csv` files of folders): every deployed resource they list is judged as `check`
    /// judges a declared one (every rule, exemptions, severities), named by its resource ID
    /// and located at its entry in the export. Only exports are read (a file of another kind
    /// is an IG000 naming the shapes read), and a named file is judged alone, not in a
    /// project.
    pub fn audit(&self, options: &WalkOptions, detail: Detail) -> Result<Report, WalkError> {
        self.pool
            .install(|| run::audit(options, &self.config, &self.cwd, detail, self.reading()))
    }

    /// Checks one document read from `input` (standard input, an editor's buffer) as if it
    /// were the file `name` (which need not exist): the document replaces that file for one
    /// run over it as a named file (see [`Workspace::check`]), so it is judged in its
    /// project's context — with the template it gives values to, through the callers that
    /// link it, with the parameter files beside it — and the report keeps what touches it.
    /// Without a name, the document is shown as `-` and lies in the working directory. A
    /// document that cannot be read as text is an IG000, like a file.
    pub fn check_buffer(
        &self,
        input: &mut dyn Read,
        name: Option<&Path>,
        detail: Detail,
    ) -> Report {
        // The document is read on the calling thread; the run over it on the workers.
        let reading = self.reading();
        run::check_input(
            input,
            name,
            &self.config,
            &self.cwd,
            detail,
            reading,
            &self.pool,
        )
    }
}
