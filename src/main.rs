//! The `imagegate` binary: parses arguments, runs the library, maps the outcome to an exit code
//! (0 no error finding, 1 error findings, 2 the run could not happen).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use imagegate::cli::{
    CheckArgs, Cli, Command, FailOn, InitArgs, PolicyCommand, ReportArgs, RulesArgs,
};
use imagegate::config::{Config, ConfigError};
use imagegate::pipeline::Purpose;
use imagegate::report::emit::{self, Filtered, Format, HumanOptions};
use imagegate::rules::Rule;
use imagegate::walk::{WalkError, WalkOptions};

fn main() -> ExitCode {
    no_transparent_huge_pages();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(*args, Purpose::Check),
        Command::Audit(args) => audit(*args),
        Command::Rules(args) => rules(args),
        Command::Report(args) => report(*args),
        Command::Policy(command) => policy(command),
        Command::Init(args) => init(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // Paths and names in it come from the repository: never raw to a terminal or log.
            say(&format!("error: {}", emit::visible(&error.to_string())));
            ExitCode::from(2)
        }
    }
}

/// Asks Linux not to back this process's memory with transparent huge pages. mimalloc
/// requests them for its arenas, and each 2 MiB page is zeroed whole on first touch: a run
/// over a repository then holds ~35 MB more (peak RSS 57 MB instead of 21 MB on the Azure
/// quickstarts) for no gain in speed (see BENCHMARKS.md).
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes one integer argument and touches no memory of ours;
    // a kernel that does not know it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Why a command could not run (exit code 2).
#[derive(Debug)]
enum Failure {
    /// The working directory cannot be read.
    Cwd(std::io::Error),
    /// The config cannot be used.
    Config(ConfigError),
    /// The worker threads cannot start.
    Threads(rayon::ThreadPoolBuildError),
    /// The walk cannot start (a bad path or glob).
    Walk(WalkError),
    /// The report cannot be written to the file named by `--output`.
    Output(PathBuf, std::io::Error),
    /// Standard output cannot be written.
    Stdout(std::io::Error),
    /// `imagegate rules X` names no rule.
    UnknownRule(String),
    /// `IMAGEGATE_TODAY` is not a date.
    Today(imagegate::date::BadToday),
    /// The baseline cannot be read or written.
    Baseline(imagegate::baseline::BaselineError),
    /// The earlier report given to `--compare` cannot be used.
    Compare(String),
    /// `policy export`/`import` cannot do what is asked (the message says why).
    Policy(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Cwd(e) => write!(f, "cannot read the current directory: {e}"),
            Failure::Config(e) => write!(f, "{e}"),
            Failure::Threads(e) => write!(f, "cannot start the worker threads: {e}"),
            Failure::Walk(e) => write!(f, "{e}"),
            Failure::Output(path, e) => {
                write!(f, "cannot write the report to {}: {e}", path.display())
            }
            Failure::Stdout(e) => write!(f, "cannot write to standard output: {e}"),
            Failure::Today(e) => write!(f, "{e}"),
            Failure::Baseline(e) => write!(f, "{e}"),
            Failure::Compare(e) => write!(f, "{e}"),
            Failure::UnknownRule(key) => {
                write!(
                    f,
                    "unknown rule `{key}` (run `imagegate rules` for the list)"
                )
            }
            Failure::Policy(message) => f.write_str(message),
        }
    }
}

/// `audit`: `check`'s run over inventory exports. Its FILEs are read whatever ignore files
/// say (an export is often kept out of git); the options about templates are refused.
fn audit(mut args: CheckArgs) -> Result<ExitCode, Failure> {
    if args.stdin_filename.is_some() || args.judge_no_op || args.force_exclude {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--stdin-filename, --judge-no-op and --force-exclude are options of `check`",
            )
            .exit()
    }
    args.no_ignore = true;
    check(args, Purpose::Audit)
}

