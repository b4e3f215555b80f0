//! IG000 parse-error: a file that is clearly infrastructure-as-code cannot be read.
//!
//! Not a check of resources: the pipeline and the frontends report it, through
//! [`parse_error`], while they read a file.

use std::ops::Range;

use super::doc::rule_doc;
use super::{Check, Definition, Rule};
use crate::report::{Detail, Excerpt, Finding, Location, fingerprint};
use crate::source::SourceFile;

/// IG000.
pub(crate) const RULE: Rule = Rule::new(&DEFINITION);

const DEFINITION: Definition = Definition {
    doc: rule_doc(include_str!("../../rules/IG000-parse-error.md")),
    fix_title: "Fix the syntax at the reported position",
    check: Check::Pipeline,
};

/// An IG000 finding: `headline` says what could not be read ("cannot parse ARM template"),
/// `message` why, at bytes `at` of `file`.
pub(crate) fn parse_error(
    file: &SourceFile,
    detail: Detail,
    at: Range<u32>,
    headline: &str,
    message: &str,
) -> Finding {
    Finding {
        rule: RULE,
        severity: RULE.severity(),
        message: format!("{headline}: {message}"),
        label: message.to_string(),
        location: Location::of(file, at.start, at.end),
        excerpt: detail.excerpts.then(|| Excerpt::of(file, at.start, at.end)),
        bytes: at,
        resource: None,
        parameter_file: None,
        related: Vec::new(),
        fingerprint: fingerprint(&[RULE.id(), &file.display]),
        fix: None,
        suppression: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;
    use crate::source::Encoding;

    #[test]
    fn metadata_comes_from_the_document() {
        let d = RULE.doc();
        assert_eq!((d.id, d.name), ("IG000", "parse-error"));
        assert_eq!(RULE.severity(), Severity::Error);
        assert_eq!(RULE.fix_title(), "Fix the syntax at the reported position");
        assert!(RULE.resource_rule().is_none());
    }

    #[test]
    fn a_parse_error_is_located_and_worded() {
        let text = "{\n  \"a\": 1 \"b\": 2\n}\n".to_string();
        let file = SourceFile::new("t.json".into(), "dir/t.json".into(), text, Encoding::Utf8);
        let f = parse_error(
            &file,
            Detail { excerpts: true },
            11..12,
            "cannot parse ARM template",
            "expected `,` or `}`",
        );
        assert_eq!(f.rule, RULE);
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.message, "cannot parse ARM template: expected `,` or `}`");
        assert_eq!(f.label, "expected `,` or `}`");
        assert_eq!(
            (f.location.path.as_str(), f.location.line, f.location.column),
            ("dir/t.json", 2, 10)
        );
        assert_eq!(f.bytes, 11..12);
        assert!(f.excerpt.is_some());
        assert_eq!(f.fingerprint, fingerprint(&["IG000", "dir/t.json"]));
        assert_eq!((f.fix, f.suppression), (None, None));
        let bare = parse_error(&file, Detail::default(), 0..0, "h", "m");
        assert!(bare.excerpt.is_none());
    }
}
