//! `--format github`: GitHub Actions workflow commands, one per finding.

use std::fmt::Write as _;

use crate::report::Report;
use crate::rules::Severity;

/// Renders the findings as `::error file=…,line=…::message` commands, then the human summary
/// line (counts and the config in effect) as a plain log line.
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let l = &f.location;
        let mut props = format!("file={},line={}", property(&l.path), l.line);
        if l.line == l.end_line {
            let _ = write!(props, ",col={},endColumn={}", l.column, l.end_column);
        } else {
            let _ = write!(props, ",endLine={}", l.end_line);
        }
        let title = format!("{} ({})", f.rule.id(), f.rule.name());
        let _ = writeln!(
            out,
            "::{command} {props},title={}::{}",
            property(&title),
            data(&f.message)
        );
    }
    // Not a command: the workflow log shows it as is.
    let summary = super::human::summary_line(report);
    let _ = writeln!(out, "imagegate: {}", super::visible(&summary));
    out
}

/// Escapes a command's message (template-controlled text: hidden characters are written
/// visibly first, so nothing can end the line and start a command of its own).
fn data(s: &str) -> String {
    super::visible(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        // A line break in template-controlled text is shown, never a new log line.
        assert_eq!(data("50% a\nb"), "50%25 a\\u{a}b");
        assert!(!data("x\r\n::error::forged").contains(['\n', '\r']));
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
