//! Notes: what a run says about itself that is not a finding (a compiled template set aside, a
//! budget that cut a loop, a file not read), as data. Each stage that has something to say
//! makes a [`Note`] of a [`NoteKind`]; the command line groups them by kind, so that a run
//! over a hundred compiled templates does not hide the one budget that was reached behind
//! "101 notes".

use std::fmt;

/// A message about the run that is not a finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Note {
    /// The file it is about, as displayed (or the folder, for a walk's note).
    pub subject: String,
    /// Where in that file, when it is about a place: (line, column), 1-based.
    pub at: Option<(u32, u32)>,
    /// What kind of note it is: how it is grouped.
    pub kind: NoteKind,
    /// What it says, after its subject.
    pub text: String,
}

impl Note {
    /// A note of `kind` about `subject` (a displayed path) as a whole.
    pub fn new(kind: NoteKind, subject: impl Into<String>, text: impl Into<String>) -> Note {
        Note {
            subject: subject.into(),
            at: None,
            kind,
            text: text.into(),
        }
    }

    /// The same note about the place (`line`, `column`) of its subject.
    pub fn at(mut self, line: u32, column: u32) -> Note {
        self.at = Some((line, column));
        self
    }
}

impl fmt::Display for Note {
    /// `path: text`, or `path:line:column: text`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.subject, self.text),
            None => write!(f, "{}: {}", self.subject, self.text),
        }
    }
}

/// What a [`Note`] is about, in the order the groups are shown (what may change a verdict
/// first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoteKind {
    /// An evaluation stopped at a budget: what it did not reach is reported as unresolved.
    Budget,
    /// A linked template that links back to one being expanded, not followed again.
    LinkCycle,
    /// A file the run would have read that it did not (outside the roots, undecodable, a
    /// parameter file it extends that cannot be read).
    NotRead,
    /// A file read and set aside for what it is (not a parameter file, a parameter file for
    /// another template).
    Ignored,
    /// A rule of the walk that could not be honoured (an ignore file, a repository's index).
    Walk,
    /// A template that says it was compiled from a source that differs from it: both are
    /// reported.
    CompiledDiffers,
    /// A template compiled from a source that is judged instead (it finds everything the
    /// template does).
    CompiledSetAside,
    /// What an inventory export leaves out or does not say.
    Inventory,
}

impl NoteKind {
    /// Every kind, in the order groups are shown.
    pub const ALL: [NoteKind; 8] = [
        NoteKind::Budget,
        NoteKind::LinkCycle,
        NoteKind::NotRead,
        NoteKind::Ignored,
        NoteKind::Walk,
        NoteKind::CompiledDiffers,
        NoteKind::CompiledSetAside,
        NoteKind::Inventory,
    ];

    /// How a group of `count` notes of this kind is told in one line: "98 compiled templates
    /// set aside: the sources they were compiled from are judged instead".
    pub fn group(self, count: usize) -> String {
        let one = count == 1;
        let (singular, plural, what) = match self {
            NoteKind::Budget => (
                "budget reached",
                "budgets reached",
                "what was not reached is reported as unresolved",
            ),
            NoteKind::LinkCycle => (
                "link cycle",
                "link cycles",
                "each linked template is followed once",
            ),
            NoteKind::NotRead => ("file not read", "files not read", "see why with --verbose"),
            NoteKind::Ignored => (
                "file set aside",
                "files set aside",
                "not parameter files for the templates they were found for",
            ),
            NoteKind::Walk => (
                "walk rule not honoured",
                "walk rules not honoured",
                "more files may have been judged than the ignore files say",
            ),
            NoteKind::CompiledDiffers => (
                "compiled template differs from its source",
                "compiled templates differ from their sources",
                "both are reported",
            ),
            NoteKind::CompiledSetAside => (
                "compiled template set aside",
                "compiled templates set aside",
                "the sources they were compiled from are judged instead",
            ),
            NoteKind::Inventory => (
                "note on the inventory",
                "notes on the inventory",
                "entries left out or judged as written",
            ),
        };
        format!("{count} {}: {what}", if one { singular } else { plural })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_reads_with_its_place() {
        let note = Note::new(NoteKind::LinkCycle, "a.json", "linked template `b.json` …");
        assert_eq!(note.to_string(), "a.json: linked template `b.json` …");
        assert_eq!(
            note.at(3, 7).to_string(),
            "a.json:3:7: linked template `b.json` …"
        );
    }

    #[test]
    fn a_group_says_how_many_and_what_they_mean() {
        assert_eq!(
            NoteKind::CompiledSetAside.group(98),
            "98 compiled templates set aside: the sources they were compiled from are judged instead"
        );
        assert_eq!(
            NoteKind::Budget.group(1),
            "1 budget reached: what was not reached is reported as unresolved"
        );
        let mut kinds = NoteKind::ALL.to_vec();
        kinds.sort();
        assert_eq!(kinds, NoteKind::ALL, "shown in the order of the enum");
    }
}
