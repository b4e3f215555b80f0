//! A lenient JSON parser that keeps a byte span for every key and value.
//!
//! It accepts what Azure Resource Manager accepts in real templates: `//` and `/* */` comments,
//! trailing commas, raw tabs and newlines inside strings, and duplicate keys (all are kept in
//! order; lookups take the last, as Azure does). Nesting is limited to [`MAX_DEPTH`] so that no
//! input can exhaust the stack.
//!
//! We use a hand-written parser rather than `jsonc-parser` because we need a hard depth limit
//! (hostile inputs), raw control characters inside strings, and our own compact span type; the
//! parser is a few hundred lines and runs at several hundred MB/s.

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 256;

/// Most values (of any kind, members' values included) one parsed document may hold: 50 times
/// the largest template of Azure Verified Modules, and about 160 MB of tree. A document with
/// more is refused as a whole (an IG000 names the limit), so that a 60 MB array of zeros
/// costs no more memory than a real template.
pub const MAX_VALUES: usize = 4_000_000;

/// The text of a JSON string or key, unescaped: stored inline when short (most keys and many
/// values), so parsing a template allocates little.
pub type Text = compact_str::CompactString;

/// A parsed JSON value with its byte span.
#[derive(Clone, Debug, PartialEq)]
pub struct Json {
    /// The value.
    pub kind: JsonKind,
    /// Bytes `start..end` of the value in the text.
    pub start: u32,
    /// One past the last byte of the value.
    pub end: u32,
}

/// The shape of a [`Json`] value.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonKind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number; integers that fit are exact.
    Number(Number),
    /// A string, unescaped.
    String(Text),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in source order (duplicates kept).
    Object(Vec<Member>),
}

/// A JSON number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer that fits in `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
}

/// An object's members by key ([`Json::lookup`]): looking up each key of another object of
/// n keys is linear in n, not quadratic.
pub struct Lookup<'j> {
    /// The members, in order.
    members: &'j [Member],
    /// Lower-cased key → position of its last member, for an object of more than 32.
    index: Option<foldhash::HashMap<Text, usize>>,
}

impl<'j> Lookup<'j> {
    /// The member under `key`, as [`Json::member`] finds it (case-insensitive, last wins).
    pub fn member(&self, key: &str) -> Option<&'j Member> {
        match &self.index {
            Some(index) => index
                .get(key.to_ascii_lowercase().as_str())
                .map(|&i| &self.members[i]),
            None => self
                .members
                .iter()
                .rev()
                .find(|m| m.key.eq_ignore_ascii_case(key)),
        }
    }

    /// The member value under `key`, as [`Json::get`] finds it.
    pub fn get(&self, key: &str) -> Option<&'j Json> {
        self.member(key).map(|m| &m.value)
    }
}

/// One `"key": value` member of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The unescaped key.
    pub key: Text,
    /// Span of the key including its quotes.
    pub key_start: u32,
    /// End of the key's span.
    pub key_end: u32,
    /// The value.
    pub value: Json,
}

