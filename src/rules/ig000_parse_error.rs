//! IG000 parse-error: a file that is clearly infrastructure-as-code cannot be read.
//!
//! Not a check of resources: the pipeline reports it (`crate::findings::parse_error`) when a
//! frontend cannot read a file.

use super::doc::rule_doc;
use super::{Check, Definition, Rule};

/// IG000.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG000-parse-error.md")),
    fix_title: "Fix the syntax at the reported position",
    check: Check::Pipeline,
};

/// The message and the label of an IG000: `headline` says what could not be read ("cannot
/// parse ARM template"), `problem` why.
pub(crate) fn wording(headline: &str, problem: &str) -> (String, String) {
    (format!("{headline}: {problem}"), problem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG000", "parse-error"));
        assert_eq!(RULE.severity(), Severity::Error);
        assert_eq!(RULE.fix_title(), "Fix the syntax at the reported position");
        assert!(RULE.resource_rule().is_none());
    }

    #[test]
    fn a_parse_error_is_worded_from_its_headline_and_problem() {
        let (message, label) = wording("cannot parse ARM template", "expected `,` or `}`");
        assert_eq!(message, "cannot parse ARM template: expected `,` or `}`");
        assert_eq!(label, "expected `,` or `}`");
    }
}
