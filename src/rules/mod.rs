//! The rules and their registry.
//!
//! Each rule is one module: its document `rules/IGnnn-<name>.md` (id, name, severity, summary
//! and help, read at compile time), how its message and label are worded, its fix title, and,
//! for a rule about resources, its check (`ResourceRule`). The registry ([`Rule::ALL`]) lists
//! them in id order: `imagegate rules`, the SARIF rule descriptors, the rule table of
//! docs/rules.md and the checks run on each judged resource all go through it. Adding a rule is
//! one module and one line in the registry.

mod doc;
mod help;
mod ig000_parse_error;
mod ig001_unapproved_image;
mod ig002_unresolved_image;
mod ig003_unpinned_image_version;
mod ig004_deprecated_image_version;
mod ig005_missing_required_tags;
mod ig006_config_not_in_effect;
mod ig007_image_tag_mismatch;
mod ig008_expired_exemption;
mod ig009_unused_exemption;
mod ig010_golden_gallery_write;
mod resource;

pub(crate) use help::help;

pub use doc::{RuleDoc, Severity};
pub(crate) use ig000_parse_error::{
    RULE as PARSE_ERROR, unreadable_wording, wording as parse_error_wording,
};
pub(crate) use ig006_config_not_in_effect::{
    RULE as CONFIG_NOT_IN_EFFECT, wording as config_not_in_effect_wording,
};
pub(crate) use ig008_expired_exemption::{
    RULE as EXPIRED_EXEMPTION, wording as expired_exemption_wording,
};
pub(crate) use ig009_unused_exemption::{
    RULE as UNUSED_EXEMPTION, comment_wording as unused_comment_wording,
    entry_wording as unused_entry_wording, unapproved_wording as unapproved_comment_wording,
};
pub use resource::TagPolicy;
pub(crate) use resource::{JudgedImage, JudgedResource, ResourceRule, Violation, short_type};

use crate::catalog::Section;

/// The registry: every rule, in id order (checked when the crate is compiled).
const REGISTRY: &[Rule] = &[
    ig000_parse_error::RULE,
    ig001_unapproved_image::RULE,
    ig002_unresolved_image::RULE,
    ig003_unpinned_image_version::RULE,
    ig004_deprecated_image_version::RULE,
    ig005_missing_required_tags::RULE,
    ig006_config_not_in_effect::RULE,
    ig007_image_tag_mismatch::RULE,
    ig008_expired_exemption::RULE,
    ig009_unused_exemption::RULE,
    ig010_golden_gallery_write::RULE,
];

const _: () = assert!(
    in_id_order(REGISTRY),
    "the registry lists rules in id order"
);

/// A rule, as findings name it: a small `Copy` handle on the rule's definition. Rules are
/// equal, hashed and ordered by their id.
#[derive(Clone, Copy)]
pub struct Rule(&'static Definition);

/// What a rule's module declares.
pub(crate) struct Definition {
    /// The rule's document, read at compile time.
    pub(crate) doc: RuleDoc,
    /// What to do about a finding, as a short imperative sentence (ruff's fix title).
    pub(crate) fix_title: &'static str,
    /// Who reports the rule.
    pub(crate) check: Check,
}

/// Who reports a rule.
pub(crate) enum Check {
    /// The pipeline and the frontends, while reading files (IG000).
    Pipeline,
    /// A check run on every judged resource.
    Resource(&'static dyn ResourceRule),
}

impl Rule {
    /// Every rule, in id order: the registry.
    pub const ALL: &'static [Rule] = REGISTRY;

    /// The rule defined by `definition` (for the rule modules' `RULE` constants).
    pub(crate) const fn new(definition: &'static Definition) -> Rule {
        Rule(definition)
    }

    /// The rule's document.
    pub fn doc(self) -> &'static RuleDoc {
        &self.0.doc
    }

    /// e.g. `IG001`.
    pub fn id(self) -> &'static str {
        self.0.doc.id
    }

    /// e.g. `unapproved-image`.
    pub fn name(self) -> &'static str {
        self.0.doc.name
    }

    /// The default severity (deny mode), from the rule's document.
    pub fn severity(self) -> Severity {
        self.0.doc.severity
    }

    /// What to do about a finding, e.g. "Use an image from the approved gallery".
    pub fn fix_title(self) -> &'static str {
        self.0.fix_title
    }

    /// The check run on each judged resource, unless the rule is reported while files are read.
    pub(crate) fn resource_rule(self) -> Option<&'static dyn ResourceRule> {
        match self.0.check {
            Check::Pipeline => None,
            Check::Resource(rule) => Some(rule),
        }
    }

    /// Whether findings of the rule can be exempted (by `[[exempt]]`, an inline comment or a
    /// baseline): the checks of resources can; the rules about the run itself (a file not
    /// read, a config not in effect, an exemption's own state) cannot.
    pub fn exemptable(self) -> bool {
        self.resource_rule().is_some()
    }

    /// Finds a rule by id or name (case-insensitive).
    pub fn find(key: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.id().eq_ignore_ascii_case(key) || r.name().eq_ignore_ascii_case(key))
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.0.doc.code == other.0.doc.code
    }
}

