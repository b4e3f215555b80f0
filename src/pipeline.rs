//! The per-file pipeline: read → sniff → lower → judge → [`FileOutcome`].
//!
//! The loader reads a walked file (dismissing it when no frontend's sniff finds anything of
//! its language), each frontend whose sniff matched is offered the text until one lowers it,
//! and the deployment it lowered is judged. Nothing here knows an input language: that is
//! the frontends' business.
//!
//! Each file is analysed on its own worker; what comes out is located and self-contained
//! ([`FileOutcome`]), so the file's text is dropped as soon as the file is done.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::config::Config;
use crate::eval::{Allowance, Limits};
use crate::findings::parse_error;
use crate::findings::{Finding, ResourceEntry};
use crate::frontend::{
    self, Embedded, EmbeddedParameters, Env, LowerOptions, Lowered, ParseProblem, Sniff,
};
use crate::source::{Encoding, LoadError, Loaded, Loader, SourceFile, SourceMap, Span, decode};
use crate::walk::FileToRead;

/// What one file contributed to the report.
#[derive(Clone, Debug, Default)]
pub struct FileOutcome {
    /// Findings, located.
    pub findings: Vec<Finding>,
    /// Image-bearing resources.
    pub resources: Vec<ResourceEntry>,
    /// Whether the file was infrastructure-as-code (judged).
    pub judged: bool,
    /// Notes for stderr.
    pub notes: Vec<crate::note::Note>,
    /// What to keep of each finding.
    pub detail: Detail,
    /// How it links and is linked, when it does (most files do not: a run keeps every
    /// file's outcome until its report is made, so what few have is boxed).
    pub(crate) linking: Option<Box<Linking>>,
    /// What the exemptions matched while judging it, when they matched or met anything.
    pub(crate) exemptions: Option<Box<crate::suppress::Tally>>,
    /// What kind of source it is, as the frontend that read it says (`None`: nothing was
    /// lowered, and the frontend does not say).
    pub(crate) kind: Option<crate::model::SourceKind>,
    /// Whether it is judged in its callers' context where another scanned file links it (its
    /// own outcome is then dropped from the report). Its path is the walked file's: not
    /// kept here (a run keeps every outcome until its report is made).
    pub(crate) linkable: bool,
}

/// How a file links other files and may be linked ([`FileOutcome::linking`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Linking {
    /// The files it links (canonical): those are judged in this caller's context, so their
    /// own outcomes are dropped from the report.
    pub(crate) links: Vec<PathBuf>,
    /// The source file it was compiled from (canonical), when it says so and that file was
    /// walked: its findings are set aside when that file's cover them.
    pub(crate) compiled_from: Option<PathBuf>,
    /// The fixes of its findings when they were set aside, the file being a faithful build
    /// of a source judged instead: `--fix` makes them with the source's, so that the build
    /// stays faithful. Kept here, with what only a compiled build has (most outcomes
    /// have no fixes set aside, and every outcome waits for the whole run).
    pub(crate) set_aside_fixes: Vec<crate::findings::Fix>,
}

impl FileOutcome {
    /// Whether another scanned file may link it (its canonical path is the walked file's).
    pub fn linkable(&self) -> bool {
        self.linkable
    }

    /// The files it links (canonical).
    pub fn links(&self) -> &[PathBuf] {
        self.linking.as_ref().map_or(&[], |l| &l.links[..])
    }

    /// The source file it was compiled from (canonical), when it says so.
    pub fn compiled_from(&self) -> Option<&Path> {
        self.linking.as_ref()?.compiled_from.as_deref()
    }

    /// The fixes of its findings set aside (it is a faithful build of a source judged
    /// instead), taken out.
    pub(crate) fn take_set_aside_fixes(&mut self) -> Vec<crate::findings::Fix> {
        self.linking
            .as_mut()
            .map(|l| std::mem::take(&mut l.set_aside_fixes))
            .unwrap_or_default()
    }

    /// Adds `link` to the files it links, unless it is there.
    pub(crate) fn add_link(&mut self, link: PathBuf) {
        let linking = self.linking.get_or_insert_with(Default::default);
        if !linking.links.contains(&link) {
            linking.links.push(link);
        }
    }

