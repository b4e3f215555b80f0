//! The list of tracked files, read from a git index file (`.git/index`).
//!
//! Only what the walk needs is kept: the paths of the entries (bytes, relative to the work
//! tree, `/`-separated), sorted as git sorts them. Versions 2, 3 and 4 (prefix-compressed
//! paths) are read, with SHA-1 or SHA-256 object names. Anything this reader does not fully
//! understand is an error, never a guess: a split index (the `link` extension: most entries
//! live in another file), a sparse index (directory entries, the `sdir` extension), an unknown
//! required extension, a truncated or unsorted file. The walk then honours no ignore file in
//! that repository, which judges more files, never fewer.

/// Index files larger than this are not read.
pub(crate) const MAX_INDEX_BYTES: u64 = 256 * 1024 * 1024;

/// The paths of an index (expanded, for version 4) may not add up to more than this.
const MAX_PATH_BYTES: usize = 256 * 1024 * 1024;

/// The tracked paths of a repository, sorted (bytewise, as git sorts them), each once.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// The paths, one after the other.
    bytes: Vec<u8>,
    /// Where each path ends in `bytes` (it starts where the previous one ends).
    ends: Vec<u32>,
}

/// Why an index cannot be used.
#[derive(Debug)]
pub(crate) enum IndexError {
    /// The file does not start with `DIRC`.
    BadMagic,
    /// A version other than 2, 3 or 4.
    Version(u32),
    /// The file ends in the middle of an entry or an extension.
    Truncated,
    /// The entries contradict themselves (what is wrong).
    Corrupt(&'static str),
    /// A split index: most entries are in another file.
    SplitIndex,
    /// A sparse index: folders stand for the files in them.
    SparseIndex,
    /// A required extension this reader does not know.
    UnknownExtension([u8; 4]),
}

impl std::fmt::Display for IndexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndexError::BadMagic => f.write_str("not a git index"),
            IndexError::Version(v) => write!(f, "version {v} is not supported"),
            IndexError::Truncated => f.write_str("truncated"),
            IndexError::Corrupt(what) => write!(f, "corrupt ({what})"),
            IndexError::SplitIndex => f.write_str("a split index (not read)"),
            IndexError::SparseIndex => f.write_str("a sparse index (not read)"),
            IndexError::UnknownExtension(sig) => {
                write!(f, "an unknown required extension `{}`", sig.escape_ascii())
            }
        }
    }
}

