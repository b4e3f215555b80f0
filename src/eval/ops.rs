//! Helpers over [`Value`]s shared by the function library and the evaluator.

use crate::json::Json;
use crate::source::FileId;
use crate::source::Span;
use crate::value::json::json_value;
use crate::value::value_type::ValueType;
use crate::value::{Cause, Hop, Kind, MAX_PIECES, Origin, Part, Piece, Value, Why};

/// A [`Value`] for a JSON literal, with every node's span as its origin; strings are *not*
/// evaluated as expressions (use this for parameter files).
pub fn literal_value(node: &Json, file: FileId) -> Value {
    json_value(node, &|n: &Json| {
        let span = Span::new(file, n.start as usize, n.end as usize);
        Origin {
            literal: Some(span),
            site: Some(span),
            hops: Vec::new(),
            pieces: None,
        }
    })
}

/// The members of an object being built: keys unique ASCII-case-insensitively, as ARM
/// compares them, in the order each key first came; a later value for a key replaces the
/// earlier one in its place. Small objects (nearly all) are searched; past [`INDEXED`]
/// members a hash of the lower-cased keys finds them, so that an object of 100,000 keys is
/// built in 100,000 steps, not 10^10 comparisons.
#[derive(Default)]
pub(crate) struct Members {
    members: Vec<(String, Value)>,
    /// Lower-cased key → position, once there are more than [`INDEXED`] members.
    index: Option<foldhash::HashMap<String, usize>>,
}

/// Most members an object is searched through before its keys are hashed.
const INDEXED: usize = 32;

impl Members {
    /// The members of `object` (keys already unique), to add to.
    pub(crate) fn from_vec(members: Vec<(String, Value)>) -> Self {
        let mut out = Members {
            members,
            index: None,
        };
        out.reindex();
        out
    }

    /// Hashes the keys once there are more than [`INDEXED`] members.
    fn reindex(&mut self) {
        if self.index.is_none() && self.members.len() > INDEXED {
            let index = self
                .members
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.to_ascii_lowercase(), i))
                .collect();
            self.index = Some(index);
        }
    }

    /// Where the member `key` is, if there is one.
    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key.to_ascii_lowercase().as_str()).copied(),
            None => self
                .members
                .iter()
                .position(|(k, _)| k.eq_ignore_ascii_case(key)),
        }
    }

    /// The value of the member `key`, to change.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let i = self.position(key)?;
        Some(&mut self.members[i].1)
    }

    /// Sets the member `key` to `value`: in the place of an earlier one, else last.
    pub(crate) fn put(&mut self, key: String, value: Value) {
        match self.position(&key) {
            Some(i) => self.members[i].1 = value,
            None => {
                if let Some(index) = &mut self.index {
                    index.insert(key.to_ascii_lowercase(), self.members.len());
                }
                self.members.push((key, value));
                self.reindex();
            }
        }
    }

    /// The members, in order.
    pub(crate) fn into_vec(self) -> Vec<(String, Value)> {
        self.members
    }
}

/// A value's type, for messages.
pub fn type_name(v: &Value) -> ValueType {
    ValueType::of(&v.kind)
}

/// The size of a value and its depth, for budgets: a unit per node, per 16 bytes of text
/// (strings, keys and the known pieces of a partially known string), per hole of such a
/// string, and per place an unknown's reason passed through: each hole and each unknown
/// holds its own chain of those places, so a string whose holes double with each
/// `'${a}-${a}'` weighs what it holds (it used to weigh one unit whatever its holes). Stops
/// counting once `limit` is passed (the returned weight is then `> limit`) or the depth
/// exceeds `max_depth`. Without recursion: any value is measured on a bounded stack.
pub fn weight_and_depth(v: &Value, limit: u64, max_depth: usize) -> (u64, usize) {
    weight_and_depth_through(v, 0, limit, max_depth)
}

