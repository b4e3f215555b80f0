//! The Bicep lexer: text → tokens with byte spans, token for token as the compiler's `Lexer.cs`
//! (Azure/bicep, `src/Bicep.Core/Parsing/Lexer.cs`) makes them, with its `TokenType` names.
//!
//! * Newlines are tokens (Bicep's statements end at a newline); adjacent line breaks (`\n`,
//!   `\r`, in any mix, without blanks between) are one token.
//! * Whitespace, comments (`//`, `/* */`) and pragmas (`#disable-next-line …`,
//!   `#disable-diagnostics …`, `#restore-diagnostics …` at the start of a line) are trivia:
//!   no tokens; the pragmas' spans are kept in [`Lexed::pragmas`].
//! * `true`, `false` and `null` are keywords; every other word is an `Identifier` (the parser
//!   tells `param`, `resource`, `if`… apart).
//! * Strings: `'…'` with escapes and `${…}` interpolation, lexed as pieces
//!   (`StringLeftPiece`, `StringMiddlePiece`, `StringRightPiece`, each with its delimiters:
//!   `'a${`, `}b${`, `}c'`) around the expression tokens; `'''…'''` verbatim; `$'''…'''` (any
//!   number of `$`) verbatim with interpolation opened by at least that many `$` before `{`.
//!   [`string_value`] gives a piece's value.
//!
//! Linear in the input, never panics: every byte is in one token or trivia, and errors
//! (unterminated strings and comments, unknown characters, bad escapes) are located.

use std::borrow::Cow;
use std::ops::Range;

/// What a token is: the compiler's `TokenType`, name for name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TokenKind {
    /// `@`
    At,
    /// A character that starts no token (`"`, `&`, `~`, a lone `$`, a non-ASCII letter…), or `#` not starting a pragma.
    Unrecognized,
    /// `{`
    LeftBrace,
    /// `}`
    RightBrace,
    /// `(`
    LeftParen,
    /// `)`
    RightParen,
    /// `[`
    LeftSquare,
    /// `]`
    RightSquare,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `?`
    Question,
    /// `:`
    Colon,
    /// `;`
    Semicolon,
    /// `=`
    Assignment,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Asterisk,
    /// `/`
    Slash,
    /// `%`
    Modulo,
    /// `!`
    Exclamation,
    /// `<`
    LeftChevron,
    /// `>`
    RightChevron,
    /// `<=`
    LessThanOrEqual,
    /// `>=`
    GreaterThanOrEqual,
    /// `==`
    Equals,
    /// `!=`
    NotEquals,
    /// `=~`
    EqualsInsensitive,
    /// `!~`
    NotEqualsInsensitive,
    /// `&&`
    LogicalAnd,
    /// `||`
    LogicalOr,
    /// A name or contextual keyword (`param`, `resource`, `if`…).
    Identifier,
    /// A string up to its first interpolation, delimiters included: `'a${`, `$'''a${`.
    StringLeftPiece,
    /// A string between two interpolations: `}b${`.
    StringMiddlePiece,
    /// A string after its last interpolation: `}c'`, `}c'''` (empty when a line break ends an interpolated `'…'` string).
    StringRightPiece,
    /// A string without interpolation: `'…'`, `'''…'''`, `$'''…'''`.
    StringComplete,
    /// Digits.
    Integer,
    /// `true`
    TrueKeyword,
    /// `false`
    FalseKeyword,
    /// `null`
    NullKeyword,
    /// Adjacent line breaks (`\n`, `\r`, any mix).
    NewLine,
    /// The end (empty).
    EndOfFile,
    /// `??`
    DoubleQuestion,
    /// `::`
    DoubleColon,
    /// `=>`
    Arrow,
    /// `|`
    Pipe,
    /// `...`
    Ellipsis,
    /// `^`
    Hat,
    /// In the compiler's `TokenType` but never made by its lexer (a lone `$` is
    /// `Unrecognized`); kept for the names to match.
    #[allow(dead_code)]
    Dollar,
}

impl TokenKind {
    /// Whether this is one of the four string tokens.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn is_string(self) -> bool {
        matches!(
            self,
            TokenKind::StringComplete
                | TokenKind::StringLeftPiece
                | TokenKind::StringMiddlePiece
                | TokenKind::StringRightPiece
        )
    }
}

/// A token and its bytes in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    /// What it is.
    pub(crate) kind: TokenKind,
    /// Whether this is a piece of a `'…'` string that the lexer found between its delimiters
    /// (`'` or `}` before, `'` or `${` after) with no escape in it: its value is its text
    /// between them, known without looking at it again ([`strings_valid`],
    /// [`try_string_value`], [`string_values`]; most strings are such, and every string the
    /// parser reads is checked, every one the lowering reads is decoded). It fits in the
    /// token's padding: a token stays twelve bytes.
    pub(crate) plain: bool,
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

