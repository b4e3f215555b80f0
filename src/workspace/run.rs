//! One run over the roots: walk, analyse every file in parallel (the pipeline), drop linked
//! templates' own outcomes, set aside compiled templates their source covers, and build the
//! report. Files named as roots are judged in their project and the report keeps what lies
//! in them; a buffer (standard input, an editor's unsaved text) is judged as the file it
//! names.

use crate::{findings, frontend, pipeline, project, report, rules, source, suppress, walk};
use foldhash::HashSet;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Limits;
use crate::source::Overlays;

use rayon::prelude::*;

use crate::config::{self, Config};
use crate::pipeline::{Detail, FileOutcome, Purpose, Run};
use crate::report::Report;
use crate::walk::{WalkError, WalkOptions, canonical};

/// What every file of a run is read by, besides the configuration: the limits it is held to,
/// the unsaved buffers laid over files and the environment parameter files read.
#[derive(Clone, Copy)]
pub(crate) struct Reading<'w> {
    /// The budgets and size bounds each file is held to.
    pub(crate) limits: &'w Limits,
    /// Texts read instead of files' bytes, by canonical path.
    pub(crate) overlays: &'w Arc<Overlays>,
    /// The environment variables parameter files may read.
    pub(crate) environment: &'w Arc<BTreeMap<String, String>>,
    /// What earlier runs' project graphs read of each file, when the workspace keeps it.
    pub(crate) memo: Option<&'w crate::project::Memo>,
    /// What earlier runs judged of each file and the files each judgement read, when the
    /// workspace keeps it.
    pub(crate) outcomes: Option<&'w super::remembered::Outcomes>,
    /// Set when the run's report is no longer wanted: files not yet judged are skipped.
    pub(crate) cancel: Option<&'w std::sync::atomic::AtomicBool>,
}

/// Checks every file under the walk's roots against `config`.
///
/// Files named as roots (what pre-commit and editors pass) are judged in their project's
/// context, and the report keeps exactly what a full run reports that touches them: the project
/// (the folder of the config in effect when it holds the file, else the top of the file's git
/// repository, else the file's own folder) is walked, its graph built, and the files that reach
/// a named one judged (`ProjectGraph::reaching`: a parameter file with its template, a linked
/// template through its callers, a data file through what loads it); the report holds the
/// findings located in a named file, about a resource declared there, with a related location
/// there or judged with its values, and the resources declared there or judged with them.
pub(crate) fn check(
    options: &WalkOptions,
    config: &Config,
    cwd: &Path,
    detail: Detail,
    reading: Reading<'_>,
) -> Result<Report, WalkError> {
    let (named, folders): (Vec<PathBuf>, Vec<PathBuf>) = options
        .roots
        .iter()
        .map(|r| canonical(r))
        .partition(|r| std::fs::metadata(r).is_ok_and(|m| m.is_file()));
    if named.is_empty() {
        return check_roots(options, config, cwd, detail, None, Purpose::Check, reading);
    }
    let mut expanded = options.clone();
    for file in &named {
        let project = project_of(file, config, cwd);
        if !expanded.roots.contains(&project) {
            expanded.roots.push(project);
        }
    }
    let scope = Scope {
        files: named.into_iter().collect(),
        folders,
        buffer: None,
    };
    check_roots(
        &expanded,
        config,
        cwd,
        detail,
        Some(&scope),
        Purpose::Check,
        reading,
    )
}

/// Audits the inventory exports under the walk's roots (files named, and the `.json` and
/// `.csv` files of folders) against `config`: every deployed resource they list is judged as
/// `check` judges a declared one (every rule, exemptions, severities), named by its resource
/// ID and located at its entry in the export. Only exports are read (a file of another kind
/// is an IG000 naming the shapes read), and a named file is judged alone, not in a project.
pub(crate) fn audit(
    options: &WalkOptions,
    config: &Config,
    cwd: &Path,
    detail: Detail,
    reading: Reading<'_>,
) -> Result<Report, WalkError> {
    check_roots(options, config, cwd, detail, None, Purpose::Audit, reading)
}

/// What a run over named roots reports on: the named files, and the named folders' files
/// (canonical paths).
struct Scope {
    files: HashSet<PathBuf>,
    folders: Vec<PathBuf>,
    /// A document judged as a named file that the walk may not find (standard input judged
    /// as a file that need not exist): added to the walked files unless the walk found it.
    buffer: Option<walk::FileToRead>,
}

impl Scope {
    fn holds(&self, file: &Path) -> bool {
        self.files.contains(file) || self.folders.iter().any(|f| file.starts_with(f))
    }
}