/// [`weight_and_depth`] of the value with `hops` more hops in front of the chain of every
/// unknown inside it (each unknown and each hole weighs that much more): what a parameter's
/// or variable's value read in place weighs as its copy at the reference would
/// (`scope::Stored`), measured without the copy.
pub(crate) fn weight_and_depth_through(
    v: &Value,
    hops: u64,
    limit: u64,
    max_depth: usize,
) -> (u64, usize) {
    let mut w: u64 = 0;
    let mut d = 0usize;
    // Values to measure, in the order a recursive walk meets them (the last pushed first),
    // with their depth and the units of the key they are held under.
    let mut stack: Vec<(&Value, usize, u64)> = vec![(v, 0, 0)];
    while let Some((v, depth, key)) = stack.pop() {
        w += key;
        d = d.max(depth);
        w += 1;
        if w > limit || d > max_depth {
            break;
        }
        match &v.kind {
            Kind::Str(s) => w += s.len() as u64 / 16,
            Kind::Partial(parts) => {
                for part in parts {
                    w += match part {
                        Part::Text(t) => t.len() as u64 / 16,
                        Part::Hole(why) => 1 + why.chain.len() as u64 + hops,
                    };
                }
            }
            Kind::Unknown(why) => w += why.chain.len() as u64 + hops,
            Kind::Array(items) => {
                stack.extend(items.iter().rev().map(|x| (x, depth + 1, 0)));
            }
            Kind::Object(members) => {
                stack.extend(
                    members
                        .iter()
                        .rev()
                        .map(|(k, x)| (x, depth + 1, k.len() as u64 / 16)),
                );
            }
            Kind::Null | Kind::Bool(_) | Kind::Int(_) | Kind::Float(_) => {}
        }
    }
    (w, d)
}

/// The pieces of a string being composed (`concat`, `format`): the runs of its known text
/// that literals supplied, each where it lands. A fix reads them to edit the literal that
/// decides one part of an image ID (#26); they never change what a value is.
#[derive(Default)]
pub(crate) struct Pieces {
    /// The runs so far, in order.
    list: Vec<Piece>,
    /// Whether a run was left out (past [`MAX_PIECES`], or beyond `u32` offsets): then none
    /// is kept, as a partial list would hide a use of a literal.
    lost: bool,
}

impl Pieces {
    /// Records what `value`, appended at byte `at` of the known text, brings: its own literal
    /// (a string a literal supplied whole), else the pieces it carries, shifted to `at`.
    pub(crate) fn value(&mut self, at: usize, value: &Value) {
        match &value.kind {
            Kind::Str(s) => {
                if let Some(literal) = value.origin.literal {
                    if !s.is_empty() {
                        self.push(at, at + s.len(), literal, true);
                    }
                    return;
                }
            }
            Kind::Partial(_) => {}
            _ => return,
        }
        if let Some(pieces) = &value.origin.pieces {
            for p in pieces.iter() {
                let (start, end) = (p.start as usize, p.end as usize);
                self.push(at + start, at + end, p.literal, p.whole);
            }
        }
    }

    /// Records that bytes `start..end` of the known text are the end of the text of the
    /// literal at `literal` (a format string's text after its last placeholder).
    pub(crate) fn tail(&mut self, start: usize, end: usize, literal: Span) {
        if start < end {
            self.push(start, end, literal, false);
        }
    }

    fn push(&mut self, start: usize, end: usize, literal: Span, whole: bool) {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(start), Ok(end)) if self.list.len() < MAX_PIECES => self.list.push(Piece {
                start,
                end,
                literal,
                whole,
            }),
            _ => self.lost = true,
        }
    }

    /// `value` (the composed string) carrying the pieces recorded, when it is a string and
    /// none was lost.
    pub(crate) fn on(self, mut value: Value) -> Value {
        if !self.lost
            && !self.list.is_empty()
            && matches!(value.kind, Kind::Str(_) | Kind::Partial(_))
        {
            value.origin.pieces = Some(self.list.into());
        }
        value
    }
}

