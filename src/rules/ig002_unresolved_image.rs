//! IG002 unresolved-image: the image cannot be determined before deployment.

use super::doc::rule_doc;
use super::resource::short_type;
use super::{Check, Definition, JudgedImage, JudgedResource, ResourceRule, Rule, Violation};
use crate::judge::Verdict;
use crate::model::Resource;
use crate::source::Span;
use crate::value::Why;

/// IG002.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG002-unresolved-image.md")),
    fix_title: "Give the image a value that is known before deployment",
    check: Check::Resource(&UnresolvedImage),
};

/// The check: each image the policy finds [`Verdict::Unresolved`].
struct UnresolvedImage;

impl ResourceRule for UnresolvedImage {
    fn check<'a>(&self, resource: &JudgedResource<'a>) -> Vec<Violation<'a>> {
        let images = resource.images;
        images
            .iter()
            .enumerate()
            .filter_map(|(i, judged)| match &judged.verdict {
                Verdict::Unresolved(why) => Some(Violation {
                    image: Some(i),
                    message: message(resource.resource, why),
                    label: LABEL.to_string(),
                    primary: primary(resource.resource, judged, why),
                    chain: &why.chain,
                    written: None,
                }),
                _ => None,
            })
            .collect()
    }
}

/// The label under the caret.
const LABEL: &str = "image not known before deployment";

/// "the image of virtualMachines 'vm1' cannot be determined offline: …" with the chain that
/// stopped resolution.
fn message(resource: &Resource, why: &Why) -> String {
    format!(
        "the image of {} '{}' cannot be determined offline: {}",
        short_type(&resource.resource_type),
        resource.name,
        why.explain()
    )
}

/// Where resolution stopped, when that is in another file or inside the resource (a parameter
/// without a value, a runtime function); else where the image is written. The field that
/// decides an unresolved image is the unknown one, so the fields of an assembled image set
/// elsewhere (`FoundImage::fields`, related locations) do not move it: `written`, not
/// `primary`, is where the image is written.
fn primary(resource: &Resource, judged: &JudgedImage, why: &Why) -> Span {
    let found = &judged.found;
    why.span
        .filter(|s| s.file != found.written.file || inside(*s, resource.span))
        .unwrap_or(found.written)
}

/// Whether `inner` lies within `outer`.
fn inside(inner: Span, outer: Span) -> bool {
    inner.file == outer.file && inner.start >= outer.start && inner.end <= outer.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;
    use crate::rules::Severity;
    use crate::rules::resource::testing::{found, judged, marketplace, resource, span};
    use crate::source::FileId;
    use crate::value::Hop;

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG002", "unresolved-image"));
        assert_eq!(RULE.severity(), Severity::Warning);
        assert_eq!(
            RULE.fix_title(),
            "Give the image a value that is known before deployment"
        );
        assert!(RULE.resource_rule().is_some());
    }

    fn unresolved(why: Why) -> JudgedImage {
        judged(
            found(Image::Unresolved(why.clone())),
            Verdict::Unresolved(why),
        )
    }

    #[test]
    fn an_unresolved_image_says_why_and_points_where_resolution_stopped() {
        let r = resource();
        let mut why = Why::at(
            crate::value::Cause::UnsetParameter {
                name: "imageId".into(),
            },
            span(150, 160),
        );
        why.chain.push(Hop {
            span: span(150, 160),
            via: crate::value::Subject::Parameter("imageId".into()),
        });
        let explained = why.explain();
        let images = [judged(marketplace(), Verdict::Unapproved), unresolved(why)];
        let on = JudgedResource {
            resource: &r,
            images: &images,
            tags: &crate::rules::TagPolicy::default(),
            contents_unseen: false,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        let found = UnresolvedImage.check(&on);
        assert_eq!(found.len(), 1);
        let v = &found[0];
        assert_eq!(v.image, Some(1));
        assert_eq!(
            v.message,
            format!("the image of virtualMachines 'vm1' cannot be determined offline: {explained}")
        );
        assert_eq!(v.label, "image not known before deployment");
        assert_eq!(v.primary, span(150, 160));
        assert_eq!(v.chain.len(), 1);
    }

    #[test]
    fn a_reason_outside_the_resource_in_its_own_file_points_at_the_image() {
        let r = resource();
        let images = [unresolved(Why::at(
            crate::value::Cause::UnsetParameter { name: "x".into() },
            span(10, 20),
        ))];
        let on = JudgedResource {
            resource: &r,
            images: &images,
            tags: &crate::rules::TagPolicy::default(),
            contents_unseen: false,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        assert_eq!(UnresolvedImage.check(&on)[0].primary, span(300, 400));
        // In another file (a parameter file, a linked template) it is where to look.
        let elsewhere = Span::new(FileId(1), 10, 20);
        let images = [unresolved(Why::at(
            crate::value::Cause::UnsetParameter { name: "x".into() },
            elsewhere,
        ))];
        let on = JudgedResource {
            images: &images,
            ..on
        };
        assert_eq!(UnresolvedImage.check(&on)[0].primary, elsewhere);
        let images = [unresolved(Why::new(crate::value::Cause::UnsetParameter {
            name: "x".into(),
        }))];
        let on = JudgedResource {
            images: &images,
            ..on
        };
        assert_eq!(UnresolvedImage.check(&on)[0].primary, span(300, 400));
    }

    #[test]
    fn other_verdicts_are_not_reported() {
        let r = resource();
        let images = [
            judged(marketplace(), Verdict::Compliant),
            judged(marketplace(), Verdict::Unapproved),
            judged(marketplace(), Verdict::Unpinned),
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
        assert!(UnresolvedImage.check(&on).is_empty());
    }
}
