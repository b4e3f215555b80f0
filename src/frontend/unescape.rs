//! Byte searches that see text as a JSON reader does: in any ASCII letter case, and through
//! the escapes a string may spell its characters with (`\u0043ompute`, `Compute\/virtual…`).
//!
//! The cheap looks the frontends take at a file (sniffs, the ARM "inert" fast path) must never
//! dismiss a file that the full classifier, which parses and unescapes, accepts: a template
//! written by a JSON serializer that escapes `/` (PHP, PowerShell's `ConvertTo-Json` with
//! some settings) or every non-letter as `\uXXXX` is still a template.

use std::borrow::Cow;

/// A set of ASCII needles found in raw bytes case-insensitively, and in their unescaped form
/// when the raw bytes hold an escape that could spell part of a needle.
///
/// Every needle holds one anchor byte (given, the same for all, chosen rare in JSON: `y`, `.`,
/// `_`): the search skips from one anchor or backslash to the next with one SIMD search and
/// compares the needles around each anchor.
#[derive(Debug)]
pub(crate) struct Needles {
    /// The needles, lower case, each with the offset of its anchor.
    needles: Vec<(Vec<u8>, usize)>,
    /// The anchor, lower and upper case (the same byte when it is not a letter).
    anchor: (u8, u8),
    /// The punctuation of the needles that an escape could spell (`/`, `"`, `\`).
    punctuation: Vec<u8>,
    /// Which bytes (either case) come just before and just after the anchor in some needle:
    /// most anchors in a text are dismissed by these two lookups.
    around: [[bool; 256]; 2],
}

impl Needles {
    /// Needles `needles` (ASCII, at most 64), each holding `anchor`, whose `"` are the quotes
    /// that open or close a JSON string (a member's key: `"format_version"`, `templateLink"`).
    /// Those are raw in every text that holds the string, so an escaped quote (`\"`, common in
    /// scripts and descriptions) is no reason to look at the text again unescaped.
    pub(crate) fn delimited(needles: &[&str], anchor: u8) -> Self {
        let mut out = Needles::new(needles, anchor);
        out.punctuation.retain(|&b| b != b'"');
        out
    }

    /// Needles `needles` (ASCII, at most 64), each holding `anchor`.
    pub(crate) fn new(needles: &[&str], anchor: u8) -> Self {
        assert!(needles.len() <= 64, "at most 64 needles");
        let anchor = anchor.to_ascii_lowercase();
        let needles: Vec<(Vec<u8>, usize)> = needles
            .iter()
            .map(|n| {
                let lower = n.to_ascii_lowercase().into_bytes();
                let at = memchr::memchr(anchor, &lower).expect("every needle holds the anchor");
                (lower, at)
            })
            .collect();
        let mut punctuation: Vec<u8> = needles
            .iter()
            .flat_map(|(n, _)| n.iter().copied())
            .filter(|b| ESCAPABLE.contains(&(*b as char)))
            .collect();
        punctuation.sort_unstable();
        punctuation.dedup();
        // A needle whose anchor is its first (last) byte accepts any byte before (after) it.
        let mut around = [[false; 256]; 2];
        for (needle, at) in &needles {
            for (side, neighbour) in [(0, at.checked_sub(1)), (1, Some(at + 1))] {
                match neighbour.and_then(|i| needle.get(i)) {
                    Some(&b) => {
                        around[side][usize::from(b)] = true;
                        around[side][usize::from(b.to_ascii_uppercase())] = true;
                    }
                    None => around[side] = [true; 256],
                }
            }
        }
        Needles {
            needles,
            anchor: (anchor, anchor.to_ascii_uppercase()),
            punctuation,
            around,
        }
    }

    /// The needles found in `bytes` read as JSON: bit `i` is set when needle `i` occurs in
    /// any letter case, written plainly or with escapes.
    pub(crate) fn found(&self, bytes: &[u8]) -> u64 {
        let all = if self.needles.len() == 64 {
            u64::MAX
        } else {
            (1u64 << self.needles.len()) - 1
        };
        self.found_until(bytes, |found| found == all)
    }

    /// The needles found in `bytes` read as JSON, as [`Needles::found`] finds them, the search
    /// ending once those found are `enough` (every needle, or any one: then a template that
    /// names `Microsoft.Compute/` near its start is not read to its end).
    fn found_until(&self, bytes: &[u8], enough: impl Fn(u64) -> bool + Copy) -> u64 {
        let (found, escaped) = self.scan(bytes, enough, true);
        if enough(found) || !escaped {
            return found;
        }
        // Rare: an escape that can spell part of a needle, and a needle not found as written.
        // Look again at the text as the JSON reader sees it.
        found | self.scan(&unescaped(bytes), enough, false).0
    }

