//! The per-file pipeline: read → decode → classify → frontend → extract → judge → findings.
//!
//! Each file is analysed on its own worker; what comes out is located and self-contained
//! ([`FileOutcome`]), so the file's text is dropped as soon as the file is done.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::eval::{DeploymentScope, ParameterValues};
use crate::extract;
use crate::frontend::arm::{self, Classification, Linked};
use crate::frontend::tfplan;
use crate::image::Image;
use crate::model::{Context, Deployment, Language, Resource};
use crate::report::{Excerpt, Finding, Location, ResourceEntry, fingerprint};
use crate::rules::{Rule, Severity};
use crate::source::{
    Encoding, FileId, LoadError, Loaded, Loader, MAX_FILE_BYTES, SourceFile, SourceMap,
};
use crate::walk::FileToRead;

/// The headline of an IG000 about an ARM template.
const ARM: &str = "cannot parse ARM template";

/// What one file contributed to the report.
#[derive(Debug, Default)]
pub struct FileOutcome {
    /// Findings, located.
    pub findings: Vec<Finding>,
    /// Image-bearing resources.
    pub resources: Vec<ResourceEntry>,
    /// Whether the file was infrastructure-as-code (judged).
    pub judged: bool,
    /// Notes for stderr.
    pub notes: Vec<String>,
    /// What to keep of each finding.
    pub detail: Detail,
    /// The canonical path of the file, when it is a template.
    pub template: Option<PathBuf>,
    /// The templates it links with `relativePath` (canonical): those are judged in this
    /// caller's context, so their own outcomes are dropped from the report.
    pub links: Vec<PathBuf>,
}

/// What to keep of each finding besides its location.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Detail {
    /// Keep the source lines around each finding (the human format shows them).
    pub excerpts: bool,
}

/// What every file of a run shares.
#[derive(Debug)]
pub struct Run {
    /// The policy and deployment scope.
    pub config: Config,
    /// What to keep of each finding.
    pub detail: Detail,
    /// The scanned roots, canonical: linked templates outside them are not read.
    pub roots: Vec<PathBuf>,
    /// The `.json`/`.jsonc` files the walk found in each folder it walked, by name: where
    /// parameter files are looked for without reading the folder again. A folder that was not
    /// walked (a file named on the command line) is read.
    pub folders: foldhash::HashMap<PathBuf, Vec<String>>,
    /// The canonical paths of every file walked: a link to one of them needs no file-system
    /// lookup to be resolved.
    pub walked: foldhash::HashSet<PathBuf>,
    /// The canonical working directory (display paths are relative to it).
    pub cwd: PathBuf,
}

