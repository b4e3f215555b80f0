//! `--format json`: one versioned object `{version, tool, findings, resources, summary}`.

use std::io::Write as _;

use serde::Serialize;

use crate::findings::{ImageRef, Related, ResourceRef, Suppression, SuppressionKind};
use crate::report::{Report, Summary};
use crate::rules::Severity;

/// The version of the JSON output; bumped on incompatible changes.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a, F: Serialize> {
    version: u32,
    tool: Tool,
    /// The findings, each made as it is written ([`super::Streamed`]).
    findings: F,
    resources: &'a [crate::findings::ResourceEntry],
    summary: Summary,
}

/// The tool that wrote the report.
#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    rule: &'static str,
    name: &'static str,
    severity: Severity,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    resource: Option<&'a ResourceRef>,
    image: Option<&'a ImageRef>,
    /// The concrete next step, when one can be named.
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter_file: Option<&'a str>,
    related: &'a [Related],
    fingerprint: &'a str,
    /// `open` (it counts), `exempt` (an exemption or an inline comment covers it) or
    /// `baseline` (the baseline holds it).
    status: &'static str,
    /// Why it does not count (an exemption, the baseline), when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<&'a Suppression>,
    /// The change that resolves it, when one is safe (`imagegate check --fix` applies it).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a crate::findings::Fix>,
    /// Why there is no fix where the rule could give one.
    #[serde(skip_serializing_if = "Option::is_none")]
    no_fix: Option<&'a str>,
}

/// `--format json`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json;

impl super::Emitter for Json {
    fn emit(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        json(report, out)
    }
}

/// Writes the report as pretty-printed JSON (with a trailing newline).
pub(crate) fn json(report: &Report, writer: &mut dyn std::io::Write) -> std::io::Result<()> {
    let findings = super::Streamed(report.findings.iter().map(|f| FindingOut {
        rule: f.rule.id(),
        name: f.rule.name(),
        severity: f.severity,
        path: &f.location.path,
        line: f.location.line,
        column: f.location.column,
        end_line: f.location.end_line,
        end_column: f.location.end_column,
        message: &f.message,
        resource: f.resource.as_ref(),
        image: f.image.as_deref(),
        help: f.help.as_deref(),
        parameter_file: f.parameter_file.as_deref(),
        related: &f.related,
        fingerprint: &f.fingerprint,
        status: match f.suppression.as_ref().map(|s| s.kind) {
            None => "open",
            Some(SuppressionKind::Baseline) => "baseline",
            Some(SuppressionKind::Inline | SuppressionKind::Exemption) => "exempt",
        },
        suppression: f.suppression.as_deref(),
        fix: f.fix.as_deref(),
        no_fix: f.no_fix.as_deref(),
    }));
    let out = Output {
        version: JSON_VERSION,
        tool: Tool {
            name: "imagegate",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings,
        resources: &report.resources,
        summary: report.summary(),
    };
    // Written as it is serialised (a large report is never held whole), defused on the way.
    let mut defused = super::text::DefusedJson::new(writer);
    serde_json::to_writer_pretty(&mut defused, &out).map_err(std::io::Error::from)?;
    defused.write_all(b"\n")?;
    defused.finish().map(drop)
}
