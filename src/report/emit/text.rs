//! Text that reaches a terminal, a CI log or a file a pipeline may print: every output of
//! imagegate is written through this module.
//!
//! What a template controls (resource names, parameter values, file names, comments, messages
//! quoting any of them) is input, and two kinds of reader act on the text a run writes:
//!
//! * a terminal: control characters start escape sequences, bidi controls reorder what a
//!   reviewer reads, zero-width characters hide text;
//! * a CI agent, which runs commands written in a step's output. GitHub's runner reads a
//!   workflow command `::name …::` at the start of a line (after white space) and the legacy
//!   `##[name …]` anywhere in a line. The Azure Pipelines agent reads `##vso[area.event …]`
//!   **anywhere** in a line of standard output or standard error: `Command.TryParse` in
//!   microsoft/azure-pipelines-agent (`src/Microsoft.VisualStudio.Services.Agent/Command.cs`)
//!   finds the prefix with `message.IndexOf("##vso[")`, and such a command can set pipeline
//!   variables, upload files or prepend to `PATH` in the job that runs imagegate. That
//!   `String.IndexOf(string)` compares with the current culture
//!   (<https://learn.microsoft.com/dotnet/api/system.string.indexof#system-string-indexof(system-string)>),
//!   which skips the characters the culture ignores (format characters such as U+200B,
//!   most control characters): `#`, U+200B, `#vso[` is the prefix to it.
//!
//! So no text from input reaches an output raw when it could be read as a command:
//!
//! * [`visible`] writes one piece of text (a name, a path, a message) for a person: every
//!   hidden character (controls, bidi controls, line separators, and every character a
//!   culture-sensitive comparison ignores) as `\u{…}`, and the `[` that completes `##[` or
//!   `##vso[` as `\u{5b}`. That is the notation imagegate writes for every character it will
//!   not write raw: visible, unambiguous, and still readable (`##vso\u{5b}task.setvariable …`).
//!   A zero-width character between the `#`s would not do: a person cannot see it, and the
//!   agent's comparison skips it anyway.
//! * [`masked`] does the same for source excerpts, byte for byte (`?`), so spans stay valid.
//! * [`defuse`] is the last step of every output, whole, in its syntax ([`Syntax`]): JSON (and
//!   TOML) writes the same characters as `\u…` escapes, which every parser reads back to the
//!   input's exact text; text and Markdown write the `[` of a command prefix as `\u{5b}` (the
//!   prefix found with the ignored characters left out, as the agent finds it) and the first
//!   `:` of a line that would start with `::` as `\u{3a}`. A GitHub-format log keeps the
//!   commands imagegate writes itself ([`Syntax::Commands`]); the text inside them went
//!   through [`visible`], so it has no line break to start one of its own.

use std::borrow::Cow;

/// Whether a culture-sensitive string comparison (.NET's, with ICU) may skip `c` when it
/// matches: the format characters (Unicode category Cf) and the other default-ignorable code
/// points (variation selectors, fillers, tags), as listed in Unicode's
/// `DerivedCoreProperties.txt` (`Default_Ignorable_Code_Point`) and `UnicodeData.txt` (Cf).
/// Control characters are [`hidden`] on their own.
fn ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{0600}'..='\u{0605}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether `c` must never reach a terminal or a CI log raw: control characters (tab aside:
/// ESC starts terminal sequences, a line break could start a forged workflow command), line
/// and paragraph separators, and every [`ignorable`] character (bidi controls reorder what a
/// reviewer reads; zero-width characters hide text from a person, and from a CI agent's
/// search for its command prefix).
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}') || ignorable(c)
}

/// Whether the byte at `i` of `bytes` is the `[` that completes a CI command prefix written
/// as is: GitHub's legacy `##[`, or Azure Pipelines' `##vso[` (`vso` in any case: the agent's
/// comparison is case-sensitive, but a neutralised prefix costs nothing).
fn closes_command(bytes: &[u8], i: usize) -> bool {
    if bytes.get(i) != Some(&b'[') {
        return false;
    }
    let before = &bytes[..i];
    before.ends_with(b"##")
        || before.len() >= 5 && before[before.len() - 5..].eq_ignore_ascii_case(b"##vso")
}

/// Whether `text` may hold a command prefix written as is (`##` is in every one).
fn may_hold_command(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"##").is_some()
}