/// Puts `hops` in front of the value's origin hops and of the chain of every unknown inside it:
/// what a reference to a parameter or variable did to its whole copy before references read
/// the stored value in place (`scope::Place`), kept as what the tests compare that against.
#[cfg(test)]
pub(crate) fn prepend_hops(v: &mut Value, hops: &[Hop]) {
    if hops.is_empty() {
        return;
    }
    v.origin.hops.splice(0..0, hops.iter().cloned());
    prepend_why(v, hops);
}

/// Puts `hops` in front of the chain of every unknown inside the value (not of its origin
/// hops).
pub(crate) fn prepend_why(v: &mut Value, hops: &[Hop]) {
    match &mut v.kind {
        Kind::Unknown(w) => w.chain.splice(0..0, hops.iter().cloned()).for_each(drop),
        Kind::Partial(parts) => {
            for p in parts {
                if let Part::Hole(w) = p {
                    w.chain.splice(0..0, hops.iter().cloned()).for_each(drop);
                }
            }
        }
        Kind::Array(a) => a.iter_mut().for_each(|x| prepend_why(x, hops)),
        Kind::Object(m) => m.iter_mut().for_each(|(_, x)| prepend_why(x, hops)),
        _ => {}
    }
}

/// A why with `hops` in front of its chain.
pub fn why_through(why: &Why, hops: &[Hop]) -> Why {
    let mut w = why.clone();
    w.chain.splice(0..0, hops.iter().cloned());
    w
}

/// Result of comparing possibly unknown values.
#[derive(Clone, Debug, PartialEq)]
pub enum Tri {
    /// Known to be true.
    Yes,
    /// Known to be false.
    No,
    /// Cannot be decided; why.
    Unknown(Why),
}

/// Deep equality as ARM's `equals` does it (strings case-sensitive, object keys
/// case-insensitive, `1` equals `1.0`), deciding with partial strings where the known text
/// already differs.
pub fn equals(a: &Value, b: &Value) -> Tri {
    match (&a.kind, &b.kind) {
        (Kind::Unknown(w), _) | (_, Kind::Unknown(w)) => Tri::Unknown(w.clone()),
        (Kind::Partial(_), _) | (_, Kind::Partial(_)) => match (a.as_parts(), b.as_parts()) {
            (Some(pa), Some(pb)) => partial_equals(&pa, &pb),
            _ => Tri::No,
        },
        (Kind::Null, Kind::Null) => Tri::Yes,
        (Kind::Bool(x), Kind::Bool(y)) => bool_tri(x == y),
        (Kind::Int(x), Kind::Int(y)) => bool_tri(x == y),
        (Kind::Float(x), Kind::Float(y)) => bool_tri(x == y),
        (Kind::Int(x), Kind::Float(y)) | (Kind::Float(y), Kind::Int(x)) => {
            bool_tri(*x as f64 == *y)
        }
        (Kind::Str(x), Kind::Str(y)) => bool_tri(x == y),
        (Kind::Array(x), Kind::Array(y)) => {
            if x.len() != y.len() {
                return Tri::No;
            }
            let mut pending = None;
            for (p, q) in x.iter().zip(y) {
                match equals(p, q) {
                    Tri::No => return Tri::No,
                    Tri::Unknown(w) => pending = pending.or(Some(w)),
                    Tri::Yes => {}
                }
            }
            pending.map_or(Tri::Yes, Tri::Unknown)
        }
        (Kind::Object(x), Kind::Object(y)) => {
            if x.len() != y.len() {
                return Tri::No;
            }
            let mut pending = None;
            for (k, p) in x {
                let Some(q) = b.get(k) else { return Tri::No };
                match equals(p, q) {
                    Tri::No => return Tri::No,
                    Tri::Unknown(w) => pending = pending.or(Some(w)),
                    Tri::Yes => {}
                }
            }
            pending.map_or(Tri::Yes, Tri::Unknown)
        }
        _ => Tri::No,
    }
}

fn bool_tri(b: bool) -> Tri {
    if b { Tri::Yes } else { Tri::No }
}

