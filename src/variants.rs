//! Allowed-value variants: a required parameter with allowed values that nobody set leaves
//! an image unknown; where it is the only reason, the image is judged for every allowed value
//! instead.
//!
//! The frontend evaluates each context once more for each allowed value (the context's
//! [`OpenChoice`]s); this stage, which knows images and no language, decides per resource
//! whether the resource as evaluated stands or its variants do.

use crate::catalog::Catalog;
use crate::extract;
use crate::image::Image;
use crate::model::{Deployment, Dialect, OpenChoice, Resource, Unseen, Variant};
use crate::source::Span;
use crate::value::{Cause, Why};

/// Replaces, in every context of `deployment`, each resource whose image is unknown only for
/// want of an open choice by its variants, one choice after the other in the order they are
/// declared; the choices are then spent.
pub(crate) fn settle(deployment: &mut Deployment) {
    let dialect = deployment.dialect;
    for context in &mut deployment.contexts {
        for choice in std::mem::take(&mut context.choices) {
            let resources = std::mem::take(&mut context.resources);
            context.resources = judge_each_allowed_value(resources, &choice, dialect);
            let unseen = std::mem::take(&mut context.unseen);
            context.unseen = see_each_allowed_value(unseen, &choice, &mut context.resources);
        }
    }
}

/// Replaces each deployment whose template cannot be seen because `choice` has no value (a
/// link computed from the parameter) by what each allowed value deploys through it: the
/// resources its variants declare there (added to `resources`, judged under the value), and
/// what stays unseen there with that value. When the file's allowance cut a variant short,
/// the deployment stays unseen beside them.
fn see_each_allowed_value(
    unseen: Vec<Unseen>,
    choice: &OpenChoice,
    resources: &mut Vec<Resource>,
) -> Vec<Unseen> {
    let mut out = Vec::with_capacity(unseen.len());
    // The deployments replaced, by their declaration (the instances of a loop are one).
    let mut replaced: Vec<Span> = Vec::new();
    for deployment in unseen {
        let at = deployment.resource.span;
        if replaced.contains(&at) {
            continue;
        }
        // What it deploys, and what those deploy in turn.
        let through = |r: &Resource| r.deployed_by.iter().any(|(span, _)| *span == at);
        let it_or_through = |u: &Unseen| u.resource.span == at || through(&u.resource);
        // The choice decides it when some allowed value sees it (the variants differ from
        // the context in that value alone); left unseen by every value, it is said once.
        let seen_by = |v: &Variant| !v.unseen.iter().any(|u| u.resource.span == at);
        if !choice.variants.iter().any(seen_by) {
            out.push(deployment);
            continue;
        }
        replaced.push(at);
        for variant in &choice.variants {
            resources.extend(
                (variant.resources.iter())
                    .filter(|r| through(r))
                    .map(|r| under(variant, r.clone())),
            );
            out.extend(
                (variant.unseen.iter())
                    .filter(|u| it_or_through(u))
                    .map(|u| Unseen {
                        resource: under(variant, u.resource.clone()),
                        ..u.clone()
                    }),
            );
        }
        if choice.cut {
            out.push(deployment);
        }
    }
    out
}

/// `resource` as the variant `variant` declares it: judged under its allowed value (and still
/// latent if it is).
fn under(variant: &Variant, mut resource: Resource) -> Resource {
    resource.assumption.get_or_insert_default().value = Some(variant.assumption.clone());
    resource
}

/// Replaces each resource whose image is unknown only because `choice` has no value by one
/// variant per allowed value (in the order of its values). When the file's allowance cut a
/// variant short, the resource stays unknown beside the variants judged: an allowed value not
/// judged is never passed.
fn judge_each_allowed_value(
    resources: Vec<Resource>,
    choice: &OpenChoice,
    dialect: Dialect,
) -> Vec<Resource> {
    let catalog = Catalog::builtin();
    let entry = |r: &Resource| catalog.entry_in(dialect.catalog, &r.resource_type);
    // Each variant's resources by identity and name, looked up once per resource.
    let by_identity: Vec<foldhash::HashMap<(&str, &str), &Resource>> = choice
        .variants
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
        let blamed = entry(&resource).is_some_and(|entry| {
            extract::images(&resource, entry).iter().any(
                |f| matches!(&f.image, Image::Unresolved(why) if blames(why, &choice.parameter)),
            )
        });
        if !blamed {
            out.push(resource);
            continue;
        }
        let mut alternatives = Vec::new();
        for (variant, resources) in choice.variants.iter().zip(&by_identity) {
            let key = (resource.identity.as_str(), resource.name.as_str());
            if let Some(&r) = resources.get(&key) {
                alternatives.push(under(variant, r.clone()));
            }
        }
        let unresolved = |r: &Resource| {
            entry(r).is_some_and(|entry| {
                extract::images(r, entry)
                    .iter()
                    .any(|f| matches!(f.image, Image::Unresolved(_)))
            })
        };
        // Only worth it when some allowed value actually decides the image.
        if alternatives.is_empty() || alternatives.iter().all(unresolved) {
            out.push(resource);
        } else if choice.cut {
            out.extend(alternatives);
            out.push(resource);
        } else {
            out.extend(alternatives);
        }
    }
    out
}

/// Whether `why` is that parameter `name` had no value (parameter names are compared
/// ASCII-case-insensitively, as ARM does).
fn blames(why: &Why, name: &str) -> bool {
    matches!(&*why.cause, Cause::UnsetParameter { name: unset } if unset.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::value::Hop;

    #[test]
    fn blames_keys_on_the_cause() {
        let mut unset = Why::new(Cause::UnsetParameter { name: "os".into() });
        assert!(blames(&unset, "os"));
        assert!(blames(&unset, "OS"));
        assert!(!blames(&unset, "o"));
        assert!(!blames(&unset, "osType"));
        // Through a chain of variables, still the parameter's doing.
        unset.chain.push(Hop {
            span: Span::new(FileId(0), 0, 1),
            via: crate::value::Subject::Variable("image".into()),
        });
        assert!(blames(&unset, "os"));
        // Text that merely reads like the reason is not the reason.
        let lookalike = Why::new(Cause::UndeclaredVariable {
            name: "parameter 'os' has no default".into(),
        });
        assert!(
            lookalike
                .explain()
                .contains("parameter 'os' has no default")
        );
        assert!(!blames(&lookalike, "os"));
        let mut passed_on = Why::new(Cause::UnsetParameter {
            name: "size".into(),
        });
        passed_on.chain.push(Hop {
            span: Span::new(FileId(0), 0, 1),
            via: crate::value::Subject::Variable("parameter 'os' has no default".into()),
        });
        assert!(
            passed_on
                .explain()
                .contains("parameter 'os' has no default")
        );
        assert!(!blames(&passed_on, "os"));
        let elsewhere = Why::new(Cause::KeyVaultReference { name: "os".into() });
        assert!(!blames(&elsewhere, "os"));
    }
}
