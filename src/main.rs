//! The `imagegate` binary: parses arguments, runs the command in the library
//! ([`imagegate::commands`]) with the process's streams, and maps how it ended to the exit
//! code (0 no finding fails the run, 1 findings fail it, 2 the run could not happen).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use imagegate::cli::Cli;
use imagegate::commands::{self, Io, Vars};

fn main() -> ExitCode {
    no_transparent_huge_pages();
    let cli = Cli::parse();
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
