//! IG009 unused-exemption: an exemption's own state, reported by the run (`crate::suppress`), not a
//! check of resources.

use super::doc::rule_doc;
use super::{Check, Definition, Rule};

/// IG009.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG009-unused-exemption.md")),
    fix_title: "Delete the exemption, or correct it so that it matches",
    check: Check::Pipeline,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG009", "unused-exemption"));
        assert_eq!(RULE.severity(), Severity::Warning);
        assert!(RULE.resource_rule().is_none());
        assert!(!RULE.exemptable());
    }
}