/// `text` (template-controlled: names, values, paths) with every hidden character written
/// visibly as `\u{…}`, and the `[` of every `##[` and `##vso[` too (CI agents read those
/// anywhere in a line as commands): for messages, labels, paths and notes in every output
/// that is text.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) && !may_hold_command(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut changed = false;
    for (i, c) in text.char_indices() {
        if hidden(c) || closes_command(text.as_bytes(), i) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            changed = true;
        } else {
            out.push(c);
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// Source lines for an excerpt with every hidden character (line breaks aside) replaced by
/// `?`, byte for byte, so byte ranges into the text stay valid; the `[` of `##[` and `##vso[`
/// likewise.
pub(crate) fn masked(text: &str) -> Cow<'_, str> {
    let keep = |c: char, next: Option<char>| c == '\n' || (c == '\r' && next == Some('\n'));
    let mask = |i: usize, c: char, next: Option<char>| {
        (hidden(c) && !keep(c, next)) || closes_command(text.as_bytes(), i)
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

/// The syntax of a whole output, which says how [`defuse`] writes what it must not write raw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Text for a person (the human report, tables, Markdown, notes and errors on standard
    /// error): the `[` of a command prefix is written `\u{5b}`, and the first `:` of a line
    /// that would start with `::` is written `\u{3a}`. Hidden characters are left as they are
    /// (the pieces from input went through [`visible`]; what remains is the output's own, such
    /// as its colours).
    Text,
    /// A GitHub Actions log (`--format github`): like [`Syntax::Text`], but a line may start
    /// with `::`, for the workflow commands imagegate writes.
    Commands,
    /// JSON, or TOML whose strings are basic strings: every hidden character, and the `[` of
    /// a command prefix, is written as a `\u` escape (`\u202e`, `\u005b`), which a parser
    /// reads back to the same character. Such characters only occur inside strings (or TOML
    /// comments, where the escape is shown as written).
    Json,
}

/// `text`, a whole output in `syntax`, with nothing left in it that a CI agent would run
/// (see the module's documentation): the one function every output passes through before it
/// is written to a stream or a file.
pub fn defuse(text: &str, syntax: Syntax) -> Cow<'_, str> {
    match syntax {
        Syntax::Json => defused_json(text),
        Syntax::Text => defused_text(text, true),
        Syntax::Commands => defused_text(text, false),
    }
}

/// [`defuse`] for [`Syntax::Text`] (`lines`: lines starting with `::` too) and
/// [`Syntax::Commands`]. The command prefixes are found as the Azure Pipelines agent finds
/// them, with the characters its comparison ignores left out, and line starts as .NET's
/// `ReadLine` splits lines (at CR, LF and CRLF) and GitHub's runner trims them (white space).
fn defused_text(text: &str, lines: bool) -> Cow<'_, str> {
    // Fast path: no `#` and no `:` at all (most notes), nothing to look at.
    let bytes = text.as_bytes();
    let colons = lines && memchr::memchr(b':', bytes).is_some();
    if memchr::memchr(b'#', bytes).is_none() && !colons {
        return Cow::Borrowed(text);
    }
    let mut marks: Vec<usize> = Vec::new();
    // The last significant characters of the line (ASCII lowercased), most recent last.
    let mut recent: [char; 5] = ['\0'; 5];
    let mut line_start = true;
    let mut colon: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c == '\n' || c == '\r' {
            recent = ['\0'; 5];
            line_start = true;
            colon = None;
            continue;
        }
        if ignorable(c) || (c.is_control() && c != '\t') {
            continue;
        }
        if line_start && lines {
            if c.is_whitespace() {
                continue;
            }
            if c == ':' {
                colon = Some(i);
            }
        } else if let Some(first) = colon.take()
            && c == ':'
        {
            marks.push(first);
        }
        line_start = false;
        if c == '[' && (recent[3..] == ['#', '#'] || recent == ['#', '#', 'v', 's', 'o']) {
            marks.push(i);
        }
        recent.rotate_left(1);
        recent[4] = c.to_ascii_lowercase();
    }
    if marks.is_empty() {
        return Cow::Borrowed(text);
    }
    marks.sort_unstable();
    let mut out = String::with_capacity(text.len() + 8 * marks.len());
    let mut copied = 0;
    for at in marks {
        out.push_str(&text[copied..at]);
        out.push_str(if bytes[at] == b'[' {
            "\\u{5b}"
        } else {
            "\\u{3a}"
        });
        copied = at + 1;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// A serialised JSON document (or TOML text whose strings are basic strings) with every
/// hidden character (see [`hidden`]) that JSON lets through raw — DEL, C1 controls, bidi and
/// other format characters, line separators, the BOM — and the `[` of every `##[` and `##vso[`
/// written as `\u` escapes (`\u202e`, `\u005b`; a surrogate pair beyond the Basic Multilingual
/// Plane): the same document, but a terminal or CI log that shows it is neither reordered nor
/// driven, nor reads a command in it. These only occur inside strings, where the escapes are
/// valid.
pub(crate) fn defused_json(json: &str) -> Cow<'_, str> {
    defused_json_from(json, 0)
}

