//! The `imagegate` binary: parses arguments, runs the command in the library
//! ([`imagegate::commands`]) with the process's streams, and maps how it ended to the exit
//! code (0 no finding fails the run, 1 findings fail it, 2 the run could not happen).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use imagegate::report::emit::{Syntax, defuse};

use imagegate::cli::Cli;
use imagegate::commands::{self, Io, Vars};

fn main() -> ExitCode {
    no_transparent_huge_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage(error),
    };
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => {
            eprintln!("imagegate: error: cannot read the current directory: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut stdout, mut stderr, mut stdin) =
        (std::io::stdout(), std::io::stderr(), std::io::stdin());
    let mut io = Io {
        stdout_is_terminal: stdout.is_terminal(),
        stdout: &mut stdout,
        stderr: &mut stderr,
        stdin: &mut stdin,
        cwd,
        vars: Vars::Process,
        ends_process: true,
    };
    ExitCode::from(commands::run(cli, &mut io).code())
}

/// Says what is wrong with the command line (or the help or version it asks for), as clap
/// says it (in colour on a terminal), and the exit code. The arguments are in it, and a file
/// name a pipeline passes may come from a pull request: when the text holds what a CI agent
/// would run ([`defuse`]), it is written defused, without colour.
fn usage(error: clap::Error) -> ExitCode {
    let plain = error.render().to_string();
    let defused = defuse(&plain, Syntax::Text);
    if defused == plain {
        error.exit();
    }
    use std::io::Write as _;
    let _ = if error.use_stderr() {
        std::io::stderr().write_all(defused.as_bytes())
    } else {
        std::io::stdout().write_all(defused.as_bytes())
    };
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
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

// Parsing and evaluation allocate many small values; mimalloc handles that pattern well.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
