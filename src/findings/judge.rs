//! From verdicts to findings: every image of every resource of a deployment is judged, every
//! resource rule checks each judged resource, and each violation becomes a located finding
//! pointing where a person changes it, with the rest of the chain as related locations. Every
//! image-bearing resource also gets a [`ResourceEntry`] with its status.

use super::merge::{Cover, Draft, Identity, merge};
use super::{
    DeployedEntry, Detail, Finding, FindingBuilder, ImageRef, Location, Related, ResourceEntry,
    ResourceRef, Status, Suppression, clipped, shared_image,
};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::config::LatentLevel;
use crate::extract::{self, FoundImage};
use crate::image::Image;
use crate::judge::Verdict;
use crate::model::{Assumption, Deployment, Dialect, Latent, Resource};
use crate::rules::{self, JudgedImage, JudgedResource, Rule, Violation, short_type};
use crate::source::{FileId, SourceMap, Span};
use crate::value::Why;
use std::sync::Arc;

/// What decides, while a deployment is judged, which of its findings are exempted (the
/// exemptions of `crate::suppress`, which comes after findings): a resource whose findings
/// that decide its status are all exempted is reported `exempt`, so this is asked as each
/// finding is made.
pub(crate) trait Exempt {
    /// Whether `finding` is exempted, and by what. `anchors` are where an exemption comment
    /// may stand, on the line before (file and 1-based line): the place the finding points
    /// at, its resource's first line, its image property's line.
    fn decide(&mut self, finding: &Finding, anchors: &[(FileId, u32)]) -> Option<Suppression>;

    /// Whether the file shown as `shown` (relative to the working directory) is one of the
    /// image factory's (`[approved] factory`, globs relative to the config's folder): the
    /// only files that may publish versions into the approved galleries (IG010). Asked of
    /// the exemptions because they are what knows, in a run, where the config's folder is.
    fn in_factory(&self, shown: &str) -> bool;
}

/// What judging one deployment gives; the caller adds it to its file's outcome.
#[derive(Debug, Default)]
pub(crate) struct Judgement {
    /// Findings, located.
    pub(crate) findings: Vec<Finding>,
    /// Image-bearing resources, with their status.
    pub(crate) resources: Vec<ResourceEntry>,
    /// Notes of the evaluation contexts (budgets cut, links refused), located, for stderr.
    pub(crate) notes: Vec<crate::note::Note>,
}

