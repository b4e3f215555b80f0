//! Fixes: the edit that resolves a finding, where one is safe to make without a person's
//! choice, on the literal that decides it, wherever it is written (the template, a parameter
//! file, a `.bicepparam`, a Bicep file), in the language of its file (each file's
//! [`LiteralSyntax`], chosen by its frontend).
//!
//! * An unpinned (IG003) or deprecated (IG004) gallery image is pinned to the newest good
//!   version the gallery snapshots list: by rewriting the literal that supplied its whole ID;
//!   or, for an ID composed from several places (`concat`, `format`, a Bicep interpolation),
//!   the literal that supplied exactly its version (a parameter's default, a parameter file's
//!   or `.bicepparam`'s value, a variable), else the literal that ends the ID (its version
//!   changed, or `/versions/<newest>` appended to a definition's ID).
//! * An unapproved image (IG001) that a `[fix] replace` key matches is replaced by the
//!   approved gallery image its value names (a definition pinned to its newest good version
//!   when a snapshot lists one): by rewriting the literal that supplied its whole ID, or, for
//!   a Marketplace reference written as an object of literals, by replacing the object with
//!   one `id` member (a reference whose fields come from elsewhere has no one place to
//!   change: no fix).
//!
//! When the resource states its image version in the tag `[tags] image_version` names, with a
//! literal of its own declaration, the tag is set to the new version in the same fix (else
//! the fix would make it an IG007). A tag literal outside the declaration (a variable other
//! resources share) is left alone.
//!
//! A literal several images use is edited only when every image of the deployment uses it
//! the same way ([`Uses`]: as the version of the same definition, or as the end of the same
//! definition's ID); the plan of `check --fix` then makes an edit once, and not at all when
//! the findings want different text there.
//!
//! No fix when no literal decides the part to change (which literal to change is a person's
//! choice), when no snapshot names a good version, when the literal lies outside the
//! repository (the Bicep module cache), when its file is not written by hand (a plan), or when
//! what is written there is not what the run read (the frontend's writer checks).

use std::collections::HashMap;

use super::{Edit, Finding, Fix, Location};
use crate::config::{Config, ReplacePattern, Replacement};
use crate::extract::FoundImage;
use crate::image::{Image, Seg, Version};
use crate::judge::wildcard_ignore_case;
use crate::model::{LiteralSyntax, Resource};
use crate::rules::Rule;
use crate::source::{SourceMap, Span};

/// The fix of a finding of `rule` about `found`, when one is safe (see the module's doc).
pub(super) fn fix(
    rule: Rule,
    found: &FoundImage,
    resource: &Resource,
    config: &Config,
    sources: &SourceMap,
    literals: &[Option<LiteralSyntax>],
) -> Option<Fix> {
    let files = Files { sources, literals };
    let (mut title, edit, guard, version) = match rule.id() {
        "IG003" | "IG004" => pin(found, config, &files)?,
        "IG001" => replace(found, config, &files)?,
        _ => return None,
    };
    let mut edits = vec![edit];
    if let Some(version) = version
        && let Some((span, name, stated)) =
            version_tag(resource, config.tags.image_version.as_deref(), &version)
        && let Some(edit) = files.edit(span, |syntax, _, written| {
            (syntax.rewrite)(written, &stated, &version)
        })
    {
        edits.push(edit);
        title.push_str(&format!(", and set the tag `{name}` to it"));
    }
    // Sorted: the edits of one fix never overlap.
    edits.sort_by_key(|e| (e.location.path.clone(), e.bytes.start));
    Some(Fix {
        title,
        edits,
        guards: guard.into_iter().collect(),
    })
}

/// Why a finding of `rule` about `found` has no fix when its rule could have one (a pin, or
/// a replacement `[fix] replace` names): said with the finding (JSON `no_fix`, the editor's
/// hover), so that "no fix" is never silent. `None` when the rule has no fix to give.
pub(super) fn why_none(
    rule: Rule,
    found: &FoundImage,
    config: &Config,
    literals: &[Option<LiteralSyntax>],
) -> Option<String> {
    match rule.id() {
        "IG003" | "IG004" => {
            let Image::Gallery { definition, .. } = &found.image else {
                return None;
            };
            if config.policy.newest_version(definition).is_none() {
                return Some(
                    "no gallery snapshot (`gallery_versions`) names a good version of this image \
                     definition to pin"
                        .into(),
                );
            }
        }
        "IG001" if config.fix.replace.iter().any(|r| matches(r, &found.image)) => {}
        _ => return None,
    }
    if literals
        .get(found.primary.file.0 as usize)
        .is_none_or(Option::is_none)
    {
        return Some("this file is not written by hand (a plan): change its source".into());
    }
    Some(
        "the image is not written as literals imagegate can rewrite safely (an expression \
         combines it, or it sits in a variable or parameter other expressions read): change it \
         by hand"
            .into(),
    )
}

