//! From verdicts to findings: every image of every resource is judged, every resource rule
//! checks each judged resource, and each violation becomes a located [`Finding`] pointing where
//! a person changes it, with the rest of the chain as related locations. Every image-bearing
//! resource also gets a [`ResourceEntry`] with its status.

use crate::catalog::Catalog;
use crate::config::{Config, Mode};
use crate::extract::{self, FoundImage};
use crate::image::Image;
use crate::judge::Verdict;
use crate::model::{CopyOf, Deployment, Dialect, Resource};
use crate::report::{
    DeployedEntry, Detail, Excerpt, Finding, ImageRef, Location, Related, ResourceEntry,
    ResourceRef, Status, Suppression, fingerprint,
};
use crate::rules::{self, JudgedImage, JudgedResource, Rule, Severity, Violation, short_type};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::suppress::{Exempter, Tally};
use crate::value::Why;

/// What judging one deployment gives; the caller adds it to its file's outcome.
#[derive(Debug, Default)]
pub struct Judgement {
    /// Findings, located.
    pub findings: Vec<Finding>,
    /// Image-bearing resources, with their status.
    pub resources: Vec<ResourceEntry>,
    /// Notes of the evaluation contexts (budgets cut, links refused), located, for stderr.
    pub notes: Vec<String>,
    /// What the exemptions matched.
    pub exemptions: Tally,
}

