//! The Bicep lexer: text → tokens with byte spans, as the compiler's `Lexer.cs` defines them
//! (Azure/bicep, `src/Bicep.Core/Parsing/Lexer.cs`, and `docs/grammar.md`).
//!
//! * Newlines are tokens (Bicep's statements end at a newline); other whitespace and comments
//!   (`//`, `/* */`) are skipped.
//! * Keywords are contextual: only identifiers come out of the lexer; the parser decides.
//! * Strings: `'…'` with escapes (`\\`, `\'`, `\n`, `\r`, `\t`, `\$`, `\u{…}`) and `${…}`
//!   interpolation, lexed as pieces (`StringLeft`, `StringMiddle`, `StringRight`) around the
//!   expression tokens; `'''…'''` verbatim; `$'''…'''` (any number of `$`) verbatim with
//!   interpolation opened by that many `$` before `{`.
//! * `#disable-next-line …`, `#disable-diagnostics …`, `#restore-diagnostics …`: pragma tokens
//!   running to the end of the line.
//!
//! Linear in the input, never panics: every byte is consumed by one token or one error, and an
//! unterminated string or comment ends at the end of the text with an error.

use std::ops::Range;

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An identifier or contextual keyword (`param`, `resource`, `if`…).
    Identifier,
    /// An integer literal.
    Integer,
    /// A string without interpolation; its value, unescaped.
    String(String),
    /// The text before the first `${` of an interpolated string.
    StringLeft(String),
    /// The text between a `}` and the next `${`.
    StringMiddle(String),
    /// The text after the last `}`, up to the closing quote.
    StringRight(String),
    /// A `#disable-next-line`/`#disable-diagnostics`/`#restore-diagnostics` line.
    Pragma,
    /// A line break (`\n` or `\r\n`).
    NewLine,
    /// Punctuation or an operator (`{`, `?.`, `??`, `=>`, `...`…), as written.
    Symbol(&'static str),
    /// A character that starts no token.
    Unknown,
    /// The end of the text.
    End,
}

/// A token and its bytes in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    /// What it is.
    pub(crate) kind: TokenKind,
    /// Its bytes.
    pub(crate) span: Range<u32>,
}

/// A lexical error and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    /// Where.
    pub(crate) at: Range<u32>,
    /// What is wrong, as a sentence fragment.
    pub(crate) message: &'static str,
}

/// Operators and punctuation, longest first (so `...` wins over `.`, `??` over `?`).
const SYMBOLS: [&str; 33] = [
    "...", "&&", "||", "==", "!=", "<=", ">=", "=>", "??", "?.", "::", ".?", "{", "}", "[", "]",
    "(", ")", ",", ".", ":", "?", "=", "<", ">", "+", "-", "*", "/", "%", "!", "@", "^",
];

/// Where the lexer is: in code, or in the code of an interpolation (`${…}`) of a string whose
/// kind is remembered, with the depth of the braces opened inside it.
#[derive(Clone, Copy)]
enum Hole {
    /// In a `'…'` string's `${`.
    Quoted { braces: u32 },
    /// In a `$'''…'''` string's interpolation, opened by `dollars` `$`.
    Verbatim { braces: u32, dollars: usize },
}

/// Lexes `text`.
pub(crate) fn lex(text: &str) -> (Vec<Token>, Vec<LexError>) {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
        holes: Vec::new(),
    };
    lexer.run();
    (lexer.tokens, lexer.errors)
}

struct Lexer<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<LexError>,
    holes: Vec<Hole>,
}

