//! `imagegate policy export|import`: the approved list as an Azure Policy definition, and back.

use std::path::PathBuf;

use super::{Exit, Failure, Io, config, write_file};
use crate::cli::PolicyCommand;
use crate::policy::{export, import};
use crate::report::emit::{self, Syntax};

pub(super) fn policy(command: PolicyCommand, io: &mut Io<'_>) -> Result<Exit, Failure> {
    let (text, output) = match command {
        PolicyCommand::Export(args) => {
            let named = args.config.as_deref().map(|c| io.resolve(c));
            let mut config = config(named.as_deref(), &[PathBuf::from(".")], args.mode, &io.cwd)?;
            // The definition names its source relative to here: the same bytes from any clone.
            let here = io.cwd.canonicalize().unwrap_or_else(|_| io.cwd.clone());
            config.path = config
                .path
                .map(|p| p.strip_prefix(&here).map(PathBuf::from).unwrap_or(p));
            let effect = args
                .effect
                .unwrap_or_else(|| export::Effect::of(config.mode));
            let exported = export::export(&config, effect, args.format)
                .map_err(|e| Failure::Refused(e.to_string()))?;
            for glob in &exported.not_exported {
                io.say(&format!(
                    "note: `{}` matches no VM, scale set or disk image ID of the shapes the policy checks (gallery, managed, direct shared and community gallery images): the policy does not approve it",
                    emit::visible(glob)
                ));
            }
            let mut text = serde_json::to_string_pretty(&exported.json)
                .map_err(|e| Failure::Refused(e.to_string()))?;
            text.push('\n');
            (text, args.output)
        }
        PolicyCommand::Import(args) => {
            // A definition is kilobytes; what is read is bounded all the same.
            let mut text = String::new();
            std::fs::File::open(io.resolve(&args.file))
                .and_then(|f| {
                    use std::io::Read;
                    f.take(import::MAX_BYTES + 1).read_to_string(&mut text)
                })
                .map_err(|e| {
                    Failure::Refused(format!("cannot read {}: {e}", args.file.display()))
                })?;
            if text.len() as u64 > import::MAX_BYTES {
                return Err(Failure::Refused(format!(
                    "{} is larger than {} MiB: not a policy definition",
                    args.file.display(),
                    import::MAX_BYTES / (1024 * 1024)
                )));
            }
            let shown = args.file.display().to_string().replace('\\', "/");
            let imported =
                import::import(&text).map_err(|e| Failure::Refused(format!("{shown}: {e}")))?;
            for (value, why) in &imported.skipped {
                io.say(&format!(
                    "note: not imported: {}: {}",
                    emit::visible(value),
                    emit::visible(why)
                ));
            }
            (import::to_toml(&imported, &shown), args.output)
        }
    };
    // A definition is JSON; an imported policy TOML whose strings are basic strings: both
    // read `\u` escapes back to the characters.
    match output {
        Some(path) => write_file(io, &path, &text, Syntax::Json)?,
        None => io.print(&text, Syntax::Json)?,
    }
    Ok(Exit::Success)
}