/// The project of the named file `file` (canonical): the folder of the config in effect when
/// it holds the file, else the top of its git repository, else its own folder; below `cwd`,
/// as `cwd` joined with the rest (so the walk shows its files relative to `cwd`).
fn project_of(file: &Path, config: &Config, cwd: &Path) -> PathBuf {
    let folder = file.parent().unwrap_or(file);
    let config_folder = config
        .path
        .as_deref()
        .map(canonical)
        .and_then(|c| c.parent().map(Path::to_path_buf))
        .filter(|c| folder.starts_with(c));
    let project = config_folder
        .or_else(|| {
            folder
                .ancestors()
                .find(|a| a.join(".git").exists())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| folder.to_path_buf());
    // Below the working directory, it is walked from there: its files are shown relative
    // to it, and read wherever the process runs (a workspace's directory need not be the
    // process's).
    match project.strip_prefix(canonical(cwd)) {
        Ok(below) => cwd.join(below),
        Err(_) => project,
    }
}

/// Checks every file under the walk's roots; with a `scope`, keeps only what lies in it.
fn check_roots(
    options: &WalkOptions,
    config: &Config,
    cwd: &Path,
    detail: Detail,
    scope: Option<&Scope>,
    purpose: Purpose,
    reading: Reading<'_>,
) -> Result<Report, WalkError> {
    let extensions = match purpose {
        Purpose::Check => frontend::extensions(),
        Purpose::Audit => frontend::export_extensions(),
    };
    let noticed: Vec<&'static str> = match purpose {
        Purpose::Check => frontend::unread().iter().map(|u| u.extension).collect(),
        Purpose::Audit => Vec::new(),
    };
    let walk::Walked {
        mut files,
        configs,
        unreadable,
        notes,
        noticed,
    } = walk::walk(options, cwd, &extensions, &noticed, &config::CONFIG_NAMES)?;
    let unread: Vec<report::UnreadFiles> = noticed
        .iter()
        .filter_map(|(extension, count)| {
            let kind = frontend::unread()
                .iter()
                .find(|u| u.extension == *extension)?;
            Some(report::UnreadFiles {
                what: kind.what,
                extension: kind.extension,
                count: *count,
                hint: kind.hint,
                read_with: kind.read_with,
                beside: kind.beside,
            })
        })
        .collect();
    if let Some(buffer) = scope.and_then(|s| s.buffer.as_ref())
        && !files.iter().any(|f| f.canonical == buffer.canonical)
    {
        let at = files.partition_point(|f| f < buffer);
        files.insert(at, buffer.clone());
    }
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
    let cwd_canonical = canonical(cwd);
    // Which files are named: those in the scope (files named, and those of folders named).
    let named: Vec<PathBuf> = scope
        .map(|scope| {
            files
                .iter()
                .filter(|f| scope.holds(&f.canonical))
                .map(|f| f.canonical.clone())
                .collect()
        })
        .unwrap_or_default();
    // The walked files, held once from here on: the set finds them, the graph numbers them.
    let walked = source::PathSet::of_files(files);
    let loader = source::Loader::new(&roots, &cwd_canonical, &walked)
        .with_limit(reading.limits.max_file_bytes)
        .with_overlays(reading.overlays);
    let graph = {
        let discovery = match (purpose, scope) {
            (Purpose::Check, Some(_)) => project::Discovery::All,
            (Purpose::Check, None) => project::Discovery::Contexts,
            // Exports relate to nothing.
            (Purpose::Audit, _) => project::Discovery::None,
        };
        project::ProjectGraph::build(
            &walked,
            discovery,
            loader,
            &config.links,
            &config.parameter_files,
            reading.memo,
        )
    };
    // A run over named files judges the files that reach them; a whole run, every file. The
    // config in effect reaches every file (its exemptions, rules and policy apply to all).
    let config_named = config
        .path
        .as_deref()
        .is_some_and(|c| scope.is_some_and(|s| s.holds(&canonical(c))));
    let run = Run {
        config: config.clone(),
        detail,
        roots,
        walked,
        cwd: cwd_canonical,
        exempter: suppress::Exempter::new(config, &canonical(cwd), config.today),
        purpose,
        overlays: Arc::clone(reading.overlays),
        limits: reading.limits.clone(),
        graph,
        environment: Arc::clone(reading.environment),
    };
    // The files judged, by their place in the walk.
    let mut judged: Vec<usize> = (0..run.graph.files().len()).collect();
    if scope.is_some() && !config_named {
        let loader = pipeline::loader_of(&run);
        // The decoded text (a UTF-16 template's bytes hide its marker).
        let linkable = |path: &Path, canonical: &Path| {
            loader
                .read(path, canonical, String::new())
                .is_ok_and(|loaded| frontend::linkable(path, loaded.text.as_bytes()))
        };
        let reaching = run.graph.reaching(&named, &linkable, &|file, follow| {
            pipeline::link_targets(file, &run, follow)
        });
        // By their bytes: canonical paths have one spelling, and a path's own hash walks its
        // components (for every file walked).
        let reaching: HashSet<&[u8]> = reaching
            .iter()
            .map(|p| p.as_os_str().as_encoded_bytes())
            .collect();
        let walked = run.graph.files();
        judged.retain(|&i| reaching.contains(walked[i].canonical.as_os_str().as_encoded_bytes()));
    }
    let files: Vec<&walk::FileToRead> = judged.iter().map(|&i| &run.graph.files()[i]).collect();
    // A Bicep file is judged in the contexts of the templates compiled from it too: those its
    // name says may be are foreseen, so that it is judged once in the common case (checked
    // against what the templates say once read: judged again where the guess was wrong).
    let foreseen = twin_contexts(&files, &run, |j| {
        run.graph.compiled_twins(&files[j].canonical)
    });
    let mut outcomes: Vec<FileOutcome> = files
        .par_iter()
        .enumerate()
        .map(|(j, f)| {
            if reading
                .cancel
                .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
            {
                return FileOutcome::default();
            }
            let contexts = match foreseen.get(&j) {
                Some(twins) if !twins.keep => twins.contexts.clone(),
                _ => run.graph.parameter_files(&f.canonical),
            };
            let mut outcome = match reading.outcomes {
                Some(kept) => kept.judge(f, &run, contexts, |contexts, touched| {
                    pipeline::analyze_file_recording(f, &run, contexts, touched)
                }),
                None => pipeline::analyze_file_with(f, &run, contexts),
            };
            // Where each resource is placed serves only to compare a compiled template with
            // its source: an outcome that is neither drops it now (outcomes wait for the whole
            // run, and the placement of every resource of a large run adds up).
            if outcome.compiled_from().is_none() && !frontend::may_be_compiled_from(&f.canonical) {
                for entry in &mut outcome.resources {
                    entry.placement = None;
                }
            }
            // Outcomes wait for the whole run: keep no spare capacity (most files have one or
            // two findings in vectors grown to four; a finding's related places, pushed one
            // by one, have room for four where most have one or two; a merged message is
            // grown by what it covers).
            outcome.findings.shrink_to_fit();
            for finding in &mut outcome.findings {
                finding.related.shrink_to_fit();
                finding.message.shrink_to_fit();
            }
            outcome.resources.shrink_to_fit();
            outcome
        })
        .collect();
    // A compiled template is compared with its Bicep source as judged on its own (in the
    // same contexts: the source is judged with its compiled twins' parameter files too),
    // before the source's own outcome stands aside for its callers': whether the source is
    // linked by another file does not decide what its compiled twin reports.
    judge_sources_in_their_twins_contexts(&mut outcomes, &files, &run, &foreseen);
    set_aside_compiled_templates(&mut outcomes, &files);
    drop_linked_templates(&mut outcomes, &files);
    // Where each resource is placed served only to compare compiled templates with their
    // sources: no report shows it, and every entry would keep it until the report is written.
    for outcome in &mut outcomes {
        for entry in &mut outcome.resources {
            entry.placement = None;
        }
    }
    // Sized once: growing by doubling would hold two copies of every finding at the peak.
    let findings = outcomes.iter().map(|o| o.findings.len()).sum();
    let resources = outcomes.iter().map(|o| o.resources.len()).sum();
    // How the files in scope are shown: as the walk shows them, and (named files) as files
    // reached through links are shown (from the canonical working directory).
    let in_scope: Vec<bool> = files
        .iter()
        .map(|f| scope.is_none_or(|scope| scope.holds(&f.canonical)))
        .collect();
    let shown: Option<HashSet<String>> = scope.map(|scope| {
        let run_cwd = canonical(cwd);
        files
            .iter()
            .filter(|f| scope.holds(&f.canonical))
            .map(|f| f.display.clone())
            .chain(scope.files.iter().map(|n| walk::display_path(n, &run_cwd)))
            .collect()
    });
    let kinds: Vec<Option<report::SourceKind>> =
        files.iter().zip(&outcomes).map(|(_, o)| o.kind).collect();
    let mut report = Report {
        files_scanned: in_scope.iter().filter(|&&kept| kept).count(),
        notes,
        unread,
        findings: Vec::with_capacity(findings),
        resources: Vec::with_capacity(resources),
        ..Report::default()
    };
    drop(files);
    let mut exemptions = suppress::Tally::default();
    for ((mut outcome, kept), kind) in outcomes.into_iter().zip(in_scope).zip(kinds) {
        exemptions.absorb(outcome.take_exemptions());
        // The files read only for their project's context are not counted, but for a template
        // judged with a named parameter file.
        let with_named = |shown: &HashSet<String>| {
            outcome
                .resources
                .iter()
                .any(|r| r.parameter_file.as_ref().is_some_and(|p| shown.contains(p)))
        };
        let counted = kept || shown.as_ref().is_some_and(with_named);
        report.templates += usize::from(outcome.judged && counted);
        if let Some(kind) = kind.filter(|_| outcome.judged && counted) {
            *report.kinds.entry(kind).or_default() += 1;
        }
        report
            .set_aside_fixes
            .extend(outcome.take_set_aside_fixes());
        report.findings.extend(outcome.findings);
        report.resources.extend(outcome.resources);
        report.notes.extend(outcome.notes);
    }
    // A folder the walk could not list holds files nobody judged: the run cannot pass.
    report.findings.extend(
        unreadable
            .iter()
            .map(|u| findings::unreadable_entry(&u.path, &u.display, u.folder, &u.error)),
    );
    report.config = config_in_effect(config, cwd);
    report.exempted_by_comments = exemptions.take_exempted();
    // An entry that matched nothing is told only when the run saw everything it could match:
    // the whole project (or a run naming the config, which reaches every file), no file left
    // out by a glob.
    let whole = (scope.is_none() || config_named)
        && options.include.is_empty()
        && options.exclude.is_empty()
        && run.exempter.covered_by(&run.roots);
    report
        .findings
        .extend(run.exempter.findings(vec![exemptions], whole, detail));
    report.findings.extend(configs_not_in_effect(
        &configs,
        config,
        &report.config,
        detail,
        source::Loader::new(&run.roots, &run.cwd, &run.walked),
    ));
    // A named file that gives values only where something loads it, and that nothing loads
    // (an unmapped -var-file), is said: a changed file nobody reads never passes in silence.
    if let Some(scope) = scope {
        let run_cwd = canonical(cwd);
        let mut named: Vec<&PathBuf> = scope.files.iter().collect();
        named.sort();
        for file in named {
            if run.graph.gives_values(file) {
                continue;
            }
            if let Some(why) = frontend::unread_context(file) {
                report.notes.push(crate::note::Note::new(
                    crate::note::NoteKind::NotRead,
                    walk::display_path(file, &run_cwd),
                    why,
                ));
            }
        }
    }
    findings::apply_severities(&mut report.findings, config);
    // Findings are deduplicated and their fingerprints made unique over everything judged,
    // as in a full run, before a run over named files keeps what touches them: the same
    // finding given through several callers is the one the full run keeps.
    report.finish();
    if let Some(shown) = &shown {
        report.keep_files(shown);
    }
    // The approved image a finding's help points at is the one most deployed by what the
    // report holds: the repository's in a whole run, the named files' in a run over them
    // (what else the graph had judged for them is no basis: it changes with files the named
    // ones do not relate to).
    findings::suggest_from_repository(&mut report.findings, &report.resources, &config.policy);
    report.scope = shown;
    Ok(report)
}

