//! `--format gitlab`: a GitLab Code Quality report
//! (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>): a JSON
//! array of issues, each with a description, the rule as `check_name`, a fingerprint unique
//! in the report, a severity and the file and lines. Findings that do not count (exempted,
//! in the baseline) are left out, as from the GitHub format's annotations.

use serde::Serialize;

use crate::report::Report;
use crate::rules::Severity;

/// `--format gitlab`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gitlab;

impl super::Emitter for Gitlab {
    fn emit(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text = gitlab(report)?;
        out.write_all(text.as_bytes())
    }
}

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// The report as GitLab reads it (defused, as every JSON this tool prints).
pub(crate) fn gitlab(report: &Report) -> std::io::Result<String> {
    let mut seen = foldhash::HashSet::default();
    let issues: Vec<Issue<'_>> = report
        .active()
        .map(|f| {
            // GitLab needs each fingerprint once: findings that share one (the same image on
            // two lines of one resource) are told apart by their order, which is stable.
            let mut fingerprint = f.fingerprint.clone();
            let mut n = 1;
            while !seen.insert(fingerprint.clone()) {
                n += 1;
                fingerprint = format!("{}-{n}", f.fingerprint);
            }
            Issue {
                description: match &f.help {
                    Some(help) => format!("{}: {}. Fix: {help}.", f.rule.id(), f.message),
                    None => format!("{}: {}", f.rule.id(), f.message),
                },
                check_name: f.rule.id(),
                fingerprint,
                severity: match f.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Note => "info",
                },
                location: IssueLocation {
                    path: &f.location.path,
                    lines: Lines {
                        begin: f.location.line,
                        end: f.location.end_line,
                    },
                },
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).map_err(std::io::Error::from)?;
    text.push('\n');
    Ok(super::defuse(&text, super::Syntax::Json).into_owned())
}
