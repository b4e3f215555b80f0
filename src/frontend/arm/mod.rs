//! ARM deployment templates: classification, parameter files, linked templates, and
//! expansion (evaluation) into the model, behind the [`Arm`] frontend.

mod allowed;
mod classify;
mod embedded;
mod frontend;
mod links;
pub(crate) mod lower;
mod params;
mod text;

pub(crate) use frontend::{Arm, expand_contexts, push_expression_errors};
pub(crate) use links::Linked;
#[cfg(test)]
pub(crate) use params::parameter_values;
use text::is_expression;
