//! The ARM frontend: recognises templates, reads their parameter files and expands each
//! evaluation context (the template with one parameter file, and with each allowed value of
//! a required parameter that decides an image) into the model.

use super::allowed::{Choice, blames, open_choices};
use super::classify::{Classification, classify, has_marker};
use super::links::Linked;
use super::lower;
use super::params::parameter_contexts;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::eval::ParameterValues;
use crate::eval::ir::Template;
use crate::eval::{DeploymentScope, Expanded};
use crate::extract;
use crate::frontend::{
    Embedded, EmbeddedKind, Env, Frontend, Lowered, ParseProblem, Sniff, ToJudge,
};
use crate::image::Image;
use crate::json::Json;
use crate::model::{Context, Deployment, Language, Resource};
use crate::source::{FileId, Loaded, Span};
use crate::value::Cause;

/// The headline of an IG000 about an ARM template.
pub(super) const HEADLINE: &str = "cannot parse ARM template";

/// ARM deployment templates in JSON (with comments).
#[derive(Debug)]
pub(crate) struct Arm;

impl Frontend for Arm {
    fn extensions(&self) -> &'static [&'static str] {
        &["json", "jsonc"]
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        if has_marker(bytes) {
            Sniff::Marker
        } else {
            Sniff::No
        }
    }

    fn headline(&self) -> &'static str {
        HEADLINE
    }

    fn claims_undecodable(&self, lossy: &str) -> bool {
        !matches!(classify(lossy), Classification::NotTemplate)
    }

    fn lower(&self, file: Loaded, env: &Env<'_>) -> Result<Lowered, Loaded> {
        match classify(&file.text) {
            Classification::NotTemplate => Err(file),
            Classification::Inert => Ok(Lowered::default()),
            Classification::Broken(e) => {
                let mut out = Lowered::default();
                let id = file.add_to(&mut out.sources);
                let text = &out.sources.get(id).text;
                let problem = ParseProblem::at_char(id, text, e.offset, HEADLINE, e.message);
                out.problems.push(problem);
                Ok(out)
            }
            Classification::Template(root) => Ok(template(file, root, env)),
        }
    }

    fn lower_embedded(&self, doc: &Embedded, env: &Env<'_>) -> Option<Lowered> {
        (doc.kind == EmbeddedKind::ArmTemplate).then(|| super::embedded::lower(doc, env))
    }
}

/// The Bicep file the template at `canonical` was compiled from, when its metadata names the
/// Bicep compiler as its generator (`metadata._generator.name: "bicep"`) and the file it
/// compiles from by convention is walked beside it: `X.bicep` for `X.json`, `main.bicep` for
/// `azuredeploy.json` (the quickstarts' layout), `X.main.bicep` for `X.azuredeploy.json`.
/// The claim is never trusted alone: what the template finds is still compared with what the
/// Bicep file finds (`lib.rs`).
fn bicep_source(
    root: &Json,
    canonical: &std::path::Path,
    env: &Env<'_>,
) -> Option<std::path::PathBuf> {
    let generator = root
        .get("metadata")?
        .get("_generator")?
        .get("name")?
        .as_str()?;
    if !generator.eq_ignore_ascii_case("bicep") {
        return None;
    }
    let name = canonical.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".json")
        .or_else(|| lower.strip_suffix(".jsonc"))?;
    let stem = &name[..stem.len()];
    let mut candidates = vec![format!("{stem}.bicep")];
    if stem.eq_ignore_ascii_case("azuredeploy") {
        candidates.push("main.bicep".into());
    } else if let Some(prefix) = stem.strip_suffix(".azuredeploy") {
        candidates.push(format!("{prefix}.main.bicep"));
    }
    candidates
        .into_iter()
        .map(|c| canonical.with_file_name(c))
        .find(|p| env.loader.walked(p))
}

/// Lowers the template `root` read from `file` (its JSON tree is dropped once lowered) and
/// expands it: one context per parameter file (or one with the defaults), linked templates
/// loaded as the expansion reaches them.
fn template(file: Loaded, root: Json, env: &Env<'_>) -> Lowered {
    let mut out = Lowered {
        linkable: true,
        ..Lowered::default()
    };
    let canonical = file.canonical.clone();
    out.compiled_from = bicep_source(&root, &canonical, env);
    let id = file.add_to(&mut out.sources);
    let contexts = parameter_contexts(&mut out, id, &canonical, env);
    let linked = Linked::new(
        &out.sources,
        env.loader,
        &canonical,
        &env.config.links,
        env.allowance,
    );
    // Lowered once, expanded for each context and each assumed value.
    let lowered = lower::template(&root, id, &out.sources.get(id).text);
    drop(root);
    let expression_errors = expand_contexts(&mut out, id, &lowered, contexts, &linked, env);
    out.links = linked.targets();
    linked.into_sources(&mut out.sources);
    push_expression_errors(&mut out, expression_errors, HEADLINE);
    out
}