/// Why a fix was dropped by [`settle`].
const SHARED: &str = "another image uses the same literal without the same fix: change it by hand";

/// What a fix computes: its title, its edit of the image, the literal it edits that other
/// images may use too ([`Uses`]), and the version the image gets (for its tag).
type Made = (String, Edit, Option<Span>, Option<String>);

/// The pin of an unpinned or deprecated gallery image to the newest good version.
fn pin(found: &FoundImage, config: &Config, files: &Files<'_>) -> Option<Made> {
    let Image::Gallery {
        definition,
        version,
        ..
    } = &found.image
    else {
        return None;
    };
    let newest = config.policy.newest_version(definition)?;
    if matches!(version, Version::Pinned(v) if *v == newest) {
        return None;
    }
    let title = format!("Pin version {newest}, the newest good version of the gallery snapshot");
    if let Some((span, text)) = &found.literal {
        let pinned = pinned(text, &newest)?;
        let edit = files.edit(*span, |syntax, _, written| {
            (syntax.rewrite)(written, text, &pinned)
        })?;
        return Some((title, edit, Some(*span), Some(newest)));
    }
    // Composed: the literal that decides the version, or the one that ends the ID.
    let composed = found.rewrite.composed.as_ref()?;
    let len = composed.len;
    // The literal that is exactly the version is rewritten whole; one that ends the ID gets
    // a new end.
    let (piece, old, new, exact) = match version {
        Version::Pinned(_) | Version::Latest => {
            let segment = version_segment(composed)?;
            let start = len.checked_sub(u32::try_from(segment.len()).ok()?)?;
            let mut pieces = composed.pieces.iter().rev();
            let exact = pieces
                .clone()
                .find(|p| p.whole && p.start == start && p.end == len);
            match exact {
                Some(exact) => (exact, segment, newest.clone(), true),
                None => {
                    let ending = pieces.find(|p| p.end == len && p.start <= start)?;
                    (ending, segment, newest.clone(), false)
                }
            }
        }
        Version::Missing => {
            // The piece ends the ID with nothing unknown after it.
            let known_from = len.checked_sub(u32::try_from(composed.tail.len()).ok()?)?;
            let ending = composed
                .pieces
                .iter()
                .rev()
                .find(|p| p.end == len && p.start >= known_from && !composed.tail.is_empty())?;
            (ending, "", format!("/versions/{newest}"), false)
        }
        Version::Unknown(_) => return None,
    };
    let edit = files.edit(piece.literal, |syntax, _, written| {
        let write = if exact { syntax.rewrite } else { syntax.retail };
        write(written, old, &new)
    })?;
    Some((title, edit, Some(piece.literal), Some(newest)))
}

/// The version segment a composed ID ends with (`1.4.0`, `latest`), when its known text ends
/// with `/versions/<segment>` after its last unknown part.
fn version_segment(composed: &crate::extract::Composed) -> Option<&str> {
    let (before, segment) = composed.tail.rsplit_once('/')?;
    let named = before
        .rsplit('/')
        .next()
        .is_some_and(|s| s.eq_ignore_ascii_case("versions"));
    (named && !segment.is_empty()).then_some(segment)
}

