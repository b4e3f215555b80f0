//! A rule's document, `rules/IGnnn-<name>.md`: front matter (id, name, severity, summary, tags,
//! security-severity) and a Markdown body, compiled into the binary.
//!
//! The front matter is read by a `const fn` ([`parse_doc`]) when the crate is compiled, so a
//! document with a missing, repeated or unknown field, a malformed id or an unknown severity
//! stops the build ([`rule_doc`]): the document is the one place a rule's severity is set.

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
#[derive(Debug, PartialEq, Eq)]
pub struct RuleDoc {
    /// e.g. `IG001`.
    pub id: &'static str,
    /// e.g. `unapproved-image`.
    pub name: &'static str,
    /// The default severity (deny mode).
    pub severity: Severity,
    /// One sentence.
    pub summary: &'static str,
    /// Comma-separated kebab-case tags, e.g. `security, supply-chain, azure` (SARIF's
    /// `properties.tags`, by which GitHub code scanning files a rule); see [`RuleDoc::tags`].
    pub tags_list: &'static str,
    /// How GitHub code scanning ranks a finding of the rule: a CVSS-like score from `0.0` to
    /// `10.0` with one decimal, as written (SARIF's `properties."security-severity"`).
    pub security_severity: &'static str,
    /// The full documentation in Markdown.
    pub body: &'static str,
    /// The number in the id (`IG001` → 1): what rules are compared and ordered by.
    pub(crate) code: u16,
}

/// Why a rule document's front matter was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DocError {
    /// The document does not start with a `---` line.
    NoFrontMatter,
    /// No `---` line closes the front matter.
    Unclosed,
    /// A front-matter line is not `key: value` with a non-empty value.
    NotKeyValue,
    /// A key other than `id`, `name`, `severity`, `summary`, `tags` and `security-severity`.
    UnknownField,
    /// A key given twice.
    RepeatedField,
    /// No `id`.
    MissingId,
    /// No `name`.
    MissingName,
    /// No `severity`.
    MissingSeverity,
    /// No `summary`.
    MissingSummary,
    /// No `tags`.
    MissingTags,
    /// No `security-severity`.
    MissingSecuritySeverity,
    /// The `id` is not `IG` followed by three digits.
    BadId,
    /// The `name` is not lower-case kebab-case (`a-z`, `0-9`, `-`).
    BadName,
    /// The `severity` is none of `error`, `warning` and `note`.
    UnknownSeverity,
    /// The `tags` are not comma-separated lower-case kebab-case words.
    BadTags,
    /// The `security-severity` is not a score from `0.0` to `10.0` with one decimal.
    BadSecuritySeverity,
}

impl DocError {
    /// What is wrong, as a sentence (the build error's text).
    pub(crate) const fn message(self) -> &'static str {
        match self {
            DocError::NoFrontMatter => "rule document: does not start with a `---` line",
            DocError::Unclosed => "rule document: no `---` line closes the front matter",
            DocError::NotKeyValue => {
                "rule document: a front-matter line is not `key: value` with a value"
            }
            DocError::UnknownField => {
                "rule document: unknown front-matter field (known: id, name, severity, summary, \
                 tags, security-severity)"
            }
            DocError::RepeatedField => "rule document: a front-matter field is given twice",
            DocError::MissingId => "rule document: front matter lacks `id`",
            DocError::MissingName => "rule document: front matter lacks `name`",
            DocError::MissingSeverity => "rule document: front matter lacks `severity`",
            DocError::MissingSummary => "rule document: front matter lacks `summary`",
            DocError::MissingTags => "rule document: front matter lacks `tags`",
            DocError::MissingSecuritySeverity => {
                "rule document: front matter lacks `security-severity`"
            }
            DocError::BadId => "rule document: `id` is not `IG` followed by three digits",
            DocError::BadName => "rule document: `name` is not lower-case kebab-case",
            DocError::UnknownSeverity => {
                "rule document: `severity` is none of `error`, `warning`, `note`"
            }
            DocError::BadTags => {
                "rule document: `tags` are not comma-separated lower-case kebab-case words"
            }
            DocError::BadSecuritySeverity => {
                "rule document: `security-severity` is not a score from 0.0 to 10.0 with one decimal"
            }
        }
    }
}

