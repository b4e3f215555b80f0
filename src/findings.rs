//! From verdicts to findings: every image of every resource is judged, and each verdict that
//! is not compliant becomes a located [`Finding`] pointing where a person changes it, with the
//! rest of the chain as related locations. Every image-bearing resource also gets a
//! [`ResourceEntry`] with its status.

use crate::catalog::Catalog;
use crate::config::{Config, Mode};
use crate::extract::{self, FoundImage};
use crate::image::Image;
use crate::judge::Verdict;
use crate::model::{Deployment, Resource};
use crate::pipeline::{Detail, FileOutcome};
use crate::report::{
    Excerpt, Finding, Location, Related, ResourceEntry, ResourceRef, Status, fingerprint,
};
use crate::rules::{Rule, Severity};
use crate::source::{FileId, SourceMap, Span};

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
        assumption: resource.assumption.clone(),
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
    let message = match &resource.assumption {
        Some(a) => format!("{message} (when {a})"),
        None => message,
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
            resource.assumption.as_deref().unwrap_or(""),
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