/// Checks one document read from `input` (standard input) against `config`, as if it were
/// the file `name` (which need not exist): the document replaces that file for the run, which
/// is a run over that one named file (see [`check`]): it is judged in its project's context
/// (the parameter files and templates beside it or relating to it, the callers that link it,
/// the template a parameter file gives values to), and the report keeps what lies in it.
/// Without a name, the document is shown as `-` and lies in `cwd`. A document that cannot be
/// read (too large, not decodable) is an IG000, like a file.
pub(crate) fn check_input(
    input: &mut dyn std::io::Read,
    name: Option<&Path>,
    config: &Config,
    cwd: &Path,
    detail: Detail,
    reading: Reading<'_>,
    pool: &rayon::ThreadPool,
) -> Report {
    let cwd_canonical = canonical(cwd);
    let (path, display) = match name {
        Some(name) => (name.to_path_buf(), walk::display_path(name, cwd)),
        None => (PathBuf::from("-"), "-".to_string()),
    };
    // The folder it would lie in, canonical (it need not exist).
    let absolute = cwd_canonical.join(&path);
    let folder = absolute
        .parent()
        .map_or_else(|| cwd_canonical.clone(), canonical);
    let file_name = absolute.file_name().map(std::ffi::OsStr::to_os_string);
    let buffer = walk::FileToRead {
        display,
        canonical: file_name.map_or_else(|| folder.clone(), |n| folder.join(n)),
        path,
    };
    let project = project_of(&buffer.canonical, config, cwd);
    let limit = reading.limits.max_file_bytes;
    let mut bytes = Vec::new();
    let read = std::io::Read::read_to_end(
        &mut std::io::Read::take(&mut *input, limit.saturating_add(1)),
        &mut bytes,
    );
    let decoded = match read {
        Ok(_) if bytes.len() as u64 <= limit => source::decode(bytes).map_err(|e| e.raw),
        _ => Err(bytes),
    };
    let text = match decoded {
        // A document in a folder that is not there has no project: it is judged alone.
        Ok((text, _)) if project.is_dir() => text,
        Ok((text, _)) => {
            let mut text = std::io::Cursor::new(text.into_bytes());
            return document_alone(&mut text, &buffer, &project, config, detail, reading);
        }
        // What cannot be read as text is refused as a file would be (an IG000).
        Err(bytes) => {
            let mut rest = std::io::Read::chain(std::io::Cursor::new(bytes), input);
            return document_alone(&mut rest, &buffer, &project, config, detail, reading);
        }
    };
    let mut overlays = (**reading.overlays).clone();
    overlays.insert(buffer.canonical.clone(), text);
    let overlays = Arc::new(overlays);
    let options = WalkOptions {
        roots: vec![project],
        ..WalkOptions::default()
    };
    let scope = Scope {
        files: std::iter::once(buffer.canonical.clone()).collect(),
        folders: Vec::new(),
        buffer: Some(buffer.clone()),
    };
    // The judgements a long-lived workspace keeps hold for the files it walks: this run
    // walks one more, which may not exist.
    let reading = Reading {
        overlays: &overlays,
        outcomes: None,
        ..reading
    };
    let checked = pool.install(|| {
        check_roots(
            &options,
            config,
            cwd,
            detail,
            Some(&scope),
            Purpose::Check,
            reading,
        )
    });
    match checked {
        Ok(report) => report,
        // The project's folder went away while it was walked: the document alone.
        Err(_) => {
            let text = overlays.get(&buffer.canonical).cloned().unwrap_or_default();
            let mut text = std::io::Cursor::new(text.into_bytes());
            document_alone(
                &mut text,
                &buffer,
                &options.roots[0],
                config,
                detail,
                reading,
            )
        }
    }
}

