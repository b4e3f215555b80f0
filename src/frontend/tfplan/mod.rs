//! Terraform plans and states in JSON (`terraform show -json`): classification, lowering of
//! `resource_changes` (or a state's `values`) into the model, with unknown-after-apply values
//! resolved through the plan's `configuration` where they can be, and sensitive values
//! redacted.

mod address;
mod classify;
mod convert;
mod lower;
mod resolve;
mod sensitive;

pub use classify::{Classification, classify};
pub use convert::REDACTED;
pub use lower::{judged_actions, plan, state};
pub use sensitive::redact;
