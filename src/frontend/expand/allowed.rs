//! Required parameters with `allowedValues`: when nobody sets such a parameter and it decides
//! an image, the image is judged for every allowed value instead of being left unknown.

use crate::eval::ParameterValues;
use crate::eval::ir::{NodeKind, Template};
use crate::value::Value;

/// Most allowed values expanded for one parameter.
pub const MAX_CHOICES: usize = 32;

/// A parameter with no value whose allowed values can be tried one by one.
#[derive(Debug)]
pub struct Choice {
    /// The parameter's name as declared.
    pub name: String,
    /// Its allowed values, each located at its literal in `allowedValues`.
    pub values: Vec<Value>,
}

/// The parameters of `template` that have allowed values (literals, at most [`MAX_CHOICES`]),
/// no default and no value in `supplied`, in the order they are declared.
pub(crate) fn open_choices(template: &Template, supplied: &ParameterValues) -> Vec<Choice> {
    let mut open: Vec<_> = template
        .parameters
        .values()
        .filter(|p| p.default.is_none() && !p.nullable && !supplied.contains(&p.name))
        .filter_map(|p| {
            let allowed = p.allowed.as_ref()?;
            let literal = |v: &crate::eval::ir::Node| {
                !matches!(&v.kind, NodeKind::Str(s) if super::is_expression(s))
            };
            (!allowed.is_empty() && allowed.len() <= MAX_CHOICES && allowed.iter().all(literal))
                .then_some((p.span.start, p, allowed))
        })
        .collect();
    open.sort_by_key(|(at, _, _)| *at);
    open.into_iter()
        .map(|(_, p, allowed)| Choice {
            name: p.name.to_string(),
            values: allowed.iter().map(|v| v.data()).collect(),
        })
        .collect()
}