/// The document `source` (a rule's `include_str!`), read at compile time: a bad document is a
/// build error naming what is wrong.
pub(crate) const fn rule_doc(source: &'static str) -> RuleDoc {
    match parse_doc(source) {
        Ok(doc) => doc,
        Err(e) => panic!("{}", e.message()),
    }
}

/// Reads a rule document: a `---` line, one `key: value` line per field (`id`, `name`,
/// `severity`, `summary`, `tags`, `security-severity`; each exactly once), a `---` line, then
/// the Markdown body (leading blank lines dropped). Lines end with `\n` or `\r\n`.
pub(crate) const fn parse_doc(source: &'static str) -> Result<RuleDoc, DocError> {
    let bytes = source.as_bytes();
    let mut pos = match line_end(bytes, 0) {
        (end, next) if is(sub(source, 0, end), "---") => next,
        _ => return Err(DocError::NoFrontMatter),
    };
    let mut id: Option<&'static str> = None;
    let mut name: Option<&'static str> = None;
    let mut severity: Option<&'static str> = None;
    let mut summary: Option<&'static str> = None;
    let mut tags: Option<&'static str> = None;
    let mut security_severity: Option<&'static str> = None;
    let body_start = loop {
        if pos >= bytes.len() {
            return Err(DocError::Unclosed);
        }
        let (end, next) = line_end(bytes, pos);
        let line = sub(source, pos, end);
        if is(line, "---") {
            break next;
        }
        let Some(colon) = find(line.as_bytes(), b':') else {
            return Err(DocError::NotKeyValue);
        };
        let key = sub(line, 0, colon);
        let value = sub(line, colon + 1, line.len());
        let value = match value.as_bytes() {
            [b' ', _, ..] => sub(value, 1, value.len()),
            _ => return Err(DocError::NotKeyValue),
        };
        let slot = if is(key, "id") {
            &mut id
        } else if is(key, "name") {
            &mut name
        } else if is(key, "severity") {
            &mut severity
        } else if is(key, "summary") {
            &mut summary
        } else if is(key, "tags") {
            &mut tags
        } else if is(key, "security-severity") {
            &mut security_severity
        } else {
            return Err(DocError::UnknownField);
        };
        if slot.is_some() {
            return Err(DocError::RepeatedField);
        }
        *slot = Some(value);
        pos = next;
    };
    let Some(id) = id else {
        return Err(DocError::MissingId);
    };
    let Some(name) = name else {
        return Err(DocError::MissingName);
    };
    let Some(severity) = severity else {
        return Err(DocError::MissingSeverity);
    };
    let Some(summary) = summary else {
        return Err(DocError::MissingSummary);
    };
    let Some(tags) = tags else {
        return Err(DocError::MissingTags);
    };
    let Some(security_severity) = security_severity else {
        return Err(DocError::MissingSecuritySeverity);
    };
    let Some(code) = id_code(id) else {
        return Err(DocError::BadId);
    };
    if !kebab(name) {
        return Err(DocError::BadName);
    }
    if !tag_list(tags) {
        return Err(DocError::BadTags);
    }
    if !score(security_severity) {
        return Err(DocError::BadSecuritySeverity);
    }
    let severity = if is(severity, "error") {
        Severity::Error
    } else if is(severity, "warning") {
        Severity::Warning
    } else if is(severity, "note") {
        Severity::Note
    } else {
        return Err(DocError::UnknownSeverity);
    };
    Ok(RuleDoc {
        id,
        name,
        severity,
        summary,
        tags_list: tags,
        security_severity,
        body: sub(source, body_start, source.len()).trim_ascii_start(),
        code,
    })
}

/// The line starting at `start`: the end of its text (before `\r\n` or `\n`) and where the next
/// line starts.
const fn line_end(bytes: &[u8], start: usize) -> (usize, usize) {
    let mut i = start;
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    let next = if i < bytes.len() { i + 1 } else { i };
    let end = if i > start && bytes[i - 1] == b'\r' {
        i - 1
    } else {
        i
    };
    (end, next)
}

