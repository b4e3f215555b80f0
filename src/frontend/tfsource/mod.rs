//! Terraform configurations read from their sources (`.tf`), judged without a plan: what
//! Terraform users commit, and what pre-commit hooks see.
//!
//! * The unit is a module: every `.tf` and `.tf.json` file of a folder together, with the variable
//!   definition files Terraform loads beside them (`terraform.tfvars`,
//!   `terraform.tfvars.json`, `*.auto.tfvars`), judged once for the folder's lead file (the
//!   first `.tf` the run walks, by name: [`folder`]).
//! * Values are evaluated as Terraform evaluates them where they are known offline
//!   ([`eval`], [`functions`]); anything else is unknown with its reason (IG002 when it
//!   decides an image), never a default and never a pass.
//! * Modules are evaluated with their callers' arguments (local ones, and those `terraform
//!   init` installed, from `.terraform/modules/modules.json`), and their folders are linked
//!   (judged through their callers only); a call to a module not read is unseen (IG002).
//! * Resources are lowered through what the plan frontend lowers through
//!   (`frontend::terraform`), so a resource reads the same from a plan and from its source.
//! * A plan of the same configuration is authoritative: it links the `.tf` files it was made
//!   from, so this frontend's judgement of them stands aside in a run that judges the plan.
//! * The parser is hcl-edit: it keeps every node's span, which findings and fixes need. It
//!   reads `.tf.json` files too, as one HCL expression ([`syntax`]): both syntaxes are one
//!   module, lowered alike.
//!
//! [`TfSources`] is the frontend; [`LITERALS`] how its files write a string a fix rewrites.

mod eval;
mod folder;
mod frontend;
mod functions;
mod literals;
mod lower;
mod syntax;

pub(crate) use folder::is_json_source;
pub(crate) use frontend::TfSources;
pub(crate) use literals::LITERALS;
