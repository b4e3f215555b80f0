//! IG003 unpinned-image-version: an approved gallery image is used without a pinned version.

use super::doc::rule_doc;
use super::resource::{images_judged, with_origin};
use super::{Check, Definition, JudgedResource, ResourceRule, Rule, Violation};
use crate::extract::FoundImage;
use crate::judge::Verdict;

/// IG003.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG003-unpinned-image-version.md")),
    fix_title: "Pin the image to a tested version",
    check: Check::Resource(&UnpinnedImageVersion),
};

/// The check: each image the policy finds [`Verdict::Unpinned`].
struct UnpinnedImageVersion;

impl ResourceRule for UnpinnedImageVersion {
    fn check<'a>(&self, resource: &JudgedResource<'a>) -> Vec<Violation<'a>> {
        images_judged(resource, &Verdict::Unpinned, message, LABEL)
    }
}

/// The label under the caret.
const LABEL: &str = "no pinned version";

/// "Gallery image … is approved but not pinned to a version", and where the value came from.
fn message(found: &FoundImage) -> String {
    with_origin(
        format!(
            "{} is approved but not pinned to a version",
            found.image.describe()
        ),
        found,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::{GalleryKind, IdPath, Image, Seg, Version};
    use crate::rules::Severity;
    use crate::rules::resource::testing::{found, judged, marketplace, resource, with_hops};
    use crate::value::Why;

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG003", "unpinned-image-version"));
        assert_eq!(RULE.severity(), Severity::Warning);
        assert_eq!(RULE.fix_title(), "Pin the image to a tested version");
        assert!(RULE.resource_rule().is_some());
    }

    fn gallery(version: Version) -> crate::extract::FoundImage {
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

    #[test]
    fn an_unpinned_gallery_image_is_reported() {
        let r = resource();
        let images = [
            judged(gallery(Version::Latest), Verdict::Unpinned),
            judged(with_hops(gallery(Version::Missing)), Verdict::Unpinned),
        ];
        let on = JudgedResource {
            resource: &r,
            images: &images,
            tags: &crate::rules::TagPolicy::default(),
            contents_unseen: false,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        let found = UnpinnedImageVersion.check(&on);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].image, found[1].image), (Some(0), Some(1)));
        assert_eq!(
            found[0].message,
            format!(
                "{} is approved but not pinned to a version",
                images[0].found.image.describe()
            )
        );
        assert!(
            found[0]
                .message
                .ends_with("/versions/latest is approved but not pinned to a version")
        );
        assert!(
            found[1]
                .message
                .ends_with("; the value comes from parameter 'image' \u{2190} variable 'base'"),
            "{}",
            found[1].message
        );
        assert_eq!(found[0].label, "no pinned version");
        assert_eq!(found[0].primary, images[0].found.primary);
    }

    #[test]
    fn other_verdicts_are_not_reported() {
        let r = resource();
        let images = [
            judged(gallery(Version::Pinned("1.0.0".into())), Verdict::Compliant),
            judged(marketplace(), Verdict::Unapproved),
            judged(marketplace(), Verdict::NotJudged),
            judged(
                marketplace(),
                Verdict::Unresolved(Why::new(crate::value::Cause::ImagePartUnknown)),
            ),
        ];
        let on = JudgedResource {
            resource: &r,
            images: &images,
            tags: &crate::rules::TagPolicy::default(),
            contents_unseen: false,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        assert!(UnpinnedImageVersion.check(&on).is_empty());
    }
}
