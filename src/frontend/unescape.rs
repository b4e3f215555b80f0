//! Byte searches that see text as a JSON reader does: in any ASCII letter case, and through
//! the escapes a string may spell its characters with (`\u0043ompute`, `Compute\/virtual…`).
//!
//! The cheap looks the frontends take at a file (sniffs, the ARM "inert" fast path) must never
//! dismiss a file that the full classifier, which parses and unescapes, accepts: a template
//! written by a JSON serializer that escapes `/` (PHP, PowerShell's `ConvertTo-Json` with
//! some settings) or every non-letter as `\uXXXX` is still a template.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};

/// A set of ASCII needles found in raw bytes case-insensitively, and in their unescaped form
/// when the raw bytes hold an escape that could spell part of a needle.
#[derive(Debug)]
pub(crate) struct Needles {
    /// The needles, then the escape triggers (`\u`, and `\` + each punctuation character a
    /// needle holds), ASCII-case-insensitively.
    automaton: AhoCorasick,
    /// How many of the automaton's patterns are needles (the rest are triggers).
    count: usize,
}

impl Needles {
    /// Needles `needles` (ASCII, at most 64).
    pub(crate) fn new(needles: &[&str]) -> Self {
        assert!(needles.len() <= 64, "at most 64 needles");
        assert!(needles.iter().all(|n| n.is_ascii() && !n.is_empty()));
        let mut patterns: Vec<String> = needles.iter().map(|n| n.to_string()).collect();
        patterns.push("\\u".into());
        let mut punctuation: Vec<char> = needles
            .iter()
            .flat_map(|n| n.chars())
            .filter(|c| ESCAPABLE.contains(c))
            .collect();
        punctuation.sort_unstable();
        punctuation.dedup();
        patterns.extend(punctuation.iter().map(|c| format!("\\{c}")));
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("ASCII needles build an automaton");
        Needles {
            automaton,
            count: needles.len(),
        }
    }

    /// The needles found in `bytes` read as JSON: bit `i` is set when needle `i` occurs in
    /// any letter case, written plainly or with escapes.
    pub(crate) fn found(&self, bytes: &[u8]) -> u64 {
        let all = if self.count == 64 {
            u64::MAX
        } else {
            (1u64 << self.count) - 1
        };
        let mut found = 0u64;
        let mut escaped = false;
        for m in self.automaton.find_overlapping_iter(bytes) {
            let i = m.pattern().as_usize();
            if i < self.count {
                found |= 1 << i;
                if found == all {
                    return found;
                }
            } else {
                escaped = true;
                break;
            }
        }
        if !escaped {
            return found;
        }
        // Rare: an escape that can spell part of a needle. Look again at the text as the
        // JSON reader sees it.
        let text = unescaped(bytes);
        for m in self.automaton.find_overlapping_iter(text.as_ref()) {
            let i = m.pattern().as_usize();
            if i < self.count {
                found |= 1 << i;
                if found == all {
                    break;
                }
            }
        }
        found
    }

    /// Whether any needle occurs in `bytes` read as JSON.
    pub(crate) fn any(&self, bytes: &[u8]) -> bool {
        self.found(bytes) != 0
    }
}

/// The punctuation a JSON string can escape with a backslash besides `\uXXXX`.
const ESCAPABLE: [char; 3] = ['"', '\\', '/'];

/// Stands for a character that is not ASCII in [`unescaped`] text: it matches no ASCII needle.
const NOT_ASCII: u8 = 0x80;

