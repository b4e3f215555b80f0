//! Source files, byte spans and the mapping from byte offsets to lines and columns, and the
//! one loader that reads files.
//!
//! Every value imagegate reasons about keeps the [`Span`] it came from, so that a finding can
//! point at the exact characters a person has to change. Files are read by one loader (roots,
//! size limit, dismissal) and decoded to UTF-8 once, when they are loaded; spans are byte
//! ranges into that decoded text.

mod decode;
mod load;

use std::path::PathBuf;
use std::sync::Arc;

pub(crate) use decode::{DecodeError, decode, encode};
pub(crate) use load::{
    LoadError, Loaded, Loader, MAX_EXPORT_BYTES, MAX_FILE_BYTES, Overlays, PathSet, Pending,
    Resolved, Touched, is_link_error, lexical_join, resolve_within,
};

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Index of the file in its [`SourceMap`].
    pub file: FileId,
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span over `start..end` in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }
}

/// Identifies a file inside a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// How the bytes on disk were encoded before they were decoded to UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Plain UTF-8.
    Utf8,
    /// UTF-8 with a byte-order mark (stripped from the text).
    Utf8Bom,
    /// UTF-16 little endian with a byte-order mark.
    Utf16Le,
    /// UTF-16 big endian with a byte-order mark.
    Utf16Be,
}

/// One decoded file: its path as shown to users, its text and a line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given on disk (used to read related files).
    pub path: PathBuf,
    /// The path shown to users: relative to the working directory, forward slashes. Shared
    /// with every location in the file ([`crate::findings::Location`]).
    pub display: std::sync::Arc<str>,
    /// The decoded text.
    pub text: String,
    /// The encoding the file had on disk.
    pub encoding: Encoding,
    /// Whether it was read from outside the scanned roots (a module from the Bicep module
    /// cache): nothing in it is the repository's to change, so findings about what it
    /// declares are shown where the repository deploys it.
    pub external: bool,
    /// Byte offsets where lines start, built on first use: most files read have no finding.
    line_starts: std::sync::OnceLock<Vec<u32>>,
    /// Character and UTF-16 counts every [`CHECKPOINT`] bytes, built on first use, so that
    /// columns on very long lines (minified templates, plans) cost O(CHECKPOINT), not O(line).
    checkpoints: std::sync::OnceLock<Vec<(u32, u32)>>,
}

/// Distance in bytes between two column checkpoints.
const CHECKPOINT: usize = 4096;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in Unicode scalar values.
    pub column: u32,
    /// 1-based column, counted in UTF-16 code units (what SARIF expects by default).
    pub column_utf16: u32,
}

