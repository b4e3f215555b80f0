//! The git repositories the walk goes through, and which of their files are tracked.
//!
//! A root's repository is found by looking upward from the root for `.git` (a folder, or a
//! file `gitdir: <path>` as in linked worktrees and submodules); a folder met during the walk
//! that holds a `.git` starts a repository of its own (a submodule, a nested clone). Its
//! index file is git's metadata, which a pull request cannot write: reading it (and the
//! `.git` file leading to it) is the one read outside the roots.

use crate::note::{Note, NoteKind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use foldhash::HashMap;

use super::git_index::{Index, IndexError, MAX_INDEX_BYTES};
use super::ignores::{ReadError, read_bounded};

/// A `.git` file larger than this is not a `gitdir:` line.
const MAX_GIT_FILE_BYTES: u64 = 64 * 1024;

/// Which files of a repository are tracked.
#[derive(Debug)]
pub(crate) enum Tracked {
    /// Those its index lists.
    Index(Index),
    /// The index could not be read: every file counts as tracked (no ignore file, no hidden
    /// name hides anything).
    All,
}

/// A git repository.
#[derive(Debug)]
pub(crate) struct Repo {
    /// Which of its files are tracked.
    pub(crate) tracked: Tracked,
}

/// Why a repository's index cannot be used.
#[derive(Debug)]
enum RepoError {
    /// The `.git` file is not a `gitdir:` line.
    GitFile(Option<ReadError>),
    /// The index file cannot be read.
    IndexFile(ReadError),
    /// The index file is not an index this reader understands.
    Index(IndexError),
}

impl std::fmt::Display for RepoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RepoError::GitFile(None) => f.write_str("its `.git` file is not a `gitdir:` line"),
            RepoError::GitFile(Some(e)) => write!(f, "its `.git` file cannot be used: {e}"),
            RepoError::IndexFile(e) => write!(f, "its index file: {e}"),
            RepoError::Index(e) => write!(f, "its index: {e}"),
        }
    }
}

/// The repositories met in one walk, each read once.
#[derive(Debug, Default)]
pub(crate) struct Repos {
    by_work_tree: Mutex<HashMap<PathBuf, Arc<Repo>>>,
    /// Why an index was not used, one line per repository.
    pub(crate) notes: Mutex<Vec<Note>>,
}

impl Repos {
    /// The repository whose work tree holds the canonical folder `dir`, looking upward from
    /// it, and the path of `dir` in the work tree (`/`-separated bytes, empty for the top).
    pub(crate) fn containing(&self, dir: &Path, cwd: &Path) -> Option<(Arc<Repo>, Vec<u8>)> {
        let top = dir.ancestors().find(|a| a.join(".git").exists())?;
        let mut rel = Vec::new();
        for part in dir.strip_prefix(top).ok()?.components() {
            if !rel.is_empty() {
                rel.push(b'/');
            }
            rel.extend_from_slice(part.as_os_str().as_encoded_bytes());
        }
        Some((self.at(top, cwd), rel))
    }

    /// The repository whose work tree is the canonical folder `top` (it holds a `.git`).
    pub(crate) fn at(&self, top: &Path, cwd: &Path) -> Arc<Repo> {
        if let Some(repo) = lock(&self.by_work_tree).get(top) {
            return repo.clone();
        }
        let tracked = match read_index(top) {
            Ok(index) => Tracked::Index(index),
            Err(e) => {
                lock(&self.notes).push(Note::new(
                    NoteKind::Walk,
                    super::display_path(top, cwd),
                    format!(
                        "the git repository's tracked files are unknown ({e}): no ignore file \
                         or hidden name hides a file in it, every file is judged"
                    ),
                ));
                Tracked::All
            }
        };
        let repo = Arc::new(Repo { tracked });
        lock(&self.by_work_tree)
            .entry(top.to_path_buf())
            .or_insert(repo)
            .clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The index of the repository whose work tree is `top`. A repository with no index file yet
/// (nothing ever added) tracks nothing.
fn read_index(top: &Path) -> Result<Index, RepoError> {
    let dot_git = top.join(".git");
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        let bytes =
            read_bounded(&dot_git, MAX_GIT_FILE_BYTES).map_err(|e| RepoError::GitFile(Some(e)))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| RepoError::GitFile(None))?;
        let target = text
            .strip_prefix("gitdir:")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(RepoError::GitFile(None))?;
        top.join(target)
    };
    let path = git_dir.join("index");
    let bytes = match read_bounded(&path, MAX_INDEX_BYTES) {
        Ok(bytes) => bytes,
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Index::default());
        }
        Err(e) => return Err(RepoError::IndexFile(e)),
    };
    Index::parse(&bytes).map_err(RepoError::Index)
}