/// What the lexer makes of a text.
#[derive(Clone, Debug, Default)]
pub(crate) struct Lexed {
    /// The tokens, the last one `EndOfFile` (empty, at the end).
    pub(crate) tokens: Vec<Token>,
    /// The errors, in order.
    pub(crate) errors: Vec<LexError>,
    /// The diagnostics pragmas (`#disable-next-line code…` and the like): keyword and codes.
    pub(crate) pragmas: Vec<Range<u32>>,
    /// Where the text goes on past the most tokens the lexer was allowed (the first token
    /// beyond them): the tokens stop there.
    pub(crate) beyond: Option<Range<u32>>,
}

/// The pragma keywords (after `#`).
const PRAGMAS: [&str; 3] = [
    "disable-next-line",
    "disable-diagnostics",
    "restore-diagnostics",
];

/// The bytes that go on an identifier: ASCII letters, digits and `_`.
const IDENTIFIER: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = (c as u8).is_ascii_alphanumeric() || c == b'_' as usize;
        c += 1;
    }
    table
};

/// How many bytes at the start of `bytes` are `part`s (a run of blanks, line breaks, digits,
/// identifier characters), counted over the slice in one loop.
fn run(bytes: &[u8], part: impl Fn(u8) -> bool) -> usize {
    bytes.iter().position(|&c| !part(c)).unwrap_or(bytes.len())
}

/// The longest identifier the compiler accepts.
const MAX_IDENTIFIER_LENGTH: usize = 255;

/// An open interpolation or brace, as the compiler's template stack has them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// A `{` opened inside an interpolation. (The compiler never pops these: a `}` seen while
    /// one is on top is a `RightBrace`, whatever it closes. Kept so, token for token.)
    Brace,
    /// A `'…${` string.
    Quoted,
    /// A `$'''…${` string, with its number of `$`.
    Verbatim(usize),
}

/// Lexes `text`.
#[cfg(test)]
pub(crate) fn lex(text: &str) -> Lexed {
    lex_within(text, usize::MAX)
}

/// Lexes `text` into at most `max_tokens` tokens besides the end: past them the tokens stop
/// and [`Lexed::beyond`] says where (what is held stays bounded whatever the text).
pub(crate) fn lex_within(text: &str, max_tokens: usize) -> Lexed {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        out: Lexed {
            tokens: Vec::with_capacity((text.len() / 4).min(max_tokens) + 1),
            ..Lexed::default()
        },
        stack: Vec::new(),
        max_tokens,
        plain: false,
    };
    lexer.run();
    lexer.out
}

/// The lexer's state.
struct Lexer<'t> {
    /// The text.
    text: &'t str,
    /// The text's bytes.
    bytes: &'t [u8],
    /// Where the lexer is.
    pos: usize,
    /// The tokens, errors and pragmas so far.
    out: Lexed,
    /// The open interpolations and braces (the compiler's template stack).
    stack: Vec<Open>,
    /// The most tokens made, the end aside.
    max_tokens: usize,
    /// Whether the token just made is a plain string piece ([`Token::plain`]).
    plain: bool,
}