/// The replacement of an unapproved image the config names (`[fix] replace`).
fn replace(found: &FoundImage, config: &Config, files: &Files<'_>) -> Option<Made> {
    let entry = config
        .fix
        .replace
        .iter()
        .find(|r| matches(r, &found.image))?;
    let target = crate::value::Value::composed(crate::value::Kind::Str(entry.with.clone()));
    let Image::Gallery {
        definition,
        version,
        ..
    } = Image::from_id(&target)
    else {
        return None;
    };
    let policy = &config.policy;
    let (id, version) = match &version {
        Version::Pinned(v) if policy.deprecation(&definition, v).is_some() => return None,
        Version::Pinned(v) => (entry.with.clone(), Some(v.clone())),
        Version::Missing | Version::Latest => match policy.newest_version(&definition) {
            Some(newest) => (pinned(&entry.with, &newest)?, Some(newest)),
            None => (entry.with.clone(), None),
        },
        Version::Unknown(_) => return None,
    };
    let title = format!(
        "Replace the image with {id}, as `[fix] replace` says for `{}`",
        entry.written
    );
    let edit = match (&found.literal, found.rewrite.object, &found.image) {
        (Some((span, text)), _, Image::Gallery { .. } | Image::Managed(_) | Image::OtherId(_))
        | (Some((span, text)), _, Image::Platform(_)) => {
            let edit = files.edit(*span, |syntax, _, written| {
                (syntax.rewrite)(written, text, &id)
            })?;
            return Some((title, edit, Some(*span), version));
        }
        // A purchase plan belongs to the Marketplace image: what the gallery image needs
        // instead is not the fix's to know.
        (None, Some(object), Image::Marketplace(m)) if m.plan.is_none() => {
            files.edit(object, |syntax, text, _| {
                (syntax.id_object)(text, object.start as usize..object.end as usize, &id)
            })?
        }
        _ => return None,
    };
    Some((title, edit, found.rewrite.object, version))
}

/// Whether the `[fix] replace` entry `entry` matches `image`: a Marketplace key a Marketplace
/// or platform image field by field, an ID key a gallery, managed or other image's whole ID;
/// never an image with unknown parts.
fn matches(entry: &Replacement, image: &Image) -> bool {
    let wild = wildcard_ignore_case;
    match (&entry.pattern, image) {
        (
            ReplacePattern::Marketplace {
                publisher,
                offer,
                sku,
                version,
            },
            Image::Marketplace(m) | Image::Platform(m),
        ) => {
            let field = |pattern: &str, seg: &Seg| seg.known().is_some_and(|s| wild(pattern, s));
            let version = match (version, &m.version) {
                (None, _) => true,
                (Some(p), Some(v)) => field(p, v),
                (Some(p), None) => wild(p, "latest"),
            };
            field(publisher, &m.publisher)
                && field(offer, &m.offer)
                && field(sku, &m.sku)
                && version
        }
        (
            ReplacePattern::Id(pattern),
            Image::Gallery {
                definition,
                version,
                ..
            },
        ) => {
            let suffix = match version {
                Version::Pinned(v) => format!("/versions/{v}"),
                Version::Latest => "/versions/latest".to_owned(),
                Version::Missing => String::new(),
                Version::Unknown(_) => return false,
            };
            definition.first_hole().is_none() && wild(pattern, &format!("{definition}{suffix}"))
        }
        (ReplacePattern::Id(pattern), Image::Managed(id) | Image::OtherId(id)) => {
            id.first_hole().is_none() && wild(pattern, &id.to_string())
        }
        _ => false,
    }
}

/// The files of a deployment, and how each writes what a fix rewrites.
struct Files<'a> {
    /// The files.
    sources: &'a SourceMap,
    /// How each writes what a fix rewrites (`Deployment::literals`).
    literals: &'a [Option<LiteralSyntax>],
}

impl Files<'_> {
    /// The edit of what is written at `span`, its replacement made by `make` from the file's
    /// syntax, its text and what is written there; `None` in a file outside the repository
    /// or one nobody writes by hand.
    fn edit(
        &self,
        span: Span,
        make: impl FnOnce(&LiteralSyntax, &str, &str) -> Option<String>,
    ) -> Option<Edit> {
        let file = self.sources.get(span.file);
        if file.external {
            return None;
        }
        let syntax = self.literals.get(span.file.0 as usize).copied().flatten()?;
        let written = file.text.get(span.start as usize..span.end as usize)?;
        let replacement = make(&syntax, &file.text, written)?;
        Some(Edit {
            location: Location::of(file, span.start, span.end),
            bytes: span.start..span.end,
            replacement,
            original: written.to_owned(),
        })
    }
}

