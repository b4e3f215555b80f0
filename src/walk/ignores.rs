//! Ignore files (`.gitignore`, `.ignore`) inside the roots, read without trusting them: only
//! regular files (never through a symbolic link, never a FIFO or a device), at most
//! [`MAX_IGNORE_FILE_BYTES`] each and [`MAX_CHAIN_BYTES`] for those that apply to one folder.
//! The walk chains the matchers of the folders above an entry; the deepest that says
//! something decides.
//!
//! A matcher costs about a second and 300 MB per MiB of rules to build, so it is built only
//! when an untracked file or folder needs a decision: in a git repository a pull request's
//! ignore files (all tracked, like the rest of it) cost nothing but a listing entry. Beyond
//! the bounds a file is not honoured (more is judged, never less), with a note.

use crate::note::{Note, NoteKind};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// Ignore files larger than this are not honoured.
pub(crate) const MAX_IGNORE_FILE_BYTES: u64 = 64 * 1024;

/// The ignore files of one kind that apply to a folder (its own and those above it) may add
/// up to this many bytes; a deeper one beyond is not honoured.
pub(crate) const MAX_CHAIN_BYTES: u64 = 256 * 1024;

/// Why a file read with a bound (an ignore file, a git index) was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// It is a symbolic link.
    Link,
    /// It is not a regular file (a folder, a FIFO, a device).
    NotRegular,
    /// It is larger than the bound.
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The bound in bytes.
        limit: u64,
    },
    /// With the ignore files above it, it is more than [`MAX_CHAIN_BYTES`].
    ChainTooLarge,
    /// The file system refused.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Link => f.write_str("it is a symbolic link"),
            ReadError::NotRegular => f.write_str("it is not a regular file"),
            ReadError::TooLarge { size, limit } => write!(
                f,
                "it is {size} bytes, larger than the {} KiB limit",
                limit / 1024
            ),
            ReadError::ChainTooLarge => write!(
                f,
                "with the ignore files above it, it is more than {} KiB of rules",
                MAX_CHAIN_BYTES / 1024
            ),
            ReadError::Io(e) => write!(f, "it cannot be read: {e}"),
        }
    }
}

/// The ignore files of one kind in the folders above an entry, deepest first, each read
/// and built the first time it is asked.
#[derive(Debug)]
pub(crate) struct Chain {
    /// The folder of the file.
    dir: PathBuf,
    /// The file's path as walked.
    path: PathBuf,
    /// The file's path shown to users (in a note when it cannot be read).
    display: String,
    matcher: OnceLock<Gitignore>,
    /// The bytes of the files in the chain, this one included.
    bytes: u64,
    parent: Option<Arc<Chain>>,
}

impl Chain {
    /// `parent` with the ignore file `name` of folder `dir` in front; `entry` is its entry
    /// in the listing of `dir`. It is refused (a symbolic link, not a regular file, too large
    /// alone or with the files above it) from what the listing says; it is read only when
    /// asked.
    pub(crate) fn push(
        parent: Option<Arc<Chain>>,
        dir: &Path,
        entry: &std::fs::DirEntry,
        display: String,
    ) -> Result<Option<Arc<Chain>>, ReadError> {
        let kind = entry.file_type().map_err(ReadError::Io)?;
        if kind.is_symlink() {
            return Err(ReadError::Link);
        }
        if !kind.is_file() {
            return Err(ReadError::NotRegular);
        }
        let size = entry.metadata().map_err(ReadError::Io)?.len();
        if size > MAX_IGNORE_FILE_BYTES {
            return Err(ReadError::TooLarge {
                size,
                limit: MAX_IGNORE_FILE_BYTES,
            });
        }
        if size == 0 {
            return Ok(parent);
        }
        let bytes = parent.as_ref().map_or(0, |p| p.bytes) + size;
        if bytes > MAX_CHAIN_BYTES {
            return Err(ReadError::ChainTooLarge);
        }
        Ok(Some(Arc::new(Chain {
            dir: dir.to_path_buf(),
            path: entry.path(),
            display,
            matcher: OnceLock::new(),
            bytes,
            parent,
        })))
    }