/// Judges every image of every resource of `deployment` and runs every resource rule on each
/// judged resource. `main` is the deployment's file (where unlocated notes point); `detail`
/// says what to keep of each finding; `exempter` decides which findings are exempted (a
/// resource whose image findings all are is `exempt`).
pub(crate) fn judge_deployment(
    deployment: Deployment,
    sources: &SourceMap,
    main: FileId,
    config: &Config,
    detail: Detail,
    exempter: &mut dyn Exempt,
) -> Judgement {
    let catalog = Catalog::builtin();
    let mut out = Judgement::default();
    let mut drafts: Vec<Draft> = Vec::new();
    // The comments were handed to the exemptions when they were made (`Exempter::judging`).
    let Deployment {
        dialect,
        contexts,
        merge_instances,
        comments: _,
        literals,
    } = deployment;
    // The literals every image of every context makes its ID of: a fix edits one only when
    // every image that uses it has a fix that edits it too.
    let mut uses = super::fix::Uses::default();
    // Each context is dropped once judged: what is kept of it is its findings and entries.
    for mut context in contexts {
        let latent = |r: &Resource| r.assumption.as_ref().is_some_and(|a| a.latent.is_some());
        if config.latent == LatentLevel::Off {
            // Left out, as the parameter defaults leave them out.
            context.resources.retain(|r| !latent(r));
            context.unseen.retain(|u| !latent(&u.resource));
        }
        // The resources the defaults deploy first: a disk one of them attaches is looked for
        // among those alone (a latent resource's among all).
        context.resources.sort_by_key(|r| latent(r));
        let deployed = context.resources.partition_point(|r| !latent(r));
        for note in &context.notes {
            let said = |subject: String| {
                crate::note::Note::new(note.kind.group(), subject, note.kind.to_string())
            };
            out.notes.push(match note.span {
                None => said(sources.get(main).display.to_string()),
                Some(s) => {
                    let l = Location::of(sources.get(s.file), s.start, s.end);
                    said(l.path.to_string()).at(l.line, l.column)
                }
            });
        }
        // The disks a machine may attach: those the defaults deploy, or all (for a latent
        // machine).
        let deployed_disks = extract::Disks::new(&context.resources[..deployed], dialect.catalog);
        let all_disks = extract::Disks::new(&context.resources, dialect.catalog);
        let param = context.parameter_file.as_deref();
        let shared = Shared {
            parameter_file: param,
            config,
            sources,
            detail,
            literals: &literals,
        };
        // Resources with their images, then deployments whose contents cannot be seen: those
        // have one image, unknown for the reason their template cannot be read.
        let unseen = context
            .unseen
            .iter()
            .map(|u| (&u.resource, Some((&u.why, u.property))));
        let declared = context.resources.iter().map(|r| (r, None));
        for (resource, unseen) in declared.chain(unseen) {
            // A type the catalogue lists with no image path is there only for what a rule
            // reads of it (a gallery image version publishes an image, IG010): it has no
            // resource entry, and the rules about image-bearing resources pass it over.
            let mut image_bearing = true;
            let images: Vec<JudgedImage> = match unseen {
                Some((why, property)) => vec![unseen_image(resource, why, property)],
                None => {
                    let entry = catalog.entry_in(dialect.catalog, &resource.resource_type);
                    let Some(entry) = entry else {
                        continue;
                    };
                    image_bearing = !entry.images.is_empty();
                    let disks = if latent(resource) {
                        &all_disks
                    } else {
                        &deployed_disks
                    };
                    extract::images_among(resource, entry, disks)
                        .into_iter()
                        .map(|found| {
                            let verdict = config.policy.judge(&found.image);
                            JudgedImage { found, verdict }
                        })
                        .collect()
                }
            };
            for judged in &images {
                uses.add(&judged.found);
            }
            // Each image as the report shows it, made once for the entry and its findings.
            // One copy of each image, shared by its resource entry and its findings.
            let refs: Vec<Arc<ImageRef>> = images
                .iter()
                .map(|j| shared_image(ImageRef::of(&j.found.image, &clipped)))
                .collect();
            if image_bearing {
                out.resources.push(resource_entry(
                    resource, &images, &refs, sources, param, dialect,
                ));
            }
            let judged = JudgedResource {
                resource,
                images: &images,
                tags: &config.tags,
                contents_unseen: unseen.is_some(),
                policy: &config.policy,
                in_factory: in_factory(resource, sources, config, &*exempter),
                image_bearing,
            };
            let mut violations: Vec<(Rule, Violation<'_>)> = Vec::new();
            for (rule, check) in rules::resource_rules() {
                violations.extend(check.check(&judged).into_iter().map(|v| (rule, v)));
            }
            // In the order of the images (then of the rules), as the resource declares them.
            violations.sort_by_key(|(_, v)| v.image.unwrap_or(usize::MAX));
            let mut status_exempted = None;
            for (rule, v) in violations {
                let (primary, index) = (v.primary, v.image);
                let image = index.and_then(|i| refs.get(i)).cloned().or_else(|| {
                    v.written
                        .as_ref()
                        .map(|written| shared_image(ImageRef::of(written, &clipped)))
                });
                // Under the config's severities: none when it turns the rule off.
                let Some(mut draft) = finding(rule, v, image, &judged, &shared) else {
                    continue;
                };
                if let Some(latent) = resource.assumption.as_ref().and_then(|a| a.latent.as_ref()) {
                    judged_latent(&mut draft.finding, latent, sources, config);
                }
                // Where an exemption comment may stand (on the line before): the place the
                // finding points at, the resource's first line, the image property's line.
                let line =
                    |span: Span| (span.file, sources.get(span.file).line_col(span.start).line);
                let mut anchors = vec![line(primary), line(resource.span)];
                let decides_status = index.is_some_and(|i| {
                    matches!(
                        images[i].verdict,
                        Verdict::Unapproved | Verdict::Unresolved(_)
                    )
                });
                if let Some(i) = index {
                    anchors.push(line(images[i].found.property));
                }
                draft.finding.suppression = exempter.decide(&draft.finding, &anchors).map(Box::new);
                if decides_status {
                    let exempted = draft.finding.suppression.is_some();
                    status_exempted = Some(status_exempted.unwrap_or(true) && exempted);
                }
                drafts.push(draft);
            }
            // A resource whose findings that decide its status are all exempted is exempt.
            if status_exempted == Some(true)
                && image_bearing
                && let Some(entry) = out.resources.last_mut()
                && matches!(entry.status, Status::Noncompliant | Status::Unresolved)
            {
                entry.status = Status::Exempt;
            }
        }
    }
    super::fix::settle(
        &mut drafts
            .iter_mut()
            .map(|d| &mut d.finding)
            .collect::<Vec<_>>(),
        uses,
    );
    out.findings = merge(drafts, merge_instances);
    out
}

/// Whether `resource` is declared, and deployed only through deployments declared, in files
/// of the image factory (`[approved] factory`, which `exempter` knows the paths of): a
/// template outside the factory that deploys the factory's module publishes from outside it.
fn in_factory(
    resource: &Resource,
    sources: &SourceMap,
    config: &Config,
    exempter: &dyn Exempt,
) -> bool {
    if config.policy.factory.is_empty() {
        return false;
    }
    std::iter::once(resource.span.file)
        .chain(resource.deployed_by.iter().map(|(span, _)| span.file))
        .all(|file| exempter.in_factory(&sources.get(file).display))
}

/// What a resource was evaluated with that tells its findings apart (their fingerprints): an
/// allowed value of a required parameter, never what deploys a latent resource, so that a
/// resource whose condition's default flips keeps its findings (a baseline still matches
/// them).
fn assumed_value(resource: &Resource) -> &str {
    resource
        .assumption
        .as_ref()
        .and_then(|a| a.value.as_deref())
        .unwrap_or("")
}

/// Makes `finding`, about a resource that the parameter defaults leave out (`latent`), say
/// so: the conditions as related locations, and an error is a warning unless `[judge]
/// latent = "error"` (the message says what deploys it when merged, [`merge`]).
fn judged_latent(finding: &mut Finding, latent: &Latent, sources: &SourceMap, config: &Config) {
    finding.latent = true;
    finding.severity = super::latent_severity(finding.severity, config);
    for span in &latent.conditions {
        let file = sources.get(span.file);
        let related = Related {
            location: Location::of(file, span.start, span.start),
            message: super::builder::shared(
                "this condition is false under the parameters' defaults".to_owned(),
            ),
        };
        if !finding.related.contains(&related) {
            finding.related.push(related);
        }
    }
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
            written: at,
            property: at,
            path: property.to_string(),
            hops: Vec::new(),
            fields: Vec::new(),
            literal: None,
            rewrite: Default::default(),
        },
        verdict: Verdict::Unresolved(why.clone()),
    }
}