/// `bytes` with every JSON string escape replaced by the character it stands for, as
/// `crate::json` reads it (`\uXXXX` by its character, a surrogate pair by one character;
/// characters beyond ASCII by a byte that matches no ASCII needle). A backslash that starts
/// no escape stays (outside strings only comments can hold one). Borrowed when there is no
/// backslash.
pub(crate) fn unescaped(bytes: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'\\', bytes) else {
        return Cow::Borrowed(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while i < bytes.len() {
        let Some(next) = memchr::memchr(b'\\', &bytes[i..]) else {
            out.extend_from_slice(&bytes[i..]);
            break;
        };
        out.extend_from_slice(&bytes[i..i + next]);
        i += next;
        let (ch, len) = escape(&bytes[i..]);
        out.push(ch);
        i += len;
    }
    Cow::Owned(out)
}

/// The character (ASCII, or [`NOT_ASCII`]) the escape at the start of `bytes` (which starts
/// with a backslash) stands for, and its length.
fn escape(bytes: &[u8]) -> (u8, usize) {
    let simple = match bytes.get(1) {
        Some(b'"') => Some(b'"'),
        Some(b'\\') => Some(b'\\'),
        Some(b'/') => Some(b'/'),
        Some(b'b') => Some(0x08),
        Some(b'f') => Some(0x0c),
        Some(b'n') => Some(b'\n'),
        Some(b'r') => Some(b'\r'),
        Some(b't') => Some(b'\t'),
        _ => None,
    };
    if let Some(ch) = simple {
        return (ch, 2);
    }
    if bytes.get(1) != Some(&b'u') {
        return (b'\\', 1);
    }
    let Some(hi) = hex4(&bytes[2..]) else {
        return (b'\\', 1);
    };
    // As the parser does: a high surrogate followed by `\u` takes the next four digits too.
    if (0xD800..0xDC00).contains(&hi) && bytes[6..].starts_with(b"\\u") {
        return match hex4(&bytes[8..]) {
            Some(_) => (NOT_ASCII, 12),
            None => (b'\\', 1),
        };
    }
    match u8::try_from(hi) {
        Ok(b) if b.is_ascii() => (b, 6),
        _ => (NOT_ASCII, 6),
    }
}

/// The value of the four hexadecimal digits at the start of `bytes`, read as the JSON parser
/// reads them (`u16::from_str_radix`).
fn hex4(bytes: &[u8]) -> Option<u16> {
    let digits = std::str::from_utf8(bytes.get(..4)?).ok()?;
    u16::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_read_as_the_parser_reads_them() {
        let cases: [(&str, &str); 7] = [
            ("plain", "plain"),
            (
                "Microsoft.Compute\\/virtualMachines",
                "Microsoft.Compute/virtualMachines",
            ),
            ("\\u0043ompute", "Compute"),
            ("a\\\\u0043", "a\\u0043"),
            ("\\ud83d\\ude00x", "\u{80}x"),
            ("tab\\tend\\\"", "tab\tend\""),
            ("\\x \\u12", "\\x \\u12"),
        ];
        for (raw, read) in cases {
            let out = unescaped(raw.as_bytes());
            let expected: Vec<u8> = read
                .chars()
                .map(|c| if c.is_ascii() { c as u8 } else { NOT_ASCII })
                .collect();
            assert_eq!(out.as_ref(), expected.as_slice(), "{raw}");
        }
    }

    #[test]
    fn needles_are_found_in_any_case_and_through_escapes() {
        let needles = Needles::new(&["Microsoft.Compute/", "\"format_version\""]);
        assert_eq!(needles.found(b"x microsoft.compute/vm"), 0b01);
        assert_eq!(needles.found(b"MICROSOFT.COMPUTE\\/vm"), 0b01);
        assert_eq!(needles.found(b"Microsoft.\\u0043ompute\\u002Fvm"), 0b01);
        assert_eq!(needles.found(b"{\"format\\u005Fversion\": 1}"), 0b10);
        assert_eq!(
            needles.found(b"{\"Format_Version\": 1, microsoft.compute/}"),
            0b11
        );
        assert_eq!(needles.found(b"Microsoft.Compute\\\\/vm"), 0);
        assert_eq!(needles.found(b"Microsoft.Storage/x \\u0041"), 0);
        assert!(!needles.any(b""));
    }
}
