//! Tokens and trees printed as the compiler's baselines print them (`main.tokens.bicep`,
//! `main.syntax.bicep`): each source line followed by one `//@[S:E) …` line per item starting
//! on it, S and E counted in UTF-16 units from the start of that line.

use super::lexer::Token;
use super::syntax::{SyntaxElement, SyntaxNode};

/// One printed item: its start and end (bytes), and its label.
pub(crate) struct Item {
    /// Where it starts.
    pub(crate) start: u32,
    /// Where it ends.
    pub(crate) end: u32,
    /// `Kind |text|`, or the tree's prefix and `KindSyntax` / `Token(Kind) |text|`.
    pub(crate) label: String,
}

/// An annotation as a baseline has it: start and end relative to the start's line, label.
pub(crate) type Annotation = (u32, u32, String);

/// A token's text as the baselines show it (line breaks and tabs escaped).
fn shown(text: &str, token: &Token) -> String {
    text[token.span.start as usize..token.span.end as usize]
        .replace('\r', "\\r")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

/// The items of a token list.
pub(crate) fn token_items(text: &str, tokens: &[Token]) -> Vec<Item> {
    tokens
        .iter()
        .map(|t| Item {
            start: t.span.start,
            end: t.span.end,
            label: format!("{:?} |{}|", t.kind, shown(text, t)),
        })
        .collect()
}

/// The items of a tree, in pre-order, with the baselines' `├─ └─ |` drawing.
pub(crate) fn tree_items(text: &str, root: SyntaxNode<'_>) -> Vec<Item> {
    let mut out = vec![Item {
        start: root.span.start,
        end: root.span.end,
        label: format!("{:?}Syntax", root.kind),
    }];
    walk(text, root, "", &mut out);
    out
}

/// Adds `node`'s children (and theirs) to `out`, drawn under `indent`.
fn walk(text: &str, node: SyntaxNode<'_>, indent: &str, out: &mut Vec<Item>) {
    let count = node.children().len();
    for (i, child) in node.children().enumerate() {
        let last = i + 1 == count;
        let branch = if last { "└─" } else { "├─" };
        match child {
            SyntaxElement::Token(t) => out.push(Item {
                start: t.span.start,
                end: t.span.end,
                label: format!("{indent}{branch}Token({:?}) |{}|", t.kind, shown(text, t)),
            }),
            SyntaxElement::Node(n) => {
                out.push(Item {
                    start: n.span.start,
                    end: n.span.end,
                    label: format!("{indent}{branch}{:?}Syntax", n.kind),
                });
                let deeper = format!("{indent}{}", if last { "  " } else { "| " });
                walk(text, n, &deeper, out);
            }
        }
    }
}

/// UTF-16 offsets of every byte offset (at character boundaries) of `text`.
fn utf16_offsets(text: &str) -> Vec<u32> {
    let mut offsets = vec![0u32; text.len() + 1];
    let mut units = 0u32;
    for (i, c) in text.char_indices() {
        for slot in offsets.iter_mut().skip(i).take(c.len_utf8()) {
            *slot = units;
        }
        units += c.len_utf16() as u32;
    }
    offsets[text.len()] = units;
    offsets
}

/// Each item with its start and end relative to the start of its start's line (UTF-16), and
/// the index of that line.
pub(crate) fn annotate(text: &str, items: &[Item]) -> Vec<(usize, Annotation)> {
    let utf16 = utf16_offsets(text);
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect();
    items
        .iter()
        .map(|item| {
            let line = line_starts.partition_point(|&s| s <= item.start as usize) - 1;
            let base = utf16[line_starts[line]];
            let start = utf16[item.start as usize] - base;
            let end = utf16[item.end as usize] - base;
            (line, (start, end, item.label.clone()))
        })
        .collect()
}

/// The baseline file: the source lines, each followed by its items' annotations.
pub(crate) fn render(text: &str, items: &[Item]) -> String {
    let annotated = annotate(text, items);
    let width = |n: u32| n.to_string().len();
    let start_width = annotated.iter().map(|(_, a)| width(a.0)).max().unwrap_or(1);
    let end_width = annotated.iter().map(|(_, a)| width(a.1)).max().unwrap_or(1);
    let mut out = String::new();
    let mut next = annotated.iter().peekable();
    for (index, line) in text.split('\n').enumerate() {
        out.push_str(line.trim_end_matches('\r'));
        out.push('\n');
        while let Some((_, (s, e, label))) = next.next_if(|(l, _)| *l == index) {
            out.push_str(&format!("//@[{s:0start_width$}:{e:0end_width$}) {label}\n"));
        }
    }
    out
}

/// The annotations of a baseline file, in order, with their line numbers in it.
pub(crate) fn read_baseline(baseline: &str) -> Vec<(usize, Annotation)> {
    baseline
        .lines()
        .enumerate()
        .filter_map(|(n, line)| {
            let rest = line.strip_prefix("//@[")?;
            let (numbers, label) = rest.split_once(") ")?;
            let (s, e) = numbers.split_once(':')?;
            Some((
                n + 1,
                (
                    s.parse().ok()?,
                    e.parse().ok()?,
                    label.trim_end_matches('\r').to_owned(),
                ),
            ))
        })
        .collect()
}