/// Expands the lowered template `lowered` (of file `id`) in each of `contexts` (each allowed
/// value of a required parameter that decides an image judged on its own), linked templates
/// read by `links`; sets `out.deployment`. Returns the expression errors met.
pub(crate) fn expand_contexts(
    out: &mut Lowered,
    id: FileId,
    lowered: &Template,
    contexts: Vec<(Option<String>, ParameterValues<'static>)>,
    links: &Linked<'_>,
    env: &Env<'_>,
) -> Vec<(Span, Cause)> {
    let deployment = deployment_scope(env.config);
    let expand_with = |supplied| links.expand(lowered, supplied, &deployment);
    let mut model = Deployment {
        language: Language::Arm,
        merge_instances: false,
        contexts: Vec::new(),
    };
    let mut expression_errors = Vec::new();
    for (parameter_file, supplied) in contexts {
        let choices = open_choices(lowered, &supplied);
        let mut expanded = expand_with(supplied.clone());
        for choice in choices {
            let variants: Vec<Expanded> = choice
                .values
                .iter()
                .map(|value| {
                    let mut with = supplied.clone();
                    with.insert(&choice.name, value.clone());
                    expand_with(with)
                })
                .collect();
            expanded.resources = judge_each_allowed_value(expanded.resources, &choice, &variants);
        }
        expression_errors.extend(expanded.expression_errors);
        model.contexts.push(Context {
            unseen: expanded.unseen,
            parameter_file,
            resources: expanded.resources,
            notes: expanded.notes,
        });
    }
    out.deployment = Some(ToJudge {
        file: id,
        deployment: model,
    });
    expression_errors
}

/// The expression errors met while expanding, as IG000s (each once).
pub(crate) fn push_expression_errors(
    out: &mut Lowered,
    mut errors: Vec<(Span, Cause)>,
    headline: &'static str,
) {
    errors.sort_by_key(|(span, _)| *span);
    errors.dedup();
    for (span, cause) in errors {
        out.problems.push(ParseProblem {
            span,
            headline,
            message: cause.to_string(),
        });
    }
}

/// Replaces each resource whose image is unknown only because `choice` has no value by one
/// variant per allowed value (evaluated in `variants`, in the order of `choice.values`). When
/// the file's allowance cut a variant short, the resource stays unknown beside the variants
/// judged: an allowed value not judged is never passed.
fn judge_each_allowed_value(
    resources: Vec<Resource>,
    choice: &Choice,
    variants: &[Expanded],
) -> Vec<Resource> {
    let catalog = Catalog::builtin();
    let cut = variants.iter().any(|v| v.cut);
    // Each variant's resources by identity and name, looked up once per resource.
    let by_identity: Vec<foldhash::HashMap<(&str, &str), &Resource>> = variants
        .iter()
        .map(|v| {
            v.resources
                .iter()
                .map(|r| ((r.identity.as_str(), r.name.as_str()), r))
                .collect()
        })
        .collect();
    let mut out = Vec::with_capacity(resources.len());
    for resource in resources {
        let blamed = catalog.arm(&resource.resource_type).is_some_and(|entry| {
            extract::images(&resource, entry)
                .iter()
                .any(|f| matches!(&f.image, Image::Unresolved(why) if blames(why, &choice.name)))
        });
        if !blamed {
            out.push(resource);
            continue;
        }
        let mut alternatives = Vec::new();
        for (value, variant) in choice.values.iter().zip(&by_identity) {
            let key = (resource.identity.as_str(), resource.name.as_str());
            if let Some(&r) = variant.get(&key) {
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
        } else if cut {
            out.extend(alternatives);
            out.push(resource);
        } else {
            out.extend(alternatives);
        }
    }
    out
}

/// The deployment scope the config describes.
pub(crate) fn deployment_scope(config: &Config) -> DeploymentScope {
    let d = &config.deployment;
    DeploymentScope {
        subscription_id: d.subscription_id.clone(),
        resource_group: d.resource_group.clone(),
        location: d.location.clone(),
        tenant_id: d.tenant_id.clone(),
        deployment_name: None,
        unknown: Vec::new(),
    }
}
