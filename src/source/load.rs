//! The one place imagegate reads files: walked files, and the files they lead to (parameter
//! files, linked templates, Terraform sources). The loader refuses what lies outside the
//! scanned roots and what is larger than [`MAX_FILE_BYTES`], decodes what it reads (BOM,
//! UTF-16) and hands back text ready to become a [`SourceFile`] in a [`SourceMap`].
//!
//! It also knows what the walk found (the canonical paths of the walked files, and the
//! names of those in each walked folder), so that lookups beside a file cost no file-system
//! call.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use foldhash::HashMap;
use std::hash::BuildHasher as _;

use super::{DecodeError, Encoding, FileId, SourceFile, SourceMap, decode};
use crate::walk::{FileToRead, display_path};

/// Files larger than this are not read (a file that claims to be infrastructure-as-code is
/// an IG000 then).
pub(crate) const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How much of a file too large to read is kept, for a look at what it claims to be.
const HEAD_BYTES: usize = 64 * 1024;

/// A reusable read buffer larger than this is released after a dismissal.
const KEPT_BUFFER_BYTES: usize = 4 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// It is larger than [`MAX_FILE_BYTES`].
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// Its first bytes (at most 64 KiB).
        head: Vec<u8>,
    },
    /// It lies outside the scanned roots.
    OutsideRoots,
    /// The file system refused (missing, a directory, no permission…).
    Unreadable(std::io::Error),
    /// Its bytes are neither UTF-8 nor UTF-16 with a byte-order mark.
    Undecodable(DecodeError),
}

impl std::fmt::Display for LoadError {
    /// Completes a sentence whose subject is the file ("`x.json` is larger than …").
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::TooLarge { .. } => f.write_str("is larger than the size limit"),
            LoadError::OutsideRoots => f.write_str("is outside the scanned roots and was not read"),
            LoadError::Unreadable(e) => write!(f, "cannot be read: {e}"),
            LoadError::Undecodable(e) => write!(f, "cannot be decoded: {}", e.message),
        }
    }
}

/// A file read and decoded, not yet in a [`SourceMap`] (a frontend may still look at, or
/// rewrite, its text first).
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The path it was opened by.
    pub(crate) path: PathBuf,
    /// Its canonical path.
    pub(crate) canonical: PathBuf,
    /// The path shown to users.
    pub(crate) display: String,
    /// The decoded text.
    pub(crate) text: String,
    /// The encoding it had on disk.
    pub(crate) encoding: Encoding,
}

impl Loaded {
    /// The source file of this text.
    pub(crate) fn into_source(self) -> SourceFile {
        SourceFile::new(self.path, self.display, self.text, self.encoding)
    }

    /// Adds the file to `sources` and returns its id there.
    pub(crate) fn add_to(self, sources: &mut SourceMap) -> FileId {
        sources.add(self.into_source())
    }
}

/// Files read while one file is lowered (the data files and imported files of a Bicep file),
/// added to its [`SourceMap`] once the lowering ends: each has its id as soon as it is read
/// (the map's length when they began, plus its order), so what is read from it is located in
/// it. A file read twice has one id.
#[derive(Debug)]
pub(crate) struct Pending {
    /// The id of the first file.
    base: u32,
    /// The files, in the order they were read.
    files: std::cell::RefCell<Vec<Loaded>>,
}

impl Pending {
    /// Files to follow those `sources` holds now.
    pub(crate) fn after(sources: &SourceMap) -> Pending {
        Pending {
            base: sources.len() as u32,
            files: Default::default(),
        }
    }

    /// The id `loaded` has (that of the same canonical path when it was read before).
    pub(crate) fn add(&self, loaded: Loaded) -> FileId {
        let mut files = self.files.borrow_mut();
        let index = match files.iter().position(|f| f.canonical == loaded.canonical) {
            Some(i) => i,
            None => {
                files.push(loaded);
                files.len() - 1
            }
        };
        FileId(self.base + index as u32)
    }

    /// Appends the files to `sources`, which has not grown since [`Pending::after`]: their
    /// ids are those [`Pending::add`] gave.
    pub(crate) fn into_sources(self, sources: &mut SourceMap) {
        debug_assert_eq!(sources.len() as u32, self.base);
        for file in self.files.into_inner() {
            file.add_to(sources);
        }
    }
}

/// Texts laid over files on disk (an editor's unsaved buffers), by the files' canonical paths:
/// a run reads them instead of the files' bytes, with the same checks (inside the roots, at
/// most the size limit).
pub type Overlays = HashMap<PathBuf, String>;

/// The canonical paths of the files one judgement asked to read, laid over by unsaved buffers
/// or not ([`Loader::recording`]): what a long-lived workspace checks before it reuses that
/// judgement once buffers change.
pub(crate) type Touched = std::sync::Mutex<Vec<PathBuf>>;

/// The walked files of a run, each once, found by canonical path: hashed and compared by
/// their bytes (a canonical path is spelled one way, and std's [`Path`] hash walks its
/// components, which cost more than the rest of dismissing most files).
///
/// The set holds the walk's files themselves, shared (a clone is a pointer): the project graph
/// keeps them as its walked nodes and looks them up here, so that no path is held twice for
/// the set and the graph (a run of 100,000 files held each canonical path three times).
///
/// A set is made once per run, and names it ([`PathSet::run`]): what is kept between the files
/// of one run (the same disk, the same buffers) is told apart from another's by it.
#[derive(Clone, Debug)]
pub struct PathSet {
    inner: std::sync::Arc<Walked>,
}

/// What a [`PathSet`] shares.
#[derive(Debug)]
struct Walked {
    /// The files, in the walk's order.
    files: Vec<crate::walk::FileToRead>,
    /// The place in `files` of each canonical path (the last, were one walked twice).
    table: hashbrown::HashTable<u32>,
    /// How `table` hashes a path's bytes.
    hasher: foldhash::fast::RandomState,
    /// The run's number.
    run: u64,
}

