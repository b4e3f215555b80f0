//! The per-file pipeline: read → decode → classify → frontend → extract → judge → findings.
//!
//! Each file is analysed on its own worker; what comes out is located and self-contained
//! ([`FileOutcome`]), so the file's text is dropped as soon as the file is done.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::eval::{DeploymentScope, ParameterValues};
use crate::extract;
use crate::findings::parse_error;
use crate::frontend::arm::{self, Classification, Linked};
use crate::frontend::tfplan;
use crate::image::Image;
use crate::model::{Context, Deployment, Language, Resource};
use crate::report::{Finding, ResourceEntry};
use crate::source::{self, Encoding, FileId, SourceFile, SourceMap};
use crate::walk::FileToRead;

/// The headline of an IG000 about an ARM template.
const ARM: &str = "cannot parse ARM template";

/// Files larger than this are not parsed (an IG000 if they claim to be a template).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

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

pub use crate::report::Detail;

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
    let bytes = match read_limited(path, true) {
        Ok(Read::Whole(bytes)) => bytes,
        Ok(Read::Dismissed) => return out,
        Ok(Read::TooLarge { head, size }) => {
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
        Err(e) => {
            out.notes.push(format!("{display}: cannot read: {e}"));
            return out;
        }
    };
    let (text, encoding) = match source::decode(bytes) {
        Ok(decoded) => decoded,
        Err(err) => {
            // Judge the raw bytes only to tell whether the file claims to be a template.
            let lossy = String::from_utf8_lossy(&err.raw).into_owned();
            if let Classification::Broken(_) | Classification::Template(_) | Classification::Inert =
                arm::classify(&lossy)
            {
                let offset = lossy_offset(&err.raw, err.offset);
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
    };
    match arm::classify(&text) {
        Classification::NotTemplate => {
            terraform_plan(path, display, text, encoding, run, &mut out);
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
            out.template = Some(walked.canonical.clone());
            let mapped = if run.config.parameter_files.is_empty() {
                Vec::new()
            } else {
                run.config
                    .parameter_files
                    .iter()
                    .filter(|(t, _)| *t == walked.canonical)
                    .flat_map(|(_, files)| files.iter().cloned())
                    .collect::<Vec<_>>()
            };
            let listing = path
                .parent()
                .and_then(|d| run.folders.get(d))
                .map(Vec::as_slice);
            let contexts = parameter_contexts(&mut sources, file, listing, &mapped, run, &mut out);
            let reach = arm::Reach {
                roots: &run.roots,
                walked: &run.walked,
                cwd: &run.cwd,
            };
            let linked = Linked::new(&sources, reach, &walked.canonical);
            let deployment = deployment_scope(&run.config);
            let mut model = Deployment {
                language: Language::Arm,
                contexts: Vec::new(),
            };
            let mut expression_errors = Vec::new();
            let template = arm::lower_template(&root, file, &sources.get(file).text);
            for (parameter_file, supplied) in contexts {
                let choices = arm::open_choices(&template, &supplied);
                let mut expanded =
                    arm::expand(&sources, &linked, &template, supplied.clone(), &deployment);
                for choice in choices {
                    let variants: Vec<arm::Expanded> = choice
                        .values
                        .iter()
                        .map(|value| {
                            let mut with = supplied.clone();
                            with.insert(&choice.name, value.clone());
                            arm::expand(&sources, &linked, &template, with, &deployment)
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
            let judged =
                crate::findings::judge_deployment(&model, &sources, file, &run.config, detail);
            out.findings.extend(judged.findings);
            out.resources.extend(judged.resources);
            out.notes.extend(judged.notes);
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
            extract::images(&resource, entry).iter().any(
                |f| matches!(&f.image, Image::Unresolved(why) if arm::blames(why, &choice.name)),
            )
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
    let tf = tfplan::TfSource::load(path, &run.roots, &mut sources);
    let model = if state {
        tfplan::state(&root, file, &tf)
    } else {
        tfplan::plan(&root, file, &tf, run.config.judge_no_op)
    };
    let first = out.findings.len();
    let judged = crate::findings::judge_deployment(&model, &sources, file, &run.config, out.detail);
    out.findings.extend(judged.findings);
    out.resources.extend(judged.resources);
    out.notes.extend(judged.notes);
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

/// The evaluation contexts of a template: one per sibling parameter file, or one with the
/// defaults only. A parameter file that cannot be read is reported and left out.
fn parameter_contexts(
    sources: &mut SourceMap,
    template: FileId,
    listing: Option<&[String]>,
    mapped: &[PathBuf],
    run: &Run,
    out: &mut FileOutcome,
) -> Vec<(Option<String>, ParameterValues<'static>)> {
    let template_path = sources.get(template).path.clone();
    let template_display = sources.get(template).display.clone();
    let mut contexts = Vec::new();
    let siblings = arm::sibling_parameter_files(&template_path, listing);
    // Canonical paths are only needed to compare siblings with mapped files (they cost a
    // `readlink` per path component).
    let sibling_set: Vec<PathBuf> = if mapped.is_empty() {
        Vec::new()
    } else {
        siblings.iter().map(|p| crate::walk::canonical(p)).collect()
    };
    let mut all: Vec<(PathBuf, Option<String>)> = siblings.into_iter().map(|p| (p, None)).collect();
    for m in mapped {
        if sibling_set.contains(m) {
            continue;
        }
        if !run.roots.iter().any(|r| m.starts_with(r)) {
            out.notes.push(format!(
                "{}: parameter file mapped in the config is outside the scanned roots; not read",
                m.display()
            ));
            continue;
        }
        all.push((m.clone(), Some(crate::walk::display_path(m, &run.cwd))));
    }
    for (param_path, mapped_display) in all {
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
        let Ok(Read::Whole(bytes)) = read_limited(&param_path, false) else {
            out.notes
                .push(format!("{display}: cannot read this parameter file"));
            continue;
        };
        let (text, encoding) = match source::decode(bytes) {
            Ok(decoded) => decoded,
            Err(e) => {
                out.notes.push(format!("{display}: {}", e.message));
                continue;
            }
        };
        let id = sources.add(SourceFile::new(param_path, display.clone(), text, encoding));
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

/// The byte offset in the lossily decoded text that corresponds to raw offset `raw_offset`.
fn lossy_offset(raw: &[u8], raw_offset: usize) -> u32 {
    String::from_utf8_lossy(&raw[..raw_offset.min(raw.len())]).len() as u32
}

enum Read {
    Whole(Vec<u8>),
    /// Neither an ARM template nor a Terraform plan can be in it (no marker): not decoded.
    Dismissed,
    TooLarge {
        head: Vec<u8>,
        size: u64,
    },
}

fn read_limited(path: &Path, dismiss: bool) -> std::io::Result<Read> {
    use std::io::Read as _;
    thread_local! {
        /// A read buffer reused by this worker: most files are dismissed after one look, and
        /// fresh buffers cost more (allocation and page faults) than the look itself.
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > MAX_FILE_BYTES {
        let mut head = vec![0; 64 * 1024];
        let n = file.read(&mut head)?;
        head.truncate(n);
        return Ok(Read::TooLarge { head, size });
    }
    BUFFER.with_borrow_mut(|bytes| {
        bytes.clear();
        // One allocation of the right size: `take` hides the size hint `read_to_end` would use.
        bytes.reserve(size as usize + 1);
        file.take(MAX_FILE_BYTES + 1).read_to_end(bytes)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Ok(Read::TooLarge {
                head: bytes[..64 * 1024].to_vec(),
                size: bytes.len() as u64,
            });
        }
        let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
        if dismiss && !utf16 && !arm::has_marker(bytes) && !tfplan::marker(bytes) {
            if bytes.capacity() > 4 * 1024 * 1024 {
                // Do not keep a huge buffer alive for the rest of the run.
                *bytes = Vec::new();
            }
            return Ok(Read::Dismissed);
        }
        // The kept text leaves with the buffer (no copy); the next read allocates its own.
        Ok(Read::Whole(std::mem::take(bytes)))
    })
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