/// The report on one document read from `input` as the file `walked`, judged alone in the
/// folder `project` (nothing walked): what a document that cannot be read as text gives (an
/// IG000, as for a file), or one whose project cannot be walked.
fn document_alone(
    input: &mut dyn std::io::Read,
    walked: &walk::FileToRead,
    project: &Path,
    config: &Config,
    detail: Detail,
    reading: Reading<'_>,
) -> Report {
    let cwd = walked.canonical.parent().unwrap_or(project).to_path_buf();
    let run = Run {
        config: config.clone(),
        detail,
        roots: vec![canonical(project)],
        walked: Default::default(),
        exempter: suppress::Exempter::new(config, &cwd, config.today),
        cwd,
        purpose: Purpose::Check,
        overlays: Arc::clone(reading.overlays),
        limits: reading.limits.clone(),
        graph: Default::default(),
        environment: Arc::clone(reading.environment),
    };
    let outcome = pipeline::analyze_input(walked, input, &run);
    let kind = outcome.kind.filter(|_| outcome.judged);
    let mut report = Report {
        files_scanned: 1,
        templates: usize::from(outcome.judged),
        findings: outcome.findings,
        resources: outcome.resources,
        notes: outcome.notes,
        kinds: kind.map(|k| (k, 1)).into_iter().collect(),
        ..Report::default()
    };
    report.config = config_in_effect(config, &run.cwd);
    report.scope = Some(std::iter::once(walked.display.clone()).collect());
    findings::apply_severities(&mut report.findings, config);
    report.finish();
    report
}

