//! The command line (clap definitions only).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Mode;
use crate::report::emit::{Colour, Format};
use crate::rules::Rule;

/// imagegate: flag Azure machines that boot from images outside the approved golden-image
/// gallery, before anything is deployed.
#[derive(Debug, Parser)]
#[command(name = "imagegate", version = env!("IMAGEGATE_VERSION"), about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Examples under `imagegate check --help`.
const CHECK_EXAMPLES: &str = "\
Examples:
  imagegate check                              the repository, with its imagegate.toml
  imagegate init                               start a policy: your galleries, audit mode
  imagegate check app/vm.parameters.json       one file, judged in its project's context
  imagegate check --format concise --select IG001
  imagegate check --format sarif -o imagegate.sarif --exit-zero
  imagegate check --write-baseline .imagegate-baseline.json   accept today's findings
  imagegate check --baseline .imagegate-baseline.json         fail only on new ones
  imagegate check --diff                       the fixes (pin deprecated images), not applied
  imagegate rules IG001                        what a rule means and how to fix it";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check templates under PATHs (default: the current directory).
    #[command(after_help = CHECK_EXAMPLES)]
    Check(Box<CheckArgs>),
    /// List the rules, or print one rule's documentation.
    Rules(RulesArgs),
    /// Azure Policy: export the approved list as a policy definition, or import one.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Write a commented imagegate.toml for the repository at PATH (audit mode, a placeholder
    /// gallery, what is found in use), then print the next steps.
    Init(InitArgs),
    /// Serve the Language Server Protocol over standard input and output, for editors:
    /// diagnostics as you type, quick fixes, hover (the workspace folder's imagegate.toml).
    Lsp,
    /// Print the JSON Schema of imagegate.toml, for editors that complete and check the file
    /// (Taplo / Even Better TOML: `#:schema ./imagegate.schema.json` on its first line).
    Schema,
    /// Print the rollout's figures: image-bearing resources by status, the compliance
    /// percentage, and breakdowns by image source, directory and owner tag (same walk and
    /// judgement as `check`).
    Report(Box<ReportArgs>),
    /// Judge what is deployed: the inventory exports FILEs (`az vm list`, `az vmss list`,
    /// `az vmss list-instances`, `az disk list`, `az graph query`, Resource Graph JSON or CSV;
    /// folders: their `.json` and `.csv` files) with the same config, rules, exemptions and
    /// baselines as `check`.
    #[command(
        mut_arg("paths", |a| a
            .help("Inventory exports, or folders of them (their .json and .csv files)")
            .required(true)),
        mut_arg("include", |a| a.help("Only read exports matching GLOB in the folders given (repeatable)")),
        mut_arg("stdin_filename", |a| a.hide(true)),
        mut_arg("judge_no_op", |a| a.hide(true)),
        mut_arg("force_exclude", |a| a.hide(true)),
        mut_arg("no_ignore", |a| a.hide(true)),
    )]
    Audit(Box<CheckArgs>),
}

/// Arguments of `imagegate report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Files or directories to judge (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Config file (found as `check` finds it when not given).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// With --config: judge as if FILE were the config at PATH (as `check --config-as`).
    #[arg(long, value_name = "PATH", requires = "config")]
    pub config_as: Option<PathBuf>,
    /// Output format: a table, JSON (what --compare reads) or Markdown (a pull-request
    /// comment, the job summary).
    #[arg(long, value_enum, default_value_t = crate::kpi::render::KpiFormat::Table)]
    pub format: crate::kpi::render::KpiFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show the trend against an earlier `imagegate report --format json`.
    #[arg(long, value_name = "FILE")]
    pub compare: Option<PathBuf>,
    /// Count the findings a baseline holds as in the baseline (as `check --baseline` does).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Let exemption comments exempt only the findings FILE records (as `check
    /// --trusted-exemptions`).
    #[arg(long, value_name = "FILE")]
    pub trusted_exemptions: Option<PathBuf>,
    /// The tag whose value is a resource's owner (default: the config's `[tags] owner`, else
    /// `owner`; matched case-insensitively).
    #[arg(long, value_name = "TAG")]
    pub owner_tag: Option<String>,
    /// An inventory export of deployed resources (what `imagegate audit` reads; repeatable):
    /// the fleet's figures, and with PATHs the drift between them and what runs.
    #[arg(long, value_name = "FILE")]
    pub inventory: Vec<PathBuf>,
    /// How many folder levels the breakdown by directory groups by.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub depth: usize,
    /// Deny or audit; overrides the config (the figures do not depend on it).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Only judge files matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files and directories matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Number of threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Which findings fail a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A finding of severity error.
    #[default]
    Error,
    /// A finding of severity error or warning.
    Warning,
    /// Nothing: the report is made, the run exits 0.
    Never,
}

impl FailOn {
    /// Whether a finding of `severity` fails the run.
    pub fn fails(self, severity: crate::rules::Severity) -> bool {
        use crate::rules::Severity;
        match self {
            FailOn::Error => severity == Severity::Error,
            FailOn::Warning => matches!(severity, Severity::Error | Severity::Warning),
            FailOn::Never => false,
        }
    }
}