impl Lexer<'_> {
    /// The byte `ahead` bytes on.
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    /// Records an error.
    fn error(&mut self, at: Range<usize>, message: &'static str) {
        self.out.errors.push(LexError {
            at: at.start as u32..at.end as u32,
            message,
        });
    }

    /// Lexes the whole text.
    fn run(&mut self) {
        // A byte order mark is not text.
        if self.text.starts_with('\u{FEFF}') {
            self.pos = 3;
        }
        loop {
            self.trivia();
            let start = self.pos;
            let kind = self.token();
            if kind != TokenKind::EndOfFile && self.out.tokens.len() >= self.max_tokens {
                self.out.beyond = Some(start as u32..self.pos as u32);
                let end = self.text.len() as u32;
                self.out.tokens.push(Token {
                    kind: TokenKind::EndOfFile,
                    plain: false,
                    span: end..end,
                });
                return;
            }
            if kind == TokenKind::Unrecognized {
                self.error(start..self.pos, "unrecognized token");
            }
            self.out.tokens.push(Token {
                kind,
                plain: std::mem::take(&mut self.plain),
                span: start as u32..self.pos as u32,
            });
            if kind == TokenKind::EndOfFile {
                return;
            }
        }
    }

    /// Skips whitespace, comments and pragmas.
    fn trivia(&mut self) {
        while let Some(b) = self.peek(0) {
            match b {
                b' ' | b'\t' => {
                    // Indentation comes in runs: the whole run at once, over the slice (not
                    // a byte per turn of this loop, each through `peek` and the match).
                    self.pos += run(&self.bytes[self.pos..], |c| c == b' ' || c == b'\t');
                }
                b'/' if self.peek(1) == Some(b'/') => {
                    self.pos = memchr::memchr2(b'\n', b'\r', &self.bytes[self.pos..])
                        .map_or(self.bytes.len(), |i| self.pos + i);
                }
                b'/' if self.peek(1) == Some(b'*') => {
                    let start = self.pos;
                    match memchr::memmem::find(&self.bytes[self.pos + 2..], b"*/") {
                        Some(i) => self.pos += 2 + i + 2,
                        None => {
                            self.pos = self.bytes.len();
                            self.error(start..self.pos, "unterminated multi-line comment");
                        }
                    }
                }
                b'#' if self.pragma() => {}
                _ => return,
            }
        }
    }

    /// A pragma at `pos` (on `#`), if there is one: true when consumed.
    fn pragma(&mut self) -> bool {
        let rest = &self.bytes[self.pos + 1..];
        let Some(keyword) = PRAGMAS.iter().find(|k| rest.starts_with(k.as_bytes())) else {
            return false;
        };
        // Only blanks before it on its line: looking back over the blanks alone keeps a long
        // line of `#disable-next-line` not at its start linear, not quadratic.
        let blanks = self.bytes[..self.pos]
            .iter()
            .rev()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        let before = self.pos - blanks;
        if before > 0 && !matches!(self.bytes[before - 1], b'\n' | b'\r') {
            return false;
        }
        let start = self.pos;
        self.pos += 1 + keyword.len();
        // Codes: identifier characters and `-`, separated by blanks; anything else ends the
        // pragma (it is lexed as code), and so do blanks after the last code.
        let mut end = self.pos;
        let mut codes = false;
        while let Some(c) = self.peek(0) {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
                self.pos += 1;
                end = self.pos;
                codes = true;
            } else if c == b' ' || c == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if codes {
            self.pos = end;
        } else {
            self.error(start..self.pos, "a pragma without diagnostic codes");
        }
        self.out.pragmas.push(start as u32..self.pos as u32);
        true
    }

    /// One token from `pos` (trivia skipped).
    fn token(&mut self) -> TokenKind {
        use TokenKind as K;
        let Some(b) = self.peek(0) else {
            return K::EndOfFile;
        };
        self.pos += 1;
        let next = self.peek(0);
        match b {
            b'{' => {
                if !self.stack.is_empty() {
                    self.stack.push(Open::Brace);
                }
                K::LeftBrace
            }
            b'}' => match self.stack.last() {
                Some(Open::Quoted) => {
                    let kind = self.quoted(false);
                    if kind == K::StringRightPiece {
                        self.stack.pop();
                    }
                    kind
                }
                Some(&Open::Verbatim(dollars)) => {
                    let kind = self.verbatim(false, dollars);
                    if kind == K::StringRightPiece {
                        self.stack.pop();
                    }
                    kind
                }
                _ => K::RightBrace,
            },
            b'(' => K::LeftParen,
            b')' => K::RightParen,
            b'[' => K::LeftSquare,
            b']' => K::RightSquare,
            b'@' => K::At,
            b',' => K::Comma,
            b'.' if next == Some(b'.') && self.peek(1) == Some(b'.') => {
                self.pos += 2;
                K::Ellipsis
            }
            b'.' => K::Dot,
            b'?' if next == Some(b'?') => self.two(K::DoubleQuestion),
            b'?' => K::Question,
            b':' if next == Some(b':') => self.two(K::DoubleColon),
            b':' => K::Colon,
            b';' => K::Semicolon,
            b'+' => K::Plus,
            b'-' => K::Minus,
            b'%' => K::Modulo,
            b'*' => K::Asterisk,
            b'/' => K::Slash,
            b'^' => K::Hat,
            b'$' => {
                let dollars = 1 + self.bytes[self.pos..]
                    .iter()
                    .take_while(|&&c| c == b'$')
                    .count();
                self.pos += dollars - 1;
                if self.bytes[self.pos..].starts_with(b"'''") {
                    self.pos += 3;
                    let kind = self.verbatim(true, dollars);
                    if kind == K::StringLeftPiece {
                        self.stack.push(Open::Verbatim(dollars));
                    }
                    kind
                } else {
                    K::Unrecognized
                }
            }
            b'!' if next == Some(b'=') => self.two(K::NotEquals),
            b'!' if next == Some(b'~') => self.two(K::NotEqualsInsensitive),
            b'!' => K::Exclamation,
            b'<' if next == Some(b'=') => self.two(K::LessThanOrEqual),
            b'<' => K::LeftChevron,
            b'>' if next == Some(b'=') => self.two(K::GreaterThanOrEqual),
            b'>' => K::RightChevron,
            b'=' if next == Some(b'=') => self.two(K::Equals),
            b'=' if next == Some(b'~') => self.two(K::EqualsInsensitive),
            b'=' if next == Some(b'>') => self.two(K::Arrow),
            b'=' => K::Assignment,
            b'&' if next == Some(b'&') => self.two(K::LogicalAnd),
            b'|' if next == Some(b'|') => self.two(K::LogicalOr),
            b'|' => K::Pipe,
            b'\'' if next == Some(b'\'') && self.peek(1) == Some(b'\'') => {
                self.pos += 2;
                self.verbatim(true, 0)
            }
            b'\'' => {
                let kind = self.quoted(true);
                if kind == K::StringLeftPiece {
                    self.stack.push(Open::Quoted);
                }
                kind
            }
            b'\n' | b'\r' if !self.stack.is_empty() => {
                // A newline in an interpolation ends the string: an empty right piece.
                self.pos -= 1;
                self.error(self.pos..self.pos, "unterminated string (a newline)");
                self.stack.clear();
                K::StringRightPiece
            }
            b'\n' | b'\r' => {
                self.pos += run(&self.bytes[self.pos..], |c| c == b'\n' || c == b'\r');
                K::NewLine
            }
            b'0'..=b'9' => {
                self.pos += run(&self.bytes[self.pos..], |c| c.is_ascii_digit());
                K::Integer
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = self.pos - 1;
                self.pos += run(&self.bytes[self.pos..], |c| IDENTIFIER[c as usize]);
                // Compared as bytes: a `str` slice would check both ends for character
                // boundaries (they are: the word is ASCII).
                match &self.bytes[start..self.pos] {
                    b"true" => K::TrueKeyword,
                    b"false" => K::FalseKeyword,
                    b"null" => K::NullKeyword,
                    word => {
                        if word.len() > MAX_IDENTIFIER_LENGTH {
                            self.error(start..self.pos, "identifier longer than 255 characters");
                        }
                        K::Identifier
                    }
                }
            }
            _ => {
                // One whole character, whatever its length.
                let start = self.pos - 1;
                self.pos = start + self.text[start..].chars().next().map_or(1, char::len_utf8);
                K::Unrecognized
            }
        }
    }

    /// A two-character token whose first character is consumed.
    fn two(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 1;
        kind
    }

    /// The rest of a `'…'` string's piece from `pos` (after its quote, or after an
    /// interpolation's `}`): up to the closing quote (included), or a `${` (included).
    fn quoted(&mut self, first: bool) -> TokenKind {
        let (end, more) = if first {
            (TokenKind::StringComplete, TokenKind::StringLeftPiece)
        } else {
            (TokenKind::StringRightPiece, TokenKind::StringMiddlePiece)
        };
        // Plain until an escape is seen (an unterminated piece is never plain).
        let mut plain = true;
        loop {
            let i = memchr::memchr3(b'\'', b'$', b'\\', &self.bytes[self.pos..])
                .map_or(self.bytes.len(), |i| self.pos + i);
            if let Some(nl) = memchr::memchr2(b'\n', b'\r', &self.bytes[self.pos..i]) {
                return self.unterminated_quoted(self.pos + nl, end);
            }
            if i == self.bytes.len() {
                return self.unterminated_quoted(i, end);
            }
            self.pos = i + 1;
            match self.bytes[i] {
                b'\'' => {
                    self.plain = plain;
                    return end;
                }
                b'$' if self.peek(0) == Some(b'{') => {
                    self.pos += 1;
                    self.plain = plain;
                    return more;
                }
                b'$' => {}
                _ => {
                    plain = false;
                    self.escape(i);
                }
            }
        }
    }

    /// Ends a `'…'` string piece at `at` (a line break or the end), with an error.
    fn unterminated_quoted(&mut self, at: usize, kind: TokenKind) -> TokenKind {
        self.pos = at;
        self.error(at..at, "unterminated string");
        kind
    }

    /// An escape sequence from `start` (its backslash), `pos` after the backslash.
    fn escape(&mut self, start: usize) {
        match self.peek(0) {
            None => self.error(start..self.pos, "unterminated escape sequence"),
            Some(b'n' | b'r' | b't' | b'\\' | b'\'') => self.pos += 1,
            Some(b'$') => {
                self.pos += 1;
                if self.peek(0) == Some(b'{') {
                    self.pos += 1;
                }
            }
            Some(b'u') => {
                self.pos += 1;
                if self.peek(0) != Some(b'{') {
                    if self.peek(0).is_some() {
                        self.error(start..self.pos, "invalid `\\u{…}` escape");
                    }
                    return;
                }
                self.pos += 1;
                let digits = self.bytes[self.pos..]
                    .iter()
                    .take_while(|c| c.is_ascii_hexdigit())
                    .count();
                let hex = &self.text[self.pos..self.pos + digits];
                self.pos += digits;
                match self.peek(0) {
                    None => {}
                    Some(b'}') if digits > 0 => {
                        self.pos += 1;
                        if code_point(hex).is_none() {
                            self.error(start..self.pos, "invalid `\\u{…}` escape");
                        }
                    }
                    Some(_) => self.error(start..self.pos, "invalid `\\u{…}` escape"),
                }
            }
            Some(_) => {
                let len = self.text[self.pos..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
                self.pos += len;
                self.error(start..self.pos, "unrecognized escape sequence");
            }
        }
    }

    /// The rest of a `'''…'''` string's piece (after its opening quotes, or an
    /// interpolation's `}`), interpolation opened by `dollars` (at least) `$` before `{`.
    fn verbatim(&mut self, first: bool, dollars: usize) -> TokenKind {
        let (end, more) = if first {
            (TokenKind::StringComplete, TokenKind::StringLeftPiece)
        } else {
            (TokenKind::StringRightPiece, TokenKind::StringMiddlePiece)
        };
        let start = self.pos;
        loop {
            let found = if dollars > 0 {
                memchr::memchr2(b'\'', b'$', &self.bytes[self.pos..])
            } else {
                memchr::memchr(b'\'', &self.bytes[self.pos..])
            };
            let Some(i) = found else {
                self.pos = self.bytes.len();
                self.error(start..self.pos, "unterminated multi-line string");
                return end;
            };
            self.pos += i;
            let c = self.bytes[self.pos];
            let run = self.bytes[self.pos..]
                .iter()
                .take_while(|&&x| x == c)
                .count();
            self.pos += run;
            if c == b'\'' && run >= 3 {
                return end;
            }
            if c == b'$' && run >= dollars && self.peek(0) == Some(b'{') {
                self.pos += 1;
                return more;
            }
        }
    }
}