/// Judges every image of every resource of `deployment` and runs every resource rule on each
/// judged resource. `main` is the deployment's file (where unlocated notes point); `detail`
/// says what to keep of each finding; `exempter` decides which findings are exempted (a
/// resource whose image findings all are is `exempt`).
pub fn judge_deployment(
    deployment: Deployment,
    sources: &SourceMap,
    main: FileId,
    config: &Config,
    detail: Detail,
    exempter: &Exempter,
) -> Judgement {
    let catalog = Catalog::builtin();
    let mut out = Judgement::default();
    let mut drafts: Vec<Draft> = Vec::new();
    let Deployment {
        dialect,
        contexts,
        merge_instances,
        comments,
    } = deployment;
    let mut comments = exempter.comments(sources, &comments);
    // Each context is dropped once judged: what is kept of it is its findings and entries.
    for context in contexts {
        for note in &context.notes {
            let place = note.span.map_or_else(
                || sources.get(main).display.clone(),
                |s| {
                    let l = Location::of(sources.get(s.file), s.start, s.end);
                    format!("{}:{}:{}", l.path, l.line, l.column)
                },
            );
            out.notes.push(format!("{place}: {}", note.kind));
        }
        let param = context.parameter_file.as_deref();
        let shared = Shared {
            parameter_file: param,
            policy: &config.policy,
            sources,
            detail,
        };
        // Resources with their images, then deployments whose contents cannot be seen: those
        // have one image, unknown for the reason their template cannot be read.
        let unseen = context
            .unseen
            .iter()
            .map(|u| (&u.resource, Some((&u.why, u.property))));
        let declared = context.resources.iter().map(|r| (r, None));
        for (resource, unseen) in declared.chain(unseen) {
            let images: Vec<JudgedImage> = match unseen {
                Some((why, property)) => vec![unseen_image(resource, why, property)],
                None => {
                    let entry = catalog.entry_in(dialect.catalog, &resource.resource_type);
                    let Some(entry) = entry else {
                        continue;
                    };
                    extract::images_among(resource, entry, &context.resources, dialect.catalog)
                        .into_iter()
                        .map(|found| {
                            let verdict = config.policy.judge(&found.image);
                            JudgedImage { found, verdict }
                        })
                        .collect()
                }
            };
            // Each image as the report shows it, made once for the entry and its findings.
            let refs: Vec<ImageRef> = images
                .iter()
                .map(|j| ImageRef::of(&j.found.image, &clipped))
                .collect();
            out.resources.push(resource_entry(
                resource, &images, &refs, sources, param, dialect,
            ));
            let judged = JudgedResource {
                resource,
                images: &images,
                tags: &config.tags,
                contents_unseen: unseen.is_some(),
            };
            let mut violations: Vec<(Rule, Violation<'_>)> = Vec::new();
            for (rule, check) in rules::resource_rules() {
                violations.extend(check.check(&judged).into_iter().map(|v| (rule, v)));
            }
            // In the order of the images (then of the rules), as the resource declares them.
            violations.sort_by_key(|(_, v)| v.image.unwrap_or(usize::MAX));
            let mut status_exempted = None;
            for (rule, v) in violations {
                let Some(severity) = severity(rule, config) else {
                    continue;
                };
                let image = v.image.and_then(|i| refs.get(i)).cloned();
                // Where an exemption comment may stand (on the line before): the place the
                // finding points at, the resource's first line, the image property's line.
                let line =
                    |span: Span| (span.file, sources.get(span.file).line_col(span.start).line);
                let mut anchors = vec![line(v.primary), line(resource.span)];
                let decides_status = v.image.is_some_and(|i| {
                    matches!(
                        images[i].verdict,
                        Verdict::Unapproved | Verdict::Unresolved(_)
                    )
                });
                if let Some(i) = v.image {
                    anchors.push(line(images[i].found.property));
                }
                let mut draft = finding(rule, severity, v, &judged, &shared);
                draft.finding.image = image;
                draft.finding.suppression =
                    exempter.decide(&draft.finding, &anchors, &mut comments, &mut out.exemptions);
                if decides_status {
                    let exempted = draft.finding.suppression.is_some();
                    status_exempted = Some(status_exempted.unwrap_or(true) && exempted);
                }
                drafts.push(draft);
            }
            // A resource whose findings that decide its status are all exempted is exempt.
            if status_exempted == Some(true)
                && let Some(entry) = out.resources.last_mut()
                && matches!(entry.status, Status::Noncompliant | Status::Unresolved)
            {
                entry.status = Status::Exempt;
            }
        }
    }
    exempter.keep_comments(comments, sources, detail, &mut out.exemptions);
    out.findings = merge(drafts, merge_instances);
    out
}

/// The one image of a resource whose contents were not seen (a deployment whose template
/// cannot be read, copies beyond the budget): unknown, for `why`, pointing where a person
/// makes it readable; `property` is what was not seen.
fn unseen_image(deployment: &Resource, why: &Why, property: &str) -> JudgedImage {
    let at = why
        .span
        .filter(|s| s.file == deployment.span.file)
        .unwrap_or(deployment.span);
    JudgedImage {
        found: FoundImage {
            image: Image::Unresolved(why.clone()),
            primary: at,
            property: at,
            path: property.to_string(),
            hops: Vec::new(),
        },
        verdict: Verdict::Unresolved(why.clone()),
    }
}

/// The resource's entry in the report: what its images were resolved to and its status.
fn resource_entry(
    resource: &Resource,
    judged: &[JudgedImage],
    refs: &[ImageRef],
    sources: &SourceMap,
    parameter_file: Option<&str>,
    dialect: Dialect,
) -> ResourceEntry {
    let any = |verdict: fn(&Verdict) -> bool| judged.iter().any(|j| verdict(&j.verdict));
    let status = if any(|v| *v == Verdict::Unapproved) {
        Status::Noncompliant
    } else if any(|v| matches!(v, Verdict::Unresolved(_))) {
        Status::Unresolved
    } else if any(|v| {
        // A deprecated version is still an approved image: compliant, counted apart by
        // the reports that track versions (IG004 says it).
        matches!(
            v,
            Verdict::Compliant | Verdict::Unpinned | Verdict::Deprecated(_)
        )
    }) {
        Status::Compliant
    } else {
        Status::NotJudged
    };
    let image = (!refs.is_empty()).then(|| {
        refs.iter()
            .map(|r| r.display.as_str())
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
        images: refs.to_vec(),
        status,
        parameter_file: parameter_file.map(str::to_owned),
        assumption: resource.assumption.clone(),
        outdated: judged
            .iter()
            .any(|j| matches!(j.verdict, Verdict::Deprecated(_))),
        deployed: resource.deployed.as_deref().map(|d| DeployedEntry {
            id: clipped(&d.id),
            subscription: d.subscription.as_deref().map(clipped),
            resource_group: d.resource_group.as_deref().map(clipped),
            location: d.location.as_deref().map(clipped),
            power_state: d.power_state.as_deref().map(clipped),
        }),
        tags: known_tags(resource),
        azure_name: azure_name(resource, dialect),
        deployed_through: resource
            .deployed_by
            .iter()
            .map(|(span, _)| sources.get(span.file).display.clone())
            .collect(),
    }
}

/// The name Azure knows the resource by, when it is known offline: an ARM or Bicep resource's
/// evaluated name (a child's last segment), a Terraform resource's `name` attribute, a
/// deployed resource's ID's last segment. For matching what is declared with what runs.
fn azure_name(resource: &Resource, dialect: Dialect) -> Option<String> {
    let name = match (&resource.deployed, dialect.name_attribute) {
        (Some(d), _) => d.id.rsplit('/').next().map(str::to_owned),
        (None, Some(attribute)) => resource
            .body
            .get(attribute)
            .and_then(crate::value::Value::as_str)
            .map(str::to_owned),
        (None, None) => resource.name.rsplit('/').next().map(str::to_owned),
    }?;
    // An expression as written, or a value with unknown parts, is not a name.
    let unknown = name.is_empty() || name.contains(['[', ']', '<', '>', '$', '(', ')']);
    (!unknown).then_some(name)
}

/// The resource's tags whose values are known strings (`tags` of its body: ARM and Bicep
/// resources, Terraform attributes), each clipped like any template-controlled text.
fn known_tags(resource: &Resource) -> std::collections::BTreeMap<String, String> {
    use crate::value::Kind;
    match resource.body.get("tags").map(|t| &t.kind) {
        Some(Kind::Object(members)) => members
            .iter()
            .filter_map(|(name, value)| Some((clipped(name), clipped(value.as_str()?))))
            .collect(),
        _ => Default::default(),
    }
}

/// Most characters of template-controlled text a message carries: an 800 KB image ID copied
/// into 100 loop instances must not make an 80 MB report.
const MAX_MESSAGE_CHARS: usize = 1000;

/// `text`, or when longer than [`MAX_MESSAGE_CHARS`] characters its head and tail around a mark
/// saying how many characters were left out (the tail of a message holds its cause).
fn clipped(text: &str) -> String {
    const HEAD: usize = MAX_MESSAGE_CHARS * 3 / 5;
    const TAIL: usize = MAX_MESSAGE_CHARS - HEAD;
    let count = text.chars().count();
    if count <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let head_end = text.char_indices().nth(HEAD).map_or(text.len(), |(i, _)| i);
    let tail_start = text
        .char_indices()
        .nth(count - TAIL)
        .map_or(text.len(), |(i, _)| i);
    format!(
        "{} … ({} characters left out) … {}",
        &text[..head_end],
        count - HEAD - TAIL,
        &text[tail_start..]
    )
}

/// What every finding of one evaluation context shares.
struct Shared<'a> {
    /// The parameter file the context takes values from.
    parameter_file: Option<&'a str>,
    /// The policy, for the concrete next step a finding suggests.
    policy: &'a crate::judge::Policy,
    /// The files, to locate spans.
    sources: &'a SourceMap,
    /// What to keep of each finding.
    detail: Detail,
}

/// The finding for `violation` of `rule` on `judged`, located, with the resource, the image
/// property and every hop as related locations; its message is the rule's until [`merge`]
/// says what it covers.
fn finding(
    rule: Rule,
    severity: Severity,
    violation: Violation<'_>,
    judged: &JudgedResource<'_>,
    shared: &Shared<'_>,
) -> Draft {
    let Shared {
        parameter_file,
        sources,
        detail,
        ..
    } = *shared;
    let resource = judged.resource;
    let found = violation.image.map(|i| &judged.images[i].found);
    let message = clipped(&violation.message);
    let primary = violation.primary;
    let file = sources.get(primary.file);
    let mut related = Vec::new();
    let mut relate = |span: Span, message: String| {
        let message = clipped(&message);
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
    // A deployed resource is not declared in the export that lists it.
    let listed = if resource.deployed.is_some() {
        "is listed here (deployed)"
    } else {
        "is declared here"
    };
    relate(
        resource.span,
        format!(
            "{} '{}' {listed}",
            short_type(&resource.resource_type),
            resource.name
        ),
    );
    // The deployments it is deployed through, innermost first: the chain of callers of a
    // linked or nested template.
    for (span, name) in &resource.deployed_by {
        relate(*span, format!("deployed through deployment '{name}'"));
    }
    if let Some(found) = found {
        relate(
            found.property,
            format!("the image is set here (`{}`)", found.path),
        );
        for hop in &found.hops {
            relate(hop.span, hop.via.to_string());
        }
    }
    for hop in violation.chain {
        relate(hop.span, hop.via.to_string());
    }
    // A finding about no image (the tag rules) is told apart by what it says of the resource:
    // its label (instances that lack tags, and one whose tags are unknown, are two problems).
    let image_key = found.map_or_else(
        || violation.label.clone(),
        |f| match &f.image {
            Image::Unresolved(_) => f.path.clone(),
            other => other.describe(),
        },
    );
    // A deployed resource is its resource ID, whichever export (file) it was read from: a
    // baseline of the estate holds across exports.
    let (file_key, declaration) = match &resource.deployed {
        Some(d) => (String::new(), d.id.to_ascii_lowercase()),
        None => (
            sources.get(resource.span.file).display.clone(),
            resource.identity.clone(),
        ),
    };
    let identity = Identity {
        file: file_key,
        resource_type: resource.resource_type.to_ascii_lowercase(),
        declaration,
        image: image_key,
    };
    // Resource IDs and Marketplace coordinates are case-insensitive in Azure: a change of case
    // is not a new finding (a baseline keeps matching it).
    let image_print = identity.image.to_ascii_lowercase();
    let mut parts = vec![
        rule.id(),
        &identity.file,
        &identity.resource_type,
        &identity.declaration,
        &image_print,
        parameter_file.unwrap_or(""),
        resource.assumption.as_deref().unwrap_or(""),
    ];
    // The resource's address: an instance of a copy loop is told apart by its evaluated name
    // (its instances can take their images from different literals); elsewhere the
    // declaration is the address (Terraform's instances are merged into one finding).
    if resource.copy.is_some() {
        parts.push(&resource.name);
    }
    let finding = Finding {
        rule,
        severity,
        message,
        label: violation.label,
        location: Location::of(file, primary.start, primary.end),
        bytes: primary.start..primary.end,
        excerpt: detail
            .excerpts
            .then(|| Excerpt::of(file, primary.start, primary.end)),
        resource: Some(ResourceRef {
            resource_type: resource.resource_type.clone(),
            name: resource.name.clone(),
            declared_in: sources.get(resource.span.file).display.clone(),
        }),
        parameter_file: parameter_file.map(str::to_owned),
        related,
        // Set by the caller, which made it for the resource entry.
        image: None,
        fingerprint: fingerprint(&parts),
        fix: None,
        suppression: None,
        help: rules::help(rule, found, shared.policy).map(|h| clipped(&h)),
    };
    Draft {
        finding,
        cover: Cover {
            resource: format!(
                "{} '{}'",
                short_type(&resource.resource_type),
                resource.name
            ),
            declaration: (identity.file.clone(), identity.declaration.clone()),
            instances: 1,
            copy: resource.copy.clone(),
            parameter_file: parameter_file.map(str::to_owned),
            assumption: resource.assumption.clone(),
        },
        identity,
    }
}

/// Completes the help of findings with what the run saw the repository deploy: an unpinned
/// image of a definition that other resources deploy pinned is told the newest such version,
/// and an unapproved image is told the approved gallery image the repository deploys most (a
/// golden definition to use). Only compliant, pinned, fully known gallery images count, and
/// not versions `policy`'s lifecycle deprecates; an unpinned image whose gallery snapshot
/// names the newest version keeps that help.
pub(crate) fn suggest_from_repository(
    findings: &mut [Finding],
    resources: &[ResourceEntry],
    policy: &crate::judge::Policy,
) {
    use crate::report::{ImageParts, VersionKind};
    // By lower-cased definition ID: the definition as written, its newest version, and how
    // many resources deploy it.
    let mut deployed: foldhash::HashMap<String, (String, String, usize)> = Default::default();
    for entry in resources.iter().filter(|r| r.status == Status::Compliant) {
        for image in &entry.images {
            let ImageParts::ComputeGallery {
                id: Some(id),
                version: Some(version),
                version_kind: VersionKind::Pinned,
                ..
            } = &image.parts
            else {
                continue;
            };
            let Some(definition) = definition_of(id) else {
                continue;
            };
            if policy.deprecation(&known_id(definition), version).is_some() {
                continue;
            }
            let slot = deployed
                .entry(definition.to_ascii_lowercase())
                .or_insert_with(|| (definition.to_owned(), version.clone(), 0));
            slot.2 += 1;
            if newer(version, &slot.1) {
                slot.1 = version.clone();
            }
        }
    }
    if deployed.is_empty() {
        return;
    }
    let most = deployed
        .values()
        .max_by(|a, b| a.2.cmp(&b.2).then_with(|| b.0.cmp(&a.0)))
        .map(|(definition, version, _)| format!("{definition}/versions/{version}"));
    for finding in findings.iter_mut() {
        let unpinned_definition = finding.image.as_ref().and_then(|image| match &image.parts {
            ImageParts::ComputeGallery {
                id: Some(id),
                version_kind: VersionKind::Latest | VersionKind::None,
                ..
            } => Some(definition_of(id).unwrap_or(id).to_ascii_lowercase()),
            _ => None,
        });
        match finding.rule.id() {
            "IG003" => {
                let from_snapshot = unpinned_definition
                    .as_deref()
                    .is_some_and(|d| policy.newest_version(&known_id(d)).is_some());
                if let Some((definition, version, _)) = unpinned_definition
                    .and_then(|d| deployed.get(&d))
                    .filter(|_| !from_snapshot)
                {
                    finding.help = Some(format!(
                        "pin a tested version: the newest this repository deploys is \
                         `{definition}/versions/{version}`"
                    ));
                }
            }
            "IG001" => {
                if let (Some(help), Some(most)) = (&mut finding.help, &most) {
                    // After what to use, before the alternative of approving it.
                    let example = format!(" (this repository deploys the approved `{most}`)");
                    let at = help.find(", or ").unwrap_or(help.len());
                    help.insert_str(at, &example);
                }
            }
            _ => {}
        }
    }
}

/// A resource ID written out in full, as the judgement sees IDs.
fn known_id(id: &str) -> crate::image::IdPath {
    crate::image::IdPath(
        id.trim_start_matches('/')
            .split('/')
            .map(|s| crate::image::Seg::Known(s.to_owned()))
            .collect(),
    )
}

/// The definition ID of a gallery image version ID (`…/images/D/versions/V` → `…/images/D`).
fn definition_of(id: &str) -> Option<&str> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/versions/")?;
    Some(&id[..at])
}

/// Whether version `a` is newer than `b`: numerically part by part (`1.10.0` > `1.9.2`),
/// else as text.
fn newer(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Option<Vec<u64>> { v.split('.').map(|p| p.parse().ok()).collect() };
    match (parts(a), parts(b)) {
        (Some(x), Some(y)) => x > y,
        _ => a > b,
    }
}

/// The severity of `rule`'s findings under `config`, or `None` when `[rules]` turns the rule
/// off: the level `[rules]` sets, else the rule's document's; in audit mode an image rule's
/// error is a warning (audit reports and never blocks on images; a file that cannot be read,
/// IG000, stays an error). The one place a finding's severity is decided.
pub(crate) fn severity(rule: Rule, config: &Config) -> Option<Severity> {
    let severity = match config.level(rule) {
        Some(level) => level.severity()?,
        None => rule.severity(),
    };
    let image_rule = rule.resource_rule().is_some();
    Some(match (config.mode, severity) {
        (Mode::Audit, Severity::Error) if image_rule => Severity::Warning,
        (_, severity) => severity,
    })
}

/// Gives every finding of the run the severity `config` decides ([`severity`]) and drops
/// those of rules it turns off: for the findings made while files are read (IG000), which
/// are made before any config is consulted.
pub(crate) fn apply_severities(findings: &mut Vec<Finding>, config: &Config) {
    if config.rules.is_empty() {
        return;
    }
    findings.retain_mut(|f| match severity(f.rule, config) {
        Some(s) => {
            f.severity = s;
            true
        }
        None => false,
    });
}

/// The effective severity of every rule under `config` (`None`: turned off), in rule order:
/// what SARIF's rule descriptors and the reports' config summary show.
pub(crate) fn rule_severities(config: &Config) -> Vec<(Rule, Option<Severity>)> {
    Rule::ALL
        .iter()
        .map(|&r| (r, severity(r, config)))
        .collect()
}

/// An IG000 finding: `headline` says what could not be read ("cannot parse ARM template"),
/// `problem` why, at bytes `at` of `file`.
pub(crate) fn parse_error(
    file: &SourceFile,
    detail: Detail,
    at: std::ops::Range<u32>,
    headline: &str,
    problem: &str,
) -> Finding {
    let (message, label) = rules::parse_error_wording(headline, problem);
    file_finding(rules::PARSE_ERROR, file, at, message, label, detail)
}

/// The IG000 of a folder the walk could not list (`folder`), or of an entry of one whose kind
/// it could not tell, at `path` (shown as `display`): none of the files in it was judged, so
/// the run cannot pass. It has no excerpt: there is no text to show.
pub(crate) fn unreadable_entry(
    path: &std::path::Path,
    display: &str,
    folder: bool,
    error: &std::io::Error,
) -> Finding {
    let file = SourceFile::new(
        path.to_path_buf(),
        display.to_string(),
        String::new(),
        crate::source::Encoding::Utf8,
    );
    let (headline, problem) = rules::unreadable_wording(folder, error);
    parse_error(&file, Detail::default(), 0..0, headline, &problem)
}

/// A finding of `rule` about the file `file` itself (not a resource), at bytes `at`.
fn file_finding(
    rule: Rule,
    file: &SourceFile,
    at: std::ops::Range<u32>,
    message: String,
    label: String,
    detail: Detail,
) -> Finding {
    Finding {
        rule,
        severity: rule.severity(),
        message: clipped(&message),
        label,
        location: Location::of(file, at.start, at.end),
        excerpt: detail.excerpts.then(|| Excerpt::of(file, at.start, at.end)),
        bytes: at,
        resource: None,
        parameter_file: None,
        related: Vec::new(),
        image: None,
        fingerprint: fingerprint(&[rule.id(), &file.display]),
        fix: None,
        suppression: None,
        help: None,
    }
}

/// An IG006 finding: the config file `file` (found in the scanned tree) is not the config in
/// effect, whose path is `in_effect` as displayed (`None`: the embedded default). It points
/// at the file's first line.
pub(crate) fn config_not_in_effect(
    file: &SourceFile,
    in_effect: Option<&str>,
    detail: Detail,
) -> Finding {
    let (message, label) = rules::config_not_in_effect_wording(&file.display, in_effect);
    let end = file.text.find('\n').unwrap_or(file.text.len()) as u32;
    let rule = rules::CONFIG_NOT_IN_EFFECT;
    file_finding(rule, file, 0..end, message, label, detail)
}

/// A finding before [`merge`]: what it is about, besides where.
struct Draft {
    /// The finding, its message the rule's alone.
    finding: Finding,
    /// The declaration and image it is about.
    identity: Identity,
    /// What it covers, for its message.
    cover: Cover,
}

/// The declaration and image a finding is about, in one context: the findings about its
/// instances are one problem.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Identity {
    /// The resource's file, as displayed.
    file: String,
    /// The resource type, lower case.
    resource_type: String,
    /// The declaration's identity (`Resource::identity`).
    declaration: String,
    /// The image as described, or the property path of an unknown one.
    image: String,
}

