//! IG005 missing-required-tags: an image-bearing resource lacks a tag `[tags] required` asks
//! for. Tag names match case-insensitively, as in Azure; an empty value counts as missing, an
//! unknown value as present; tags unknown as a whole are said, never passed.

use super::doc::rule_doc;
use super::resource::short_type;
use super::{Check, Definition, JudgedResource, ResourceRule, Rule, Violation};
use crate::catalog::Section;
use crate::model::Resource;
use crate::value::{Kind, Value};

/// IG005.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG005-missing-required-tags.md")),
    fix_title: "Add the required tags to the resource",
    check: Check::Resource(&MissingRequiredTags),
};

/// The check: every required tag of `[tags] required`, on every image-bearing resource.
struct MissingRequiredTags;

impl ResourceRule for MissingRequiredTags {
    fn paths(&self, _resource_type: &str, _section: Section) -> &'static [&'static str] {
        &["tags"]
    }

    fn check<'a>(&self, resource: &JudgedResource<'a>) -> Vec<Violation<'a>> {
        let required = &resource.tags.required;
        if required.is_empty() || resource.contents_unseen || !resource.image_bearing {
            return Vec::new();
        }
        let r = resource.resource;
        let tags = r.body.get("tags");
        let primary = tags
            .filter(|t| !matches!(t.kind, Kind::Null))
            .and_then(|t| t.origin.literal.or(t.origin.site))
            .unwrap_or(r.span);
        let chain = tags.map_or(&[][..], |t| &t.origin.hops[..]);
        let members: &[(String, Value)] = match tags.map(|t| &t.kind) {
            Some(Kind::Object(members)) => members,
            Some(Kind::Unknown(why)) => {
                let names: Vec<String> = required.iter().map(|t| format!("`{t}`")).collect();
                return vec![Violation {
                    image: None,
                    message: format!(
                        "cannot tell whether {} carries the required tags {}: its tags are not \
                         known offline ({})",
                        subject(r),
                        names.join(", "),
                        why.explain()
                    ),
                    label: "tags not known offline".to_owned(),
                    primary,
                    chain: if why.chain.is_empty() {
                        chain
                    } else {
                        &why.chain
                    },
                    written: None,
                }];
            }
            // No tags, `null`, or a value that is not an object: none is set.
            _ => &[],
        };
        let lacking: Vec<String> = required
            .iter()
            .filter_map(|name| {
                let value = members
                    .iter()
                    .find(|(key, _)| same_name(key, name))
                    .map(|(_, v)| v);
                match value.map(|v| &v.kind) {
                    None => Some(format!("`{name}`")),
                    Some(Kind::Null) => Some(format!("`{name}` (null value)")),
                    Some(Kind::Str(text)) if text.trim().is_empty() => {
                        Some(format!("`{name}` (empty value)"))
                    }
                    // Set: to a known or an unknown value.
                    Some(_) => None,
                }
            })
            .collect();
        if lacking.is_empty() {
            return Vec::new();
        }
        let tag = if lacking.len() == 1 { "tag" } else { "tags" };
        vec![Violation {
            image: None,
            message: format!(
                "{} lacks the required {tag} {}",
                subject(r),
                lacking.join(", ")
            ),
            label: LABEL.to_owned(),
            primary,
            chain,
            written: None,
        }]
    }
}

/// The label under the caret when tags are missing (one wording whatever their number: the
/// label tells a finding's problem apart from the other findings of the resource).
const LABEL: &str = "missing required tags";

/// `virtualMachines 'vm1'`.
fn subject(r: &Resource) -> String {
    format!("{} '{}'", short_type(&r.resource_type), r.name)
}