/// Analyses one walked file.
pub fn analyze_file(walked: &FileToRead, run: &Run) -> FileOutcome {
    let (path, display) = (walked.path.as_path(), walked.display.as_str());
    let detail = run.detail;
    let mut out = FileOutcome {
        detail,
        ..FileOutcome::default()
    };
    let loader = Loader::new(&run.roots, &run.cwd, &run.walked, &run.folders);
    let read = loader.read_walked(walked, |bytes| {
        arm::has_marker(bytes) || tfplan::marker(bytes)
    });
    let loaded = match read {
        Ok(Some(loaded)) => loaded,
        Ok(None) => return out,
        Err(LoadError::TooLarge { head, size }) => {
            let plan = tfplan::marker(&head);
            if arm::has_marker(&head) || plan {
                let file =
                    SourceFile::new(path.into(), display.into(), String::new(), Encoding::Utf8);
                out.judged = true;
                let what = if plan {
                    "cannot parse Terraform plan JSON"
                } else {
                    "cannot parse ARM template"
                };
                let finding = parse_error(
                    &file,
                    detail,
                    0..0,
                    what,
                    &format!(
                        "the file is {} MiB, larger than the {} MiB limit; it was not read",
                        size / (1024 * 1024),
                        MAX_FILE_BYTES / (1024 * 1024)
                    ),
                );
                out.findings.push(finding);
            }
            return out;
        }
        Err(LoadError::Undecodable(err)) => {
            // Judge the raw bytes only to tell whether the file claims to be a template.
            let (lossy, offset) = err.lossy();
            if let Classification::Broken(_) | Classification::Template(_) | Classification::Inert =
                arm::classify(&lossy)
            {
                let file = SourceFile::new(path.into(), display.into(), lossy, Encoding::Utf8);
                out.judged = true;
                out.findings.push(parse_error(
                    &file,
                    detail,
                    point(&file.text, offset),
                    ARM,
                    &err.message,
                ));
            }
            return out;
        }
        Err(LoadError::Unreadable(e)) => {
            out.notes.push(format!("{display}: cannot read: {e}"));
            return out;
        }
        Err(e @ LoadError::OutsideRoots) => {
            out.notes.push(format!("{display}: {e}"));
            return out;
        }
    };
    let Loaded {
        text,
        encoding,
        canonical,
        ..
    } = loaded;
    match arm::classify(&text) {
        Classification::NotTemplate => {
            terraform_plan(path, display, text, encoding, loader, run, &mut out);
            out
        }
        Classification::Broken(e) => {
            let file = SourceFile::new(path.into(), display.into(), text, encoding);
            out.judged = true;
            out.findings.push(parse_error(
                &file,
                detail,
                point(&file.text, e.offset),
                ARM,
                &e.message,
            ));
            out
        }
        Classification::Inert => {
            out.judged = true;
            out
        }
        Classification::Template(root) => {
            out.judged = true;
            let mut sources = SourceMap::default();
            let file = sources.add(SourceFile::new(path.into(), display.into(), text, encoding));
            out.template = Some(canonical.clone());
            let mapped = if run.config.parameter_files.is_empty() {
                Vec::new()
            } else {
                run.config
                    .parameter_files
                    .iter()
                    .filter(|(t, _)| *t == canonical)
                    .flat_map(|(_, files)| files.iter().cloned())
                    .collect::<Vec<_>>()
            };
            let contexts =
                parameter_contexts(&mut sources, file, &canonical, &mapped, loader, &mut out);
            let linked = Linked::new(&sources, loader, &canonical);
            let deployment = deployment_scope(&run.config);
            let mut model = Deployment {
                language: Language::Arm,
                contexts: Vec::new(),
            };
            let mut expression_errors = Vec::new();
            for (parameter_file, supplied) in contexts {
                let choices = arm::open_choices(&root, file, &supplied);
                let mut expanded = arm::expand(
                    &sources,
                    &linked,
                    file,
                    &root,
                    supplied.clone(),
                    &deployment,
                );
                for choice in choices {
                    let variants: Vec<arm::Expanded> = choice
                        .values
                        .iter()
                        .map(|value| {
                            let mut with = supplied.clone();
                            with.insert(&choice.name, value.clone());
                            arm::expand(&sources, &linked, file, &root, with, &deployment)
                        })
                        .collect();
                    expanded.resources =
                        judge_each_allowed_value(expanded.resources, &choice, &variants);
                }
                expression_errors.extend(expanded.expression_errors);
                model.contexts.push(Context {
                    parameter_file,
                    resources: expanded.resources,
                    notes: expanded.notes,
                });
            }
            out.links = linked.targets();
            linked.into_sources(&mut sources);
            expression_errors.sort();
            expression_errors.dedup();
            for (span, message) in expression_errors {
                let f = sources.get(span.file);
                let finding = parse_error(
                    f,
                    detail,
                    span.start..span.end,
                    ARM,
                    &format!("malformed expression: {message}"),
                );
                out.findings.push(finding);
            }
            crate::findings::judge_deployment(&model, &sources, file, &run.config, &mut out);
            out
        }
    }
}

/// Replaces each resource whose image is unknown only because `choice` has no value by one
/// variant per allowed value (evaluated in `variants`, in the order of `choice.values`).
fn judge_each_allowed_value(
    resources: Vec<Resource>,
    choice: &arm::Choice,
    variants: &[arm::Expanded],
) -> Vec<Resource> {
    let catalog = Catalog::builtin();
    let mut out = Vec::with_capacity(resources.len());
    for resource in resources {
        let blamed = catalog.arm(&resource.resource_type).is_some_and(|entry| {
            extract::images(&resource, entry).iter().any(|f| {
                matches!(&f.image, Image::Unresolved(why) if arm::blames(&why.explain(), &choice.name))
            })
        });
        if !blamed {
            out.push(resource);
            continue;
        }
        let mut alternatives = Vec::new();
        for (value, variant) in choice.values.iter().zip(variants) {
            let same = variant
                .resources
                .iter()
                .find(|r| r.identity == resource.identity && r.name == resource.name);
            if let Some(r) = same {
                let mut r = r.clone();
                r.assumption = Some(format!("parameter '{}' = {}", choice.name, value.display()));
                alternatives.push(r);
            }
        }
        let unresolved = |r: &Resource| {
            catalog.arm(&r.resource_type).is_some_and(|entry| {
                extract::images(r, entry)
                    .iter()
                    .any(|f| matches!(f.image, Image::Unresolved(_)))
            })
        };
        // Only worth it when some allowed value actually decides the image.
        if alternatives.is_empty() || alternatives.iter().all(unresolved) {
            out.push(resource);
        } else {
            out.extend(alternatives);
        }
    }
    out
}