/// An IG006 for each config file the walk found that is not `config`, the one in effect.
fn configs_not_in_effect(
    configs: &[walk::FileToRead],
    config: &Config,
    shown: &report::ConfigInEffect,
    detail: Detail,
    loader: source::Loader<'_>,
) -> Vec<findings::Finding> {
    let in_effect = config.path.as_deref().map(canonical);
    configs
        .iter()
        .filter(|c| in_effect.as_deref() != Some(c.canonical.as_path()))
        .map(|c| {
            // The text only places the finding (and shows its first line): a file that
            // cannot be read is still reported, at its start. It is opened as walked files
            // are (never through a symbolic link swapped in since the walk).
            let head = loader.head_of_walked(c, 4096);
            let text = String::from_utf8_lossy(&head).into_owned();
            let file = source::SourceFile::new(
                c.path.clone(),
                c.display.clone(),
                text,
                source::Encoding::Utf8,
            );
            findings::config_not_in_effect(&file, shown.path.as_deref(), detail)
        })
        .collect()
}

/// How the reports name `config`: its file as displayed from `cwd`, its mode, its `[rules]`
/// and the severity every rule's findings get.
fn config_in_effect(config: &Config, cwd: &Path) -> report::ConfigInEffect {
    report::ConfigInEffect {
        path: config.path.as_deref().map(|p| walk::display_path(p, cwd)),
        mode: match config.mode {
            config::Mode::Deny => "deny",
            config::Mode::Audit => "audit",
        },
        rules: config
            .rules
            .iter()
            .map(|(rule, level)| (rule.id(), level.as_str()))
            .collect(),
        sha256: config.sha256.clone(),
        severities: findings::rule_severities(config),
    }
}