/// The resource (and its instances) and the context a finding stands for.
#[derive(Clone, PartialEq, Eq)]
struct Cover {
    /// `virtualMachines 'vm1'`.
    resource: String,
    /// Its file and declaration's identity.
    declaration: (String, String),
    /// How many instances of the declaration the finding stands for.
    instances: usize,
    /// The copy loop they are instances of.
    copy: Option<CopyOf>,
    /// The parameter file of the context.
    parameter_file: Option<String>,
    /// The assumption the resource was judged under.
    assumption: Option<String>,
}

/// Most related locations a merged finding keeps.
const MAX_RELATED: usize = 32;

/// Most resources a merged finding names.
const MAX_NAMED: usize = 5;

/// One finding per problem: first the findings about instances of one declaration that reach
/// the same verdict for the same image (at the same place, or, with `any_place`, each at its
/// own: Terraform's `count` and `for_each` instances), then the findings that say the same
/// thing at the same place (resources, contexts sharing one literal). Each says what it
/// covers; its fingerprint is the least of its members' (unique: each member is in one).
fn merge(drafts: Vec<Draft>, any_place: bool) -> Vec<Finding> {
    type Place<'a> = (&'a str, u32, u32);
    fn place(f: &Finding) -> Place<'_> {
        (f.location.path.as_str(), f.bytes.start, f.bytes.end)
    }
    // Instances: (rule, declaration, image, context, place), keyed by borrowing the drafts;
    // each group is (its first draft, how many, its least fingerprint's draft).
    let mut groups: Vec<(usize, usize, usize)> = Vec::with_capacity(drafts.len());
    {
        type Key<'a> = (
            Rule,
            &'a Identity,
            Option<&'a str>,
            Option<&'a str>,
            Option<Place<'a>>,
            Option<&'a Suppression>,
        );
        let mut index: foldhash::HashMap<Key<'_>, usize> = foldhash::HashMap::default();
        for (i, draft) in drafts.iter().enumerate() {
            let key = (
                draft.finding.rule,
                &draft.identity,
                draft.cover.parameter_file.as_deref(),
                draft.cover.assumption.as_deref(),
                (!any_place).then(|| place(&draft.finding)),
                draft.finding.suppression.as_ref(),
            );
            match index.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    let (_, count, least) = &mut groups[*e.get()];
                    *count += 1;
                    if draft.finding.fingerprint < drafts[*least].finding.fingerprint {
                        *least = i;
                    }
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(groups.len());
                    groups.push((i, 1, i));
                }
            }
        }
    }
    let prints: Vec<String> = groups
        .iter()
        .map(|&(_, _, least)| drafts[least].finding.fingerprint.clone())
        .collect();
    let mut drafts: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    // Same thing at the same place: (rule, place, message but for the resource it names).
    let mut merged: Vec<(Finding, Vec<Cover>)> = Vec::with_capacity(groups.len());
    type Said = (Rule, (String, u32, u32), String, Option<Suppression>);
    let mut index: foldhash::HashMap<Said, usize> = Default::default();
    for ((first, count, _), print) in groups.into_iter().zip(prints) {
        let Some(Draft {
            mut finding,
            mut cover,
            ..
        }) = drafts[first].take()
        else {
            continue;
        };
        finding.fingerprint = print;
        cover.instances = count;
        // A message that names its resource says the same of another resource.
        let said = if finding.message.contains(cover.resource.as_str()) {
            finding.message.replace(cover.resource.as_str(), "\u{0}")
        } else {
            finding.message.clone()
        };
        let (path, start, end) = place(&finding);
        let key = (
            finding.rule,
            (path.to_owned(), start, end),
            said,
            finding.suppression.clone(),
        );
        match index.get(&key) {
            Some(&i) => {
                let (first, covers) = &mut merged[i];
                if finding.fingerprint < first.fingerprint {
                    first.fingerprint = finding.fingerprint;
                }
                for r in finding.related {
                    if first.related.len() < MAX_RELATED && !first.related.contains(&r) {
                        first.related.push(r);
                    }
                }
                covers.push(cover);
            }
            None => {
                index.insert(key, merged.len());
                merged.push((finding, vec![cover]));
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut finding, covers)| {
            finding.message.push_str(&covered(&covers, any_place));
            finding.parameter_file = covers.iter().find_map(|c| c.parameter_file.clone());
            finding
        })
        .collect()
}