/// Judges `text` if it is a Terraform plan or state in JSON.
fn terraform_plan(
    path: &Path,
    display: &str,
    text: String,
    encoding: Encoding,
    loader: Loader<'_>,
    run: &Run,
    out: &mut FileOutcome,
) {
    let (root, state, problem) = match tfplan::classify(&text) {
        tfplan::Classification::NotPlan => return,
        tfplan::Classification::Plan(root) => (Some(root), false, None),
        tfplan::Classification::State(root) => (Some(root), true, None),
        tfplan::Classification::Broken(e) => (None, false, Some((e.offset, e.message))),
        tfplan::Classification::Unsupported { offset, message } => {
            (None, false, Some((offset, message)))
        }
    };
    out.judged = true;
    let text = match &root {
        Some(root) => tfplan::redact(text, root),
        None => text,
    };
    let mut sources = SourceMap::default();
    let file = sources.add(SourceFile::new(path.into(), display.into(), text, encoding));
    if let Some((offset, message)) = problem {
        let f = sources.get(file);
        let headline = "cannot read Terraform plan JSON";
        out.findings.push(parse_error(
            f,
            out.detail,
            point(&f.text, offset),
            headline,
            &message,
        ));
        return;
    }
    let Some(root) = root else { return };
    let tf = tfplan::TfSource::load(path, loader, &mut sources);
    let model = if state {
        tfplan::state(&root, file, &tf)
    } else {
        tfplan::plan(&root, file, &tf, run.config.judge_no_op)
    };
    let first = out.findings.len();
    crate::findings::judge_deployment(&model, &sources, file, &run.config, out);
    merge_instances(&mut out.findings, first);
}

/// Merges the findings (from index `first`) about instances of one declaration (`count`,
/// `for_each`) that reach the same verdict for the same image: the first is kept and says how
/// many instances it stands for.
fn merge_instances(findings: &mut Vec<Finding>, first: usize) {
    let mut more: Vec<usize> = Vec::new();
    let mut index = foldhash::HashMap::default();
    for finding in findings.drain(first..).collect::<Vec<_>>() {
        let key = (finding.rule, finding.fingerprint.clone());
        if let Some(&i) = index.get(&key) {
            more[i] += 1;
        } else {
            index.insert(key, more.len());
            more.push(0);
            findings.push(finding);
        }
    }
    for (finding, &more) in findings[first..].iter_mut().zip(&more) {
        if more > 0 {
            let s = if more == 1 { "" } else { "s" };
            finding.message.push_str(&format!(
                " (and {more} more instance{s} of this declaration)"
            ));
        }
    }
}