/// The literal of `resource`'s own declaration that states its image version in the tag
/// `tag`, the tag's name as written and what it states, when that is not `newest`.
fn version_tag(
    resource: &Resource,
    tag: Option<&str>,
    newest: &str,
) -> Option<(Span, String, String)> {
    let tag = tag?;
    let crate::value::Kind::Object(members) = &resource.body.get("tags")?.kind else {
        return None;
    };
    let (name, value) = members
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(tag))?;
    let stated = value.as_str()?;
    let span = value.origin.literal?;
    let own = span.file == resource.span.file
        && span.start >= resource.span.start
        && span.end <= resource.span.end;
    (own && stated != newest).then(|| (span, name.to_string(), stated.to_owned()))
}

/// The image ID `id` (a definition, or a version of one) pinned to `version`: its
/// `/versions/…` segment replaced, or one added; the rest kept as written (case included).
/// `None` when `id` names no definition plainly (a trailing `/`, more segments after the
/// version).
fn pinned(id: &str, version: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    match lower.rfind("/versions/") {
        Some(at) => {
            let after = &id[at + "/versions/".len()..];
            (!after.contains('/') && !after.is_empty())
                .then(|| format!("{}{version}", &id[..at + "/versions/".len()]))
        }
        None => (!id.ends_with('/')).then(|| format!("{id}/versions/{version}")),
    }
}

/// What the images of one deployment (every context) make their IDs of, and what their
/// fixes change: a fix that edits a literal stands only when every image that uses the
/// literal has a fix that edits it too (the plan of `check --fix` then makes the edit once
/// when they agree, and not at all when they want different text). An image that uses it
/// and wants it as it is (a good image, a part in the middle of its ID, an image whose fix
/// edits another literal) keeps it from being edited.
#[derive(Debug, Default)]
pub(crate) struct Uses {
    /// Each literal: how many times images use it, and how many of their fixes edit it.
    counts: HashMap<Span, (u32, u32)>,
}

impl Uses {
    /// Records the literals `found`'s ID is made of (and the object literal a Marketplace
    /// reference is written as), each time it uses one.
    pub(crate) fn add(&mut self, found: &FoundImage) {
        let whole = found
            .literal
            .iter()
            .map(|(span, _)| *span)
            .chain(found.rewrite.object);
        let pieces = found
            .rewrite
            .composed
            .iter()
            .flat_map(|c| c.pieces.iter().map(|p| p.literal));
        for literal in whole.chain(pieces) {
            let (used, _) = self.counts.entry(literal).or_default();
            *used = used.saturating_add(1);
        }
    }
}

/// Drops the fixes of `findings` (every finding of the deployment) that edit a literal some
/// image of the deployment uses without a fix that edits it too (`uses`).
pub(crate) fn settle(findings: &mut [&mut Finding], mut uses: Uses) {
    for finding in findings.iter() {
        for literal in finding.fix.iter().flat_map(|fix| &fix.guards) {
            if let Some((_, wanted)) = uses.counts.get_mut(literal) {
                *wanted = wanted.saturating_add(1);
            }
        }
    }
    for finding in findings.iter_mut() {
        let shared = finding.fix.as_ref().is_some_and(|fix| {
            fix.guards.iter().any(|literal| {
                uses.counts
                    .get(literal)
                    .is_some_and(|(used, wanted)| wanted < used)
            })
        });
        if shared {
            finding.fix = None;
            finding.no_fix = Some(SHARED.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pinned;

    #[test]
    fn a_version_is_replaced_or_added_and_the_rest_kept_as_written() {
        let def =
            "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/galleries/g/images/u";
        assert_eq!(
            pinned(def, "1.2.0").as_deref(),
            Some(format!("{def}/versions/1.2.0").as_str())
        );
        assert_eq!(
            pinned(&format!("{def}/versions/latest"), "1.2.0").as_deref(),
            Some(format!("{def}/versions/1.2.0").as_str())
        );
        assert_eq!(
            pinned(&format!("{def}/Versions/1.0.0"), "1.2.0").as_deref(),
            Some(format!("{def}/Versions/1.2.0").as_str())
        );
        assert_eq!(pinned(&format!("{def}/"), "1.2.0"), None);
        assert_eq!(pinned(&format!("{def}/versions/1.0.0/x"), "1.2.0"), None);
    }
}
