//! Walking the roots: which files a run reads.
//!
//! Nothing a pull request controls hides a file from the gate. In a git repository every
//! tracked file under the roots is judged (those in hidden folders too; nothing inside `.git`
//! is ever read): ignore files and hidden names only thin out *untracked* files. The tracked
//! files are those the repository's index (`.git/index`) lists: the walk reads it itself
//! (`git_index`), and when it cannot (too large, corrupt, a split or sparse index) every file
//! in that repository counts as tracked, with a note saying why. Only the excludes of the
//! command line (and `--include`) remove tracked files. A tracked file missing from the work
//! tree is not judged and not reported: the work tree is what is checked.
//!
//! Ignore files: `.gitignore` inside a git repository, `.ignore` everywhere (outside git too,
//! where nothing is tracked, as ripgrep does). They are read only inside the roots (never
//! from a folder above a root), only when regular files (a symbolic link is never followed, a
//! FIFO never opened) of at most 64 KiB (256 KiB with those above), and only when an
//! untracked entry needs a decision (`ignores`); one that is not honoured is a note. The
//! deepest rule that matches decides, a `.ignore` rule over a `.gitignore` one (as ripgrep).
//! `--no-ignore` reads none. `.git/info/exclude` and the global excludes are not read.
//! Hidden files and folders that are not tracked are skipped (but hidden config files).
//!
//! The walk reads nothing outside the roots but git's own metadata, which a pull request
//! cannot write: the `.git` folder or file found by looking upward from a root (`repo`), and
//! the index it leads to. Symbolic links are not followed. A folder that cannot be listed is
//! reported (an IG000 finding): its files were not judged. Files named on the command line
//! are always read unless `--force-exclude` applies the excludes to them too.
//!
//! Display paths are injective: two files never share one (bytes that are not UTF-8 are
//! written `\xFE`, a backslash in a Unix file name `\\`). The result is sorted, so output is
//! identical from run to run.

mod git_index;
mod ignores;
mod repo;

use crate::note::{Note, NoteKind};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};

use ignores::Chain;
use repo::{Repo, Repos, Tracked};

/// What to walk and how.
#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// Files and directories to read.
    pub roots: Vec<PathBuf>,
    /// Only files matching one of these are read (when any are given).
    pub include: Vec<String>,
    /// Files and directories matching one of these are skipped (tracked ones too).
    pub exclude: Vec<String>,
    /// Do not honour `.gitignore` and `.ignore` (which only ever skip untracked files).
    pub no_ignore: bool,
    /// Apply excludes to files named on the command line too.
    pub force_exclude: bool,
    /// Worker threads (0: automatic). The walk runs on the current rayon pool, which the
    /// command line builds with this many threads.
    pub threads: usize,
}

/// A file to read, with the path shown to users.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileToRead {
    /// Path shown to users: relative to the working directory, forward slashes; no two files
    /// share one (bytes that are not UTF-8 are written `\xFE`, a backslash in a name `\\`).
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
    /// What could not be read (folders that cannot be listed), sorted: the files in them were
    /// not judged.
    pub(crate) unreadable: Vec<Unreadable>,
    /// Why an ignore file or a repository's index was not used, sorted.
    pub(crate) notes: Vec<Note>,
    /// How many files of each of the `noticed` extensions the walk passed over (in walked
    /// folders, where ignore files and excludes let it look): files no frontend reads, which a
    /// run that judged nothing names.
    pub(crate) noticed: Vec<(&'static str, usize)>,
}

/// A folder (or an entry of one) the walk could not read.
#[derive(Debug)]
pub(crate) struct Unreadable {
    /// Path shown to users.
    pub(crate) display: String,
    /// Path as walked.
    pub(crate) path: PathBuf,
    /// Whether it is a folder (else an entry whose kind cannot be told).
    pub(crate) folder: bool,
    /// What the system said.
    pub(crate) error: std::io::Error,
}

/// The file names of ignore files.
const DOT_IGNORE: &str = ".ignore";
const DOT_GITIGNORE: &str = ".gitignore";