    /// The matcher of the file, read and built the first time (empty when it cannot be
    /// read: a note in `notes` says why).
    fn matcher(&self, notes: &Mutex<Vec<Note>>) -> &Gitignore {
        self.matcher
            .get_or_init(|| match read_ignore_file(&self.dir, &self.path) {
                Ok(m) => m,
                Err(e) => {
                    notes
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(Note::new(
                            NoteKind::Walk,
                            self.display.clone(),
                            format!("not honoured: {e}"),
                        ));
                    Gitignore::empty()
                }
            })
    }
}

/// What the chain says of `path`: the deepest matcher that matches decides (a whitelist `!`
/// rule included).
fn matched(
    chain: Option<&Arc<Chain>>,
    path: &Path,
    is_dir: bool,
    notes: &Mutex<Vec<Note>>,
) -> Match<()> {
    let mut next = chain;
    while let Some(c) = next {
        match c.matcher(notes).matched(path, is_dir) {
            Match::None => next = c.parent.as_ref(),
            Match::Ignore(_) => return Match::Ignore(()),
            Match::Whitelist(_) => return Match::Whitelist(()),
        }
    }
    Match::None
}

/// Whether `path` is ignored: `.ignore` files first (as ripgrep: a match in any `.ignore`
/// decides over every `.gitignore`), then `.gitignore` files. Files that cannot be read are
/// noted in `notes`.
pub(crate) fn is_ignored(
    ignores: Option<&Arc<Chain>>,
    gitignores: Option<&Arc<Chain>>,
    path: &Path,
    is_dir: bool,
    notes: &Mutex<Vec<Note>>,
) -> bool {
    match matched(ignores, path, is_dir, notes) {
        Match::Ignore(()) => true,
        Match::Whitelist(()) => false,
        Match::None => matches!(matched(gitignores, path, is_dir, notes), Match::Ignore(())),
    }
}

/// Opens `path` for reading if it is a regular file, never through a symbolic link (its last
/// part) and without blocking (a FIFO swapped in after the listing cannot hang the run).
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    #[cfg(not(target_os = "linux"))]
    {
        // No `O_NOFOLLOW` here: look first (a swap in between is not caught).
        if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a symbolic link",
            ));
        }
    }
    options.open(path)
}

/// Reads at most `max` bytes of the regular file `path` (not through a symbolic link).
pub(crate) fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let file = match open_no_follow(path) {
        Ok(f) => f,
        #[cfg(target_os = "linux")]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(ReadError::Link),
        Err(e) => return Err(ReadError::Io(e)),
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: max,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit: max,
        });
    }
    Ok(bytes)
}

/// The matcher of the ignore file `path` in folder `dir`. Lines that are not UTF-8 or not
/// valid globs are skipped (they then ignore nothing: more is judged, never less).
fn read_ignore_file(dir: &Path, path: &Path) -> Result<Gitignore, ReadError> {
    let bytes = read_bounded(path, MAX_IGNORE_FILE_BYTES)?;
    Ok(matcher(dir, &bytes))
}