    /// Adds what a judgement saw of the exemptions.
    pub(crate) fn absorb_exemptions(&mut self, tally: crate::suppress::Tally) {
        match &mut self.exemptions {
            Some(mine) => mine.absorb(tally),
            None if tally.is_empty() => {}
            None => self.exemptions = Some(Box::new(tally)),
        }
    }

    /// What the exemptions matched while judging it, taken.
    pub(crate) fn take_exemptions(&mut self) -> crate::suppress::Tally {
        self.exemptions.take().map(|t| *t).unwrap_or_default()
    }
}

pub use crate::findings::Detail;

/// What every file of a run shares.
#[derive(Debug)]
pub struct Run {
    /// The policy and deployment scope.
    pub config: Config,
    /// What to keep of each finding.
    pub detail: Detail,
    /// The scanned roots, canonical: files outside them are not read.
    pub roots: Vec<PathBuf>,
    /// The canonical paths of every file walked: a link to one of them needs no file-system
    /// lookup to be resolved.
    pub walked: crate::source::PathSet,
    /// The canonical working directory (display paths are relative to it).
    pub cwd: PathBuf,
    /// What decides exemptions.
    pub exempter: crate::suppress::Exempter,
    /// What the run reads: code (`check`) or exports of what is deployed (`audit`).
    pub purpose: Purpose,
    /// The budgets and size bounds each file is held to (each file gets an allowance of them).
    pub limits: Limits,
    /// Texts read instead of files' bytes (an editor's unsaved buffers), by canonical path.
    pub overlays: std::sync::Arc<crate::source::Overlays>,
    /// The relations between the run's files: the parameter files of each file, its contexts.
    pub graph: crate::project::ProjectGraph,
    /// The environment variables parameter files may read (`readEnvironmentVariable()`,
    /// azd's `${NAME}`), as the command was given them.
    pub environment: std::sync::Arc<std::collections::BTreeMap<String, String>>,
}

/// What a run reads, and so which frontends its files are offered to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Purpose {
    /// `imagegate check`: infrastructure as code (what a change deploys).
    #[default]
    Check,
    /// `imagegate audit`: exports of what is deployed (`az … list`, Resource Graph); nothing
    /// else is read, and a file that is no export is an IG000.
    Audit,
}

/// The frontends a file at `path` is offered to in a run for `purpose`.
fn frontends_for(
    purpose: Purpose,
    path: &std::path::Path,
) -> &'static [&'static dyn frontend::Frontend] {
    match purpose {
        Purpose::Check => frontend::for_file(path),
        Purpose::Audit => frontend::exports(),
    }
}

/// The largest file `run` reads (for `audit`, an estate's inventory export, which is larger
/// than any other input).
fn size_limit(run: &Run) -> u64 {
    match run.purpose {
        Purpose::Check => run.limits.max_file_bytes,
        Purpose::Audit => run.limits.max_export_bytes,
    }
}

/// The loader of `run`'s files: inside its roots, at most the largest file it reads, its
/// unsaved buffers laid over the files on disk.
pub(crate) fn loader_of(run: &Run) -> Loader<'_> {
    Loader::new(&run.roots, &run.cwd, &run.walked)
        .with_limit(size_limit(run))
        .with_overlays(&run.overlays)
}

/// Analyses one walked file.
pub fn analyze_file(walked: &FileToRead, run: &Run) -> FileOutcome {
    analyze_walked(walked, run, None, None)
}

/// Analyses one walked file as [`analyze_file`] does, with `parameter_files` as its
/// contexts instead of those the project graph relates to it.
pub(crate) fn analyze_file_with(
    walked: &FileToRead,
    run: &Run,
    parameter_files: Vec<frontend::ParameterFile>,
) -> FileOutcome {
    analyze_walked(walked, run, Some(parameter_files), None)
}

/// Analyses one walked file as [`analyze_file_with`] does, recording in `touched` the
/// canonical path of every file the judgement asked to read (its own, its parameter files,
/// the files it deploys and those it loads): what it depends on besides the run's
/// configuration.
pub(crate) fn analyze_file_recording(
    walked: &FileToRead,
    run: &Run,
    parameter_files: Vec<frontend::ParameterFile>,
    touched: &crate::source::Touched,
) -> FileOutcome {
    analyze_walked(walked, run, Some(parameter_files), Some(touched))
}

