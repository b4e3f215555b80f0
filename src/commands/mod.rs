//! The commands of the command line, in the library: each takes its parsed arguments and an
//! [`Io`] (the streams, the working directory and the environment it may use), runs on a
//! [`Workspace`](crate::workspace::Workspace) and says how the run ended ([`Exit`]).
//!
//! `main.rs` builds the [`Io`] of the process and maps the [`Exit`] to the process's exit
//! code; tests build one over buffers and a temporary directory and run every command
//! in-process. Nothing here reads the process's environment, streams or working directory
//! but through the [`Io`] it is given.

mod check;
mod fix;
mod init;
mod lsp;
mod policy;
mod report;
mod rules;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command};
use crate::config::{Config, ConfigError};
use crate::report::emit::{self, Syntax};
use crate::workspace::WorkspaceError;

/// The JSON Schema of imagegate.toml, as published in the repository: what `imagegate schema`
/// prints (the config's unit tests hold its keys equal to the loader's).
const SCHEMA: &str = include_str!("../../imagegate.schema.json");

/// How a command ended, which the binary maps to its exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Exit 0: the run happened and no finding fails it.
    Success,
    /// Exit 1: the run happened and findings fail it.
    Findings,
    /// Exit 2: the run could not happen (a usage error, a config that cannot be used, a
    /// report that cannot be written…); what went wrong is on standard error.
    Error,
}

impl Exit {
    /// The process exit code: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Findings => 1,
            Exit::Error => 2,
        }
    }
}

/// The environment variables a command reads: the process's, or a given set (tests).
#[derive(Debug, Clone, Default)]
pub enum Vars {
    /// The process's environment.
    #[default]
    Process,
    /// Exactly these variables, and no other.
    Given(Vec<(String, OsString)>),
}

impl Vars {
    /// The value of `name`, when set.
    pub fn get(&self, name: &str) -> Option<OsString> {
        match self {
            Vars::Process => std::env::var_os(name),
            Vars::Given(vars) => vars
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone()),
        }
    }
}

/// What a command may use of the world: its streams, working directory and environment.
pub struct Io<'a> {
    /// Where reports and listings go.
    pub stdout: &'a mut dyn Write,
    /// Where notes, warnings and errors go, one line each, prefixed `imagegate: `.
    pub stderr: &'a mut dyn Write,
    /// What `check -` reads.
    pub stdin: &'a mut dyn Read,
    /// Whether `stdout` is a terminal (colour in `--color auto`).
    pub stdout_is_terminal: bool,
    /// The working directory: relative paths are read from it and shown relative to it.
    pub cwd: PathBuf,
    /// The environment (`IMAGEGATE_TODAY`, `NO_COLOR`, `FORCE_COLOR`).
    pub vars: Vars,
    /// Whether the process ends when the command returns: a large report is then left for
    /// the system to reclaim at once rather than freed finding by finding (tens of
    /// milliseconds on large repositories). Never set in a long-lived process.
    pub ends_process: bool,
}

impl Io<'_> {
    /// Writes one line to standard error, prefixed `imagegate: `, defused
    /// ([`emit::defuse`]: nothing in it is a CI agent's command). A standard error that
    /// cannot be written to (closed, full) is ignored: it never panics, and the exit code
    /// still tells.
    fn say(&mut self, line: &str) {
        self.error_text(&format!("imagegate: {line}\n"));
    }

    /// Writes `text` (text for a person: a usage error, notes) to standard error, defused.
    fn error_text(&mut self, text: &str) {
        let text = emit::defuse(text, Syntax::Text);
        let _ = self.stderr.write_all(text.as_bytes());
    }

    /// Writes `text`, an output in `syntax`, to standard output, defused
    /// ([`emit::defuse`]); a closed pipe (`imagegate rules | head`) is not an error of ours.
    fn print(&mut self, text: &str, syntax: Syntax) -> Result<(), Failure> {
        let text = emit::defuse(text, syntax);
        match self
            .stdout
            .write_all(text.as_bytes())
            .and_then(|()| self.stdout.flush())
        {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(Failure::Stdout(e)),
        }
    }

    /// `path` as the command's file operations see it: relative paths are relative to
    /// [`Io::cwd`]. Given as is when that is the process's working directory, so that every
    /// path in messages and reports is shown exactly as it was given.
    fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() || std::env::current_dir().is_ok_and(|d| d == self.cwd) {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        }
    }

    /// Today's date for this run (`IMAGEGATE_TODAY`, else the clock).
    fn today(&self) -> Result<crate::date::Date, Failure> {
        crate::date::today_from(self.vars.get(crate::date::TODAY_VARIABLE).as_deref())
            .map_err(Failure::Today)
    }

    /// Leaves `value` to the end of the process when it ends with this command (see
    /// [`Io::ends_process`]), else drops it.
    fn release<T>(&self, value: T) {
        if self.ends_process {
            std::mem::forget(value);
        }
    }
}

/// Runs the command `cli` with `io`. What could not be done is said on `io.stderr` and is
/// [`Exit::Error`].
pub fn run(cli: Cli, io: &mut Io<'_>) -> Exit {
    let result = match cli.command {
        Command::Check(args) => check::check(*args, io),
        Command::Audit(args) => check::audit(*args, io),
        Command::Rules(args) => rules::rules(args, io),
        Command::Report(args) => report::report(*args, io),
        Command::Policy(command) => policy::policy(command, io),
        Command::Init(args) => init::init(args, io),
        Command::Schema => io.print(SCHEMA, Syntax::Json).map(|()| Exit::Success),
        Command::Lsp => lsp::lsp(io),
    };
    match result {
        Ok(exit) => exit,
        Err(Failure::Usage(message)) => {
            let error = <Cli as clap::CommandFactory>::command()
                .error(clap::error::ErrorKind::ArgumentConflict, message);
            io.error_text(&error.render().to_string());
            Exit::Error
        }
        Err(error) => {
            // Paths and names in it come from the repository: never raw to a terminal or log.
            io.say(&format!("error: {}", emit::visible(&error.to_string())));
            Exit::Error
        }
    }
}

