//! IG007 image-tag-mismatch: the tag `[tags] image_version` names states a version other than
//! the version of the image the resource deploys (or the image is not pinned at all).
//!
//! Not IG006, as the issue that asked for it said: IG006 is `config-not-in-effect`, and rule
//! ids are never reused or renumbered.

use super::doc::rule_doc;
use super::ig005_missing_required_tags::same_name;
use super::{Check, Definition, JudgedResource, ResourceRule, Rule, Violation};
use crate::catalog::Section;
use crate::image::{Image, Seg, Version};
use crate::judge::VersionNumber;
use crate::value::Kind;

/// IG007.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG007-image-tag-mismatch.md")),
    fix_title: "Make the image-version tag state the version the resource deploys",
    check: Check::Resource(&ImageTagMismatch),
};

/// The check: the image-version tag against each image's version.
struct ImageTagMismatch;

/// What an image says about its version.
enum Deployed<'i> {
    /// This version.
    Pinned(&'i str),
    /// No version: whatever is newest at deployment time.
    Unpinned,
}

/// The version `image` deploys, when it is known (`None`: unknown, or an image without
/// versions such as a VHD).
fn deployed(image: &Image) -> Option<Deployed<'_>> {
    match image {
        Image::Gallery { version, .. } => match version {
            Version::Pinned(v) => Some(Deployed::Pinned(v)),
            Version::Latest | Version::Missing => Some(Deployed::Unpinned),
            Version::Unknown(_) => None,
        },
        Image::Marketplace(m) | Image::Platform(m) => match &m.version {
            None => Some(Deployed::Unpinned),
            Some(Seg::Known(v)) if v.eq_ignore_ascii_case("latest") => Some(Deployed::Unpinned),
            Some(Seg::Known(v)) => Some(Deployed::Pinned(v)),
            Some(Seg::Hole(_)) => None,
        },
        _ => None,
    }
}

