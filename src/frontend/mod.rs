//! Frontends: each reads one input language and lowers it into the common [`crate::model`].
//!
//! ARM templates and Terraform plans are read today; Bicep adds a module here.

pub mod arm;
pub mod tfplan;