/// What one walk shares between its workers.
struct Walker<'a> {
    options: &'a WalkOptions,
    cwd: &'a Path,
    include: GlobSet,
    exclude: GlobSet,
    extensions: &'a [&'a str],
    /// Extensions of files no frontend reads whose presence the run tells (counted, never read).
    noticed: &'a [&'a str],
    config_names: &'a [&'a str],
    repos: Repos,
    found: Mutex<Found>,
    /// Notes from ignore files read when first needed.
    notes: Mutex<Vec<Note>>,
}

/// What the workers found.
#[derive(Default)]
struct Found {
    files: Vec<FileToRead>,
    /// How many files of each noticed extension the walk passed over, by its index.
    noticed: Vec<usize>,
    configs: Vec<FileToRead>,
    unreadable: Vec<Unreadable>,
    notes: Vec<Note>,
}

/// A folder to walk, with what its ancestors decided.
struct Dir {
    /// Its path as walked (a root joined with names).
    path: PathBuf,
    /// Its canonical path (the canonical root joined with the same names: no link is
    /// followed below a root).
    canonical: PathBuf,
    /// The folder is ignored (by a hidden name or an ignore file): only tracked files below
    /// it are read.
    ignored: bool,
    /// Its repository and its path in the repository's work tree (`/`-separated).
    repo: Option<(Arc<Repo>, Vec<u8>)>,
    /// The `.ignore` matchers of it and the folders above it (up to its root).
    ignores: Option<Arc<Chain>>,
    /// The `.gitignore` matchers of it and the folders above it (up to its root and its
    /// repository's top).
    gitignores: Option<Arc<Chain>>,
}

/// Walks the roots. In the folders walked, only files with one of `extensions` are read
/// (without the dot, ASCII case-insensitive: the frontends' extensions); files named as roots
/// are read whatever their extension. Files named one of `config_names` are listed apart,
/// hidden or not, wherever the excludes let the walk go. Files with one of `noticed`'s
/// extensions are counted where they would be read, and not read.
pub(crate) fn walk(
    options: &WalkOptions,
    cwd: &Path,
    extensions: &[&str],
    noticed: &[&'static str],
    config_names: &[&str],
) -> Result<Walked, WalkError> {
    let walker = Walker {
        options,
        cwd,
        include: globs(&options.include, "--include")?,
        exclude: globs(&options.exclude, "--exclude")?,
        extensions,
        noticed,
        config_names,
        repos: Repos::default(),
        found: Mutex::new(Found::default()),
        notes: Mutex::new(Vec::new()),
    };
    let mut files = Vec::new();
    let mut configs = Vec::new();
    let mut dirs = Vec::new();
    for root in &options.roots {
        let meta = std::fs::metadata(root).map_err(|error| WalkError::Root {
            path: root.clone(),
            error,
        })?;
        if meta.is_dir() {
            dirs.push(root.clone());
            continue;
        }
        let display = display_path(root, cwd);
        if options.force_exclude && matches(&walker.exclude, &display, root) {
            continue;
        }
        let file = FileToRead {
            display,
            path: root.clone(),
            canonical: canonical(root),
        };
        if walker.is_config(root.file_name()) {
            configs.push(file);
        } else {
            files.push(file);
        }
    }
    rayon::scope(|scope| {
        for root in dirs {
            let canonical = canonical(&root);
            let repo = walker.repos.containing(&canonical, cwd);
            let dir = Dir {
                path: root,
                canonical,
                ignored: false,
                repo,
                ignores: None,
                gitignores: None,
            };
            let walker = &walker;
            scope.spawn(move |scope| walker.walk_dir(scope, dir, true));
        }
    });
    let found = walker.found.into_inner().unwrap_or_else(|e| e.into_inner());
    files.extend(found.files);
    configs.extend(found.configs);
    // One entry per file: the same file reached twice (overlapping roots, a root named twice
    // or in two spellings) is read once; different files are never merged.
    // Grouped by the bytes of the canonical path (the same file twice has the same bytes;
    // comparing bytes is several times cheaper than comparing paths by component), then
    // sorted by what users see.
    fn by_file(a: &FileToRead, b: &FileToRead) -> std::cmp::Ordering {
        let (x, y) = (&a.canonical, &b.canonical);
        (x.as_os_str().as_encoded_bytes(), &a.display)
            .cmp(&(y.as_os_str().as_encoded_bytes(), &b.display))
    }
    files.sort_by(by_file);
    files.dedup_by(|a, b| a.canonical == b.canonical);
    files.sort();
    configs.sort_by(by_file);
    configs.dedup_by(|a, b| a.canonical == b.canonical);
    configs.sort();
    let mut unreadable = found.unreadable;
    unreadable.sort_by(|a, b| a.display.cmp(&b.display));
    unreadable.dedup_by(|a, b| a.display == b.display);
    let mut notes = found.notes;
    notes.extend(
        walker
            .repos
            .notes
            .into_inner()
            .unwrap_or_else(|e| e.into_inner()),
    );
    notes.sort();
    notes.dedup();
    let mut counts = found.noticed;
    counts.resize(noticed.len(), 0);
    let noticed = noticed
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(e, n)| (*e, n))
        .collect();
    Ok(Walked {
        files,
        configs,
        unreadable,
        notes,
        noticed,
    })
}