/// The matcher of the ignore-file text `bytes` in folder `dir`.
fn matcher(dir: &Path, bytes: &[u8]) -> Gitignore {
    let mut builder = GitignoreBuilder::new(dir);
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    for line in bytes.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Ok(line) = std::str::from_utf8(line) {
            let _ = builder.add_line(None, line);
        }
    }
    builder.build().unwrap_or_else(|_| Gitignore::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary folder whose files are ignore files.
    struct Tree(tempfile::TempDir);

    impl Tree {
        fn new() -> Tree {
            Tree(tempfile::tempdir().expect("temp dir"))
        }

        fn path(&self, rel: &str) -> PathBuf {
            self.0.path().join(rel)
        }

        fn write(&self, rel: &str, bytes: &[u8]) {
            let path = self.path(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }

        /// `parent` with the file `rel` pushed, as the walk pushes it from a listing.
        fn push(
            &self,
            parent: Option<Arc<Chain>>,
            rel: &str,
        ) -> Result<Option<Arc<Chain>>, ReadError> {
            let path = self.path(rel);
            let dir = path.parent().unwrap();
            let entry = std::fs::read_dir(dir)
                .unwrap()
                .map(Result::unwrap)
                .find(|e| e.path() == path)
                .expect("listed");
            Chain::push(parent, dir, &entry, rel.to_string())
        }
    }

    #[test]
    fn the_deepest_match_decides_and_ignore_files_win_over_gitignores() {
        let t = Tree::new();
        let notes = Mutex::new(Vec::new());
        t.write(".gitignore", b"*.json\n");
        t.write("keep/.gitignore", b"!a.json\n");
        t.write(".ignore", b"!x.json\n");
        t.write(
            "b/.gitignore",
            b"\xEF\xBB\xBFbuild/\r\n# c.json\n\xFF.json\n",
        );
        let top = t.push(None, ".gitignore").unwrap();
        let deeper = t.push(top.clone(), "keep/.gitignore").unwrap();
        let ignored = |i: Option<&Arc<Chain>>, g: Option<&Arc<Chain>>, rel: &str, dir: bool| {
            is_ignored(i, g, &t.path(rel), dir, &notes)
        };
        assert!(ignored(None, top.as_ref(), "x.json", false));
        assert!(!ignored(None, deeper.as_ref(), "keep/a.json", false));
        assert!(ignored(None, deeper.as_ref(), "keep/b.json", false));
        // An `.ignore` whitelist decides over a `.gitignore` rule.
        let ignores = t.push(None, ".ignore").unwrap();
        assert!(!ignored(ignores.as_ref(), top.as_ref(), "x.json", false));
        // Folder-only rules, comments, a BOM, CRLF and lines that are not UTF-8.
        let chain = t.push(None, "b/.gitignore").unwrap();
        assert!(ignored(None, chain.as_ref(), "b/build", true));
        assert!(!ignored(None, chain.as_ref(), "b/build", false));
        assert!(!ignored(None, chain.as_ref(), "b/c.json", false));
        assert_eq!(notes.into_inner().unwrap(), Vec::<Note>::new());
    }

    #[test]
    fn a_file_is_read_only_when_a_decision_needs_it() {
        let t = Tree::new();
        let notes = Mutex::new(Vec::new());
        t.write(".ignore", b"*.json\n");
        let chain = t.push(None, ".ignore").unwrap();
        // Gone before anything asked: nothing was read, so nothing is noted yet.
        std::fs::remove_file(t.path(".ignore")).unwrap();
        assert!(lock_len(&notes) == 0);
        assert!(!is_ignored(
            chain.as_ref(),
            None,
            &t.path("a.json"),
            false,
            &notes
        ));
        let notes = notes.into_inner().unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0]
                .to_string()
                .starts_with(".ignore: not honoured: it cannot be read")
        );
    }

    fn lock_len(notes: &Mutex<Vec<Note>>) -> usize {
        notes.lock().unwrap().len()
    }

    #[test]
    fn the_files_of_a_chain_are_bounded_together() {
        let t = Tree::new();
        let rules = |n: usize| "a*b\n".repeat(n / 4).into_bytes();
        let each = MAX_IGNORE_FILE_BYTES as usize;
        let mut chain = None;
        let mut rel = String::new();
        for _ in 0..(MAX_CHAIN_BYTES as usize / each) {
            rel.push_str("d/");
            t.write(&format!("{rel}.ignore"), &rules(each));
            chain = t.push(chain, &format!("{rel}.ignore")).unwrap();
        }
        t.write(&format!("{rel}e/.ignore"), b"x\n");
        assert!(matches!(
            t.push(chain, &format!("{rel}e/.ignore")),
            Err(ReadError::ChainTooLarge)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_folders_and_large_files_are_not_read() {
        let t = Tree::new();
        std::os::unix::fs::symlink("/dev/zero", t.path(".gitignore")).expect("symlink");
        assert!(matches!(t.push(None, ".gitignore"), Err(ReadError::Link)));
        t.write(".ignore", &vec![b'a'; MAX_IGNORE_FILE_BYTES as usize + 1]);
        assert!(matches!(
            t.push(None, ".ignore"),
            Err(ReadError::TooLarge { .. })
        ));
        std::fs::create_dir(t.path("sub")).unwrap();
        std::fs::create_dir(t.path("sub/.ignore")).unwrap();
        assert!(matches!(
            t.push(None, "sub/.ignore"),
            Err(ReadError::NotRegular)
        ));
        // Swapped for a link after the listing: the open refuses it.
        assert!(read_ignore_file(t.0.path(), &t.path(".gitignore")).is_err());
        assert!(matches!(
            read_ignore_file(t.0.path(), &t.path("sub/.ignore")),
            Err(ReadError::NotRegular | ReadError::Io(_))
        ));
    }
}
