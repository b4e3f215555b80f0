//! `imagegate check` (infrastructure as code) and `imagegate audit` (exports of what is
//! deployed): everything but what is read is the same.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use super::{Exit, Failure, Io, Vars, read_baseline, run_config};
use crate::cli::{CheckArgs, FailOn};
use crate::note::{Note, NoteKind};
use crate::report::emit::{self, Filtered, Format, HumanOptions};
use crate::walk::WalkOptions;
use crate::workspace::Workspace;

/// What a run reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reads {
    /// Templates, Bicep files and plans (`check`).
    Code,
    /// Inventory exports (`audit`).
    Exports,
}

/// `audit`: `check`'s run over inventory exports. Its FILEs are read whatever ignore files
/// say (an export is often kept out of git); the options about templates are refused.
pub(super) fn audit(mut args: CheckArgs, io: &mut Io<'_>) -> Result<Exit, Failure> {
    if args.stdin_filename.is_some()
        || args.judge_no_op
        || args.force_exclude
        || args.fix
        || args.diff
    {
        return Err(Failure::Usage(
            "--stdin-filename, --judge-no-op, --force-exclude, --fix and --diff are options of `check`",
        ));
    }
    args.no_ignore = true;
    run(args, Reads::Exports, io)
}

/// `check`.
pub(super) fn check(args: CheckArgs, io: &mut Io<'_>) -> Result<Exit, Failure> {
    run(args, Reads::Code, io)
}

