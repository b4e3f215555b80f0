//! The command line (clap definitions only).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Mode;
use crate::report::emit::Format;

/// imagegate: flag Azure machines that boot from images outside the approved golden-image
/// gallery, before anything is deployed.
#[derive(Debug, Parser)]
#[command(name = "imagegate", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check templates under PATHs (default: the current directory).
    Check(CheckArgs),
    /// List the rules, or print one rule's documentation.
    Rules(RulesArgs),
}

/// Arguments of `imagegate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Config file (default: imagegate.toml or .imagegate.toml, searched from the PATHs
    /// upward — inside a git repository the one nearest its top — then from the current
    /// directory; else the embedded default).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Deny (unapproved images are errors) or audit (warnings); overrides the config.
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Only check files matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files and directories matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore and .ignore files (they only ever skip untracked files).
    #[arg(long)]
    pub no_ignore: bool,
    /// Apply --exclude even to files named on the command line (for pre-commit).
    #[arg(long)]
    pub force_exclude: bool,
    /// Exit 0 even when there are error findings (e.g. before a SARIF upload).
    #[arg(long)]
    pub exit_zero: bool,
    /// Terraform plans: also judge resources whose planned action is no-op, i.e. the estate
    /// as it stays deployed (by default only creates, updates and replaces are judged).
    #[arg(long)]
    pub judge_no_op: bool,
    /// Print every note (links not followed, loops cut, unreadable files) instead of a count.
    #[arg(long, short)]
    pub verbose: bool,
    /// Number of threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Arguments of `imagegate rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id or name (e.g. IG001 or unapproved-image).
    pub rule: Option<String>,
}