impl Walker<'_> {
    /// The index in `noticed` of the extension of `name`, if it has one of them.
    fn noticed_index(&self, name: &OsStr) -> Option<usize> {
        self.noticed
            .iter()
            .position(|e| has_extension(name, std::slice::from_ref(e)))
    }

    fn is_config(&self, name: Option<&OsStr>) -> bool {
        name.and_then(OsStr::to_str)
            .is_some_and(|n| self.config_names.contains(&n))
    }

    /// Walks the folder `dir` (a root when `root`), and spawns a walk of each folder in it
    /// that may hold a file to read.
    fn walk_dir<'s>(&'s self, scope: &rayon::Scope<'s>, mut dir: Dir, root: bool) {
        let mut found = Found::default();
        let mut entries = Vec::new();
        match std::fs::read_dir(&dir.path) {
            Ok(listing) => {
                for entry in listing {
                    match entry {
                        Ok(e) => entries.push(e),
                        Err(error) => {
                            // The listing broke off: what was listed is still walked.
                            found
                                .unreadable
                                .push(self.unreadable(&dir.path, true, error));
                            break;
                        }
                    }
                }
            }
            Err(error) => found
                .unreadable
                .push(self.unreadable(&dir.path, true, error)),
        }
        let names: Vec<std::ffi::OsString> = entries.iter().map(|e| e.file_name()).collect();
        let find = |name: &str| names.iter().position(|n| n == name).map(|i| &entries[i]);
        let has = |name: &str| find(name).is_some();
        if !root && has(".git") {
            // A repository of its own (a submodule, a nested clone): its own index says what
            // is tracked, and the `.gitignore` files above it do not apply in it.
            dir.repo = Some((self.repos.at(&dir.canonical, self.cwd), Vec::new()));
            dir.gitignores = None;
        }
        let trust_all = matches!(&dir.repo, Some((r, _)) if matches!(r.tracked, Tracked::All));
        if !self.options.no_ignore && !trust_all {
            if let Some(entry) = find(DOT_IGNORE) {
                dir.ignores = self.push_ignore_file(&dir, entry, dir.ignores.clone(), &mut found);
            }
            if let Some(entry) = find(DOT_GITIGNORE).filter(|_| dir.repo.is_some()) {
                dir.gitignores =
                    self.push_ignore_file(&dir, entry, dir.gitignores.clone(), &mut found);
            }
        }
        let index = match &dir.repo {
            Some((repo, rel)) => match &repo.tracked {
                Tracked::Index(index) => Some((index, rel)),
                Tracked::All => None,
            },
            None => None,
        };
        let mut rel = Vec::new();
        for (entry, name) in entries.iter().zip(&names) {
            if name == ".git" {
                continue;
            }
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(error) => {
                    found
                        .unreadable
                        .push(self.unreadable(&entry.path(), false, error));
                    continue;
                }
            };
            let (is_dir, is_file) = (file_type.is_dir(), file_type.is_file());
            let is_config = is_file && self.is_config(Some(name));
            let read = is_file && has_extension(name, self.extensions);
            let noticed = (is_file && !is_config && !read)
                .then(|| self.noticed_index(name))
                .flatten();
            let wanted = is_dir || is_config || read || noticed.is_some();
            if !wanted {
                // Links, other kinds of files, files no frontend reads.
                continue;
            }
            let path = joined(&dir.path, name);
            let mut display = None;
            if !self.exclude.is_empty() {
                let shown = display.insert(display_path(&path, self.cwd));
                if matches(&self.exclude, shown, &path) {
                    continue;
                }
            }
            let tracked = trust_all
                || index.is_some_and(|(index, base)| {
                    rel.clear();
                    rel.extend_from_slice(base);
                    if !rel.is_empty() {
                        rel.push(b'/');
                    }
                    rel.extend_from_slice(name.as_encoded_bytes());
                    // A folder is tracked when a tracked file lies below it, or when it is a
                    // submodule.
                    index.contains(&rel) || (is_dir && index.has_below(&rel))
                });
            if is_file && tracked {
                // Tracked: read whatever ignore files and hidden names say.
            } else if dir.ignored
                || (name.as_encoded_bytes().starts_with(b".") && !is_config)
                || ignores::is_ignored(
                    dir.ignores.as_ref(),
                    dir.gitignores.as_ref(),
                    &path,
                    is_dir,
                    &self.notes,
                )
            {
                if !is_dir || !tracked {
                    continue;
                }
                // An ignored folder with tracked files below it: only those are read.
                let child = self.child(&dir, name, path, true);
                scope.spawn(move |scope| self.walk_dir(scope, child, false));
                continue;
            }
            if is_dir {
                let child = self.child(&dir, name, path, false);
                scope.spawn(move |scope| self.walk_dir(scope, child, false));
                continue;
            }
            let display = display.unwrap_or_else(|| display_path(&path, self.cwd));
            if let Some(i) = noticed {
                // Counted where it would have been read; never read.
                if self.include.is_empty() || matches(&self.include, &display, &path) {
                    if found.noticed.len() <= i {
                        found.noticed.resize(i + 1, 0);
                    }
                    found.noticed[i] += 1;
                }
                continue;
            }
            let file = FileToRead {
                display,
                canonical: joined(&dir.canonical, name),
                path,
            };
            if is_config {
                found.configs.push(file);
            } else if self.include.is_empty() || matches(&self.include, &file.display, &file.path) {
                found.files.push(file);
            }
        }
        if found.files.is_empty()
            && found.configs.is_empty()
            && found.unreadable.is_empty()
            && found.notes.is_empty()
            && found.noticed.is_empty()
        {
            return;
        }
        let mut all = lock(&self.found);
        if all.noticed.len() < found.noticed.len() {
            all.noticed.resize(found.noticed.len(), 0);
        }
        for (i, n) in found.noticed.iter().enumerate() {
            all.noticed[i] += n;
        }
        all.files.append(&mut found.files);
        all.configs.append(&mut found.configs);
        all.unreadable.append(&mut found.unreadable);
        all.notes.append(&mut found.notes);
    }

    /// The folder `name` (at `path`) of `dir`.
    fn child(&self, dir: &Dir, name: &OsStr, path: PathBuf, ignored: bool) -> Dir {
        let repo = dir.repo.as_ref().map(|(repo, base)| {
            let mut rel = base.clone();
            if !rel.is_empty() {
                rel.push(b'/');
            }
            rel.extend_from_slice(name.as_encoded_bytes());
            (repo.clone(), rel)
        });
        Dir {
            path,
            canonical: dir.canonical.join(name),
            ignored,
            repo,
            ignores: dir.ignores.clone(),
            gitignores: dir.gitignores.clone(),
        }
    }

    /// `chain` with the ignore file `entry` of `dir` in front, when it can be honoured (else
    /// a note says why not).
    fn push_ignore_file(
        &self,
        dir: &Dir,
        entry: &std::fs::DirEntry,
        chain: Option<Arc<Chain>>,
        found: &mut Found,
    ) -> Option<Arc<Chain>> {
        let display = display_path(&entry.path(), self.cwd);
        match Chain::push(chain.clone(), &dir.path, entry, display.clone()) {
            Ok(chain) => chain,
            Err(e) => {
                found.notes.push(Note::new(
                    NoteKind::Walk,
                    display,
                    format!("not honoured: {e}"),
                ));
                chain
            }
        }
    }

    fn unreadable(&self, path: &Path, folder: bool, error: std::io::Error) -> Unreadable {
        Unreadable {
            display: display_path(path, self.cwd),
            path: path.to_path_buf(),
            folder,
            error,
        }
    }
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