impl Json {
    /// The member value of an object under `key`, compared ASCII-case-insensitively; the last
    /// one wins when a key is repeated.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.member(key).map(|m| &m.value)
    }

    /// The member of an object under `key` (case-insensitive, last wins).
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.kind {
            JsonKind::Object(members) => members
                .iter()
                .rev()
                .find(|m| m.key.eq_ignore_ascii_case(key)),
            _ => None,
        }
    }

    /// The object's members by key, for looking up many keys in it ([`Json::member`] is a
    /// search): as [`Json::member`] finds them, in constant time each for a large object.
    pub fn lookup(&self) -> Lookup<'_> {
        let members = match &self.kind {
            JsonKind::Object(members) => members.as_slice(),
            _ => &[],
        };
        let index = (members.len() > 32).then(|| {
            let mut index: foldhash::HashMap<Text, usize> = Default::default();
            index.reserve(members.len());
            for (i, m) in members.iter().enumerate() {
                index.insert(m.key.to_ascii_lowercase(), i);
            }
            index
        });
        Lookup { members, index }
    }

    /// The members of an object with duplicate keys removed (the last of each wins), in the
    /// order of their last occurrence.
    pub fn members(&self) -> Vec<&Member> {
        match &self.kind {
            // Small objects (nearly all) are deduplicated in place; large ones by hashing, so
            // that a hostile object with a million keys costs a million steps, not a million
            // squared.
            JsonKind::Object(members) if members.len() <= 32 => {
                let mut out: Vec<&Member> = Vec::with_capacity(members.len());
                for m in members {
                    if let Some(i) = out.iter().position(|o| o.key.eq_ignore_ascii_case(&m.key)) {
                        out.remove(i);
                    }
                    out.push(m);
                }
                out
            }
            JsonKind::Object(members) => {
                let mut last: foldhash::HashMap<Text, usize> = Default::default();
                last.reserve(members.len());
                for (i, m) in members.iter().enumerate() {
                    last.insert(m.key.to_ascii_lowercase(), i);
                }
                let mut out: Vec<&Member> = Vec::with_capacity(last.len());
                for (i, m) in members.iter().enumerate() {
                    if last.get(m.key.to_ascii_lowercase().as_str()) == Some(&i) {
                        out.push(m);
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            JsonKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match &self.kind {
            JsonKind::Array(a) => Some(a),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self.kind, JsonKind::Object(_))
    }
}

/// Why a text is not JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset of the problem.
    pub offset: u32,
    /// What is wrong, in a sentence fragment ("expected `,` or `}`").
    pub message: String,
}

/// Parses `text` as one JSON document (comments and trailing commas allowed), of at most
/// [`MAX_VALUES`] values.
pub fn parse(text: &str) -> Result<Json, ParseError> {
    parse_within(text, MAX_VALUES)
}

/// Like [`parse`], with at most `max_values` values instead of [`MAX_VALUES`] (the documents a
/// run reads for a file are held to the run's limit).
pub fn parse_within(text: &str, max_values: usize) -> Result<Json, ParseError> {
    run(text, true, max_values)
}

/// Checks that `text` is one JSON document, with the same rules and errors as [`parse`], but
/// builds nothing (no allocation): for files whose syntax matters but whose content does not.
pub fn validate(text: &str) -> Result<(), ParseError> {
    run(text, false, MAX_VALUES).map(drop)
}

/// Where [`stream`] finds the array whose elements it hands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Streamed {
    /// The document is the array.
    TopArray,
    /// The array is the value of this member of the top object (`data` of `az graph query`,
    /// `value` of a REST list page); the top object's other members are checked, not kept.
    Member(&'static str),
}

/// Parses `text` as one JSON document whose bulk is one array (an inventory export: `[ … ]`,
/// or `{"data": [ … ], …}`) and hands each element of that array to `each` as soon as it is
/// parsed, with byte offsets into `text`, so that memory holds one element at a time rather
/// than the whole tree. [`MAX_VALUES`] and [`MAX_DEPTH`] hold for each element and each other
/// member (not for the document). Returns how many elements there were and the top object's
/// other members (`count`, `skip_token`…); an error once the syntax breaks (the elements
/// before it have been handed out). `Ok(None)` when the document is not of that shape (not an
/// array; no such member, or not an array).
pub fn stream(
    text: &str,
    at: Streamed,
    each: &mut dyn FnMut(Json),
) -> Result<Option<(usize, Vec<Member>)>, ParseError> {
    stream_within(text, at, MAX_VALUES, each)
}

/// Like [`stream`], with at most `max_values` values in each element and each other member
/// instead of [`MAX_VALUES`] (the exports a run reads are held to the run's limit).
pub fn stream_within(
    text: &str,
    at: Streamed,
    max_values: usize,
    each: &mut dyn FnMut(Json),
) -> Result<Option<(usize, Vec<Member>)>, ParseError> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        build: true,
        values: 0,
        max_values,
    };
    p.skip_trivia()?;
    let mut others = Vec::new();
    let count = match at {
        Streamed::TopArray => {
            if p.bytes.get(p.pos) != Some(&b'[') {
                return Ok(None);
            }
            p.stream_elements(each)?
        }
        Streamed::Member(name) => {
            if p.bytes.get(p.pos) != Some(&b'{') {
                return Ok(None);
            }
            p.pos += 1;
            let mut count = None;
            loop {
                p.skip_trivia()?;
                match p.bytes.get(p.pos) {
                    Some(b'}') => {
                        p.pos += 1;
                        break;
                    }
                    Some(b'"') => {}
                    None => return Err(p.error("unexpected end of file, expected `}`")),
                    _ => return Err(p.error("expected a quoted property name or `}`")),
                }
                let key_start = p.pos as u32;
                let key = p.string()?;
                let key_end = p.pos as u32;
                p.skip_trivia()?;
                if p.bytes.get(p.pos) != Some(&b':') {
                    return Err(p.error("expected `:` after the property name"));
                }
                p.pos += 1;
                p.skip_trivia()?;
                if key == name && count.is_none() && p.bytes.get(p.pos) == Some(&b'[') {
                    count = Some(p.stream_elements(each)?);
                } else {
                    p.values = 0;
                    let value = p.value(1)?;
                    others.push(Member {
                        key,
                        key_start,
                        key_end,
                        value,
                    });
                }
                p.skip_trivia()?;
                match p.bytes.get(p.pos) {
                    Some(b',') => p.pos += 1,
                    Some(b'}') => {}
                    _ => return Err(p.error("expected `,` or `}`")),
                }
            }
            match count {
                Some(n) => n,
                None => return Ok(None),
            }
        }
    };
    p.skip_trivia()?;
    if p.pos < p.bytes.len() {
        return Err(p.error("unexpected content after the end of the document"));
    }
    Ok(Some((count, others)))
}

