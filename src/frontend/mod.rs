//! Frontends: each reads one input language and lowers it into the common [`crate::model`].
//!
//! Only ARM templates are read today; Bicep and Terraform plans add modules here.

pub mod arm;
