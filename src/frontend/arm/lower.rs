//! Lowering of template JSON into [`Value`]s.
//!
//! Template expressions (`"[...]"` strings) are not evaluated yet: each is an unknown value
//! whose reason says so, located at its string. Literal strings that start with `[[` are the
//! escaped form of a string starting with `[`.

use crate::json::{Json, JsonKind, Number};
use crate::source::{FileId, Span};
use crate::value::{Kind, Value, Why};

/// Whether a JSON string is an ARM template expression.
pub fn is_expression(s: &str) -> bool {
    let t = s.trim_end();
    t.starts_with('[') && !t.starts_with("[[") && t.ends_with(']')
}

/// Lowers a JSON node of `file` into a value with origins.
pub fn lower(json: &Json, file: FileId) -> Value {
    let span = Span::new(file, json.start as usize, json.end as usize);
    let kind = match &json.kind {
        JsonKind::Null => Kind::Null,
        JsonKind::Bool(b) => Kind::Bool(*b),
        JsonKind::Number(Number::Int(i)) => Kind::Int(*i),
        JsonKind::Number(Number::Float(f)) => Kind::Float(*f),
        JsonKind::String(s) if is_expression(s) => {
            return Value::unknown(Why::at(
                format!("expression `{}` is not evaluated yet", clip(s)),
                span,
            ))
            .at_site(span);
        }
        JsonKind::String(s) => match s.strip_prefix("[[") {
            Some(rest) => Kind::Str(format!("[{rest}")),
            None => Kind::Str(s.clone()),
        },
        JsonKind::Array(items) => Kind::Array(items.iter().map(|i| lower(i, file)).collect()),
        JsonKind::Object(_) => Kind::Object(
            json.members()
                .into_iter()
                .map(|m| (m.key.clone(), lower(&m.value, file)))
                .collect(),
        ),
    };
    Value::literal(kind, span)
}

/// Shortens long text for messages.
pub fn clip(s: &str) -> String {
    const MAX: usize = 120;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_unknown_and_escapes_are_literal() {
        let text = r#"{"a": "[parameters('x')]", "b": "[[not an expression]", "c": " [x] "}"#;
        let v = lower(&crate::json::parse(text).unwrap(), FileId(0));
        let a = v.get("a").unwrap();
        assert!(a.is_unknown());
        assert_eq!(a.origin.site.map(|s| s.start), Some(6));
        assert_eq!(v.get("b").unwrap().as_str(), Some("[not an expression]"));
        assert_eq!(v.get("c").unwrap().as_str(), Some(" [x] "));
    }
}