fn has_extension(name: &OsStr, extensions: &[&str]) -> bool {
    extension_of(Path::new(name))
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// What [`Path::file_name`] says of `path`, found from the end of its bytes where the last
/// part is a plain name (std walks the path's components: a cost paid several times for every
/// file of a run). Elsewhere (a path ending in `.`, `..` or a separator; other systems' path
/// prefixes) it is std's answer.
pub(crate) fn file_name_of(path: &Path) -> Option<&OsStr> {
    #[cfg(unix)]
    {
        let bytes = path.as_os_str().as_encoded_bytes();
        let start = bytes.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        let name = &bytes[start..];
        if !name.is_empty() && name != b"." && name != b".." {
            // SAFETY: `name` is the part of an `OsStr`'s encoded bytes after an ASCII
            // separator (or all of them), which is itself a valid `OsStr`.
            return Some(unsafe { OsStr::from_encoded_bytes_unchecked(name) });
        }
    }
    path.file_name()
}

/// What [`Path::parent`] says of `path`, found from the end of its bytes where the path is
/// plain (a name at the end, no `//` or `/./` in it: every canonical path); elsewhere std's
/// answer.
pub(crate) fn parent_of(path: &Path) -> Option<&Path> {
    #[cfg(unix)]
    {
        let bytes = path.as_os_str().as_encoded_bytes();
        let slash = bytes.iter().rposition(|&b| b == b'/');
        let name = &bytes[slash.map_or(0, |i| i + 1)..];
        if !name.is_empty() && name != b"." && plain(bytes) && !bytes.starts_with(b"./") {
            let head = match slash {
                Some(0) => &bytes[..1],
                Some(i) => &bytes[..i],
                None => &bytes[..0],
            };
            // SAFETY: `head` is the part of an `OsStr`'s encoded bytes before an ASCII
            // separator (or that separator alone), which is itself a valid `OsStr`.
            return Some(Path::new(unsafe {
                OsStr::from_encoded_bytes_unchecked(head)
            }));
        }
    }
    path.parent()
}

/// Whether the bytes of a Unix path spell each of its components once and only one way: not
/// empty, no empty part (`//`), no `.` part after the first, no separator at the end. Two
/// such paths have the same components exactly when their bytes are the same, and one's
/// components start with the other's exactly when its bytes do, up to a separator.
pub(crate) fn plain(bytes: &[u8]) -> bool {
    if bytes.is_empty() || bytes.ends_with(b"/") || bytes.ends_with(b"/.") {
        return false;
    }
    // Searchers built once: asked of every walked file's path.
    static EMPTY_PART: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"//"));
    static DOT_PART: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"/./"));
    EMPTY_PART.find(bytes).is_none() && DOT_PART.find(bytes).is_none()
}