/// Compares two partially known strings: differing known prefixes or suffixes decide `No`.
pub fn partial_equals(a: &[Part], b: &[Part]) -> Tri {
    let (pa, sa) = known_ends(a);
    let (pb, sb) = known_ends(b);
    let n = pa.len().min(pb.len());
    if pa.as_bytes()[..n] != pb.as_bytes()[..n] {
        return Tri::No;
    }
    let m = sa.len().min(sb.len());
    if sa.as_bytes()[sa.len() - m..] != sb.as_bytes()[sb.len() - m..] {
        return Tri::No;
    }
    let why = a
        .iter()
        .chain(b)
        .find_map(|p| match p {
            Part::Hole(w) => Some(w.clone()),
            Part::Text(_) => None,
        })
        .unwrap_or_else(|| Why::new(Cause::PartiallyKnownString));
    Tri::Unknown(why)
}

/// The known text before the first hole and after the last hole (the whole text if none).
pub fn known_ends(parts: &[Part]) -> (String, String) {
    let mut prefix = String::new();
    for p in parts {
        match p {
            Part::Text(t) => prefix.push_str(t),
            Part::Hole(_) => break,
        }
    }
    let mut suffix_parts = Vec::new();
    for p in parts.iter().rev() {
        match p {
            Part::Text(t) => suffix_parts.push(t.as_str()),
            Part::Hole(_) => break,
        }
    }
    suffix_parts.reverse();
    (prefix, suffix_parts.concat())
}

/// Renders a value the way ARM's `string()` does: strings as-is, numbers in invariant form,
/// booleans as `True`/`False`, null as the empty string, arrays and objects as compact JSON.
/// Unknown parts become holes. Gives up (returns `None`) past `max_len` bytes.
pub fn to_string_parts(v: &Value, max_len: usize) -> Option<Vec<Part>> {
    match &v.kind {
        Kind::Str(s) => Some(vec![Part::Text(s.clone())]),
        Kind::Partial(p) => Some(p.clone()),
        Kind::Unknown(w) => Some(vec![Part::Hole(w.clone())]),
        Kind::Null => Some(vec![Part::Text(String::new())]),
        Kind::Bool(b) => Some(vec![Part::Text(if *b { "True" } else { "False" }.into())]),
        Kind::Int(i) => Some(vec![Part::Text(i.to_string())]),
        Kind::Float(f) => Some(vec![Part::Text(format_float(*f))]),
        Kind::Array(_) | Kind::Object(_) => {
            let mut out = JsonWriter {
                parts: Vec::new(),
                len: 0,
                max_len,
            };
            out.value(v).then_some(out.parts)
        }
    }
}

/// Formats a float like .NET's default `ToString()` for typical values.
pub fn format_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

struct JsonWriter {
    parts: Vec<Part>,
    len: usize,
    max_len: usize,
}

impl JsonWriter {
    fn text(&mut self, s: &str) -> bool {
        self.len += s.len();
        if self.len > self.max_len {
            return false;
        }
        match self.parts.last_mut() {
            Some(Part::Text(t)) => t.push_str(s),
            _ => self.parts.push(Part::Text(s.to_owned())),
        }
        true
    }

    fn string(&mut self, s: &str) -> bool {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        self.text(&out)
    }

