//! imagegate: an offline static analyzer that flags Azure virtual machines, scale sets and
//! other resources booting from images outside the organisation's approved golden-image gallery.
//!
//! The pipeline flows one way: walk → load/classify → frontend → [`model`] → image extraction
//! → judgement → findings → emitters.

pub mod eval;
pub mod json;
pub mod model;
pub mod source;
pub mod value;