impl PathSet {
    /// The set of the walked `files`, in their order.
    pub(crate) fn of_files(files: Vec<crate::walk::FileToRead>) -> PathSet {
        static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let hasher = foldhash::fast::RandomState::default();
        let mut table = hashbrown::HashTable::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            // More files than a `u32` counts are beyond any walk's bound (the walk stops far
            // sooner); such a file is left out of the index, never mistaken for another.
            let Ok(at) = u32::try_from(i) else { break };
            let key = bytes(&f.canonical);
            let hash = hasher.hash_one(key);
            let entry = table.entry(
                hash,
                |&j: &u32| bytes(&files[j as usize].canonical) == key,
                |&j: &u32| hasher.hash_one(bytes(&files[j as usize].canonical)),
            );
            match entry {
                hashbrown::hash_table::Entry::Occupied(mut slot) => *slot.get_mut() = at,
                hashbrown::hash_table::Entry::Vacant(slot) => {
                    slot.insert(at);
                }
            }
        }
        PathSet {
            inner: std::sync::Arc::new(Walked {
                files,
                table,
                hasher,
                run: RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            }),
        }
    }

    /// Whether the canonical path `path` is in the set.
    pub(crate) fn contains(&self, path: &Path) -> bool {
        self.position(path).is_some()
    }

    /// The place among [`PathSet::files`] of the file whose canonical path is `path`.
    pub(crate) fn position(&self, path: &Path) -> Option<usize> {
        let w = &*self.inner;
        let key = path.as_os_str().as_encoded_bytes();
        w.table
            .find(w.hasher.hash_one(key), |&j| {
                w.files[j as usize].canonical.as_os_str().as_encoded_bytes() == key
            })
            .map(|&j| j as usize)
    }

    /// The walked files, in the walk's order.
    pub(crate) fn files(&self) -> &[crate::walk::FileToRead] {
        &self.inner.files
    }

    /// The number of the run the set was made for: no two sets made in one process share it.
    pub(crate) fn run(&self) -> u64 {
        self.inner.run
    }
}

/// A path's bytes, as the set hashes and compares them.
fn bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

impl Default for PathSet {
    fn default() -> PathSet {
        PathSet::of_files(Vec::new())
    }
}

/// A set of bare canonical paths (each its own display and path to open): what tests and
/// callers without a walk make.
impl FromIterator<PathBuf> for PathSet {
    fn from_iter<I: IntoIterator<Item = PathBuf>>(paths: I) -> PathSet {
        PathSet::of_files(
            paths
                .into_iter()
                .map(|p| crate::walk::FileToRead {
                    display: String::new(),
                    path: p.clone(),
                    canonical: p,
                })
                .collect(),
        )
    }
}

/// Reads files for one run: within `roots`, up to [`MAX_FILE_BYTES`]. Cheap to copy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Loader<'r> {
    roots: &'r [PathBuf],
    cwd: &'r Path,
    walked: &'r PathSet,
    /// The largest file read ([`MAX_FILE_BYTES`] unless [`Loader::with_limit`] says).
    limit: u64,
    /// Texts read instead of files' bytes ([`Loader::with_overlays`]).
    overlays: Option<&'r Overlays>,
    /// Where the files asked for are recorded ([`Loader::recording`]).
    touched: Option<&'r Touched>,
}

/// The largest inventory export read (`imagegate audit`): an estate of 100,000 machines as
/// `az vm list -d` prints it is about 150 MB; a bound still stops a device or disk image.
pub(crate) const MAX_EXPORT_BYTES: u64 = 1024 * 1024 * 1024;