/// The evaluation contexts of a template (whose canonical path is `canonical`): one per
/// parameter file, or one with the defaults only. A parameter file that cannot be read is
/// reported and left out.
fn parameter_contexts(
    sources: &mut SourceMap,
    template: FileId,
    canonical: &Path,
    mapped: &[PathBuf],
    loader: Loader<'_>,
    out: &mut FileOutcome,
) -> Vec<(Option<String>, ParameterValues<'static>)> {
    let template_path = sources.get(template).path.clone();
    let template_display = sources.get(template).display.clone();
    let folder = template_path.parent();
    let listing = folder.and_then(|d| loader.listing(d));
    // The canonical folder: the walk's own when it walked the folder (then the template is
    // no symbolic link), else asked of the file system.
    let canonical_folder = match (listing, folder) {
        (Some(_), _) => canonical.parent().map(Path::to_path_buf),
        (None, Some(folder)) if folder.as_os_str().is_empty() => {
            Some(crate::walk::canonical(Path::new(".")))
        }
        (None, Some(folder)) => Some(crate::walk::canonical(folder)),
        (None, None) => None,
    };
    // Siblings are regular files (never symbolic links): canonical beside their folder.
    let siblings: Vec<(PathBuf, PathBuf)> = arm::sibling_parameter_files(&template_path, listing)
        .into_iter()
        .filter_map(|p| {
            let canonical = canonical_folder.as_ref()?.join(p.file_name()?);
            Some((p, canonical))
        })
        .collect();
    let mut all: Vec<(PathBuf, PathBuf, Option<String>)> = Vec::new();
    for m in mapped {
        if !siblings.iter().any(|(_, c)| c == m) {
            all.push((m.clone(), m.clone(), Some(loader.display(m))));
        }
    }
    all.splice(0..0, siblings.into_iter().map(|(p, c)| (p, c, None)));
    let mut contexts = Vec::new();
    for (param_path, param_canonical, mapped_display) in all {
        let mapped = mapped_display.is_some();
        let display = match mapped_display {
            Some(d) => d,
            None => match template_display.rfind('/') {
                Some(i) => format!(
                    "{}/{}",
                    &template_display[..i],
                    param_path
                        .file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                ),
                None => param_path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            },
        };
        let loaded = match loader.read(&param_path, &param_canonical, display.clone()) {
            Ok(loaded) => loaded,
            Err(LoadError::Undecodable(e)) => {
                out.notes.push(format!("{display}: {}", e.message));
                continue;
            }
            Err(LoadError::OutsideRoots) if mapped => {
                out.notes.push(format!(
                    "{}: parameter file mapped in the config is outside the scanned roots; not read",
                    param_path.display()
                ));
                continue;
            }
            Err(_) => {
                out.notes
                    .push(format!("{display}: cannot read this parameter file"));
                continue;
            }
        };
        let id = loaded.add_to(sources);
        match crate::json::parse(&sources.get(id).text) {
            Ok(root)
                if root
                    .get("parameters")
                    .is_some_and(crate::json::Json::is_object) =>
            {
                contexts.push((
                    Some(display),
                    ParameterValues::from_parameter_file(&root, id),
                ));
            }
            Ok(_) => out.notes.push(format!(
                "{display}: not a parameter file (no `parameters` object); ignored"
            )),
            Err(e) => {
                let f = sources.get(id);
                let at = point(&f.text, e.offset);
                let finding =
                    parse_error(f, out.detail, at, "cannot parse parameter file", &e.message);
                out.findings.push(finding);
            }
        }
    }
    if contexts.is_empty() {
        contexts.push((None, ParameterValues::new()));
    }
    contexts
}

fn deployment_scope(config: &Config) -> DeploymentScope {
    let d = &config.deployment;
    DeploymentScope {
        subscription_id: d.subscription_id.clone(),
        resource_group: d.resource_group.clone(),
        location: d.location.clone(),
        tenant_id: d.tenant_id.clone(),
        deployment_name: None,
    }
}

/// An IG000 finding: `headline` says what could not be read ("cannot parse ARM template"),
/// `message` why, at bytes `at` of `file`.
fn parse_error(
    file: &SourceFile,
    detail: Detail,
    at: std::ops::Range<u32>,
    headline: &str,
    message: &str,
) -> Finding {
    Finding {
        rule: Rule::ParseError,
        severity: Severity::Error,
        message: format!("{headline}: {message}"),
        label: message.to_string(),
        location: Location::of(file, at.start, at.end),
        excerpt: detail.excerpts.then(|| Excerpt::of(file, at.start, at.end)),
        resource: None,
        parameter_file: None,
        related: Vec::new(),
        fingerprint: fingerprint(&[Rule::ParseError.id(), &file.display]),
    }
}

/// The one character at `offset` (empty at a line end or the end of the text).
fn point(text: &str, offset: u32) -> std::ops::Range<u32> {
    offset..next_char_end(text, offset)
}

fn next_char_end(text: &str, offset: u32) -> u32 {
    let o = offset as usize;
    match text.get(o..).and_then(|rest| rest.chars().next()) {
        Some(c) if c != '\n' && c != '\r' => (o + c.len_utf8()) as u32,
        _ => offset,
    }
}
