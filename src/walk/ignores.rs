//! Ignore files (`.gitignore`, `.ignore`) inside the roots, read without trusting them: only
//! regular files (never through a symbolic link, never a FIFO or a device), at most
//! [`MAX_IGNORE_FILE_BYTES`]. The walk chains the matchers of the folders above an entry;
//! the deepest that says something decides.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// Ignore files larger than this are not honoured.
pub(crate) const MAX_IGNORE_FILE_BYTES: u64 = 1024 * 1024;

/// Why a file read with a bound (an ignore file, a git index) was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// It is a symbolic link.
    Link,
    /// It is not a regular file (a folder, a FIFO, a device).
    NotRegular,
    /// It is larger than the bound (its size in bytes).
    TooLarge(u64),
    /// The file system refused.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Link => f.write_str("it is a symbolic link"),
            ReadError::NotRegular => f.write_str("it is not a regular file"),
            ReadError::TooLarge(size) => write!(f, "it is larger than the limit ({size} bytes)"),
            ReadError::Io(e) => write!(f, "it cannot be read: {e}"),
        }
    }
}

/// The matchers of the ignore files of one kind in the folders above an entry, deepest
/// first.
#[derive(Debug)]
pub(crate) struct Chain {
    matcher: Gitignore,
    parent: Option<Arc<Chain>>,
}

impl Chain {
    /// `parent` with the matcher of a deeper folder in front.
    pub(crate) fn push(parent: Option<Arc<Chain>>, matcher: Gitignore) -> Option<Arc<Chain>> {
        if matcher.is_empty() {
            return parent;
        }
        Some(Arc::new(Chain { matcher, parent }))
    }
}

/// What the chain says of `path`: the deepest matcher that matches decides (a whitelist `!`
/// rule included).
fn matched(chain: Option<&Arc<Chain>>, path: &Path, is_dir: bool) -> Match<()> {
    let mut next = chain;
    while let Some(c) = next {
        match c.matcher.matched(path, is_dir) {
            Match::None => next = c.parent.as_ref(),
            Match::Ignore(_) => return Match::Ignore(()),
            Match::Whitelist(_) => return Match::Whitelist(()),
        }
    }
    Match::None
}

/// Whether `path` is ignored: `.ignore` files first (as ripgrep: a match in any `.ignore`
/// decides over every `.gitignore`), then `.gitignore` files.
pub(crate) fn is_ignored(
    ignores: Option<&Arc<Chain>>,
    gitignores: Option<&Arc<Chain>>,
    path: &Path,
    is_dir: bool,
) -> bool {
    match matched(ignores, path, is_dir) {
        Match::Ignore(()) => true,
        Match::Whitelist(()) => false,
        Match::None => matches!(matched(gitignores, path, is_dir), Match::Ignore(())),
    }
}

/// Opens `path` for reading if it is a regular file, never through a symbolic link (its last
/// part) and without blocking (a FIFO swapped in after the listing cannot hang the run).
pub(crate) fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    #[cfg(not(target_os = "linux"))]
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a symbolic link",
        ));
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
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The matcher of the ignore file `path` in folder `dir`. Lines that are not UTF-8 or not
/// valid globs are skipped (they then ignore nothing: more is judged, never less).
pub(crate) fn read_ignore_file(dir: &Path, path: &Path) -> Result<Gitignore, ReadError> {
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

    #[test]
    fn the_deepest_match_decides_and_ignore_files_win_over_gitignores() {
        let root = Path::new("r");
        let top = Chain::push(None, matcher(root, b"*.json\n"));
        let deeper = Chain::push(top.clone(), matcher(Path::new("r/keep"), b"!a.json\n"));
        assert!(is_ignored(None, top.as_ref(), Path::new("r/x.json"), false));
        assert!(!is_ignored(
            None,
            deeper.as_ref(),
            Path::new("r/keep/a.json"),
            false
        ));
        assert!(is_ignored(
            None,
            deeper.as_ref(),
            Path::new("r/keep/b.json"),
            false
        ));
        // An `.ignore` whitelist decides over a `.gitignore` rule.
        let ignores = Chain::push(None, matcher(root, b"!x.json\n"));
        assert!(!is_ignored(
            ignores.as_ref(),
            top.as_ref(),
            Path::new("r/x.json"),
            false
        ));
        // Folder-only rules, comments, a BOM, CRLF and lines that are not UTF-8.
        let m = matcher(root, b"\xEF\xBB\xBFbuild/\r\n# c.json\n\xFF.json\n");
        let chain = Chain::push(None, m);
        assert!(is_ignored(None, chain.as_ref(), Path::new("r/build"), true));
        assert!(!is_ignored(
            None,
            chain.as_ref(),
            Path::new("r/build"),
            false
        ));
        assert!(!is_ignored(
            None,
            chain.as_ref(),
            Path::new("r/c.json"),
            false
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_and_large_files_are_not_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let link = dir.path().join(".gitignore");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        assert!(read_ignore_file(dir.path(), &link).is_err());
        let big = dir.path().join(".ignore");
        std::fs::write(&big, vec![b'a'; MAX_IGNORE_FILE_BYTES as usize + 1]).expect("write");
        assert!(matches!(
            read_ignore_file(dir.path(), &big),
            Err(ReadError::TooLarge(_))
        ));
        assert!(matches!(
            read_ignore_file(dir.path(), dir.path()),
            Err(ReadError::NotRegular | ReadError::Io(_))
        ));
    }
}