/// A hexadecimal code point of at most U+10FFFF.
fn code_point(hex: &str) -> Option<u32> {
    let hex = hex.trim_start_matches('0');
    if hex.len() > 6 {
        return None;
    }
    u32::from_str_radix(if hex.is_empty() { "0" } else { hex }, 16)
        .ok()
        .filter(|&c| c <= 0x10FFFF)
}

/// Whether the string token `text` (its own text) is a piece of a `'''…'''` string (else of a
/// `'…'` one), and its number of `$` (0 without interpolation). Exact for the first piece of
/// a string (`StringComplete`, `StringLeftPiece`); for the later ones, the raw text cannot
/// always tell, see [`string_value`].
fn string_info(kind: TokenKind, text: &str) -> (bool, usize) {
    let b = text.as_bytes();
    match kind {
        TokenKind::StringComplete | TokenKind::StringLeftPiece => {
            let multi = b.len() > 2 && (b[0] == b'$' || b[1] == b'\'');
            (
                multi,
                if multi {
                    text.len() - text.trim_start_matches('$').len()
                } else {
                    0
                },
            )
        }
        TokenKind::StringRightPiece => {
            let quotes = b.iter().rev().take_while(|&&c| c == b'\'').count();
            (quotes >= 3, 1)
        }
        TokenKind::StringMiddlePiece if !b.is_empty() => {
            let multi = b.contains(&b'\n') || b.contains(&b'\r');
            let dollars = b[..b.len() - 1]
                .iter()
                .rev()
                .take_while(|&&c| c == b'$')
                .count();
            (multi, if multi { dollars } else { 1 })
        }
        _ => (false, 0),
    }
}

