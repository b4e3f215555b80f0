//! The per-file pipeline: read → decode → classify → frontend → extract → judge → findings.
//!
//! Each file is analysed on its own worker; what comes out is located and self-contained
//! ([`FileOutcome`]), so the file's text is dropped as soon as the file is done.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::config::{Config, Mode};
use crate::eval::{DeploymentScope, ParameterValues};
use crate::extract::{self, FoundImage};
use crate::frontend::arm::{self, Classification, Linked};
use crate::frontend::tfplan;
use crate::image::Image;
use crate::judge::Verdict;
use crate::model::{Context, Deployment, Language, Resource};
use crate::report::{
    Excerpt, Finding, Location, Related, ResourceEntry, ResourceRef, Status, fingerprint,
};
use crate::rules::{Rule, Severity};
use crate::source::{self, Encoding, FileId, SourceFile, SourceMap, Span};

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
    /// Templates that another scanned template links with `relativePath` (canonical): they
    /// are judged in their callers' context, not on their own.
    pub linked_targets: HashSet<PathBuf>,
}

/// Analyses one file. `display` is the path shown to users.
pub fn analyze_file(path: &Path, display: &str, run: &Run) -> FileOutcome {
    let detail = run.detail;
    let mut out = FileOutcome {
        detail,
        ..FileOutcome::default()
    };
    let bytes = match read_limited(path) {
        Ok(Read::Whole(bytes)) => bytes,
        Ok(Read::TooLarge { head, size }) => {
            let plan = tfplan::marker(&head);
            if arm_marker(&head) || plan {
                let file =
                    SourceFile::new(path.into(), display.into(), String::new(), Encoding::Utf8);
                out.judged = true;
                let mut finding = parse_error(
                    &file,
                    detail,
                    0,
                    &format!(
                        "the file is {} MiB, larger than the {} MiB limit; it was not read",
                        size / (1024 * 1024),
                        MAX_FILE_BYTES / (1024 * 1024)
                    ),
                );
                if plan {
                    finding.message =
                        finding
                            .message
                            .replacen("ARM template", "Terraform plan JSON", 1);
                }
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
            if let Classification::Broken(_) | Classification::Template(_) = arm::classify(&lossy) {
                let offset = lossy_offset(&err.raw, err.offset);
                let file = SourceFile::new(path.into(), display.into(), lossy, Encoding::Utf8);
                out.judged = true;
                out.findings
                    .push(parse_error(&file, detail, offset, &err.message));
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
            out.findings
                .push(parse_error(&file, detail, e.offset, &e.message));
            out
        }
        Classification::Template(root) => {
            if run.linked_targets.contains(&canonical(path)) {
                // Judged in its callers' context, with the parameters they pass.
                return out;
            }
            out.judged = true;
            let mut sources = SourceMap::default();
            let file = sources.add(SourceFile::new(path.into(), display.into(), text, encoding));
            let linked = Linked::load(&mut sources, file, &root, &run.roots);
            let contexts = parameter_contexts(&mut sources, file, &mut out);
            let deployment = deployment_scope(&run.config);
            let mut model = Deployment {
                language: Language::Arm,
                contexts: Vec::new(),
            };
            let mut expression_errors = Vec::new();
            for (parameter_file, supplied) in contexts {
                let expanded = arm::expand(&sources, &linked, file, &root, supplied, &deployment);
                expression_errors.extend(expanded.expression_errors);
                model.contexts.push(Context {
                    parameter_file,
                    resources: expanded.resources,
                    notes: expanded.notes,
                });
            }
            expression_errors.sort();
            expression_errors.dedup();
            for (span, message) in expression_errors {
                let f = sources.get(span.file);
                let mut finding = parse_error(
                    f,
                    detail,
                    span.start,
                    &format!("malformed expression: {message}"),
                );
                finding.location = Location::of(f, span.start, span.end);
                if detail.excerpts {
                    finding.excerpt = Some(Excerpt::of(f, span.start, span.end));
                }
                out.findings.push(finding);
            }
            judge_deployment(&model, &sources, file, &run.config, &mut out);
            out
        }
    }
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
        let mut finding = parse_error(sources.get(file), out.detail, offset, &message);
        finding.message = format!("cannot read Terraform plan JSON: {message}");
        out.findings.push(finding);
        return;
    }
    let Some(root) = root else { return };
    let model = if state {
        tfplan::state(&root, file)
    } else {
        tfplan::plan(&root, file)
    };
    let first = out.findings.len();
    judge_deployment(&model, &sources, file, &run.config, out);
    merge_instances(&mut out.findings, first);
}

/// Merges the findings (from index `first`) about instances of one declaration (`count`,
/// `for_each`) that reach the same verdict for the same image: the first is kept and says how
/// many instances it stands for.
fn merge_instances(findings: &mut Vec<Finding>, first: usize) {
    let mut more: Vec<usize> = Vec::new();
    let mut index = std::collections::HashMap::new();
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

/// The canonical form of a path (itself when it cannot be canonicalised).
pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The evaluation contexts of a template: one per sibling parameter file, or one with the
/// defaults only. A parameter file that cannot be read is reported and left out.
fn parameter_contexts(
    sources: &mut SourceMap,
    template: FileId,
    out: &mut FileOutcome,
) -> Vec<(Option<String>, ParameterValues)> {
    let template_path = sources.get(template).path.clone();
    let template_display = sources.get(template).display.clone();
    let mut contexts = Vec::new();
    for param_path in arm::sibling_parameter_files(&template_path) {
        let display = match template_display.rfind('/') {
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
        };
        let Ok(Read::Whole(bytes)) = read_limited(&param_path) else {
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
                let mut finding = parse_error(f, out.detail, e.offset, &e.message);
                finding.message = format!("cannot parse parameter file: {}", e.message);
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
    TooLarge { head: Vec<u8>, size: u64 },
}

fn read_limited(path: &Path) -> std::io::Result<Read> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > MAX_FILE_BYTES {
        let mut head = vec![0; 64 * 1024];
        let n = file.read(&mut head)?;
        head.truncate(n);
        return Ok(Read::TooLarge { head, size });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(Read::TooLarge {
            head: bytes[..64 * 1024].to_vec(),
            size: bytes.len() as u64,
        });
    }
    Ok(Read::Whole(bytes))
}

fn arm_marker(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"eploymentTemplate").is_some()
}

fn parse_error(file: &SourceFile, detail: Detail, offset: u32, message: &str) -> Finding {
    let end = next_char_end(&file.text, offset);
    Finding {
        rule: Rule::ParseError,
        severity: Severity::Error,
        message: format!("cannot parse ARM template: {message}"),
        label: message.to_string(),
        location: Location::of(file, offset, end),
        excerpt: detail.excerpts.then(|| Excerpt::of(file, offset, end)),
        resource: None,
        parameter_file: None,
        related: Vec::new(),
        fingerprint: fingerprint(&[Rule::ParseError.id(), &file.display]),
    }
}

fn next_char_end(text: &str, offset: u32) -> u32 {
    let o = offset as usize;
    match text.get(o..).and_then(|rest| rest.chars().next()) {
        Some(c) if c != '\n' && c != '\r' => (o + c.len_utf8()) as u32,
        _ => offset,
    }
}

/// Judges every image of every resource of `deployment`.
pub fn judge_deployment(
    deployment: &Deployment,
    sources: &SourceMap,
    main: FileId,
    config: &Config,
    out: &mut FileOutcome,
) {
    let catalog = Catalog::builtin();
    for context in &deployment.contexts {
        for note in &context.notes {
            let place = note.span.map_or_else(
                || sources.get(main).display.clone(),
                |s| {
                    let l = Location::of(sources.get(s.file), s.start, s.end);
                    format!("{}:{}:{}", l.path, l.line, l.column)
                },
            );
            out.notes.push(format!("{place}: {}", note.message));
        }
        for resource in &context.resources {
            let entry = catalog
                .terraform(&resource.resource_type)
                .or_else(|| catalog.arm(&resource.resource_type));
            let Some(entry) = entry else {
                continue;
            };
            let images = extract::images(resource, entry);
            let judged: Vec<(FoundImage, Verdict)> = images
                .into_iter()
                .map(|found| {
                    let verdict = config.policy.judge(&found.image);
                    (found, verdict)
                })
                .collect();
            let param = context.parameter_file.as_deref();
            out.resources
                .push(resource_entry(resource, &judged, sources, param));
            for (found, verdict) in &judged {
                let judged = Judged {
                    resource,
                    found,
                    verdict,
                    parameter_file: param,
                };
                if let Some(f) = finding(&judged, sources, config.mode, out.detail) {
                    out.findings.push(f);
                }
            }
        }
    }
}

fn resource_entry(
    resource: &Resource,
    judged: &[(FoundImage, Verdict)],
    sources: &SourceMap,
    parameter_file: Option<&str>,
) -> ResourceEntry {
    let status = if judged.iter().any(|(_, v)| *v == Verdict::Unapproved) {
        Status::Noncompliant
    } else if judged
        .iter()
        .any(|(_, v)| matches!(v, Verdict::Unresolved(_)))
    {
        Status::Unresolved
    } else if judged
        .iter()
        .any(|(_, v)| matches!(v, Verdict::Compliant | Verdict::Unpinned))
    {
        Status::Compliant
    } else {
        Status::NotJudged
    };
    let image = (!judged.is_empty()).then(|| {
        judged
            .iter()
            .map(|(f, _)| match &f.image {
                Image::Unresolved(why) => format!("unresolved: {}", why.explain()),
                other => other.describe(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    let file = sources.get(resource.span.file);
    ResourceEntry {
        path: file.display.clone(),
        line: file.line_col(resource.span.start).line,
        resource_type: resource.resource_type.clone(),
        name: resource.name.clone(),
        image,
        status,
        parameter_file: parameter_file.map(str::to_owned),
    }
}

/// One judged image of one resource, in one context.
struct Judged<'a> {
    resource: &'a Resource,
    found: &'a FoundImage,
    verdict: &'a Verdict,
    parameter_file: Option<&'a str>,
}

fn finding(
    judged: &Judged<'_>,
    sources: &SourceMap,
    mode: Mode,
    detail: Detail,
) -> Option<Finding> {
    let Judged {
        resource,
        found,
        verdict,
        parameter_file,
    } = *judged;
    let what = found.image.describe();
    let (rule, severity, message, label) = match verdict {
        Verdict::Compliant | Verdict::NotJudged => return None,
        Verdict::Unapproved => (
            Rule::UnapprovedImage,
            match mode {
                Mode::Deny => Severity::Error,
                Mode::Audit => Severity::Warning,
            },
            format!("{what} is not an approved image"),
            "unapproved image".to_string(),
        ),
        Verdict::Unresolved(why) => (
            Rule::UnresolvedImage,
            Severity::Warning,
            format!(
                "the image of {} '{}' cannot be determined offline: {}",
                short_type(&resource.resource_type),
                resource.name,
                why.explain()
            ),
            "image not known before deployment".to_string(),
        ),
        Verdict::Unpinned => (
            Rule::UnpinnedImageVersion,
            Severity::Warning,
            format!("{what} is approved but not pinned to a version"),
            "no pinned version".to_string(),
        ),
    };
    let via: Vec<&str> = found.hops.iter().map(|h| h.label.as_str()).collect();
    let message = match verdict {
        Verdict::Unapproved | Verdict::Unpinned if !via.is_empty() => {
            format!("{message}; the value comes from {}", via.join(" \u{2190} "))
        }
        _ => message,
    };
    let message = match parameter_file {
        Some(p) => format!("{message} (with parameter file {p})"),
        None => message,
    };
    let primary = match verdict {
        Verdict::Unresolved(why) => why
            .span
            .filter(|s| s.file != found.primary.file || inside(*s, resource.span))
            .unwrap_or(found.primary),
        _ => found.primary,
    };
    let file = sources.get(primary.file);
    let mut related = Vec::new();
    let mut relate = |span: Span, message: String| {
        let seen = related.iter().any(|r: &Related| {
            r.message == message
                && r.location.path == sources.get(span.file).display
                && r.location.line == sources.get(span.file).line_col(span.start).line
        });
        if span != primary && !seen {
            let f = sources.get(span.file);
            related.push(Related {
                location: Location::of(f, span.start, span.start),
                message,
            });
        }
    };
    relate(
        resource.span,
        format!(
            "{} '{}' is declared here",
            short_type(&resource.resource_type),
            resource.name
        ),
    );
    relate(
        found.property,
        format!("the image is set here (`{}`)", found.path),
    );
    for hop in &found.hops {
        relate(hop.span, hop.label.clone());
    }
    if let Verdict::Unresolved(why) = verdict {
        for hop in &why.chain {
            relate(hop.span, hop.label.clone());
        }
    }
    let image_key = match &found.image {
        Image::Unresolved(_) => found.path.clone(),
        other => other.describe(),
    };
    Some(Finding {
        rule,
        severity,
        message,
        label,
        location: Location::of(file, primary.start, primary.end),
        excerpt: detail
            .excerpts
            .then(|| Excerpt::of(file, primary.start, primary.end)),
        resource: Some(ResourceRef {
            resource_type: resource.resource_type.clone(),
            name: resource.name.clone(),
        }),
        parameter_file: parameter_file.map(str::to_owned),
        related,
        fingerprint: fingerprint(&[
            rule.id(),
            &sources.get(resource.span.file).display,
            &resource.resource_type.to_ascii_lowercase(),
            &resource.identity,
            &image_key,
            parameter_file.unwrap_or(""),
        ]),
    })
}

fn inside(inner: Span, outer: Span) -> bool {
    inner.file == outer.file && inner.start >= outer.start && inner.end <= outer.end
}

/// `Microsoft.Compute/virtualMachines` → `virtualMachines`, for messages.
fn short_type(resource_type: &str) -> &str {
    resource_type.rsplit('/').next().unwrap_or(resource_type)
}