/// What [`Path::extension`] says of `path` ([`file_name_of`]: found from the end of its
/// bytes): the part of its name after the last dot, unless the dot begins the name.
pub(crate) fn extension_of(path: &Path) -> Option<&OsStr> {
    let name = file_name_of(path)?.as_encoded_bytes();
    if name == b".." {
        return None;
    }
    let dot = name.iter().rposition(|&b| b == b'.')?;
    if dot == 0 {
        return None;
    }
    // SAFETY: the bytes after an ASCII dot of a valid `OsStr` are a valid `OsStr`.
    Some(unsafe { OsStr::from_encoded_bytes_unchecked(&name[dot + 1..]) })
}

/// `dir` joined with `name`, in a buffer of exactly its size: `Path::join` grows its copy of
/// `dir` by doubling, and the walk keeps two paths of every file it finds until the run ends
/// (a third of their bytes was spare room).
fn joined(dir: &Path, name: &std::ffi::OsStr) -> PathBuf {
    let mut path = PathBuf::with_capacity(dir.as_os_str().len() + 1 + name.len());
    path.push(dir);
    path.push(name);
    path
}

/// The path shown to users: relative to `cwd` when below it, with forward slashes and no
/// leading `./`. Two different paths never get the same display (so two files never
/// collapse into one): bytes that are not UTF-8 are written `\xFE` (Windows: an unpaired
/// surrogate `\u{D800}`), and on Unix, where a file name may hold a backslash, a backslash
/// is written `\\`, so that an escape can never be read as a name and `a\b.json` (one
/// name) never reads as `a/b.json` (a folder and a name). Windows names hold no backslash:
/// there it is the separator and becomes `/`.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let relative = if path.is_absolute() {
        below_by_bytes(path, cwd)
            .or_else(|| path.strip_prefix(cwd).ok())
            .unwrap_or(path)
    } else {
        path
    };
    let text = display_os(relative.as_os_str());
    let mut text = text.as_str();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    if text.is_empty() {
        ".".into()
    } else {
        text.into()
    }
}

