//! Walking the roots: which files a run reads.
//!
//! Uses the `ignore` crate (as ripgrep does): `.gitignore` inside git repositories, `.ignore`,
//! hidden files and folders skipped, symbolic links not followed, so nothing outside the roots
//! is read. Files named on the command line are always read unless `--force-exclude` applies
//! the excludes to them too. The result is sorted, so output is identical from run to run.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};

/// What to walk and how.
#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// Files and directories to read.
    pub roots: Vec<PathBuf>,
    /// Only files matching one of these are read (when any are given).
    pub include: Vec<String>,
    /// Files and directories matching one of these are skipped.
    pub exclude: Vec<String>,
    /// Do not honour `.gitignore` and `.ignore`.
    pub no_ignore: bool,
    /// Apply excludes to files named on the command line too.
    pub force_exclude: bool,
    /// Walker threads (0: automatic).
    pub threads: usize,
}

/// A file to read, with the path shown to users.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileToRead {
    /// Path shown to users: relative to the working directory, forward slashes.
    pub display: String,
    /// Path to open.
    pub path: PathBuf,
    /// The canonical (absolute, symbolic-link-free) path: the canonical root joined with the
    /// path below it, since the walk follows no links. Compared, never shown.
    pub canonical: PathBuf,
}

/// Why a walk cannot start.
#[derive(Debug)]
pub enum WalkError {
    /// A path named on the command line cannot be read (it does not exist, or no permission).
    Root {
        /// The path as given.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// An `--include`/`--exclude` glob is not valid.
    Glob {
        /// The flag (`--include` or `--exclude`).
        flag: &'static str,
        /// The glob as given.
        glob: String,
        /// What the glob parser said.
        error: globset::Error,
    },
    /// The globs of a flag cannot be combined.
    GlobSet {
        /// The flag (`--include` or `--exclude`).
        flag: &'static str,
        /// What the glob parser said.
        error: globset::Error,
    },
}

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WalkError::Root { path, error } => {
                write!(f, "cannot read path `{}`: {error}", path.display())
            }
            WalkError::Glob { flag, glob, error } => {
                write!(f, "invalid {flag} glob `{glob}`: {error}")
            }
            WalkError::GlobSet { flag, error } => write!(f, "invalid {flag} globs: {error}"),
        }
    }
}

impl std::error::Error for WalkError {}

/// What a walk found.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// The files to read, sorted.
    pub(crate) files: Vec<FileToRead>,
    /// The files named like a config file (hidden ones too), sorted: they are not read as
    /// input, but a run reports those that are not its config.
    pub(crate) configs: Vec<FileToRead>,
    /// Entries that could not be read (permission errors, symbolic link loops).
    pub(crate) notes: Vec<String>,
}