/// The value of a string token (`StringComplete`, `StringLeftPiece`, `StringMiddlePiece`,
/// `StringRightPiece`): its text without delimiters (`'`, `'''`, `$'''`, `${`, `}`), escapes
/// resolved in `'…'` strings; `'''…'''` strings lose a first line break. `None` when the token
/// is damaged (unterminated, a bad escape): the compiler's `TryGetRawStringSegments` then
/// gives no value and the parser skips the string.
///
/// A middle or right piece does not say which kind of string it belongs to: a right piece
/// ending in three quotes is of a `$'''` string, a middle piece with a line break too (then
/// all the `$` before its `{` are taken as the opener). [`string_values`] decides from the
/// first piece and is exact.
pub(crate) fn try_string_value<'t>(text: &'t str, token: &Token) -> Option<Cow<'t, str>> {
    let own = text.get(token.span.start as usize..token.span.end as usize)?;
    if token.plain {
        return plain_inner(own, token.kind).map(Cow::Borrowed);
    }
    let (multi, dollars) = string_info(token.kind, own);
    piece_value(own, token.kind, multi, dollars)
}

/// [`try_string_value`], or the text as written when the token is damaged.
pub(crate) fn string_value(text: &str, token: &Token) -> String {
    let own = text
        .get(token.span.start as usize..token.span.end as usize)
        .unwrap_or_default();
    try_string_value(text, token).map_or_else(|| own.to_owned(), Cow::into_owned)
}

