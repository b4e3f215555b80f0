//! A lenient JSON parser that keeps a byte span for every key and value.
//!
//! It accepts what Azure Resource Manager accepts in real templates: `//` and `/* */` comments,
//! trailing commas, raw tabs and newlines inside strings, and duplicate keys (all are kept in
//! order; lookups take the last, as Azure does). Nesting is limited to [`MAX_DEPTH`] so that no
//! input can exhaust the stack.
//!
//! Comments end where Azure's readers end them: a `//` comment at the first CR or LF (a lone
//! CR too), a `/* */` comment at the first `*/`. The Azure CLI first removes comments that
//! start a line with an expression blind to strings, which reads some texts differently (a
//! lone CR ending a comment that starts a line, `/**/`, a line of a string starting with
//! `//`): such a text is refused, since the template one reader deploys is not the other's.
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
    let mut p = Parser::new(text, max_values);
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
                let key = p.string::<true>()?;
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
                    let value = p.value::<true>(1)?;
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

/// The members of a document [`pick_within`] builds: those of the top object under given keys,
/// and those anywhere under other given keys.
#[derive(Debug, Default)]
pub struct Picked {
    /// The top object's members under the keys asked for there, in order.
    pub top: Vec<Member>,
    /// The members under the keys asked for anywhere, in document order; what lies inside
    /// their values is not searched.
    pub anywhere: Vec<Member>,
}

/// Which keys [`pick_within`] builds the members of (ASCII case-insensitively).
struct Pick<'k> {
    /// Keys of the top object's members.
    top: &'k [&'k str],
    /// Keys of members at any depth.
    anywhere: &'k [&'k str],
}

/// Parses `text` as [`parse_within`] does, with the same rules, errors and value budget (every
/// value counts), but builds only the members of the top object under the keys `top` and the
/// members anywhere under the keys `anywhere` (outside the values of members already picked):
/// what a look for a few members of a large document needs (a template's links), without
/// the cost of its whole tree.
pub fn pick_within(
    text: &str,
    top: &[&str],
    anywhere: &[&str],
    max_values: usize,
) -> Result<Picked, ParseError> {
    let pick = Pick { top, anywhere };
    let mut p = Parser {
        pick: Some(&pick),
        counting: true,
        ..Parser::new(text, max_values)
    };
    p.skip_trivia()?;
    p.value::<false>(0)?;
    p.finish()?;
    Ok(p.picked)
}

fn run(text: &str, build: bool, max_values: usize) -> Result<Json, ParseError> {
    let mut p = Parser::new(text, max_values);
    p.skip_trivia()?;
    let value = if build {
        p.value::<true>(0)?
    } else {
        p.value::<false>(0)?
    };
    p.finish()?;
    Ok(value)
}

/// What [`parse_pruned_within`] leaves out of a document whose top value is an object (a
/// template: what its lowering never reads). A value left out is still read, with the same
/// rules, errors and value budget as [`parse_within`]'s (every value counts); it stands in the
/// tree as a `null` with its span.
pub struct Prune<'p> {
    /// Keys of the top object whose values are left out (`outputs`).
    pub left_out: &'p [&'p str],
    /// Key of the top object whose value, an object, declares things by name (`parameters`):
    /// of each declaration that is an object, only the members under the keys `declared` are
    /// kept; the others' values are left out.
    pub declarations: &'p str,
    /// The keys kept of each declaration (`defaultValue`, …).
    pub declared: &'p [&'p str],
    /// Key of the top object whose value, an array or an object, holds elements that are
    /// judged one by one (`resources`): an element that is an object and that `keep` does not
    /// keep is left out whole.
    pub judged: &'p str,
    /// Whether a judged element is kept, from its members under `type`, `resources` and
    /// `existing`.
    pub keep: &'p dyn Fn(Element<'_>) -> bool,
}

/// What [`Prune::keep`] judges an element by (keys compared ASCII-case-insensitively, the
/// last of a repeated key winning, as [`Json::get`] finds them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element<'e> {
    /// The string under `type` (`""` when there is none or it is not a string).
    pub kind: &'e str,
    /// Whether it has a member under `resources`.
    pub children: bool,
    /// Whether its member under `existing` is `true`.
    pub existing: bool,
}

/// Parses `text` as [`parse_within`] does, with the same rules, errors and value budget, but
/// leaves out of the tree what `prune` says (each value left out is a `null` with its span):
/// what lowering a template needs, without the cost of building what it never reads.
pub fn parse_pruned_within(
    text: &str,
    prune: &Prune<'_>,
    max_values: usize,
) -> Result<Json, ParseError> {
    let mut p = Parser {
        counting: true,
        ..Parser::new(text, max_values)
    };
    p.skip_trivia()?;
    let value = if p.at(b'{') {
        p.pruned_top(prune)?
    } else {
        p.value::<true>(0)?
    };
    p.finish()?;
    Ok(value)
}

// The pruned values lie at depths 1 to 3, where no nesting limit can be reached.
const _: () = assert!(MAX_DEPTH > 3);

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    /// Whether values are counted while they are not built (picking or pruning: every value
    /// counts against `max_values`, built or not, as in a whole parse).
    counting: bool,
    /// Values counted so far (at most `max_values`).
    values: usize,
    /// Most values built ([`MAX_VALUES`] unless the caller says).
    max_values: usize,
    /// The comments read, in order: from the `/` that opens each to its end (a `//`
    /// comment's line break, a block comment's byte after `*/`), for
    /// [`azure_cli_differs`].
    comments: Vec<(usize, usize)>,
    /// The members to build while the rest is only checked ([`pick_within`]).
    pick: Option<&'a Pick<'a>>,
    /// The members built for `pick`.
    picked: Picked,
    /// The elements of the arrays being built, the innermost's last: each array takes its
    /// own off the end once closed, into a vector of exactly their number (no vector grows
    /// element by element, and none holds spare room).
    items: Vec<Json>,
    /// The members of the objects being built, likewise.
    members: Vec<Member>,
}

impl<'a> Parser<'a> {
    /// A parser at the start of `text`, of at most `max_values` values.
    fn new(text: &'a str, max_values: usize) -> Parser<'a> {
        Parser {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            counting: false,
            values: 0,
            max_values,
            comments: Vec::new(),
            pick: None,
            picked: Picked::default(),
            items: Vec::new(),
            members: Vec::new(),
        }
    }

    /// The end of a document whose value was read: only trivia may follow, and Azure's
    /// readers must read the text alike.
    fn finish(&mut self) -> Result<(), ParseError> {
        self.skip_trivia()?;
        if self.pos < self.bytes.len() {
            return Err(self.error("unexpected content after the end of the document"));
        }
        if let Some(e) = azure_cli_differs(self.bytes, &self.comments) {
            return Err(e);
        }
        Ok(())
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            offset: self.pos as u32,
            message: message.into(),
        }
    }