fn run(args: CheckArgs, reads: Reads, io: &mut Io<'_>) -> Result<Exit, Failure> {
    // `audit` reads files only (its PATHs are required, `-` is a file name there).
    let input = match reads {
        Reads::Code => standard_input(&args)?,
        Reads::Exports => None,
    };
    if (args.fix || args.diff) && input.is_some() {
        return Err(Failure::Usage(
            "--fix and --diff change files: name them, not standard input",
        ));
    }
    // The fixes of what is reported are made (or shown), then the files are judged again:
    // what is reported is what is left.
    let mut fixed = None;
    if args.fix || args.diff {
        let mut report = judged(&args, reads, &input, io)?;
        if !args.select.is_empty() || !args.ignore.is_empty() {
            Filtered::apply(&mut report, |rule| args.shows(rule));
        }
        let plan = super::fix::plan(report.findings.iter(), &report.set_aside_fixes);
        let resolve = |p: &std::path::Path| io.resolve(p);
        if args.diff {
            let (diff, problems) = super::fix::diff(&plan, &resolve);
            for line in plan.conflicts.iter().chain(&problems) {
                io.say(&format!("warning: {}", emit::visible(line)));
            }
            // The lines are the repository's: shown, never obeyed (hidden characters made
            // visible, no CI command prefix left raw).
            let shown: String = diff
                .lines()
                .map(|l| format!("{}\n", emit::visible(l)))
                .collect();
            io.stdout
                .write_all(emit::defuse(&shown, emit::Syntax::Text).as_bytes())
                .map_err(Failure::Stdout)?;
            if !args.quiet {
                io.say(&format!(
                    "note: {} fix{} would change {} file{}",
                    plan.fixed,
                    if plan.fixed == 1 { "" } else { "es" },
                    plan.files.len(),
                    if plan.files.len() == 1 { "" } else { "s" }
                ));
            }
            return Ok(if plan.files.is_empty() {
                Exit::Success
            } else {
                Exit::Findings
            });
        }
        let applied = super::fix::apply(&plan, &resolve);
        for line in plan.conflicts.iter().chain(&applied.problems) {
            io.say(&format!("warning: {}", emit::visible(line)));
        }
        fixed = Some((plan.fixed, applied.written));
    }
    let mut report = judged(&args, reads, &input, io)?;
    if let Some((count, files)) = fixed
        && !args.quiet
    {
        io.say(&format!(
            "note: fixed {count} finding{} in {files} file{}",
            if count == 1 { "" } else { "s" },
            if files == 1 { "" } else { "s" }
        ));
    }
    if let Some(path) = &args.write_trusted_exemptions {
        let shown = crate::walk::display_path(path, &io.cwd);
        let count = crate::suppress::trusted_text(&report.exempted_by_comments)
            .and_then(|(text, count)| {
                // What a pull request wrote (paths, reasons) must not reach a CI agent that
                // prints the file.
                let mut text = emit::defuse(&text, emit::Syntax::Json).into_owned();
                text.push('\n');
                std::fs::write(io.resolve(path), text).map(|()| count)
            })
            .map_err(|e| {
                Failure::TrustedExemptions(format!(
                    "cannot write the trusted exemptions {shown}: {e}"
                ))
            })?;
        if !args.quiet {
            io.say(&format!(
                "note: wrote {count} exempted finding{} to the trusted exemptions {}",
                if count == 1 { "" } else { "s" },
                emit::visible(&shown)
            ));
        }
    }
    if let Some(path) = &args.write_baseline {
        let shown = crate::walk::display_path(path, &io.cwd);
        let written = crate::baseline::write(&report, &io.resolve(path), &shown)
            .map_err(Failure::Baseline)?;
        if !args.quiet {
            let count = written.entries.len();
            io.say(&format!(
                "note: wrote {count} finding{} to the baseline {}",
                if count == 1 { "" } else { "s" },
                emit::visible(&shown)
            ));
        }
        // What was just accepted is in the baseline from now on, this run included.
        crate::baseline::apply(&mut report, written, &shown);
    }
    // `--select`/`--ignore` choose what is reported (and so the exit code), never what is
    // judged: resources and compliance stay whole, and the summary counts what was left out.
    let filter = (!args.select.is_empty() || !args.ignore.is_empty())
        .then(|| Filtered::apply(&mut report, |rule| args.shows(rule)));
    if !args.quiet {
        for line in note_lines(&report.notes, args.verbose) {
            io.say(&format!("note: {}", emit::visible(&line)));
        }
    }
    // A run over folders that judged nothing says so where a person or a CI log sees it, and
    // why: often a wrong path, or files no frontend reads (with how to have them judged). Named
    // files that are not templates (a hook's changed `package.json`) are no surprise.
    let over_folders = args.paths.is_empty() || args.paths.iter().any(|p| io.resolve(p).is_dir());
    if over_folders
        && report.templates == 0
        && !report
            .findings
            .iter()
            .any(|f| f.rule == crate::rules::PARSE_ERROR)
    {
        io.say(&format!(
            "warning: nothing was judged: no ARM template, Bicep file, parameter file, Terraform configuration or plan among the {} file{} read{}",
            report.files_scanned,
            if report.files_scanned == 1 { "" } else { "s" },
            if report.unread.is_empty() { "; check the paths given" } else { "" }
        ));
        for unread in &report.unread {
            io.say(&format!("warning: {}", unread.describe(&report.kinds)));
        }
    } else if !args.quiet {
        for unread in &report.unread {
            io.say(&format!("note: {}", unread.describe(&report.kinds)));
        }
    }
    let to_terminal = args.output.is_none() && io.stdout_is_terminal;
    let human = HumanOptions {
        styled: emit::use_colour(
            args.color,
            to_terminal,
            io.vars.get("NO_COLOR").as_deref(),
            io.vars.get("FORCE_COLOR").as_deref(),
        ),
        quiet: args.quiet,
        filter,
    };
    let step_summary = emit::StepSummary::from_vars(|name| io.vars.get(name));
    let emitter = emit::emitter(args.format, human, step_summary, &args.sarif_category);
    let write = |writer: &mut dyn Write| -> std::io::Result<()> {
        emitter.emit(&report, writer)?;
        writer.flush()
    };
    match &args.output {
        Some(path) => std::fs::File::create(io.resolve(path))
            .map(std::io::BufWriter::new)
            .and_then(|mut file| write(&mut file))
            .map_err(|e| Failure::Output(path.clone(), e))?,
        // A report not written in full (a closed pipe, a full disk) is a run that did not
        // happen: exit 2, never a pass a CI step could trust.
        None => write(&mut std::io::BufWriter::new(&mut *io.stdout)).map_err(Failure::Stdout)?,
    }
    // What a format writes besides its output (GitHub's step summary) never fails the run.
    for warning in emitter.finish(&report) {
        io.say(&format!("warning: {}", emit::visible(&warning)));
    }
    let fail_on = if args.exit_zero {
        FailOn::Never
    } else {
        args.fail_on
    };
    // Exempted findings and those in the baseline never fail a run.
    let failed = report.active().any(|f| fail_on.fails(f.severity));
    io.release(report);
    Ok(if failed {
        Exit::Findings
    } else {
        Exit::Success
    })
}

/// Whether the run reads one template from standard input (`check -`, or no PATH with
/// `--stdin-filename`), and the path it is named by. `-` among other PATHs, or
/// `--stdin-filename` with PATHs, is a usage error (exit 2).
fn standard_input(args: &CheckArgs) -> Result<Option<Option<PathBuf>>, Failure> {
    let dash = args.paths.iter().any(|p| p.as_os_str() == "-");
    if dash && args.paths.len() > 1 {
        return Err(Failure::Usage(
            "`-` (standard input) cannot be checked together with other PATHs",
        ));
    }
    match (&args.stdin_filename, dash, args.paths.is_empty()) {
        (name, true, _) => Ok(Some(name.clone())),
        (Some(name), false, true) => Ok(Some(Some(name.clone()))),
        (Some(_), false, false) => Err(Failure::Usage(
            "--stdin-filename names standard input: give `-` (or no PATH), not files",
        )),
        (None, false, _) => Ok(None),
    }
}