/// What a merged finding covers, as it follows its message: the instances, the resources,
/// the assumptions and the parameter files, each said only when there is something to say
/// (a finding about one resource in one context reads as the rule words it).
/// `per_declaration`: the instances were merged from their own places, as instances of one
/// declaration (the deployment's `merge_instances`).
fn covered(covers: &[Cover], per_declaration: bool) -> String {
    let mut out = String::new();
    // The resources, each once, with its declarations (one resource of a linked template is
    // declared once for each deployment of it).
    type Declaration = (String, String);
    let mut resources: Vec<(&str, Vec<&Declaration>, &Cover)> = Vec::new();
    for c in covers {
        match resources.iter_mut().find(|(r, _, _)| *r == c.resource) {
            Some((_, declarations, _)) => {
                if !declarations.contains(&&c.declaration) {
                    declarations.push(&c.declaration);
                }
            }
            None => resources.push((&c.resource, vec![&c.declaration], c)),
        }
    }
    match resources.as_slice() {
        [(_, d, c)] if d.len() == 1 => out.push_str(&instances(c, per_declaration)),
        [(_, d, _)] => out.push_str(&format!(" (deployed {} times)", d.len())),
        many => {
            // `virtualMachines 'a', 'b', virtualMachineScaleSets 'c'`: a type said once for
            // the names after it.
            let mut said = "";
            let named: Vec<String> = many
                .iter()
                .take(MAX_NAMED)
                .map(|(r, d, c)| {
                    let shown = match r.split_once(' ') {
                        Some((kind, name)) if kind == said => name.to_string(),
                        Some((kind, _)) => {
                            said = kind;
                            (*r).to_string()
                        }
                        None => (*r).to_string(),
                    };
                    match (d.len(), &c.copy) {
                        (1, Some(copy)) if c.instances > 1 => format!(
                            "{shown} ({} instances of copy loop '{}')",
                            c.instances, copy.name
                        ),
                        (1, _) => shown,
                        (n, _) => format!("{shown} ({n} times)"),
                    }
                })
                .collect();
            let more = match many.len().saturating_sub(MAX_NAMED) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            out.push_str(&format!(
                " (for {} resources: {}{more})",
                many.len(),
                named.join(", ")
            ));
        }
    }
    // An assumption qualifies the finding only when every context it stands for made one.
    let mut assumptions: Vec<&str> = Vec::new();
    if covers.iter().all(|c| c.assumption.is_some()) {
        for a in covers.iter().filter_map(|c| c.assumption.as_deref()) {
            if !assumptions.contains(&a) {
                assumptions.push(a);
            }
        }
    }
    if !assumptions.is_empty() {
        out.push_str(&format!(" (when {})", assumptions.join(", or ")));
    }
    let mut files: Vec<&str> = Vec::new();
    for p in covers.iter().filter_map(|c| c.parameter_file.as_deref()) {
        if !files.contains(&p) {
            files.push(p);
        }
    }
    let without = covers.iter().any(|c| c.parameter_file.is_none());
    match (files.as_slice(), without) {
        ([], _) => {}
        ([one], false) => out.push_str(&format!(" (with parameter file {one})")),
        (many, false) => out.push_str(&format!(" (with parameter files {})", many.join(", "))),
        (some, true) => out.push_str(&format!(
            " (with parameter file{} {}, and without one)",
            if some.len() == 1 { "" } else { "s" },
            some.join(", ")
        )),
    }
    out
}