    /// Whether the byte at `pos` is `b`.
    #[inline(always)]
    fn at(&self, b: u8) -> bool {
        self.bytes.get(self.pos) == Some(&b)
    }

    /// Counts one more value against the budget: an error at `pos` beyond it.
    #[inline(always)]
    fn count(&mut self) -> Result<(), ParseError> {
        self.values += 1;
        if self.values > self.max_values {
            return Err(self.too_many());
        }
        Ok(())
    }

    #[cold]
    fn too_many(&self) -> ParseError {
        self.error(format!(
            "more than {} values in one document: too large to analyse",
            self.max_values
        ))
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

    /// Skips the comment at `pos` (which is on a `/`), and remembers where it lies. A `//`
    /// comment ends at a line break: CR, LF or CRLF ([`line_comment_end`]), as Azure's readers
    /// end it.
    #[cold]
    fn comment(&mut self) -> Result<(), ParseError> {
        match self.bytes.get(self.pos + 1) {
            Some(b'/') => {
                let end = line_comment_end(self.bytes, self.pos);
                self.comments.push((self.pos, end));
                self.pos = end;
                Ok(())
            }
            Some(b'*') => {
                let body = &self.bytes[self.pos + 2..];
                match memchr::memmem::find(body, b"*/") {
                    Some(i) => {
                        let end = self.pos + 2 + i + 2;
                        self.comments.push((self.pos, end));
                        self.pos = end;
                        Ok(())
                    }
                    None => Err(self.error("unterminated `/*` comment")),
                }
            }
            _ => Err(self.error("unexpected `/`")),
        }
    }

    /// The value at `pos`, at nesting `depth`: built when `B`, else only checked (then its
    /// kind holds nothing).
    fn value<const B: bool>(&mut self, depth: usize) -> Result<Json, ParseError> {
        let start = self.pos;
        if B || self.counting {
            self.count()?;
        }
        let kind = match self.bytes.get(self.pos) {
            None => return Err(self.error("unexpected end of file, expected a value")),
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                self.object::<B>(depth)?
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                self.array::<B>(depth)?
            }
            Some(b'"') => JsonKind::String(self.string::<B>()?),
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

    /// The value at `pos`, checked and counted but not built: a `null` with its span.
    fn left_out(&mut self, depth: usize) -> Result<Json, ParseError> {
        let start = self.pos as u32;
        self.value::<false>(depth)?;
        Ok(Json {
            kind: JsonKind::Null,
            start,
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

    /// The string at `pos` (on its `"`), unescaped when `B` (else empty).
    #[inline(always)]
    fn string<const B: bool>(&mut self) -> Result<Text, ParseError> {
        let open = self.pos;
        self.pos += 1;
        // Most strings hold no escape: one search finds the end, and short ones (keys, most
        // values) are stored inline, without an allocation.
        if let Some(i) = quote_or_backslash(&self.bytes[self.pos..])
            && self.bytes[self.pos + i] == b'"'
        {
            let start = self.pos;
            self.pos += i + 1;
            return Ok(if B {
                Text::new(&self.text[start..start + i])
            } else {
                Text::default()
            });
        }
        self.escaped_string::<B>(open)
    }

    /// The rest of the string opened at `open` that holds an escape (or is not closed), from
    /// `pos`.
    #[inline(never)]
    fn escaped_string<const B: bool>(&mut self, open: usize) -> Result<Text, ParseError> {
        let mut out = String::new();
        loop {
            let rest = &self.bytes[self.pos..];
            let Some(i) = memchr::memchr2(b'"', b'\\', rest) else {
                self.pos = open;
                return Err(self.error("unterminated string"));
            };
            if B {
                out.push_str(&self.text[self.pos..self.pos + i]);
            }
            self.pos += i;
            if self.bytes[self.pos] == b'"' {
                self.pos += 1;
                return Ok(if B { Text::from(out) } else { Text::default() });
            }
            // A backslash escape.
            let esc = self.pos;
            self.pos += 1;
            let Some(&c) = self.bytes.get(self.pos) else {
                self.pos = open;
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            let ch = match c {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
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
                    ch.unwrap_or('\u{FFFD}')
                }
                _ => {
                    self.pos = esc;
                    return Err(self.error("invalid escape sequence in string"));
                }
            };
            if B {
                out.push(ch);
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

    /// Reads the elements of the array at `pos` (on its `[`), each with `each` (which stands
    /// on it), and the commas and trivia between them.
    #[inline(always)]
    fn elements(
        &mut self,
        mut each: impl FnMut(&mut Self) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        self.pos += 1;
        loop {
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return Err(self.error("unexpected end of file, expected `]`")),
                _ => {}
            }
            each(self)?;
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {}
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    /// Reads the members of the object at `pos` (on its `{`): each key (unescaped when
    /// `KEYS`), then its value with `each` (which stands on the value), given the key and its
    /// span.
    #[inline(always)]
    fn members_with<const KEYS: bool>(
        &mut self,
        mut each: impl FnMut(&mut Self, Text, u32, u32) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        self.pos += 1;
        loop {
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'"') => {}
                None => return Err(self.error("unexpected end of file, expected `}`")),
                _ => return Err(self.error("expected a quoted property name or `}`")),
            }
            let key_start = self.pos as u32;
            let key = self.string::<KEYS>()?;
            let key_end = self.pos as u32;
            self.skip_trivia()?;
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.error("expected `:` after the property name"));
            }
            self.pos += 1;
            self.skip_trivia()?;
            each(self, key, key_start, key_end)?;
            self.skip_trivia()?;
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    /// The array at `pos`, at nesting `depth`.
    fn array<const B: bool>(&mut self, depth: usize) -> Result<JsonKind, ParseError> {
        let base = self.items.len();
        self.elements(|p| {
            let item = p.value::<B>(depth + 1)?;
            if B {
                p.items.push(item);
            }
            Ok(())
        })?;
        Ok(JsonKind::Array(self.built_items(base)))
    }

    /// The elements built since the stack of elements held `base`, taken off it.
    fn built_items(&mut self, base: usize) -> Vec<Json> {
        taken_off(&mut self.items, base)
    }

    /// The members built since the stack of members held `base`, taken off it.
    fn built_members(&mut self, base: usize) -> Vec<Member> {
        taken_off(&mut self.members, base)
    }

    /// The elements of the array at `pos` (on its `[`), each handed to `each` once parsed;
    /// the value budget is each element's.
    fn stream_elements(&mut self, each: &mut dyn FnMut(Json)) -> Result<usize, ParseError> {
        let mut count = 0;
        self.elements(|p| {
            p.values = 0;
            let item = p.value::<true>(1)?;
            count += 1;
            each(item);
            Ok(())
        })?;
        Ok(count)
    }

    /// The object at `pos`, at nesting `depth`.
    fn object<const B: bool>(&mut self, depth: usize) -> Result<JsonKind, ParseError> {
        if !B && let Some(pick) = self.pick {
            // Picking members: their keys are read while the rest is only checked.
            self.pick_members(pick, depth)?;
            return Ok(JsonKind::Object(Vec::new()));
        }
        self.members_by::<B>(|p, _| p.value::<B>(depth + 1))
    }

    /// The members of the object at `pos` (on its `{`), each value read by `value` given its
    /// key (standing on the value); built when `B`.
    #[inline(always)]
    fn members_by<const B: bool>(
        &mut self,
        mut value: impl FnMut(&mut Self, &Text) -> Result<Json, ParseError>,
    ) -> Result<JsonKind, ParseError> {
        let base = self.members.len();
        self.members_with::<B>(|p, key, key_start, key_end| {
            let value = value(p, &key)?;
            if B {
                p.members.push(Member {
                    key,
                    key_start,
                    key_end,
                    value,
                });
            }
            Ok(())
        })?;
        Ok(JsonKind::Object(self.built_members(base)))
    }

    /// Reads the object at `pos`, at nesting `depth`, building the members `pick` asks for.
    fn pick_members(&mut self, pick: &Pick<'_>, depth: usize) -> Result<(), ParseError> {
        self.members_with::<true>(|p, key, key_start, key_end| {
            let is = |keys: &[&str]| keys.iter().any(|k| key.eq_ignore_ascii_case(k));
            let top = depth == 0 && is(pick.top);
            if top || is(pick.anywhere) {
                let value = p.value::<true>(depth + 1)?;
                let member = Member {
                    key,
                    key_start,
                    key_end,
                    value,
                };
                if top {
                    p.picked.top.push(member);
                } else {
                    p.picked.anywhere.push(member);
                }
            } else {
                p.value::<false>(depth + 1)?;
            }
            Ok(())
        })
    }

    /// The object at `pos` (on its `{`), counted as `value` counts it, each member's value
    /// read by `value` given its key (standing on the value).
    #[inline(always)]
    fn object_by(
        &mut self,
        value: impl FnMut(&mut Self, &Text) -> Result<Json, ParseError>,
    ) -> Result<Json, ParseError> {
        let start = self.pos as u32;
        self.count()?;
        let kind = self.members_by::<true>(value)?;
        Ok(self.ending(kind, start))
    }

    /// The top object at `pos` (on its `{`), pruned as `prune` says.
    fn pruned_top(&mut self, prune: &Prune<'_>) -> Result<Json, ParseError> {
        self.object_by(|p, key| {
            let is = |k: &str| key.eq_ignore_ascii_case(k);
            if prune.left_out.iter().any(|k| is(k)) {
                p.left_out(1)
            } else if is(prune.declarations) && p.at(b'{') {
                p.object_by(|p, _| {
                    if p.at(b'{') {
                        p.declaration(prune.declared)
                    } else {
                        p.value::<true>(2)
                    }
                })
            } else if is(prune.judged) && (p.at(b'[') || p.at(b'{')) {
                p.judged_elements(prune)
            } else {
                p.value::<true>(1)
            }
        })
    }

    /// One declaration at `pos` (an object, nesting 2): the values of the members not under
    /// `declared` are left out.
    fn declaration(&mut self, declared: &[&str]) -> Result<Json, ParseError> {
        self.object_by(|p, key| {
            if declared.iter().any(|k| key.eq_ignore_ascii_case(k)) {
                p.value::<true>(3)
            } else {
                p.left_out(3)
            }
        })
    }

    /// The array or object at `pos` (nesting 1) whose elements (or members' values) that are
    /// objects are judged by `prune.keep`.
    fn judged_elements(&mut self, prune: &Prune<'_>) -> Result<Json, ParseError> {
        let judged = |p: &mut Self| {
            if p.at(b'{') {
                p.judged(prune)
            } else {
                p.value::<true>(2)
            }
        };
        if self.at(b'{') {
            return self.object_by(|p, _| judged(p));
        }
        let start = self.pos as u32;
        self.count()?;
        let base = self.items.len();
        self.elements(|p| {
            let item = judged(p)?;
            p.items.push(item);
            Ok(())
        })?;
        let kind = JsonKind::Array(self.built_items(base));
        Ok(self.ending(kind, start))
    }

    /// A value of `kind` from `start` to `pos`.
    fn ending(&self, kind: JsonKind, start: u32) -> Json {
        Json {
            kind,
            start,
            end: self.pos as u32,
        }
    }

    /// One judged element at `pos` (an object, nesting 2): built when `prune.keep` keeps it,
    /// else a `null` with its span. Its members are built until its `type` says it is not
    /// kept; the rest is then only checked, and should a later member change the judgement
    /// (a repeated `type`, `resources`, `existing`), the element is read again, built whole.
    fn judged(&mut self, prune: &Prune<'_>) -> Result<Json, ParseError> {
        let start = self.pos;
        self.count()?;
        let (values, comments, base) = (self.values, self.comments.len(), self.members.len());
        // The position in `members` of the last member under `type`.
        let mut kind_at: Option<usize> = None;
        let (mut children, mut existing) = (false, false);
        // Whether it is kept on what was read so far (judged again at each member that can
        // change the judgement), and whether a member was only checked while it was not.
        let (mut kept, mut skipped): (Option<bool>, bool) = (None, false);
        self.members_with::<true>(|p, key, key_start, key_end| {
            let is_kind = key.eq_ignore_ascii_case("type");
            let is_children = key.eq_ignore_ascii_case("resources");
            let is_existing = key.eq_ignore_ascii_case("existing");
            let deciding = is_kind || is_children || is_existing;
            if !deciding && kind_at.is_some() && kept == Some(false) {
                p.value::<false>(3)?;
                skipped = true;
                return Ok(());
            }
            let value = p.value::<true>(3)?;
            if is_existing {
                existing = value.kind == JsonKind::Bool(true);
            }
            children |= is_children;
            if is_kind {
                kind_at = Some(p.members.len());
            }
            p.members.push(Member {
                key,
                key_start,
                key_end,
                value,
            });
            if deciding {
                kept = Some((prune.keep)(element(
                    &p.members, kind_at, children, existing,
                )));
            }
            Ok(())
        })?;
        let kept = kept.unwrap_or_else(|| (prune.keep)(element(&self.members, None, false, false)));
        let end = self.pos;
        if !kept {
            self.members.truncate(base);
            return Ok(Json {
                kind: JsonKind::Null,
                start: start as u32,
                end: end as u32,
            });
        }
        let kind = if skipped {
            // Kept after all: read again, whole (it was read without error once).
            self.members.truncate(base);
            self.comments.truncate(comments);
            self.values = values;
            self.pos = start;
            self.object::<true>(2)?
        } else {
            JsonKind::Object(self.built_members(base))
        };
        Ok(Json {
            kind,
            start: start as u32,
            end: self.pos as u32,
        })
    }
}

/// The values of `stack` from `base` on, taken off it into a vector of exactly their number
/// (one copy of the bytes). `split_off(0)` would hand out the stack's whole buffer, spare room
/// and all: the outermost container's values are moved into a vector of their own instead.
fn taken_off<T>(stack: &mut Vec<T>, base: usize) -> Vec<T> {
    if base == 0 {
        let mut out = Vec::with_capacity(stack.len());
        out.append(stack);
        out
    } else {
        stack.split_off(base)
    }
}

/// What a judged element holds ([`Prune::keep`]): its last member under `type` lies at
/// `kind_at` in `members`.
fn element(
    members: &[Member],
    kind_at: Option<usize>,
    children: bool,
    existing: bool,
) -> Element<'_> {
    Element {
        kind: kind_at
            .and_then(|i| members[i].value.as_str())
            .unwrap_or(""),
        children,
        existing,
    }
}

/// The position of the first `"` or `\` in `bytes`, as `memchr2` finds it: the first 16
/// bytes are looked at eight at a time in a word (most keys and many values end there), the
/// rest with `memchr2`.
#[inline(always)]
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at < 16 {
        let Some(chunk) = bytes.get(at..at + 8) else {
            break;
        };
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let found = zero_lanes(x ^ 0x2222_2222_2222_2222) | zero_lanes(x ^ 0x5c5c_5c5c_5c5c_5c5c);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr::memchr2(b'"', b'\\', &bytes[at..]).map(|i| at + i)
}

/// The high bit of each byte lane of `x` set where the lane is zero, and no other bit (exact:
/// no carry crosses lanes).
#[inline(always)]
fn zero_lanes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    !(((x & LOW7) + LOW7) | x) & HIGH
}

/// Where the `//` comment at `start` of `bytes` ends: at its first CR or LF (not included:
/// the line break is whitespace), or at the end of the text. That is where Azure's readers end
/// it: the comment stripping of the Azure CLI (`az deployment … --template-file`:
/// `_remove_comments_from_json` in Azure/azure-cli
/// `src/azure-cli/azure/cli/command_modules/resource/custom.py` minifies the template with a
/// copy of jsmin, whose `line_comment` reads `while next1 and next1 not in '\r\n'`) and
/// Newtonsoft.Json's reader (Azure PowerShell, Azure Resource Manager), whose single-line
/// comment ends at `\r` or `\n`. A lone CR ends it: text after one is read.
fn line_comment_end(bytes: &[u8], start: usize) -> usize {
    memchr::memchr2(b'\r', b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i)
}

/// Where the Azure CLI reads `bytes` (a document imagegate parsed, whose comments lie at
/// `comments`) differently from Azure's other readers, if it does: an error there.
///
/// Before it minifies a template, `az deployment … --template-file` removes every comment
/// that starts a line, with an expression that knows nothing of strings or comments
/// (`_remove_comments_from_json` in Azure/azure-cli
/// `src/azure-cli/azure/cli/command_modules/resource/custom.py`:
/// `re.sub(r'(^[\t ]*//[\s\S]*?\n)|(^[\t ]*/\*{1,2}[\s\S]*?\*/)', '', template, flags=re.M)`,
/// where `^` follows a line feed only). Where that removes exactly what imagegate, Azure
/// Resource Manager and Azure PowerShell read as comments and white space, every reader reads
/// one template. Where it does not, the CLI deploys one template and the others another, and
/// neither can be judged as the deployment: a `//` comment that starts a line and that a lone
/// CR ends, with more than comments after the CR before the line feed (the CLI removes it);
/// a `/**` that starts a line, which the expression ends at a later `*/` than the comment's
/// own; a line of a string, or of a block comment, that starts with `//` or `/*` (the CLI
/// removes part of the string, or the comment's end).
fn azure_cli_differs(bytes: &[u8], comments: &[(usize, usize)]) -> Option<ParseError> {
    let (at, message) = suspect(bytes, comments)?;
    // A place the expression may remove more than comments: the two readings, compared.
    let arm = without_comments(bytes, false).map(|t| minified(&t));
    if arm.is_some() && arm == without_comments(bytes, true).map(|t| minified(&t)) {
        return None;
    }
    Some(ParseError {
        offset: at as u32,
        message: message.to_owned(),
    })
}

/// The first place the Azure CLI's expression (see [`azure_cli_differs`]) removes what is not
/// only comments and white space as imagegate reads them, and what is wrong there: the one
/// look at a document that has no such place (nearly all), in a pass over its line starts.
fn suspect(bytes: &[u8], comments: &[(usize, usize)]) -> Option<(usize, &'static str)> {
    let error = |at: usize, message: &'static str| Some((at, message));
    // Where the expression's search goes on (after its last match).
    let mut resume = 0;
    // The expression matches where a line's first byte other than a space or a tab is a `/`
    // opening a comment: found from the `/`s (a fast search), each looked at backwards.
    for at in memchr::memchr_iter(b'/', bytes) {
        if at < resume || !matches!(bytes.get(at + 1), Some(b'/' | b'*')) {
            continue;
        }
        let blanks = bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let line = at - blanks;
        if (line > 0 && bytes[line - 1] != b'\n') || line < resume {
            continue;
        }
        let end = match bytes.get(at..at + 2) {
            // `//` up to and with the next line feed (none: no match, and no line after).
            Some(b"//") => match memchr::memchr(b'\n', &bytes[at..]) {
                Some(i) => at + i + 1,
                None => break,
            },
            // `/*` or `/**`, then the first `*/` after them (two stars first, as the
            // expression's greedy `{1,2}` tries).
            Some(b"/*") => {
                let after = |from: usize| {
                    memchr::memmem::find(&bytes[from.min(bytes.len())..], b"*/")
                        .map(|i| from + i + 2)
                };
                let two = (bytes.get(at + 2) == Some(&b'*'))
                    .then(|| after(at + 3))
                    .flatten();
                match two.or_else(|| after(at + 2)) {
                    Some(end) => end,
                    None => continue,
                }
            }
            _ => continue,
        };
        resume = end;
        let line_comment = bytes[at + 1] == b'/';
        // The comment imagegate read there, or the one `at` lies in.
        let found = comments.partition_point(|&(start, _)| start <= at);
        let holding = found.checked_sub(1).map(|i| comments[i]);
        match holding {
            Some((start, close)) if start == at => {
                // The same comment: what the expression removes beyond it must be white space
                // and comments that end within the removal.
                if !trivia(bytes, close, end) {
                    return error(
                        at,
                        if line_comment {
                            "a carriage return alone ends this `//` comment for Azure Resource \
                             Manager and PowerShell, but the Azure CLI removes a comment that \
                             starts a line up to the line feed: what follows the carriage \
                             return is deployed by one and not by the other (end the comment \
                             with a line feed)"
                        } else {
                            "the Azure CLI ends this `/**` comment at a later `*/` than Azure \
                             Resource Manager and PowerShell do: what lies between is deployed \
                             by one and not by the other (close the comment on a line of its own)"
                        },
                    );
                }
            }
            // Inside a block comment: harmless when the removal ends before the comment's
            // `*/`, which the comment keeps.
            Some((start, close))
                if bytes[start + 1] == b'*' && at < close && line_comment && end + 2 <= close => {}
            Some((start, close)) if bytes[start + 1] == b'*' && at < close => {
                return error(
                    at,
                    "this line inside a `/* */` comment starts a comment of its own: the Azure \
                     CLI removes it with the `*/` that ends the outer comment, and reads what \
                     follows as comment too; Azure Resource Manager and PowerShell do not (the \
                     two deploy different templates)",
                );
            }
            // Inside a string.
            _ => {
                return error(
                    at,
                    "this line of a string starts like a comment: the Azure CLI removes it \
                     before it reads the template, Azure Resource Manager and PowerShell keep it \
                     in the string (the two deploy different templates; write the line break \
                     in the string as `\\n`)",
                );
            }
        }
    }
    None
}

/// `bytes` as Azure Resource Manager and Azure PowerShell read it (`cli` false), or as the
/// Azure CLI does (`cli` true: first the expression of [`azure_cli_differs`], then jsmin), with
/// every comment removed (a block comment leaves a space); `None` when a string or a block
/// comment is left open.
fn without_comments(bytes: &[u8], cli: bool) -> Option<Vec<u8>> {
    let mut kept;
    let text = if cli {
        kept = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if i == 0 || bytes[i - 1] == b'\n' {
                let q = i + bytes[i..]
                    .iter()
                    .take_while(|&&b| b == b' ' || b == b'\t')
                    .count();
                let after = |from: usize| {
                    memchr::memmem::find(&bytes[from.min(bytes.len())..], b"*/")
                        .map(|j| from + j + 2)
                };
                let matched = match bytes.get(q..q + 2) {
                    Some(b"//") => memchr::memchr(b'\n', &bytes[q..]).map(|j| q + j + 1),
                    Some(b"/*") => (bytes.get(q + 2) == Some(&b'*'))
                        .then(|| after(q + 3))
                        .flatten()
                        .or_else(|| after(q + 2)),
                    _ => None,
                };
                if let Some(end) = matched {
                    i = end;
                    continue;
                }
            }
            kept.push(bytes[i]);
            i += 1;
        }
        kept.as_slice()
    } else {
        bytes
    };
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match (text[i], text.get(i + 1)) {
            (b'"', _) => {
                let start = i;
                i += 1;
                loop {
                    match text.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
                out.extend_from_slice(text.get(start..i)?);
            }
            (b'/', Some(b'/')) => i = line_comment_end(text, i),
            (b'/', Some(b'*')) => {
                i = i + 2 + memchr::memmem::find(&text[i + 2..], b"*/")? + 2;
                out.push(b' ');
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

/// JSON text without comments, without its white space outside strings.
fn minified(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for &c in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
        } else if c == b'"' {
            in_string = true;
        } else if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            continue;
        }
        out.push(c);
    }
    out
}

/// Whether `bytes[from..to]` is only white space and comments that end within it (as
/// imagegate reads them).
fn trivia(bytes: &[u8], from: usize, to: usize) -> bool {
    let mut at = from;
    while at < to {
        at = match (bytes[at], bytes.get(at + 1)) {
            (b' ' | b'\t' | b'\r' | b'\n', _) => at + 1,
            (b'/', Some(b'/')) => line_comment_end(bytes, at),
            (b'/', Some(b'*')) => match memchr::memmem::find(&bytes[at + 2..], b"*/") {
                Some(i) => at + 2 + i + 2,
                None => return false,
            },
            _ => return false,
        };
        if at > to {
            return false;
        }
    }
    true
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
    // Most runs are a line break and an indentation of spaces: the spaces are counted a word
    // at a time, up to the first lane that is not a space, and when a token follows (nearly
    // always), that is the run.
    let mut run = match bytes {
        [b'\n', ..] => 1,
        [b'\r', b'\n', ..] => 2,
        _ => 0,
    };
    if run > 0 {
        while let Some(chunk) = bytes.get(run..run + 8) {
            let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            let not_space = x ^ 0x2020_2020_2020_2020;
            if not_space != 0 {
                run += (not_space.trailing_zeros() / 8) as usize;
                if !matches!(bytes[run], b' ' | b'\t' | b'\n' | b'\r') {
                    return run;
                }
                break;
            }
            run += 8;
        }
    }
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

    /// Documents whose keys are short words over a few letters (`a`, `A`, `B`, `$a`…), so that
    /// the keys [`pick_within`] looks for occur at every depth, in either case, repeated.
    fn small_keyed_documents() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<i64>().prop_map(serde_json::Value::from),
            "[ -~]{0,8}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                proptest::collection::btree_map("[$aAbB]{1,2}", inner, 0..6)
                    .prop_map(|m| { serde_json::Value::Object(m.into_iter().collect()) }),
            ]
        })
    }

    /// What [`pick_within`] picks of `doc`, found by walking its whole tree in document order.
    fn picked_by_walk(doc: &Json, top: &[&str], anywhere: &[&str]) -> Picked {
        fn is(keys: &[&str], key: &str) -> bool {
            keys.iter().any(|k| key.eq_ignore_ascii_case(k))
        }
        fn walk(json: &Json, depth: usize, top: &[&str], anywhere: &[&str], out: &mut Picked) {
            match &json.kind {
                JsonKind::Object(members) => {
                    for m in members {
                        if depth == 0 && is(top, &m.key) {
                            out.top.push(m.clone());
                        } else if is(anywhere, &m.key) {
                            out.anywhere.push(m.clone());
                        } else {
                            walk(&m.value, depth + 1, top, anywhere, out);
                        }
                    }
                }
                JsonKind::Array(items) => {
                    for item in items {
                        walk(item, depth + 1, top, anywhere, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = Picked::default();
        walk(doc, 0, top, anywhere, &mut out);
        out
    }

    /// How many values `doc` holds (itself included).
    fn count_values(doc: &Json) -> usize {
        1 + match &doc.kind {
            JsonKind::Object(members) => members.iter().map(|m| count_values(&m.value)).sum(),
            JsonKind::Array(items) => items.iter().map(count_values).sum(),
            _ => 0,
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
        fn picking_builds_what_a_walk_of_the_whole_tree_finds(doc in small_keyed_documents()) {
            for text in [
                serde_json::to_string(&doc).unwrap(),
                serde_json::to_string_pretty(&doc).unwrap(),
            ] {
                let whole = parse(&text).expect("serde_json's text");
                let picked = pick_within(&text, &["$a"], &["a", "B"], MAX_VALUES).expect("parses");
                let want = picked_by_walk(&whole, &["$a"], &["a", "B"]);
                proptest::prop_assert_eq!(&picked.top, &want.top, "{}", text);
                proptest::prop_assert_eq!(&picked.anywhere, &want.anywhere, "{}", text);
                // Every value counts against the budget, built or not, as in a whole parse.
                let values = count_values(&whole);
                proptest::prop_assert!(pick_within(&text, &[], &["a"], values).is_ok());
                proptest::prop_assert_eq!(
                    pick_within(&text, &[], &["a"], values - 1).map(drop),
                    parse_within(&text, values - 1).map(drop)
                );
            }
        }

        #[test]
        fn picking_refuses_what_parsing_refuses(s in "[\\[\\]{}\",:0-9a-zB\\\\/* \n-]{0,64}") {
            proptest::prop_assert_eq!(pick_within(&s, &["a"], &["B"], MAX_VALUES).map(drop), parse(&s).map(drop));
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

    /// Documents shaped like templates: keys a pruned parse treats apart (`type`,
    /// `resources`, `existing`, `outputs`, `parameters`, `defaultValue`, in either case) and
    /// others, and strings among which `vm` is a kind [`keep_vm`] keeps.
    fn template_like_documents() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            (0i64..100).prop_map(serde_json::Value::from),
            proptest::sample::select(vec!["vm", "VM", "net", "", "a\\\"b", "long string of text"])
                .prop_map(|s| serde_json::Value::String(s.to_owned())),
        ];
        let keys = proptest::sample::select(vec![
            "type",
            "Type",
            "resources",
            "RESOURCES",
            "existing",
            "outputs",
            "parameters",
            "defaultValue",
            "x",
            "name",
        ]);
        leaf.prop_recursive(5, 96, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
                proptest::collection::vec((keys.clone(), inner), 0..6).prop_map(|members| {
                    serde_json::Value::Object(
                        members
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect(),
                    )
                }),
            ]
        })
    }

    /// Template-shaped documents: a top object of `resources` (an array, or an object by
    /// name) whose elements have `type`, `resources` and `existing` members in any order and
    /// case, `outputs`, `parameters` and others, values drawn from
    /// [`template_like_documents`].
    fn templates() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::Value;
        let values = template_like_documents().boxed();
        let object = |members: Vec<(&str, Value)>| {
            Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            )
        };
        let member = prop_oneof![
            3 => (
                proptest::sample::select(vec!["type", "Type"]),
                proptest::sample::select(vec!["vm", "VM", "net"])
            )
                .prop_map(|(k, v)| (k, Value::String(v.to_owned()))),
            1 => (
                proptest::sample::select(vec!["existing", "EXISTING"]),
                any::<bool>()
            )
                .prop_map(|(k, b)| (k, Value::Bool(b))),
            2 => Just(("resources", Value::Array(Vec::new()))),
            3 => (proptest::sample::select(vec!["x", "name"]), values.clone()),
        ];
        let resource = proptest::collection::vec(member, 0..7).prop_map(object);
        let top_member = prop_oneof![
            proptest::collection::vec(resource.clone(), 0..4)
                .prop_map(|r| ("resources", Value::Array(r))),
            proptest::collection::vec((proptest::sample::select(vec!["a", "b"]), resource), 0..3)
                .prop_map(move |r| ("Resources", object(r))),
            (
                proptest::sample::select(vec!["outputs", "parameters", "x"]),
                values
            ),
        ];
        proptest::collection::vec(top_member, 0..5).prop_map(object)
    }

    /// The judgement of a test's pruned parse: elements of kind `vm` (in any case) or with
    /// children are kept, unless `existing`.
    fn keep_vm(e: Element<'_>) -> bool {
        !e.existing && (e.children || e.kind.eq_ignore_ascii_case("vm"))
    }

    /// The pruning of a test: `outputs` left out, `parameters` keeping `defaultValue`,
    /// `resources` judged by [`keep_vm`].
    const TEST_PRUNE: Prune<'static> = Prune {
        left_out: &["outputs"],
        declarations: "parameters",
        declared: &["defaultValue"],
        judged: "resources",
        keep: &keep_vm,
    };

    /// `doc` (a whole parse) pruned as `prune` says, by walking its tree: what
    /// [`parse_pruned_within`] must build.
    fn pruned_by_walk(doc: &Json, prune: &Prune<'_>) -> Json {
        let null = |v: &Json| Json {
            kind: JsonKind::Null,
            start: v.start,
            end: v.end,
        };
        let map_members = |v: &Json, f: &dyn Fn(&Member) -> Json| Json {
            kind: match &v.kind {
                JsonKind::Object(members) => JsonKind::Object(
                    members
                        .iter()
                        .map(|m| Member {
                            value: f(m),
                            ..m.clone()
                        })
                        .collect(),
                ),
                _ => unreachable!("an object"),
            },
            ..v.clone()
        };
        let judge = |v: &Json| {
            if !v.is_object() {
                return v.clone();
            }
            let element = Element {
                kind: v.get("type").and_then(Json::as_str).unwrap_or(""),
                children: v.get("resources").is_some(),
                existing: v
                    .get("existing")
                    .is_some_and(|e| e.kind == JsonKind::Bool(true)),
            };
            if (prune.keep)(element) {
                v.clone()
            } else {
                null(v)
            }
        };
        if !doc.is_object() {
            return doc.clone();
        }
        map_members(doc, &|m| {
            let is = |k: &str| m.key.eq_ignore_ascii_case(k);
            let v = &m.value;
            if prune.left_out.iter().any(|k| is(k)) {
                null(v)
            } else if is(prune.declarations) && v.is_object() {
                map_members(v, &|d| {
                    if !d.value.is_object() {
                        return d.value.clone();
                    }
                    map_members(&d.value, &|e| {
                        if prune.declared.iter().any(|k| e.key.eq_ignore_ascii_case(k)) {
                            e.value.clone()
                        } else {
                            null(&e.value)
                        }
                    })
                })
            } else if is(prune.judged) && v.as_array().is_some() {
                Json {
                    kind: JsonKind::Array(
                        v.as_array().unwrap_or_default().iter().map(judge).collect(),
                    ),
                    ..v.clone()
                }
            } else if is(prune.judged) && v.is_object() {
                map_members(v, &|e| judge(&e.value))
            } else {
                v.clone()
            }
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        /// A pruned parse builds what pruning a whole parse's tree gives, refuses what a whole
        /// parse refuses with the same error, and counts every value against the budget.
        #[test]
        fn a_pruned_parse_is_a_whole_parse_pruned(
            doc in proptest::prop_oneof![templates(), template_like_documents()],
            cut in proptest::num::usize::ANY,
            comment in proptest::num::usize::ANY,
        ) {
            let compact = serde_json::to_string(&doc).unwrap();
            let pretty = serde_json::to_string_pretty(&doc).unwrap();
            // A comment after a comma somewhere, and the text cut short somewhere.
            let commas: Vec<usize> = pretty.match_indices(",\n").map(|(i, _)| i + 1).collect();
            let mut commented = pretty.clone();
            if !commas.is_empty() {
                commented.insert_str(commas[comment % commas.len()], " /* c */ // d\n");
            }
            let cut = pretty.floor_char_boundary(cut % (pretty.len() + 1));
            for text in [&compact, &pretty, &commented, &pretty[..cut].to_owned()] {
                let whole = parse(text);
                let pruned = parse_pruned_within(text, &TEST_PRUNE, MAX_VALUES);
                match &whole {
                    Ok(whole) => {
                        proptest::prop_assert_eq!(
                            pruned.as_ref().ok(),
                            Some(&pruned_by_walk(whole, &TEST_PRUNE)),
                            "{}",
                            text
                        );
                        let values = count_values(whole);
                        proptest::prop_assert!(
                            parse_pruned_within(text, &TEST_PRUNE, values).is_ok()
                        );
                        proptest::prop_assert_eq!(
                            parse_pruned_within(text, &TEST_PRUNE, values - 1).map(drop),
                            parse_within(text, values - 1).map(drop)
                        );
                    }
                    Err(e) => proptest::prop_assert_eq!(pruned.as_ref().err(), Some(e)),
                }
            }
        }
    }

    proptest::proptest! {
        /// The first quote or backslash is found where `memchr2` finds it.
        #[test]
        fn quotes_and_backslashes_are_found_where_memchr_finds_them(
            s in proptest::collection::vec(proptest::sample::select(vec![b'a', b'"', b'\\', 0xa2, 0xdc, b' ']), 0..40),
        ) {
            proptest::prop_assert_eq!(quote_or_backslash(&s), memchr::memchr2(b'"', b'\\', &s));
        }

        /// Runs of white space are measured as byte by byte, however lines and indentation
        /// mix.
        #[test]
        fn whitespace_runs_are_measured_as_byte_by_byte(
            s in proptest::collection::vec(proptest::sample::select(vec![b' ', b'\t', b'\r', b'\n', b'x', 0xa0]), 0..40),
        ) {
            let naive = s
                .iter()
                .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
                .count();
            proptest::prop_assert_eq!(whitespace_run(&s), naive);
        }
    }

    #[test]
    fn a_pruned_parse_reads_resources_again_when_a_later_member_keeps_them() {
        // `type` says drop, a later `resources` keeps: the element is read again, whole.
        let text = r#"{"resources": [
            {"type": "net", "properties": {"a": [1, 2]}, "resources": []},
            {"type": "net", "properties": {"a": 1}},
            {"type": "vm", "existing": true},
            {"type": "net", "x": 1, "TYPE": "VM"}
        ], "outputs": {"o": 1}, "parameters": {"p": {"type": "string", "defaultValue": "d"}}}"#;
        let whole = parse(text).unwrap();
        let pruned = parse_pruned_within(text, &TEST_PRUNE, MAX_VALUES).unwrap();
        assert_eq!(pruned, pruned_by_walk(&whole, &TEST_PRUNE));
        let resources = pruned.get("resources").and_then(Json::as_array).unwrap();
        let kinds: Vec<bool> = resources.iter().map(Json::is_object).collect();
        assert_eq!(kinds, [true, false, false, true]);
        assert_eq!(
            resources[0],
            whole.get("resources").unwrap().as_array().unwrap()[0]
        );
        assert_eq!(
            pruned.get("outputs").map(|o| &o.kind),
            Some(&JsonKind::Null)
        );
        let p = pruned.get("parameters").and_then(|p| p.get("p")).unwrap();
        assert_eq!(p.get("type").map(|t| &t.kind), Some(&JsonKind::Null));
        assert_eq!(p.get("defaultValue").and_then(Json::as_str), Some("d"));
    }

    /// How Azure Resource Manager and Azure PowerShell read a template (Newtonsoft.Json, whose
    /// single-line comment ends at `\r` or `\n`), written from that rule: the text without
    /// its comments (`//` up to the first CR or LF, not included; `/* */` up to the first
    /// `*/`, as a space). `None` when a string or block comment is not closed.
    fn arm_reads(text: &str) -> Option<String> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match (b[i], b.get(i + 1)) {
                (b'"', _) => {
                    let start = i;
                    i += 1;
                    loop {
                        match b.get(i)? {
                            b'\\' => i += 2,
                            b'"' => break,
                            _ => i += 1,
                        }
                    }
                    i += 1;
                    out.extend_from_slice(b.get(start..i)?);
                }
                (b'/', Some(b'/')) => {
                    while i < b.len() && b[i] != b'\r' && b[i] != b'\n' {
                        i += 1;
                    }
                }
                (b'/', Some(b'*')) => {
                    let end =
                        (i + 2..b.len().saturating_sub(1)).find(|&j| &b[j..j + 2] == b"*/")?;
                    i = end + 2;
                    out.push(b' ');
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).ok()
    }

    /// How `az deployment … --template-file` reads it, written from its source
    /// (Azure/azure-cli `custom.py`, `_remove_comments_from_json`): first the expression
    /// `(^[\t ]*//[\s\S]*?\n)|(^[\t ]*/\*{1,2}[\s\S]*?\*/)` (multiline: `^` at the start
    /// and after each LF) removes what it matches, blind to strings; then jsmin removes the
    /// comments left (its `line_comment` stops at `\r` or `\n`), as [`arm_reads`].
    fn azure_cli_reads(text: &str) -> Option<String> {
        let b = text.as_bytes();
        let find = |from: usize| {
            (from..b.len().saturating_sub(1))
                .find(|&j| &b[j..j + 2] == b"*/")
                .map(|j| j + 2)
        };
        let mut kept = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if i == 0 || b[i - 1] == b'\n' {
                let mut q = i;
                while q < b.len() && (b[q] == b' ' || b[q] == b'\t') {
                    q += 1;
                }
                let matched = if b[q..].starts_with(b"//") {
                    (q..b.len()).find(|&j| b[j] == b'\n').map(|lf| lf + 1)
                } else if b[q..].starts_with(b"/**") {
                    find(q + 3).or_else(|| find(q + 2))
                } else if b[q..].starts_with(b"/*") {
                    find(q + 2)
                } else {
                    None
                };
                if let Some(end) = matched {
                    i = end;
                    continue;
                }
            }
            kept.push(b[i]);
            i += 1;
        }
        arm_reads(&String::from_utf8(kept).ok()?)
    }

    /// `text` (JSON without comments) as serde_json reads it, raw line breaks and tabs inside
    /// strings accepted (Newtonsoft.Json and Python's `strict=False` accept them).
    fn lenient(text: &str) -> Option<serde_json::Value> {
        let mut out = String::new();
        let mut in_string = false;
        let mut escaped = false;
        for c in text.chars() {
            match c {
                '\n' if in_string => out.push_str("\\n"),
                '\r' if in_string => out.push_str("\\r"),
                '\t' if in_string => out.push_str("\\t"),
                _ => out.push(c),
            }
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
            }
        }
        serde_json::from_str(&out).ok()
    }