/// `check` (templates) and `audit` (exports of what is deployed, `purpose`): everything but
/// what is read is the same.
fn check(args: CheckArgs, purpose: Purpose) -> Result<ExitCode, Failure> {
    let cwd = std::env::current_dir().map_err(Failure::Cwd)?;
    // `audit` reads files only (its PATHs are required, `-` is a file name there).
    let input = match purpose {
        Purpose::Check => standard_input(&args),
        Purpose::Audit => None,
    };
    // The config is found from the PATHs, or from the folder of the file read from standard
    // input.
    let paths = match &input {
        Some(Some(name)) => vec![name.clone()],
        Some(None) => vec![PathBuf::from(".")],
        None if args.paths.is_empty() => vec![PathBuf::from(".")],
        None => args.paths.clone(),
    };
    let mut config =
        Config::discover(args.config.as_deref(), &paths, &cwd).map_err(Failure::Config)?;
    if let Some(mode) = args.mode {
        config.mode = mode;
    }
    config.judge_no_op = args.judge_no_op;
    config.today = imagegate::date::today().map_err(Failure::Today)?;
    // A baseline that cannot be read stops the run before any work: a typo must not report
    // every accepted finding as new (or pass because none is).
    let baseline = read_baseline(args.baseline.as_deref(), &cwd)?;
    let threads = args.threads.unwrap_or(0);
    // Workers get a generous stack: the evaluator's own stack budget (1 MiB) assumes 2 MiB.
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(8 * 1024 * 1024)
        .build_global()
        .map_err(Failure::Threads)?;
    let detail = imagegate::findings::Detail {
        excerpts: args.format == Format::Human,
    };
    let mut report = match &input {
        Some(name) => imagegate::check_input(
            &mut std::io::stdin().lock(),
            name.as_deref(),
            &config,
            &cwd,
            detail,
        ),
        None => {
            let options = WalkOptions {
                roots: paths,
                include: args.include.clone(),
                exclude: args.exclude.clone(),
                no_ignore: args.no_ignore,
                force_exclude: args.force_exclude,
                threads,
            };
            match purpose {
                Purpose::Check => imagegate::check(&options, &config, &cwd, detail),
                Purpose::Audit => imagegate::audit(&options, &config, &cwd, detail),
            }
            .map_err(Failure::Walk)?
        }
    };
    if let Some((shown, entries)) = baseline {
        imagegate::baseline::apply(&mut report, entries, &shown);
    }
    if let Some(path) = &args.write_baseline {
        let shown = imagegate::walk::display_path(path, &cwd);
        let entries =
            imagegate::baseline::write(&report, path, &shown).map_err(Failure::Baseline)?;
        if !args.quiet {
            let count = entries.len();
            say(&format!(
                "note: wrote {count} finding{} to the baseline {}",
                if count == 1 { "" } else { "s" },
                emit::visible(&shown)
            ));
        }
        // What was just accepted is in the baseline from now on, this run included.
        imagegate::baseline::apply(&mut report, entries, &shown);
    }
    // `--select`/`--ignore` choose what is reported (and so the exit code), never what is
    // judged: resources and compliance stay whole, and the summary counts what was left out.
    let filter = (!args.select.is_empty() || !args.ignore.is_empty())
        .then(|| Filtered::apply(&mut report, |rule| args.shows(rule)));
    if args.quiet {
        // Only the findings.
    } else if args.verbose || report.notes.len() <= 3 {
        for note in &report.notes {
            say(&format!("note: {}", emit::visible(note)));
        }
    } else {
        say(&format!(
            "note: {} notes (link cycles, budgets, files not read); --verbose shows them",
            report.notes.len()
        ));
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let human = HumanOptions {
        styled: emit::use_colour(
            args.color,
            to_terminal,
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("FORCE_COLOR").as_deref(),
        ),
        quiet: args.quiet,
        filter,
    };
    let emitter = emit::emitter(args.format, human);
    let write = |writer: &mut dyn Write| -> std::io::Result<()> {
        emitter.emit(&report, writer)?;
        writer.flush()
    };
    match &args.output {
        Some(path) => std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .and_then(|mut file| write(&mut file))
            .map_err(|e| Failure::Output(path.clone(), e))?,
        // A report not written in full (a closed pipe, a full disk) is a run that did not
        // happen: exit 2, never a pass a CI step could trust.
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock()))
            .map_err(Failure::Stdout)?,
    }
    // What a format writes besides its output (GitHub's step summary) never fails the run.
    for warning in emitter.finish(&report) {
        say(&format!("warning: {}", emit::visible(&warning)));
    }
    let fail_on = if args.exit_zero {
        FailOn::Never
    } else {
        args.fail_on
    };
    // Exempted findings and those in the baseline never fail a run.
    let failed = report.active().any(|f| fail_on.fails(f.severity));
    // The process ends here: the system reclaims the report's memory at once, faster than
    // freeing its findings one by one (tens of milliseconds on large repositories).
    std::mem::forget(report);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn report(args: ReportArgs) -> Result<ExitCode, Failure> {
    let cwd = std::env::current_dir().map_err(Failure::Cwd)?;
    // Templates under the PATHs (default `.`, unless only exports are asked about).
    let paths = if args.paths.is_empty() && args.inventory.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let config_paths = if paths.is_empty() {
        args.inventory.clone()
    } else {
        paths.clone()
    };
    let mut config =
        Config::discover(args.config.as_deref(), &config_paths, &cwd).map_err(Failure::Config)?;
    if let Some(mode) = args.mode {
        config.mode = mode;
    }
    config.today = imagegate::date::today().map_err(Failure::Today)?;
    // What cannot be read stops the run before the walk.
    let baseline = read_baseline(args.baseline.as_deref(), &cwd)?;
    let earlier = match &args.compare {
        Some(path) => {
            let shown = imagegate::walk::display_path(path, &cwd);
            let bytes = std::fs::read(path)
                .map_err(|e| Failure::Compare(format!("cannot read {shown}: {e}")))?;
            Some(
                imagegate::kpi::read_earlier(&bytes, &shown)
                    .map_err(|e| Failure::Compare(e.to_string()))?,
            )
        }
        None => None,
    };
    let threads = args.threads.unwrap_or(0);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(8 * 1024 * 1024)
        .build_global()
        .map_err(Failure::Threads)?;
    let options = |roots: Vec<PathBuf>| WalkOptions {
        roots,
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        no_ignore: args.no_ignore,
        force_exclude: false,
        threads,
    };
    let detail = imagegate::findings::Detail { excerpts: false };
    let templates = (!paths.is_empty())
        .then(|| imagegate::check(&options(paths), &config, &cwd, detail))
        .transpose()
        .map_err(Failure::Walk)?;
    let estate = (!args.inventory.is_empty())
        .then(|| imagegate::audit(&options(args.inventory.clone()), &config, &cwd, detail))
        .transpose()
        .map_err(Failure::Walk)?;
    let mut report = match (templates, estate) {
        (Some(mut templates), Some(estate)) => {
            templates.absorb(estate);
            templates
        }
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => imagegate::report::Report::default(),
    };
    if let Some((shown, entries)) = baseline {
        imagegate::baseline::apply(&mut report, entries, &shown);
    }
    let grouping = imagegate::kpi::Grouping {
        owner_tag: args
            .owner_tag
            .clone()
            .unwrap_or_else(|| "owner".to_string()),
        depth: args.depth,
    };
    let kpis = imagegate::kpi::compute(&report, &grouping, &config);
    let trend = earlier.map(|before| imagegate::kpi::trend(&before, &kpis));
    let text = imagegate::kpi::render::render(&kpis, trend.as_ref(), args.format);
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| Failure::Output(path.clone(), e))?,
        None => write_stdout(&text)?,
    }
    std::mem::forget(report);
    Ok(ExitCode::SUCCESS)
}