    fn value(&mut self, v: &Value) -> bool {
        match &v.kind {
            Kind::Null => self.text("null"),
            Kind::Bool(b) => self.text(if *b { "true" } else { "false" }),
            Kind::Int(i) => self.text(&i.to_string()),
            Kind::Float(f) => self.text(&format_float(*f)),
            Kind::Str(s) => self.string(s),
            Kind::Partial(parts) => {
                if !self.text("\"") {
                    return false;
                }
                for p in parts {
                    match p {
                        Part::Text(t) => {
                            let quoted = {
                                let mut w = JsonWriter {
                                    parts: Vec::new(),
                                    len: 0,
                                    max_len: self.max_len,
                                };
                                if !w.string(t) {
                                    return false;
                                }
                                match w.parts.pop() {
                                    Some(Part::Text(q)) => q,
                                    _ => String::new(),
                                }
                            };
                            if !self.text(&quoted[1..quoted.len() - 1]) {
                                return false;
                            }
                        }
                        Part::Hole(w) => self.parts.push(Part::Hole(w.clone())),
                    }
                }
                self.text("\"")
            }
            Kind::Unknown(w) => {
                self.parts.push(Part::Hole(w.clone()));
                true
            }
            Kind::Array(items) => {
                if !self.text("[") {
                    return false;
                }
                for (i, x) in items.iter().enumerate() {
                    if (i > 0 && !self.text(",")) || !self.value(x) {
                        return false;
                    }
                }
                self.text("]")
            }
            Kind::Object(members) => {
                if !self.text("{") {
                    return false;
                }
                for (i, (k, x)) in members.iter().enumerate() {
                    if (i > 0 && !self.text(",")) || !self.string(k) || !self.text(":") {
                        return false;
                    }
                    if !self.value(x) {
                        return false;
                    }
                }
                self.text("}")
            }
        }
    }
}

/// The length of `s` as ARM counts it: in UTF-16 code units (`length()`, `substring()`).
pub(crate) fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::composed(Kind::Str(x.into()))
    }

    /// Members built by search (small) and by hash (large) alike: the first spelling of a
    /// key and its place stay, ASCII-case-insensitively, with the last value put.
    #[test]
    fn members_keep_the_first_place_and_the_last_value_of_each_key() {
        for n in [3usize, 32, 33, 500] {
            let mut members = Members::default();
            for i in 0..n {
                members.put(format!("k{i}"), s(&format!("a{i}")));
            }
            for i in (0..n).step_by(2) {
                members.put(format!("K{i}"), s(&format!("b{i}")));
            }
            members.put("new".into(), s("c"));
            if let Some(v) = members.get_mut("NEW") {
                *v = s("d");
            }
            let built = members.into_vec();
            let mut expected: Vec<(String, Value)> = (0..n)
                .map(|i| {
                    let v = if i % 2 == 0 { "b" } else { "a" };
                    (format!("k{i}"), s(&format!("{v}{i}")))
                })
                .collect();
            expected.push(("new".into(), s("d")));
            assert_eq!(built, expected, "{n}");
            let mut again = Members::from_vec(built);
            again.put("k1".into(), s("e"));
            assert_eq!(again.position("K1"), Some(1));
            assert_eq!(again.into_vec().len(), n + 1);
        }
    }

    #[test]
    fn partial_equality_decides_on_known_text() {
        let hole = Part::Hole(Why::new(Cause::UnsetDeploymentSetting(
            crate::value::cause::DeploymentSetting::Subscription,
        )));
        let a = Value::composed(Kind::Partial(vec![
            Part::Text("/subscriptions/".into()),
            hole.clone(),
        ]));
        assert!(matches!(equals(&a, &s("/providers/x")), Tri::No));
        assert!(matches!(
            equals(&a, &s("/subscriptions/123")),
            Tri::Unknown(_)
        ));
        let b = Value::composed(Kind::Partial(vec![hole, Part::Text("/rg-a".into())]));
        assert!(matches!(equals(&b, &s("x/rg-b")), Tri::No));
    }

    #[test]
    fn string_rendering_matches_arm() {
        let obj = Value::composed(Kind::Object(vec![
            ("valueA".into(), Value::composed(Kind::Int(10))),
            ("valueB".into(), s("Example Text")),
        ]));
        let parts = to_string_parts(&obj, 1000).unwrap();
        assert_eq!(
            parts,
            vec![Part::Text(
                r#"{"valueA":10,"valueB":"Example Text"}"#.into()
            )]
        );
        assert!(to_string_parts(&obj, 5).is_none());
        let b = to_string_parts(&Value::composed(Kind::Bool(true)), 10).unwrap();
        assert_eq!(b, vec![Part::Text("True".into())]);
    }
}