impl Lexer<'_> {
    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            span: start as u32..self.pos as u32,
        });
    }

    fn error(&mut self, start: usize, message: &'static str) {
        self.errors.push(LexError {
            at: start as u32..self.pos.max(start + 1).min(self.bytes.len().max(start)) as u32,
            message,
        });
    }

    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let b = self.bytes[self.pos];
            match b {
                b' ' | b'\t' => self.pos += 1,
                b'\r' if self.bytes.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.push(TokenKind::NewLine, start);
                }
                b'\n' | b'\r' => {
                    self.pos += 1;
                    self.push(TokenKind::NewLine, start);
                }
                b'/' if self.bytes.get(self.pos + 1) == Some(&b'/') => {
                    self.pos = memchr::memchr2(b'\n', b'\r', &self.bytes[self.pos..])
                        .map_or(self.bytes.len(), |i| self.pos + i);
                }
                b'/' if self.bytes.get(self.pos + 1) == Some(&b'*') => {
                    match memchr::memmem::find(&self.bytes[self.pos + 2..], b"*/") {
                        Some(i) => self.pos += 2 + i + 2,
                        None => {
                            self.pos = self.bytes.len();
                            self.error(start, "unterminated `/*` comment");
                        }
                    }
                }
                b'#' if self.at_line_start(start) => {
                    self.pos = memchr::memchr2(b'\n', b'\r', &self.bytes[self.pos..])
                        .map_or(self.bytes.len(), |i| self.pos + i);
                    self.push(TokenKind::Pragma, start);
                }
                b'\'' if self.bytes[self.pos..].starts_with(b"'''") => self.verbatim(start, 0),
                b'$' => {
                    let dollars = self.bytes[self.pos..]
                        .iter()
                        .take_while(|&&c| c == b'$')
                        .count();
                    if self.bytes[self.pos + dollars..].starts_with(b"'''") {
                        self.pos += dollars;
                        self.verbatim(start, dollars);
                    } else {
                        self.pos += 1;
                        self.push(TokenKind::Unknown, start);
                        self.error(start, "unexpected `$`");
                    }
                }
                b'\'' => {
                    self.pos += 1;
                    self.quoted(start, true);
                }
                b'}' if self.close_hole() => {}
                b'0'..=b'9' => {
                    self.pos += self.bytes[self.pos..]
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                    self.push(TokenKind::Integer, start);
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    self.pos += self.bytes[self.pos..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                        .count();
                    self.push(TokenKind::Identifier, start);
                }
                _ => self.symbol(start),
            }
        }
        if !self.holes.is_empty() {
            self.error(self.bytes.len(), "unterminated string interpolation");
        }
        let end = self.bytes.len();
        self.pos = end;
        self.push(TokenKind::End, end);
    }

    /// Whether `at` is the first non-blank byte of its line.
    fn at_line_start(&self, at: usize) -> bool {
        self.bytes[..at]
            .iter()
            .rev()
            .take_while(|&&c| c != b'\n' && c != b'\r')
            .all(|&c| c == b' ' || c == b'\t')
    }

    fn symbol(&mut self, start: usize) {
        let rest = &self.bytes[self.pos..];
        if let Some(symbol) = SYMBOLS.iter().find(|s| rest.starts_with(s.as_bytes())) {
            self.pos += symbol.len();
            if *symbol == "{" {
                self.open_brace();
            }
            self.push(TokenKind::Symbol(symbol), start);
            return;
        }
        // One whole character, whatever its length.
        let len = self.text[self.pos..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        self.pos += len;
        self.push(TokenKind::Unknown, start);
        self.error(start, "unexpected character");
    }

    fn open_brace(&mut self) {
        if let Some(Hole::Quoted { braces } | Hole::Verbatim { braces, .. }) = self.holes.last_mut()
        {
            *braces += 1;
        }
    }

    /// At a `}`: closes a brace opened inside an interpolation (false: an ordinary `}`), or
    /// the interpolation itself, and then lexes the rest of its string (true).
    fn close_hole(&mut self) -> bool {
        match self.holes.last_mut() {
            Some(Hole::Quoted { braces } | Hole::Verbatim { braces, .. }) if *braces > 0 => {
                *braces -= 1;
                false
            }
            Some(Hole::Quoted { .. }) => {
                self.holes.pop();
                let start = self.pos;
                self.pos += 1;
                self.quoted(start, false);
                true
            }
            Some(Hole::Verbatim { dollars, .. }) => {
                let dollars = *dollars;
                self.holes.pop();
                let start = self.pos;
                self.pos += 1;
                self.verbatim_rest(start, dollars, false);
                true
            }
            None => false,
        }
    }

    /// The rest of a `'…'` string from `pos` (after its quote, or after an interpolation's
    /// `}`): up to the closing quote, or to a `${`.
    fn quoted(&mut self, start: usize, first: bool) {
        let mut value = String::new();
        loop {
            match self.bytes.get(self.pos) {
                // A quoted string does not span lines.
                None | Some(b'\n' | b'\r') => {
                    self.error(start, "unterminated string");
                    self.push(piece(value, first, true), start);
                    return;
                }
                Some(b'\'') => {
                    self.pos += 1;
                    self.push(piece(value, first, true), start);
                    return;
                }
                Some(b'$') if self.bytes.get(self.pos + 1) == Some(&b'{') => {
                    self.pos += 2;
                    self.push(piece(value, first, false), start);
                    self.holes.push(Hole::Quoted { braces: 0 });
                    return;
                }
                Some(b'\\') => self.escape(&mut value),
                _ => {
                    let c = self.text[self.pos..].chars().next().unwrap_or('\u{FFFD}');
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// An escape sequence at `pos` (on the backslash), its character added to `value`.
    fn escape(&mut self, value: &mut String) {
        let start = self.pos;
        self.pos += 1;
        let Some(&b) = self.bytes.get(self.pos) else {
            self.error(start, "unterminated escape sequence");
            return;
        };
        self.pos += 1;
        match b {
            b'\\' => value.push('\\'),
            b'\'' => value.push('\''),
            b'n' => value.push('\n'),
            b'r' => value.push('\r'),
            b't' => value.push('\t'),
            b'$' => value.push('$'),
            b'u' if self.bytes.get(self.pos) == Some(&b'{') => {
                let digits = self.bytes[self.pos + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_hexdigit())
                    .count();
                let close = self.pos + 1 + digits;
                let code = (digits > 0 && digits <= 6 && self.bytes.get(close) == Some(&b'}'))
                    .then(|| u32::from_str_radix(&self.text[self.pos + 1..close], 16).ok())
                    .flatten()
                    .and_then(char::from_u32);
                match code {
                    Some(c) => {
                        value.push(c);
                        self.pos = close + 1;
                    }
                    None => self.error(start, "invalid `\\u{…}` escape"),
                }
            }
            _ => {
                // The escaped character is kept as written; the escape is an error.
                self.pos -= 1;
                self.error(start, "unknown escape sequence");
            }
        }
    }

    /// A `'''…'''` string (`dollars` `$` before it: interpolation opened by that many `$`
    /// before `{`), from `pos` at its opening quotes.
    fn verbatim(&mut self, start: usize, dollars: usize) {
        self.pos += 3;
        self.verbatim_rest(start, dollars, true);
    }

    fn verbatim_rest(&mut self, start: usize, dollars: usize, first: bool) {
        let from = self.pos;
        loop {
            let rest = &self.bytes[self.pos..];
            if rest.is_empty() {
                self.error(start, "unterminated multi-line string");
                let value = self.text[from..].to_owned();
                self.push(piece(value, first, true), start);
                return;
            }
            if rest.starts_with(b"'''") {
                // Quotes beyond the third belong to the string (`''''` ends with a quote).
                let quotes = rest.iter().take_while(|&&c| c == b'\'').count();
                let value = self.text[from..self.pos + quotes - 3].to_owned();
                self.pos += quotes;
                self.push(piece(value, first, true), start);
                return;
            }
            if dollars > 0
                && rest.len() > dollars
                && rest[..dollars].iter().all(|&c| c == b'$')
                && rest[dollars] == b'{'
            {
                let value = self.text[from..self.pos].to_owned();
                self.pos += dollars + 1;
                self.push(piece(value, first, false), start);
                self.holes.push(Hole::Verbatim { braces: 0, dollars });
                return;
            }
            let c = self.text[self.pos..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
            self.pos += c;
        }
    }
}

/// The token of a piece of a string: whole, before the first interpolation, between two,
/// or after the last.
fn piece(value: String, first: bool, last: bool) -> TokenKind {
    match (first, last) {
        (true, true) => TokenKind::String(value),
        (true, false) => TokenKind::StringLeft(value),
        (false, false) => TokenKind::StringMiddle(value),
        (false, true) => TokenKind::StringRight(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        let (tokens, errors) = lex(text);
        assert!(errors.is_empty(), "{errors:?}");
        tokens.into_iter().map(|t| t.kind).collect()
    }

    fn s(text: &str) -> TokenKind {
        TokenKind::String(text.into())
    }

    use TokenKind::{End, Identifier as Id, Integer, NewLine, Symbol};

    #[test]
    fn declarations_newlines_and_comments() {
        let text = "param image string = 'x' // trailing\n/* block\n */var n = 3\r\n";
        assert_eq!(
            kinds(text),
            [
                Id,
                Id,
                Id,
                Symbol("="),
                s("x"),
                NewLine,
                Id,
                Id,
                Symbol("="),
                Integer,
                NewLine,
                End
            ]
        );
    }

    #[test]
    fn operators_take_the_longest_match() {
        assert_eq!(
            kinds("a?.b ?? c.?d ...e x::y a[^1] !b => c != d && e"),
            [
                Id,
                Symbol("?."),
                Id,
                Symbol("??"),
                Id,
                Symbol(".?"),
                Id,
                Symbol("..."),
                Id,
                Id,
                Symbol("::"),
                Id,
                Id,
                Symbol("["),
                Symbol("^"),
                Integer,
                Symbol("]"),
                Symbol("!"),
                Id,
                Symbol("=>"),
                Id,
                Symbol("!="),
                Id,
                Symbol("&&"),
                Id,
                End
            ]
        );
    }

    #[test]
    fn strings_unescape_and_interpolate_with_nested_braces() {
        assert_eq!(kinds(r"'a\'b\\c\n\u{1F600}\$'"), [s("a'b\\c\n😀$"), End]);
        assert_eq!(
            kinds("'vm-${name}-${ {a: 1}.a }'"),
            [
                TokenKind::StringLeft("vm-".into()),
                Id,
                TokenKind::StringMiddle("-".into()),
                Symbol("{"),
                Id,
                Symbol(":"),
                Integer,
                Symbol("}"),
                Symbol("."),
                Id,
                TokenKind::StringRight(String::new()),
                End
            ]
        );
        // A string inside an interpolation.
        assert_eq!(
            kinds("'a${f('b${c}')}d'"),
            [
                TokenKind::StringLeft("a".into()),
                Id,
                Symbol("("),
                TokenKind::StringLeft("b".into()),
                Id,
                TokenKind::StringRight(String::new()),
                Symbol(")"),
                TokenKind::StringRight("d".into()),
                End
            ]
        );
    }

    #[test]
    fn multi_line_strings_are_verbatim_and_dollar_strings_interpolate() {
        assert_eq!(
            kinds("'''\nline ${x} \\n\n'''"),
            [s("\nline ${x} \\n\n"), End]
        );
        assert_eq!(kinds("''''quoted''''"), [s("'quoted'"), End]);
        assert_eq!(
            kinds("$$'''a ${not} $${yes} b'''"),
            [
                TokenKind::StringLeft("a ${not} ".into()),
                Id,
                TokenKind::StringRight(" b".into()),
                End
            ]
        );
    }

    #[test]
    fn pragmas_and_decorators() {
        assert_eq!(
            kinds("#disable-next-line no-unused-params\n@description('d')\nparam p int"),
            [
                TokenKind::Pragma,
                NewLine,
                Symbol("@"),
                Id,
                Symbol("("),
                s("d"),
                Symbol(")"),
                NewLine,
                Id,
                Id,
                Id,
                End
            ]
        );
    }

    #[test]
    fn errors_are_located_and_the_rest_is_lexed() {
        let (tokens, errors) = lex("var a = 'open\nvar b = 1 ¤ /* never");
        let messages: Vec<&str> = errors.iter().map(|e| e.message).collect();
        assert_eq!(
            messages,
            [
                "unterminated string",
                "unexpected character",
                "unterminated `/*` comment"
            ]
        );
        assert!(tokens.iter().any(|t| t.kind == Integer));
        assert_eq!(tokens.last().map(|t| &t.kind), Some(&End));
        let (_, errors) = lex("'a${b");
        assert_eq!(
            errors.last().map(|e| e.message),
            Some("unterminated string interpolation")
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_lexes_without_panic_in_linear_tokens(text in "\\PC{0,200}|['$'{}\\\\u\\n a-z0-9#/*]{0,200}") {
            let (tokens, _) = lex(&text);
            proptest::prop_assert!(tokens.len() <= text.len() + 1);
            let mut last = 0;
            for t in &tokens {
                proptest::prop_assert!(t.span.start >= last && t.span.end as usize <= text.len());
                last = t.span.start;
            }
        }
    }
}