impl SourceFile {
    /// Builds a source file from decoded text.
    pub fn new(path: PathBuf, display: String, text: String, encoding: Encoding) -> Self {
        SourceFile {
            path,
            display: display.into(),
            text,
            encoding,
            external: false,
            line_starts: std::sync::OnceLock::new(),
            checkpoints: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let bytes = self.text.as_bytes();
            // Templates average some 40 bytes a line: one allocation in most files.
            let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
            starts.push(0);
            // Lines end at LF, CRLF and a lone CR, as editors, the Language Server Protocol,
            // SARIF (3.30.2), Bicep and the Azure CLI's JSON comments count them: a line a
            // reviewer sees is a line imagegate reports and exempts.
            if memchr::memchr(b'\r', bytes).is_none() {
                // No CR (most files): one search for line feeds.
                starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| (i + 1) as u32));
            } else {
                starts.extend(
                    memchr::memchr2_iter(b'\r', b'\n', bytes)
                        .filter(|&i| !(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')))
                        .map(|i| (i + 1) as u32),
                );
            }
            starts
        })
    }

    /// (chars, UTF-16 units) in `text[..offset]`; `offset` is a char boundary.
    fn counts_before(&self, offset: usize) -> (u32, u32) {
        let checkpoints = self.checkpoints.get_or_init(|| {
            let mut out = Vec::with_capacity(self.text.len() / CHECKPOINT + 1);
            let (mut chars, mut units) = (0u32, 0u32);
            for (i, c) in self.text.char_indices() {
                while out.len() * CHECKPOINT <= i {
                    out.push((chars, units));
                }
                chars += 1;
                units += c.len_utf16() as u32;
            }
            out
        });
        let k = (offset / CHECKPOINT).min(checkpoints.len().saturating_sub(1));
        let (mut chars, mut units) = checkpoints.get(k).copied().unwrap_or((0, 0));
        // Checkpoint k counts the chars that start before the first char boundary >= k*CHECKPOINT.
        let mut from = k * CHECKPOINT;
        while from < self.text.len() && !self.text.is_char_boundary(from) {
            from += 1;
        }
        for c in self
            .text
            .get(from.min(offset)..offset)
            .unwrap_or("")
            .chars()
        {
            chars += 1;
            units += c.len_utf16() as u32;
        }
        (chars, units)
    }

    /// The 0-based index of the line that holds byte `offset`.
    pub fn line_index(&self, offset: u32) -> usize {
        match self.line_starts().binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The byte range of 0-based line `index`, without its line terminator.
    pub fn line_range(&self, index: usize) -> std::ops::Range<usize> {
        let start = self.line_starts()[index] as usize;
        let mut end = self
            .line_starts()
            .get(index + 1)
            .map_or(self.text.len(), |&e| e as usize - 1);
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end.max(start)
    }

    /// Number of lines in the file.
    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// The 1-based line and column of byte `offset` (clamped to the text).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = (offset as usize).min(self.text.len());
        let mut offset = offset;
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let index = self.line_index(offset as u32);
        let start = self.line_starts()[index] as usize;
        let (column, column_utf16) = if offset - start <= CHECKPOINT {
            let prefix = &self.text[start..offset];
            if prefix.is_ascii() {
                // One byte, one character, one UTF-16 unit: most lines, counted at once.
                (prefix.len() as u32, prefix.len() as u32)
            } else {
                (
                    prefix.chars().count() as u32,
                    prefix.encode_utf16().count() as u32,
                )
            }
        } else {
            let (a, ua) = self.counts_before(start);
            let (b, ub) = self.counts_before(offset);
            (b - a, ub - ua)
        };
        LineCol {
            line: index as u32 + 1,
            column: column + 1,
            column_utf16: column_utf16 + 1,
        }
    }
}

/// All files loaded for one piece of work, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(Arc::new(file));
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with id `id`.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Adds a file shared with other owners and returns its id.
    pub fn add_shared(&mut self, file: Arc<SourceFile>) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }
}

/// The bytes of the file at `path` when it holds at most `max` bytes (`Ok(None)` when it holds
/// more): for the files a run reads whole by name outside the walk (a config, a baseline,
/// trusted exemptions), so that a wrong path cannot exhaust memory (a disk image) or hold the
/// run forever (a FIFO or a device: only a regular file is read, opened without waiting).
/// Through a symbolic link only when `follow` (a path the user named; not one a repository
/// put where imagegate looks).
pub(crate) fn read_at_most(
    path: &std::path::Path,
    max: u64,
    follow: bool,
) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    load::open_regular(path, !follow)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("f".into(), "f".into(), text.into(), Encoding::Utf8)
    }

    #[test]
    fn line_col_counts_chars_and_utf16_units() {
        let f = file("ab\n\u{e9}\u{1F600}x\r\nlast");
        assert_eq!(f.line_col(0).line, 1);
        let b = f.line_col(1);
        assert_eq!((b.line, b.column, b.column_utf16), (1, 2, 2));
        let x = f.text.find('x').unwrap() as u32;
        let lc = f.line_col(x);
        assert_eq!((lc.line, lc.column, lc.column_utf16), (2, 3, 4));
        assert_eq!(f.line_col(f.text.len() as u32).line, 3);
        assert_eq!(&f.text[f.line_range(1)], "\u{e9}\u{1F600}x");
    }

    #[test]
    fn columns_on_long_lines_match_a_plain_count() {
        let mut text = String::new();
        for i in 0..5000 {
            text.push_str(if i % 3 == 0 {
                "\u{e9}"
            } else if i % 7 == 0 {
                "\u{1F600}"
            } else {
                "ab"
            });
        }
        text.push('\n');
        text.push_str(&text.clone());
        let f = file(&text);
        for (offset, _) in text.char_indices().step_by(97) {
            let lc = f.line_col(offset as u32);
            let start = f.line_range(f.line_index(offset as u32)).start;
            let prefix = &text[start..offset];
            assert_eq!(lc.column, prefix.chars().count() as u32 + 1, "at {offset}");
            assert_eq!(
                lc.column_utf16,
                prefix.encode_utf16().count() as u32 + 1,
                "at {offset}"
            );
        }
    }
}