fn run(text: &str, build: bool, max_values: usize) -> Result<Json, ParseError> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        build,
        values: 0,
        max_values,
    };
    p.skip_trivia()?;
    let value = p.value(0)?;
    p.skip_trivia()?;
    if p.pos < p.bytes.len() {
        return Err(p.error("unexpected content after the end of the document"));
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    /// Whether to build the tree (false: validate only).
    build: bool,
    /// Values built so far (at most `max_values`).
    values: usize,
    /// Most values built ([`MAX_VALUES`] unless the caller says).
    max_values: usize,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            offset: self.pos as u32,
            message: message.into(),
        }
    }

    /// Skips whitespace and comments. Most calls stand on a token already, so that case is
    /// decided inline.
    #[inline(always)]
    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        let token = |b: u8| b > b' ' && b != b'/';
        match self.bytes.get(self.pos) {
            Some(&b) if token(b) => Ok(()),
            None => Ok(()),
            // The one space after `:`.
            Some(b' ') if self.bytes.get(self.pos + 1).is_some_and(|&b| token(b)) => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => self.skip_trivia_slow(),
        }
    }

    #[inline(never)]
    fn skip_trivia_slow(&mut self) -> Result<(), ParseError> {
        loop {
            self.pos += whitespace_run(&self.bytes[self.pos..]);
            if self.bytes.get(self.pos) != Some(&b'/') {
                return Ok(());
            }
            self.comment()?;
        }
    }

    /// Skips the comment at `pos` (which is on a `/`).
    #[cold]
    fn comment(&mut self) -> Result<(), ParseError> {
        match self.bytes.get(self.pos + 1) {
            Some(b'/') => {
                self.pos = memchr::memchr(b'\n', &self.bytes[self.pos..])
                    .map_or(self.bytes.len(), |i| self.pos + i + 1);
                Ok(())
            }
            Some(b'*') => {
                let body = &self.bytes[self.pos + 2..];
                match memchr::memmem::find(body, b"*/") {
                    Some(i) => {
                        self.pos += 2 + i + 2;
                        Ok(())
                    }
                    None => Err(self.error("unterminated `/*` comment")),
                }
            }
            _ => Err(self.error("unexpected `/`")),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, ParseError> {
        let start = self.pos;
        if self.build {
            self.values += 1;
            if self.values > self.max_values {
                return Err(self.error(format!(
                    "more than {} values in one document: too large to analyse",
                    self.max_values
                )));
            }
        }
        let kind = match self.bytes.get(self.pos) {
            None => return Err(self.error("unexpected end of file, expected a value")),
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                self.object(depth)?
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                self.array(depth)?
            }
            Some(b'"') => JsonKind::String(self.string()?),
            Some(b't') => self.keyword("true", JsonKind::Bool(true))?,
            Some(b'f') => self.keyword("false", JsonKind::Bool(false))?,
            Some(b'n') => self.keyword("null", JsonKind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => {
                let ch = self.text[self.pos..].chars().next().unwrap_or('?');
                return Err(self.error(format!("unexpected character `{}`", ch.escape_debug())));
            }
        };
        Ok(Json {
            kind,
            start: start as u32,
            end: self.pos as u32,
        })
    }

    fn keyword(&mut self, word: &str, kind: JsonKind) -> Result<JsonKind, ParseError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.error("unexpected word, expected a value"))
        }
    }

    fn number(&mut self) -> Result<JsonKind, ParseError> {
        let start = self.pos;
        let mut float = false;
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => float = true,
                _ => break,
            }
            self.pos += 1;
        }
        let raw = &self.text[start..self.pos];
        if !float && let Ok(i) = raw.parse::<i64>() {
            return Ok(JsonKind::Number(Number::Int(i)));
        }
        match raw.parse::<f64>() {
            Ok(f) if raw != "-" => Ok(JsonKind::Number(Number::Float(f))),
            _ => {
                self.pos = start;
                Err(self.error(format!("invalid number `{raw}`")))
            }
        }
    }

    fn string(&mut self) -> Result<Text, ParseError> {
        let open = self.pos;
        self.pos += 1;
        // Most strings hold no escape: one search finds the end, and short ones (keys, most
        // values) are stored inline, without an allocation.
        if let Some(i) = memchr::memchr2(b'"', b'\\', &self.bytes[self.pos..])
            && self.bytes[self.pos + i] == b'"'
        {
            let start = self.pos;
            self.pos += i + 1;
            return Ok(if self.build {
                Text::new(&self.text[start..start + i])
            } else {
                Text::default()
            });
        }
        let mut out = String::new();
        loop {
            let rest = &self.bytes[self.pos..];
            let Some(i) = memchr::memchr2(b'"', b'\\', rest) else {
                self.pos = open;
                return Err(self.error("unterminated string"));
            };
            if self.build {
                out.push_str(&self.text[self.pos..self.pos + i]);
            }
            self.pos += i;
            if self.bytes[self.pos] == b'"' {
                self.pos += 1;
                return Ok(if self.build {
                    Text::from(out)
                } else {
                    Text::default()
                });
            }
            // A backslash escape.
            let esc = self.pos;
            self.pos += 1;
            let Some(&c) = self.bytes.get(self.pos) else {
                self.pos = open;
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match c {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let hi = self.hex4(esc)?;
                    let ch = if (0xD800..0xDC00).contains(&hi)
                        && self.bytes[self.pos..].starts_with(b"\\u")
                    {
                        self.pos += 2;
                        let lo = self.hex4(esc)?;
                        char::decode_utf16([hi, lo]).next().and_then(Result::ok)
                    } else {
                        char::from_u32(hi as u32)
                    };
                    out.push(ch.unwrap_or('\u{FFFD}'));
                }
                _ => {
                    self.pos = esc;
                    return Err(self.error("invalid escape sequence in string"));
                }
            }
        }
    }

    fn hex4(&mut self, esc: usize) -> Result<u16, ParseError> {
        let digits = self.text.get(self.pos..self.pos + 4);
        match digits.and_then(|d| u16::from_str_radix(d, 16).ok()) {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => {
                self.pos = esc;
                Err(self.error("invalid `\\u` escape in string"))
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonKind, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(JsonKind::Array(items));
                }
                None => return Err(self.error("unexpected end of file, expected `]`")),
                _ => {}
            }
            let item = self.value(depth + 1)?;
            if self.build {
                items.push(item);
            }
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {}
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    /// The elements of the array at `pos` (on its `[`), each handed to `each` once parsed;
    /// the value budget is each element's.
    fn stream_elements(&mut self, each: &mut dyn FnMut(Json)) -> Result<usize, ParseError> {
        self.pos += 1;
        let mut count = 0;
        loop {
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(count);
                }
                None => return Err(self.error("unexpected end of file, expected `]`")),
                _ => {}
            }
            self.values = 0;
            let item = self.value(1)?;
            count += 1;
            each(item);
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {}
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonKind, ParseError> {
        self.pos += 1;
        let mut members = Vec::new();
        loop {
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(JsonKind::Object(members));
                }
                Some(b'"') => {}
                None => return Err(self.error("unexpected end of file, expected `}`")),
                _ => return Err(self.error("expected a quoted property name or `}`")),
            }
            let key_start = self.pos as u32;
            let key = self.string()?;
            let key_end = self.pos as u32;
            self.skip_trivia()?;
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.error("expected `:` after the property name"));
            }
            self.pos += 1;
            self.skip_trivia()?;
            let value = self.value(depth + 1)?;
            if self.build {
                members.push(Member {
                    key,
                    key_start,
                    key_end,
                    value,
                });
            }
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }
}

