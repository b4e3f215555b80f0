//! ARM deployment templates: classification, parameter files, lowering and expansion
//! (evaluation) into the model; linked templates are read by [`crate::frontend::links`], behind the [`Arm`] frontend.

mod classify;
mod dialect;
mod embedded;
mod frontend;
pub(crate) use frontend::SOURCE_EXTENSION;
mod literals;
pub(crate) mod lower;
mod params;
mod relations;

pub(crate) use frontend::Arm;
#[cfg(test)]
pub(crate) use params::parameter_values;

pub(crate) use literals::LITERALS;