/// Analyses one walked file, with `parameter_files` as its contexts when given (else those
/// the project graph relates to it), recording the files it reads in `touched` when given.
fn analyze_walked(
    walked: &FileToRead,
    run: &Run,
    parameter_files: Option<Vec<frontend::ParameterFile>>,
    touched: Option<&crate::source::Touched>,
) -> FileOutcome {
    let mut out = FileOutcome {
        detail: run.detail,
        ..FileOutcome::default()
    };
    let frontends = frontends_for(run.purpose, &walked.path);
    let mut loader = loader_of(run);
    if let Some(touched) = touched {
        loader = loader.recording(touched);
    }
    let (read, first) = read_sniffed(walked, &loader, frontends);
    let file = match read {
        Ok(Some(file)) => file,
        Ok(None) => return out,
        Err(error) => {
            refused(walked, error, run, &mut out);
            return out;
        }
    };
    lower_and_judge(file, first, walked, run, &loader, parameter_files, &mut out);
    out
}

/// Reads the walked file `walked` through `loader` when one of `frontends` sniffs its bytes
/// as its own, and the first that does. Sniffed in frontend order until one matches: the
/// frontends before it found nothing.
fn read_sniffed(
    walked: &FileToRead,
    loader: &Loader<'_>,
    frontends: &[&dyn frontend::Frontend],
) -> (Result<Option<Loaded>, LoadError>, usize) {
    let mut first = frontends.len();
    let read = loader.read_walked(walked, |bytes| {
        first = frontends
            .iter()
            .position(|f| f.sniff(bytes) != Sniff::No)
            .unwrap_or(frontends.len());
        first < frontends.len()
    });
    (read, first)
}

/// Analyses one document read from `input` (standard input) as if it were the file
/// `walked`, which need not exist: bounded and decoded like a file on disk (at most the run's
/// [`Limits::max_file_bytes`]; a UTF-8 or UTF-16 byte-order mark), then sniffed, lowered and judged
/// the same way. The files it leads to (files beside it, linked documents) are read
/// from disk, beside `walked.path`.
pub fn analyze_input(walked: &FileToRead, input: &mut dyn Read, run: &Run) -> FileOutcome {
    let mut out = FileOutcome {
        detail: run.detail,
        ..FileOutcome::default()
    };
    let limit = size_limit(run);
    let mut bytes = Vec::new();
    if let Err(e) = input.take(limit.saturating_add(1)).read_to_end(&mut bytes) {
        refused(walked, LoadError::Unreadable(e), run, &mut out);
        return out;
    }
    if bytes.len() as u64 > limit {
        // The rest is counted, never kept; the head is all a sniff needs.
        let rest = std::io::copy(input, &mut std::io::sink()).unwrap_or(0);
        let size = bytes.len() as u64 + rest;
        bytes.truncate(64 * 1024);
        let error = LoadError::TooLarge { size, head: bytes };
        refused(walked, error, run, &mut out);
        return out;
    }
    let frontends = frontends_for(run.purpose, &walked.path);
    let sniff = |bytes: &[u8]| frontends.iter().position(|f| f.sniff(bytes) != Sniff::No);
    // The bytes of a UTF-16 text hide it: the decoded text is sniffed instead.
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let mut first = if utf16 { None } else { sniff(&bytes) };
    if !utf16 && first.is_none() {
        return out;
    }
    let (text, encoding) = match decode(bytes) {
        Ok(decoded) => decoded,
        Err(e) => {
            refused(walked, LoadError::Undecodable(e), run, &mut out);
            return out;
        }
    };
    if utf16 {
        first = sniff(text.as_bytes());
    }
    let Some(first) = first else {
        return out;
    };
    let file = Loaded {
        path: walked.path.clone(),
        canonical: walked.canonical.clone(),
        display: walked.display.clone(),
        text,
        encoding,
    };
    lower_and_judge(file, first, walked, run, &loader_of(run), None, &mut out);
    out
}

/// Offers `file`, read for `walked`, to the frontends from the `first` whose sniff matched
/// until one lowers it, and judges what it lowered (in the contexts of `parameter_files` when
/// given, else of those the project graph relates to it).
fn lower_and_judge(
    mut file: Loaded,
    first: usize,
    walked: &FileToRead,
    run: &Run,
    loader: &Loader<'_>,
    parameter_files: Option<Vec<frontend::ParameterFile>>,
    out: &mut FileOutcome,
) {
    let frontends = frontends_for(run.purpose, &walked.path);
    with_env(walked, run, loader, parameter_files, |env| {
        for (i, f) in frontends.iter().enumerate().skip(first) {
            if i > first && f.sniff(file.text.as_bytes()) == Sniff::No {
                continue;
            }
            match frontend::lower(*f, file, env) {
                Ok(lowered) => {
                    judge(lowered, walked, run, env, out);
                    out.kind = f.kind().or(out.kind);
                    return;
                }
                Err(declined) => file = declined,
            }
        }
    });
}

