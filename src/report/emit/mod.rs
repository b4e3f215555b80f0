//! Emitters: the report in each output format.

mod github;
mod human;
mod json;
mod sarif;

pub use github::github;
pub use human::{human, use_colour};
pub use json::json;
pub use sarif::sarif;

use std::borrow::Cow;

/// Whether `c` must never reach a terminal or a CI log raw: control characters (tab aside:
/// ESC starts terminal sequences, a newline could start a forged workflow command), bidi
/// controls (they reorder what a reviewer reads), line and paragraph separators, and the BOM.
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{FEFF}'
        )
}

/// `text` (template-controlled: names, values, paths) with every hidden character written
/// visibly as `\u{…}`: for messages, labels, paths and notes in human and GitHub output.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Source lines for an excerpt with every hidden character (line breaks aside) replaced by
/// `?`, byte for byte, so byte ranges into the text stay valid.
pub(crate) fn masked(text: &str) -> Cow<'_, str> {
    let keep = |c: char, next: Option<char>| c == '\n' || (c == '\r' && next == Some('\n'));
    let mut chars = text.chars().peekable();
    let mut needs = false;
    while let Some(c) = chars.next() {
        if hidden(c) && !keep(c, chars.peek().copied()) {
            needs = true;
            break;
        }
    }
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if hidden(c) && !keep(c, chars.peek().copied()) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// An output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source excerpts with carets, rustc/ruff style, and a summary line.
    #[default]
    Human,
    /// One versioned JSON object.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning, editors).
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_written_visibly_or_masked_in_place() {
        assert_eq!(visible("plain name"), "plain name");
        assert_eq!(
            visible("a\u{1b}[31mb\nc\u{202e}d\te"),
            "a\\u{1b}[31mb\\u{a}c\\u{202e}d\te"
        );
        assert!(matches!(visible("x"), Cow::Borrowed(_)));
        let text = "line \u{1b}[2J one\r\nline\u{85} two\rthree\n";
        let masked = masked(text);
        assert_eq!(masked, "line ?[2J one\r\nline?? two?three\n");
        assert_eq!(masked.len(), text.len(), "byte ranges stay valid");
    }
}
