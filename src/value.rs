//! Values with origins and first-class unknowns: what every frontend lowers into.
//!
//! A [`Value`] is JSON-shaped data that also says where it came from ([`Origin`]) and, where
//! it cannot be known before deployment, *why* ([`Why`]). Strings may be partially known
//! ([`Kind::Partial`]): known text with holes, so that a resource ID whose subscription is the
//! deploying one can still be judged soundly.
//!
//! Reasons and hops are data ([`Cause`] in [`cause`], with [`call`] for invalid calls, and
//! [`Subject`] in [`subject`]); their wording is produced by their `Display` implementations
//! only, so later stages match on variants, never on text.

use std::sync::Arc;

use crate::source::Span;

pub mod call;
pub mod cause;
pub mod json;
pub mod link;
pub mod subject;
pub mod value_type;

pub use call::CallProblem;
pub use cause::{Cause, Unavailable};
pub use link::LinkRefusal;
pub use subject::Subject;

/// A value with its origin.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// What the value is.
    pub kind: Kind,
    /// Where it came from.
    pub origin: Origin,
}

/// The shape of a [`Value`].
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A non-integral number.
    Float(f64),
    /// A fully known string.
    Str(String),
    /// A string of known text and unknown holes.
    Partial(Vec<Part>),
    /// An array.
    Array(Vec<Value>),
    /// An object; keys are unique (compared ASCII-case-insensitively), in source order.
    Object(Vec<(String, Value)>),
    /// A value that cannot be known offline, and why.
    Unknown(Why),
}

/// One piece of a partially known string.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// Known text.
    Text(String),
    /// Text that cannot be known offline.
    Hole(Why),
}

/// Where a value came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origin {
    /// The literal that supplied the whole value, when one did (a parameter file's value, a
    /// default, a variable, a plan attribute). `None` when the value was composed from several
    /// places.
    pub literal: Option<Span>,
    /// Where this value is written in the declaring file (the syntax node it was evaluated
    /// from), if it was evaluated from one. For a plain literal this equals `literal`; for an
    /// expression it is the expression's string.
    pub site: Option<Span>,
    /// The places the value passed through on its way (parameter references, variables,
    /// module inputs), outermost first.
    pub hops: Vec<Hop>,
    /// For a string composed from several places (`concat`, `format`, a Bicep interpolation),
    /// the runs of its known text that literals supplied, in order (`None`: none traced). What
    /// lets a fix edit the literal that decides one part of an image ID, wherever it is
    /// written (#26).
    pub pieces: Option<Arc<[Piece]>>,
}

/// A run of a composed string's known text that one literal supplied: a parameter's value, a
/// variable, a string in an expression (the literal's whole text), or the text after a format
/// string's last placeholder (the end of the literal's text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Where the run starts in the string's known text (its text parts joined, a hole taking
    /// no room), in bytes.
    pub start: u32,
    /// Where the run ends (exclusive), in the same bytes.
    pub end: u32,
    /// The literal that supplied it.
    pub literal: Span,
    /// Whether the run is the literal's whole text; else it is the end of the literal's text.
    pub whole: bool,
}

/// Most pieces a composed string keeps: one built from more is traced no further (a fix
/// needs the last few; a string folded from thousands of literals must not carry them all).
pub const MAX_PIECES: usize = 64;

/// One step of a value's journey, shown as a related location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// Where the step is written.
    pub span: Span,
    /// What it is, e.g. [`Subject::Parameter`] (shown as "parameter 'imageId'").
    pub via: Subject,
}

/// Why a value is unknown: the cause and the chain of places that led there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Why {
    /// Why resolution stopped, e.g. [`Cause::UnsetParameter`]. Shared: an unknown is copied
    /// wherever it propagates, and the pointer keeps a `Why` (so every [`Value`]) small.
    pub cause: Arc<Cause>,
    /// Where resolution stopped, if that is a place in a file.
    pub span: Option<Span>,
    /// The places that led there, outermost first (shown as "a ← b ← reason").
    pub chain: Vec<Hop>,
}

impl Why {
    /// A cause with no location.
    pub fn new(cause: Cause) -> Self {
        Why {
            cause: Arc::new(cause),
            span: None,
            chain: Vec::new(),
        }
    }

    /// A cause located at `span`.
    pub fn at(cause: Cause, span: Span) -> Self {
        Why {
            cause: Arc::new(cause),
            span: Some(span),
            chain: Vec::new(),
        }
    }

    /// The chain and the cause as one line: "a ← b ← reason".
    pub fn explain(&self) -> String {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let mut out = String::new();
        for hop in &self.chain {
            let _ = write!(out, "{} \u{2190} ", hop.via);
        }
        let _ = write!(out, "{}", self.cause);
        out
    }
}