thread_local! {
    /// A read buffer reused by this worker: most walked files are dismissed after one look,
    /// and fresh buffers cost more (allocation and page faults) than the look itself.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<'r> Loader<'r> {
    /// A loader reading within the canonical `roots`; display paths are relative to the
    /// canonical `cwd`. `walked` holds the canonical paths of the walked files.
    pub(crate) fn new(roots: &'r [PathBuf], cwd: &'r Path, walked: &'r PathSet) -> Loader<'r> {
        Loader {
            roots,
            cwd,
            walked,
            limit: MAX_FILE_BYTES,
            overlays: None,
            touched: None,
        }
    }

    /// The same loader, recording in `touched` the canonical path of every file within the
    /// roots it is asked to read (walked, linked, a parameter file, a module), whether an
    /// unsaved buffer lies over it or not.
    pub(crate) fn recording(mut self, touched: &'r Touched) -> Loader<'r> {
        self.touched = Some(touched);
        self
    }

    /// The same loader, reading files up to `limit` bytes.
    pub(crate) fn with_limit(mut self, limit: u64) -> Loader<'r> {
        self.limit = limit;
        self
    }

    /// The same loader, reading the texts of `overlays` instead of those files' bytes.
    pub(crate) fn with_overlays(mut self, overlays: &'r Overlays) -> Loader<'r> {
        self.overlays = Some(overlays).filter(|o| !o.is_empty());
        self
    }

    /// Whether this loader records the files it is asked to read ([`Loader::recording`]).
    pub(crate) fn records(&self) -> bool {
        self.touched.is_some()
    }

    /// The number of the run this loader reads for ([`PathSet::run`]).
    pub(crate) fn run(&self) -> u64 {
        self.walked.run()
    }

    /// Whether an unsaved buffer is laid over the file at canonical path `canonical`.
    pub(crate) fn overlaid(&self, canonical: &Path) -> bool {
        // An empty map is not asked: a path's hash walks its components, for every file.
        self.overlays
            .is_some_and(|o| !o.is_empty() && o.contains_key(canonical))
    }

    /// The text laid over the file at canonical path `canonical`, if any, bounded like a
    /// file's bytes.
    fn overlay(&self, canonical: &Path) -> Option<Result<&'r str, LoadError>> {
        if let Some(touched) = self.touched {
            let mut touched = touched.lock().unwrap_or_else(|e| e.into_inner());
            if touched.last().is_none_or(|last| last != canonical) {
                touched.push(canonical.to_path_buf());
            }
        }
        let text = self.overlays.filter(|o| !o.is_empty())?.get(canonical)?;
        if text.len() as u64 > self.limit {
            let head = text.as_bytes()[..HEAD_BYTES.min(text.len())].to_vec();
            let size = text.len() as u64;
            return Some(Err(LoadError::TooLarge { size, head }));
        }
        Some(Ok(text))
    }

    /// Whether the canonical path `canonical` lies inside the roots.
    pub(crate) fn inside(&self, canonical: &Path) -> bool {
        // Asked of every walked file: the bytes first, for every root (a run over named files
        // has several), and the components only of a file outside all of them.
        let bytes = |p: &'r Path| p.as_os_str().as_encoded_bytes();
        let p = canonical.as_os_str().as_encoded_bytes();
        self.roots.iter().any(|r| bytes_below(p, bytes(r)))
            || self.roots.iter().any(|r| below(canonical, r))
    }

    /// The canonical path of `relative` from the folder of the file at canonical path `from`,
    /// if it exists: a linked template, a Bicep module or parameter file's template, a file
    /// a Bicep `load*Content()` reads. The path is joined as ARM joins a relative link to its
    /// parent's URI (`\` read as `/`; `..` removes the segment before it, whatever is on
    /// disk), then located ([`Loader::locate`]): a path that leads outside the roots is given
    /// back unresolved, and every read of it is refused, whether or not a file is there.
    pub(crate) fn beside(&self, from: &Path, relative: &str) -> Option<PathBuf> {
        let joined = lexical_join(from.parent()?, &relative.replace('\\', "/"));
        self.locate(&joined)
    }

    /// Where the absolute path `path` (its `.` and `..` resolved by name, as
    /// [`lexical_join`] does) leads: its canonical path when it lies inside the roots and
    /// exists (a file the walk found is canonical as it is; anything else is resolved link by
    /// link, [`resolve_within`], so a symbolic link cannot lead outside the roots unseen);
    /// `None` when, inside the roots, nothing is there; a path outside the roots, never
    /// looked at, when it leads there (reading it is refused, [`LoadError::OutsideRoots`]).
    /// So what a refusal says never depends on the file system outside the roots.
    pub(crate) fn locate(&self, path: &Path) -> Option<PathBuf> {
        if self.walked(path) {
            return Some(path.to_path_buf());
        }
        match resolve_within(path, self.roots) {
            Resolved::Inside(canonical) => Some(canonical),
            Resolved::Outside(outside) => Some(outside),
            Resolved::Missing => None,
        }
    }

    /// The size in bytes of the file at canonical path `canonical`, for a budget checked
    /// before it is read: 0 when it lies outside the roots (it is never looked at there, and
    /// never read) or cannot be looked at.
    pub(crate) fn size(&self, canonical: &Path) -> u64 {
        if !self.inside(canonical) {
            return 0;
        }
        std::fs::metadata(canonical).map_or(0, |m| m.len())
    }

    /// Whether the walk found the file with canonical path `canonical` (then it is a regular
    /// file inside the roots, reached without following a symbolic link).
    pub(crate) fn walked(&self, canonical: &Path) -> bool {
        self.walked.contains(canonical)
    }

    /// The path shown to users for `path`.
    pub(crate) fn display(&self, path: &Path) -> String {
        display_path(path, self.cwd)
    }

    /// Reads the walked file `file`. `keep` looks at its bytes (UTF-8 as on disk, or the
    /// decoded text of a UTF-16 file) before they are decoded: when it says no, the file is
    /// dismissed (`Ok(None)`) at the cost of that look.
    pub(crate) fn read_walked(
        &self,
        file: &FileToRead,
        mut keep: impl FnMut(&[u8]) -> bool,
    ) -> Result<Option<Loaded>, LoadError> {
        if !self.inside(&file.canonical) {
            return Err(LoadError::OutsideRoots);
        }
        if let Some(text) = self.overlay(&file.canonical) {
            let text = text?;
            if !keep(text.as_bytes()) {
                return Ok(None);
            }
            return Ok(Some(Loaded {
                path: file.path.clone(),
                canonical: file.canonical.clone(),
                display: file.display.clone(),
                text: text.to_owned(),
                encoding: Encoding::Utf8,
            }));
        }
        let decoded = BUFFER.with_borrow_mut(|buffer| {
            let read = read_into(&file.path, buffer, self.limit, Follow::Walked(file, self));
            let kept = read.is_ok() && (is_utf16(buffer) || keep(buffer));
            if !kept && buffer.capacity() > KEPT_BUFFER_BYTES {
                // Do not keep a huge buffer alive for the rest of the run.
                *buffer = Vec::new();
            }
            read?;
            if !kept {
                return Ok(None);
            }
            // The kept text leaves with the buffer (no copy); the next read allocates its own.
            decode(std::mem::take(buffer))
                .map(Some)
                .map_err(LoadError::Undecodable)
        })?;
        let Some((text, encoding)) = decoded else {
            return Ok(None);
        };
        // The bytes of a UTF-16 file hide its text: look at the decoded text instead.
        if matches!(encoding, Encoding::Utf16Le | Encoding::Utf16Be) && !keep(text.as_bytes()) {
            return Ok(None);
        }
        Ok(Some(Loaded {
            path: file.path.clone(),
            canonical: file.canonical.clone(),
            display: file.display.clone(),
            text,
            encoding,
        }))
    }

    /// Reads the file at `path` (opened as given) whose canonical path is `canonical`,
    /// shown to users as `display`.
    pub(crate) fn read(
        &self,
        path: &Path,
        canonical: &Path,
        display: String,
    ) -> Result<Loaded, LoadError> {
        let bytes = self.read_bytes(path, canonical)?;
        let (text, encoding) = decode(bytes).map_err(LoadError::Undecodable)?;
        Ok(Loaded {
            path: path.to_path_buf(),
            canonical: canonical.to_path_buf(),
            display,
            text,
            encoding,
        })
    }

    /// Reads a registry module's file in the Bicep CLI's module cache (what `bicep restore`
    /// writes), at canonical path `canonical`, shown as `display`: the one read outside the
    /// scanned roots, of exactly the files the module references of the scanned files name
    /// there. It must lie under the canonical cache `root`, and the root outside the scanned
    /// roots (a cache committed in the repository is not what the registry serves); the file
    /// opened is checked to be under the root too, so a symbolic link out of the cache is
    /// refused ([`LoadError::OutsideRoots`]: the cache is its only root). The size limit
    /// holds as for any file.
    pub(crate) fn read_cached(
        &self,
        canonical: &Path,
        root: &Path,
        display: String,
    ) -> Result<Loaded, LoadError> {
        if self.inside(root) || !below(canonical, root) {
            return Err(LoadError::OutsideRoots);
        }
        let mut bytes = Vec::new();
        read_into(canonical, &mut bytes, self.limit, Follow::Under(root))?;
        let (text, encoding) = decode(bytes).map_err(LoadError::Undecodable)?;
        Ok(Loaded {
            path: canonical.to_path_buf(),
            canonical: canonical.to_path_buf(),
            display,
            text,
            encoding,
        })
    }

    /// The bytes of the file at `path` (opened as given) whose canonical path is
    /// `canonical`, undecoded.
    pub(crate) fn read_bytes(&self, path: &Path, canonical: &Path) -> Result<Vec<u8>, LoadError> {
        if !self.inside(canonical) {
            return Err(LoadError::OutsideRoots);
        }
        if let Some(text) = self.overlay(canonical) {
            return Ok(text?.as_bytes().to_vec());
        }
        let mut bytes = Vec::new();
        // The file opened is the one checked: a path whose parts were swapped for symbolic
        // links after it was resolved cannot lead outside the roots.
        read_into(path, &mut bytes, self.limit, Follow::Inside(self))?;
        Ok(bytes)
    }

    /// At most the first `max` bytes of the walked file `file` (a config file the run does
    /// not use, shown where it is reported), opened as [`Loader::read_walked`] opens files;
    /// empty when it cannot be read.
    pub(crate) fn head_of_walked(&self, file: &FileToRead, max: u64) -> Vec<u8> {
        let mut head = Vec::new();
        if let Ok((opened, _)) = open_checked(&file.path, Follow::Walked(file, self)) {
            let _ = opened.take(max).read_to_end(&mut head);
        }
        head
    }
}

/// Which file a path may lead to when it is opened, checked on the open descriptor (what
/// the system says the file really is, [`real_path`]): the file read is the one checked,
/// whatever was swapped in since the path was resolved.
#[derive(Clone, Copy)]
enum Follow<'a> {
    /// A file the walk found (`FileToRead`), read by `Loader`: its last part is opened without
    /// following a symbolic link (`O_NOFOLLOW`). A walked file is never a link (the walk
    /// follows none), so one there now was swapped in after the walk, and is refused; but a
    /// file named on the command line through a link is read when the link still leads to the
    /// file the walk resolved it to. A file opened must lie inside the roots.
    Walked(&'a FileToRead, &'a Loader<'a>),
    /// A file resolved before it is read (a linked template, a parameter file, a `.tf`
    /// source): a link is followed, and the file opened must lie inside the roots.
    Inside(&'a Loader<'a>),
    /// A file of the module cache: the file opened must lie under this root.
    Under(&'a Path),
}

/// Why a walked file was not read: it changed into something else since the walk (an IG000
/// says so, with this message completing "cannot read:").
fn changed(what: &str) -> LoadError {
    LoadError::Unreadable(std::io::Error::other(format!(
        "{what} after the walk, and was not followed"
    )))
}

/// Opens `path` for reading as `follow` says, only if it is a regular file (see
/// [`open_regular`]), and checks the file opened; with its size.
fn open_checked(path: &Path, follow: Follow<'_>) -> Result<(std::fs::File, u64), LoadError> {
    if let Follow::Walked(..) = follow {
        // A walked path whose every part is a plain folder or file, none a link, leads
        // where it reads: inside the roots, as the walk found it. Checked by the system as it
        // opens the file, at no cost beyond the open.
        if let Some(opened) = open_without_links(path) {
            return Ok(opened);
        }
    }
    let ((file, size), through_link) = match open_sized(path, true) {
        Ok(opened) => (opened, false),
        Err(e) if is_link_error(&e) => (
            open_sized(path, false).map_err(LoadError::Unreadable)?,
            true,
        ),
        Err(e) => return Err(LoadError::Unreadable(e)),
    };
    // Where the system cannot say (no `/proc`), a link followed is resolved by its path
    // (a swap in between is not caught there).
    let real =
        real_path(&file).or_else(|| through_link.then(|| path.canonicalize().ok()).flatten());
    let checked = match follow {
        Follow::Walked(walked, loader) => match real {
            // Through a link: only to the file the walk resolved it to.
            Some(real) if through_link && real != walked.canonical => {
                Err(changed("it became a symbolic link"))
            }
            None if through_link => Err(changed("it became a symbolic link")),
            Some(real) if !loader.inside(&real) => Err(changed(
                "a folder above it became a symbolic link leading outside the scanned roots",
            )),
            _ => Ok(()),
        },
        Follow::Inside(loader) => match real {
            Some(real) if !loader.inside(&real) => Err(LoadError::OutsideRoots),
            // Where a link led is not known: not followed.
            None if through_link => Err(LoadError::OutsideRoots),
            _ => Ok(()),
        },
        Follow::Under(root) => match real {
            Some(real) if !below(&real, root) => Err(LoadError::OutsideRoots),
            None if through_link => Err(LoadError::OutsideRoots),
            _ => Ok(()),
        },
    };
    checked.map(|()| (file, size))
}

/// Whether the system refused `openat2` once (a kernel before 5.6, or a sandbox that filters
/// it): then [`open_without_links`] is not tried again.
#[cfg(target_os = "linux")]
static NO_OPENAT2: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Opens the regular file at `path`, with its size, only if no part of `path` is a symbolic
/// link (Linux's `openat2` with `RESOLVE_NO_SYMLINKS`, without blocking): `None` on any
/// failure, and where the system has no such call, for the caller to open the file the
/// careful way (which says why it cannot). A relative path is resolved from the working
/// directory, whose own parts are not looked at, as a relative root is.
fn open_without_links(path: &Path) -> Option<(std::fs::File, u64)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::FromRawFd;
        use std::os::unix::ffi::OsStrExt;
        use std::sync::atomic::Ordering;
        if NO_OPENAT2.load(Ordering::Relaxed) {
            return None;
        }
        let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
        // SAFETY: `open_how` is plain data; all-zero is a valid value of it.
        let mut how: libc::open_how = unsafe { std::mem::zeroed() };
        how.flags = (libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC) as u64;
        how.resolve = libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS;
        // SAFETY: the path is a NUL-terminated string and `how` a valid `open_how` of the
        // size given; both outlive the call.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                libc::AT_FDCWD,
                c_path.as_ptr(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        };
        if fd < 0 {
            let error = std::io::Error::last_os_error().raw_os_error();
            if matches!(error, Some(libc::ENOSYS) | Some(libc::EPERM)) {
                NO_OPENAT2.store(true, Ordering::Relaxed);
            }
            return None;
        }
        // SAFETY: `fd` is a descriptor the call just opened, owned by nothing else.
        let file = unsafe { std::fs::File::from_raw_fd(fd as i32) };
        let metadata = file.metadata().ok()?;
        metadata.is_file().then_some((file, metadata.len()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

/// Whether `error` says the last part of the path opened with `O_NOFOLLOW` is a symbolic
/// link (`ELOOP`).
pub(crate) fn is_link_error(error: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        error.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(target_os = "linux"))]
    {
        error.kind() == std::io::ErrorKind::Other && error.to_string() == LINK
    }
}

/// What [`open_regular`] says of a symbolic link it does not follow, where the system has no
/// `O_NOFOLLOW` flag for it.
#[cfg(not(target_os = "linux"))]
const LINK: &str = "a symbolic link";

/// Whether `path` is `root` or below it. Canonical paths are compared as bytes (a path
/// walk per file costs more than the rest of dismissing it); anything else by components.
fn below(path: &Path, root: &Path) -> bool {
    let (p, r) = (
        path.as_os_str().as_encoded_bytes(),
        root.as_os_str().as_encoded_bytes(),
    );
    // Two plain paths whose bytes differ differ in their components too: the answer is no
    // without walking them.
    bytes_below(p, r)
        || (!(cfg!(unix) && crate::walk::plain(p) && crate::walk::plain(r))
            && path.starts_with(root))
}

/// Whether the path spelled `p` starts with the bytes of the path spelled `r`, up to a
/// separator: then it is `r` or below it, however either is spelled.
fn bytes_below(p: &[u8], r: &[u8]) -> bool {
    match p.strip_prefix(r) {
        Some([]) => true,
        Some([next, ..]) if std::path::is_separator(char::from(*next)) => true,
        Some(_) => r
            .last()
            .is_some_and(|&c| std::path::is_separator(char::from(c))),
        None => false,
    }
}

/// Whether `bytes` start with a UTF-16 byte-order mark.
fn is_utf16(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])
}

