//! The rules: ids, names, default severities and documentation, read from `rules/*.md`.
//!
//! Each rule's document is compiled into the binary. It drives `imagegate rules`, the SARIF
//! rule descriptors and the README's rule table.

use std::sync::OnceLock;

/// A rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// IG000 parse-error.
    ParseError,
    /// IG001 unapproved-image.
    UnapprovedImage,
    /// IG002 unresolved-image.
    UnresolvedImage,
    /// IG003 unpinned-image-version.
    UnpinnedImageVersion,
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the run (exit code 1).
    Error,
    /// Reported; does not fail the run.
    Warning,
    /// Informational.
    Note,
}

impl Severity {
    /// The lower-case name (`error`, `warning`, `note`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A rule's document: front matter and Markdown body.
#[derive(Debug)]
pub struct RuleDoc {
    /// e.g. `IG001`.
    pub id: &'static str,
    /// e.g. `unapproved-image`.
    pub name: &'static str,
    /// The default severity (deny mode).
    pub severity: Severity,
    /// One sentence.
    pub summary: &'static str,
    /// The full documentation in Markdown.
    pub body: &'static str,
}

const SOURCES: [(Rule, &str); 4] = [
    (
        Rule::ParseError,
        include_str!("../rules/IG000-parse-error.md"),
    ),
    (
        Rule::UnapprovedImage,
        include_str!("../rules/IG001-unapproved-image.md"),
    ),
    (
        Rule::UnresolvedImage,
        include_str!("../rules/IG002-unresolved-image.md"),
    ),
    (
        Rule::UnpinnedImageVersion,
        include_str!("../rules/IG003-unpinned-image-version.md"),
    ),
];

/// The base of each rule's documentation URL (`{base}{id}-{name}.md`).
pub const HELP_URI_BASE: &str = "https://github.com/imagegate/imagegate/blob/main/rules/";

impl Rule {
    /// Every rule, in id order.
    pub const ALL: [Rule; 4] = [
        Rule::ParseError,
        Rule::UnapprovedImage,
        Rule::UnresolvedImage,
        Rule::UnpinnedImageVersion,
    ];

    /// The rule's document.
    pub fn doc(self) -> &'static RuleDoc {
        static DOCS: OnceLock<Vec<RuleDoc>> = OnceLock::new();
        let docs = DOCS.get_or_init(|| SOURCES.iter().map(|(_, s)| parse_doc(s)).collect());
        &docs[self as usize]
    }

    /// e.g. `IG001`.
    pub fn id(self) -> &'static str {
        self.doc().id
    }

    /// e.g. `unapproved-image`.
    pub fn name(self) -> &'static str {
        self.doc().name
    }

    /// The documentation URL.
    pub fn help_uri(self) -> String {
        format!("{HELP_URI_BASE}{}-{}.md", self.id(), self.name())
    }

    /// Finds a rule by id or name (case-insensitive).
    pub fn find(key: &str) -> Option<Rule> {
        Rule::ALL
            .into_iter()
            .find(|r| r.id().eq_ignore_ascii_case(key) || r.name().eq_ignore_ascii_case(key))
    }
}

fn parse_doc(source: &'static str) -> RuleDoc {
    let rest = source
        .strip_prefix("---\n")
        .expect("rule doc starts with front matter");
    let (front, body) = rest
        .split_once("\n---\n")
        .expect("rule doc front matter ends");
    let field = |key: &str| {
        front
            .lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(": ")))
            .unwrap_or_else(|| panic!("rule doc lacks `{key}`"))
    };
    let severity = match field("severity") {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Note,
    };
    RuleDoc {
        id: field("id"),
        name: field("name"),
        severity,
        summary: field("summary"),
        body: body.trim_start(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_match_their_rules() {
        let ids: Vec<_> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(ids, ["IG000", "IG001", "IG002", "IG003"]);
        for r in Rule::ALL {
            let d = r.doc();
            assert!(!d.summary.is_empty());
            assert!(d.body.contains("## What it does"), "{}", d.id);
            assert!(d.body.contains("## How to fix"), "{}", d.id);
        }
        assert_eq!(Rule::find("unapproved-image"), Some(Rule::UnapprovedImage));
        assert_eq!(Rule::find("ig002"), Some(Rule::UnresolvedImage));
        assert_eq!(Rule::UnapprovedImage.doc().severity, Severity::Error);
    }
}
