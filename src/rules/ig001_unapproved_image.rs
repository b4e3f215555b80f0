//! IG001 unapproved-image: the resource boots from a known image that is not approved.

use super::doc::rule_doc;
use super::resource::{images_judged, with_origin};
use super::{Check, Definition, JudgedResource, ResourceRule, Rule, Violation};
use crate::extract::FoundImage;
use crate::judge::Verdict;

/// IG001.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG001-unapproved-image.md")),
    fix_title: "Use an image from the approved gallery",
    check: Check::Resource(&UnapprovedImage),
};

/// The check: each image the policy finds [`Verdict::Unapproved`].
struct UnapprovedImage;

impl ResourceRule for UnapprovedImage {
    fn check<'a>(&self, resource: &JudgedResource<'a>) -> Vec<Violation<'a>> {
        images_judged(resource, &Verdict::Unapproved, message, LABEL)
    }
}

/// The label under the caret.
const LABEL: &str = "unapproved image";

/// "Marketplace image … is not an approved image", and where the value came from.
fn message(found: &FoundImage) -> String {
    with_origin(
        format!("{} is not an approved image", found.image.describe()),
        found,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;
    use crate::rules::resource::testing::{judged, marketplace, resource, with_hops};
    use crate::value::Why;

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG001", "unapproved-image"));
        assert_eq!(RULE.severity(), Severity::Error);
        assert_eq!(RULE.fix_title(), "Use an image from the approved gallery");
        assert!(RULE.resource_rule().is_some());
    }

    #[test]
    fn an_unapproved_image_is_reported_where_it_is_written() {
        let r = resource();
        let images = [
            judged(marketplace(), Verdict::Compliant),
            judged(marketplace(), Verdict::Unapproved),
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
        let found = UnapprovedImage.check(&on);
        assert_eq!(found.len(), 1);
        let v = &found[0];
        assert_eq!(v.image, Some(1));
        assert_eq!(
            v.message,
            "Marketplace image Canonical:ubuntu:22_04-lts:latest is not an approved image"
        );
        assert_eq!(v.label, "unapproved image");
        assert_eq!(v.primary, images[1].found.primary);
        assert!(v.chain.is_empty());
    }

    #[test]
    fn the_origin_of_a_travelled_value_is_named() {
        let r = resource();
        let images = [judged(with_hops(marketplace()), Verdict::Unapproved)];
        let on = JudgedResource {
            resource: &r,
            images: &images,
            tags: &crate::rules::TagPolicy::default(),
            contents_unseen: false,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        assert_eq!(
            UnapprovedImage.check(&on)[0].message,
            "Marketplace image Canonical:ubuntu:22_04-lts:latest is not an approved image; \
             the value comes from parameter 'image' \u{2190} variable 'base'"
        );
    }

    #[test]
    fn other_verdicts_are_not_reported() {
        let r = resource();
        let images = [
            judged(marketplace(), Verdict::Compliant),
            judged(marketplace(), Verdict::Unpinned),
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
        assert!(UnapprovedImage.check(&on).is_empty());
    }
}
