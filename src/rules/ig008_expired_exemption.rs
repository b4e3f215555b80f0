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

/// The message and the label of an IG008 about the `[[exempt]]` entry `what` (its criteria,
/// as one phrase), whose last day `last` has passed, given for `reason`; `expired` findings
/// match it still.
pub(crate) fn wording(what: &str, last: &str, reason: &str, expired: u32) -> (String, String) {
    let count = match expired {
        0 => "it matches no finding; delete it".to_string(),
        1 => "it no longer exempts the finding it matches".to_string(),
        n => format!("it no longer exempts the {n} findings it matches"),
    };
    (
        format!("exemption {what} expired on {last} (\"{reason}\"): {count}"),
        format!("expired on {last}"),
    )
}

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

    #[test]
    fn the_message_says_what_the_entry_still_matches() {
        let (message, label) = wording("(rule IG001)", "2024-01-31", "migrating", 2);
        assert_eq!(
            message,
            "exemption (rule IG001) expired on 2024-01-31 (\"migrating\"): it no longer exempts the 2 findings it matches"
        );
        assert_eq!(label, "expired on 2024-01-31");
        let (message, _) = wording("(rule IG001)", "2024-01-31", "x", 0);
        assert!(
            message.ends_with("it matches no finding; delete it"),
            "{message}"
        );
    }
}
