//! The subset of the Azure Policy rule language the export writes, as types: conditions are
//! built here and rendered to JSON once, so tests can evaluate the very rule that is written
//! (`Cond::holds`) against imagegate's own judgement.
//!
//! Semantics follow <https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule>:
//! string conditions compare case-insensitively, `like` takes at most one `*`, `in`/`notIn`
//! compare with each member, a `value count` evaluates `where` once per member of an array
//! with `current('name')` bound to it. A template function that fails makes the evaluation
//! fail (an implicit deny), so no read can fail: a missing field is `''` (`coalesce`), and an
//! ID is padded with slashes before a part of it is read by index.

use serde_json::{Value as Json, json};

/// A condition or logical operator of a policy rule.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cond {
    /// Every condition holds.
    AllOf(Vec<Cond>),
    /// At least one holds.
    AnyOf(Vec<Cond>),
    /// `operand` compared by `test`.
    Test {
        /// What is compared.
        operand: Operand,
        /// How.
        test: Test,
    },
    /// A `value count` over an array parameter: how many members satisfy `where_` equals
    /// `equals`.
    Count {
        /// The array parameter's name.
        parameter: &'static str,
        /// The member's name for `current(…)`.
        name: &'static str,
        /// The condition evaluated per member.
        where_: Box<Cond>,
        /// The count required.
        equals: usize,
    },
}

/// What a condition reads.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Operand {
    /// `"field": alias` (or `type`).
    Field(&'static str),
    /// The number of `/`-separated parts of the alias's value (`''` when it is missing).
    Parts(&'static str),
    /// Part `index` of the alias's value split at `/` (`''` past its end: the value is
    /// padded with [`PAD`] slashes so that reading a part never fails the evaluation; the
    /// number of parts is checked by a [`Operand::Parts`] condition beside it).
    Part {
        /// The alias.
        alias: &'static str,
        /// Which part (0 is the empty text before the leading `/`).
        index: usize,
    },
    /// A literal string.
    Text(&'static str),
}

/// A comparison.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Test {
    /// Equal, ignoring case.
    Equals(String),
    /// A number, equal.
    EqualsNumber(usize),
    /// Not equal, ignoring case (a missing field is not equal to anything).
    NotEquals(String),
    /// Equal to none of these, ignoring case.
    NotIn(Vec<&'static str>),
    /// `like` the property `key` of the current member of the count named `name`.
    LikeCurrent {
        /// The count's member name.
        name: &'static str,
        /// The member's property.
        key: &'static str,
    },
    /// The field exists (`true`) or not.
    Exists(bool),
}

impl Cond {
    /// `operand` equals `text`.
    pub(crate) fn equals(operand: Operand, text: &str) -> Cond {
        Cond::Test {
            operand,
            test: Test::Equals(text.to_string()),
        }
    }

    /// The rule's JSON.
    pub(crate) fn to_json(&self) -> Json {
        match self {
            Cond::AllOf(items) => {
                json!({ "allOf": items.iter().map(Cond::to_json).collect::<Vec<_>>() })
            }
            Cond::AnyOf(items) => {
                json!({ "anyOf": items.iter().map(Cond::to_json).collect::<Vec<_>>() })
            }
            Cond::Test { operand, test } => {
                let mut object = serde_json::Map::new();
                let (key, value) = operand.to_json();
                object.insert(key.into(), value);
                let (key, value) = test.to_json();
                object.insert(key.into(), value);
                Json::Object(object)
            }
            Cond::Count {
                parameter,
                name,
                where_,
                equals,
            } => json!({
                "count": {
                    "value": format!("[parameters('{parameter}')]"),
                    "name": name,
                    "where": where_.to_json(),
                },
                "equals": equals,
            }),
        }
    }

    /// Whether the condition holds for a resource whose aliases have the values `fields`
    /// gives, with the array parameters `parameters` gives, and the count members bound in
    /// `current`. The reading of the documented semantics that tests check exports against.
    #[cfg(test)]
    pub(crate) fn holds(
        &self,
        fields: &dyn Fn(&str) -> Option<String>,
        parameters: &dyn Fn(&str) -> Vec<Json>,
        current: &[(&str, &Json)],
    ) -> bool {
        match self {
            Cond::AllOf(items) => items.iter().all(|c| c.holds(fields, parameters, current)),
            Cond::AnyOf(items) => items.iter().any(|c| c.holds(fields, parameters, current)),
            Cond::Count {
                parameter,
                name,
                where_,
                equals,
            } => {
                let members = parameters(parameter);
                let n = members
                    .iter()
                    .filter(|m| {
                        let mut bound = current.to_vec();
                        bound.push((name, m));
                        where_.holds(fields, parameters, &bound)
                    })
                    .count();
                n == *equals
            }
            Cond::Test { operand, test } => {
                let value: Option<String> = match operand {
                    Operand::Field(alias) => fields(alias),
                    Operand::Text(text) => Some(text.to_string()),
                    Operand::Parts(alias) => {
                        let text = fields(alias).unwrap_or_default();
                        Some(text.split('/').count().to_string())
                    }
                    Operand::Part { alias, index } => {
                        let text = fields(alias).unwrap_or_default() + PAD;
                        Some(text.split('/').nth(*index).unwrap_or_default().to_string())
                    }
                };
                let same = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
                match test {
                    Test::Exists(wanted) => value.is_some() == *wanted,
                    Test::Equals(text) => value.is_some_and(|v| same(&v, text)),
                    Test::EqualsNumber(n) => value.is_some_and(|v| v == n.to_string()),
                    Test::NotEquals(text) => !value.is_some_and(|v| same(&v, text)),
                    Test::NotIn(list) => !value.is_some_and(|v| list.iter().any(|w| same(&v, w))),
                    Test::LikeCurrent { name, key } => {
                        let member = current
                            .iter()
                            .rev()
                            .find(|(n, _)| n == name)
                            .map(|(_, m)| *m);
                        let pattern = member
                            .and_then(|m| m.get(key))
                            .and_then(Json::as_str)
                            .unwrap_or_default();
                        value.is_some_and(|v| like(pattern, &v))
                    }
                }
            }
        }
    }
}

/// `like` as documented: case-insensitive, one `*` for any run of characters.
#[cfg(test)]
pub(crate) fn like(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.to_lowercase(), text.to_lowercase());
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.len() >= head.len() + tail.len() && text.starts_with(head) && text.ends_with(tail)
        }
    }
}