/// How many instances of its declaration `cover` stands for, as it follows a message: how
/// instances of one declaration merged from their own places (`per_declaration`: Terraform's
/// `count` and `for_each`), and a copy loop's, are said.
fn instances(cover: &Cover, per_declaration: bool) -> String {
    let k = cover.instances;
    if per_declaration {
        return match k - 1 {
            0 => String::new(),
            1 => " (and 1 more instance of this declaration)".to_string(),
            more => format!(" (and {more} more instances of this declaration)"),
        };
    }
    match &cover.copy {
        Some(CopyOf { name, count: None }) => format!(
            " (covers every instance of copy loop '{name}', whose count is not known offline)"
        ),
        Some(CopyOf {
            name,
            count: Some(n),
        }) => {
            let n = usize::try_from(*n).unwrap_or(usize::MAX);
            match (k, n) {
                (1, 0 | 1) => String::new(),
                (k, n) if k == n => format!(" (covers the {n} instances of copy loop '{name}')"),
                (k, n) if k < n => {
                    format!(" (covers {k} of the {n} instances of copy loop '{name}')")
                }
                // Loops within loops (a copy loop deployed by a copy loop of deployments).
                (k, _) => format!(
                    " (covers {k} instances, of copy loop '{name}' and the loops around it)"
                ),
            }
        }
        None if k > 1 => format!(" (covers {k} instances)"),
        None => String::new(),
    }
}

