//! ARM deployment templates: classification, parameter files, linked templates, and
//! expansion (evaluation) into the model.

mod allowed;
mod classify;
mod expand;
mod links;
pub(crate) mod lower;
mod params;
mod text;

pub use crate::eval::Expanded;
pub(crate) use allowed::open_choices;
pub use allowed::{Choice, blames};
pub use classify::{Classification, classify, has_marker};
pub(crate) use expand::expand;
pub use links::{Linked, Reach};
pub(crate) use lower::template as lower_template;
pub use params::sibling_parameter_files;
pub use text::is_expression;