/// What `path` is below `cwd`, when its bytes say so plainly: `cwd`, a `/`, then a path with no
/// empty or `.` part, which is what `Path::strip_prefix` gives for it (its parts compared one
/// by one) without parsing either path into parts. `None` for anything else, which
/// `Path::strip_prefix` then decides: this is only the fast way for the paths a walk makes.
#[cfg(unix)]
fn below_by_bytes<'p>(path: &'p Path, cwd: &Path) -> Option<&'p Path> {
    use std::os::unix::ffi::OsStrExt as _;
    let bytes = path.as_os_str().as_bytes();
    let base = cwd.as_os_str().as_bytes();
    if base.is_empty() || base.ends_with(b"/") {
        return None;
    }
    let rest = bytes.strip_prefix(base)?.strip_prefix(b"/")?;
    let plain = !rest.is_empty()
        && rest
            .split(|&b| b == b'/')
            .all(|part| !part.is_empty() && part != b".");
    plain.then(|| Path::new(OsStr::from_bytes(rest)))
}

/// Elsewhere paths are left to `Path::strip_prefix`.
#[cfg(not(unix))]
fn below_by_bytes<'p>(_path: &'p Path, _cwd: &Path) -> Option<&'p Path> {
    None
}

/// `text` as UTF-8, escaped as [`display_path`] says.
#[cfg(not(windows))]
fn display_os(text: &OsStr) -> String {
    use std::fmt::Write as _;
    let bytes = text.as_encoded_bytes();
    // Nearly every name: UTF-8 with no backslash, shown as it is.
    if let Ok(plain) = std::str::from_utf8(bytes)
        && !plain.contains('\\')
    {
        return plain.to_owned();
    }
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

/// `text` as UTF-8, escaped as [`display_path`] says.
#[cfg(windows)]
fn display_os(text: &OsStr) -> String {
    use std::fmt::Write as _;
    use std::os::windows::ffi::OsStrExt as _;
    let mut out = String::new();
    for c in char::decode_utf16(text.encode_wide()) {
        match c {
            Ok('\\') => out.push('/'),
            Ok(c) => out.push(c),
            Err(e) => {
                let _ = write!(out, "\\u{{{:04X}}}", e.unpaired_surrogate());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick name and extension agree with std's on the awkward cases by hand…
    #[test]
    fn quick_names_agree_with_std() {
        for p in [
            "a/b.json",
            "b.json",
            ".hidden",
            "a/.hidden",
            "a/b.",
            "a/...",
            "a/..",
            "a/.",
            "a/b/",
            "/",
            "",
            "a.b.c",
            "a/b.tar.gz",
            "x/y..json",
            "..",
            ".",
            "a//b.bicep",
        ] {
            let path = Path::new(p);
            assert_eq!(file_name_of(path), path.file_name(), "{p:?}");
            assert_eq!(extension_of(path), path.extension(), "{p:?}");
            assert_eq!(parent_of(path), path.parent(), "{p:?}");
        }
    }

    proptest::proptest! {
        /// …and on any path made of separators, dots and letters.
        #[test]
        fn quick_names_agree_with_std_on_any_path(p in "[./ab]{0,12}") {
            let path = Path::new(&p);
            proptest::prop_assert_eq!(file_name_of(path), path.file_name());
            proptest::prop_assert_eq!(extension_of(path), path.extension());
            proptest::prop_assert_eq!(parent_of(path), path.parent());
        }
    }

    #[test]
    fn display_paths() {
        let cwd = Path::new("/repo");
        assert_eq!(display_path(Path::new("/repo/a/b.json"), cwd), "a/b.json");
        assert_eq!(display_path(Path::new("./a/b.json"), cwd), "a/b.json");
        assert_eq!(
            display_path(Path::new("/elsewhere/x.json"), cwd),
            "/elsewhere/x.json"
        );
        assert_eq!(display_path(Path::new("."), cwd), ".");
        // The fast way below the working directory gives what `strip_prefix` gives.
        for cwd in ["/repo", "/", "/repo/", "/re"] {
            for path in [
                "/repo/a/b.json",
                "/repo//a/b.json",
                "/repo/./a",
                "/repo/a/./b",
                "/repo/a/",
                "/repo",
                "/repo/",
                "/repox/a",
                "/elsewhere/x.json",
            ] {
                let (path, cwd) = (Path::new(path), Path::new(cwd));
                let slow = path.strip_prefix(cwd).ok();
                if let Some(fast) = below_by_bytes(path, cwd) {
                    assert_eq!(Some(fast), slow, "{path:?} below {cwd:?}");
                }
            }
        }
        #[cfg(unix)]
        assert!(below_by_bytes(Path::new("/repo/a/b.json"), Path::new("/repo")).is_some());
        assert_eq!(display_path(Path::new("/repo"), cwd), ".");
    }

    #[cfg(unix)]
    #[test]
    fn display_paths_of_different_files_differ() {
        use std::os::unix::ffi::OsStrExt as _;
        let cwd = Path::new("/repo");
        let path = |bytes: &[u8]| PathBuf::from(OsStr::from_bytes(bytes));
        let shown = [
            // The bytes 0xFE and 0xFF (not UTF-8), a name spelling their escape, U+FFFD.
            display_path(&path(b"a/\xFE.json"), cwd),
            display_path(&path(b"a/\xFF.json"), cwd),
            display_path(&path(b"a/\\xFE.json"), cwd),
            display_path(&path("a/\u{FFFD}.json".as_bytes()), cwd),
            // A name holding a backslash, and a folder and a name.
            display_path(&path(b"a\\b.json"), cwd),
            display_path(&path(b"a/b.json"), cwd),
        ];
        assert_eq!(
            shown,
            [
                r"a/\xFE.json",
                r"a/\xFF.json",
                r"a/\\xFE.json",
                "a/\u{FFFD}.json",
                r"a\\b.json",
                "a/b.json",
            ]
        );
    }
}
