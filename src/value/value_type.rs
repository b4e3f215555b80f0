//! The types of evaluated values, as messages name them.

use std::fmt;

use super::Kind;

/// The type of an evaluated value, as named in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// `null`
    Null,
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// A non-integral number.
    Float,
    /// A string (also a partially known one).
    String,
    /// An array.
    Array,
    /// An object.
    Object,
    /// An unknown value.
    Unknown,
}

impl ValueType {
    /// The type of a value of shape `kind`.
    pub fn of(kind: &Kind) -> ValueType {
        match kind {
            Kind::Null => ValueType::Null,
            Kind::Bool(_) => ValueType::Bool,
            Kind::Int(_) => ValueType::Int,
            Kind::Float(_) => ValueType::Float,
            Kind::Str(_) | Kind::Partial(_) => ValueType::String,
            Kind::Array(_) => ValueType::Array,
            Kind::Object(_) => ValueType::Object,
            Kind::Unknown(_) => ValueType::Unknown,
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::Null => "null",
            ValueType::Bool => "bool",
            ValueType::Int => "int",
            ValueType::Float => "float",
            ValueType::String => "string",
            ValueType::Array => "array",
            ValueType::Object => "object",
            ValueType::Unknown => "unknown",
        })
    }
}