/// Arguments of `imagegate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check (default: the current directory); `-` reads one
    /// template from standard input.
    pub paths: Vec<PathBuf>,
    /// Config file (default: imagegate.toml or .imagegate.toml, searched from the PATHs
    /// upward — inside a git repository the one nearest its top — then from the current
    /// directory; else the embedded default).
    #[arg(help_heading = "Policy", long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// With --config: judge as if FILE were the config at PATH (which need not exist):
    /// reports name PATH, and the project files FILE names (`[parameter_files]`, `[links]`,
    /// `[[exempt]] path`) are relative to PATH's folder, while its gallery snapshots are read
    /// beside FILE. The GitHub Action judges a pull request with its base branch's policy,
    /// read from a private copy, this way.
    #[arg(
        help_heading = "Policy",
        long,
        value_name = "PATH",
        requires = "config"
    )]
    pub config_as: Option<PathBuf>,
    /// Output format (`--output-format` is the same option, as ruff spells it).
    #[arg(help_heading = "Output", long, alias = "output-format", value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(help_heading = "Output", long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The SARIF run's code-scanning category (`automationDetails.id` is NAME and a `/`):
    /// runs of different categories keep their alerts apart (two policies over two folders).
    #[arg(help_heading = "Output", long, value_name = "NAME", default_value = crate::report::emit::DEFAULT_CATEGORY)]
    pub sarif_category: String,
    /// Deny (unapproved images are errors) or audit (warnings); overrides the config.
    #[arg(help_heading = "Policy", long, value_enum)]
    pub mode: Option<Mode>,
    /// Only check files matching GLOB (repeatable).
    #[arg(help_heading = "Files", long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files and directories matching GLOB (repeatable).
    #[arg(help_heading = "Files", long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore and .ignore files (they only ever skip untracked files).
    #[arg(help_heading = "Files", long)]
    pub no_ignore: bool,
    /// Apply --exclude even to files named on the command line (for pre-commit).
    #[arg(help_heading = "Files", long)]
    pub force_exclude: bool,
    /// Apply the fixes of the findings reported (pin an unpinned or deprecated gallery image to
    /// the newest good version of the gallery snapshots), then report what is left.
    #[arg(help_heading = "Fixes", long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print the fixes as a unified diff instead of applying them (exit 1 when there are some).
    #[arg(help_heading = "Fixes", long)]
    pub diff: bool,
    /// Exit 0 even when there are error findings (e.g. before a SARIF upload); the same as
    /// `--fail-on never`.
    #[arg(help_heading = "Output", long, conflicts_with = "fail_on")]
    pub exit_zero: bool,
    /// The least severe finding that fails the run (exit 1): `error` (the default), `warning`
    /// (warnings fail too, e.g. to hold unresolved images in audit mode), or `never`.
    #[arg(help_heading = "Output", long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Report only findings that are not in the baseline FILE (written by
    /// --write-baseline); the summary counts the others and lists the baseline's entries no
    /// finding matches any more (fixed).
    #[arg(help_heading = "Policy", long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the findings about resources that count (not exempted) in FILE, by fingerprint,
    /// as the accepted baseline; the run then treats them as in the baseline. Findings about
    /// the run itself (IG000, IG006, IG008, IG009) are never recorded.
    #[arg(help_heading = "Policy", long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Let exemption comments exempt only the findings FILE records (written by
    /// --write-trusted-exemptions over a trusted tree: the GitHub Action gives a pull request
    /// its base branch's); a comment that would exempt another exempts nothing and is
    /// reported (IG009) as needing a reviewer's approval.
    #[arg(help_heading = "Policy", long, value_name = "FILE")]
    pub trusted_exemptions: Option<PathBuf>,
    /// Record in FILE the findings this run's exemption comments exempted (by fingerprint,
    /// each resource's own): what --trusted-exemptions reads.
    #[arg(help_heading = "Policy", long, value_name = "FILE")]
    pub write_trusted_exemptions: Option<PathBuf>,
    /// Terraform plans: also judge resources whose planned action is no-op, i.e. the estate
    /// as it stays deployed (by default only creates, updates and replaces are judged).
    #[arg(help_heading = "Judgement", long)]
    pub judge_no_op: bool,
    /// Print every note (budgets reached, links not followed, files not read, compiled templates
    /// set aside), not a count for each kind that has more than three.
    #[arg(help_heading = "Output", long, short, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print only the findings: no summary block, no notes on standard error (errors still
    /// go there, and the exit code is unchanged).
    #[arg(help_heading = "Output", long, short)]
    pub quiet: bool,
    /// Colour the human output: auto (only on a terminal; NO_COLOR set non-empty turns it
    /// off, else FORCE_COLOR set non-empty turns it on), always or never.
    #[arg(help_heading = "Output", long, value_enum, value_name = "WHEN", default_value_t = Colour::Auto)]
    pub color: Colour,
    /// Report only these rules: ids or names, comma-separated (repeatable). The exit code
    /// follows the findings reported; IG000 (a file that cannot be read or parsed) is always
    /// reported.
    #[arg(help_heading = "Output", long, value_name = "RULES", value_delimiter = ',', value_parser = rule)]
    pub select: Vec<Rule>,
    /// Do not report these rules: ids or names, comma-separated (repeatable). The summary
    /// counts the findings left out; IG000 cannot be ignored.
    #[arg(help_heading = "Output", long, value_name = "RULES", value_delimiter = ',', value_parser = ignorable_rule)]
    pub ignore: Vec<Rule>,
    /// With `-` (or no PATH): the path of the template read from standard input. Findings
    /// carry it, the config is found from its folder, and a parameter file beside it on disk
    /// is used.
    #[arg(help_heading = "Files", long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Number of threads (default: one per core).
    #[arg(help_heading = "Judgement", long, value_name = "N")]
    pub threads: Option<usize>,
}