impl Index {
    /// The path of entry `i`.
    fn path(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// The number of paths.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The first entry not less than `key`.
    fn lower_bound(&self, key: &[u8]) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.path(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Whether `path` (relative to the work tree, `/`-separated) is an entry: a tracked file,
    /// or a submodule.
    pub(crate) fn contains(&self, path: &[u8]) -> bool {
        let i = self.lower_bound(path);
        i < self.len() && self.path(i) == path
    }

    /// Whether some entry lies below the folder `dir` (relative to the work tree,
    /// `/`-separated; empty: the work tree itself).
    pub(crate) fn has_below(&self, dir: &[u8]) -> bool {
        if dir.is_empty() {
            return self.len() > 0;
        }
        let mut prefix = Vec::with_capacity(dir.len() + 1);
        prefix.extend_from_slice(dir);
        prefix.push(b'/');
        let i = self.lower_bound(&prefix);
        i < self.len() && self.path(i).starts_with(&prefix)
    }

    /// Reads the index file `bytes` (all of it).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Index, IndexError> {
        // The object-name length is not written in the index: SHA-1 first, then SHA-256.
        // Every entry is checked for consistency, so a wrong guess fails.
        match parse_with(bytes, 20) {
            Ok(index) => Ok(index),
            Err(e @ (IndexError::BadMagic | IndexError::Version(_))) => Err(e),
            Err(first) => parse_with(bytes, 32).map_err(|_| first),
        }
    }
}

fn be32(bytes: &[u8], at: usize) -> Result<u32, IndexError> {
    let b = bytes.get(at..at + 4).ok_or(IndexError::Truncated)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be16(bytes: &[u8], at: usize) -> Result<u16, IndexError> {
    let b = bytes.get(at..at + 2).ok_or(IndexError::Truncated)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

/// Git's variable-length integer (`varint.c`): the value and the bytes it took.
fn varint(bytes: &[u8]) -> Result<(usize, usize), IndexError> {
    let mut used = 0;
    let mut next = || {
        let b = *bytes.get(used).ok_or(IndexError::Truncated)?;
        used += 1;
        Ok::<u8, IndexError>(b)
    };
    let mut c = next()?;
    let mut value = u64::from(c & 0x7F);
    while c & 0x80 != 0 {
        c = next()?;
        value = value
            .checked_add(1)
            .and_then(|v| v.checked_mul(128))
            .filter(|v| *v <= u64::from(u32::MAX))
            .ok_or(IndexError::Corrupt("a path prefix length overflows"))?
            + u64::from(c & 0x7F);
    }
    let value = usize::try_from(value).map_err(|_| IndexError::Corrupt("a varint overflows"))?;
    Ok((value, used))
}

/// Reads the index `bytes` assuming object names of `hash` bytes.
fn parse_with(bytes: &[u8], hash: usize) -> Result<Index, IndexError> {
    if bytes.len() < 12 + hash {
        return Err(if bytes.starts_with(b"DIRC") || bytes.len() < 4 {
            IndexError::Truncated
        } else {
            IndexError::BadMagic
        });
    }
    if &bytes[..4] != b"DIRC" {
        return Err(IndexError::BadMagic);
    }
    let version = be32(bytes, 4)?;
    if !(2..=4).contains(&version) {
        return Err(IndexError::Version(version));
    }
    let count = be32(bytes, 8)? as usize;
    let end = bytes.len() - hash;
    // The fixed part of an entry: times, device, inode, mode, ids and size (40 bytes), the
    // object name, the flags (2 bytes).
    let fixed = 40 + hash + 2;
    if count > (end - 12) / (fixed + 1) {
        return Err(IndexError::Truncated);
    }
    let mut index = Index {
        bytes: Vec::new(),
        ends: Vec::with_capacity(count),
    };
    let mut prev: Vec<u8> = Vec::new();
    let mut prev_stage = 0;
    let mut pos = 12;
    for _ in 0..count {
        let start = pos;
        if pos + fixed > end {
            return Err(IndexError::Truncated);
        }
        let mode = be32(bytes, pos + 24)?;
        let flags = be16(bytes, pos + 40 + hash)?;
        pos += fixed;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return Err(IndexError::Corrupt("extended flags in a version 2 index"));
            }
            pos += 2;
        }
        if mode & 0o170000 == 0o040000 {
            return Err(IndexError::SparseIndex);
        }
        let rest = bytes.get(pos..end).ok_or(IndexError::Truncated)?;
        let path: Vec<u8> = if version == 4 {
            let (strip, used) = varint(rest)?;
            let rest = &rest[used..];
            let nul = memchr::memchr(0, rest).ok_or(IndexError::Truncated)?;
            if strip > prev.len() {
                return Err(IndexError::Corrupt(
                    "a path removes more than the previous one",
                ));
            }
            let mut path = Vec::with_capacity(prev.len() - strip + nul);
            path.extend_from_slice(&prev[..prev.len() - strip]);
            path.extend_from_slice(&rest[..nul]);
            pos += used + nul + 1;
            path
        } else {
            let nul = memchr::memchr(0, rest).ok_or(IndexError::Truncated)?;
            // Entries are padded with 1 to 8 NUL bytes to a multiple of 8 bytes.
            let len = (pos - start + nul + 8) & !7;
            let padding = bytes
                .get(pos + nul..start + len)
                .filter(|_| start + len <= end)
                .ok_or(IndexError::Truncated)?;
            if padding.iter().any(|&b| b != 0) {
                return Err(IndexError::Corrupt("an entry's padding is not zero"));
            }
            let path = rest[..nul].to_vec();
            pos = start + len;
            path
        };
        let name_length = usize::from(flags & 0x0FFF);
        if path.is_empty() {
            return Err(IndexError::Corrupt("an empty path"));
        }
        if name_length < 0x0FFF && name_length != path.len() {
            return Err(IndexError::Corrupt("a path length does not match"));
        }
        let stage = (flags >> 12) & 3;
        match path.as_slice().cmp(prev.as_slice()) {
            std::cmp::Ordering::Less if !index.ends.is_empty() => {
                return Err(IndexError::Corrupt("the entries are not sorted"));
            }
            std::cmp::Ordering::Equal if !index.ends.is_empty() => {
                if stage <= prev_stage {
                    return Err(IndexError::Corrupt("an entry is repeated"));
                }
            }
            _ => {
                if index.bytes.len() + path.len() > MAX_PATH_BYTES {
                    return Err(IndexError::Corrupt("the paths are too long"));
                }
                index.bytes.extend_from_slice(&path);
                index.ends.push(index.bytes.len() as u32);
            }
        }
        prev_stage = stage;
        prev = path;
    }
    while pos < end {
        let signature = bytes.get(pos..pos + 4).ok_or(IndexError::Truncated)?;
        let size = be32(bytes, pos + 4)? as usize;
        let next = (pos + 8)
            .checked_add(size)
            .filter(|n| *n <= end)
            .ok_or(IndexError::Truncated)?;
        match signature {
            b"link" => return Err(IndexError::SplitIndex),
            b"sdir" => return Err(IndexError::SparseIndex),
            [b'A'..=b'Z', ..] => {}
            other => {
                let mut sig = [0; 4];
                sig.copy_from_slice(other);
                return Err(IndexError::UnknownExtension(sig));
            }
        }
        pos = next;
    }
    if pos != end {
        return Err(IndexError::Truncated);
    }
    index.ends.shrink_to_fit();
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index entry's fixed part for `path` (SHA-1 object names), flags as given.
    fn fixed(mode: u32, flags: u16) -> Vec<u8> {
        let mut e = vec![0u8; 24];
        e.extend_from_slice(&mode.to_be_bytes());
        e.extend_from_slice(&[0; 12]);
        e.extend_from_slice(&[0xAB; 20]);
        e.extend_from_slice(&flags.to_be_bytes());
        e
    }

    /// A version 2 index of `paths` (regular files), with `extensions` appended.
    fn v2(paths: &[&str], extensions: &[u8]) -> Vec<u8> {
        let mut out = b"DIRC".to_vec();
        out.extend_from_slice(&2u32.to_be_bytes());
        out.extend_from_slice(&(paths.len() as u32).to_be_bytes());
        for p in paths {
            let mut e = fixed(0o100644, p.len() as u16);
            e.extend_from_slice(p.as_bytes());
            let len = (e.len() + 8) & !7;
            e.resize(len, 0);
            out.extend_from_slice(&e);
        }
        out.extend_from_slice(extensions);
        out.extend_from_slice(&[0; 20]);
        out
    }

    /// A version 4 index of `paths`, prefix-compressed.
    fn v4(paths: &[&str]) -> Vec<u8> {
        let mut out = b"DIRC".to_vec();
        out.extend_from_slice(&4u32.to_be_bytes());
        out.extend_from_slice(&(paths.len() as u32).to_be_bytes());
        let mut prev = "";
        for p in paths {
            let common = prev
                .bytes()
                .zip(p.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            out.extend_from_slice(&fixed(0o100644, p.len() as u16));
            let strip = prev.len() - common;
            assert!(strip < 128, "one-byte varints in these tests");
            out.push(strip as u8);
            out.extend_from_slice(&p.as_bytes()[common..]);
            out.push(0);
            prev = p;
        }
        out.extend_from_slice(&[0; 20]);
        out
    }

    #[test]
    fn version_2_and_4_indexes_list_their_paths() {
        let paths = [
            "a.json",
            "dir/.hidden/x.json",
            "dir/sub/y.json",
            "dir/z.json",
        ];
        for bytes in [v2(&paths, b""), v4(&paths)] {
            let index = Index::parse(&bytes).expect("parses");
            assert_eq!(index.len(), 4);
            assert!(index.contains(b"a.json"));
            assert!(index.contains(b"dir/sub/y.json"));
            assert!(!index.contains(b"dir/sub"));
            assert!(index.has_below(b"dir/sub"));
            assert!(index.has_below(b"dir/.hidden"));
            assert!(!index.has_below(b"di"));
            assert!(!index.has_below(b"a.json"));
            assert!(index.has_below(b""));
        }
    }

    #[test]
    fn optional_extensions_are_skipped_and_required_ones_refused() {
        let mut tree = b"TREE".to_vec();
        tree.extend_from_slice(&3u32.to_be_bytes());
        tree.extend_from_slice(b"abc");
        assert!(Index::parse(&v2(&["a"], &tree)).is_ok());
        let mut link = b"link".to_vec();
        link.extend_from_slice(&0u32.to_be_bytes());
        assert!(matches!(
            Index::parse(&v2(&["a"], &link)),
            Err(IndexError::SplitIndex)
        ));
        let mut sdir = b"sdir".to_vec();
        sdir.extend_from_slice(&0u32.to_be_bytes());
        assert!(matches!(
            Index::parse(&v2(&["a"], &sdir)),
            Err(IndexError::SparseIndex)
        ));
        let mut what = b"what".to_vec();
        what.extend_from_slice(&0u32.to_be_bytes());
        assert!(matches!(
            Index::parse(&v2(&["a"], &what)),
            Err(IndexError::UnknownExtension(_))
        ));
    }

    #[test]
    fn bad_indexes_are_refused() {
        let good = v2(&["a", "b"], b"");
        let mut magic = good.clone();
        magic[0] = b'X';
        assert!(matches!(Index::parse(&magic), Err(IndexError::BadMagic)));
        let mut version = good.clone();
        version[7] = 5;
        assert!(matches!(
            Index::parse(&version),
            Err(IndexError::Version(5))
        ));
        let unsorted = v2(&["b", "a"], b"");
        assert!(Index::parse(&unsorted).is_err());
        let repeated = v2(&["a", "a"], b"");
        assert!(Index::parse(&repeated).is_err());
        let mut count = good.clone();
        count[11] = 200;
        assert!(Index::parse(&count).is_err());
        let mut sparse = b"DIRC\0\0\0\x02\0\0\0\x01".to_vec();
        let mut e = fixed(0o040000, 4);
        e.extend_from_slice(b"dir/");
        e.resize((e.len() + 8) & !7, 0);
        sparse.extend_from_slice(&e);
        sparse.extend_from_slice(&[0; 20]);
        assert!(matches!(
            Index::parse(&sparse),
            Err(IndexError::SparseIndex)
        ));
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_an_error_or_a_list_never_a_panic() {
        let paths = ["a.json", "dir/sub/y.json", "dir/z.json"];
        for bytes in [v2(&paths, b""), v4(&paths)] {
            for len in 0..bytes.len() {
                // The last 20 bytes are the checksum: cutting into it still parses as a file
                // with an SHA-1 name that ends early, which the checks refuse.
                let _ = Index::parse(&bytes[..len]);
                if len < bytes.len() - 20 {
                    assert!(Index::parse(&bytes[..len]).is_err(), "cut at {len}");
                }
            }
            for at in 0..bytes.len() {
                for value in [0x00, 0x7F, 0x80, 0xFF] {
                    let mut b = bytes.clone();
                    b[at] = value;
                    let _ = Index::parse(&b);
                }
            }
        }
    }

    #[test]
    fn a_version_4_path_cannot_strip_more_than_the_previous_path() {
        let mut bytes = v4(&["ab"]);
        // The one entry strips 0 bytes: make it strip 5 of the empty previous path.
        let at = 12 + 62;
        assert_eq!(bytes[at], 0);
        bytes[at] = 5;
        assert!(Index::parse(&bytes).is_err());
    }

    #[test]
    fn varints_decode_as_git_writes_them() {
        assert_eq!(varint(&[0x05]).unwrap(), (5, 1));
        assert_eq!(varint(&[0x80, 0x00]).unwrap(), (128, 2));
        assert_eq!(varint(&[0x80, 0x01]).unwrap(), (129, 2));
        assert!(varint(&[0x80]).is_err());
        assert!(varint(&[0xFF; 16]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(mut bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = Index::parse(&bytes);
            if bytes.len() >= 12 {
                bytes[..12].copy_from_slice(b"DIRC\0\0\0\x04\0\0\0\x03");
                let _ = Index::parse(&bytes);
                bytes[7] = 2;
                let _ = Index::parse(&bytes);
            }
        }
    }
}