/// The resource's entry in the report: what its images were resolved to and its status.
fn resource_entry(
    resource: &Resource,
    judged: &[JudgedImage],
    refs: &[Arc<ImageRef>],
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
        super::builder::shared(
            refs.iter()
                .map(|r| r.display.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        )
    });
    let at = home(resource.span, resource, sources);
    let file = sources.get(at.file);
    ResourceEntry::from(super::ResourceEntryBody {
        path: file.display.clone(),
        line: file.line_col(at.start).line,
        resource_type: resource.resource_type.clone(),
        name: resource.name.clone(),
        image,
        images: refs.to_vec(),
        status,
        parameter_file: parameter_file.map(str::to_owned),
        assumption: resource.assumption.as_ref().and_then(Assumption::shown),
        outdated: judged
            .iter()
            .any(|j| matches!(j.verdict, Verdict::Deprecated(_))),
        deployed: resource.deployed.as_deref().map(|d| {
            Box::new(DeployedEntry {
                id: clipped(&d.id),
                subscription: d.subscription.as_deref().map(clipped),
                resource_group: d.resource_group.as_deref().map(clipped),
                location: d.location.as_deref().map(clipped),
                power_state: d.power_state.as_deref().map(clipped),
            })
        }),
        tags: known_tags(resource),
        azure_name: azure_name(resource, dialect),
        deployed_through: resource
            .deployed_by
            .iter()
            .map(|(span, _)| sources.get(span.file).display.clone())
            .collect(),
        placement: resource.placement.clone(),
    })
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
        (None, None) if resource.unknown_name.is_some() => None,
        (None, None) => resource.name.rsplit('/').next().map(str::to_owned),
    }?;
    // An expression as written, or a value with unknown parts, is not a name.
    let unknown = name.is_empty() || name.contains(['[', ']', '<', '>', '$', '(', ')']);
    (!unknown).then_some(name)
}

/// The resource's tags whose values are known strings (`tags` of its body: ARM and Bicep
/// resources, Terraform attributes), each clipped like any template-controlled text.
fn known_tags(resource: &Resource) -> super::Tags {
    use crate::value::Kind;
    match resource.body.get("tags").map(|t| &t.kind) {
        Some(Kind::Object(members)) => members
            .iter()
            .filter_map(|(name, value)| Some((clipped(name), clipped(value.as_str()?))))
            .collect(),
        _ => Default::default(),
    }
}

/// What every finding of one evaluation context shares.
struct Shared<'a> {
    /// The parameter file the context takes values from.
    parameter_file: Option<&'a str>,
    /// The config: the severities, and the policy for the concrete next step a finding
    /// suggests.
    config: &'a Config,
    /// The files, to locate spans.
    sources: &'a SourceMap,
    /// What to keep of each finding.
    detail: Detail,
    /// How each file writes a string literal a fix may rewrite (`Deployment::literals`).
    literals: &'a [Option<crate::model::LiteralSyntax>],
}