/// A Bicep file is deployed with the parameter files of the ARM JSON compiled from it (a
/// quickstart's `azuredeploy.parameters.json` gives values to `azuredeploy.json`, which is
/// `main.bicep` compiled): a file that templates say they were compiled from is judged in
/// every context they are judged in — its own parameter files, and theirs; with the defaults
/// too when it has no parameter file of its own and one of them has none either. The two are
/// then compared in the same contexts ([`set_aside_compiled_templates`]); a parameter file
/// that only the compiled template was judged with is never left to it alone. The run judged
/// each source in the contexts its twins' names foretold (`foreseen`): only a source whose
/// twins turned out otherwise (or that keeps the defaults too) is judged again here.
fn judge_sources_in_their_twins_contexts(
    outcomes: &mut [FileOutcome],
    files: &[&walk::FileToRead],
    run: &Run,
    foreseen: &BTreeMap<usize, TwinContexts>,
) {
    if outcomes.iter().all(|o| o.compiled_from().is_none()) && foreseen.is_empty() {
        return;
    }
    let index: foldhash::HashMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.canonical.as_path(), i))
        .collect();
    let mut twins_of: BTreeMap<usize, Vec<&Path>> = BTreeMap::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        if let Some(&j) = outcome.compiled_from().and_then(|s| index.get(s)) {
            twins_of
                .entry(j)
                .or_default()
                .push(files[i].canonical.as_path());
        }
    }
    let actual = twin_contexts(files, run, |j| {
        twins_of.get(&j).cloned().unwrap_or_default()
    });
    // Judged again: a source whose contexts were not foreseen (or not all), and one judged
    // in contexts foreseen for twins that turned out not to be (back to its own).
    let mut again: Vec<(usize, Option<&TwinContexts>)> = actual
        .iter()
        .filter(|(j, twins)| twins.keep || foreseen.get(j) != Some(twins))
        .map(|(&j, twins)| (j, Some(twins)))
        .collect();
    again.extend(
        foreseen
            .iter()
            .filter(|(j, twins)| !twins.keep && !actual.contains_key(j))
            .map(|(&j, _)| (j, None)),
    );
    let judged: Vec<(usize, bool, FileOutcome)> = again
        .into_par_iter()
        .map(|(j, twins)| {
            let (keep, mut outcome) = match twins {
                Some(twins) => (
                    twins.keep,
                    pipeline::analyze_file_with(files[j], run, twins.contexts.clone()),
                ),
                None => (false, pipeline::analyze_file(files[j], run)),
            };
            outcome.findings.shrink_to_fit();
            outcome.resources.shrink_to_fit();
            (j, keep, outcome)
        })
        .collect();
    for (j, keep, outcome) in judged {
        if keep {
            // Judged with the defaults (no parameter file of its own; a twin is judged so
            // too), and in its twins' contexts as well: the first run judged it with the
            // defaults unless it foresaw other contexts.
            if foreseen.get(&j).is_some_and(|f| !f.keep) {
                outcomes[j] = pipeline::analyze_file(files[j], run);
            }
            absorb(&mut outcomes[j], outcome);
        } else {
            outcomes[j] = outcome;
        }
    }
}

/// The contexts a Bicep source is judged in because of the templates compiled from it.
#[derive(Debug, PartialEq, Eq)]
struct TwinContexts {
    /// Its own parameter files, then its twins' it has not, in the order walked.
    contexts: Vec<frontend::ParameterFile>,
    /// Whether it is judged with the defaults too: it has no parameter file of its own, and
    /// a twin is judged so (it has none either).
    keep: bool,
}

/// The sources (by index in `files`) whose twins (`twins_of`: the canonical paths of the
/// templates compiled from each) bring parameter files of their own, with the contexts to
/// judge each in ([`TwinContexts`]).
fn twin_contexts<'f>(
    files: &'f [&'f walk::FileToRead],
    run: &Run,
    twins_of: impl Fn(usize) -> Vec<&'f Path>,
) -> BTreeMap<usize, TwinContexts> {
    let mut out = BTreeMap::new();
    for (j, file) in files.iter().enumerate() {
        let twins = twins_of(j);
        if twins.is_empty() {
            continue;
        }
        let own = run.graph.parameter_files(&file.canonical);
        let mut more: Vec<frontend::ParameterFile> = Vec::new();
        let mut defaults = false;
        for twin in twins {
            let theirs = run.graph.parameter_files(twin);
            defaults |= theirs.is_empty();
            for p in theirs {
                let known = |q: &frontend::ParameterFile| q.canonical == p.canonical;
                if !own.iter().any(known) && !more.iter().any(known) {
                    more.push(p);
                }
            }
        }
        if more.is_empty() {
            continue;
        }
        let keep = own.is_empty() && defaults;
        let mut contexts = own;
        contexts.extend(more);
        out.insert(j, TwinContexts { contexts, keep });
    }
    out
}

/// Adds to `into` what `more`, another judgement of the same file in other contexts, found
/// (what does not depend on a context, such as a parse error, once).
fn absorb(into: &mut FileOutcome, mut more: FileOutcome) {
    let links = more.linking.take().map(|l| l.links).unwrap_or_default();
    let exemptions = more.take_exemptions();
    let seen: HashSet<String> = into
        .findings
        .iter()
        .map(|f| f.fingerprint.clone())
        .collect();
    into.findings.extend(
        more.findings
            .into_iter()
            .filter(|f| !seen.contains(&f.fingerprint)),
    );
    into.resources.extend(more.resources);
    for note in more.notes {
        if !into.notes.contains(&note) {
            into.notes.push(note);
        }
    }
    for link in links {
        into.add_link(link);
    }
    into.judged |= more.judged;
    into.absorb_exemptions(exemptions);
}

