//! Expansion shared by the languages that lower into the evaluator's templates (ARM JSON and
//! Bicep): each evaluation context of a lowered template expanded into the model, with the
//! allowed values of a required parameter nobody set evaluated one by one, and the expression
//! errors met as IG000s.

mod allowed;
mod text;

use crate::eval::ir::Template;
use crate::eval::{Expanded, ParameterValues};
use crate::frontend::links::Linked;
use crate::frontend::{Env, Lowered, ParseProblem, ToJudge};
use crate::model::{Context, Deployment, Dialect, OpenChoice, Variant};
use crate::source::{FileId, Span};
use crate::value::Cause;
use allowed::open_choices;
use text::is_expression;

/// Expands the lowered template `lowered` (of file `id`) in each of `contexts` (and, in
/// each, with each allowed value of a required parameter nobody set: the context's open
/// choices), linked templates read by `links` (the loading stage: the evaluator reads none); sets `out.deployment`, of `dialect`.
/// Returns the expression errors met.
pub(crate) fn expand_contexts(
    out: &mut Lowered,
    id: FileId,
    lowered: &Template,
    contexts: Vec<(Option<String>, ParameterValues<'static>)>,
    links: &Linked<'_>,
    env: &Env<'_>,
    dialect: Dialect,
) -> Vec<(Span, Cause)> {
    let deployment = &env.options.scope;
    let expand_with = |supplied| links.expand(lowered, supplied, deployment);
    let mut model = Deployment {
        dialect,
        merge_instances: false,
        contexts: Vec::new(),
        comments: Vec::new(),
        literals: Vec::new(),
    };
    let mut expression_errors = Vec::new();
    for (parameter_file, supplied) in contexts {
        let open = open_choices(lowered, &supplied);
        let expanded: Expanded = expand_with(supplied.clone());
        let mut choices = Vec::with_capacity(open.len());
        for choice in open {
            let mut cut = false;
            let variants = choice
                .values
                .iter()
                .map(|value| {
                    let mut with = supplied.clone();
                    with.insert(&choice.name, value.clone());
                    let variant = expand_with(with);
                    cut |= variant.cut;
                    Variant {
                        assumption: format!("parameter '{}' = {}", choice.name, value.display()),
                        resources: variant.resources,
                        unseen: variant.unseen,
                    }
                })
                .collect();
            choices.push(OpenChoice {
                parameter: choice.name,
                variants,
                cut,
            });
        }
        expression_errors.extend(expanded.expression_errors);
        model.contexts.push(Context {
            unseen: expanded.unseen,
            parameter_file,
            resources: expanded.resources,
            notes: expanded.notes,
            choices,
        });
    }
    out.deployment = Some(ToJudge {
        file: id,
        deployment: model,
    });
    expression_errors
}

/// The canonical paths of the files the expansions of `lowered` in each of `contexts` (and,
/// in each, with each of its open choices) may link to, told by `links` without expanding
/// ([`Linked::link_targets`]: through the linked files `follow` names); `None` when only an
/// expansion tells.
pub(crate) fn link_targets(
    lowered: &Template,
    contexts: Vec<(Option<String>, ParameterValues<'static>)>,
    links: &Linked<'_>,
    env: &Env<'_>,
    follow: &dyn Fn(&std::path::Path) -> bool,
) -> Option<Vec<std::path::PathBuf>> {
    let deployment = &env.options.scope;
    let targets_with = |supplied| links.link_targets(lowered, supplied, deployment, follow);
    let mut targets = Vec::new();
    for (_, supplied) in contexts {
        for choice in open_choices(lowered, &supplied) {
            for value in &choice.values {
                let mut with = supplied.clone();
                with.insert(&choice.name, value.clone());
                targets.extend(targets_with(with)?);
            }
        }
        targets.extend(targets_with(supplied)?);
    }
    targets.sort();
    targets.dedup();
    Some(targets)
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
