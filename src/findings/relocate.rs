//! What is found in a text embedded in an attribute of a host file, moved to the attribute.

use super::{Detail, Excerpt, Judgement, Location, Related};
use crate::source::{SourceMap, Span};

/// A text embedded in an attribute of a host file, judged as a file of its own: where the
/// attribute is, so that what is found in the text points where a person changes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Embedding<'a> {
    /// The name the text was judged under (the `path` of locations in it).
    pub(crate) display: &'a str,
    /// The attribute holding it, in the host's sources.
    pub(crate) host: Span,
    /// Where the host file itself holds it, when `host` is in another file (the source a
    /// person edits): kept as a related location.
    pub(crate) also: Option<Span>,
    /// What the text is, for messages ("the ARM template embedded in `template_content` of
    /// azurerm_resource_group_template_deployment.x").
    pub(crate) what: &'a str,
}

/// Moves every finding, related location, resource entry and note located in one of the
/// `embedded` texts to the host attribute that holds it (in `host`), saying in the message
/// where in the text it is: a line of a text held as an escaped string means nothing to the
/// person who edits the attribute.
pub(crate) fn relocate(
    judgement: &mut Judgement,
    embedded: &[Embedding<'_>],
    host: &SourceMap,
    detail: Detail,
) {
    let find = |path: &str| embedded.iter().find(|e| e.display == path);
    let place = |e: &Embedding<'_>| {
        let file = host.get(e.host.file);
        (file, Location::of(file, e.host.start, e.host.end))
    };
    for f in &mut judgement.findings {
        for r in &mut f.related {
            if let Some(e) = find(&r.location.path) {
                r.message = super::builder::shared(format!(
                    "{} (in {}, line {})",
                    r.message, e.what, r.location.line
                ));
                r.location = place(e).1;
            }
        }
        if let Some(e) = find(&f.location.path) {
            let (file, location) = place(e);
            f.message = format!("{} (in {}, line {})", f.message, e.what, f.location.line);
            f.location = location;
            f.bytes = e.host.start..e.host.end;
            f.excerpt = detail
                .excerpts
                .then(|| Box::new(Excerpt::of(file, e.host.start, e.host.end)));
            if let Some(also) = e.also {
                let held = host.get(also.file);
                f.related.push(Related {
                    location: Location::of(held, also.start, also.end),
                    message: super::builder::shared(format!(
                        "{}, as {} holds it",
                        e.what, held.display
                    )),
                });
            }
        }
    }
    for r in &mut judgement.resources {
        if let Some(e) = find(&r.path) {
            let location = place(e).1;
            r.path = location.path;
            r.line = location.line;
        }
    }
    for note in &mut judgement.notes {
        let Some(e) = find(&note.subject) else {
            continue;
        };
        let l = place(e).1;
        note.text = match note.at {
            Some((line, _)) => format!("{} (in {}, line {line})", note.text, e.what),
            None => format!("{} (in {})", note.text, e.what),
        };
        note.subject = l.path.to_string();
        note.at = Some((l.line, l.column));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{ResourceEntry, Status, parse_error};
    use crate::note::{Note, NoteKind};
    use crate::source::{Encoding, SourceFile};

    #[test]
    fn what_is_found_in_an_embedded_text_is_moved_to_its_host_attribute() {
        let mut host = SourceMap::default();
        let plan_text = "{\"a\":\n  \"embedded text\"}\n".to_string();
        let plan = host.add(SourceFile::new(
            "plan.json".into(),
            "plan.json".into(),
            plan_text,
            Encoding::Utf8,
        ));
        let inner = SourceFile::new(
            "x.content".into(),
            "x.content".into(),
            "{\n\n  bad".to_string(),
            Encoding::Utf8,
        );
        let finding = parse_error(
            &inner,
            Detail { excerpts: true },
            5..8,
            "cannot parse",
            "why",
        );
        let mut judgement = Judgement {
            findings: vec![finding],
            resources: vec![ResourceEntry::bare(
                "x.content",
                3,
                "T",
                "n",
                Status::NotJudged,
            )],
            notes: vec![
                Note::new(NoteKind::Budget, "x.content", "budget cut").at(3, 3),
                Note::new(NoteKind::LinkCycle, "x.content", "unlocated"),
                Note::new(NoteKind::LinkCycle, "other.json", "left alone").at(1, 1),
            ],
        };
        let embedding = Embedding {
            display: "x.content",
            host: Span::new(plan, 8, 23),
            also: None,
            what: "the text in `a` of x",
        };
        relocate(
            &mut judgement,
            &[embedding],
            &host,
            Detail { excerpts: true },
        );
        let f = &judgement.findings[0];
        assert_eq!(&*f.location.path, "plan.json");
        assert_eq!((f.location.line, f.location.column), (2, 3));
        assert_eq!(f.bytes, 8..23);
        assert!(
            f.message.ends_with(" (in the text in `a` of x, line 3)"),
            "{}",
            f.message
        );
        assert_eq!(f.excerpt.as_ref().map(|e| e.line_start), Some(2));
        let r = &judgement.resources[0];
        assert_eq!((&*r.path, r.line), ("plan.json", 2));
        assert_eq!(
            judgement
                .notes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "plan.json:2:3: budget cut (in the text in `a` of x, line 3)",
                "plan.json:2:3: unlocated (in the text in `a` of x)",
                "other.json:1:1: left alone",
            ]
        );
    }
}
