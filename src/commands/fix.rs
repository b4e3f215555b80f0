//! `check --fix` and `check --diff`: the fixes of the findings reported, applied to the files
//! or shown as a unified diff. Each file is read again, decoded as the run decoded it, edited
//! in its decoded text and written back in its own encoding (UTF-8 with or without a BOM,
//! UTF-16 with its BOM); line endings are never touched (an edit replaces a literal within a
//! line). An edit the findings disagree on (two replacements of one literal: one template
//! judged with two parameter files that want different versions) is not made, and said.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use crate::findings::{Edit, Finding};

/// The edits to make, by file as displayed: sorted, none overlapping, each once.
pub(super) struct Plan {
    /// The edits of each file.
    pub(super) files: BTreeMap<String, Vec<Edit>>,
    /// How many findings they fix.
    pub(super) fixed: usize,
    /// The edits left out because findings want different text at one place, each said.
    pub(super) conflicts: Vec<String>,
}

/// The plan of the fixes of `findings` that count (not exempted, not in the baseline).
pub(super) fn plan<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    set_aside: &'a [crate::findings::Fix],
) -> Plan {
    type Key = (String, u32, u32);
    let key = |edit: &Edit| -> Key {
        (
            edit.location.path.to_string(),
            edit.bytes.start,
            edit.bytes.end,
        )
    };
    let fixes: Vec<&crate::findings::Fix> = findings
        .filter(|f| f.suppression.is_none())
        .filter_map(|f| f.fix.as_deref())
        .collect();
    // The builds set aside are edited with their sources (their findings are not counted).
    let counted = fixes.len();
    let fixes: Vec<&crate::findings::Fix> = fixes.into_iter().chain(set_aside).collect();
    let mut wanted: BTreeMap<Key, (Edit, bool)> = BTreeMap::new();
    for edit in fixes.iter().flat_map(|fix| &fix.edits) {
        match wanted.get_mut(&key(edit)) {
            Some((same, _)) if same.replacement == edit.replacement => {}
            Some((_, agreed)) => *agreed = false,
            None => {
                wanted.insert(key(edit), (edit.clone(), true));
            }
        }
    }
    let mut plan = Plan {
        files: BTreeMap::new(),
        fixed: 0,
        conflicts: Vec::new(),
    };
    let mut kept: std::collections::BTreeSet<Key> = Default::default();
    for ((path, start, end), (edit, agreed)) in wanted {
        if !agreed {
            plan.conflicts.push(format!(
                "{path}:{}:{}: not fixed: the findings here want different replacements",
                edit.location.line, edit.location.column
            ));
            continue;
        }
        let edits = plan.files.entry(path.clone()).or_default();
        // Sorted by start: an edit that overlaps the one before it is left out.
        if edits
            .last()
            .is_some_and(|last: &Edit| last.bytes.end > edit.bytes.start)
        {
            continue;
        }
        edits.push(edit);
        kept.insert((path, start, end));
    }
    // A finding is fixed when every edit of its fix is made.
    plan.fixed = fixes[..counted]
        .iter()
        .filter(|fix| fix.edits.iter().all(|e| kept.contains(&key(e))))
        .count();
    plan
}

/// The text of the file `path` and how it is encoded, read as the run read it (a regular
/// file, never through a link).
fn read(path: &Path) -> Result<(String, crate::source::Encoding), String> {
    let max = crate::source::MAX_FILE_BYTES;
    let bytes = crate::source::read_at_most(path, max, false)
        .map_err(|e| e.to_string())?
        .ok_or("larger than a file imagegate reads")?;
    crate::source::decode(bytes).map_err(|e| e.message)
}

/// `text` with `edits` (sorted, not overlapping) made; `None` when one does not fall on
/// character boundaries of the text (the file changed since it was judged).
fn edited(text: &str, edits: &[Edit]) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in edits {
        let Range { start, end } = edit.bytes;
        let (start, end) = (start as usize, end as usize);
        if start < at || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return None;
        }
        out.push_str(text.get(at..start)?);
        out.push_str(&edit.replacement);
        at = end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

/// What applying `plan` did: the files written, and the problems (a file that could not be
/// read or written, or changed since it was judged), each said.
pub(super) struct Applied {
    /// The files written.
    pub(super) written: usize,
    /// What went wrong, one line each.
    pub(super) problems: Vec<String>,
}