/// The length of the run of JSON whitespace (space, tab, CR, LF) at the start of `bytes`.
/// Templates are mostly indentation, so the run is measured eight bytes at a time: a byte is
/// whitespace when it equals one of the four, tested for all eight lanes of a `u64` at once.
fn whitespace_run(bytes: &[u8]) -> usize {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// The high bit of each lane is set where the lane is not zero (exact, no carries).
    fn nonzero(x: u64) -> u64 {
        (((x & LOW7) + LOW7) | x) & HIGH
    }
    let mut run = 0;
    while let Some(chunk) = bytes.get(run..run + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let other = nonzero(x ^ 0x2020_2020_2020_2020)
            & nonzero(x ^ 0x0a0a_0a0a_0a0a_0a0a)
            & nonzero(x ^ 0x0d0d_0d0d_0d0d_0d0d)
            & nonzero(x ^ 0x0909_0909_0909_0909);
        if other != 0 {
            return run + (other.trailing_zeros() / 8) as usize;
        }
        run += 8;
    }
    run + bytes[run..]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

#[cfg(test)]
mod tests {
    /// A lookup finds what `member` finds (ASCII-case-insensitive, the last of a repeated
    /// key), in small objects (searched) and large ones (hashed), and nothing in others.
    #[test]
    fn a_lookup_finds_what_member_finds() {
        for n in [3usize, 40, 1000] {
            let members: Vec<String> = (0..n)
                .flat_map(|i| [format!(r#""k{i}": {i}"#), format!(r#""K{}": -{i}"#, i / 2)])
                .collect();
            let object = super::parse(&format!("{{{}}}", members.join(","))).unwrap();
            let lookup = object.lookup();
            for i in 0..n + 2 {
                for key in [format!("k{i}"), format!("K{i}"), format!("x{i}")] {
                    assert_eq!(lookup.member(&key), object.member(&key), "{key}");
                    assert_eq!(lookup.get(&key), object.get(&key), "{key}");
                }
            }
        }
        assert_eq!(super::parse("[1]").unwrap().lookup().get("a"), None);
    }

    #[test]
    fn an_array_is_streamed_element_by_element_with_offsets_in_the_document() {
        let text = r#"{"count": 2, "data": [{"a": 1}, {"a": [2, 3]}], "skip_token": null}"#;
        let mut seen = Vec::new();
        let n = stream(text, Streamed::Member("data"), &mut |j| {
            seen.push(text[j.start as usize..j.end as usize].to_string())
        })
        .unwrap();
        let (n, others) = n.unwrap();
        assert_eq!(n, 2);
        let keys: Vec<&str> = others.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["count", "skip_token"]);
        assert_eq!(seen, [r#"{"a": 1}"#, r#"{"a": [2, 3]}"#]);
        let mut count = 0;
        assert_eq!(
            stream("[1, 2, 3,]", Streamed::TopArray, &mut |_| count += 1)
                .unwrap()
                .map(|(n, _)| n),
            Some(3)
        );
        assert_eq!(count, 3);
        // Not of the shape: None; broken: an error after the elements before the break.
        assert_eq!(stream("{}", Streamed::TopArray, &mut |_| ()).unwrap(), None);
        assert_eq!(
            stream(r#"{"data": 3}"#, Streamed::Member("data"), &mut |_| ()).unwrap(),
            None
        );
        let mut before = 0;
        assert!(stream("[1, 2, {", Streamed::TopArray, &mut |_| before += 1).is_err());
        assert_eq!(before, 2);
        // The value budget is per element: many small elements pass (at a budget of 100
        // values; the run's is `MAX_VALUES`, 4,000,000), one element beyond it does not.
        let many = format!("[{}0]", "[1,2,3],".repeat(50));
        assert!(parse_within(&many, 100).is_err());
        assert_eq!(
            stream_within(&many, Streamed::TopArray, 100, &mut |_| ())
                .unwrap()
                .map(|(n, _)| n),
            Some(51)
        );
        let large = format!("[0, [{}0]]", "1,".repeat(100));
        let error = stream_within(&large, Streamed::TopArray, 100, &mut |_| ()).unwrap_err();
        assert!(
            error.message == "more than 100 values in one document: too large to analyse",
            "{error:?}"
        );
    }

    #[test]
    fn documents_are_held_to_the_value_budget_they_are_given() {
        let hundred = format!("[{}0]", "0,".repeat(98));
        assert!(parse_within(&hundred, 100).is_ok());
        let more = format!("[{}0]", "0,".repeat(99));
        let error = parse_within(&more, 100).unwrap_err();
        assert_eq!(
            error.message,
            "more than 100 values in one document: too large to analyse"
        );
        assert!(parse(&more).is_ok());
        assert_eq!(MAX_VALUES, 4_000_000);
    }

    use super::*;

    #[test]
    fn members_of_large_objects_are_deduplicated_like_small_ones() {
        // The last of each key wins, compared ASCII-case-insensitively, in the order of the last
        // occurrences; 200,000 keys (a hostile object) are read in linear time.
        for n in [3usize, 40, 200_000] {
            let mut text = String::from("{");
            for i in 0..n {
                text.push_str(&format!(r#""k{i}": {i}, "#));
            }
            text.push_str(r#""K0": "last", "k1": "again"}"#);
            let json = parse(&text).expect("parses");
            let members = json.members();
            assert_eq!(members.len(), n, "n = {n}");
            let keys: Vec<&str> = members.iter().map(|m| m.key.as_str()).collect();
            assert_eq!(&keys[n - 2..], ["K0", "k1"], "n = {n}");
            assert_eq!(keys[0], "k2", "n = {n}");
            assert_eq!(json.get("k0").and_then(Json::as_str), Some("last"));
        }
    }

    #[test]
    fn whitespace_runs_are_measured_exactly() {
        let naive = |b: &[u8]| {
            b.iter()
                .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
                .count()
        };
        // Every byte value, at every lane of a word and in the tail.
        for byte in 0..=255u8 {
            for at in 0..20 {
                let mut text = vec![b' '; 20];
                text[..at.min(20)].fill(b'\n');
                text[at..].iter_mut().step_by(3).for_each(|c| *c = b'\t');
                text[at] = byte;
                text.truncate(at + 1 + (byte as usize % 5));
                assert_eq!(whitespace_run(&text), naive(&text), "{byte:#x} at {at}");
            }
        }
        assert_eq!(whitespace_run(b""), 0);
        assert_eq!(whitespace_run(b"\r\n        \t  x"), 13);
        // Bytes that differ from a whitespace byte only in the high bit are not whitespace.
        assert_eq!(
            whitespace_run(&[b' ', b' ', 0xa0, b' ', b' ', b' ', b' ', b' ', b' ']),
            2
        );
    }

    #[test]
    fn parses_with_spans() {
        let text = r#"{"a": [1, -2.5, true, null], "b": "x\"y"}"#;
        let v = parse(text).unwrap();
        let a = v.get("A").unwrap();
        assert_eq!(
            &text[a.start as usize..a.end as usize],
            "[1, -2.5, true, null]"
        );
        let b = v.get("b").unwrap();
        assert_eq!(b.as_str(), Some("x\"y"));
        assert_eq!(&text[b.start as usize..b.end as usize], r#""x\"y""#);
        let m = v.member("b").unwrap();
        assert_eq!(&text[m.key_start as usize..m.key_end as usize], "\"b\"");
    }

    #[test]
    fn accepts_what_azure_accepts() {
        let text = "// c\n{ /* c */ \"a\": \"tab\there\nnewline\", \"a\": 2, \"l\": [1,2,],}\n";
        let v = parse(text).unwrap();
        assert_eq!(v.get("a").unwrap().kind, JsonKind::Number(Number::Int(2)));
        assert_eq!(v.members().len(), 2);
    }

    #[test]
    fn unicode_escapes_and_surrogates() {
        let v = parse(r#""\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(v.as_str(), Some("\u{e9}\u{1F600}"));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("{\"a\": 1 \"b\": 2}").unwrap_err();
        assert_eq!(e.offset, 8);
        assert!(e.message.contains("expected `,`"));
        assert!(parse("{\"a\": \"open").is_err());
        assert!(parse("/* open").is_err());
        assert!(parse("").is_err());
        assert!(parse("{} x").is_err());
        assert!(parse("-").is_err());
    }

    #[test]
    fn validate_agrees_with_parse() {
        for text in [
            r#"{"a": [1, "x\"y", {"b": null}], // c
               "c": true,}"#,
            "{\"a\": 1 \"b\": 2}",
            "[1, 2",
            "{\"a\": \"\\q\"}",
            "",
        ] {
            assert_eq!(validate(text), parse(text).map(drop), "{text}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("nesting deeper"));
        let ok = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&ok).is_ok());
    }

    /// Our tree as a `serde_json` value, to compare with serde_json's own parse.
    fn to_serde(json: &Json) -> serde_json::Value {
        match &json.kind {
            JsonKind::Null => serde_json::Value::Null,
            JsonKind::Bool(b) => serde_json::Value::Bool(*b),
            JsonKind::Number(Number::Int(i)) => serde_json::Value::from(*i),
            JsonKind::Number(Number::Float(f)) => serde_json::Value::from(*f),
            JsonKind::String(s) => serde_json::Value::String(s.to_string()),
            JsonKind::Array(items) => items.iter().map(to_serde).collect(),
            JsonKind::Object(members) => serde_json::Value::Object(
                members
                    .iter()
                    .map(|m| (m.key.to_string(), to_serde(&m.value)))
                    .collect(),
            ),
        }
    }

    /// Documents serde_json can write: nested objects and arrays of strings (with escapes and
    /// non-ASCII), integers, booleans and nulls.
    fn documents() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            "[ -~\\t\\n\"\\\\é€😀]{0,40}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
                proptest::collection::btree_map("[a-zA-Z$ ]{0,12}", inner, 0..8)
                    .prop_map(|m| { serde_json::Value::Object(m.into_iter().collect()) }),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_serde_json(doc in documents()) {
            for text in [
                serde_json::to_string(&doc).unwrap(),
                serde_json::to_string_pretty(&doc).unwrap(),
                serde_json::to_string_pretty(&doc).unwrap().replace('\n', "\r\n\t"),
            ] {
                let ours = parse(&text).map_err(|e| e.message);
                proptest::prop_assert_eq!(ours.map(|j| to_serde(&j)), Ok(doc.clone()), "{}", text);
                proptest::prop_assert_eq!(validate(&text), Ok(()));
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,64}") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_json_alphabet(s in "[\\[\\]{}\",:0-9a-z\\\\/* \n-]{0,64}") {
            proptest::prop_assert_eq!(validate(&s), parse(&s).map(drop));
        }
    }
}
