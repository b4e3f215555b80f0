//! ARM deployment templates: classification, parameter files, linked templates, and
//! expansion (evaluation) into the model, behind the [`Arm`] frontend.

mod classify;
mod embedded;
mod frontend;
mod links;
pub(crate) mod lower;
mod params;

pub(crate) use frontend::Arm;
pub(crate) use links::Linked;
#[cfg(test)]
pub(crate) use params::parameter_values;