/// `text[start..end]`. The parser only cuts next to ASCII bytes (line ends, `:`, a space),
/// which are always character boundaries; anything else yields the empty text.
const fn sub(text: &'static str, start: usize, end: usize) -> &'static str {
    let Some((_, tail)) = text.split_at_checked(start) else {
        return "";
    };
    match tail.split_at_checked(end.saturating_sub(start)) {
        Some((middle, _)) => middle,
        None => "",
    }
}

/// `a == b`, for `const fn`s.
const fn is(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The index of the first `byte` in `bytes`.
const fn find(bytes: &[u8], byte: u8) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == byte {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The number of an id `IGnnn`.
const fn id_code(id: &str) -> Option<u16> {
    let b = id.as_bytes();
    if b.len() != 5 || b[0] != b'I' || b[1] != b'G' {
        return None;
    }
    let mut code: u16 = 0;
    let mut i = 2;
    while i < 5 {
        if !b[i].is_ascii_digit() {
            return None;
        }
        code = code * 10 + (b[i] - b'0') as u16;
        i += 1;
    }
    Some(code)
}

/// Whether `name` is lower-case kebab-case: `a-z`, `0-9` and inner single `-`.
const fn kebab(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || b[0] == b'-' || b[b.len() - 1] == b'-' {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let ok = b[i].is_ascii_lowercase()
            || b[i].is_ascii_digit()
            || (b[i] == b'-' && b[i - 1] != b'-');
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

impl RuleDoc {
    /// The rule's tags, in the order written (e.g. `security`, `supply-chain`, `azure`).
    pub fn tags(&self) -> impl Iterator<Item = &'static str> {
        self.tags_list.split(',').map(str::trim)
    }
}

/// Whether `list` is one or more kebab-case tags separated by `,` (a space after each comma
/// allowed), e.g. `security, supply-chain`.
const fn tag_list(list: &'static str) -> bool {
    let b = list.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i <= b.len() {
        if i == b.len() || b[i] == b',' {
            if !kebab(sub(list, start, i)) {
                return false;
            }
            start = if i + 1 < b.len() && b[i + 1] == b' ' {
                i + 2
            } else {
                i + 1
            };
        }
        i += 1;
    }
    true
}

/// Whether `text` is a score from `0.0` to `10.0` with exactly one decimal (`7.5`, `10.0`),
/// the form GitHub code scanning reads `security-severity` in.
const fn score(text: &str) -> bool {
    match text.as_bytes() {
        [d, b'.', f] => d.is_ascii_digit() && f.is_ascii_digit(),
        [b'1', b'0', b'.', b'0'] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nid: IG042\nname: some-rule\nseverity: warning\nsummary: One sentence\ntags: security, supply-chain\nsecurity-severity: 5.0\n---\n\n## What it does\nText.\n";

    #[test]
    fn a_good_document_is_read() {
        let doc = parse_doc(GOOD).unwrap();
        assert_eq!(
            doc,
            RuleDoc {
                id: "IG042",
                name: "some-rule",
                severity: Severity::Warning,
                summary: "One sentence",
                tags_list: "security, supply-chain",
                security_severity: "5.0",
                body: "## What it does\nText.\n",
                code: 42,
            }
        );
        assert_eq!(doc.tags().collect::<Vec<_>>(), ["security", "supply-chain"]);
        // Fields in any order, CRLF line ends, every severity.
        let crlf = "---\r\nseverity: note\r\nsummary: S\r\nname: x1\r\nsecurity-severity: 10.0\r\ntags: a,b-2\r\nid: IG000\r\n---\r\nBody\r\n";
        let doc = parse_doc(crlf).unwrap();
        assert_eq!((doc.id, doc.name, doc.summary), ("IG000", "x1", "S"));
        assert_eq!(doc.tags().collect::<Vec<_>>(), ["a", "b-2"]);
        assert_eq!(doc.security_severity, "10.0");
        assert_eq!(
            (doc.severity, doc.code, doc.body),
            (Severity::Note, 0, "Body\r\n")
        );
        let error = GOOD.replace("severity: warning", "severity: error");
        let error: &'static str = Box::leak(error.into_boxed_str());
        assert_eq!(parse_doc(error).unwrap().severity, Severity::Error);
    }

    /// `GOOD` with `from` replaced by `to`, parsed.
    fn edited(from: &str, to: &str) -> Result<RuleDoc, DocError> {
        assert!(GOOD.contains(from), "{from}");
        parse_doc(Box::leak(GOOD.replacen(from, to, 1).into_boxed_str()))
    }

    #[test]
    fn bad_front_matter_is_refused() {
        assert_eq!(
            edited("severity: warning", "severity: fatal").unwrap_err(),
            DocError::UnknownSeverity
        );
        assert_eq!(
            edited("severity: warning", "severity: Warning").unwrap_err(),
            DocError::UnknownSeverity
        );
        let cases = [
            ("id: IG042\n", "", DocError::MissingId),
            ("name: some-rule\n", "", DocError::MissingName),
            ("severity: warning\n", "", DocError::MissingSeverity),
            ("summary: One sentence\n", "", DocError::MissingSummary),
            ("tags: security, supply-chain\n", "", DocError::MissingTags),
            (
                "security-severity: 5.0\n",
                "",
                DocError::MissingSecuritySeverity,
            ),
            (
                "tags: security, supply-chain",
                "tags: Security",
                DocError::BadTags,
            ),
            (
                "tags: security, supply-chain",
                "tags: a,,b",
                DocError::BadTags,
            ),
            (
                "tags: security, supply-chain",
                "tags: a, ",
                DocError::BadTags,
            ),
            (
                "tags: security, supply-chain",
                "tags: a,  b",
                DocError::BadTags,
            ),
            (
                "tags: security, supply-chain",
                "tags: a b",
                DocError::BadTags,
            ),
            (
                "security-severity: 5.0",
                "security-severity: 5",
                DocError::BadSecuritySeverity,
            ),
            (
                "security-severity: 5.0",
                "security-severity: 10.5",
                DocError::BadSecuritySeverity,
            ),
            (
                "security-severity: 5.0",
                "security-severity: 5.25",
                DocError::BadSecuritySeverity,
            ),
            (
                "security-severity: 5.0",
                "security-severity: high",
                DocError::BadSecuritySeverity,
            ),
            ("id: IG042", "id: IG42", DocError::BadId),
            ("id: IG042", "id: XX042", DocError::BadId),
            ("id: IG042", "id: IG0a2", DocError::BadId),
            ("name: some-rule", "name: Some-Rule", DocError::BadName),
            ("name: some-rule", "name: some--rule", DocError::BadName),
            ("name: some-rule", "name: -rule", DocError::BadName),
            (
                "summary: One",
                "fix: Do it\nsummary: One",
                DocError::UnknownField,
            ),
            (
                "summary: One",
                "severty: error\nsummary: One",
                DocError::UnknownField,
            ),
            (
                "summary: One",
                "id: IG043\nsummary: One",
                DocError::RepeatedField,
            ),
            ("summary: One sentence", "summary:", DocError::NotKeyValue),
            ("summary: One sentence", "summary: ", DocError::NotKeyValue),
            (
                "summary: One sentence",
                "summary:One",
                DocError::NotKeyValue,
            ),
            ("summary: One sentence", "a summary", DocError::NotKeyValue),
            ("---\nid", "id", DocError::NoFrontMatter),
            ("---\n\n## What it does\nText.\n", "", DocError::Unclosed),
            ("---\n\n##", "\n##", DocError::NotKeyValue),
        ];
        for (from, to, error) in cases {
            assert_eq!(edited(from, to).unwrap_err(), error, "{from:?} -> {to:?}");
            assert!(error.message().starts_with("rule document: "));
        }
        assert_eq!(parse_doc("").unwrap_err(), DocError::NoFrontMatter);
        assert_eq!(parse_doc("---").unwrap_err(), DocError::Unclosed);
    }

    #[test]
    fn a_bad_document_panics_where_the_build_evaluates_it() {
        // In a `const` item this panic is a compile error with the same message.
        assert_eq!(rule_doc(GOOD).code, 42);
        let bad = Box::leak(GOOD.replace("warning", "loud").into_boxed_str());
        let panic = std::panic::catch_unwind(|| rule_doc(bad)).unwrap_err();
        assert_eq!(
            panic.downcast_ref::<String>().map(String::as_str),
            Some(DocError::UnknownSeverity.message())
        );
    }
}
