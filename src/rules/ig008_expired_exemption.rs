//! IG008 expired-exemption: an exemption's own state, reported by the run (`crate::suppress`), not a
//! check of resources.

use super::doc::rule_doc;
use super::{Check, Definition, Rule};

/// IG008.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG008-expired-exemption.md")),
    fix_title: "Delete the expired exemption, or renew it with a new date and reason",
    check: Check::Pipeline,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG008", "expired-exemption"));
        assert_eq!(RULE.severity(), Severity::Warning);
        assert!(RULE.resource_rule().is_none());
        assert!(!RULE.exemptable());
    }
}
