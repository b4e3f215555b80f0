//! The per-file pipeline: read → decode → classify → frontend → extract → judge → findings.
//!
//! Each file is analysed on its own worker; what comes out is located and self-contained
//! ([`FileOutcome`]), so the file's text is dropped as soon as the file is done.

use std::path::Path;

use crate::catalog::Catalog;
use crate::config::{Config, Mode};
use crate::extract::{self, FoundImage};
use crate::frontend::arm::{self, Classification};
use crate::image::Image;
use crate::judge::Verdict;
use crate::model::{Deployment, Resource};
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

/// Analyses one file. `display` is the path shown to users.
pub fn analyze_file(path: &Path, display: &str, config: &Config, detail: Detail) -> FileOutcome {
    let mut out = FileOutcome {
        detail,
        ..FileOutcome::default()
    };
    let bytes = match read_limited(path) {
        Ok(Read::Whole(bytes)) => bytes,
        Ok(Read::TooLarge { head, size }) => {
            if arm_marker(&head) {
                let file =
                    SourceFile::new(path.into(), display.into(), String::new(), Encoding::Utf8);
                out.judged = true;
                out.findings.push(parse_error(
                    &file,
                    detail,
                    0,
                    &format!(
                        "the file is {} MiB, larger than the {} MiB limit; it was not read",
                        size / (1024 * 1024),
                        MAX_FILE_BYTES / (1024 * 1024)
                    ),
                ));
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
        Classification::NotTemplate => out,
        Classification::Broken(e) => {
            let file = SourceFile::new(path.into(), display.into(), text, encoding);
            out.judged = true;
            out.findings
                .push(parse_error(&file, detail, e.offset, &e.message));
            out
        }
        Classification::Template(root) => {
            let mut sources = SourceMap::default();
            let file = sources.add(SourceFile::new(path.into(), display.into(), text, encoding));
            let deployment = arm::lower_template(file, &root);
            drop(root);
            out.judged = true;
            judge_deployment(&deployment, &sources, file, config, &mut out);
            out
        }
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
            let Some(entry) = catalog.arm(&resource.resource_type) else {
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
        if span != primary {
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