/// Calls `lower` with what lowering the walked file `walked` needs of `run`: its options (in
/// the contexts of `parameter_files` when given, else of those the project graph relates to
/// it), `loader`, and a fresh allowance.
fn with_env<T>(
    walked: &FileToRead,
    run: &Run,
    loader: &Loader<'_>,
    parameter_files: Option<Vec<frontend::ParameterFile>>,
    lower: impl FnOnce(&Env<'_>) -> T,
) -> T {
    let allowance = Rc::new(Allowance::new(&run.limits));
    let parameter_files =
        parameter_files.unwrap_or_else(|| run.graph.parameter_files(&walked.canonical));
    let mut options = lower_options(&run.config, parameter_files);
    options.environment = &run.environment;
    options.first_of_kind = run
        .graph
        .first_of_kind(&walked.canonical)
        .map(std::path::Path::to_path_buf);
    lower(&Env {
        options: &options,
        loader: *loader,
        allowance: &allowance,
    })
}

/// The canonical paths of the files the walked file's deployments may link to in its
/// contexts, told without judging it, through the linked files `follow` names
/// ([`frontend::Frontend::link_targets`]). `None` when only judging it can tell. A file no
/// frontend reads links nothing.
pub(crate) fn link_targets(
    walked: &FileToRead,
    run: &Run,
    follow: &dyn Fn(&std::path::Path) -> bool,
) -> Option<Vec<std::path::PathBuf>> {
    let frontends = frontends_for(run.purpose, &walked.path);
    let loader = loader_of(run);
    let (read, first) = read_sniffed(walked, &loader, frontends);
    // Unread (refused, or of no language), it is judged to link nothing.
    let Ok(Some(mut file)) = read else {
        return Some(Vec::new());
    };
    with_env(walked, run, &loader, None, |env| {
        for (i, f) in frontends.iter().enumerate().skip(first) {
            if i > first && f.sniff(file.text.as_bytes()) == Sniff::No {
                continue;
            }
            match f.link_targets(file, env, follow) {
                Ok(targets) => return targets,
                Err(declined) => file = declined,
            }
        }
        Some(Vec::new())
    })
}

/// What lowering needs of `config`, for a file whose parameter files are `parameter_files`:
/// the frontends are handed this, never the configuration.
fn lower_options(
    config: &Config,
    parameter_files: Vec<frontend::ParameterFile>,
) -> LowerOptions<'_> {
    let d = &config.deployment;
    LowerOptions {
        links: &config.links,
        parameter_files,
        scope: crate::eval::DeploymentScope {
            subscription_id: d.subscription_id.clone(),
            resource_group: d.resource_group.clone(),
            location: d.location.clone(),
            tenant_id: d.tenant_id.clone(),
            deployment_name: None,
            unknown: Vec::new(),
        },
        judge_no_op: config.judge_no_op,
        latent: config.latent != crate::config::LatentLevel::Off,
        keep: keep_paths(),
        environment: no_environment(),
        first_of_kind: None,
    }
}

/// No environment variables: what lowering reads until the run's are given.
fn no_environment() -> &'static std::collections::BTreeMap<String, String> {
    static NONE: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    &NONE
}

/// The paths the rules read of each catalogued type, computed once.
fn keep_paths() -> &'static frontend::KeepPaths {
    static KEEP: std::sync::OnceLock<frontend::KeepPaths> = std::sync::OnceLock::new();
    KEEP.get_or_init(|| {
        frontend::KeepPaths::of_catalog(
            crate::catalog::Catalog::builtin(),
            crate::rules::paths_needed,
        )
    })
}