/// The environment variables a run's parameter files may read (`readEnvironmentVariable()`,
/// azd's `${NAME}`): every variable of `vars`, a value that is not UTF-8 read with its bad
/// bytes replaced (never dropped: an unset variable would fall back to a default).
pub(super) fn environment(vars: &Vars) -> BTreeMap<String, String> {
    match vars {
        Vars::Process => std::env::vars_os()
            .filter_map(|(name, value)| {
                Some((
                    name.into_string().ok()?,
                    value.to_string_lossy().into_owned(),
                ))
            })
            .collect(),
        // Later entries win, as `Vars::get` reads them.
        Vars::Given(given) => given
            .iter()
            .map(|(name, value)| (name.clone(), value.to_string_lossy().into_owned()))
            .collect(),
    }
}

/// The report of one judgement of what `args` names (or of standard input, `input`), with
/// the baseline applied.
fn judged(
    args: &CheckArgs,
    reads: Reads,
    input: &Option<Option<PathBuf>>,
    io: &mut Io<'_>,
) -> Result<crate::report::Report, Failure> {
    // The config is found from the PATHs, or from the folder of the file read from standard
    // input.
    let paths = match &input {
        Some(Some(name)) => vec![name.clone()],
        Some(None) => vec![PathBuf::from(".")],
        None if args.paths.is_empty() => vec![PathBuf::from(".")],
        None => args.paths.clone(),
    };
    let named = args.config.as_deref().map(|c| io.resolve(c));
    let mut config = run_config(
        named.as_deref(),
        args.config_as.as_deref(),
        args.trusted_exemptions.as_deref(),
        &paths,
        args.mode,
        io,
    )?;
    config.judge_no_op = args.judge_no_op;
    config.set_today(io.today()?);
    let baseline = read_baseline(args.baseline.as_deref(), io)?;
    let threads = args.threads.unwrap_or(0);
    let workspace = Workspace::new(config, io.cwd.clone(), threads)
        .map_err(Failure::Workspace)?
        .with_environment(environment(&io.vars));
    let detail = crate::findings::Detail {
        excerpts: args.format == Format::Human,
    };
    let mut report = match input {
        Some(name) => {
            let name = name.as_deref().map(|n| io.resolve(n));
            workspace.check_buffer(&mut *io.stdin, name.as_deref(), detail)
        }
        None => {
            let options = WalkOptions {
                roots: paths.iter().map(|p| io.resolve(p)).collect(),
                include: args.include.clone(),
                exclude: args.exclude.clone(),
                no_ignore: args.no_ignore,
                force_exclude: args.force_exclude,
                threads,
            };
            match reads {
                Reads::Code => workspace.check(&options, detail),
                Reads::Exports => workspace.audit(&options, detail),
            }
            .map_err(Failure::Walk)?
        }
    };
    if let Some((shown, baseline)) = baseline {
        crate::baseline::apply(&mut report, baseline, &shown);
    }
    Ok(report)
}

/// Most notes of one kind shown one by one without `--verbose`; more are told as a count.
const NOTES_SHOWN: usize = 3;

/// The lines that tell `notes` (sorted), grouped by kind in [`NoteKind::ALL`]'s order: each
/// note of a kind that has few (or all, `verbose`), else one line for the kind that says how
/// many and what they mean. A hundred compiled templates set aside never hide the one budget
/// that was reached.
fn note_lines(notes: &[Note], verbose: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for kind in NoteKind::ALL {
        let of_kind: Vec<&Note> = notes.iter().filter(|n| n.kind == kind).collect();
        if verbose || of_kind.len() <= NOTES_SHOWN {
            lines.extend(of_kind.iter().map(ToString::to_string));
        } else {
            lines.push(format!(
                "{} (--verbose lists them)",
                kind.group(of_kind.len())
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_grouped_by_kind_and_few_are_shown_whole() {
        let mut notes: Vec<Note> = (0..5)
            .map(|i| {
                Note::new(
                    NoteKind::CompiledSetAside,
                    format!("t{i}/azuredeploy.json"),
                    format!("compiled from t{i}/main.bicep, which is judged instead"),
                )
            })
            .collect();
        notes.push(Note::new(NoteKind::Budget, "big.json", "evaluation stopped").at(4, 2));
        notes.sort();
        let lines = note_lines(&notes, false);
        assert_eq!(
            lines,
            [
                "big.json:4:2: evaluation stopped",
                "5 compiled templates set aside: the sources they were compiled from are judged instead (--verbose lists them)",
            ]
        );
        let all = note_lines(&notes, true);
        assert_eq!(all.len(), 6);
        assert_eq!(all[0], "big.json:4:2: evaluation stopped");
        assert!(all[1].starts_with("t0/azuredeploy.json: compiled from"));
        // Three of a kind are each shown.
        let few = note_lines(&notes[..4], false);
        assert_eq!(few.len(), 4, "{few:?}");
    }
}