/// Whether two tag names are the same: Azure matches tag names case-insensitively.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::resource::testing::{resource, span};
    use crate::rules::{Severity, TagPolicy};
    use crate::value::{Cause, Hop, Subject, Why};

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG005", "missing-required-tags"));
        assert_eq!(RULE.severity(), Severity::Warning);
        assert_eq!(RULE.fix_title(), "Add the required tags to the resource");
        assert_eq!(
            MissingRequiredTags.paths("Microsoft.Compute/virtualMachines", Section::Arm),
            ["tags"]
        );
    }

    fn policy() -> TagPolicy {
        TagPolicy {
            required: vec!["owner".into(), "costCenter".into()],
            ..TagPolicy::default()
        }
    }

    fn s(text: &str, at: usize) -> Value {
        Value::literal(Kind::Str(text.into()), span(at, at + 5))
    }

    /// `vm1` with `tags` written at bytes 500..600.
    fn tagged(tags: Option<Value>) -> Resource {
        let mut r = resource();
        if let Some(tags) = tags {
            r.body = Value::literal(Kind::Object(vec![("tags".into(), tags)]), span(100, 900));
        }
        r
    }

    fn object(members: Vec<(&str, Value)>) -> Value {
        Value::literal(
            Kind::Object(members.into_iter().map(|(k, v)| (k.into(), v)).collect()),
            span(500, 600),
        )
    }

    fn check(r: &Resource, policy: &TagPolicy) -> Vec<Violation<'static>> {
        let on = JudgedResource {
            resource: r,
            images: &[],
            tags: policy,
            contents_unseen: false,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        MissingRequiredTags
            .check(&on)
            .into_iter()
            .map(|v| Violation { chain: &[], ..v })
            .collect()
    }

    /// Tag names are case-insensitive:
    /// https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations
    #[test]
    fn tags_are_found_case_insensitively_and_unknown_values_count() {
        let unknown = Value::unknown(Why::new(Cause::UnsetParameter { name: "cc".into() }));
        let r = tagged(Some(object(vec![
            ("OWNER", s("team-web", 510)),
            ("costcenter", unknown),
        ])));
        assert!(check(&r, &policy()).is_empty());
        // Nothing required: nothing to say, whatever the tags.
        assert!(check(&tagged(None), &TagPolicy::default()).is_empty());
    }

    #[test]
    fn missing_and_empty_tags_are_reported_at_the_tags() {
        let r = tagged(Some(object(vec![("Owner", s("  ", 510))])));
        let v = check(&r, &policy());
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "virtualMachines 'vm1' lacks the required tags `owner` (empty value), `costCenter`"
        );
        assert_eq!(v[0].label, LABEL);
        assert_eq!(v[0].primary, span(500, 600));
        assert_eq!(v[0].image, None);
        let r = tagged(Some(object(vec![
            ("owner", s("a", 510)),
            ("costCenter", Value::literal(Kind::Null, span(520, 524))),
        ])));
        assert_eq!(
            check(&r, &policy())[0].message,
            "virtualMachines 'vm1' lacks the required tag `costCenter` (null value)"
        );
    }

    #[test]
    fn without_tags_the_resource_is_pointed_at() {
        for r in [
            tagged(None),
            tagged(Some(Value::literal(Kind::Null, span(500, 504)))),
        ] {
            let v = check(&r, &policy());
            assert_eq!(
                v[0].message,
                "virtualMachines 'vm1' lacks the required tags `owner`, `costCenter`"
            );
            assert_eq!(v[0].primary, r.span);
        }
    }

    #[test]
    fn tags_unknown_as_a_whole_are_said_with_why() {
        let mut why = Why::at(
            Cause::UnsetParameter {
                name: "tags".into(),
            },
            span(20, 30),
        );
        why.chain = vec![Hop {
            span: span(40, 50),
            via: Subject::Variable("common".into()),
        }];
        let r = tagged(Some(Value::unknown(why).at_site(span(500, 520))));
        let on = JudgedResource {
            resource: &r,
            images: &[],
            tags: &policy(),
            contents_unseen: false,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        let v = MissingRequiredTags.check(&on);
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message.starts_with(
                "cannot tell whether virtualMachines 'vm1' carries the required tags `owner`, \
                 `costCenter`: its tags are not known offline (variable 'common' \u{2190} "
            ),
            "{}",
            v[0].message
        );
        assert_eq!(v[0].label, "tags not known offline");
        assert_eq!(v[0].primary, span(500, 520));
        assert_eq!(v[0].chain.len(), 1);
    }

    #[test]
    fn deployments_whose_contents_are_unseen_are_not_checked() {
        let r = tagged(None);
        let on = JudgedResource {
            resource: &r,
            images: &[],
            tags: &policy(),
            contents_unseen: true,
            policy: &crate::judge::Policy::default(),
            in_factory: false,
            image_bearing: true,
        };
        assert!(MissingRequiredTags.check(&on).is_empty());
    }
}
