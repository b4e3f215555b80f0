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
    /// A template's evaluation used its whole step budget.
    StepBudgetExhausted {
        /// The budget.
        steps: u64,
    },
    /// A linked template that links back to one being expanded.
    LinkCycle {
        /// The link as written (resolved).
        relative: String,
    },
}

impl NoteKind {
    /// The group the note is shown in.
    pub fn group(&self) -> crate::note::NoteKind {
        match self {
            NoteKind::StepBudgetExhausted { .. } => crate::note::NoteKind::Budget,
            NoteKind::LinkCycle { .. } => crate::note::NoteKind::LinkCycle,
        }
    }
}

impl fmt::Display for NoteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoteKind::StepBudgetExhausted { steps } => write!(
                f,
                "evaluation stopped at its budget of {steps} steps; images that needed more are reported as unresolved"
            ),
            NoteKind::LinkCycle { relative } => write!(
                f,
                "linked template `{relative}` is part of a link cycle; not followed again"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_note_reads_as_before() {
        let cases = [
            (
                NoteKind::StepBudgetExhausted { steps: 1_000_000 },
                "evaluation stopped at its budget of 1000000 steps; images that needed more are reported as unresolved",
            ),
            (
                NoteKind::LinkCycle {
                    relative: "nested/vm.json".into(),
                },
                "linked template `nested/vm.json` is part of a link cycle; not followed again",
            ),
        ];
        for (kind, expected) in cases {
            assert_eq!(kind.to_string(), expected, "{kind:?}");
        }
    }
}
