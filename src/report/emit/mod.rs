//! Emitters: the report in each output format.

mod github;
mod human;
mod json;
mod sarif;

pub use github::github;
pub use human::{human, use_colour};
pub use json::json;
pub use sarif::sarif;

/// An output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source excerpts with carets, rustc/ruff style, and a summary line.
    #[default]
    Human,
    /// One versioned JSON object.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning, editors).
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}