/// Parses `args` (the program's name first) as the command line does and runs the command:
/// help and version go to `io.stdout` (exit 0), a usage error to `io.stderr` (exit 2). The
/// whole command line in-process, for tests and embedders.
pub fn run_args<I, T>(args: I, io: &mut Io<'_>) -> Exit
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match <Cli as clap::Parser>::try_parse_from(args) {
        Ok(cli) => run(cli, io),
        Err(error) => {
            let text = error.render().to_string();
            if error.use_stderr() {
                io.error_text(&text);
                Exit::Error
            } else {
                let _ = io.print(&text, Syntax::Text);
                Exit::Success
            }
        }
    }
}

/// Why a command could not run (exit code 2).
#[derive(Debug)]
enum Failure {
    /// The arguments contradict each other (said with the usage, as clap says its own).
    Usage(&'static str),
    /// The config cannot be used.
    Config(ConfigError),
    /// The workspace cannot be made.
    Workspace(WorkspaceError),
    /// The walk cannot start (a bad path or glob).
    Walk(crate::walk::WalkError),
    /// The report cannot be written to the file named by `--output`.
    Output(PathBuf, std::io::Error),
    /// Standard output cannot be written.
    Stdout(std::io::Error),
    /// `imagegate rules X` names no rule.
    UnknownRule(String),
    /// `IMAGEGATE_TODAY` is not a date.
    Today(crate::date::BadToday),
    /// The baseline cannot be read or written.
    Baseline(crate::baseline::BaselineError),
    /// The earlier report given to `--compare` cannot be used.
    Compare(String),
    /// The trusted exemptions (`--trusted-exemptions`) cannot be read or written (the
    /// message says why).
    TrustedExemptions(String),
    /// `policy export`/`import` or `init` cannot do what is asked (the message says why).
    Refused(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(message) => f.write_str(message),
            Failure::Config(e) => write!(f, "{e}"),
            Failure::Workspace(e) => write!(f, "{e}"),
            Failure::Walk(e) => write!(f, "{e}"),
            Failure::Output(path, e) => {
                write!(f, "cannot write the report to {}: {e}", path.display())
            }
            Failure::Stdout(e) => write!(f, "cannot write to standard output: {e}"),
            Failure::Today(e) => write!(f, "{e}"),
            Failure::Baseline(e) => write!(f, "{e}"),
            Failure::Compare(e) => f.write_str(e),
            Failure::TrustedExemptions(e) => f.write_str(e),
            Failure::UnknownRule(key) => {
                write!(
                    f,
                    "unknown rule `{key}` (run `imagegate rules` for the list)"
                )
            }
            Failure::Refused(message) => f.write_str(message),
        }
    }
}

/// The config found for `paths` (or named by `--config`), relative to `cwd`, with `--mode`
/// applied.
fn config(
    named: Option<&Path>,
    paths: &[PathBuf],
    mode: Option<crate::config::Mode>,
    cwd: &Path,
) -> Result<Config, Failure> {
    let mut config = Config::discover(named, paths, cwd).map_err(Failure::Config)?;
    if let Some(mode) = mode {
        config.mode = mode;
    }
    Ok(config)
}

/// The config of a run: `named` read as the config at `at` when the command says so
/// (`--config-as`), else found as [`config`] finds it; then the trusted exemptions
/// (`--trusted-exemptions FILE`) set on it. Everything is read before any work: a typo must
/// not judge with another policy.
fn run_config(
    named: Option<&Path>,
    at: Option<&Path>,
    trusted: Option<&Path>,
    paths: &[PathBuf],
    mode: Option<crate::config::Mode>,
    io: &Io<'_>,
) -> Result<Config, Failure> {
    let mut config = match (named, at) {
        (Some(file), Some(at)) => {
            let mut config = Config::load_as(file, &io.resolve(at)).map_err(Failure::Config)?;
            if let Some(mode) = mode {
                config.mode = mode;
            }
            config
        }
        _ => config(named, paths, mode, &io.cwd)?,
    };
    if let Some(path) = trusted {
        let shown = crate::walk::display_path(path, &io.cwd);
        let trusted = crate::suppress::read_trusted(&io.resolve(path), &shown)
            .map_err(Failure::TrustedExemptions)?;
        config.trusted_exemptions = Some(std::sync::Arc::new(trusted));
    }
    Ok(config)
}

/// The baseline at `path` (`--baseline`), with its path as shown, read before any work: a
/// typo must not report every accepted finding as new (or pass because none is).
fn read_baseline(
    path: Option<&Path>,
    io: &Io<'_>,
) -> Result<Option<(String, crate::baseline::Baseline)>, Failure> {
    let Some(path) = path else {
        return Ok(None);
    };
    let path = io.resolve(path);
    let shown = crate::walk::display_path(&path, &io.cwd);
    let baseline = crate::baseline::read(&path, &shown).map_err(Failure::Baseline)?;
    Ok(Some((shown, baseline)))
}

/// Writes `text`, an output in `syntax`, to the file `path` (`--output`), defused as
/// standard output would be: a pipeline may print the file.
fn write_file(io: &Io<'_>, path: &Path, text: &str, syntax: Syntax) -> Result<(), Failure> {
    let text = emit::defuse(text, syntax);
    std::fs::write(io.resolve(path), text.as_bytes())
        .map_err(|e| Failure::Output(path.to_path_buf(), e))
}