/// Whether two version texts name the same version: as `Major.Minor.Patch` numbers when both
/// are, else as text (ignoring case and surrounding spaces).
fn same_version(a: &str, b: &str) -> bool {
    match (
        VersionNumber::parse(a.trim()),
        VersionNumber::parse(b.trim()),
    ) {
        (Some(x), Some(y)) => x == y,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

impl ResourceRule for ImageTagMismatch {
    fn paths(&self, _resource_type: &str, _section: Section) -> &'static [&'static str] {
        &["tags"]
    }

    fn check<'a>(&self, resource: &JudgedResource<'a>) -> Vec<Violation<'a>> {
        let Some(tag) = resource.tags.image_version.as_deref() else {
            return Vec::new();
        };
        if resource.contents_unseen {
            return Vec::new();
        }
        let r = resource.resource;
        let Some(tags) = r.body.get("tags") else {
            return Vec::new();
        };
        let Kind::Object(members) = &tags.kind else {
            return Vec::new();
        };
        let Some((name, value)) = members.iter().find(|(key, _)| same_name(key, tag)) else {
            return Vec::new();
        };
        // Only a known, non-empty tag states something.
        let Some(stated) = value.as_str().filter(|s| !s.trim().is_empty()) else {
            return Vec::new();
        };
        let versions: Vec<(usize, Deployed<'_>)> = resource
            .images
            .iter()
            .enumerate()
            .filter_map(|(i, j)| Some((i, deployed(&j.found.image)?)))
            .collect();
        let matches =
            |d: &Deployed<'_>| matches!(d, Deployed::Pinned(v) if same_version(v, stated));
        if versions.is_empty() || versions.iter().any(|(_, d)| matches(d)) {
            return Vec::new();
        }
        let (i, first) = &versions[0];
        let image = &resource.images[*i].found;
        let (message, label) = match first {
            Deployed::Pinned(v) => (
                format!(
                    "the tag `{name}` says the image version is {stated}, but the resource \
                     deploys version {v} ({})",
                    image.image.describe()
                ),
                "tag differs from the image version",
            ),
            Deployed::Unpinned => (
                format!(
                    "the tag `{name}` says the image version is {stated}, but the image is not \
                     pinned to a version ({}): the version deployed is whatever is newest at \
                     deployment time",
                    image.image.describe()
                ),
                "the image is not pinned",
            ),
        };
        let primary = value
            .origin
            .literal
            .or(value.origin.site)
            .or(tags.origin.literal)
            .or(tags.origin.site)
            .unwrap_or(r.span);
        vec![Violation {
            image: Some(*i),
            message,
            label: label.to_owned(),
            primary,
            chain: &value.origin.hops,
            written: None,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::FoundImage;
    use crate::image::{GalleryKind, IdPath, Marketplace};
    use crate::judge::Verdict;
    use crate::model::Resource;
    use crate::rules::resource::testing::{found, judged, marketplace, resource, span};
    use crate::rules::{Severity, TagPolicy};
    use crate::value::{Cause, Value, Why};

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG007", "image-tag-mismatch"));
        assert_eq!(RULE.severity(), Severity::Warning);
        assert!(d.body.contains("Why not IG006"));
        assert!(RULE.resource_rule().is_some());
    }

    fn gallery(version: Version) -> FoundImage {
        let definition = IdPath(
            "subscriptions/s/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/ubuntu"
                .split('/')
                .map(|s| Seg::Known(s.into()))
                .collect(),
        );
        found(Image::Gallery {
            kind: GalleryKind::Compute,
            definition,
            version,
        })
    }

    fn with_tag(value: Value) -> Resource {
        let tags = Value::literal(
            Kind::Object(vec![("ImageVersion".into(), value)]),
            span(500, 600),
        );
        let mut r = resource();
        r.body = Value::literal(Kind::Object(vec![("tags".into(), tags)]), span(100, 900));
        r
    }

    fn stated(text: &str) -> Value {
        Value::literal(Kind::Str(text.into()), span(520, 527))
    }

    fn check(r: &Resource, image: FoundImage) -> Vec<(Option<usize>, String, crate::source::Span)> {
        let images = [judged(image, Verdict::Compliant)];
        let policy = TagPolicy {
            image_version: Some("imageVersion".into()),
            ..TagPolicy::default()
        };
        let on = JudgedResource {
            resource: r,
            images: &images,
            tags: &policy,
            contents_unseen: false,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        ImageTagMismatch
            .check(&on)
            .into_iter()
            .map(|v| (v.image, v.message, v.primary))
            .collect()
    }

    #[test]
    fn a_tag_that_states_another_version_is_reported_at_the_tag() {
        let v = check(
            &with_tag(stated("1.4.0")),
            gallery(Version::Pinned("1.6.2".into())),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].0, Some(0));
        assert!(
            v[0].1.starts_with(
                "the tag `ImageVersion` says the image version is 1.4.0, but the resource \
                 deploys version 1.6.2 (Gallery image /subscriptions/s/"
            ),
            "{}",
            v[0].1
        );
        assert_eq!(v[0].2, span(520, 527));
    }

    #[test]
    fn a_tag_on_an_unpinned_image_cannot_be_trusted() {
        for version in [Version::Latest, Version::Missing] {
            let v = check(&with_tag(stated("1.4.0")), gallery(version));
            assert!(
                v[0].1.contains("but the image is not pinned to a version"),
                "{}",
                v[0].1
            );
        }
        let latest = FoundImage { ..marketplace() };
        let v = check(&with_tag(stated("22.04.202401010")), latest);
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn same_versions_absent_or_unknown_tags_and_unknown_versions_are_not_reported() {
        // The same version, written differently.
        assert!(
            check(
                &with_tag(stated("01.4.0")),
                gallery(Version::Pinned("1.4.0".into()))
            )
            .is_empty()
        );
        assert!(
            check(
                &with_tag(stated(" 1.4.0 ")),
                gallery(Version::Pinned("1.4.0".into()))
            )
            .is_empty()
        );
        let m = |v: &str| {
            found(Image::Marketplace(Marketplace {
                publisher: Seg::Known("Canonical".into()),
                offer: Seg::Known("ubuntu".into()),
                sku: Seg::Known("22_04-lts".into()),
                version: Some(Seg::Known(v.into())),
                plan: None,
            }))
        };
        assert!(check(&with_tag(stated("22.04.202401010")), m("22.04.202401010")).is_empty());
        // A tag whose value is unknown, or empty.
        let unknown = Value::unknown(Why::new(Cause::UnsetParameter { name: "v".into() }));
        assert!(check(&with_tag(unknown), gallery(Version::Pinned("1.4.0".into()))).is_empty());
        assert!(
            check(
                &with_tag(stated("")),
                gallery(Version::Pinned("1.4.0".into()))
            )
            .is_empty()
        );
        // An image version that is unknown.
        let why = Why::new(Cause::UnsetParameter {
            name: "version".into(),
        });
        assert!(check(&with_tag(stated("1.4.0")), gallery(Version::Unknown(why))).is_empty());
        // No tag at all (IG005's business), or no `image_version` in the policy.
        assert!(check(&resource(), gallery(Version::Pinned("1.4.0".into()))).is_empty());
        let r = with_tag(stated("1.0.0"));
        let images = [judged(
            gallery(Version::Pinned("1.4.0".into())),
            Verdict::Compliant,
        )];
        let on = JudgedResource {
            resource: &r,
            images: &images,
            tags: &TagPolicy::default(),
            contents_unseen: false,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        assert!(ImageTagMismatch.check(&on).is_empty());
    }
}
