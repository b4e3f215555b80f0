//! ARM deployment templates: classification, parameter files, linked templates, and
//! expansion (evaluation) into the model.

mod allowed;
mod classify;
mod expand;
mod links;
mod params;
mod text;

pub use allowed::{Choice, blames, open_choices};
pub use classify::{Classification, classify, has_marker};
pub use expand::{Expanded, expand};
pub(crate) use links::Linked;
pub use params::sibling_parameter_files;
pub use text::is_expression;