/// What becomes of a walked file the loader refused: an IG000 when a frontend claims it
/// (too large to read, or not decodable) or when it could not be read at all.
fn refused(walked: &FileToRead, error: LoadError, run: &Run, out: &mut FileOutcome) {
    let frontends = frontends_for(run.purpose, &walked.path);
    match error {
        LoadError::TooLarge { size, head } => {
            // The head is all there is to go by: the strongest sniff names the file (the
            // first frontend on a tie: `max_by_key` keeps the last, so look from the end).
            let claimant = frontends
                .iter()
                .rev()
                .map(|f| (f.sniff(&head), f))
                .filter(|(s, _)| *s != Sniff::No)
                .max_by_key(|(s, _)| *s);
            if let Some((_, f)) = claimant {
                let message = format!(
                    "the file is {} MiB, larger than the {} MiB limit; it was not read",
                    size / (1024 * 1024),
                    size_limit(run) / (1024 * 1024)
                );
                unreadable(walked, String::new(), 0..0, *f, &message, out);
            }
        }
        LoadError::Undecodable(err) => {
            let (lossy, offset) = err.lossy();
            if let Some(f) = frontends.iter().find(|f| f.claims_undecodable(&lossy)) {
                let at = offset..frontend::char_end(&lossy, offset);
                unreadable(walked, lossy, at, *f, &err.message, out);
            }
        }
        // Nothing of it was seen, so nothing can clear it: an IG000, never a note.
        LoadError::Unreadable(e) => {
            let finding =
                crate::findings::unreadable_entry(&walked.path, &walked.display, false, &e);
            out.findings.push(finding);
        }
        e @ LoadError::OutsideRoots => {
            out.notes.push(crate::note::Note::new(
                crate::note::NoteKind::NotRead,
                walked.display.clone(),
                e.to_string(),
            ));
        }
    }
}

/// Turns what a frontend lowered from `walked` into findings, resources and notes.
fn judge(lowered: Lowered, walked: &FileToRead, run: &Run, env: &Env<'_>, out: &mut FileOutcome) {
    let Lowered {
        sources,
        deployment,
        problems,
        notes,
        linkable,
        links,
        embedded,
        compiled_from,
    } = lowered;
    out.judged = true;
    out.linkable = linkable;
    out.linking = (!links.is_empty() || compiled_from.is_some()).then(|| {
        Box::new(Linking {
            links,
            compiled_from,
            set_aside_fixes: Vec::new(),
        })
    });
    out.notes.extend(notes);
    for problem in problems {
        let finding = problem_finding(&sources, &problem, out.detail);
        out.findings.push(finding);
    }
    out.kind = deployment
        .as_ref()
        .map(|judged| judged.deployment.dialect.kind);
    if let Some(mut judged) = deployment {
        crate::variants::settle(&mut judged.deployment);
        let comments = std::mem::take(&mut judged.deployment.comments);
        let mut exemptions = run.exempter.judging(&sources, &comments);
        let judgement = crate::findings::judge_deployment(
            judged.deployment,
            &sources,
            judged.file,
            &run.config,
            out.detail,
            &mut exemptions,
        );
        out.findings.extend(judgement.findings);
        out.resources.extend(judgement.resources);
        out.notes.extend(judgement.notes);
        out.absorb_exemptions(exemptions.finish(&sources, out.detail));
    }
    for doc in &embedded {
        judge_embedded(doc, &sources, walked, run, env, out);
    }
}

/// Judges a document embedded in an attribute of the file (lowered by the first frontend
/// that reads it) and moves what is found in it to the attributes that hold it, in `host`.
fn judge_embedded(
    doc: &Embedded,
    host: &SourceMap,
    walked: &FileToRead,
    run: &Run,
    env: &Env<'_>,
    out: &mut FileOutcome,
) {
    let Some(lowered) = frontend::all()
        .iter()
        .find_map(|f| frontend::lower_embedded(*f, doc, env))
    else {
        return;
    };
    let mut inner = FileOutcome {
        detail: out.detail,
        ..FileOutcome::default()
    };
    judge(lowered, walked, run, env, &mut inner);
    let mut texts = vec![crate::findings::Embedding {
        display: &doc.document.display,
        host: doc.document.host,
        also: doc.document.also,
        what: &doc.document.what,
    }];
    if let EmbeddedParameters::Text(p) = &doc.parameters {
        texts.push(crate::findings::Embedding {
            display: &p.display,
            host: p.host,
            also: p.also,
            what: &p.what,
        });
    }
    let mut judgement = crate::findings::Judgement {
        findings: inner.findings,
        resources: inner.resources,
        notes: inner.notes,
    };
    crate::findings::relocate(&mut judgement, &texts, host, out.detail);
    out.findings.extend(judgement.findings);
    out.resources.extend(judgement.resources);
    out.notes.extend(judgement.notes);
    if let Some(tally) = inner.exemptions {
        out.absorb_exemptions(*tally);
    }
}