/// The baseline at `path` (`--baseline`), with its path as shown, read before any work.
fn read_baseline(
    path: Option<&std::path::Path>,
    cwd: &std::path::Path,
) -> Result<Option<(String, Vec<imagegate::report::BaselineEntry>)>, Failure> {
    let Some(path) = path else {
        return Ok(None);
    };
    let shown = imagegate::walk::display_path(path, cwd);
    let entries = imagegate::baseline::read(path, &shown).map_err(Failure::Baseline)?;
    Ok(Some((shown, entries)))
}

/// Whether the run reads one template from standard input (`check -`, or no PATH with
/// `--stdin-filename`), and the path it is named by. `-` among other PATHs, or
/// `--stdin-filename` with PATHs, is a usage error (exit 2).
fn standard_input(args: &CheckArgs) -> Option<Option<PathBuf>> {
    let dash = args.paths.iter().any(|p| p.as_os_str() == "-");
    let usage = |message: &str| -> ! {
        Cli::command()
            .error(clap::error::ErrorKind::ArgumentConflict, message)
            .exit()
    };
    if dash && args.paths.len() > 1 {
        usage("`-` (standard input) cannot be checked together with other PATHs");
    }
    match (&args.stdin_filename, dash, args.paths.is_empty()) {
        (name, true, _) => Some(name.clone()),
        (Some(name), false, true) => Some(Some(name.clone())),
        (Some(_), false, false) => {
            usage("--stdin-filename names standard input: give `-` (or no PATH), not files")
        }
        (None, false, _) => None,
    }
}