/// The values of the string tokens of one string, in order (`None`: a damaged piece), the kind
/// of string told by the first.
pub(crate) fn string_values<'t>(text: &'t str, tokens: &[&Token]) -> Option<Vec<Cow<'t, str>>> {
    let first = tokens.first()?;
    let first_text = text.get(first.span.start as usize..first.span.end as usize)?;
    let (multi, dollars) = string_info(first.kind, first_text);
    tokens
        .iter()
        .map(|t| {
            let own = text.get(t.span.start as usize..t.span.end as usize)?;
            if t.plain && !multi {
                return plain_inner(own, t.kind).map(Cow::Borrowed);
            }
            piece_value(own, t.kind, multi, dollars)
        })
        .collect()
}

/// The text of a plain piece ([`Token::plain`], its text `own`) between its delimiters:
/// what [`piece_value`] gives it as a piece of a `'…'` string, without looking at its bytes
/// (the lexer did). `None` only for a token that is no string piece (never plain).
fn plain_inner(own: &str, kind: TokenKind) -> Option<&str> {
    // The delimiters are ASCII: `'` or `}` before, `'` or `${` after.
    let tail = match kind {
        TokenKind::StringComplete | TokenKind::StringRightPiece => 1,
        TokenKind::StringLeftPiece | TokenKind::StringMiddlePiece => 2,
        _ => return None,
    };
    own.get(1..own.len().checked_sub(tail)?)
}

/// A piece's text between its delimiters (`'`, `'''`, `$'''`, `${`, `}`), its string's kind
/// known; `None` when they are not there. Looked at in place: a piece's value is taken for
/// every string the parser reads, so no delimiter is built.
fn piece_inner(own: &str, kind: TokenKind, multi: bool, dollars: usize) -> Option<&str> {
    use TokenKind as K;
    // Each delimiter is a number of `$` and a fixed text: `'''` strings are opened by
    // `dollars` `$` and `'''`, their interpolations by `dollars` `$` and `{`.
    let (start_dollars, start, end_dollars, end): (usize, &[u8], usize, &[u8]) = match (multi, kind)
    {
        (false, K::StringComplete) => (0, b"'", 0, b"'"),
        (false, K::StringLeftPiece) => (0, b"'", 1, b"{"),
        (false, K::StringMiddlePiece) => (0, b"}", 1, b"{"),
        (false, K::StringRightPiece) => (0, b"}", 0, b"'"),
        (true, K::StringComplete) => (dollars, b"'''", 0, b"'''"),
        (true, K::StringLeftPiece) if dollars > 0 => (dollars, b"'''", dollars, b"{"),
        (true, K::StringMiddlePiece) if dollars > 0 => (0, b"}", dollars, b"{"),
        (true, K::StringRightPiece) if dollars > 0 => (0, b"}", 0, b"'''"),
        _ => return None,
    };
    let b = own.as_bytes();
    let head = start_dollars.checked_add(start.len())?;
    let tail = end_dollars.checked_add(end.len())?;
    if b.len() < head.checked_add(tail)?
        || !b[..start_dollars].iter().all(|&c| c == b'$')
        || &b[start_dollars..head] != start
        || !b[b.len() - tail..b.len() - end.len()]
            .iter()
            .all(|&c| c == b'$')
        || &b[b.len() - end.len()..] != end
    {
        return None;
    }
    // Both ends are ASCII: these are character boundaries.
    own.get(head..own.len() - tail)
}

/// Whether every string token of one string has a value ([`string_values`] is `Some`),
/// without building the values: what the parser asks of each string it reads.
pub(crate) fn strings_valid<'a>(
    text: &str,
    mut tokens: impl Iterator<Item = &'a Token> + Clone,
) -> bool {
    // Plain pieces are valid pieces of a `'…'` string, as the first one says the string is.
    let mut all = tokens.clone();
    if all.next().is_some_and(|t| t.plain) && all.all(|t| t.plain) {
        return true;
    }
    let Some(first) = tokens.next() else {
        return false;
    };
    let Some(first_text) = text.get(first.span.start as usize..first.span.end as usize) else {
        return false;
    };
    let (multi, dollars) = string_info(first.kind, first_text);
    std::iter::once(first).chain(tokens).all(|t| {
        text.get(t.span.start as usize..t.span.end as usize)
            .is_some_and(|own| piece_valid(own, t.kind, multi, dollars))
    })
}