/// Where the open `file` really is, as the system knows it (Linux: `/proc/self/fd/N`), when
/// it says.
fn real_path(file: &std::fs::File) -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        None
    }
}

/// Opens `path` for reading only if it is a regular file; with `no_follow`, not through a
/// symbolic link as its last part (`O_NOFOLLOW`: the error is `ELOOP`). It is opened without
/// blocking and checked after opening, so a FIFO or a device (a link, a parameter file or a
/// `.tf` source can name one) never hangs the run, even when swapped in after an earlier
/// check.
pub(crate) fn open_regular(path: &Path, no_follow: bool) -> std::io::Result<std::fs::File> {
    open_sized(path, no_follow).map(|(file, _)| file)
}

/// [`open_regular`], with the size of the file opened (from the one look that checks it).
fn open_sized(path: &Path, no_follow: bool) -> std::io::Result<(std::fs::File, u64)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = if no_follow {
            libc::O_NONBLOCK | libc::O_NOFOLLOW
        } else {
            libc::O_NONBLOCK
        };
        options.custom_flags(flags);
    }
    #[cfg(not(target_os = "linux"))]
    {
        // No `O_NOFOLLOW` here: look first (a swap in between is not caught).
        if no_follow && std::fs::symlink_metadata(path)?.file_type().is_symlink() {
            return Err(std::io::Error::other(LINK));
        }
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok((file, metadata.len()))
}