/// [`defused_json`] of `json[start..]`, with the text before `start` (already written) read
/// as what comes before it: a `[` just after it may close a command prefix it ends with.
/// `start` is a character boundary.
fn defused_json_from(json: &str, start: usize) -> Cow<'_, str> {
    // Where an escape may be needed, found by fast searches: after each `##`, at DEL (serde
    // escapes the other ASCII controls), and at every character beyond ASCII.
    let bytes = json.as_bytes();
    // Every `##`, overlapping ones too: in `###[` the prefix is the second and third `#`.
    let mut candidates: Vec<usize> = memchr::memchr_iter(b'#', bytes)
        .filter(|&i| bytes.get(i + 1) == Some(&b'#'))
        .flat_map(|i| [i + 2, i + 5])
        .filter(|&at| at < bytes.len() && at >= start)
        .chain(memchr::memchr_iter(0x7F, &bytes[start..]).map(|i| start + i))
        .collect();
    // Characters beyond ASCII are rare in a report: whole blocks of ASCII are passed over
    // (a word at a time), and only the others looked at byte by byte.
    const BLOCK: usize = 64;
    for (n, block) in bytes[start..].chunks(BLOCK).enumerate() {
        if !block.is_ascii() {
            candidates.extend(
                block
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b >= 0xC0)
                    .map(|(i, _)| start + n * BLOCK + i),
            );
        }
    }
    if candidates.is_empty() {
        return Cow::Borrowed(&json[start..]);
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut out = String::with_capacity(json.len() - start + 16);
    let mut copied = start;
    let mut changed = false;
    for at in candidates {
        if at < copied || !json.is_char_boundary(at) {
            continue;
        }
        let c = json[at..].chars().next().unwrap_or('\0');
        if (hidden(c) && c != '\n') || closes_command(bytes, at) {
            out.push_str(&json[copied..at]);
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
            copied = at + c.len_utf8();
            changed = true;
        }
    }
    if !changed {
        return Cow::Borrowed(&json[start..]);
    }
    out.push_str(&json[copied..]);
    Cow::Owned(out)
}

/// A writer of a JSON document (or TOML of basic strings) that writes to `inner` what
/// [`defused_json`] makes of the whole document, a block at a time: a report of any size is
/// written without ever being held whole in memory. The document must be UTF-8; what is
/// written is kept until [`DefusedJson::finish`] (or the next block) writes it.
pub(crate) struct DefusedJson<W: std::io::Write> {
    /// Where the defused text goes.
    inner: W,
    /// The bytes written to this writer and not yet to `inner`.
    pending: Vec<u8>,
    /// The last bytes already written on (as given, before defusing): what may come before a
    /// `[` in `pending` (a command prefix is at most 5 bytes, `##vso`).
    before: Vec<u8>,
    /// How much is gathered before it is written on ([`DEFUSED_BLOCK`]).
    block: usize,
}

/// How much [`DefusedJson`] gathers before it writes.
const DEFUSED_BLOCK: usize = 64 * 1024;

impl<W: std::io::Write> DefusedJson<W> {
    /// A writer defusing into `inner`.
    pub(crate) fn new(inner: W) -> DefusedJson<W> {
        DefusedJson {
            inner,
            pending: Vec::with_capacity(DEFUSED_BLOCK),
            before: Vec::new(),
            block: DEFUSED_BLOCK,
        }
    }

