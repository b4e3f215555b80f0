//! Emitters: the report in each output format, each behind one trait ([`Emitter`]) and made
//! from the format and the command line's options by [`emitter`].

mod github;
mod human;
mod json;
mod sarif;

pub use github::{Github, StepSummary};
pub use human::{Colour, Filtered, Human, HumanOptions, use_colour};
pub use json::Json;
pub use sarif::Sarif;

use std::borrow::Cow;
use std::io::{self, Write};

use crate::report::Report;

/// An output format: writes the run's report to the output (standard output, or the file
/// `--output` names). What a format needs besides the report (colour, the filter, GitHub's
/// step summary) is in the implementing struct.
pub trait Emitter {
    /// Writes `report` to `out`; an error is a report not written in full (a closed pipe, a
    /// full disk), which the caller turns into a run that did not happen.
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;

    /// Writes what the format writes besides its output, once that is written in full (the
    /// GitHub format's step summary), and returns a warning for each thing that could not be
    /// written: those are extra, and never fail the run. Nothing, by default.
    fn finish(&self, report: &Report) -> Vec<String> {
        let _ = report;
        Vec::new()
    }
}

/// The emitter of `format`, with the options the command line gave: the human format's
/// colour, quietness and filter (the GitHub format says what the filter left out too). The
/// GitHub format appends its step summary where `step_summary` says (the runner's variables,
/// [`StepSummary::from_vars`]).
pub fn emitter(
    format: Format,
    options: HumanOptions,
    step_summary: Option<StepSummary>,
) -> Box<dyn Emitter> {
    match format {
        Format::Human => Box::new(Human::new(options)),
        Format::Json => Box::new(Json),
        Format::Sarif => Box::new(Sarif),
        Format::Github => Box::new(Github::new(options.filter, step_summary)),
    }
}

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

/// Whether the `[` at `i` of `bytes` would complete `##[`, the prefix of the runner's legacy
/// workflow commands, which it finds anywhere in a line of a step's output.
fn opens_legacy_command(bytes: &[u8], i: usize) -> bool {
    bytes[i] == b'[' && i >= 2 && bytes[i - 1] == b'#' && bytes[i - 2] == b'#'
}

/// `text` (template-controlled: names, values, paths) with every hidden character written
/// visibly as `\u{…}`, and the `[` of every `##[` too (a CI runner reads `##[…]` anywhere in a
/// line as a command): for messages, labels, paths and notes in human and GitHub output.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) && !text.contains("##[") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        if hidden(c) || opens_legacy_command(text.as_bytes(), i) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Source lines for an excerpt with every hidden character (line breaks aside) replaced by
/// `?`, byte for byte, so byte ranges into the text stay valid; the `[` of `##[` likewise.
pub(crate) fn masked(text: &str) -> Cow<'_, str> {
    let keep = |c: char, next: Option<char>| c == '\n' || (c == '\r' && next == Some('\n'));
    let mask = |i: usize, c: char, next: Option<char>| {
        (hidden(c) && !keep(c, next)) || opens_legacy_command(text.as_bytes(), i)
    };
    let mut chars = text.char_indices().peekable();
    let mut needs = false;
    while let Some((i, c)) = chars.next() {
        if mask(i, c, chars.peek().map(|&(_, c)| c)) {
            needs = true;
            break;
        }
    }
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if mask(i, c, chars.peek().map(|&(_, c)| c)) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A serialised JSON document with every hidden character (see `hidden`) that JSON lets
/// through raw — DEL, C1 controls, bidi controls, line separators, the BOM — and the `[` of
/// every `##[` written as JSON escapes (`\u202e`, `\u005b`): the same document, but a
/// terminal or CI log that shows it is neither reordered nor driven, nor reads a legacy
/// workflow command in it. These only occur inside JSON strings, where the escapes are valid.
pub(crate) fn defused_json(json: String) -> String {
    // Where an escape may be needed, found by fast searches: the `[` of `##[`, DEL (serde
    // escapes the other ASCII controls), and the lead bytes of the hidden characters beyond
    // ASCII (C1 controls: 0xC2; bidi controls and line separators: 0xE2; the BOM: 0xEF).
    let bytes = json.as_bytes();
    let mut candidates: Vec<usize> = memchr::memmem::find_iter(bytes, b"##[")
        .map(|i| i + 2)
        .chain(memchr::memchr3_iter(0xC2, 0xE2, 0xEF, bytes))
        .chain(memchr::memchr_iter(0x7F, bytes))
        .collect();
    if candidates.is_empty() {
        return json;
    }
    candidates.sort_unstable();
    let mut out = String::with_capacity(json.len() + 16);
    let mut copied = 0;
    for at in candidates {
        // Every candidate byte starts a character.
        let c = json[at..].chars().next().unwrap_or('\0');
        if (hidden(c) && c != '\n') || opens_legacy_command(bytes, at) {
            out.push_str(&json[copied..at]);
            // Every such character is in the Basic Multilingual Plane: one escape each.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
            copied = at + c.len_utf8();
        }
    }
    out.push_str(&json[copied..]);
    out
}

/// An output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source excerpts with carets, rustc/ruff style, and a summary block.
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
    fn every_format_is_one_emitter_writing_what_its_function_renders() {
        let report = Report::default();
        let emitted = |format| {
            let mut out = Vec::new();
            emitter(format, HumanOptions::default(), None)
                .emit(&report, &mut out)
                .expect("written");
            String::from_utf8(out).expect("UTF-8")
        };
        let mut json = Vec::new();
        self::json::json(&report, &mut json).expect("written");
        assert_eq!(emitted(Format::Json).as_bytes(), json);
        let mut sarif = Vec::new();
        self::sarif::sarif(&report, &mut sarif).expect("written");
        assert_eq!(emitted(Format::Sarif).as_bytes(), sarif);
        assert_eq!(
            emitted(Format::Human),
            human::human(&report, &HumanOptions::default())
        );
        assert_eq!(emitted(Format::Github), github::github(&report));
        // What a filter left out is said in the GitHub log too.
        let filter = Filtered {
            shown: crate::rules::Rule::ALL[..1].to_vec(),
            hidden: Vec::new(),
        };
        let mut out = Vec::new();
        Github::new(Some(filter.clone()), None)
            .emit(&report, &mut out)
            .expect("written");
        let text = String::from_utf8(out).expect("UTF-8");
        assert!(text.ends_with(&format!("imagegate: {}\n", filter.describe())));
        // Without a step summary to write, nothing is left to do.
        assert!(Github::new(None, None).finish(&report).is_empty());
    }

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

    #[test]
    fn legacy_workflow_commands_are_defused_in_every_form() {
        assert_eq!(
            visible("a ##[error]b #[c] #x[d]"),
            "a ##\\u{5b}error]b #[c] #x[d]"
        );
        assert_eq!(masked("x ##[add-mask]y"), "x ##?add-mask]y");
        // In JSON: the same document, escaped.
        let value = ["a ##[b] ##[c]", "d\u{202e}e\u{7f}\u{85}f\u{1b}\n"];
        let text = defused_json(serde_json::to_string_pretty(&value).unwrap());
        assert_eq!(
            text,
            "[\n  \"a ##\\u005bb] ##\\u005bc]\",\n  \"d\\u202ee\\u007f\\u0085f\\u001b\\n\"\n]"
        );
        let parsed: Vec<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, value);
    }
}