impl Eq for Rule {}

impl PartialOrd for Rule {
    fn partial_cmp(&self, other: &Rule) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rule {
    fn cmp(&self, other: &Rule) -> std::cmp::Ordering {
        self.0.doc.code.cmp(&other.0.doc.code)
    }
}

impl std::hash::Hash for Rule {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.doc.code.hash(state);
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The checks run on each judged resource, with their rules, in id order.
pub(crate) fn resource_rules() -> impl Iterator<Item = (Rule, &'static dyn ResourceRule)> {
    Rule::ALL
        .iter()
        .filter_map(|&r| r.resource_rule().map(|check| (r, check)))
}

/// The resource property paths the rules read beyond the image catalogue's, for a resource of
/// `resource_type` of the catalogue's `section` (each path once): the frontends evaluate them
/// too (the pipeline hands them the paths of every catalogued type).
pub(crate) fn paths_needed(resource_type: &str, section: Section) -> Vec<&'static str> {
    union(resource_rules().map(|(_, check)| check.paths(resource_type, section)))
}

/// Every path of `lists`, each once, in order of first appearance.
fn union<'p>(lists: impl Iterator<Item = &'p [&'p str]>) -> Vec<&'p str> {
    let mut paths: Vec<&str> = Vec::new();
    for &path in lists.flatten() {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

/// Whether `rules` are in strictly increasing id order (so ids are unique too).
const fn in_id_order(rules: &[Rule]) -> bool {
    let mut i = 1;
    while i < rules.len() {
        if rules[i - 1].0.doc.code >= rules[i].0.doc.code {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_lists_every_rule_in_id_order() {
        let ids: Vec<_> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(
            ids,
            [
                "IG000", "IG001", "IG002", "IG003", "IG004", "IG005", "IG006", "IG007", "IG008",
                "IG009", "IG010"
            ]
        );
        for r in Rule::ALL {
            let d = r.doc();
            assert!(!d.summary.is_empty());
            assert!(d.body.contains("## What it does"), "{}", d.id);
            assert!(d.body.contains("## How to fix"), "{}", d.id);
            assert!(!r.fix_title().is_empty() && !r.fix_title().ends_with('.'));
        }
        let sorted = Rule::ALL.windows(2).all(|w| w[0] < w[1]);
        assert!(sorted);
    }

    #[test]
    fn rules_are_found_by_id_or_name_in_any_case() {
        assert_eq!(
            Rule::find("unapproved-image"),
            Some(ig001_unapproved_image::RULE)
        );
        assert_eq!(Rule::find("ig002"), Some(ig002_unresolved_image::RULE));
        assert_eq!(
            Rule::find("IG003"),
            Some(ig003_unpinned_image_version::RULE)
        );
        assert_eq!(Rule::find("Parse-Error"), Some(ig000_parse_error::RULE));
        assert_eq!(Rule::find("IG999"), None);
        assert_eq!(Rule::find(""), None);
        assert_eq!(format!("{:?}", ig001_unapproved_image::RULE), "IG001");
    }

    #[test]
    fn resource_rules_are_every_rule_but_parse_errors() {
        let ids: Vec<_> = resource_rules().map(|(r, _)| r.id()).collect();
        assert_eq!(
            ids,
            [
                "IG001", "IG002", "IG003", "IG004", "IG005", "IG007", "IG010"
            ]
        );
    }

    #[test]
    fn the_tag_rules_need_the_tags() {
        for section in Section::ALL {
            assert_eq!(
                paths_needed("Microsoft.Compute/virtualMachines", section),
                ["tags"]
            );
        }
    }

    #[test]
    fn needed_paths_are_a_union() {
        let a: &[&str] = &["tags", "properties.x"];
        let b: &[&str] = &["properties.x", "zones"];
        assert_eq!(
            union([a, b, &[]].into_iter()),
            ["tags", "properties.x", "zones"]
        );
    }

    #[test]
    fn the_registry_order_check_refuses_disorder() {
        assert!(in_id_order(Rule::ALL));
        assert!(!in_id_order(&[
            ig001_unapproved_image::RULE,
            ig000_parse_error::RULE
        ]));
        assert!(!in_id_order(&[
            ig001_unapproved_image::RULE,
            ig001_unapproved_image::RULE
        ]));
    }
}
