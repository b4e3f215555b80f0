//! ARM deployment templates: classification, resource discovery and lowering into the model.

mod classify;
mod lower;
mod resources;

pub use classify::{Classification, classify};
pub use resources::lower_template;