    /// The needles found as written in `bytes` (the search ending once they are `enough`),
    /// and (when `escapes`) whether an escape that could spell part of one was seen.
    fn scan(&self, bytes: &[u8], enough: impl Fn(u64) -> bool, escapes: bool) -> (u64, bool) {
        let (lower, upper) = self.anchor;
        if !escapes {
            return (
                self.scan_hits(bytes, enough, memchr::memchr2_iter(lower, upper, bytes)),
                false,
            );
        }
        let mut escaped = false;
        let mut hits = |at: usize| {
            if bytes[at] == b'\\' {
                let next = bytes.get(at + 1).copied().unwrap_or(0);
                escaped |= next == b'u' || self.punctuation.contains(&next);
                false
            } else {
                true
            }
        };
        let found = if lower == upper {
            let iter = memchr::memchr2_iter(lower, b'\\', bytes).filter(|&at| hits(at));
            self.scan_hits(bytes, &enough, iter)
        } else {
            let iter = memchr::memchr3_iter(lower, upper, b'\\', bytes).filter(|&at| hits(at));
            self.scan_hits(bytes, &enough, iter)
        };
        (found, escaped)
    }

    /// The needles found as written around the anchors at `hits` in `bytes`, up to the hit
    /// after which they are `enough`.
    fn scan_hits(
        &self,
        bytes: &[u8],
        enough: impl Fn(u64) -> bool,
        hits: impl Iterator<Item = usize>,
    ) -> u64 {
        let mut found = 0u64;
        for at in hits {
            let before = at.checked_sub(1).map_or(0, |i| bytes[i]);
            let after = bytes.get(at + 1).copied().unwrap_or(0);
            if !self.around[0][usize::from(before)] || !self.around[1][usize::from(after)] {
                continue;
            }
            for (i, (needle, offset)) in self.needles.iter().enumerate() {
                let hit = at
                    .checked_sub(*offset)
                    .and_then(|start| bytes.get(start..start + needle.len()))
                    .is_some_and(|window| window.eq_ignore_ascii_case(needle));
                if hit {
                    found |= 1 << i;
                }
            }
            if enough(found) {
                break;
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
        let needles = Needles::new(&["Microsoft.Compute/", "\"format.version\""], b'.');
        assert_eq!(needles.found(b"x microsoft.compute/vm"), 0b01);
        assert_eq!(needles.found(b"MICROSOFT.COMPUTE\\/vm"), 0b01);
        assert_eq!(needles.found(b"Microsoft.\\u0043ompute\\u002Fvm"), 0b01);
        assert_eq!(needles.found(b"{\"format\\u002Eversion\": 1}"), 0b10);
        assert_eq!(
            needles.found(b"{\"Format.Version\": 1, microsoft.compute/}"),
            0b11
        );
        assert_eq!(needles.found(b"Microsoft.Compute\\\\/vm"), 0);
        assert_eq!(needles.found(b"Microsoft.Storage/x \\u0041"), 0);
        assert!(!needles.any(b""));
        assert!(!needles.any(b".compute/ at the start, and format.version\""));
        let letters = Needles::new(&["eploymenttemplate"], b'y');
        assert!(letters.any(b"x DEPLOYMENTTEMPLATE.json"));
        assert!(letters.any(b"x deplo\\u0079menttemplate.json"));
        assert!(!letters.any(b"deploymentParameters.json y y"));
    }

    /// Needles whose quotes delimit a key find every key a JSON reader finds, however its
    /// letters are escaped; an escaped quote is text inside a string, never a key's end.
    #[test]
    fn delimited_needles_find_keys_however_their_letters_are_escaped() {
        let keys = Needles::delimited(&["\"format_version\"", "\"terraform_version\""], b'_');
        assert_eq!(keys.found(br#"{"format_version": "1.2"}"#), 0b01);
        assert_eq!(keys.found(br#"{"FORMAT\u005fVERSION": "1.2"}"#), 0b01);
        assert_eq!(keys.found(br#"{"format\u005Fversion": "1.2"}"#), 0b01);
        // Inside a string value, no key: not found (and not looked for again unescaped).
        assert_eq!(keys.found(br#"{"x": "say \"format_version\" to me"}"#), 0);
        assert_eq!(keys.found(br#"{"formatversion": "a \" b"}"#), 0);
        let link = Needles::delimited(&["templatelink\""], b'k');
        assert!(link.any(br#"{"templateLin\u006b": {}}"#));
        assert!(link.any(br#"{"TemplateLink" : {}}"#));
        assert!(!link.any(br#"{"uri": "[deployment().properties.templateLink.uri]", "x": "\""}"#));
    }

    proptest::proptest! {
        /// `any` (which ends its search at the first needle found) agrees with `found`, on
        /// texts of needles' pieces, in either case, escaped or not.
        #[test]
        fn any_agrees_with_found(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "Microsoft", ".", "Compute", "compute/", "\\/", "\\u0043", "\\u002e", "x",
                "\"format", "_version\"", "\\u005f", "\\\\", " ",
            ]), 0..12),
        ) {
            let text = pieces.concat();
            let needles = Needles::new(&["Microsoft.Compute/", "Microsoft.Batch/"], b'.');
            let keys = Needles::delimited(&["\"format_version\"", "\"x_version\""], b'_');
            for n in [&needles, &keys] {
                proptest::prop_assert_eq!(n.any(text.as_bytes()), n.found(text.as_bytes()) != 0, "{}", text);
            }
        }
    }
}