    /// Trivia written between tokens: line breaks of every kind, comments of every form, and
    /// the shapes Azure's readers read differently (a comment starting a line that a lone CR
    /// ends, `/**/` starting a line, a `//` line inside a block comment).
    const BETWEEN: [&str; 19] = [
        " ",
        "\n",
        "\r",
        "\r\n",
        "\t",
        "// c",
        "// c /* x",
        "/* c */",
        "/**/",
        "/** c */",
        "/* c\n  // d */",
        "/* c\n  // d\n */",
        "\n// c\r",
        "\n  // c\r",
        "\n/**/ ",
        "\n// c\r// d\n",
        "\n\t/* c */\n",
        "// \"q\" \r\n",
        "\r// c\n",
    ];

    /// Raw text written at the start of a string: line breaks, and lines that start like
    /// comments.
    const IN_STRING: [&str; 5] = ["\n", "\r\n// s\n", "\n  /* s */", "\n// s", "x\r// s\r\n"];

    /// A document serde_json writes, with trivia of [`BETWEEN`] inserted between tokens and
    /// text of [`IN_STRING`] at the start of strings (each chosen place taken modulo the
    /// places there are).
    fn commented() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        (
            documents(),
            proptest::collection::vec((any::<usize>(), 0..BETWEEN.len()), 0..8),
            proptest::collection::vec((any::<usize>(), 0..IN_STRING.len()), 0..2),
        )
            .prop_map(|(doc, between, inside)| {
                let text = serde_json::to_string_pretty(&doc).unwrap();
                let b = text.as_bytes();
                let (mut gaps, mut opens) = (Vec::new(), Vec::new());
                let (mut in_string, mut escaped) = (false, false);
                for (i, &c) in b.iter().enumerate() {
                    if in_string {
                        if escaped {
                            escaped = false;
                        } else if c == b'\\' {
                            escaped = true;
                        } else if c == b'"' {
                            in_string = false;
                        }
                        continue;
                    }
                    if b",}]:".contains(&c) || (i > 0 && b"{[,:".contains(&b[i - 1])) {
                        gaps.push(i);
                    }
                    if c == b'"' {
                        in_string = true;
                        opens.push(i + 1);
                    }
                }
                let mut edits: Vec<(usize, &str)> = Vec::new();
                if !gaps.is_empty() {
                    edits.extend(
                        between
                            .iter()
                            .map(|&(p, f)| (gaps[p % gaps.len()], BETWEEN[f])),
                    );
                }
                if !opens.is_empty() {
                    edits.extend(
                        inside
                            .iter()
                            .map(|&(p, f)| (opens[p % opens.len()], IN_STRING[f])),
                    );
                }
                edits.sort_by_key(|&(at, _)| std::cmp::Reverse(at));
                let mut out = text.clone();
                for (at, fragment) in edits {
                    out.insert_str(at, fragment);
                }
                out
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            if cfg!(debug_assertions) { 512 } else { 20_000 }
        ))]

        /// imagegate reads what Azure's readers read, or refuses what they read differently:
        /// when Azure Resource Manager's reading and the Azure CLI's give the same document,
        /// imagegate gives it; when they differ (or one cannot read the text), imagegate
        /// refuses the text.
        #[test]
        fn comments_end_where_azure_ends_them(text in commented()) {
            let arm = arm_reads(&text).and_then(|t| lenient(&t));
            let cli = azure_cli_reads(&text).and_then(|t| lenient(&t));
            let ours = parse(&text);
            match (&arm, &cli) {
                (Some(a), Some(c)) if a == c => {
                    proptest::prop_assert_eq!(
                        ours.as_ref().map(to_serde).map_err(|e| e.message.clone()),
                        Ok(a.clone()),
                        "{:?}",
                        text
                    );
                }
                _ => proptest::prop_assert!(
                    ours.is_err(),
                    "Azure's readers differ ({:?} and {:?}) but imagegate reads {:?}",
                    arm,
                    cli,
                    text
                ),
            }
            proptest::prop_assert_eq!(validate(&text), ours.map(drop));
        }
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_comment() {
        // After code, the CR ends the comment for every reader: what follows is read.
        let text = "{\"a\": 1, // note\r\"imageReference\": {\"id\": \"x\"}\n}";
        let json = parse(text).expect("parses");
        assert_eq!(
            json.get("imageReference")
                .and_then(|i| i.get("id"))
                .and_then(Json::as_str),
            Some("x")
        );
        // CRLF and LF end it too; the end of the text as well.
        for text in [
            "[1, // c\r\n2]",
            "[1, // c\n2]",
            "[1, 2] // c",
            "[1, 2]\r// c\r",
        ] {
            assert_eq!(
                to_serde(&parse(text).expect(text)),
                serde_json::json!([1, 2]),
                "{text:?}"
            );
        }
    }

    #[test]
    fn what_the_azure_cli_reads_differently_is_refused() {
        // A comment starting a line that a lone CR ends, with a key after the CR: the CLI
        // removes the line to its LF, Azure Resource Manager reads the key.
        let text = "{\n  \"a\": 1,\n  // note\r\"imageReference\": {}\n}";
        let error = parse(text).unwrap_err();
        assert!(error.message.contains("carriage return alone"), "{error:?}");
        assert_eq!(error.offset, 14);
        // Only comments and white space after the CR: every reader reads the same.
        for same in [
            "{\n  // a\r  // b\r\n  \"k\": 1\n}",
            "{\n  // a\r \t\r\n  \"k\": 1\n}",
            "{\n  // a\r/* b */\n  \"k\": 1\n}",
            // No LF after it: the CLI's expression matches nothing.
            "{\"k\": 1}\n// a\r ",
        ] {
            assert!(parse(same).is_ok(), "{same:?}");
        }
        // `/**/` starting a line: the CLI's expression runs to the next `*/`.
        let error = parse("{\n/**/ \"a\": 1, /* b */\n\"c\": 2}").unwrap_err();
        assert!(error.message.contains("`/**`"), "{error:?}");
        assert!(parse("{\n/**/\n\"c\": 2}").is_ok());
        // A line of a string starting like a comment.
        let error = parse("{\"a\": \"x\n// y\", \"b\": 1\n}").unwrap_err();
        assert!(error.message.contains("line of a string"), "{error:?}");
        assert!(parse("{\"a\": \"x\n y // z\"}").is_ok());
        // A line inside a block comment that removes the comment's end.
        let error = parse("{\"a\": 1, /* c\n// */ \"b\": 2\n}").unwrap_err();
        assert!(
            error.message.contains("inside a `/* */` comment"),
            "{error:?}"
        );
        assert!(parse("{\"a\": 1, /* c\n// d\n */ \"b\": 2\n}").is_ok());
    }
}
