//! `--format human`: each finding with its source lines and a caret under the span (the style
//! of rustc and ruff), notes for the chain, and a one-line summary.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{masked, visible};
use crate::report::Report;
use crate::rules::Severity;

/// Renders the report for a person. `styled` adds ANSI colour.
pub fn human(report: &Report, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for f in &report.findings {
        let level = match f.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        // Template-controlled text never reaches the terminal raw.
        let path = visible(&f.location.path);
        let path = path.as_ref();
        let message = visible(&f.message);
        let label = visible(&f.label);
        let title = level
            .clone()
            .primary_title(message.as_ref())
            .id(f.rule.id());
        let origin = annotate_snippets::Origin::path(path)
            .line(f.location.line as usize)
            .char_column(f.location.column as usize);
        let source = f.excerpt.as_ref().map(|e| masked(&e.text));
        let mut group: Group<'_> = match (&f.excerpt, &source) {
            (Some(excerpt), Some(source)) => {
                let snippet = Snippet::source(source.as_ref())
                    .line_start(excerpt.line_start)
                    .fold(false)
                    .annotation(
                        AnnotationKind::Primary
                            .span(excerpt.range.clone())
                            .label(label.as_ref()),
                    );
                if excerpt.clipped {
                    // A window of a very long line: its columns are not the file's, so show
                    // the true location and the flagged text instead of a caret.
                    title.element(origin)
                } else {
                    title.element(snippet.path(path))
                }
            }
            _ => title.element(origin),
        };
        let flagged = f
            .excerpt
            .as_ref()
            .filter(|e| e.clipped)
            .map(|e| format!("{label}: {}", visible(&clip(&e.text[e.range.clone()]))));
        if let Some(text) = &flagged {
            group = group.element(Level::NOTE.message(text.as_str()));
        }
        let notes: Vec<String> = f
            .related
            .iter()
            .map(|r| {
                format!(
                    "{} ({}:{}:{})",
                    visible(&r.message),
                    visible(&r.location.path),
                    r.location.line,
                    r.location.column
                )
            })
            .collect();
        for n in &notes {
            group = group.element(Level::NOTE.message(n.as_str()));
        }
        let help = format!("see `imagegate rules {}`", f.rule.id());
        group = group.element(Level::HELP.message(help.as_str()));
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    out.push_str(&visible(&summary_line(report)));
    out.push('\n');
    out
}

/// Whether to colour the human output: only on a terminal, and never when `NO_COLOR` is set
/// to a non-empty value (<https://no-color.org>).
pub fn use_colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

fn clip(text: &str) -> String {
    const MAX: usize = 160;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// The last line: the counts, what was judged, and the config in effect.
pub(crate) fn summary_line(report: &Report) -> String {
    let s = report.summary();
    let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let errors = s.findings.get("error").copied().unwrap_or(0);
    let warnings = s.findings.get("warning").copied().unwrap_or(0);
    let scope = match s.compliance_percent {
        Some(percent) => format!(
            "Judged {} in {} ({} read): {percent}% compliant",
            count(s.resources_judged, "resource"),
            count(s.templates, "template"),
            count(s.files_scanned, "file"),
        ),
        // Nothing judged is not "100% compliant": say what was (not) found.
        None if s.templates == 0 => format!(
            "Nothing was judged: no ARM template or Terraform plan among the {} read",
            count(s.files_scanned, "file"),
        ),
        None => format!(
            "Nothing was judged: no image-bearing resource in {} ({} read)",
            count(s.templates, "template"),
            count(s.files_scanned, "file"),
        ),
    };
    let config = format!("Config: {}.", report.config.describe());
    let notes = s.findings.get("note").copied().unwrap_or(0);
    if errors + warnings + notes == 0 && s.compliance_percent.is_none() {
        format!("No findings. {scope}. {config}")
    } else if errors + warnings + notes == 0 {
        format!("All clear: no findings. {scope}. {config}")
    } else if notes == 0 {
        format!(
            "Found {} and {}. {scope}. {config}",
            count(errors, "error"),
            count(warnings, "warning")
        )
    } else {
        format!(
            "Found {}, {} and {}. {scope}. {config}",
            count(errors, "error"),
            count(warnings, "warning"),
            count(notes, "note")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::use_colour;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsStr::new(""))));
        assert!(!use_colour(true, Some(OsStr::new("1"))));
        assert!(!use_colour(false, None));
    }
}