/// Slashes appended to an ID before a part is read: more than any shape has parts, so the
/// index is always inside the array (an index past its end would fail the evaluation, an
/// implicit deny).
pub(crate) const PAD: &str = "////////////////////";

/// `coalesce(field('alias'), '')`: the alias's value, `''` when it is missing (a missing
/// field is null, and `split(null, …)` would fail the evaluation).
fn text_of(alias: &str) -> String {
    format!("coalesce(field('{alias}'), '')")
}

impl Operand {
    fn to_json(&self) -> (&'static str, Json) {
        match self {
            Operand::Field(alias) => ("field", json!(alias)),
            Operand::Text(text) => ("value", json!(text)),
            Operand::Parts(alias) => (
                "value",
                json!(format!("[length(split({}, '/'))]", text_of(alias))),
            ),
            Operand::Part { alias, index } => (
                "value",
                json!(format!(
                    "[split(concat({}, '{PAD}'), '/')[{index}]]",
                    text_of(alias)
                )),
            ),
        }
    }
}

impl Test {
    fn to_json(&self) -> (&'static str, Json) {
        match self {
            Test::Equals(text) => ("equals", json!(text)),
            Test::EqualsNumber(n) => ("equals", json!(n)),
            Test::NotEquals(text) => ("notEquals", json!(text)),
            Test::NotIn(list) => ("notIn", json!(list)),
            Test::LikeCurrent { name, key } => {
                ("like", json!(format!("[current('{name}').{key}]")))
            }
            Test::Exists(b) => ("exists", json!(b)),
        }
    }
}