/// Reads the file at `path`, opened as `follow` says ([`open_checked`]), into `bytes`
/// (cleared first), refusing one larger than `limit` bytes after reading at most its head.
fn read_into(
    path: &Path,
    bytes: &mut Vec<u8>,
    limit: u64,
    follow: Follow<'_>,
) -> Result<(), LoadError> {
    let (mut file, size) = open_checked(path, follow)?;
    bytes.clear();
    if size > limit {
        let mut head = vec![0; HEAD_BYTES];
        let n = file.read(&mut head).map_err(LoadError::Unreadable)?;
        head.truncate(n);
        return Err(LoadError::TooLarge { size, head });
    }
    // One allocation of the right size: `take` hides the size hint `read_to_end` would use.
    bytes.reserve(size as usize + 1);
    // The size the system gave is read without asking for the end again (a call per file
    // saved: what is appended after the look is not part of this read); a file whose size
    // the system does not know (`/proc` says 0) is read to its end.
    let most = if size > 0 { size } else { limit + 1 };
    file.take(most)
        .read_to_end(bytes)
        .map_err(LoadError::Unreadable)?;
    if bytes.len() as u64 > limit {
        // It grew while being read.
        return Err(LoadError::TooLarge {
            size: bytes.len() as u64,
            head: bytes[..HEAD_BYTES].to_vec(),
        });
    }
    Ok(())
}

/// Where a path leads, found without looking at anything outside the roots
/// ([`resolve_within`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// Inside the roots, to this canonical path, where something exists.
    Inside(PathBuf),
    /// Inside the roots, to nothing (a part is missing, is not a folder, cannot be looked at,
    /// or links lead round in circles).
    Missing,
    /// Outside the roots: the path as far as it was resolved, then the rest as written. What
    /// is there was never looked at.
    Outside(PathBuf),
}

/// Most symbolic links followed resolving one path (Linux's limit, `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// `path` (absolute, its `.` and `..` resolved by name) resolved as the system resolves it,
/// part by part and link by link, but looking only inside `roots` (canonical): a part below a
/// root is looked at (`symlink_metadata`, and `read_link` when it is a link, whose target's
/// parts then come first); a part that is a folder above a root is one of the root's own
/// canonical path (no link: nothing to look at); any other part lies outside, and resolving
/// stops there. So whether a path outside the roots, or a link out of them, leads to a file
/// is never asked, and nothing about it can reach a message.
pub(crate) fn resolve_within(path: &Path, roots: &[PathBuf]) -> Resolved {
    use std::path::Component;
    let inside = |p: &Path| roots.iter().any(|r| below(p, r));
    let above = |p: &Path| roots.iter().any(|r| below(r, p));
    let mut rest: std::collections::VecDeque<std::ffi::OsString> = path
        .components()
        .map(|c| c.as_os_str().to_os_string())
        .collect();
    let mut resolved = PathBuf::new();
    let mut links = 0;
    while let Some(part) = rest.pop_front() {
        let kind = Path::new(&part).components().next();
        match kind {
            Some(Component::RootDir | Component::Prefix(_)) => resolved.push(&part),
            Some(Component::ParentDir) => {
                resolved.pop();
            }
            Some(Component::CurDir) | None => {}
            Some(Component::Normal(name)) => {
                let next = resolved.join(name);
                if inside(&next) {
                    match std::fs::symlink_metadata(&next) {
                        Ok(meta) if meta.file_type().is_symlink() => {
                            links += 1;
                            let Ok(target) = std::fs::read_link(&next) else {
                                return Resolved::Missing;
                            };
                            if links > MAX_LINKS {
                                return Resolved::Missing;
                            }
                            // The target's parts, then what was left (a relative target is read
                            // from the link's folder, which `resolved` is).
                            for part in target.components().rev() {
                                rest.push_front(part.as_os_str().to_os_string());
                            }
                        }
                        Ok(meta) if !rest.is_empty() && !meta.is_dir() => return Resolved::Missing,
                        Ok(_) => resolved = next,
                        Err(_) => return Resolved::Missing,
                    }
                } else if above(&next) {
                    resolved = next;
                } else {
                    let mut outside = next;
                    outside.extend(rest);
                    return Resolved::Outside(outside);
                }
            }
        }
    }
    if inside(&resolved) {
        Resolved::Inside(resolved)
    } else {
        Resolved::Outside(resolved)
    }
}

