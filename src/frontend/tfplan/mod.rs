//! Terraform plans and states in JSON (`terraform show -json`): classification, lowering of
//! `resource_changes` (or a state's `values`) into the model, with unknown-after-apply values
//! resolved through the plan's `configuration` where they can be, and sensitive values
//! redacted.
//!
//! What the plan JSON does and does not say, and what follows for soundness:
//! * `resource_changes` is authoritative; creates, updates and both replace orders are judged.
//! * An attribute marked in `after_unknown` is resolved through `configuration` only when its
//!   expression's `references` name one value (a reference and its containing objects): the
//!   plan records which values an expression reads, not how it combines them, so an expression
//!   that reads several values is never guessed at. A single reference can still sit inside a
//!   larger expression (`"${var.x}-${uuid()}"`); the resolved value names where it came from
//!   (a hop such as `data.azurerm_shared_image_version.golden`) so a reader can check.
//! * Sensitive values are lowered as unknown (never read, so an image hidden this way is
//!   IG002) and masked in the text kept for excerpts.
//! * When the plan sits in a working directory whose `.tf` files are readable (inside the
//!   scanned roots), values read straight from the plan point at their attributes in the
//!   `.tf` source, with the plan position as a related location (`source`).
//! * The plan is authoritative over the configuration it was made from: the `.tf` files it
//!   reads (its folder's, its local modules', those `modules.json` names) are the files it
//!   links, so their own judgement (`tfsource`) stands aside for the plan's wherever both are
//!   judged in one run.
//!
//! [`TfPlan`] is the frontend.

mod address;
mod classify;
mod convert;
mod frontend;
mod lower;
mod resolve;
mod sensitive;
mod source;

pub(crate) use frontend::TfPlan;
