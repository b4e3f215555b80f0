//! ARM templates embedded in another language's file (a Terraform template deployment's
//! `template_content`, an azapi `Microsoft.Resources/deployments` body): lowered and expanded
//! with the parameters the host gives as their one context.
//!
//! Relative links are not followed from an embedded template: they are relative to a location
//! the template does not have (Azure resolves `relativePath` only for a template deployed
//! from a link or a template spec: <https://learn.microsoft.com/azure/azure-resource-manager/templates/linked-templates#linked-template>).
//! Links the config maps (`[links]`) still are.

use std::path::{Path, PathBuf};

use super::dialect::{DIALECT, HEADLINE};
use super::lower;
use super::params::parameter_values;
use crate::eval::ParameterValues;
use crate::frontend::expand::{expand_contexts, push_expression_errors};
use crate::frontend::links::Linked;
use crate::frontend::{Embedded, EmbeddedParameters, EmbeddedText, Env, Lowered, ParseProblem};
use crate::json;
use crate::source::{Encoding, FileId, SourceFile};
use crate::value::{Kind, Value};

/// The headline of an IG000 about embedded parameters.
const PARAMETERS_HEADLINE: &str = "cannot parse parameters";

/// Lowers and expands the embedded template `doc`. Everything is located in its texts (files
/// named by their `display`).
pub(super) fn lower(doc: &Embedded, env: &Env<'_>) -> Lowered {
    let mut out = Lowered::default();
    let id = add(&mut out, &doc.document);
    let text = &out.sources.get(id).text;
    let limits = env.allowance.limits();
    let root = match json::parse_within(text, limits.max_document_values) {
        Ok(root) => root,
        Err(e) => {
            let problem = ParseProblem::at_char(id, text, e.offset, HEADLINE, e.message);
            out.problems.push(problem);
            return out;
        }
    };
    let lowered = lower::template(&root, id, text, env.options.keep);
    drop(root);
    let supplied = match &doc.parameters {
        EmbeddedParameters::None => ParameterValues::new(),
        EmbeddedParameters::Text(parameters) => {
            let pid = add(&mut out, parameters);
            let text = &out.sources.get(pid).text;
            match json::parse_within(text, limits.max_document_values) {
                Ok(root) => parameter_values(&root, pid, limits),
                Err(e) => {
                    let problem =
                        ParseProblem::at_char(pid, text, e.offset, PARAMETERS_HEADLINE, e.message);
                    out.problems.push(problem);
                    ParameterValues::new()
                }
            }
        }
        // Every parameter is unknown, for the host's reason: a default would be a guess.
        EmbeddedParameters::Unknown(why) => {
            let mut supplied = ParameterValues::new();
            for p in lowered.parameters.values() {
                let mut why = why.clone();
                why.span = Some(p.span);
                supplied.insert(&p.name, Value::composed(Kind::Unknown(why)));
            }
            supplied
        }
    };
    // Relative links from the embedded texts lead nowhere; those the config maps are read.
    let nowhere = PathBuf::new();
    let links = Linked::new(
        &out.sources,
        env.loader,
        &nowhere,
        env.options.links,
        env.allowance,
    )
    .placeless()
    .keeping(env.options.keep)
    .judging_latent(env.options.latent);
    let errors = expand_contexts(
        &mut out,
        id,
        &lowered,
        vec![(None, supplied)],
        &links,
        env,
        DIALECT,
    );
    out.links = links.targets();
    links.into_sources(&mut out.sources);
    push_expression_errors(&mut out, errors, HEADLINE);
    out
}

/// Adds the embedded text `t` to `out.sources`.
fn add(out: &mut Lowered, t: &EmbeddedText) -> FileId {
    out.sources.add(SourceFile::new(
        Path::new(&t.display).to_path_buf(),
        t.display.clone(),
        t.text.clone(),
        Encoding::Utf8,
    ))
}
