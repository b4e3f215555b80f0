//! The command-line contract: the cases that must spawn the `imagegate` binary (exit codes as
//! the shell sees them, standard streams and terminals, colour variables, the GitHub step
//! summary, formats written to files, the pre-commit hook's usage, the examples of README and
//! the user guide and the rollout playbook run by a shell as written, a run as an unprivileged
//! user). Everything else runs in-process in the `it` test crate.

#[path = "../common/mod.rs"]
mod common;

mod commands;
mod docs;
mod formats;
mod lsp;
mod options;
mod output_integrity;
mod unprivileged;
