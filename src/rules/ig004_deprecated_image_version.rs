//! IG004 deprecated-image-version: an approved gallery image is pinned to a version the
//! policy's lifecycle deprecates. The judgement decides it ([`Verdict::Deprecated`]); this
//! module words it.

use super::doc::rule_doc;
use super::resource::with_origin;
use super::{Check, Definition, JudgedResource, ResourceRule, Rule, Violation};
use crate::extract::FoundImage;
use crate::judge::{Deprecation, Verdict};

/// IG004.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!(
        "../../rules/IG004-deprecated-image-version.md"
    )),
    fix_title: "Pin a current version of the image",
    check: Check::Resource(&DeprecatedImageVersion),
};

/// The check: each image the policy finds [`Verdict::Deprecated`].
struct DeprecatedImageVersion;

impl ResourceRule for DeprecatedImageVersion {
    fn check<'a>(&self, resource: &JudgedResource<'a>) -> Vec<Violation<'a>> {
        resource
            .images
            .iter()
            .enumerate()
            .filter_map(|(i, judged)| match &judged.verdict {
                Verdict::Deprecated(deprecation) => Some(Violation {
                    image: Some(i),
                    message: message(&judged.found, deprecation),
                    label: LABEL.to_owned(),
                    primary: judged.found.primary,
                    chain: &[],
                    written: None,
                }),
                _ => None,
            })
            .collect()
    }
}

/// The label under the caret.
const LABEL: &str = "deprecated version";

/// "Gallery image …/versions/1.3.0 is approved, but version 1.3.0 is deprecated: it is below
/// the minimum version 1.4.0; and …", and where the value came from.
fn message(found: &FoundImage, deprecation: &Deprecation) -> String {
    let reasons: Vec<String> = deprecation
        .reasons
        .iter()
        .map(ToString::to_string)
        .collect();
    with_origin(
        format!(
            "{} is approved, but version {} is deprecated: {}",
            found.image.describe(),
            deprecation.version,
            reasons.join("; and ")
        ),
        found,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::image::{GalleryKind, IdPath, Image, Seg, Version};
    use crate::judge::{Reason, VersionNumber};
    use crate::rules::Severity;
    use crate::rules::resource::testing::{found, judged, marketplace, resource, with_hops};

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG004", "deprecated-image-version"));
        assert_eq!(RULE.severity(), Severity::Warning);
        assert_eq!(RULE.fix_title(), "Pin a current version of the image");
        assert!(RULE.resource_rule().is_some());
    }

    fn gallery(version: &str) -> FoundImage {
        let definition = IdPath(
            "subscriptions/s/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/ubuntu"
                .split('/')
                .map(|s| Seg::Known(s.into()))
                .collect(),
        );
        found(Image::Gallery {
            kind: GalleryKind::Compute,
            definition,
            version: Version::Pinned(version.into()),
        })
    }

    fn deprecated(version: &str, reasons: Vec<Reason>) -> Verdict {
        Verdict::Deprecated(Deprecation {
            version: version.into(),
            reasons,
        })
    }

    #[test]
    fn a_deprecated_version_is_reported_with_every_reason() {
        let r = resource();
        let eol = Date::parse("2026-06-30").unwrap();
        let images = [
            judged(
                gallery("1.3.0"),
                deprecated(
                    "1.3.0",
                    vec![
                        Reason::DefinitionEndOfLife { date: eol },
                        Reason::BelowMinimum {
                            minimum: VersionNumber(1, 4, 0),
                        },
                    ],
                ),
            ),
            judged(
                with_hops(gallery("1.2.9")),
                deprecated(
                    "1.2.9",
                    vec![Reason::Listed {
                        pattern: "1.2.*".into(),
                    }],
                ),
            ),
            judged(
                gallery("1.4.0"),
                deprecated("1.4.0", vec![Reason::VersionEndOfLife { date: eol }]),
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
        let found = DeprecatedImageVersion.check(&on);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].image, Some(0));
        assert!(
            found[0].message.ends_with(
                "/images/ubuntu/versions/1.3.0 is approved, but version 1.3.0 is deprecated: \
                 the image definition reached its end of life on 2026-06-30; and it is below \
                 the minimum version 1.4.0"
            ),
            "{}",
            found[0].message
        );
        assert!(
            found[1].message.ends_with(
                "version 1.2.9 is deprecated: it is listed as deprecated (`1.2.*`); the value \
                 comes from parameter 'image' \u{2190} variable 'base'"
            ),
            "{}",
            found[1].message
        );
        assert!(
            found[2]
                .message
                .ends_with("the version reached its end of life on 2026-06-30 (gallery snapshot)"),
            "{}",
            found[2].message
        );
        assert_eq!(found[0].label, "deprecated version");
        assert_eq!(found[0].primary, images[0].found.primary);
    }

    #[test]
    fn other_verdicts_are_not_reported() {
        let r = resource();
        let images = [
            judged(gallery("1.6.0"), Verdict::Compliant),
            judged(gallery("1.6.0"), Verdict::Unpinned),
            judged(marketplace(), Verdict::Unapproved),
            judged(marketplace(), Verdict::NotJudged),
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
        assert!(DeprecatedImageVersion.check(&on).is_empty());
    }
}
