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

/// The label of every IG009.
const LABEL: &str = "exempts nothing";

/// The message and the label of an IG009 about the `[[exempt]]` entry `what` (its criteria,
/// as one phrase), given for `reason`, that matched no finding of a run over the whole
/// project.
pub(crate) fn entry_wording(what: &str, reason: &str) -> (String, String) {
    (
        format!("exemption {what} matched no finding (\"{reason}\")"),
        LABEL.to_string(),
    )
}

/// The message and the label of an IG009 about an exemption comment naming `rules` that no
/// judgement used: `problem` says why it cannot exempt anything, when it cannot.
pub(crate) fn comment_wording(problem: Option<&str>, rules: &[Rule]) -> (String, String) {
    let message = match problem {
        Some(problem) => format!("this exemption comment cannot exempt anything: {problem}"),
        None => format!(
            "this exemption comment ({}) matched no finding on the line after it",
            rules.iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
        ),
    };
    (message, LABEL.to_string())
}

/// The message, the label and the help of an IG009 about an exemption comment that would
/// exempt `what` (a finding, as a phrase: `IG001 on `vm` (image …)`) but may not: the run
/// was told which findings comments may exempt (`--trusted-exemptions`: in the GitHub Action
/// on a pull request, those the base branch's comments exempt), and that one is not among
/// them. The finding stands until a reviewer approves the exemption.
pub(crate) fn unapproved_wording(what: &str) -> (String, String, String) {
    (
        format!(
            "this exemption comment does not exempt {what}: it is new or changed (the trusted exemptions the run was given, in the GitHub Action the base branch's, do not exempt that finding), so a reviewer must approve it; until then the finding counts"
        ),
        "needs a reviewer's approval".to_string(),
        "a reviewer approves the exemption by merging it (or by an `[[exempt]]` entry in the base branch's policy); or fix the finding instead".to_string(),
    )
}

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

    #[test]
    fn entries_and_comments_are_worded() {
        let (message, label) = entry_wording("(path `a/*`)", "legacy");
        assert_eq!(
            message,
            "exemption (path `a/*`) matched no finding (\"legacy\")"
        );
        assert_eq!(label, "exempts nothing");
        let ig001 = Rule::find("IG001").expect("registered");
        let (message, _) = comment_wording(None, &[ig001, RULE]);
        assert_eq!(
            message,
            "this exemption comment (IG001, IG009) matched no finding on the line after it"
        );
        let (message, _) = comment_wording(Some("it names no rule"), &[]);
        assert_eq!(
            message,
            "this exemption comment cannot exempt anything: it names no rule"
        );
        let (message, label, help) = unapproved_wording("IG001 on `vm`");
        assert!(message.starts_with(
            "this exemption comment does not exempt IG001 on `vm`: it is new or changed"
        ));
        assert!(message.contains("a reviewer must approve it"));
        assert_eq!(label, "needs a reviewer's approval");
        assert!(help.contains("merging it"));
    }
}