impl CheckArgs {
    /// Whether the rule's findings are reported, given `--select` and `--ignore` (`--ignore`
    /// wins; IG000 always is).
    pub fn shows(&self, rule: Rule) -> bool {
        rule == crate::rules::PARSE_ERROR
            || ((self.select.is_empty() || self.select.contains(&rule))
                && !self.ignore.contains(&rule))
    }
}

/// A rule named on the command line, by id or name (case-insensitive).
fn rule(key: &str) -> Result<Rule, String> {
    if key.trim().is_empty() {
        return Err("expected a rule id or name, e.g. IG001 or unapproved-image".into());
    }
    Rule::find(key.trim())
        .ok_or_else(|| format!("unknown rule `{key}` (run `imagegate rules` for the list)"))
}

/// A rule `--ignore` may leave out: any but IG000. A file that cannot be read or parsed was
/// not judged at all, so no view of the report may hide it; the config's `[rules]` (which
/// every report names) is where a policy can turn it off.
fn ignorable_rule(key: &str) -> Result<Rule, String> {
    let rule = rule(key)?;
    if rule == crate::rules::PARSE_ERROR {
        return Err(format!(
            "{} ({}) cannot be ignored: a file that cannot be read or parsed was not judged at all (fix it, leave it out with --exclude, or set it in the config's [rules])",
            rule.id(),
            rule.name()
        ));
    }
    Ok(rule)
}

/// Arguments of `imagegate rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id or name (e.g. IG001 or unapproved-image).
    pub rule: Option<String>,
}

/// `imagegate policy …`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Write an Azure Policy definition that approves exactly what the config approves, for
    /// VMs, scale sets and disks (never more: a glob it cannot express exactly is refused).
    Export(PolicyExportArgs),
    /// Read the allowed images of a policy definition or assignment (JSON) and print them as
    /// the config's `[approved]` table.
    Import(PolicyImportArgs),
}

/// Arguments of `imagegate policy export`.
#[derive(Debug, Args)]
pub struct PolicyExportArgs {
    /// Config file (default: found from the current directory upward, else the embedded
    /// default).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The mode whose effect is the default (deny → Deny, audit → Audit); overrides the
    /// config.
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// The default effect, overriding the mode's.
    #[arg(long, value_enum)]
    pub effect: Option<crate::policy::export::Effect>,
    /// `definition`: `{"properties": …}`, the body of a policyDefinitions resource (ARM,
    /// Bicep, REST, New-AzPolicyDefinition -Policy); `rules` and `parameters`: the files
    /// `az policy definition create --rules … --params … --mode All` takes.
    #[arg(long, value_enum, default_value_t = crate::policy::export::Layout::Definition)]
    pub format: crate::policy::export::Layout,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `imagegate policy import`.
#[derive(Debug, Args)]
pub struct PolicyImportArgs {
    /// A policy definition (the resource, its `properties`, or a rule with parameters) or
    /// assignment, as JSON.
    pub file: PathBuf,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `imagegate init`.
#[derive(Debug, Args)]
#[command(
    after_help = "An existing imagegate.toml or .imagegate.toml is never overwritten (exit 2), and there is no --force: delete the file yourself if you mean to start again — it may hold exemptions and decisions worth keeping."
)]
pub struct InitArgs {
    /// The repository's folder (default: the current directory); the file is written there.
    pub path: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Every example `check --help` shows is a command line imagegate accepts, and every
    /// option of `check` sits under a heading.
    #[test]
    fn the_help_examples_parse_and_every_option_is_grouped() {
        let mut n = 0;
        for line in CHECK_EXAMPLES
            .lines()
            .filter(|l| l.starts_with("  imagegate "))
        {
            let command = line.trim().split("   ").next().unwrap().trim();
            let words: Vec<&str> = command.split_whitespace().collect();
            Cli::try_parse_from(&words).unwrap_or_else(|e| panic!("{command}: {e}"));
            n += 1;
        }
        assert!(n >= 5);
        let cli = <Cli as clap::CommandFactory>::command();
        let check = cli.find_subcommand("check").unwrap();
        for arg in check.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.is_positional() || id == "help" {
                continue;
            }
            assert!(arg.get_help_heading().is_some(), "--{id} has no heading");
        }
    }
}
