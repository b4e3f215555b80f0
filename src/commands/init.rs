//! `imagegate init`: a commented config for a repository, from what a run finds in it.

use std::io::Write;
use std::path::PathBuf;

use super::{Exit, Failure, Io};
use crate::cli::InitArgs;
use crate::config::Config;
use crate::walk::WalkOptions;
use crate::workspace::Workspace;

/// The config file `init` writes.
const CONFIG_FILE: &str = "imagegate.toml";

pub(super) fn init(args: InitArgs, io: &mut Io<'_>) -> Result<Exit, Failure> {
    let path = args.path.unwrap_or_else(|| PathBuf::from("."));
    let shown = path.display().to_string().replace('\\', "/");
    let folder = io.resolve(&path);
    if !folder.is_dir() {
        return Err(Failure::Refused(format!("{shown} is not a folder")));
    }
    let in_folder = |name: &str| {
        if shown == "." {
            name.to_string()
        } else {
            format!("{}/{name}", shown.trim_end_matches('/'))
        }
    };
    for name in crate::config::CONFIG_NAMES {
        if folder.join(name).exists() {
            return Err(Failure::Refused(format!(
                "{} exists: init never overwrites a config (delete it yourself to start again)",
                in_folder(name)
            )));
        }
    }
    let options = WalkOptions {
        roots: vec![folder.clone()],
        include: Vec::new(),
        exclude: Vec::new(),
        no_ignore: false,
        force_exclude: false,
        threads: 0,
    };
    let workspace =
        Workspace::new(Config::embedded(), io.cwd.clone(), 0).map_err(Failure::Workspace)?;
    let detail = crate::findings::Detail { excerpts: false };
    let report = workspace.check(&options, detail).map_err(Failure::Walk)?;
    let found = crate::init::Found::from_report(&report);
    let target = folder.join(CONFIG_FILE);
    let file = in_folder(CONFIG_FILE);
    // `create_new`: a file that appeared since the check above is not overwritten either.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .and_then(|mut f| f.write_all(crate::init::render(&found, &shown).as_bytes()))
        .map_err(|e| Failure::Output(path.join(CONFIG_FILE), e))?;
    io.print(
        &format!(
            "Wrote {file} (audit mode): {}.\n\n{}",
            found.summary(),
            crate::init::next_steps(&file)
        ),
        crate::report::emit::Syntax::Text,
    )?;
    Ok(Exit::Success)
}
