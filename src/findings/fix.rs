//! Fixes: the edit that resolves a finding, where one is safe to make without a person's
//! choice. Today: an unpinned (IG003) or deprecated (IG004) gallery image pinned to the
//! newest good version the gallery snapshots list, by rewriting the string literal that
//! supplied the whole image ID, wherever it is written (the template, a parameter file, a
//! `.bicepparam`), in the language of its file.
//!
//! When the resource states its image version in the tag `[tags] image_version` names, with a
//! literal of its own declaration, the tag is set to the new version in the same fix (else
//! the pin would make it an IG007). A tag literal outside the declaration (a variable other
//! resources share) is left alone.
//!
//! No fix when the ID is composed by an expression (which literal to change is a person's
//! choice), when no snapshot names a good version, when the literal lies outside the
//! repository (the Bicep module cache), or when its file is not written by hand (a plan).

use super::{Edit, Fix};
use crate::config::Config;
use crate::extract::FoundImage;
use crate::image::{Image, Version};
use crate::model::{Quote, Resource};
use crate::rules::Rule;
use crate::source::SourceMap;

/// The fix of a finding of `rule` about `found`, when one is safe (see the module's doc).
pub(super) fn fix(
    rule: Rule,
    found: &FoundImage,
    resource: &Resource,
    config: &Config,
    sources: &SourceMap,
    literals: &[Option<Quote>],
) -> Option<Fix> {
    let policy = &config.policy;
    if !matches!(rule.id(), "IG003" | "IG004") {
        return None;
    }
    let Image::Gallery {
        definition,
        version,
        ..
    } = &found.image
    else {
        return None;
    };
    let newest = policy.newest_version(definition)?;
    if matches!(version, Version::Pinned(v) if *v == newest) {
        return None;
    }
    let (span, text) = found.literal.as_ref()?;
    let file = sources.get(span.file);
    if file.external {
        return None;
    }
    let quote = (*literals.get(span.file.0 as usize)?)?;
    let pinned = pinned(text, &newest)?;
    let replacement = quote(&pinned)?;
    let mut edits = vec![Edit {
        location: super::Location::of(file, span.start, span.end),
        bytes: span.start..span.end,
        replacement,
    }];
    let mut title =
        format!("Pin version {newest}, the newest good version of the gallery snapshot");
    if let Some(tag) = version_tag(resource, config.tags.image_version.as_deref(), &newest) {
        let (span, name) = tag;
        let file = sources.get(span.file);
        if let Some(quote) = literals.get(span.file.0 as usize).copied().flatten()
            && let Some(replacement) = quote(&newest)
        {
            edits.push(Edit {
                location: super::Location::of(file, span.start, span.end),
                bytes: span.start..span.end,
                replacement,
            });
            title.push_str(&format!(", and set the tag `{name}` to it"));
        }
    }
    // Sorted: the edits of one fix never overlap.
    edits.sort_by_key(|e| (e.location.path.clone(), e.bytes.start));
    Some(Fix { title, edits })
}

/// The literal of `resource`'s own declaration that states its image version in the tag
/// `tag`, and the tag's name as written, when it states something other than `newest`.
fn version_tag(
    resource: &Resource,
    tag: Option<&str>,
    newest: &str,
) -> Option<(crate::source::Span, String)> {
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
    (own && stated != newest).then(|| (span, name.to_string()))
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