/// Applies `plan` to the files, each found from its displayed path by `resolve`.
pub(super) fn apply(plan: &Plan, resolve: &dyn Fn(&Path) -> std::path::PathBuf) -> Applied {
    let mut applied = Applied {
        written: 0,
        problems: Vec::new(),
    };
    for (shown, edits) in &plan.files {
        let path = resolve(Path::new(shown));
        let result = read(&path).and_then(|(text, encoding)| {
            let new = edited(&text, edits).ok_or("it changed since it was judged")?;
            std::fs::write(&path, crate::source::encode(&new, encoding)).map_err(|e| e.to_string())
        });
        match result {
            Ok(()) => applied.written += 1,
            Err(e) => applied.problems.push(format!("{shown}: not fixed: {e}")),
        }
    }
    applied
}

/// The unified diff of `plan` (hunks without context lines, `a/` and `b/` prefixes as git
/// writes them), and the problems met reading the files.
pub(super) fn diff(
    plan: &Plan,
    resolve: &dyn Fn(&Path) -> std::path::PathBuf,
) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut problems = Vec::new();
    for (shown, edits) in &plan.files {
        let text = match read(&resolve(Path::new(shown))) {
            Ok((text, _)) => text,
            Err(e) => {
                problems.push(format!("{shown}: not fixed: {e}"));
                continue;
            }
        };
        match file_diff(shown, &text, edits) {
            Some(d) => out.push_str(&d),
            None => problems.push(format!(
                "{shown}: not fixed: it changed since it was judged"
            )),
        }
    }
    (out, problems)
}

/// The diff of one file: a hunk for each run of lines the edits touch.
fn file_diff(shown: &str, text: &str, edits: &[Edit]) -> Option<String> {
    // Line starts, to find the lines an edit spans.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |byte: usize| starts.partition_point(|&s| s <= byte) - 1;
    let line_end = |line: usize| starts.get(line + 1).copied().unwrap_or(text.len());
    // Groups of edits whose lines meet.
    let mut groups: Vec<(usize, usize, Vec<&Edit>)> = Vec::new();
    for edit in edits {
        let first = line_of(edit.bytes.start as usize);
        let last = line_of((edit.bytes.end as usize).max(edit.bytes.start as usize));
        match groups.last_mut() {
            Some((_, end, group)) if first <= *end => {
                *end = (*end).max(last);
                group.push(edit);
            }
            _ => groups.push((first, last, vec![edit])),
        }
    }
    let mut out = format!("--- a/{shown}\n+++ b/{shown}\n");
    let mut shift: isize = 0;
    for (first, last, group) in groups {
        let (from, to) = (starts[first], line_end(last));
        let old = text.get(from..to)?;
        let local: Vec<Edit> = group
            .iter()
            .map(|e| Edit {
                bytes: (e.bytes.start - from as u32)..(e.bytes.end - from as u32),
                ..(*e).clone()
            })
            .collect();
        let new = edited(old, &local)?;
        let old_lines: Vec<&str> = old.lines().collect();
        let new_lines: Vec<&str> = new.lines().collect();
        let new_start = (first as isize + 1 + shift).max(1);
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            first + 1,
            old_lines.len(),
            new_start,
            new_lines.len()
        ));
        for l in &old_lines {
            out.push_str(&format!("-{}\n", l.trim_end_matches('\r')));
        }
        for l in &new_lines {
            out.push_str(&format!("+{}\n", l.trim_end_matches('\r')));
        }
        shift += new_lines.len() as isize - old_lines.len() as isize;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Location;

    fn edit(path: &str, bytes: Range<u32>, replacement: &str) -> Edit {
        Edit {
            location: Location {
                path: path.into(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
                column_utf16: 1,
                end_column_utf16: 1,
            },
            bytes,
            replacement: replacement.into(),
            original: String::new(),
        }
    }

    #[test]
    fn edits_are_made_in_order_and_a_diff_shows_the_lines_they_touch() {
        let text = "a\n  \"id\": \"x\",\n  \"v\": \"y\"\nz\n";
        let edits = [
            edit("t.json", 10..13, "\"X1\""),
            edit("t.json", 22..25, "\"Y\""),
        ];
        assert_eq!(
            edited(text, &edits).as_deref(),
            Some("a\n  \"id\": \"X1\",\n  \"v\": \"Y\"\nz\n")
        );
        let diff = file_diff("t.json", text, &edits).unwrap();
        assert_eq!(
            diff,
            "--- a/t.json\n+++ b/t.json\n@@ -2,1 +2,1 @@\n-  \"id\": \"x\",\n+  \"id\": \"X1\",\n@@ -3,1 +3,1 @@\n-  \"v\": \"y\"\n+  \"v\": \"Y\"\n"
        );
        // An edit off the text's character boundaries: the file changed.
        assert_eq!(edited("é", &[edit("t", 1..2, "x")]), None);
    }
}