/// ARM JSON compiled from a Bicep file beside it (`main.json` from `main.bicep`) is judged
/// once, from the Bicep file, when it is a faithful compile of it: its findings and resources
/// are set aside only when
///
/// * every resource it judges is one the Bicep file judges, resource for resource: the same
///   type, name and scope as evaluated ([`crate::model::Placement`]: the subscription and
///   resource group deployed to, the full name), the same images, under the same parameter
///   file and assumption (a resource with no image and no finding says nothing and is not
///   compared); and
/// * each of its findings is one the Bicep file has too (the same rule, resource type, image
///   and parameter file), and one that the Bicep file's exemptions do not exempt unless this
///   file's own exempt it too: an exemption comment or `[[exempt]]` entry that applies to
///   the Bicep file never hides what the compiled template deploys.
///
/// A JSON that says it was compiled from Bicep but differs (a stale build, a hand edit, a
/// different resource behind findings that look alike) keeps all its findings, with a note
/// saying how it differs; so does one whose Bicep file could not be parsed whole. The claim
/// in the metadata never hides a finding by itself. Files another scanned file links were
/// judged in their callers' context; their own outcomes are dropped afterwards
/// ([`drop_linked_templates`]).
fn set_aside_compiled_templates(outcomes: &mut [FileOutcome], files: &[&walk::FileToRead]) {
    if outcomes.iter().all(|o| o.compiled_from().is_none()) {
        return;
    }
    let index: foldhash::HashMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.canonical.as_path(), i))
        .collect();
    let mut set_aside = Vec::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        let Some(source) = outcome.compiled_from() else {
            continue;
        };
        let Some(&j) = index.get(source) else {
            continue;
        };
        let bicep = &outcomes[j];
        if !bicep.judged || bicep.findings.iter().any(|f| f.rule == rules::PARSE_ERROR) {
            continue;
        }
        let difference = Difference::between(outcome, bicep);
        set_aside.push((i, difference, &files[i].display, &files[j].display));
    }
    let notes: Vec<(usize, bool, crate::note::Note)> = set_aside
        .into_iter()
        .map(|(i, difference, json, bicep)| {
            let faithful = difference.is_none();
            (i, faithful, difference.note(json, bicep))
        })
        .collect();
    for (i, faithful, note) in notes {
        let outcome = &mut outcomes[i];
        if faithful {
            let fixes = std::mem::take(&mut outcome.findings)
                .into_iter()
                .filter(|f| f.suppression.is_none())
                .filter_map(|mut f| f.fix.take().map(|fix| *fix))
                .collect();
            // A compiled template's outcome says what it was compiled from in its linking.
            if let Some(linking) = outcome.linking.as_mut() {
                linking.set_aside_fixes = fixes;
            }
            outcome.resources.clear();
        }
        outcome.notes.push(note);
    }
}

/// How a template that says it was compiled from a Bicep file differs from what that file
/// judges ([`set_aside_compiled_templates`]).
#[derive(Debug, Default, PartialEq, Eq)]
struct Difference {
    /// Its findings the Bicep file has nothing like.
    findings: usize,
    /// Its resources the Bicep file judges none like (type, scope, name, images, parameter
    /// file, assumption).
    resources: usize,
    /// Its findings not exempted whose only like in the Bicep file is exempted.
    exempted: usize,
}

