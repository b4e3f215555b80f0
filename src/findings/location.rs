//! Where a finding is: its place in a file, the source lines around it, the other places in
//! its chain, and the resource it is about.

use serde::Serialize;

use crate::source::{LineCol, SourceFile};

/// A place in a file, 1-based.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Path relative to the working directory, forward slashes. Shared with the file's
    /// other locations (a run keeps every finding until they are sorted).
    pub path: std::sync::Arc<str>,
    /// First line.
    pub line: u32,
    /// First column (Unicode scalar values).
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just past the end (Unicode scalar values).
    pub end_column: u32,
    /// First column in UTF-16 code units (SARIF).
    #[serde(skip)]
    pub column_utf16: u32,
    /// End column in UTF-16 code units (SARIF).
    #[serde(skip)]
    pub end_column_utf16: u32,
}

impl Location {
    /// The location of bytes `start..end` of `file`.
    pub fn of(file: &SourceFile, start: u32, end: u32) -> Location {
        let a: LineCol = file.line_col(start);
        let b: LineCol = file.line_col(end.max(start));
        Location {
            path: file.display.clone(),
            line: a.line,
            column: a.column,
            end_line: b.line,
            end_column: b.column,
            column_utf16: a.column_utf16,
            end_column_utf16: b.column_utf16,
        }
    }
}

/// The source lines around a finding, for the human output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// Line number of the first line of `text`.
    pub line_start: usize,
    /// The lines (possibly a window of one long line).
    pub text: String,
    /// The byte range of the finding inside `text`.
    pub range: std::ops::Range<usize>,
    /// Whether `text` is a window of a longer line (its columns are not the file's).
    pub clipped: bool,
}

impl Excerpt {
    /// The excerpt for bytes `start..end` of `file`: the lines they cover (at most a few), or
    /// a window around `start` when the line is very long.
    pub fn of(file: &SourceFile, start: u32, end: u32) -> Excerpt {
        const MAX_LINES: usize = 8;
        const MAX_LINE: usize = 240;
        let first = file.line_index(start);
        let mut last = file.line_index(end.max(start));
        if last >= first + MAX_LINES {
            last = first;
        }
        let from = file.line_range(first).start;
        let to = file.line_range(last).end;
        let long = (first..=last).any(|i| file.line_range(i).len() > MAX_LINE);
        let (start, mut end) = (start as usize, (end as usize).max(start as usize));
        if !long {
            end = end.min(to);
            return Excerpt {
                line_start: first + 1,
                text: file.text[from..to].to_string(),
                range: start - from..end.max(start) - from,
                clipped: false,
            };
        }
        // A window of one long line around the start of the span.
        let line = file.line_range(first);
        let mut a = start.saturating_sub(60).max(line.start);
        let mut b = (start + 180).min(line.end);
        while !file.text.is_char_boundary(a) {
            a -= 1;
        }
        while !file.text.is_char_boundary(b) {
            b += 1;
        }
        let prefix = if a > line.start { "…" } else { "" };
        let suffix = if b < line.end { "…" } else { "" };
        let text = format!("{prefix}{}{suffix}", &file.text[a..b]);
        let offset = prefix.len();
        let end = end.min(b).max(start);
        Excerpt {
            line_start: first + 1,
            text,
            range: offset + start - a..offset + end - a,
            clipped: true,
        }
    }
}

/// A related location: another place in the chain (resource, image property, parameter).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Related {
    /// Where.
    #[serde(flatten)]
    pub location: Location,
    /// What it is. Shared ([`super::builder::shared`]): most of a finding's chain says
    /// what other findings' chains say (`parameter 'imagePublisher'`), and a run keeps every
    /// finding until its report is written.
    pub message: std::sync::Arc<str>,
}

/// The resource a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ResourceRef {
    /// Full resource type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Name (or address) as shown.
    pub name: String,
    /// The file that declares it, as shown (not in any output: a run over named files keeps
    /// the findings about resources declared in them).
    #[serde(skip)]
    pub declared_in: std::sync::Arc<str>,
    /// The byte ranges of `name` that are not known offline (`<vmPrefix>`, `<…>`): an
    /// exemption's `resource` pattern covers the finding only if it matches whatever they
    /// turn out to be. Not in any output (the name shows them).
    #[serde(skip)]
    pub unknown_parts: Vec<(usize, usize)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Encoding;

    #[test]
    fn excerpt_windows_long_lines() {
        let long = format!("{{\"pad\": \"{}\", \"id\": \"x\"}}", "a".repeat(5000));
        let file = SourceFile::new("f".into(), "f".into(), long.clone(), Encoding::Utf8);
        let at = long.find("\"x\"").unwrap() as u32;
        let e = Excerpt::of(&file, at, at + 3);
        assert!(e.text.len() < 400);
        assert_eq!(&e.text[e.range.clone()], "\"x\"");
    }
}