/// `relative` joined to `base` with `.` and `..` segments resolved by name.
pub(crate) fn lexical_join(base: &Path, relative: &str) -> PathBuf {
    use std::path::Component;
    let mut out = base.to_path_buf();
    for part in Path::new(relative).components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                out = PathBuf::from(part.as_os_str());
            }
            Component::Normal(name) => out.push(name),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whether a path lies below a root, read from the bytes where both are plain, is
        /// what std's walk over their components says, on any paths of separators, dots and
        /// letters (empty, relative, `//`, `/./`, `..`, a separator at the end).
        #[test]
        fn below_agrees_with_std_on_any_paths(p in "[./ab]{0,10}", r in "[./ab]{0,8}") {
            let (path, root) = (Path::new(&p), Path::new(&r));
            proptest::prop_assert_eq!(below(path, root), path.starts_with(root));
        }

        /// …and on paths that start with the root's bytes, where the two may agree.
        #[test]
        fn below_agrees_with_std_under_the_root(r in "[./ab]{0,8}", rest in "[./ab]{0,6}") {
            let p = format!("{r}{rest}");
            let (path, root) = (Path::new(&p), Path::new(&r));
            proptest::prop_assert_eq!(below(path, root), path.starts_with(root));
        }

        /// The set finds a walked file where a map from each canonical path to its last place
        /// would (a path walked twice at its last place), and nothing else, on any paths.
        #[test]
        fn a_path_set_finds_what_a_map_of_the_paths_finds(
            walked in proptest::collection::vec("/[ab]{0,3}(/[ab.]{0,2}){0,2}", 0..24),
            asked in proptest::collection::vec("/[ab]{0,3}(/[ab.]{0,2}){0,2}", 0..8),
        ) {
            let set: PathSet = walked.iter().map(PathBuf::from).collect();
            // By the paths' bytes, as canonical paths compare (`/a/` is not `/a`).
            let mut map = std::collections::HashMap::new();
            for (i, p) in walked.iter().enumerate() {
                map.insert(p.as_str(), i);
            }
            for p in walked.iter().chain(&asked) {
                proptest::prop_assert_eq!(set.position(Path::new(p)), map.get(p.as_str()).copied());
                proptest::prop_assert_eq!(set.contains(Path::new(p)), map.contains_key(p.as_str()));
            }
            proptest::prop_assert_eq!(set.files().len(), walked.len());
        }
    }

    #[test]
    fn pending_files_have_the_ids_they_take_in_the_map() {
        let file = |name: &str| Loaded {
            path: PathBuf::from(name),
            canonical: PathBuf::from(format!("/repo/{name}")),
            display: name.to_owned(),
            text: format!("text of {name}"),
            encoding: Encoding::Utf8,
        };
        let mut sources = SourceMap::default();
        let main = file("main.bicep").add_to(&mut sources);
        let pending = Pending::after(&sources);
        let images = pending.add(file("images.json"));
        let shared = pending.add(file("shared.bicep"));
        // Read again: the same file, the same id.
        assert_eq!(pending.add(file("images.json")), images);
        pending.into_sources(&mut sources);
        assert_eq!((main, images, shared), (FileId(0), FileId(1), FileId(2)));
        assert_eq!(sources.len(), 3);
        assert_eq!(sources.get(images).text, "text of images.json");
        assert_eq!(&*sources.get(shared).display, "shared.bicep");
    }

    /// A scanned root (`root/`) beside a folder outside it (`outside/`), in a temporary
    /// directory, with the loader's lookups empty.
    struct Fixture {
        dir: tempfile::TempDir,
        roots: Vec<PathBuf>,
        walked: PathSet,
    }

    impl Fixture {
        fn new() -> Fixture {
            let dir = tempfile::tempdir().expect("temp dir");
            let base = dir.path().canonicalize().expect("canonical");
            std::fs::create_dir_all(base.join("root")).expect("mkdir");
            std::fs::create_dir_all(base.join("outside")).expect("mkdir");
            Fixture {
                roots: vec![base.join("root")],
                dir,
                walked: PathSet::default(),
            }
        }

        fn loader(&self) -> Loader<'_> {
            Loader::new(&self.roots, self.dir.path(), &self.walked)
        }

        /// Writes `bytes` to `relative` and returns its canonical path.
        fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
            let path = self.roots[0].parent().expect("base").join(relative);
            std::fs::write(&path, bytes).expect("write");
            path
        }

        fn walked(&self, path: &Path) -> FileToRead {
            FileToRead {
                display: path.display().to_string(),
                path: path.to_path_buf(),
                canonical: path.to_path_buf(),
            }
        }
    }

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[test]
    fn files_larger_than_the_limit_are_refused_after_a_look_at_their_head() {
        let f = Fixture::new();
        let path = f.write("root/huge.json", b"");
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        match f.loader().read(&path, &path, "huge.json".into()) {
            Err(LoadError::TooLarge { size, head }) => {
                assert_eq!(size, MAX_FILE_BYTES + 1);
                assert_eq!(head.len(), HEAD_BYTES);
            }
            other => panic!("{other:?}"),
        }
        let walked = f.loader().read_walked(&f.walked(&path), |_| true);
        assert!(matches!(walked, Err(LoadError::TooLarge { .. })));
        file.set_len(MAX_FILE_BYTES).unwrap();
        let bytes = f.loader().read_bytes(&path, &path).expect("at the limit");
        assert_eq!(bytes.len() as u64, MAX_FILE_BYTES);
    }

    /// A path checked as inside the roots whose last part became a symbolic link to a file
    /// outside before it was opened (a swap between the check and the read): the file that is
    /// actually opened is checked, and refused.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_path_swapped_for_a_link_after_its_check_is_refused() {
        let f = Fixture::new();
        let outside = f.write("outside/secret.json", b"{\"secret\": 1}");
        let checked = f.roots[0].join("vm.json");
        std::os::unix::fs::symlink(&outside, &checked).expect("symlink");
        // `checked` is what the caller resolved and checked; the link appeared since.
        let read = f.loader().read_bytes(&checked, &checked);
        assert!(matches!(read, Err(LoadError::OutsideRoots)), "{read:?}");
    }

    /// A VM template booting from a Marketplace image (an IG001 when judged).
    const MARKETPLACE_VM: &[u8] = br#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm",
      "location": "westeurope",
      "properties": {
        "storageProfile": {
          "imageReference": { "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }
        }
      }
    }
  ]
}
"#;

    /// What the pipeline makes of the walked `file` in a run over `roots`.
    fn judged(
        file: &FileToRead,
        roots: &[PathBuf],
        walked: &[FileToRead],
    ) -> crate::pipeline::FileOutcome {
        let run = crate::pipeline::Run {
            config: crate::config::Config::embedded(),
            detail: crate::findings::Detail::default(),
            roots: roots.to_vec(),
            walked: walked.iter().map(|f| f.canonical.clone()).collect(),
            cwd: roots[0].clone(),
            exempter: Default::default(),
            purpose: crate::pipeline::Purpose::Check,
            limits: crate::eval::Limits::default(),
            overlays: Default::default(),
            graph: Default::default(),
            environment: Default::default(),
        };
        crate::pipeline::analyze_file(file, &run)
    }

    /// The quick open of a walked file opens a plain path, with its size, and refuses any
    /// path with a symbolic link in it (its last part or a folder above), leaving those to
    /// the careful open that says why.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_quick_open_refuses_every_path_through_a_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let base = dir.path();
        std::fs::create_dir_all(base.join("real")).expect("mkdir");
        std::fs::write(base.join("real/t.json"), "{}\n").expect("write");
        let (_, size) = open_without_links(&base.join("real/t.json")).expect("a plain path opens");
        assert_eq!(size, 3);
        std::os::unix::fs::symlink(base.join("real"), base.join("folder")).expect("symlink");
        std::os::unix::fs::symlink(base.join("real/t.json"), base.join("file.json"))
            .expect("symlink");
        assert!(open_without_links(&base.join("folder/t.json")).is_none());
        assert!(open_without_links(&base.join("file.json")).is_none());
        assert!(
            open_without_links(&base.join("real")).is_none(),
            "a folder is no file"
        );
        assert!(open_without_links(&base.join("missing.json")).is_none());
    }

    /// A walked file whose last part became a symbolic link to a file outside the roots
    /// between the walk and the read (simulated: walk, swap, read) is not followed: an IG000
    /// says so, and the other files are read and judged as walked. Likewise a folder above a
    /// walked file swapped for a link out of the roots. A file named on the command line
    /// through a link is still read while the link leads where the walk resolved it.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_walked_file_swapped_for_a_link_after_the_walk_is_refused_and_the_others_judged() {
        let f = Fixture::new();
        let base = f.roots[0].parent().expect("base").to_path_buf();
        let vm = f.write("root/vm.json", MARKETPLACE_VM);
        f.write("root/other.json", MARKETPLACE_VM);
        std::fs::create_dir_all(base.join("root/sub")).expect("mkdir");
        let deep = f.write("root/sub/deep.json", MARKETPLACE_VM);
        let secret = f.write("outside/secret.json", MARKETPLACE_VM);
        std::fs::create_dir_all(base.join("outside/sub")).expect("mkdir");
        f.write("outside/sub/deep.json", MARKETPLACE_VM);
        let options = crate::walk::WalkOptions {
            roots: f.roots.clone(),
            ..Default::default()
        };
        let walked = crate::walk::walk(&options, &base, &["json"], &[], &[]).expect("walk");
        assert_eq!(walked.files.len(), 3);
        // The swaps, after the walk.
        std::fs::remove_file(&vm).expect("rm");
        std::os::unix::fs::symlink(&secret, &vm).expect("symlink");
        std::fs::rename(base.join("root/sub"), base.join("root/sub-moved")).expect("mv");
        std::os::unix::fs::symlink(base.join("outside/sub"), base.join("root/sub"))
            .expect("symlink");
        let walked_set: PathSet = walked.files.iter().map(|w| w.canonical.clone()).collect();
        let loader = Loader::new(&f.roots, &base, &walked_set);
        for file in &walked.files {
            let read = loader.read_walked(file, |_| true);
            let outcome = judged(file, &f.roots, &walked.files);
            let messages: Vec<&str> = outcome
                .findings
                .iter()
                .map(|f| f.message.as_str())
                .collect();
            if file.path == vm {
                assert!(matches!(read, Err(LoadError::Unreadable(_))), "{read:?}");
                assert_eq!(
                    messages,
                    [
                        "cannot read: it became a symbolic link after the walk, and was not followed; it was not judged"
                    ]
                );
            } else if file.path == deep {
                assert!(matches!(read, Err(LoadError::Unreadable(_))), "{read:?}");
                assert_eq!(
                    messages,
                    [
                        "cannot read: a folder above it became a symbolic link leading outside the scanned roots after the walk, and was not followed; it was not judged"
                    ]
                );
            } else {
                // The other file is read and judged as it was walked.
                assert!(matches!(read, Ok(Some(_))), "{read:?}");
                assert!(outcome.judged);
                assert_eq!(outcome.findings.len(), 1, "{messages:?}");
                assert!(messages[0].starts_with("Marketplace image"), "{messages:?}");
            }
        }
        // A file named through a link (a root of its own, resolved by the walk) is read.
        let named = base.join("named.json");
        std::os::unix::fs::symlink(base.join("root/other.json"), &named).expect("symlink");
        let options = crate::walk::WalkOptions {
            roots: vec![named.clone()],
            ..Default::default()
        };
        let walked = crate::walk::walk(&options, &base, &["json"], &[], &[]).expect("walk");
        let roots = vec![walked.files[0].canonical.clone()];
        let walked_set: PathSet = walked.files.iter().map(|w| w.canonical.clone()).collect();
        let loader = Loader::new(&roots, &base, &walked_set);
        assert!(matches!(
            loader.read_walked(&walked.files[0], |_| true),
            Ok(Some(_))
        ));
        // Not once the link leads elsewhere.
        std::fs::remove_file(&named).expect("rm");
        std::os::unix::fs::symlink(&secret, &named).expect("symlink");
        let read = loader.read_walked(&walked.files[0], |_| true);
        assert!(matches!(read, Err(LoadError::Unreadable(_))), "{read:?}");
    }

    /// A registry module's file in the module cache (outside the roots) is read only under
    /// its cache root, the root outside the roots, and not through a link out of the cache.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_cached_module_is_read_only_under_a_cache_root_outside_the_roots() {
        let f = Fixture::new();
        let base = f.roots[0].parent().expect("base").to_path_buf();
        std::fs::create_dir_all(base.join("outside/cache/br")).expect("mkdir");
        let cached = f.write("outside/cache/br/main.json", b"{}");
        let root = base.join("outside/cache");
        let loader = f.loader();
        let read = loader.read_cached(&cached, &root, "main.json".into());
        assert_eq!(read.expect("under the cache").text, "{}");
        // The same file is outside the roots for any other read.
        assert!(matches!(
            loader.read(&cached, &cached, "main.json".into()),
            Err(LoadError::OutsideRoots)
        ));
        // Not under the root named.
        let secret = f.write("outside/secret.json", b"{\"secret\": 1}");
        let refused = loader.read_cached(&secret, &root, "secret.json".into());
        assert!(
            matches!(refused, Err(LoadError::OutsideRoots)),
            "{refused:?}"
        );
        // A link in the cache that leads out of it (the path checked is the link's).
        let link = root.join("br/link.json");
        std::os::unix::fs::symlink(&secret, &link).expect("symlink");
        let refused = loader.read_cached(&link, &root, "link.json".into());
        assert!(
            matches!(refused, Err(LoadError::OutsideRoots)),
            "{refused:?}"
        );
        // A cache root inside the scanned roots is not trusted.
        std::fs::create_dir_all(f.roots[0].join("cache")).expect("mkdir");
        let committed = f.write("root/cache/main.json", b"{}");
        let refused = loader.read_cached(&committed, &f.roots[0].join("cache"), "m".into());
        assert!(
            matches!(refused, Err(LoadError::OutsideRoots)),
            "{refused:?}"
        );
    }

    /// Paths are resolved link by link, looking only inside the roots: what lies outside
    /// is given back unresolved whether or not it exists, a link out of the roots likewise,
    /// and a link that leaves and comes back through a folder above the root is followed.
    #[cfg(unix)]
    #[test]
    fn paths_are_resolved_without_looking_outside_the_roots() {
        use std::os::unix::fs::symlink;
        let f = Fixture::new();
        let base = f.roots[0].parent().expect("base").to_path_buf();
        let roots = &f.roots;
        let inside = f.write("root/a.json", b"{}");
        f.write("outside/secret.json", b"{}");
        let resolve = |rel: &str| resolve_within(&base.join(rel), roots);
        assert_eq!(resolve("root/a.json"), Resolved::Inside(inside.clone()));
        assert_eq!(resolve("root/missing.json"), Resolved::Missing);
        assert_eq!(resolve("root/a.json/x"), Resolved::Missing);
        // Outside, there or not: the same answer, the path as written.
        for rel in ["outside/secret.json", "outside/missing.json"] {
            assert_eq!(resolve(rel), Resolved::Outside(base.join(rel)), "{rel}");
        }
        // Links inside the roots that lead out, to a file there or to nothing: the same.
        symlink(
            base.join("outside/secret.json"),
            base.join("root/there.json"),
        )
        .unwrap();
        symlink(
            base.join("outside/missing.json"),
            base.join("root/dangling.json"),
        )
        .unwrap();
        symlink("../outside", base.join("root/out")).unwrap();
        assert_eq!(
            resolve("root/there.json"),
            Resolved::Outside(base.join("outside/secret.json"))
        );
        assert_eq!(
            resolve("root/dangling.json"),
            Resolved::Outside(base.join("outside/missing.json"))
        );
        assert_eq!(
            resolve("root/out/secret.json"),
            Resolved::Outside(base.join("outside/secret.json"))
        );
        assert_eq!(
            resolve("root/out/missing.json"),
            Resolved::Outside(base.join("outside/missing.json"))
        );
        // A link that goes up through the root's own folders and back in is followed.
        let name = base.file_name().unwrap().to_str().unwrap().to_owned();
        symlink(
            format!("../../{name}/root/a.json"),
            base.join("root/again.json"),
        )
        .unwrap();
        assert_eq!(resolve("root/again.json"), Resolved::Inside(inside.clone()));
        // Links round in circles: nothing there.
        symlink("loop2", base.join("root/loop1")).unwrap();
        symlink("loop1", base.join("root/loop2")).unwrap();
        assert_eq!(resolve("root/loop1"), Resolved::Missing);
        // The loader: a path outside is located (and then refused unread), nothing inside is
        // `None`.
        let loader = f.loader();
        assert_eq!(
            loader.locate(&base.join("outside/missing.json")),
            Some(base.join("outside/missing.json"))
        );
        assert_eq!(loader.locate(&base.join("root/missing.json")), None);
        assert_eq!(loader.size(&base.join("outside/secret.json")), 0);
        assert_eq!(loader.size(&inside), 2);
        assert!(matches!(
            loader.read(
                &base.join("outside/missing.json"),
                &base.join("outside/missing.json"),
                "m".into()
            ),
            Err(LoadError::OutsideRoots)
        ));
    }

    #[test]
    fn files_outside_the_roots_are_refused_unread() {
        let f = Fixture::new();
        let inside = f.write("root/a.json", b"{}");
        let outside = f.write("outside/a.json", b"{}");
        let loader = f.loader();
        assert!(loader.read(&inside, &inside, "a".into()).is_ok());
        let refused = loader.read(&outside, &outside, "a".into());
        assert!(
            matches!(refused, Err(LoadError::OutsideRoots)),
            "{refused:?}"
        );
        let walked = loader.read_walked(&f.walked(&outside), |_| true);
        assert!(matches!(walked, Err(LoadError::OutsideRoots)));
        // A sibling folder whose name starts with the root's is not inside it.
        let base = f.roots[0].parent().unwrap();
        assert!(!loader.inside(&base.join("root-2/a.json")));
        assert!(loader.inside(&base.join("root")));
        assert!(loader.inside(&base.join("root/x/y.json")));
    }

    #[test]
    fn byte_order_marks_and_utf16_are_decoded() {
        let f = Fixture::new();
        let loader = f.loader();
        let cases: [(&str, Vec<u8>, Encoding); 4] = [
            ("plain.json", b"{\"a\": 1}".to_vec(), Encoding::Utf8),
            (
                "bom.json",
                b"\xEF\xBB\xBF{\"a\": 1}".to_vec(),
                Encoding::Utf8Bom,
            ),
            ("le.json", utf16le("{\"a\": 1}"), Encoding::Utf16Le),
            (
                "be.json",
                [0xFE, 0xFF]
                    .into_iter()
                    .chain("{\"a\": 1}".encode_utf16().flat_map(u16::to_be_bytes))
                    .collect(),
                Encoding::Utf16Be,
            ),
        ];
        for (name, bytes, encoding) in cases {
            let path = f.write(&format!("root/{name}"), &bytes);
            let loaded = loader.read(&path, &path, name.into()).expect(name);
            assert_eq!(
                (loaded.text.as_str(), loaded.encoding),
                ("{\"a\": 1}", encoding)
            );
            let mut sources = SourceMap::default();
            let id = loaded.add_to(&mut sources);
            assert_eq!(&*sources.get(id).display, name);
        }
        let latin1 = f.write("root/latin1.json", b"{\"a\": \"caf\xe9\"}");
        match loader.read(&latin1, &latin1, "latin1.json".into()) {
            Err(LoadError::Undecodable(e)) => assert_eq!(e.offset, 10),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn walked_files_without_a_marker_are_dismissed_undecoded() {
        let f = Fixture::new();
        let loader = f.loader();
        let has = |bytes: &[u8]| memchr::memmem::find(bytes, b"marker").is_some();
        let plain = f.write("root/plain.json", b"{\"no\": 1}");
        assert!(matches!(
            loader.read_walked(&f.walked(&plain), has),
            Ok(None)
        ));
        // Not valid UTF-8, but nothing to look for: dismissed without a decoding error.
        let latin1 = f.write("root/latin1.json", b"{\"caf\xe9\": 1}");
        assert!(matches!(
            loader.read_walked(&f.walked(&latin1), has),
            Ok(None)
        ));
        let kept = f.write("root/kept.json", b"{\"marker\": 1}");
        let loaded = loader.read_walked(&f.walked(&kept), has).unwrap().unwrap();
        assert_eq!(loaded.text, "{\"marker\": 1}");
        // The look at a UTF-16 file is at its decoded text.
        let wide = f.write("root/wide.json", &utf16le("{\"marker\": 1}"));
        let loaded = loader.read_walked(&f.walked(&wide), has).unwrap().unwrap();
        assert_eq!(loaded.encoding, Encoding::Utf16Le);
        let wide_plain = f.write("root/wide-plain.json", &utf16le("{\"no\": 1}"));
        assert!(matches!(
            loader.read_walked(&f.walked(&wide_plain), has),
            Ok(None)
        ));
    }

    #[test]
    fn what_the_file_system_refuses_is_unreadable() {
        let f = Fixture::new();
        let missing = f.roots[0].join("missing.json");
        let result = f.loader().read(&missing, &missing, "missing.json".into());
        assert!(
            matches!(result, Err(LoadError::Unreadable(_))),
            "{result:?}"
        );
        let folder = f.roots[0].clone();
        let result = f.loader().read_walked(&f.walked(&folder), |_| true);
        assert!(
            matches!(result, Err(LoadError::Unreadable(_))),
            "{result:?}"
        );
    }

    #[test]
    fn errors_complete_a_sentence_about_the_file() {
        assert_eq!(
            LoadError::OutsideRoots.to_string(),
            "is outside the scanned roots and was not read"
        );
        let large = LoadError::TooLarge {
            size: 1,
            head: Vec::new(),
        };
        assert_eq!(large.to_string(), "is larger than the size limit");
    }
}
