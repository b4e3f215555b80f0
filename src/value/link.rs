//! Why a local linked template was not read, as data; the wording is produced here only.

use std::fmt;

/// Why a local linked template was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkRefusal {
    /// No such file.
    NotFound,
    /// The template already loaded as many linked files as allowed.
    TooManyLinks {
        /// The most linked files loaded for one template.
        limit: usize,
    },
    /// The linked files already read for the walked file leave no room for this one.
    LinkedBytes {
        /// The most bytes of linked files read for one walked file, in MiB.
        limit_mib: u64,
    },
    /// The file is outside the scanned roots.
    OutsideRoots,
    /// The file system refused.
    Unreadable {
        /// The error, as the operating system words it.
        error: String,
    },
    /// The file is larger than the size limit.
    TooLarge,
    /// The file's bytes are not text in a supported encoding.
    Undecodable {
        /// The decoder's message.
        error: String,
    },
    /// The file is not JSON.
    Unparsable {
        /// The JSON parser's message.
        error: String,
    },
    /// The link was computed during evaluation, and the walked file's evaluation steps ran
    /// out on the expansions needed to follow such links.
    Unfollowed {
        /// The most evaluation steps per walked file.
        steps: u64,
    },
}

impl fmt::Display for LinkRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkRefusal::NotFound => f.write_str("does not exist"),
            LinkRefusal::TooManyLinks { limit } => {
                write!(f, "is beyond the limit of {limit} linked templates")
            }
            LinkRefusal::LinkedBytes { limit_mib } => write!(
                f,
                "is beyond the limit of {limit_mib} MiB of linked templates read for one file"
            ),
            LinkRefusal::OutsideRoots => {
                f.write_str("is outside the scanned roots and was not read")
            }
            LinkRefusal::Unreadable { error } => write!(f, "cannot be read: {error}"),
            LinkRefusal::TooLarge => f.write_str("is larger than the size limit"),
            LinkRefusal::Undecodable { error } => write!(f, "cannot be decoded: {error}"),
            LinkRefusal::Unparsable { error } => write!(f, "cannot be parsed: {error}"),
            LinkRefusal::Unfollowed { steps } => write!(
                f,
                "was not read: following links computed during evaluation spent the budget of \
                 {steps} evaluation steps per file"
            ),
        }
    }
}