    /// Writes on what has been written, but for the last bytes of a character not yet whole
    /// (unless `all`).
    fn drain(&mut self, all: bool) -> std::io::Result<()> {
        let len = self.pending.len();
        let mut end = len;
        if !all {
            // The last character, when it is not whole yet, waits.
            let mut after_lead = len;
            while after_lead > 0
                && len - after_lead < 3
                && self.pending[after_lead - 1] & 0xC0 == 0x80
            {
                after_lead -= 1;
            }
            if after_lead > 0 {
                let lead = self.pending[after_lead - 1];
                let width = match lead {
                    0xF0.. => 4,
                    0xE0.. => 3,
                    0xC0.. => 2,
                    _ => 1,
                };
                if after_lead - 1 + width > len {
                    end = after_lead - 1;
                }
            }
        }
        let start = self.before.len();
        let mut text = std::mem::take(&mut self.before);
        text.extend_from_slice(&self.pending[..end]);
        let text = String::from_utf8(text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))?;
        self.inner
            .write_all(defused_json_from(&text, start).as_bytes())?;
        // The few ASCII bytes at the end, from a character boundary: a prefix is ASCII.
        let mut keep = text.len().saturating_sub(5);
        while !text.is_char_boundary(keep) {
            keep += 1;
        }
        self.before = text.as_bytes()[keep..].to_vec();
        self.pending.drain(..end);
        Ok(())
    }

    /// Writes on everything written so far and flushes: the document is whole.
    pub(crate) fn finish(mut self) -> std::io::Result<W> {
        self.drain(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: std::io::Write> std::io::Write for DefusedJson<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= self.block {
            self.drain(false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Only whole characters can be written on; the rest waits for `finish`.
        self.drain(false)?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the Azure Pipelines agent would find in `line`: whether `##vso[` occurs in it once
    /// the characters a culture-sensitive comparison ignores are left out (its
    /// `message.IndexOf("##vso[")`; in any case, which imagegate defuses too), or `##[` as
    /// GitHub's runner reads legacy commands.
    fn agent_reads_a_command(line: &str) -> bool {
        let kept: String = line
            .chars()
            .filter(|&c| !(ignorable(c) || c.is_control() && c != '\t'))
            .collect::<String>()
            .to_ascii_lowercase();
        kept.contains("##vso[") || kept.contains("##[")
    }

    #[test]
    fn hidden_characters_are_written_visibly_or_masked_in_place() {
        assert_eq!(visible("plain name"), "plain name");
        assert_eq!(
            visible("a\u{1b}[31mb\nc\u{202e}d\te"),
            "a\\u{1b}[31mb\\u{a}c\\u{202e}d\te"
        );
        assert!(matches!(visible("x"), Cow::Borrowed(_)));
        assert!(matches!(visible("a ## b # c"), Cow::Borrowed(_)));
        let text = "line \u{1b}[2J one\r\nline\u{85} two\rthree\n";
        let masked = masked(text);
        assert_eq!(masked, "line ?[2J one\r\nline?? two?three\n");
        assert_eq!(masked.len(), text.len(), "byte ranges stay valid");
    }

    /// Written a piece at a time (pieces cut anywhere, a character or a command prefix across
    /// two), in blocks of any size, a document comes out as [`defused_json`] makes it whole.
    #[test]
    fn a_document_defused_as_it_is_written_is_the_document_defused_whole() {
        use std::io::Write as _;
        let runner = proptest::test_runner::Config::with_cases(512);
        proptest::proptest!(runner, |(
            text in "(##|##vso|##VsO|#|\\[|a|\"|\n|é|😀|\u{202e}|\u{7f}|\u{85})*",
            cuts in proptest::collection::vec(0usize..80, 0..6),
            block in 1usize..24,
        )| {
            let mut writer = DefusedJson::new(Vec::new());
            writer.block = block;
            let bytes = text.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= bytes.len()).collect();
            cuts.push(bytes.len());
            cuts.sort_unstable();
            let mut from = 0;
            for cut in cuts {
                writer.write_all(&bytes[from..cut]).unwrap();
                from = cut;
            }
            let out = writer.finish().unwrap();
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), defused_json(&text).into_owned());
        });
    }

    /// A prefix after more `#` than it holds is a prefix still: `###[` holds `##[`.
    #[test]
    fn a_command_prefix_after_another_hash_is_defused_in_json() {
        for (raw, defused) in [
            ("\"###[error]x\"", "\"###\\u005berror]x\""),
            (
                "\"a ###vso[task.complete]\"",
                "\"a ###vso\\u005btask.complete]\"",
            ),
            ("\"####[x\"", "\"####\\u005bx\""),
        ] {
            assert_eq!(defused_json(raw), defused, "{raw}");
        }
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
        let text = serde_json::to_string_pretty(&value).unwrap();
        let text = defused_json(&text);
        assert_eq!(
            text,
            "[\n  \"a ##\\u005bb] ##\\u005bc]\",\n  \"d\\u202ee\\u007f\\u0085f\\u001b\\n\"\n]"
        );
        let parsed: Vec<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, value);
    }

    /// The Azure Pipelines agent's prefix, in every form its culture-sensitive search finds
    /// it: as written, in another case, and with ignored characters between its characters.
    const VSO: [&str; 6] = [
        "x ##vso[task.setvariable variable=GATE]pass",
        "x ##VSO[task.setvariable variable=GATE]pass",
        "x #\u{200b}#vso[task.setvariable variable=GATE]pass",
        "x ##v\u{ad}so\u{2060}[task.prependpath]/tmp/evil",
        "x ##vso\u{FE0F}[artifact.upload]secret",
        "x ##vso\u{E0001}[task.complete result=Succeeded]",
    ];

    #[test]
    fn azure_pipelines_commands_are_written_visibly_in_text() {
        assert_eq!(
            visible("x ##vso[task.setvariable variable=GATE]pass"),
            "x ##vso\\u{5b}task.setvariable variable=GATE]pass"
        );
        assert_eq!(masked("x ##vso[task.x]y"), "x ##vso?task.x]y");
        for line in VSO {
            assert!(agent_reads_a_command(line), "{line:?}");
            let shown = visible(line);
            assert!(!agent_reads_a_command(&shown), "{line:?} → {shown:?}");
            // Still recognisable: the command's text is there.
            assert!(shown.contains("]"), "{shown}");
            let masked = masked(line);
            assert!(!agent_reads_a_command(&masked), "{line:?} → {masked:?}");
        }
        // `#vso[`, `## vso[` and `##vsox[` are not commands and are left alone.
        for plain in ["#vso[a]", "## vso[a]", "##vsox[a]", "vso[a]"] {
            assert_eq!(visible(plain), plain);
        }
    }

    #[test]
    fn json_escapes_every_form_and_parses_back_to_the_input() {
        for line in VSO {
            let json = serde_json::to_string_pretty(&[line]).unwrap();
            let defused = defused_json(&json);
            assert!(!agent_reads_a_command(&defused), "{defused}");
            // Escapes only: the value read back is the input's, character for character.
            let parsed: Vec<String> = serde_json::from_str(&defused).unwrap();
            assert_eq!(parsed, [line]);
        }
        // Beyond the Basic Multilingual Plane: a surrogate pair.
        let defused = defused_json("\"a\u{E0001}b\"");
        assert_eq!(defused, "\"a\\udb40\\udc01b\"");
        assert!(matches!(
            defused_json("{\"a\": \"é ## b\"}"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_whole_text_output_is_defused_as_the_agent_reads_it() {
        // A prefix split by ignored characters the pieces did not make visible, and one made
        // of two pieces (`##vso` ends one, `[` starts the output's own text).
        let text = "one #\u{200b}#vso[a.b]c\nname ##vso\u{1b}[0m tail\n";
        let defused = defuse(text, Syntax::Text);
        for line in defused.lines() {
            assert!(!agent_reads_a_command(line), "{line:?}");
        }
        assert_eq!(
            defused,
            "one #\u{200b}#vso\\u{5b}a.b]c\nname ##vso\u{1b}\\u{5b}0m tail\n"
        );
        // Plain output is borrowed as it is.
        let plain = "error[IG001]: a\n  --> x.json:1:2\n";
        assert!(matches!(defuse(plain, Syntax::Text), Cow::Borrowed(_)));
    }

    #[test]
    fn no_line_of_text_starts_a_workflow_command() {
        let text = "::error::forged\n  \u{200b}::set-output name=x::y\r::warning ok\na ::b\n";
        let defused = defuse(text, Syntax::Text);
        assert_eq!(
            defused,
            "\\u{3a}:error::forged\n  \u{200b}\\u{3a}:set-output name=x::y\r\\u{3a}:warning ok\na ::b\n"
        );
        for line in defused.split(['\n', '\r']) {
            let start: String = line
                .chars()
                .filter(|&c| !ignorable(c) && !c.is_whitespace())
                .take(2)
                .collect();
            assert_ne!(start, "::", "{line:?}");
        }
        // The GitHub format keeps its own commands; their text has no line break in it.
        let log = "::error file=a.json,line=1::x ##vso[a.b]c\nimagegate: done\n";
        assert_eq!(
            defuse(log, Syntax::Commands),
            "::error file=a.json,line=1::x ##vso\\u{5b}a.b]c\nimagegate: done\n"
        );
    }
}