impl Value {
    /// A value that a literal at `span` supplied.
    pub fn literal(kind: Kind, span: Span) -> Self {
        Value {
            kind,
            origin: Origin {
                literal: Some(span),
                site: Some(span),
                hops: Vec::new(),
                pieces: None,
            },
        }
    }

    /// A value composed from several places (no single literal).
    pub fn composed(kind: Kind) -> Self {
        Value {
            kind,
            origin: Origin::default(),
        }
    }

    /// An unknown value.
    pub fn unknown(why: Why) -> Self {
        Value::composed(Kind::Unknown(why))
    }

    /// The same value, written at `site` (kept if a site is already known).
    pub fn at_site(mut self, site: Span) -> Self {
        self.origin.site.get_or_insert(site);
        self
    }

    /// The member of an object under `key` (ASCII-case-insensitive).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.kind {
            Kind::Object(members) => members
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if fully known.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string as parts (known text and holes), if this is a string or unknown.
    pub fn as_parts(&self) -> Option<Vec<Part>> {
        match &self.kind {
            Kind::Str(s) => Some(vec![Part::Text(s.clone())]),
            Kind::Partial(p) => Some(p.clone()),
            Kind::Unknown(w) => Some(vec![Part::Hole(w.clone())]),
            _ => None,
        }
    }

    /// Whether the value is unknown as a whole.
    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown(_))
    }

    /// Whether any part of this value (deeply) is unknown.
    pub fn has_unknown(&self) -> bool {
        match &self.kind {
            Kind::Unknown(_) | Kind::Partial(_) => true,
            Kind::Array(a) => a.iter().any(Value::has_unknown),
            Kind::Object(m) => m.iter().any(|(_, v)| v.has_unknown()),
            _ => false,
        }
    }

    /// A one-line rendering for messages: strings as-is, holes as `<unknown>`, JSON otherwise.
    pub fn display(&self) -> String {
        match &self.kind {
            Kind::Null => "null".into(),
            Kind::Bool(b) => b.to_string(),
            Kind::Int(i) => i.to_string(),
            Kind::Float(f) => f.to_string(),
            Kind::Str(s) => s.clone(),
            Kind::Partial(parts) => parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.as_str(),
                    Part::Hole(_) => "<unknown>",
                })
                .collect(),
            Kind::Array(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(Value::display)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Object(members) => format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Unknown(_) => "<unknown>".into(),
        }
    }

    /// The first reason found for an unknown part of this value, if any.
    pub fn first_unknown(&self) -> Option<&Why> {
        match &self.kind {
            Kind::Unknown(w) => Some(w),
            Kind::Partial(parts) => parts.iter().find_map(|p| match p {
                Part::Hole(w) => Some(w),
                Part::Text(_) => None,
            }),
            Kind::Array(a) => a.iter().find_map(Value::first_unknown),
            Kind::Object(m) => m.iter().find_map(|(_, v)| v.first_unknown()),
            _ => None,
        }
    }
}

/// Builds a string value from parts, merging adjacent text; fully known parts become
/// [`Kind::Str`].
pub fn string_from_parts(parts: Vec<Part>) -> Kind {
    let mut out: Vec<Part> = Vec::with_capacity(parts.len());
    for part in parts {
        match (out.last_mut(), part) {
            (Some(Part::Text(prev)), Part::Text(t)) => prev.push_str(&t),
            (_, Part::Text(t)) if t.is_empty() => {}
            (_, p) => out.push(p),
        }
    }
    match out.as_slice() {
        [] => Kind::Str(String::new()),
        [Part::Text(_)] => match out.pop() {
            Some(Part::Text(t)) => Kind::Str(t),
            _ => unreachable!("matched a single text part"),
        },
        _ => Kind::Partial(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_merge_and_collapse() {
        let k = string_from_parts(vec![Part::Text("a".into()), Part::Text("b".into())]);
        assert_eq!(k, Kind::Str("ab".into()));
        let k = string_from_parts(vec![
            Part::Text("/s/".into()),
            Part::Hole(Why::new(Cause::TemplateLink)),
            Part::Text("".into()),
            Part::Text("/r".into()),
        ]);
        let v = Value::composed(k);
        assert_eq!(v.display(), "/s/<unknown>/r");
        assert!(v.has_unknown());
    }

    #[test]
    fn explain_joins_the_chain() {
        let mut w = Why::new(Cause::UnsetParameter { name: "os".into() });
        let span = Span::new(crate::source::FileId(0), 0, 1);
        w.chain.push(Hop {
            span,
            via: Subject::Variable("image".into()),
        });
        assert_eq!(
            w.explain(),
            "variable 'image' \u{2190} parameter 'os' has no default and no parameter file sets it"
        );
    }
}