/// Whether [`piece_value`] is `Some`, without building the value when no escape needs it.
fn piece_valid(own: &str, kind: TokenKind, multi: bool, dollars: usize) -> bool {
    match piece_inner(own, kind, multi, dollars) {
        None => false,
        Some(inner) if multi || !has_escape_or_quote(inner) => true,
        Some(_) => piece_value(own, kind, multi, dollars).is_some(),
    }
}

/// Whether a `'…'` string's text holds a backslash or a quote: only then is its value not
/// the text itself (looked for a word at a time, not a character at a time).
fn has_escape_or_quote(inner: &str) -> bool {
    memchr::memchr2(b'\\', b'\'', inner.as_bytes()).is_some()
}

/// One piece's value, its string's kind known.
fn piece_value(own: &str, kind: TokenKind, multi: bool, dollars: usize) -> Option<Cow<'_, str>> {
    let inner = piece_inner(own, kind, multi, dollars)?;
    if multi {
        let mut inner = inner;
        if matches!(kind, TokenKind::StringComplete | TokenKind::StringLeftPiece) {
            inner = inner.strip_prefix('\r').unwrap_or(inner);
            inner = inner.strip_prefix('\n').unwrap_or(inner);
        }
        return Some(Cow::Borrowed(inner));
    }
    if !has_escape_or_quote(inner) {
        return Some(Cow::Borrowed(inner));
    }
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => return None,
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    '\\' => value.push('\\'),
                    '\'' => value.push('\''),
                    '$' => value.push('$'),
                    'u' => {
                        let rest = &inner[i + 2..];
                        let close = rest.find('}')?;
                        let hex = rest.get(1..close)?;
                        if !rest.starts_with('{')
                            || hex.is_empty()
                            || !hex.bytes().all(|b| b.is_ascii_hexdigit())
                        {
                            return None;
                        }
                        let code = code_point(hex)?;
                        // A lone surrogate has no `char`: the replacement character stands in.
                        value.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        for _ in 0..=close {
                            chars.next();
                        }
                    }
                    _ => return None,
                }
            }
            c => value.push(c),
        }
    }
    Some(Cow::Owned(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind as K;

    /// The kinds of `text`'s tokens (no errors allowed).
    fn kinds(text: &str) -> Vec<TokenKind> {
        let lexed = lex(text);
        assert!(lexed.errors.is_empty(), "{:?}", lexed.errors);
        lexed.tokens.into_iter().map(|t| t.kind).collect()
    }

    /// The texts of `text`'s tokens.
    fn texts(text: &str) -> Vec<&str> {
        lex(text)
            .tokens
            .iter()
            .map(|t| &text[t.span.start as usize..t.span.end as usize])
            .collect()
    }

    /// The values of `text`'s string tokens.
    fn values(text: &str) -> Vec<String> {
        lex(text)
            .tokens
            .iter()
            .filter(|t| t.kind.is_string())
            .map(|t| string_value(text, t))
            .collect()
    }

    /// Declarations newlines and comments.
    #[test]
    fn declarations_newlines_and_comments() {
        let text = "param image string = 'x' // trailing\n/* block\n */var n = 3\r\n\n";
        assert_eq!(
            kinds(text),
            [
                K::Identifier,
                K::Identifier,
                K::Identifier,
                K::Assignment,
                K::StringComplete,
                K::NewLine,
                K::Identifier,
                K::Identifier,
                K::Assignment,
                K::Integer,
                K::NewLine,
                K::EndOfFile
            ]
        );
        assert_eq!(texts(text)[10], "\r\n\n");
        assert_eq!(
            kinds("a\n \nb")[1..4],
            [K::NewLine, K::NewLine, K::Identifier]
        );
    }

    /// Operators take the longest match.
    #[test]
    fn operators_take_the_longest_match() {
        assert_eq!(
            texts("a?.b ?? c.?d ...e x::y a[^1] !b => c != d && e =~ f !~ g || h | i <= j >= k"),
            [
                "a", "?", ".", "b", "??", "c", ".", "?", "d", "...", "e", "x", "::", "y", "a", "[",
                "^", "1", "]", "!", "b", "=>", "c", "!=", "d", "&&", "e", "=~", "f", "!~", "g",
                "||", "h", "|", "i", "<=", "j", ">=", "k", ""
            ]
        );
        assert_eq!(
            kinds("true false null nullable"),
            [
                K::TrueKeyword,
                K::FalseKeyword,
                K::NullKeyword,
                K::Identifier,
                K::EndOfFile
            ]
        );
    }

    /// Strings unescape and interpolate.
    #[test]
    fn strings_unescape_and_interpolate() {
        assert_eq!(values(r"'a\'b\\c\n\u{1F600}\$'"), ["a'b\\c\n😀$"]);
        assert_eq!(
            texts("'vm-${name}-${ {a: 1}.a }'"),
            [
                "'vm-${", "name", "}-${", "{", "a", ":", "1", "}", ".", "a", "}", "'", ""
            ]
        );
        assert_eq!(
            texts("'a${f('b${c}')}d'"),
            ["'a${", "f", "(", "'b${", "c", "}'", ")", "}d'", ""]
        );
        assert_eq!(values("'a${f('b${c}')}d'"), ["a", "b", "", "d"]);
        assert_eq!(values(r"'\${x}'"), ["${x}"]);
    }

    /// Multi line strings are verbatim and dollar strings interpolate.
    #[test]
    fn multi_line_strings_are_verbatim_and_dollar_strings_interpolate() {
        assert_eq!(values("'''\nline ${x} \\n\n'''"), ["line ${x} \\n\n"]);
        assert_eq!(values("''''quoted''''"), ["'quoted'"]);
        assert_eq!(
            texts("$$'''a ${not} $${yes} $$${too} b'''"),
            ["$$'''a ${not} $${", "yes", "} $$${", "too", "} b'''", ""]
        );
        let text = "$$'''\na ${not} $${yes} $$${too} b'''";
        let lexed = lex(text);
        let strings: Vec<&Token> = lexed.tokens.iter().filter(|t| t.kind.is_string()).collect();
        let values: Vec<String> = string_values(text, &strings)
            .unwrap()
            .into_iter()
            .map(Cow::into_owned)
            .collect();
        assert_eq!(values, ["a ${not} ", " $", " b"]);
    }

    /// Pragmas are trivia and kept.
    #[test]
    fn pragmas_are_trivia_and_kept() {
        let text =
            "#disable-next-line no-unused-params BCP1 // why\n@description('d')\nparam p int";
        let lexed = lex(text);
        assert_eq!(lexed.tokens[0].kind, K::NewLine);
        assert_eq!(lexed.pragmas.len(), 1);
        let p = &lexed.pragmas[0];
        assert_eq!(
            &text[p.start as usize..p.end as usize],
            "#disable-next-line no-unused-params BCP1"
        );
        // Not at the start of a line: an unrecognized `#`.
        assert_eq!(
            lex("a #disable-next-line x").tokens[1].kind,
            K::Unrecognized
        );
    }

    /// Errors are located and the rest is lexed.
    #[test]
    fn errors_are_located_and_the_rest_is_lexed() {
        let lexed = lex("var a = 'open\nvar b = 1 ¤ /* never");
        let messages: Vec<&str> = lexed.errors.iter().map(|e| e.message).collect();
        assert_eq!(
            messages,
            [
                "unterminated string",
                "unrecognized token",
                "unterminated multi-line comment"
            ]
        );
        assert!(lexed.tokens.iter().any(|t| t.kind == K::Integer));
        assert_eq!(lexed.tokens.last().map(|t| t.kind), Some(K::EndOfFile));
        let lexed = lex("'a${b\nc");
        assert_eq!(
            lexed.tokens.iter().map(|t| t.kind).collect::<Vec<_>>(),
            [
                K::StringLeftPiece,
                K::Identifier,
                K::StringRightPiece,
                K::NewLine,
                K::Identifier,
                K::EndOfFile
            ]
        );
        assert_eq!(try_string_value("'a\\qb'", &lex("'a\\qb'").tokens[0]), None);
    }

    proptest::proptest! {
        /// Any text: no panic, tokens in order and within the text.
        #[test]
        fn any_text_lexes_without_panic_in_linear_tokens(text in "\\PC{0,200}|['$'{}\\\\u\\n a-z0-9#/*]{0,200}") {
            let lexed = lex(&text);
            proptest::prop_assert!(lexed.tokens.len() <= text.len() + 1);
            let mut last = 0;
            for t in &lexed.tokens {
                proptest::prop_assert!(t.span.start >= last && t.span.end as usize <= text.len());
                proptest::prop_assert!(t.span.start <= t.span.end);
                last = t.span.end;
                let _ = try_string_value(&text, t);
                // A plain piece's value and validity are what its text gives them.
                if t.plain {
                    let unmarked = Token { plain: false, ..t.clone() };
                    proptest::prop_assert_eq!(
                        try_string_value(&text, t),
                        try_string_value(&text, &unmarked)
                    );
                    proptest::prop_assert!(strings_valid(&text, std::iter::once(&unmarked)));
                }
            }
        }
    }
}
