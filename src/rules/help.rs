//! The concrete next step a finding suggests: for an unapproved image the closest approved
//! entry of the policy, for an unresolved one the value to set, for an unpinned one the
//! version to pin. `None` when nothing more specific than the rule's fix title can be said.

use super::Rule;
use crate::extract::FoundImage;
use crate::image::{IdPath, Image, Version};
use crate::judge::Policy;
use crate::value::Cause;
use crate::value::cause::{ModuleCache, Unavailable};

/// What to do about `found` (the image a finding of `rule` is about), under `policy`.
pub(crate) fn help(rule: Rule, found: Option<&FoundImage>, policy: &Policy) -> Option<String> {
    if rule.id() == "IG010" {
        return Some(factory(policy));
    }
    let image = &found?.image;
    match rule.id() {
        "IG001" => unapproved(image, policy),
        "IG002" => unresolved(image),
        "IG003" => newest(image, policy).or_else(|| unpinned(image)),
        "IG004" => newest(image, policy),
        _ => None,
    }
}

/// "Use an image approved by `…`" (the approved entry closest to the image), or approve it.
fn unapproved(image: &Image, policy: &Policy) -> Option<String> {
    let id: Option<&IdPath> = match image {
        Image::Gallery { definition, .. } => Some(definition),
        Image::Managed(id) | Image::OtherId(id) => Some(id),
        _ => None,
    };
    let marketplace = matches!(image, Image::Marketplace(_) | Image::Platform(_));
    let closest = match id {
        Some(id) => policy
            .images
            .iter()
            .enumerate()
            // The most leading segments in common; the first listed on a tie.
            .max_by_key(|(i, glob)| (glob.leading_matches(id), std::cmp::Reverse(*i)))
            .map(|(_, glob)| glob),
        None => policy.images.first(),
    };
    let approve = if marketplace {
        "allow this Marketplace image under `[approved] marketplace` in imagegate.toml"
    } else {
        "approve this image under `[approved] images` in imagegate.toml"
    };
    let allowed = policy.marketplace.first().filter(|_| marketplace).map(|m| {
        format!(
            "an allowed Marketplace image (`{}:{}:{}`)",
            m.publisher, m.offer, m.sku
        )
    });
    let gallery = closest.map(|glob| format!("an image approved by `{}`", glob.as_str()));
    let instead = match (allowed, gallery) {
        (Some(a), Some(g)) => format!("{a} or {g}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => return Some(format!("no image is approved yet: {approve}")),
    };
    Some(format!("use {instead}, or {approve}"))
}

/// Where approved image versions come from: the image factory's paths, or how to name them.
fn factory(policy: &Policy) -> String {
    let globs: Vec<String> = policy.factory.globs().map(|g| format!("`{g}`")).collect();
    if globs.is_empty() {
        "if this template is the image factory, list its folder under `[approved] factory` in \
         imagegate.toml (globs relative to the config's folder, e.g. `factory = \
         [\"infra/images/**\"]`); otherwise publish into a gallery that is not approved and \
         let the factory promote the image"
            .to_owned()
    } else {
        format!(
            "publish approved image versions from the image factory ({} under `[approved] \
             factory` in imagegate.toml), or publish this one into a gallery that is not \
             approved",
            globs.join(", ")
        )
    }
}

/// The value to set, when the image waits for one the user can give.
fn unresolved(image: &Image) -> Option<String> {
    let Image::Unresolved(why) = image else {
        return None;
    };
    match &*why.cause {
        Cause::UnsetParameter { name } => Some(format!(
            "give parameter '{name}' a value: in a parameter file beside the template \
             (`<template>.parameters.json`, or a `.bicepparam` that uses it), in \
             `[parameter_files]` of imagegate.toml, or as its default"
        )),
        Cause::TemplateNotAvailable(Unavailable::Registry { cache: None, .. }) => Some(
            "if the module's source is in this repository, map the module reference to the \
             local file under `[links]` in imagegate.toml"
                .to_owned(),
        ),
        Cause::TemplateNotAvailable(Unavailable::Registry {
            cache: Some(cache), ..
        }) => Some(restore(cache)),
        Cause::TemplateNotAvailable(Unavailable::RegistryVersion(unknown)) => {
            Some(restore(&unknown.cache))
        }
        Cause::TemplateNotAvailable(Unavailable::RegistryUntraced(untraced)) => {
            Some(restore(&untraced.cache))
        }
        Cause::TemplateNotAvailable(Unavailable::RegistryReference { .. }) => Some(
            "write the reference as `br:<registry>/<module path>:<tag>`, \
             `br/<alias>:<module path>:<tag>`, `ts:<subscription>/<resource group>/<name>:<version>` \
             or `ts/<alias>:<name>:<version>`, with each alias defined under `moduleAliases` in \
             bicepconfig.json (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-config-modules)"
                .to_owned(),
        ),
        Cause::TemplateNotAvailable(Unavailable::RegistryConfig { config, .. }) => Some(format!(
            "fix `{}` (the IG000 there says what is wrong): the Bicep CLI cannot build with it either",
            config.file
        )),
        Cause::TemplateNotAvailable(Unavailable::Uri { .. } | Unavailable::Spec { .. }) => Some(
            "if the template is in this repository, map its URI or template spec to the \
                 local file under `[links]` in imagegate.toml"
                .to_owned(),
        ),
        _ => None,
    }
}

/// How to let imagegate read a registry module the module cache did not give: restore it
/// where imagegate reads it, or map it to a local copy.
fn restore(cache: &ModuleCache) -> String {
    const LINKS: &str =
        "or map the module reference to a local copy under `[links]` in imagegate.toml";
    match cache {
        ModuleCache::Missing { path } => format!(
            "run `bicep restore` on the Bicep file before the check (it writes the module to \
             `{path}`, where imagegate reads it), {LINKS}"
        ),
        ModuleCache::NoRoot => format!(
            "set `HOME` (the Bicep CLI caches modules in `~/.bicep`) or `cacheRootDirectory` in \
             bicepconfig.json, and run `bicep restore` on the Bicep file before the check, {LINKS}"
        ),
        ModuleCache::InsideRoots { .. } => format!(
            "move the module cache outside the repository (`cacheRootDirectory` in \
             bicepconfig.json, or none: `~/.bicep`) and run `bicep restore` on the Bicep file \
             before the check; if the committed copy is intended, {}",
            &LINKS[3..]
        ),
        ModuleCache::Refused { path, .. } => format!(
            "run `bicep restore --force` on the Bicep file before the check (it writes the \
             module to `{path}` again), {LINKS}"
        ),
    }
}

/// The newest good version of the image's definition, when a gallery snapshot lists one.
fn newest(image: &Image, policy: &Policy) -> Option<String> {
    let Image::Gallery { definition, .. } = image else {
        return None;
    };
    let version = policy.newest_version(definition)?;
    Some(format!(
        "pin `{definition}/versions/{version}`, the newest version of the gallery snapshot that \
         is not excluded from latest, past its end of life or deprecated"
    ))
}

/// The version to pin.
fn unpinned(image: &Image) -> Option<String> {
    match image {
        Image::Gallery {
            definition,
            version: Version::Latest | Version::Missing,
            ..
        } => Some(format!(
            "pin a tested version: `{definition}/versions/<major.minor.patch>`"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{IdGlob, MarketplaceRule};
    use crate::rules::resource::testing::{found, marketplace, span};

    fn policy(globs: &[&str], marketplace: &[(&str, &str, &str)]) -> Policy {
        Policy {
            images: globs
                .iter()
                .map(|g| IdGlob::parse(g).expect("glob"))
                .collect(),
            marketplace: marketplace
                .iter()
                .map(|(p, o, s)| MarketplaceRule {
                    publisher: (*p).into(),
                    offer: (*o).into(),
                    sku: (*s).into(),
                    version: None,
                })
                .collect(),
            ..Policy::default()
        }
    }

    const CORP: &str = "/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*";
    const OTHER: &str = "/subscriptions/*/resourceGroups/rg-other/providers/Microsoft.Compute/galleries/team/images/*";

    #[test]
    fn an_unapproved_id_is_pointed_at_the_closest_approved_entry() {
        let image = Image::from_id(&crate::value::Value::literal(
            crate::value::Kind::Str(
                "/subscriptions/1/resourceGroups/rg-other/providers/Microsoft.Compute/galleries/legacy/images/x/versions/1.0.0"
                    .into(),
            ),
            span(0, 1),
        ));
        let policy = policy(&[CORP, OTHER], &[]);
        let help = help(
            Rule::find("IG001").expect("rule"),
            Some(&found(image)),
            &policy,
        );
        assert_eq!(
            help.as_deref(),
            Some(
                "use an image approved by `/subscriptions/*/resourceGroups/rg-other/providers/Microsoft.Compute/galleries/team/images/*`, or approve this image under `[approved] images` in imagegate.toml"
            )
        );
    }

    #[test]
    fn a_marketplace_image_is_pointed_at_the_allowed_ones_and_the_gallery() {
        let rule = Rule::find("IG001").expect("rule");
        let image = marketplace();
        let both = policy(&[CORP], &[("Canonical", "ubuntu-24_04-lts", "server")]);
        assert_eq!(
            help(rule, Some(&image), &both).as_deref(),
            Some(
                "use an allowed Marketplace image (`Canonical:ubuntu-24_04-lts:server`) or an image approved by `/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*`, or allow this Marketplace image under `[approved] marketplace` in imagegate.toml"
            )
        );
        assert_eq!(
            help(rule, Some(&image), &policy(&[], &[])).as_deref(),
            Some(
                "no image is approved yet: allow this Marketplace image under `[approved] marketplace` in imagegate.toml"
            )
        );
    }

    #[test]
    fn unpinned_and_deprecated_images_are_told_the_snapshot_s_newest_version() {
        use crate::judge::{Lifecycle, PublishedVersion};
        let base = "/subscriptions/s/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu";
        let image = |v: &str| {
            found(Image::from_id(&crate::value::Value::literal(
                crate::value::Kind::Str(format!("{base}{v}")),
                span(0, 1),
            )))
        };
        let mut with_snapshot = policy(&[CORP], &[]);
        with_snapshot.lifecycle = vec![Lifecycle {
            id: IdGlob::parse(CORP).expect("glob"),
            min_version: None,
            deprecated: vec!["1.3.*".into()],
            end_of_life: None,
            versions: ["1.2.0", "1.3.4", "1.10.0"]
                .into_iter()
                .map(|name| PublishedVersion {
                    definition: None,
                    name: name.into(),
                    end_of_life: None,
                    exclude_from_latest: name == "1.10.0",
                    published: None,
                })
                .collect(),
        }];
        let newest = format!(
            "pin `{base}/versions/1.2.0`, the newest version of the gallery snapshot that is not excluded from latest, past its end of life or deprecated"
        );
        for (rule, v) in [
            ("IG003", ""),
            ("IG003", "/versions/latest"),
            ("IG004", "/versions/1.3.4"),
        ] {
            let rule = Rule::find(rule).expect("rule");
            assert_eq!(
                help(rule, Some(&image(v)), &with_snapshot),
                Some(newest.clone())
            );
        }
        // Without a snapshot: the generic step, and nothing more for IG004.
        let plain = policy(&[CORP], &[]);
        let ig003 = help(Rule::find("IG003").expect("rule"), Some(&image("")), &plain);
        assert!(ig003.is_some_and(|h| h.ends_with("/versions/<major.minor.patch>`")));
        let ig004 = help(
            Rule::find("IG004").expect("rule"),
            Some(&image("/versions/1.3.4")),
            &plain,
        );
        assert_eq!(ig004, None);
    }

    #[test]
    fn an_unset_parameter_is_named_and_other_rules_say_nothing_more() {
        let why = crate::value::Why::new(Cause::UnsetParameter {
            name: "imageId".into(),
        });
        let image = found(Image::Unresolved(why));
        let policy = policy(&[CORP], &[]);
        let help_for = |id: &str| help(Rule::find(id).expect("rule"), Some(&image), &policy);
        assert!(help_for("IG002").is_some_and(|h| {
            h.starts_with("give parameter 'imageId' a value: in a parameter file")
        }));
        assert_eq!(help_for("IG000"), None);
        assert_eq!(
            help(Rule::find("IG001").expect("rule"), None, &policy),
            None
        );
    }

    #[test]
    fn a_registry_module_nobody_gives_is_told_to_restore_it_where_imagegate_reads_it() {
        use crate::value::cause::ModuleCache;
        use crate::value::{Cause, Why};
        let rule = Rule::find("IG002").expect("rule");
        let unresolved = |cache: Option<ModuleCache>| {
            found(Image::Unresolved(Why::new(Cause::TemplateNotAvailable(
                Unavailable::Registry {
                    reference: "br/public:avm/res/compute/virtual-machine:0.9.0".into(),
                    cache: cache.map(Box::new),
                },
            ))))
        };
        let path =
            "~/.bicep/br/mcr.microsoft.com/bicep$avm$res$compute$virtual-machine/0.9.0$/main.json";
        let missing = unresolved(Some(ModuleCache::Missing { path: path.into() }));
        assert_eq!(
            help(rule, Some(&missing), &Policy::default()).as_deref(),
            Some(format!(
                "run `bicep restore` on the Bicep file before the check (it writes the module to `{path}`, where imagegate reads it), or map the module reference to a local copy under `[links]` in imagegate.toml"
            ).as_str())
        );
        let inside = unresolved(Some(ModuleCache::InsideRoots {
            root: "./fake-cache".into(),
        }));
        let said = help(rule, Some(&inside), &Policy::default()).expect("help");
        assert!(
            said.contains("move the module cache outside the repository")
                && said.contains("if the committed copy is intended, map the module reference to a local copy under `[links]`"),
            "{said}"
        );
        // A `.bicepparam`'s `using` is not read from the cache: only `[links]` is offered.
        let using = unresolved(None);
        let said = help(rule, Some(&using), &Policy::default()).expect("help");
        assert!(!said.contains("bicep restore"), "{said}");
    }
}