/// What tells a compiled template's findings apart when they are compared with its source's:
/// rule, resource type, image and parameter file.
type FindingKey = (&'static str, String, String, Option<String>);

/// What tells a compiled template's resources apart when they are compared with its
/// source's: type, placement, images, parameter file and assumption.
type ResourceKey<'a> = (
    String,
    Option<&'a crate::model::Placement>,
    Vec<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

impl Difference {
    /// How `json` differs from `bicep`, the outcome of the file it says it was compiled from.
    fn between(json: &FileOutcome, bicep: &FileOutcome) -> Difference {
        let mut difference = Difference::default();
        // Findings: each of the JSON's is matched with one of the Bicep's; one not exempted
        // only with one not exempted (those are matched first).
        let mut open: foldhash::HashMap<FindingKey, usize> = Default::default();
        let mut exempted: foldhash::HashMap<FindingKey, usize> = Default::default();
        for f in &bicep.findings {
            let counts = if f.suppression.is_some() {
                &mut exempted
            } else {
                &mut open
            };
            *counts.entry(finding_key(f)).or_default() += 1;
        }
        let take = |counts: &mut foldhash::HashMap<FindingKey, usize>, key: &FindingKey| {
            counts
                .get_mut(key)
                .filter(|n| **n > 0)
                .map(|n| *n -= 1)
                .is_some()
        };
        let (stands, excused): (Vec<&findings::Finding>, Vec<&findings::Finding>) =
            json.findings.iter().partition(|f| f.suppression.is_none());
        for f in stands {
            let key = finding_key(f);
            if take(&mut open, &key) {
                continue;
            }
            if exempted.get(&key).is_some_and(|n| *n > 0) {
                difference.exempted += 1;
            } else {
                difference.findings += 1;
            }
        }
        for f in excused {
            let key = finding_key(f);
            if !take(&mut exempted, &key) && !take(&mut open, &key) {
                difference.findings += 1;
            }
        }
        // Resources: each of the JSON's that has an image or a finding is matched with one
        // of the Bicep's; one whose placement is not known matches none.
        let mut judged: foldhash::HashMap<ResourceKey<'_>, usize> = Default::default();
        for r in &bicep.resources {
            *judged.entry(resource_key(r)).or_default() += 1;
        }
        let about = |r: &findings::ResourceEntry| {
            json.findings.iter().any(|f| {
                f.parameter_file == r.parameter_file
                    && f.resource.as_ref().is_some_and(|of| {
                        of.name == r.name && of.resource_type.eq_ignore_ascii_case(&r.resource_type)
                    })
            })
        };
        for r in &json.resources {
            if r.images.is_empty() && !about(r) {
                continue;
            }
            let key = resource_key(r);
            let matched = key.1.is_some()
                && judged
                    .get_mut(&key)
                    .filter(|n| **n > 0)
                    .map(|n| *n -= 1)
                    .is_some();
            if !matched {
                difference.resources += 1;
            }
        }
        difference
    }

    /// Whether the two are alike: the compiled template is set aside.
    fn is_none(&self) -> bool {
        *self == Difference::default()
    }

    /// The note for stderr about the template shown as `json`, which says it was compiled
    /// from `bicep`.
    fn note(&self, json: &str, bicep: &str) -> crate::note::Note {
        use crate::note::{Note, NoteKind};
        if self.is_none() {
            return Note::new(
                NoteKind::CompiledSetAside,
                json,
                format!(
                    "compiled from {bicep}, which is judged instead (it finds everything this file does)"
                ),
            );
        }
        let mut how = Vec::new();
        if self.findings > 0 {
            how.push(format!(
                "finds {} problem(s) that {bicep} does not",
                self.findings
            ));
        }
        if self.resources > 0 {
            how.push(format!(
                "declares {} resource(s) that {bicep} does not (as evaluated: type, name, scope, images, parameter file)",
                self.resources
            ));
        }
        if self.exempted > 0 {
            how.push(format!(
                "has {} finding(s) that only {bicep}'s exemptions cover (an exemption of {bicep} never exempts this file)",
                self.exempted
            ));
        }
        Note::new(
            NoteKind::CompiledDiffers,
            json,
            format!(
                "says it was compiled from {bicep}, but {} (a stale build or an edit by hand): both are reported",
                how.join(", and ")
            ),
        )
    }
}

/// The key a finding is compared by ([`FindingKey`]). An unknown image is worded after the
/// language it was met in: compared by its kind alone.
fn finding_key(f: &findings::Finding) -> FindingKey {
    let resource_type = f
        .resource
        .as_ref()
        .map(|r| r.resource_type.to_ascii_lowercase())
        .unwrap_or_default();
    let image = f.image.as_deref().map(image_key).unwrap_or_default();
    (
        f.rule.id(),
        resource_type,
        image.to_owned(),
        f.parameter_file.clone(),
    )
}

/// The key a resource is compared by ([`ResourceKey`]).
fn resource_key(r: &findings::ResourceEntry) -> ResourceKey<'_> {
    (
        r.resource_type.to_ascii_lowercase(),
        r.placement.as_deref(),
        r.images.iter().map(|i| image_key(i)).collect(),
        r.parameter_file.as_deref(),
        r.assumption.as_deref(),
    )
}

/// An image as it is compared: what the report shows of it, but an unknown one, whose
/// wording is the language's, by its kind alone.
fn image_key(image: &findings::ImageRef) -> &str {
    match image.parts {
        findings::ImageParts::Unresolved { .. } => "unresolved",
        _ => &image.display,
    }
}

/// Files that another scanned file links (a template linked with `relativePath`) were judged
/// in their callers' context; their own (parameterless) outcomes are dropped. A file that
/// links its own caller back (a cycle) keeps its outcome.
fn drop_linked_templates(outcomes: &mut [FileOutcome], files: &[&walk::FileToRead]) {
    if outcomes.iter().all(|o| o.links().is_empty()) {
        return;
    }
    // The canonical path of each outcome's file, when another file may link it.
    let linkable = |i: usize| outcomes[i].linkable().then(|| files[i].canonical.as_path());
    let mut linked_by: foldhash::HashMap<&Path, Vec<&Path>> = Default::default();
    for (i, o) in outcomes.iter().enumerate() {
        if let Some(me) = linkable(i) {
            for target in o.links() {
                if target != me {
                    linked_by.entry(target.as_path()).or_default().push(me);
                }
            }
        }
    }
    let drop: Vec<bool> = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let Some(callers) = linkable(i).and_then(|me| linked_by.get(me)) else {
                return false;
            };
            // A template that links its own callers back (a cycle) keeps its outcome.
            !callers
                .iter()
                .all(|c| o.links().iter().any(|l| l.as_path() == *c))
        })
        .collect();
    for (o, drop) in outcomes.iter_mut().zip(drop) {
        if drop {
            // Its own parameter files are contexts no caller covers: those stay.
            o.findings.retain(|f| f.parameter_file.is_some());
            o.resources.retain(|r| r.parameter_file.is_some());
            o.notes.clear();
            // A Terraform folder set aside is part of what stands for it (the plan made from
            // it, the configuration calling it as a module): no template of its own.
            if o.kind == Some(crate::model::SourceKind::TerraformSource) {
                o.judged = false;
            }
        }
    }
}
