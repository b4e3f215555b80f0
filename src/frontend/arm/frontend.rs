//! The ARM frontend: recognises templates, reads their parameter files and expands each
//! evaluation context (the template with one parameter file, and with each allowed value of
//! a required parameter that decides an image) into the model.

use super::classify::{Classification, classify, has_marker};
use super::lower;
use super::params::json_parameter_file;
use crate::eval::ParameterValues;
use crate::frontend::expand::{expand_contexts, push_expression_errors};
use crate::frontend::links::Linked;
use crate::frontend::{
    Embedded, EmbeddedKind, Env, Frontend, Lowered, ParseProblem, Relation, Sniff,
    parameter_contexts,
};
use crate::json::Json;
use crate::source::Loaded;
use std::path::{Path, PathBuf};

use super::dialect::{DIALECT, HEADLINE};

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
        // Text that is not even decodable is claimed or not at the parser's own bound: no run's
        // limits are at hand here, and a document beyond any bound is claimed either way.
        !matches!(
            classify(lossy, crate::json::MAX_VALUES),
            Classification::NotTemplate
        )
    }

    fn lower(&self, file: Loaded, env: &Env<'_>) -> Result<Lowered, Loaded> {
        match classify(&file.text, env.allowance.limits().max_document_values) {
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

    fn relations_by_name(&self, path: &Path) -> Vec<Relation> {
        super::params::relations_by_name(path)
    }

    fn relations(&self, path: &Path, text: &str) -> Vec<Relation> {
        super::relations::relations(path, text, crate::json::MAX_VALUES)
    }

    fn may_relate(&self, bytes: &[u8]) -> bool {
        super::relations::mentions_links(bytes)
    }

    fn linkable(&self, bytes: &[u8]) -> bool {
        has_marker(bytes)
    }

    fn link_targets(
        &self,
        file: Loaded,
        env: &Env<'_>,
        follow: &dyn Fn(&Path) -> bool,
    ) -> Result<Option<Vec<PathBuf>>, Loaded> {
        match classify(&file.text, env.allowance.limits().max_document_values) {
            Classification::NotTemplate => Err(file),
            // Judged, it deploys nothing.
            Classification::Inert | Classification::Broken(_) => Ok(Some(Vec::new())),
            Classification::Template(root) => Ok(link_targets(file, root, env, follow)),
        }
    }

    fn parameters(
        &self,
        file: Loaded,
        _template: &Path,
        env: &Env<'_>,
        out: &mut Lowered,
    ) -> Result<Option<ParameterValues<'static>>, Loaded> {
        Ok(json_parameter_file(
            file,
            out,
            env.allowance.limits(),
            env.options.environment,
        ))
    }
}

/// The loader of the templates linked from the template at canonical path `canonical`, the
/// files of `out` its own: `env`'s links, allowance and latent judgement.
fn linker<'r>(out: &Lowered, canonical: &'r Path, env: &Env<'r>) -> Linked<'r> {
    Linked::new(
        &out.sources,
        env.loader,
        canonical,
        env.options.links,
        env.allowance,
    )
    .judging_latent(env.options.latent)
}

/// [`Frontend::link_targets`] of the template `root` read from `file`: the files its
/// expansions in its contexts may link to, through those `follow` names.
fn link_targets(
    file: Loaded,
    root: Json,
    env: &Env<'_>,
    follow: &dyn Fn(&Path) -> bool,
) -> Option<Vec<PathBuf>> {
    let mut out = Lowered::default();
    let canonical = file.canonical.clone();
    let id = file.add_to(&mut out.sources);
    let contexts = parameter_contexts(&mut out, &canonical, env);
    let linked = linker(&out, &canonical, env);
    let lowered = lower::template(&root, id, &out.sources.get(id).text, env.options.keep);
    drop(root);
    crate::frontend::expand::link_targets(&lowered, contexts, &linked, env, follow)
}

/// The extension of the files a compiled template names as its source ([`bicep_source`]).
pub(crate) const SOURCE_EXTENSION: &str = "bicep";

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
    let mut candidates = vec![format!("{stem}.{SOURCE_EXTENSION}")];
    if stem.eq_ignore_ascii_case("azuredeploy") {
        candidates.push(format!("main.{SOURCE_EXTENSION}"));
    } else if let Some(prefix) = stem.strip_suffix(".azuredeploy") {
        candidates.push(format!("{prefix}.main.{SOURCE_EXTENSION}"));
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
    let contexts = parameter_contexts(&mut out, &canonical, env);
    let linked = linker(&out, &canonical, env).keeping(env.options.keep);
    // Lowered once, expanded for each context and each assumed value.
    let lowered = lower::template(&root, id, &out.sources.get(id).text, env.options.keep);
    drop(root);
    let expression_errors =
        expand_contexts(&mut out, id, &lowered, contexts, &linked, env, DIALECT);
    out.links = linked.targets();
    linked.into_sources(&mut out.sources);
    push_expression_errors(&mut out, expression_errors, HEADLINE);
    out
}