/// The IG000 of a file `claimant` claims but that could not be read into text (`text` is
/// what there is of it).
fn unreadable(
    walked: &FileToRead,
    text: String,
    at: std::ops::Range<u32>,
    claimant: &dyn frontend::Frontend,
    message: &str,
    out: &mut FileOutcome,
) {
    let path = walked.path.clone();
    let file = SourceFile::new(path, walked.display.clone(), text, Encoding::Utf8);
    out.judged = true;
    out.kind = claimant.kind();
    let headline = claimant.headline();
    out.findings
        .push(parse_error(&file, out.detail, at, headline, message));
}

/// The IG000 of `problem`, located in `sources`.
fn problem_finding(sources: &SourceMap, problem: &ParseProblem, detail: Detail) -> Finding {
    let Span { file, start, end } = problem.span;
    let f = sources.get(file);
    parse_error(f, detail, start..end, problem.headline, &problem.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MAX_FILE_BYTES;

    /// A run of the embedded config over the canonical folder `root`, with nothing walked.
    fn run_at(root: &std::path::Path) -> Run {
        Run {
            config: Config::embedded(),
            detail: Detail::default(),
            roots: vec![root.to_path_buf()],
            walked: Default::default(),
            cwd: root.to_path_buf(),
            exempter: Default::default(),
            purpose: Purpose::Check,
            limits: Limits::default(),
            overlays: Default::default(),
            graph: Default::default(),
            environment: Default::default(),
        }
    }

    #[test]
    fn where_links_lead_told_without_judging_covers_every_file_the_judgement_deploys() {
        // Every template of the test data a computed link may deploy, judged alone, deploys
        // the linked files its judgement reaches; told without judging it (following every
        // linked file), where its links lead must hold each of them: a named-file run judges
        // a file that computes links only when this says it may deploy what is named.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .canonicalize()
            .expect("testdata");
        let run = run_at(&root);
        let mut stack = vec![root.clone()];
        let (mut templates, mut linking, mut told) = (0, 0, 0);
        while let Some(folder) = stack.pop() {
            for entry in std::fs::read_dir(&folder).expect("read_dir").flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let walked = FileToRead {
                    display: path.display().to_string(),
                    canonical: path.clone(),
                    path: path.clone(),
                };
                // The files a computed link may deploy (the others are never asked).
                let bytes = std::fs::read(&path).expect("read");
                if !frontend::linkable(&path, &bytes) {
                    continue;
                }
                let outcome = analyze_file(&walked, &run);
                templates += 1;
                let deployed = outcome.links();
                linking += usize::from(!deployed.is_empty());
                let Some(targets) = link_targets(&walked, &run, &|_| true) else {
                    continue;
                };
                told += 1;
                for file in deployed {
                    assert!(
                        targets.contains(file),
                        "{}: deploys {}, not among {targets:?}",
                        walked.display,
                        file.display()
                    );
                }
            }
        }
        // Not vacuous: the test data's templates link files, and most are told.
        assert!(
            templates > 100 && linking >= 5,
            "{templates} templates, {linking} linking"
        );
        assert!(told * 10 > templates * 9, "{told} of {templates} told");
    }

    /// A deployment named `name` of the template the URI expression `uri` links, passing
    /// `p`, under `condition` and `copy` when given.
    fn linking(name: &str, uri: &str, condition: Option<&str>, copy: Option<u8>) -> String {
        let condition = condition.map_or(String::new(), |c| format!(r#""condition": "{c}","#));
        let copy = copy.map_or(String::new(), |n| {
            format!(r#""copy": {{"name": "loop{name}", "count": {n}}},"#)
        });
        let name = if copy.is_empty() {
            name.to_owned()
        } else {
            format!("[concat('{name}', copyIndex())]")
        };
        format!(
            r#"{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
            "name": "{name}", {condition} {copy}
            "properties": {{"mode": "Incremental", "templateLink": {{"uri": "{uri}"}},
            "parameters": {{"p": {{"value": "[parameters('p1')]"}}}}}}}}"#
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Templates built from what moves a computed link (a parameter at its default, in
        /// a parameter file or with allowed values nobody picked; a condition a deployer may
        /// flip; a copy loop's index; a template deployed inline, in its own scope or its
        /// caller's; linked templates that compute links in turn from what they are passed):
        /// where their links lead, told without judging them, holds every file their
        /// judgement deploys.
        #[test]
        fn where_computed_links_lead_covers_what_the_judgement_deploys(
            default in proptest::option::of(0usize..3),
            allowed in proptest::bool::ANY,
            flag in proptest::bool::ANY,
            uses in proptest::collection::vec((0usize..4, 0usize..4, proptest::option::of(1u8..4), 0usize..3), 1..4),
        ) {
            let dir = tempfile::tempdir().expect("temp dir");
            let root = dir.path().canonicalize().expect("canonical");
            let vm = r#"{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01", "name": "vm", "properties": {"storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}}}}"#;
            let template = |parameters: &str, variables: &str, resources: &[String]| {
                format!(
                    r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "parameters": {{{parameters}}}, "variables": {{{variables}}}, "resources": [{}]}}"#,
                    resources.join(",")
                )
            };
            let names = ["a", "b", "c"];
            std::fs::create_dir_all(root.join("nested")).expect("mkdir");
            std::fs::create_dir_all(root.join("leaf")).expect("mkdir");
            for leaf in ["x", "y", "a"] {
                std::fs::write(root.join(format!("leaf/{leaf}.json")), template("", "", &[vm.to_owned()])).expect("write");
            }
            // Each nested template deploys a VM and, by what it is passed, a leaf.
            for name in names {
                let onward = linking(
                    "leaf",
                    "[uri(deployment().properties.templateLink.uri, concat('../leaf/', parameters('p'), '.json'))]",
                    None,
                    None,
                )
                .replace("[parameters('p1')]", "[parameters('p')]");
                let parameters = r#""p": {"type": "string", "defaultValue": "x"}, "p1": {"type": "string", "defaultValue": "y"}"#;
                std::fs::write(
                    root.join(format!("nested/{name}.json")),
                    template(parameters, "", &[vm.to_owned(), onward]),
                )
                .expect("write");
            }
            let p1 = {
                let default = default.map_or(String::new(), |d| format!(r#", "defaultValue": "{}""#, names[d]));
                let allowed = if allowed { r#", "allowedValues": ["a", "b", "c"]"# } else { "" };
                format!(r#""p1": {{"type": "string"{default}{allowed}}}, "flag": {{"type": "bool", "defaultValue": {flag}}}"#)
            };
            let variables = r#""names": ["a", "b", "c"], "picked": "[concat('nested/', parameters('p1'))]""#;
            let uris = [
                "[uri(deployment().properties.templateLink.uri, concat('nested/', parameters('p1'), '.json'))]",
                "[uri(deployment().properties.templateLink.uri, concat('nested/', if(parameters('flag'), 'a', 'b'), '.json'))]",
                "[uri(deployment().properties.templateLink.uri, concat('nested/', variables('names')[copyIndex()], '.json'))]",
                "[uri(deployment().properties.templateLink.uri, concat(variables('picked'), '.json'))]",
            ];
            let conditions = [None, Some("[parameters('flag')]"), Some("[equals(parameters('p1'), 'b')]"), Some("[not(parameters('flag'))]")];
            let mut resources = Vec::new();
            for (i, &(uri, condition, copy, wrap)) in uses.iter().enumerate() {
                // The index of a loop is only known within one.
                let copy = if uri == 2 { copy.or(Some(2)) } else { copy };
                let deployment = linking(&format!("d{i}"), uris[uri], conditions[condition], copy);
                resources.push(match wrap {
                    0 => deployment,
                    // Inline, in the caller's scope or its own (passed `p1`).
                    scope => {
                        let inner = scope == 2;
                        let parameters = if inner { r#""p1": {"type": "string", "defaultValue": "c"}, "flag": {"type": "bool", "defaultValue": false}"# } else { "" };
                        let body = template(parameters, variables, &[deployment]);
                        let passed = if inner { r#", "parameters": {"p1": {"value": "[parameters('p1')]"}}"# } else { "" };
                        let evaluation = if inner { "inner" } else { "outer" };
                        format!(
                            r#"{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "w{i}",
                            "properties": {{"mode": "Incremental", "expressionEvaluationOptions": {{"scope": "{evaluation}"}}, "template": {body}{passed}}}}}"#
                        )
                    }
                });
            }
            let path = root.join("azuredeploy.json");
            std::fs::write(&path, template(&p1, variables, &resources)).expect("write");
            let walked = FileToRead { display: "azuredeploy.json".into(), canonical: path.clone(), path };
            let run = run_at(&root);
            let outcome = analyze_file(&walked, &run);
            // Every linked template declares a VM: the files of the resources judged are the
            // files the judgement deployed, latent ones included (`links` holds only those
            // deployed under the values given).
            let deployed: std::collections::BTreeSet<std::path::PathBuf> = outcome
                .resources
                .iter()
                .map(|r| root.join(&*r.path))
                .filter(|p| *p != walked.path)
                .collect();
            proptest::prop_assert!(outcome.links().iter().all(|l| deployed.contains(l)));
            if let Some(targets) = link_targets(&walked, &run, &|_| true) {
                for file in &deployed {
                    proptest::prop_assert!(targets.contains(file), "deploys {}, not among {targets:?}", file.display());
                }
            }
        }
    }

    /// The outcome of a file of `MAX_FILE_BYTES + 1` bytes that starts with `head`.
    fn too_large(head: &str) -> FileOutcome {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical");
        let path = root.join("huge.json");
        std::fs::write(&path, head).expect("write");
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).expect("sparse file");
        let run = run_at(&root);
        let walked = FileToRead {
            display: "huge.json".into(),
            canonical: path.clone(),
            path,
        };
        analyze_file(&walked, &run)
    }

    #[test]
    fn a_file_too_large_is_named_by_the_strongest_sniff_of_its_head() {
        let schema =
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
        let template = too_large(&format!("{{\"$schema\": \"{schema}\", "));
        assert_eq!(template.findings.len(), 1);
        assert!(template.findings[0].message.starts_with(
            "cannot parse ARM template: the file is 64 MiB, larger than the 64 MiB limit"
        ));
        // A plan that embeds a template is named a plan.
        let plan = too_large(&format!(
            "{{\"format_version\":\"1.2\",\"terraform_version\":\"1.9.5\",\"x\":\"{schema}\""
        ));
        assert_eq!(plan.findings.len(), 1);
        assert!(
            plan.findings[0]
                .message
                .starts_with("cannot parse Terraform plan JSON:"),
            "{}",
            plan.findings[0].message
        );
        let data = too_large("{\"data\": \"");
        assert!(data.findings.is_empty() && !data.judged);
    }

    /// What repeats across a file's findings and resource entries is held once: a finding's
    /// image is its resource entry's, and their paths are the file's own display path.
    #[test]
    fn a_finding_shares_its_image_and_path_with_its_resource_entry() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/arm/quickstart-marketplace-vm")
            .canonicalize()
            .expect("fixture");
        let path = root.join("azuredeploy.json");
        let run = run_at(&root);
        let walked = FileToRead {
            display: "azuredeploy.json".into(),
            canonical: path.clone(),
            path,
        };
        let outcome = analyze_file(&walked, &run);
        let finding = outcome
            .findings
            .iter()
            .find(|f| f.image.is_some())
            .expect("a finding about an image");
        let image = finding.image.as_ref().expect("image");
        let entry = outcome
            .resources
            .iter()
            .find(|r| r.images.iter().any(|i| std::sync::Arc::ptr_eq(i, image)))
            .expect("the entry holds the finding's image itself, not a copy");
        assert!(std::sync::Arc::ptr_eq(&entry.path, &finding.location.path));
    }

    /// The pipeline knows no input language: its code names none (languages live in the
    /// frontends).
    #[test]
    fn the_pipeline_names_no_language() {
        let source = include_str!("pipeline.rs");
        let code = source.split("#[cfg(test)]").next().unwrap_or(source);
        let words: Vec<String> = code
            .split(|c: char| !c.is_ascii_alphanumeric())
            .map(str::to_ascii_lowercase)
            .collect();
        for language in [
            "arm",
            "tfplan",
            "terraform",
            "bicep",
            "template",
            "templates",
            "plan",
            "plans",
        ] {
            assert!(
                !words.iter().any(|w| w == language),
                "pipeline.rs mentions `{language}`"
            );
        }
        assert!(code.contains("frontend::all()"), "it asks the frontends");
    }
}