/// The finding for `violation` of `rule` on `judged` about `image` (as the report shows it),
/// located, with the resource, the image property and every hop as related locations; its
/// message is the rule's until [`merge`] says what it covers. `None` when the config turns
/// the rule off.
fn finding(
    rule: Rule,
    violation: Violation<'_>,
    image: Option<Arc<ImageRef>>,
    judged: &JudgedResource<'_>,
    shared: &Shared<'_>,
) -> Option<Draft> {
    let Shared {
        parameter_file,
        config,
        sources,
        detail,
        literals,
    } = *shared;
    let resource = judged.resource;
    let found = violation.image.map(|i| &judged.images[i].found);
    // What a module from the Bicep module cache declares is shown where the repository
    // deploys it (the module reference), and where it is in the cached module is related.
    let primary = home(violation.primary, resource, sources);
    let fix =
        found.and_then(|found| super::fix::fix(rule, found, resource, config, sources, literals));
    let file = sources.get(primary.file);
    let mut related = Vec::new();
    let mut relate = |span: Span, message: String| {
        let message = super::builder::shared(clipped(&message));
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
        // An assembled image's fields set elsewhere: the first is the primary location; each
        // other is where that field is set, and every one's hops (the template's parameter
        // declarations) say how it reached the image.
        for field in &found.fields {
            relate(field.literal, format!("`{}` is set here", field.name));
            for hop in &field.hops {
                relate(hop.span, hop.via.to_string());
            }
        }
    }
    for hop in violation.chain {
        relate(hop.span, hop.via.to_string());
    }
    // A finding about no image (the tag rules) is told apart by what it says of the resource:
    // its label (instances that lack tags, and one whose tags are unknown, are two problems).
    // An image the resource writes (IG010) is told apart by what it is.
    let image_key = match (found, &violation.written) {
        (Some(f), _) => match &f.image {
            Image::Unresolved(_) => f.path.clone(),
            other => other.describe(),
        },
        (None, Some(written)) => written.describe(),
        (None, None) => violation.label.clone(),
    };
    // A deployed resource is its resource ID, whichever export (file) it was read from: a
    // baseline of the estate holds across exports.
    let (file_key, declaration) = match &resource.deployed {
        Some(d) => (String::new(), d.id.to_ascii_lowercase()),
        // The file that holds it in the repository: a cached module's path is the machine's.
        None => (
            sources
                .get(home(resource.span, resource, sources).file)
                .display
                .to_string(),
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
        identity.file.as_str(),
        &identity.resource_type,
        &identity.declaration,
        &image_print,
        parameter_file.unwrap_or(""),
        assumed_value(resource),
    ];
    // The resource's address: an instance of a copy loop is told apart by its evaluated name
    // (its instances can take their images from different literals); elsewhere the
    // declaration is the address (Terraform's instances are merged into one finding).
    // (The name as written where it is not wholly known: as fingerprints always were.)
    if resource.copy.is_some() {
        parts.push(
            resource
                .unknown_name
                .as_ref()
                .map_or(&resource.name, |u| &u.written),
        );
    }
    let finding = FindingBuilder::new(rule, file, primary.start..primary.end, detail)
        .message(&violation.message)
        .label(violation.label)
        .resource(ResourceRef {
            resource_type: resource.resource_type.clone(),
            name: resource.name.clone(),
            declared_in: sources.get(resource.span.file).display.clone(),
            unknown_parts: resource
                .unknown_name
                .as_ref()
                .map(|u| u.holes.clone())
                .unwrap_or_default(),
        })
        .parameter_file(parameter_file)
        .related(related)
        .image(image)
        .help(rules::help(rule, found, &config.policy))
        .fix(fix.clone())
        .no_fix(
            found
                .filter(|_| fix.is_none())
                .and_then(|found| super::fix::why_none(rule, found, config, literals)),
        )
        .identity(&parts)
        .build_under(config)?;
    Some(Draft {
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
    })
}

/// Where the repository holds what is at `span`, of `resource`: `span` itself, unless its file
/// was read from outside the scanned roots (a module from the Bicep module cache, which is not
/// the repository's to change); then the innermost deployment in the repository that deploys
/// the resource (the module reference the repository writes).
fn home(span: Span, resource: &Resource, sources: &SourceMap) -> Span {
    if !sources.get(span.file).external {
        return span;
    }
    resource
        .deployed_by
        .iter()
        .map(|(at, _)| *at)
        .find(|at| !sources.get(at.file).external)
        .unwrap_or(span)
}