fn rules(args: RulesArgs) -> Result<ExitCode, Failure> {
    let text = match args.rule {
        Some(key) => {
            let rule = Rule::find(&key).ok_or(Failure::UnknownRule(key))?;
            let d = rule.doc();
            format!(
                "# {} ({})\n\nDefault severity: {}. {}\n\n{}",
                d.name,
                d.id,
                d.severity.as_str(),
                d.summary,
                d.body
            )
        }
        None => {
            let mut out = String::new();
            for r in Rule::ALL {
                let d = r.doc();
                out.push_str(&format!(
                    "{}  {:<24} {:<8} {}\n",
                    d.id,
                    d.name,
                    d.severity.as_str(),
                    d.summary
                ));
            }
            out
        }
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn policy(command: PolicyCommand) -> Result<ExitCode, Failure> {
    use imagegate::policy::{export, import};
    let (text, output) = match command {
        PolicyCommand::Export(args) => {
            let cwd = std::env::current_dir().map_err(Failure::Cwd)?;
            let mut config = Config::discover(args.config.as_deref(), &[PathBuf::from(".")], &cwd)
                .map_err(Failure::Config)?;
            if let Some(mode) = args.mode {
                config.mode = mode;
            }
            // The definition names its source relative to here: the same bytes from any clone.
            let here = cwd.canonicalize().unwrap_or(cwd);
            config.path = config
                .path
                .map(|p| p.strip_prefix(&here).map(PathBuf::from).unwrap_or(p));
            let effect = args
                .effect
                .unwrap_or_else(|| export::Effect::of(config.mode));
            let exported = export::export(&config, effect, args.format)
                .map_err(|e| Failure::Policy(e.to_string()))?;
            for glob in &exported.not_exported {
                say(&format!(
                    "note: `{}` matches no VM, scale set or disk image ID of the shapes the policy checks (gallery, managed, direct shared and community gallery images): the policy does not approve it",
                    emit::visible(glob)
                ));
            }
            let mut text = serde_json::to_string_pretty(&exported.json)
                .map_err(|e| Failure::Policy(e.to_string()))?;
            text.push('\n');
            (text, args.output)
        }
        PolicyCommand::Import(args) => {
            // A definition is kilobytes; what is read is bounded all the same.
            let mut text = String::new();
            std::fs::File::open(&args.file)
                .and_then(|f| {
                    use std::io::Read;
                    f.take(import::MAX_BYTES + 1).read_to_string(&mut text)
                })
                .map_err(|e| {
                    Failure::Policy(format!("cannot read {}: {e}", args.file.display()))
                })?;
            if text.len() as u64 > import::MAX_BYTES {
                return Err(Failure::Policy(format!(
                    "{} is larger than {} MiB: not a policy definition",
                    args.file.display(),
                    import::MAX_BYTES / (1024 * 1024)
                )));
            }
            let shown = args.file.display().to_string().replace('\\', "/");
            let imported =
                import::import(&text).map_err(|e| Failure::Policy(format!("{shown}: {e}")))?;
            for (value, why) in &imported.skipped {
                say(&format!(
                    "note: not imported: {}: {}",
                    emit::visible(value),
                    emit::visible(why)
                ));
            }
            (import::to_toml(&imported, &shown), args.output)
        }
    };
    match output {
        Some(path) => std::fs::write(&path, text).map_err(|e| Failure::Output(path.clone(), e))?,
        None => write_stdout(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn init(args: InitArgs) -> Result<ExitCode, Failure> {
    use imagegate::init;
    let cwd = std::env::current_dir().map_err(Failure::Cwd)?;
    let path = args.path.unwrap_or_else(|| PathBuf::from("."));
    let shown = path.display().to_string().replace('\\', "/");
    if !path.is_dir() {
        return Err(Failure::Policy(format!("{shown} is not a folder")));
    }
    let in_folder = |name: &str| {
        if shown == "." {
            name.to_string()
        } else {
            format!("{}/{name}", shown.trim_end_matches('/'))
        }
    };
    for name in imagegate::config::CONFIG_NAMES {
        if path.join(name).exists() {
            return Err(Failure::Policy(format!(
                "{} exists: init never overwrites a config (delete it yourself to start again)",
                in_folder(name)
            )));
        }
    }
    rayon::ThreadPoolBuilder::new()
        .stack_size(8 * 1024 * 1024)
        .build_global()
        .map_err(Failure::Threads)?;
    let options = WalkOptions {
        roots: vec![path.clone()],
        include: Vec::new(),
        exclude: Vec::new(),
        no_ignore: false,
        force_exclude: false,
        threads: 0,
    };
    let detail = imagegate::findings::Detail { excerpts: false };
    let report =
        imagegate::check(&options, &Config::embedded(), &cwd, detail).map_err(Failure::Walk)?;
    let found = init::Found::from_report(&report);
    let target = path.join(CONFIG_FILE);
    let file = in_folder(CONFIG_FILE);
    // `create_new`: a file that appeared since the check above is not overwritten either.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .and_then(|mut f| f.write_all(init::render(&found, &shown).as_bytes()))
        .map_err(|e| Failure::Output(target.clone(), e))?;
    write_stdout(&format!(
        "Wrote {file} (audit mode): {}.\n\n{}",
        found.summary(),
        init::next_steps(&file)
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// The config file `init` writes.
const CONFIG_FILE: &str = "imagegate.toml";

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`imagegate check | head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Stdout(e)),
    }
}

/// Writes one line to standard error, prefixed `imagegate: `. A standard error that cannot be
/// written to (closed, full) is ignored: it never panics, and the exit code still tells.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "imagegate: {line}");
}

// Parsing and evaluation allocate many small values; mimalloc handles that pattern well.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
