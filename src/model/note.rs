//! Notes: what a run says about itself that is not a finding (a bound that cut a loop, a link
//! that was not followed), as data; the wording is produced here only.

use std::fmt;

use crate::source::Span;

/// A message about the run that is not a finding (e.g. a budget that cut a loop).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Where the note applies.
    pub span: Option<Span>,
    /// What it says.
    pub kind: NoteKind,
}

/// What a [`Note`] says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// A copy loop with more instances than are judged.
    CopyLoopCut {
        /// The loop's name.
        name: String,
        /// Its instances.
        instances: i64,
        /// How many of them are judged.
        judged: i64,
    },
    /// A template's evaluation used its whole step budget.
    StepBudgetExhausted {
        /// The budget.
        steps: u64,
    },
    /// A deployment nested deeper than deployments are followed.
    NestingTooDeep {
        /// The deepest nesting followed.
        levels: usize,
    },
    /// A linked template whose `relativePath` is not known offline.
    LinkPathUnknown,
    /// A linked template given by a URI that is not a local file.
    LinkIsUri,
    /// A deployment of a template spec.
    LinkIsTemplateSpec,
    /// A linked template that links back to one being expanded.
    LinkCycle {
        /// The link as written (resolved).
        relative: String,
    },
    /// A linked template that was not read.
    LinkRefused {
        /// The link as written (resolved).
        relative: String,
        /// Why it was not read.
        why: LinkRefusal,
    },
}

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
}

impl fmt::Display for NoteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NOT_JUDGED: &str = "its resources are not judged";
        match self {
            NoteKind::CopyLoopCut {
                name,
                instances,
                judged,
            } => write!(
                f,
                "copy loop '{name}' has {instances} instances; the first {judged} are judged"
            ),
            NoteKind::StepBudgetExhausted { steps } => write!(
                f,
                "evaluation stopped at its budget of {steps} steps; images that needed more are reported as unresolved"
            ),
            NoteKind::NestingTooDeep { levels } => write!(
                f,
                "nested deployments deeper than {levels} levels are not followed"
            ),
            NoteKind::LinkPathUnknown => write!(
                f,
                "the linked template's relativePath is not known offline; {NOT_JUDGED}"
            ),
            NoteKind::LinkIsUri => write!(
                f,
                "the linked template is a URI, which cannot be read offline; {NOT_JUDGED}"
            ),
            NoteKind::LinkIsTemplateSpec => write!(
                f,
                "the linked template is a template spec, which cannot be read offline; {NOT_JUDGED}"
            ),
            NoteKind::LinkCycle { relative } => write!(
                f,
                "linked template `{relative}` is part of a link cycle; not followed again"
            ),
            NoteKind::LinkRefused { relative, why } => {
                write!(f, "linked template `{relative}` {why}; {NOT_JUDGED}")
            }
        }
    }
}

impl fmt::Display for LinkRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkRefusal::NotFound => f.write_str("does not exist"),
            LinkRefusal::TooManyLinks { limit } => {
                write!(f, "is beyond the limit of {limit} linked templates")
            }
            LinkRefusal::OutsideRoots => {
                f.write_str("is outside the scanned roots and was not read")
            }
            LinkRefusal::Unreadable { error } => write!(f, "cannot be read: {error}"),
            LinkRefusal::TooLarge => f.write_str("is larger than the size limit"),
            LinkRefusal::Undecodable { error } => write!(f, "cannot be decoded: {error}"),
            LinkRefusal::Unparsable { error } => write!(f, "cannot be parsed: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_note_reads_as_before() {
        let refused = |why| NoteKind::LinkRefused {
            relative: "nested/vm.json".into(),
            why,
        };
        let cases = [
            (
                NoteKind::CopyLoopCut {
                    name: "vms".into(),
                    instances: 5000,
                    judged: 1000,
                },
                "copy loop 'vms' has 5000 instances; the first 1000 are judged",
            ),
            (
                NoteKind::StepBudgetExhausted { steps: 1_000_000 },
                "evaluation stopped at its budget of 1000000 steps; images that needed more are reported as unresolved",
            ),
            (
                NoteKind::NestingTooDeep { levels: 16 },
                "nested deployments deeper than 16 levels are not followed",
            ),
            (
                NoteKind::LinkPathUnknown,
                "the linked template's relativePath is not known offline; its resources are not judged",
            ),
            (
                NoteKind::LinkIsUri,
                "the linked template is a URI, which cannot be read offline; its resources are not judged",
            ),
            (
                NoteKind::LinkIsTemplateSpec,
                "the linked template is a template spec, which cannot be read offline; its resources are not judged",
            ),
            (
                NoteKind::LinkCycle {
                    relative: "nested/vm.json".into(),
                },
                "linked template `nested/vm.json` is part of a link cycle; not followed again",
            ),
            (
                refused(LinkRefusal::NotFound),
                "linked template `nested/vm.json` does not exist; its resources are not judged",
            ),
            (
                refused(LinkRefusal::TooManyLinks { limit: 64 }),
                "linked template `nested/vm.json` is beyond the limit of 64 linked templates; its resources are not judged",
            ),
            (
                refused(LinkRefusal::OutsideRoots),
                "linked template `nested/vm.json` is outside the scanned roots and was not read; its resources are not judged",
            ),
            (
                refused(LinkRefusal::Unreadable {
                    error: "Permission denied (os error 13)".into(),
                }),
                "linked template `nested/vm.json` cannot be read: Permission denied (os error 13); its resources are not judged",
            ),
            (
                refused(LinkRefusal::TooLarge),
                "linked template `nested/vm.json` is larger than the size limit; its resources are not judged",
            ),
            (
                refused(LinkRefusal::Undecodable {
                    error: "invalid UTF-16".into(),
                }),
                "linked template `nested/vm.json` cannot be decoded: invalid UTF-16; its resources are not judged",
            ),
            (
                refused(LinkRefusal::Unparsable {
                    error: "expected `,`".into(),
                }),
                "linked template `nested/vm.json` cannot be parsed: expected `,`; its resources are not judged",
            ),
        ];
        for (kind, expected) in cases {
            assert_eq!(kind.to_string(), expected, "{kind:?}");
        }
    }
}
