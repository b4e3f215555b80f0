//! `--format azure`: Azure Pipelines logging commands, one `task.logissue` per finding
//! (<https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands#logissue-log-an-error-or-warning>),
//! which the agent shows on the run's summary and in the log at the file and line; then the
//! summary line, as plain log text.
//!
//! Only the command this format writes is a command: everything in it that comes from a
//! template (paths, names, values in messages) is written visibly ([`super::visible`]: control
//! characters as `\u{…}`, and the `[` of any `##vso[` or `##[`), then escaped as the agent
//! unescapes it: `%` as `%AZP25`, and in property values `;` as `%3B` and `]` as `%5D` (the
//! agent's `CommandStringConvertor`); no line break is left to start a line of its own.

use std::fmt::Write as _;

use crate::report::Report;
use crate::rules::Severity;

/// `--format azure`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Azure;

impl super::Emitter for Azure {
    fn emit(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(azure(report).as_bytes())
    }
}

/// The commands, then the summary line.
pub(crate) fn azure(report: &Report) -> String {
    let mut out = String::new();
    for f in report.active() {
        // The agent knows errors and warnings; a note is a warning that says it is one.
        let (kind, prefix) = match f.severity {
            Severity::Error => ("error", ""),
            Severity::Warning => ("warning", ""),
            Severity::Note => ("warning", "note: "),
        };
        let l = &f.location;
        let message = match &f.help {
            Some(help) => format!(
                "{prefix}{} ({}): {}. Fix: {help}.",
                f.rule.id(),
                f.rule.name(),
                f.message
            ),
            None => format!("{prefix}{} ({}): {}", f.rule.id(), f.rule.name(), f.message),
        };
        let _ = writeln!(
            out,
            "##vso[task.logissue type={kind};sourcepath={};linenumber={};columnnumber={};code={};]{}",
            property(&l.path),
            l.line,
            l.column,
            f.rule.id(),
            data(&message)
        );
    }
    // Not a command: the log shows it as is.
    let summary = super::human::summary_line(report);
    let _ = writeln!(out, "imagegate: {}", super::visible(&summary));
    out
}

/// Template-controlled text as a command's data: visible, with `%` escaped.
fn data(text: &str) -> String {
    super::visible(text).replace('%', "%AZP25")
}

/// Template-controlled text as a command's property value: [`data`], with `;` and `]`
/// escaped too.
fn property(text: &str) -> String {
    data(text).replace(';', "%3B").replace(']', "%5D")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_agent_unescapes() {
        assert_eq!(data("50% a\nb"), "50%AZP25 a\\u{a}b");
        assert_eq!(property("a;b]c%"), "a%3Bb%5Dc%AZP25");
        // A command in the data is shown, not run: its `[` is written visibly.
        assert!(!data("x ##vso[task.setvariable variable=A]b").contains("##vso["));
        assert!(!property("x\r\n##vso[task.complete]").contains(['\r', '\n']));
    }
}