/// Walks the roots. In the folders walked, only files with one of `extensions` are read
/// (without the dot, ASCII case-insensitive: the frontends' extensions); files named as roots
/// are read whatever their extension. Files named one of `config_names` are listed apart,
/// hidden or not, wherever the excludes let the walk go.
pub(crate) fn walk(
    options: &WalkOptions,
    cwd: &Path,
    extensions: &[&str],
    config_names: &[&str],
) -> Result<Walked, WalkError> {
    let include = globs(&options.include, "--include")?;
    let exclude = globs(&options.exclude, "--exclude")?;
    let mut files = Vec::new();
    let mut configs = Vec::new();
    let is_config = |path: &Path| {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| config_names.contains(&n))
    };
    let mut dirs = Vec::new();
    for root in &options.roots {
        let meta = std::fs::metadata(root).map_err(|error| WalkError::Root {
            path: root.clone(),
            error,
        })?;
        if meta.is_dir() {
            dirs.push(root.clone());
        } else {
            let display = display_path(root, cwd);
            if options.force_exclude && matches(&exclude, &display, root) {
                continue;
            }
            if is_config(root) {
                configs.push(FileToRead {
                    display,
                    path: root.clone(),
                    canonical: canonical(root),
                });
                continue;
            }
            files.push(FileToRead {
                display,
                path: root.clone(),
                canonical: canonical(root),
            });
        }
    }
    let notes = Mutex::new(Vec::new());
    if let Some((first, rest)) = dirs.split_first() {
        let mut builder = ignore::WalkBuilder::new(first);
        for d in rest {
            builder.add(d);
        }
        // Hidden entries are skipped below, but for hidden config files (`.imagegate.toml`).
        builder
            .hidden(false)
            .parents(!options.no_ignore)
            .ignore(!options.no_ignore)
            .git_ignore(!options.no_ignore)
            .git_exclude(!options.no_ignore)
            .git_global(false)
            .require_git(true)
            .follow_links(false)
            .threads(options.threads);
        let found = Mutex::new(Vec::new());
        let found_configs = Mutex::new(Vec::new());
        let canonical_dirs: Vec<(&PathBuf, PathBuf)> =
            dirs.iter().map(|d| (d, canonical(d))).collect();
        builder.build_parallel().run(|| {
            let (include, exclude, found, notes) = (&include, &exclude, &found, &notes);
            let (found_configs, is_config) = (&found_configs, &is_config);
            let canonical_dirs = &canonical_dirs;
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        lock(notes).push(format!("skipped: {e}"));
                        return ignore::WalkState::Continue;
                    }
                };
                let path = entry.path();
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                let hidden = entry.depth() > 0
                    && entry
                        .file_name()
                        .to_str()
                        .is_some_and(|n| n.starts_with('.'));
                if hidden && !(entry.file_type().is_some_and(|t| t.is_file()) && is_config(path)) {
                    return if is_dir {
                        ignore::WalkState::Skip
                    } else {
                        ignore::WalkState::Continue
                    };
                }
                let display = display_path(path, cwd);
                if entry.depth() > 0 && matches(exclude, &display, path) {
                    return if is_dir {
                        ignore::WalkState::Skip
                    } else {
                        ignore::WalkState::Continue
                    };
                }
                if entry.file_type().is_some_and(|t| t.is_file()) && is_config(path) {
                    lock(found_configs).push(FileToRead {
                        display,
                        path: path.to_path_buf(),
                        canonical: canonical(path),
                    });
                    return ignore::WalkState::Continue;
                }
                if !entry.file_type().is_some_and(|t| t.is_file())
                    || !has_extension(path, extensions)
                {
                    return ignore::WalkState::Continue;
                }
                if !include.is_empty() && !matches(include, &display, path) {
                    return ignore::WalkState::Continue;
                }
                let canonical = canonical_dirs
                    .iter()
                    .find_map(|(dir, c)| Some(c.join(path.strip_prefix(dir).ok()?)))
                    .unwrap_or_else(|| canonical(path));
                lock(found).push(FileToRead {
                    display,
                    path: path.to_path_buf(),
                    canonical,
                });
                ignore::WalkState::Continue
            })
        });
        files.extend(found.into_inner().unwrap_or_else(|e| e.into_inner()));
        configs.extend(
            found_configs
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
        );
    }
    files.sort();
    files.dedup_by(|a, b| a.display == b.display);
    configs.sort();
    configs.dedup_by(|a, b| a.canonical == b.canonical);
    let mut notes = notes.into_inner().unwrap_or_else(|e| e.into_inner());
    notes.sort();
    Ok(Walked {
        files,
        configs,
        notes,
    })
}

/// The canonical form of a path (itself when it cannot be canonicalised).
pub(crate) fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn globs(patterns: &[String], flag: &'static str) -> Result<GlobSet, WalkError> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|error| WalkError::Glob {
            flag,
            glob: p.clone(),
            error,
        })?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|error| WalkError::GlobSet { flag, error })
}

/// A glob matches a path when it matches the displayed path or the file name.
fn matches(set: &GlobSet, display: &str, path: &Path) -> bool {
    if set.is_empty() {
        return false;
    }
    set.is_match(display) || path.file_name().is_some_and(|n| set.is_match(n))
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The path shown to users: relative to `cwd` when below it, with forward slashes and no
/// leading `./`.
pub(crate) fn display_path(path: &Path, cwd: &Path) -> String {
    let relative = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    let mut text = relative.to_string_lossy().replace('\\', "/");
    while let Some(rest) = text.strip_prefix("./") {
        text = rest.to_string();
    }
    if text.is_empty() { ".".into() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths() {
        let cwd = Path::new("/repo");
        assert_eq!(display_path(Path::new("/repo/a/b.json"), cwd), "a/b.json");
        assert_eq!(display_path(Path::new("./a/b.json"), cwd), "a/b.json");
        assert_eq!(
            display_path(Path::new("/elsewhere/x.json"), cwd),
            "/elsewhere/x.json"
        );
    }
}