/// A text embedded in an attribute of a host file, judged as a file of its own: where the
/// attribute is, so that what is found in the text points where a person changes it.
#[derive(Debug, Clone, Copy)]
pub struct Embedding<'a> {
    /// The name the text was judged under (the `path` of locations in it).
    pub display: &'a str,
    /// The attribute holding it, in the host's sources.
    pub host: Span,
    /// Where the host file itself holds it, when `host` is in another file (the source a
    /// person edits): kept as a related location.
    pub also: Option<Span>,
    /// What the text is, for messages ("the ARM template embedded in `template_content` of
    /// azurerm_resource_group_template_deployment.x").
    pub what: &'a str,
}

/// Moves every finding, related location, resource entry and note located in one of the
/// `embedded` texts to the host attribute that holds it (in `host`), saying in the message
/// where in the text it is: a line of a text held as an escaped string means nothing to the
/// person who edits the attribute.
pub fn relocate(
    judgement: &mut Judgement,
    embedded: &[Embedding<'_>],
    host: &SourceMap,
    detail: Detail,
) {
    let find = |path: &str| embedded.iter().find(|e| e.display == path);
    let place = |e: &Embedding<'_>| {
        let file = host.get(e.host.file);
        (file, Location::of(file, e.host.start, e.host.end))
    };
    for f in &mut judgement.findings {
        for r in &mut f.related {
            if let Some(e) = find(&r.location.path) {
                r.message = format!("{} (in {}, line {})", r.message, e.what, r.location.line);
                r.location = place(e).1;
            }
        }
        if let Some(e) = find(&f.location.path) {
            let (file, location) = place(e);
            f.message = format!("{} (in {}, line {})", f.message, e.what, f.location.line);
            f.location = location;
            f.bytes = e.host.start..e.host.end;
            f.excerpt = detail
                .excerpts
                .then(|| Excerpt::of(file, e.host.start, e.host.end));
            if let Some(also) = e.also {
                let held = host.get(also.file);
                f.related.push(Related {
                    location: Location::of(held, also.start, also.end),
                    message: format!("{}, as {} holds it", e.what, held.display),
                });
            }
        }
    }
    for r in &mut judgement.resources {
        if let Some(e) = find(&r.path) {
            let location = place(e).1;
            r.path = location.path;
            r.line = location.line;
        }
    }
    for note in &mut judgement.notes {
        // "{display}:{line}:{column}: {note}"
        let Some(e) = embedded.iter().find(|e| {
            note.strip_prefix(e.display)
                .is_some_and(|rest| rest.starts_with(':'))
        }) else {
            continue;
        };
        let rest = &note[e.display.len() + 1..];
        let l = place(e).1;
        let mut parts = rest.splitn(3, ':');
        let located = match (parts.next(), parts.next(), parts.next()) {
            (Some(line), Some(column), Some(text))
                if line.parse::<u32>().is_ok() && column.parse::<u32>().is_ok() =>
            {
                Some((line, text))
            }
            _ => None,
        };
        *note = match located {
            Some((line, text)) => format!(
                "{}:{}:{}:{text} (in {}, line {line})",
                l.path, l.line, l.column, e.what
            ),
            None => format!("{}:{}:{}:{rest} (in {})", l.path, l.line, l.column, e.what),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number_then_as_text() {
        assert!(newer("1.10.0", "1.9.2"));
        assert!(!newer("1.9.2", "1.10.0"));
        assert!(!newer("1.4.0", "1.4.0"));
        assert!(newer("2024.06.01", "2023.12.31"));
        assert!(newer("b", "a"));
        assert_eq!(
            definition_of("/s/x/images/d/VERSIONS/1.0.0"),
            Some("/s/x/images/d")
        );
        assert_eq!(definition_of("/s/x/images/d"), None);
    }

    #[test]
    fn long_messages_keep_their_head_and_tail() {
        let short = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(clipped(&short), short);
        // Multi-byte characters are counted and cut as characters.
        let long = format!("{}{}{}", "h".repeat(700), "é".repeat(800_000), "the cause");
        let clipped = clipped(&long);
        assert_eq!(
            clipped,
            format!(
                "{} … (799709 characters left out) … {}the cause",
                "h".repeat(600),
                "é".repeat(391)
            )
        );
    }

    fn cover(resource: &str, instances: usize, copy: Option<(&str, Option<i64>)>) -> Cover {
        Cover {
            resource: resource.into(),
            declaration: ("a.json".into(), resource.into()),
            instances,
            copy: copy.map(|(name, count)| CopyOf {
                name: name.into(),
                count,
            }),
            parameter_file: None,
            assumption: None,
        }
    }

    #[test]
    fn what_a_merged_finding_covers_is_said_short_and_exactly() {
        let vm = "virtualMachines 'vm-0'";
        let said = |covers: &[Cover]| covered(covers, false);
        assert_eq!(said(&[cover(vm, 1, None)]), "");
        assert_eq!(said(&[cover(vm, 1, Some(("vms", Some(1))))]), "");
        assert_eq!(
            said(&[cover(vm, 3, Some(("vms", Some(3))))]),
            " (covers the 3 instances of copy loop 'vms')"
        );
        assert_eq!(
            said(&[cover(vm, 2, Some(("vms", Some(3))))]),
            " (covers 2 of the 3 instances of copy loop 'vms')"
        );
        assert_eq!(
            said(&[cover(vm, 1, Some(("vms", None)))]),
            " (covers every instance of copy loop 'vms', whose count is not known offline)"
        );
        // A loop within a loop of deployments: more instances than the inner loop has.
        assert_eq!(
            said(&[cover(vm, 6, Some(("vms", Some(3))))]),
            " (covers 6 instances, of copy loop 'vms' and the loops around it)"
        );
        // Terraform's count and for_each.
        assert_eq!(
            covered(
                &[cover("azurerm_linux_virtual_machine 'x[0]'", 3, None)],
                true
            ),
            " (and 2 more instances of this declaration)"
        );
        // One resource deployed by two deployments.
        let mut again = cover(vm, 1, None);
        again.declaration.1 = "other>vm".into();
        assert_eq!(said(&[cover(vm, 1, None), again]), " (deployed 2 times)");
        // Several resources: a type said once for the names after it, at most five named.
        let many: Vec<Cover> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|n| cover(&format!("virtualMachines '{n}'"), 1, None))
            .chain([cover("disks 'g'", 1, None)])
            .collect();
        assert_eq!(
            said(&many),
            " (for 7 resources: virtualMachines 'a', 'b', 'c', 'd', 'e' and 2 more)"
        );
        // Contexts: every parameter file; an assumption only when every context made one.
        let mut a = cover(vm, 1, None);
        a.parameter_file = Some("a.parameters.json".into());
        a.assumption = Some("parameter 'os' = 'Windows'".into());
        let mut b = a.clone();
        b.parameter_file = Some("b.parameters.json".into());
        b.assumption = Some("parameter 'os' = 'Linux'".into());
        assert_eq!(
            said(&[a.clone(), b.clone()]),
            " (when parameter 'os' = 'Windows', or parameter 'os' = 'Linux') (with parameter files a.parameters.json, b.parameters.json)"
        );
        b.assumption = None;
        b.parameter_file = None;
        assert_eq!(
            said(&[a, b]),
            " (with parameter file a.parameters.json, and without one)"
        );
    }

    #[test]
    fn audit_mode_turns_errors_into_warnings() {
        let [parse, unapproved, unresolved, unpinned] =
            ["IG000", "IG001", "IG002", "IG003"].map(|id| Rule::find(id).expect("registered"));
        let deny = Config::embedded();
        let audit = Config {
            mode: Mode::Audit,
            ..Config::embedded()
        };
        assert_eq!(severity(unapproved, &deny), Some(Severity::Error));
        assert_eq!(severity(unapproved, &audit), Some(Severity::Warning));
        for rule in [unresolved, unpinned] {
            assert_eq!(severity(rule, &deny), Some(Severity::Warning));
            assert_eq!(severity(rule, &audit), Some(Severity::Warning));
        }
        assert_eq!(severity(parse, &deny), Some(Severity::Error));
        assert_eq!(severity(parse, &audit), Some(Severity::Error));
    }

    #[test]
    fn the_config_sets_a_rules_severity_or_turns_it_off() {
        use crate::config::Level;
        let [parse, unresolved, unpinned] =
            ["IG000", "IG002", "IG003"].map(|id| Rule::find(id).expect("registered"));
        let mut config = Config::embedded();
        config.rules = vec![
            (parse, Level::Warning),
            (unresolved, Level::Error),
            (unpinned, Level::Off),
        ];
        assert_eq!(severity(unresolved, &config), Some(Severity::Error));
        assert_eq!(severity(unpinned, &config), None);
        assert_eq!(severity(parse, &config), Some(Severity::Warning));
        // Audit mode still never blocks on an image.
        config.mode = Mode::Audit;
        assert_eq!(severity(unresolved, &config), Some(Severity::Warning));
        assert_eq!(severity(unpinned, &config), None);
        let all = rule_severities(&config);
        assert_eq!(all.len(), Rule::ALL.len());
        assert!(all.contains(&(unpinned, None)));
    }

    #[test]
    fn a_parse_error_is_located_and_worded() {
        use crate::source::Encoding;
        let text = "{\n  \"a\": 1 \"b\": 2\n}\n".to_string();
        let file = SourceFile::new("t.json".into(), "dir/t.json".into(), text, Encoding::Utf8);
        let f = parse_error(
            &file,
            Detail { excerpts: true },
            11..12,
            "cannot parse ARM template",
            "expected `,` or `}`",
        );
        assert_eq!(f.rule, rules::PARSE_ERROR);
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.message, "cannot parse ARM template: expected `,` or `}`");
        assert_eq!(f.label, "expected `,` or `}`");
        assert_eq!(
            (f.location.path.as_str(), f.location.line, f.location.column),
            ("dir/t.json", 2, 10)
        );
        assert_eq!(f.bytes, 11..12);
        assert!(f.excerpt.is_some());
        assert_eq!(f.fingerprint, fingerprint(&["IG000", "dir/t.json"]));
        assert_eq!((f.fix, f.suppression), (None, None));
        let bare = parse_error(&file, Detail::default(), 0..0, "h", "m");
        assert!(bare.excerpt.is_none());
    }

    #[test]
    fn what_is_found_in_an_embedded_text_is_moved_to_its_host_attribute() {
        use crate::source::Encoding;
        let mut host = SourceMap::default();
        let plan_text = "{\"a\":\n  \"embedded text\"}\n".to_string();
        let plan = host.add(SourceFile::new(
            "plan.json".into(),
            "plan.json".into(),
            plan_text,
            Encoding::Utf8,
        ));
        let inner = SourceFile::new(
            "x.content".into(),
            "x.content".into(),
            "{\n\n  bad".to_string(),
            Encoding::Utf8,
        );
        let finding = parse_error(
            &inner,
            Detail { excerpts: true },
            5..8,
            "cannot parse",
            "why",
        );
        let mut judgement = Judgement {
            findings: vec![finding],
            resources: vec![ResourceEntry {
                path: "x.content".into(),
                line: 3,
                parameter_file: None,
                resource_type: "T".into(),
                name: "n".into(),
                image: None,
                images: Vec::new(),
                status: Status::NotJudged,
                assumption: None,
                outdated: false,
                deployed: None,
                azure_name: None,
                tags: Default::default(),
                deployed_through: Vec::new(),
            }],
            notes: vec![
                "x.content:3:3: budget cut".to_string(),
                "x.content: unlocated".to_string(),
                "other.json:1:1: left alone".to_string(),
            ],
            exemptions: Default::default(),
        };
        let embedding = Embedding {
            display: "x.content",
            host: Span::new(plan, 8, 23),
            also: None,
            what: "the text in `a` of x",
        };
        relocate(
            &mut judgement,
            &[embedding],
            &host,
            Detail { excerpts: true },
        );
        let f = &judgement.findings[0];
        assert_eq!(f.location.path, "plan.json");
        assert_eq!((f.location.line, f.location.column), (2, 3));
        assert_eq!(f.bytes, 8..23);
        assert!(
            f.message.ends_with(" (in the text in `a` of x, line 3)"),
            "{}",
            f.message
        );
        assert_eq!(f.excerpt.as_ref().map(|e| e.line_start), Some(2));
        let r = &judgement.resources[0];
        assert_eq!((r.path.as_str(), r.line), ("plan.json", 2));
        assert_eq!(
            judgement.notes,
            [
                "plan.json:2:3: budget cut (in the text in `a` of x, line 3)",
                "plan.json:2:3: unlocated (in the text in `a` of x)",
                "other.json:1:1: left alone",
            ]
        );
    }
}
