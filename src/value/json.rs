//! Values of JSON data: parameter files, plan values, exports, decoded `json()` texts.

use crate::json::{Json, JsonKind, Number};

use super::{Kind, Origin, Value};

/// A [`Value`] for JSON data, each node's origin given by `origin` (strings are data, never
/// expressions).
pub fn json_value(node: &Json, origin: &dyn Fn(&Json) -> Origin) -> Value {
    let kind = match &node.kind {
        JsonKind::Null => Kind::Null,
        JsonKind::Bool(b) => Kind::Bool(*b),
        JsonKind::Number(Number::Int(i)) => Kind::Int(*i),
        JsonKind::Number(Number::Float(f)) => Kind::Float(*f),
        JsonKind::String(s) => Kind::Str(s.to_string()),
        JsonKind::Array(items) => {
            Kind::Array(items.iter().map(|i| json_value(i, origin)).collect())
        }
        JsonKind::Object(_) => Kind::Object(
            node.members()
                .into_iter()
                .map(|m| (m.key.to_string(), json_value(&m.value, origin)))
                .collect(),
        ),
    };
    Value {
        kind,
        origin: origin(node),
    }
}
