//! `--format junit`: JUnit XML, which test dashboards read (Azure Pipelines'
//! `PublishTestResults@2` with `testResultsFormat: JUnit`, GitLab's `artifacts:reports:junit`,
//! Jenkins): one test suite per file; in it, a failing test case for each error-level finding
//! that counts, a passing one for each warning or note (the text in its output: these do not
//! fail the run either), and a passing one for each compliant or exempt resource, so the pass
//! rate a dashboard draws is the gate's.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::findings::Status;
use crate::report::Report;
use crate::rules::Severity;

/// `--format junit`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Junit;

impl super::Emitter for Junit {
    fn emit(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(junit(report).as_bytes())
    }
}

/// One test case: its name, line, and what failed (`failure`) or was said (`output`).
struct Case {
    name: String,
    line: u32,
    failure: Option<(String, &'static str, String)>,
    output: Option<String>,
}

/// The report as JUnit XML.
pub(crate) fn junit(report: &Report) -> String {
    let mut suites: BTreeMap<&str, Vec<Case>> = BTreeMap::new();
    for f in report.active() {
        let l = &f.location;
        let what = match &f.resource {
            Some(r) => format!("{} {} '{}'", f.rule.id(), r.resource_type, r.name),
            None => f.rule.id().to_string(),
        };
        let mut text = format!(
            "{}:{}:{}: {}[{}] {}",
            l.path,
            l.line,
            l.column,
            f.severity.as_str(),
            f.rule.id(),
            f.message
        );
        if let Some(help) = &f.help {
            let _ = write!(text, "\nhelp: {help}");
        }
        let case = Case {
            name: format!("{what} (line {})", l.line),
            line: l.line,
            failure: (f.severity == Severity::Error)
                .then(|| (f.message.clone(), f.rule.id(), text.clone())),
            output: (f.severity != Severity::Error).then_some(text),
        };
        suites.entry(&l.path).or_default().push(case);
    }
    for r in &report.resources {
        let verdict = match r.status {
            Status::Compliant => "compliant",
            Status::Exempt => "exempt",
            _ => continue,
        };
        let mut name = format!("{} '{}' is {verdict}", r.resource_type, r.name);
        if let Some(p) = &r.parameter_file {
            let _ = write!(name, " (with {p})");
        }
        suites.entry(&r.path).or_default().push(Case {
            name,
            line: r.line,
            failure: None,
            output: r.image.as_deref().map(str::to_owned),
        });
    }
    let tests: usize = suites.values().map(Vec::len).sum();
    let failures = |cases: &[Case]| cases.iter().filter(|c| c.failure.is_some()).count();
    let all_failures: usize = suites.values().map(|c| failures(c)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"imagegate\" tests=\"{tests}\" failures=\"{all_failures}\">"
    );
    if suites.is_empty() {
        // A run with nothing to say is one passing case, so the run shows in a dashboard.
        let summary = super::human::summary_line(report);
        let _ = writeln!(
            out,
            "  <testsuite name=\"imagegate\" tests=\"1\" failures=\"0\">\n    <testcase name=\"{}\" classname=\"imagegate\"/>\n  </testsuite>",
            xml(&summary)
        );
    }
    for (path, cases) in &suites {
        let path = xml(path);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{path}\" tests=\"{}\" failures=\"{}\">",
            cases.len(),
            failures(cases)
        );
        for c in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{path}\" file=\"{path}\" line=\"{}\"",
                xml(&c.name),
                c.line
            );
            if c.failure.is_none() && c.output.is_none() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            if let Some((message, rule, text)) = &c.failure {
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"{rule}\">{}</failure>",
                    xml(message),
                    xml_text(text)
                );
            }
            if let Some(text) = &c.output {
                let _ = writeln!(out, "      <system-out>{}</system-out>", xml_text(text));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    super::defuse(&out, super::Syntax::Text).into_owned()
}

/// Template-controlled text in an attribute: visible (no control character, which XML 1.0
/// cannot hold even escaped), then escaped.
fn xml(text: &str) -> String {
    escape(&super::visible(text))
}

/// Text of an element: each line visible and escaped, the lines kept.
fn xml_text(text: &str) -> String {
    text.split('\n').map(xml).collect::<Vec<_>>().join("\n")
}

/// The five characters XML escapes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_templates_is_escaped_and_visible() {
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;\\u{1}");
        assert_eq!(xml_text("a\nb<"), "a\nb&lt;");
    }
}
