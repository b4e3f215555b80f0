//! IG000 parse-error: a file that is clearly infrastructure-as-code cannot be read, or a
//! folder of the walk cannot be listed.
//!
//! Not a check of resources: the pipeline reports it (`crate::findings::parse_error`) when a
//! frontend cannot read a file, the run (`crate::findings::unreadable_entry`) when the walk
//! cannot list a folder.

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

/// The headline and the problem of an IG000 about a folder the walk could not list
/// (`folder`), or an entry of one whose kind it could not tell: what the system said, and
/// that nothing in it was judged.
pub(crate) fn unreadable_wording(folder: bool, error: &std::io::Error) -> (&'static str, String) {
    if folder {
        (
            "cannot read folder",
            format!("{error}; the files in it were not judged"),
        )
    } else {
        ("cannot read", format!("{error}; it was not judged"))
    }
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

    #[test]
    fn an_unreadable_folder_is_worded_with_what_the_system_said() {
        let error = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let (headline, problem) = unreadable_wording(true, &error);
        assert_eq!(headline, "cannot read folder");
        assert_eq!(problem, format!("{error}; the files in it were not judged"));
    }
}
