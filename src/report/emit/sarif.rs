//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and editors read it.
//!
//! The structs are ours (a small subset of the standard); the output is validated against the
//! official schema in the tests.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::findings::{Location, SuppressionKind};
use crate::report::Report;
use crate::rules::{Rule, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<R: Serialize> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<R>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<R: Serialize> {
    tool: Tool,
    automation_details: AutomationDetails,
    column_kind: &'static str,
    /// The results, each made as it is written ([`super::Streamed`]).
    results: R,
    properties: RunProperties,
}

/// What the run is, for GitHub code scanning: `id` is `category/`, the category under which
/// its alerts are kept apart from other tools' (SARIF §3.17.4).
#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

/// The run's category when none is given (`automationDetails.id` is it and a `/`):
/// deterministic, so one run's alerts replace the previous run's.
pub const DEFAULT_CATEGORY: &str = "imagegate";

/// The run's property bag: the config in effect.
#[derive(Serialize)]
struct RunProperties {
    config: crate::report::ConfigInEffect,
    /// What the run read and judged: a consumer (the GitHub Action) tells a run over nothing
    /// from a clean one.
    summary: RunSummary,
}

/// The counts of [`RunProperties::summary`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunSummary {
    files_scanned: usize,
    templates: usize,
    resources_judged: usize,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<RuleDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Markdown,
    default_configuration: Configuration,
    properties: RuleProperties,
}

/// A rule's property bag, as GitHub code scanning reads it: `tags` (`security` files its
/// alerts as security alerts) and `security-severity` (ranks them: critical, high, medium,
/// low). Both come from the rule's document.
#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Markdown {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    /// `Some(false)` for a rule the config turns off.
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    /// Why the result does not count (§3.27.23): an exemption or the baseline.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    /// With a baseline (`--baseline`): `new`, or `unchanged` when the baseline holds it
    /// (§3.27.24).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    /// The change that resolves it, when one is safe (§3.55): what `check --fix` applies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

/// A fix (§3.55): its description and the changes to each file.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

/// The replacements in one file (§3.56).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

/// One replacement (§3.57): the region deleted and the text inserted there.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

/// A suppression (§3.35): `inSource` for a comment in the template, `external` for the
/// config's exemptions and the baseline; always `accepted`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
    #[serde(skip_serializing_if = "SuppressionProperties::is_empty")]
    properties: SuppressionProperties,
}

/// Where the exemption is written and when it expires.
#[derive(Serialize)]
struct SuppressionProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
}

impl SuppressionProperties {
    fn is_empty(&self) -> bool {
        self.source.is_none() && self.expires.is_none()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn physical(l: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri_path(&l.path),
            uri_base_id: (!l.path.starts_with('/')).then_some("%SRCROOT%"),
        },
        region: Region {
            start_line: l.line,
            start_column: l.column_utf16,
            end_line: l.end_line,
            end_column: l.end_column_utf16.max(if l.end_line == l.line {
                l.column_utf16
            } else {
                1
            }),
        },
    }
}

/// A finding's fix as SARIF says one: the edits of each file, in order.
fn sarif_fix(fix: &crate::findings::Fix) -> SarifFix {
    let mut changes: Vec<ArtifactChange> = Vec::new();
    for edit in &fix.edits {
        let at = physical(&edit.location);
        let replacement = Replacement {
            deleted_region: at.region,
            inserted_content: Text {
                text: edit.replacement.clone(),
            },
        };
        match changes
            .iter_mut()
            .find(|c| c.artifact_location.uri == at.artifact_location.uri)
        {
            Some(change) => change.replacements.push(replacement),
            None => changes.push(ArtifactChange {
                artifact_location: at.artifact_location,
                replacements: vec![replacement],
            }),
        }
    }
    SarifFix {
        description: Text {
            text: plain(&fix.title).into_owned(),
        },
        artifact_changes: changes,
    }
}

/// A finding's message followed by its concrete next step, when it has one ("… Fix: use …").
fn with_help(f: &crate::findings::Finding) -> std::borrow::Cow<'_, str> {
    match &f.help {
        Some(help) => format!("{}. Fix: {help}.", f.message).into(),
        None => f.message.as_str().into(),
    }
}

/// A result's message for SARIF: its text as a plain text message (§3.11.3), then one embedded
/// link (§3.11.6) per related location, to the related location with that `id` (`1`, `2`, …):
/// `… (see [parameter 'image'](2))`. Brackets in the text are escaped (`\[`, `\]`), so that
/// text a template controls can never form a link of its own.
fn linked_message(message: &str, related: &[crate::findings::Related]) -> String {
    let mut text = String::with_capacity(message.len() + 64 * related.len());
    push_plain(&mut text, message);
    for (i, r) in related.iter().enumerate() {
        text.push_str(if i == 0 { " (see [" } else { "; [" });
        push_plain(&mut text, &r.message);
        let _ = write!(text, "]({})", i + 1);
    }
    if !related.is_empty() {
        text.push(')');
    }
    text
}

/// Appends `text` as a SARIF plain text message: every `[` and `]` escaped with a backslash,
/// so that none starts or ends an embedded link (§3.11.6).
fn push_plain(out: &mut String, text: &str) {
    let mut copied = 0;
    for at in memchr::memchr2_iter(b'[', b']', text.as_bytes()) {
        out.push_str(&text[copied..at]);
        out.push('\\');
        copied = at;
    }
    out.push_str(&text[copied..]);
}

/// `text` as a SARIF plain text message (see [`push_plain`]).
fn plain(text: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr2(b'[', b']', text.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_plain(&mut out, text);
    std::borrow::Cow::Owned(out)
}

/// Percent-encodes what a relative URI reference cannot hold as is.
pub(super) fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

/// `--format sarif`, with the run's code-scanning category.
#[derive(Clone, Debug)]
pub struct Sarif {
    /// The category (`automationDetails.id` is it and a `/`): runs of different categories
    /// keep their alerts apart in code scanning (two policies over two folders, say).
    category: String,
}

impl Sarif {
    /// The SARIF format with `category` (`--sarif-category`).
    pub fn new(category: &str) -> Sarif {
        Sarif {
            category: category.to_string(),
        }
    }
}

impl Default for Sarif {
    fn default() -> Sarif {
        Sarif::new(DEFAULT_CATEGORY)
    }
}

impl super::Emitter for Sarif {
    fn emit(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        sarif(report, &self.category, out)
    }
}

/// Writes the report as a SARIF 2.1.0 log (pretty-printed, trailing newline) of `category`.
pub(crate) fn sarif(
    report: &Report,
    category: &str,
    writer: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let rules = Rule::ALL
        .iter()
        .map(|r| {
            let d = r.doc();
            RuleDescriptor {
                id: d.id,
                name: d.name,
                short_description: Text {
                    text: d.summary.to_string(),
                },
                full_description: Text {
                    text: first_paragraph(d.body),
                },
                help: Markdown {
                    text: d.body.to_string(),
                    markdown: d.body.to_string(),
                },
                default_configuration: match report.config.severity(*r) {
                    Some(severity) => Configuration {
                        enabled: None,
                        level: level(severity),
                    },
                    None => Configuration {
                        enabled: Some(false),
                        level: "none",
                    },
                },
                properties: RuleProperties {
                    tags: d.tags().collect(),
                    security_severity: d.security_severity,
                },
            }
        })
        .collect();
    let results = super::Streamed(report.findings.iter().map(|f| {
        SarifResult {
            rule_id: f.rule.id(),
            rule_index: Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0),
            level: level(f.severity),
            message: Text {
                text: linked_message(&with_help(f), &f.related),
            },
            locations: vec![SarifLocation {
                id: None,
                physical_location: physical(&f.location),
                message: None,
            }],
            related_locations: f
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| SarifLocation {
                    id: Some(i + 1),
                    physical_location: physical(&r.location),
                    message: Some(Text {
                        text: plain(&r.message).into_owned(),
                    }),
                })
                .collect(),
            partial_fingerprints: BTreeMap::from([("imagegate/v1", f.fingerprint.clone())]),
            suppressions: f
                .suppression
                .iter()
                .map(|s| SarifSuppression {
                    kind: match s.kind {
                        SuppressionKind::Inline => "inSource",
                        SuppressionKind::Exemption | SuppressionKind::Baseline => "external",
                    },
                    status: "accepted",
                    justification: s.justification.as_deref().map(|j| plain(j).into_owned()),
                    properties: SuppressionProperties {
                        source: s.source.clone(),
                        expires: s.expires.map(|d| d.to_string()),
                    },
                })
                .collect(),
            baseline_state: report.baseline.as_ref().map(|_| {
                match f.suppression.as_ref().map(|s| s.kind) {
                    Some(SuppressionKind::Baseline) => "unchanged",
                    _ => "new",
                }
            }),
            fixes: f.fix.iter().map(|fix| sarif_fix(fix)).collect(),
        }
    }));
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "imagegate",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: format!("{}/", category.trim_end_matches('/')),
            },
            column_kind: "utf16CodeUnits",
            results,
            properties: RunProperties {
                config: report.config.clone(),
                summary: {
                    let s = report.summary();
                    RunSummary {
                        files_scanned: s.files_scanned,
                        templates: s.templates,
                        resources_judged: s.resources_judged,
                    }
                },
            },
        }],
    };
    // Written as it is serialised (a large log is never held whole), defused on the way.
    let mut defused = super::text::DefusedJson::new(writer);
    serde_json::to_writer_pretty(&mut defused, &log).map_err(std::io::Error::from)?;
    std::io::Write::write_all(&mut defused, b"\n")?;
    defused.finish().map(drop)
}

/// The first paragraph after the "What it does" heading.
fn first_paragraph(body: &str) -> String {
    body.lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Related;

    fn related(message: &str) -> Related {
        Related {
            location: Location {
                path: "a.json".into(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
                column_utf16: 1,
                end_column_utf16: 1,
            },
            message: message.into(),
        }
    }

    #[test]
    fn messages_link_each_related_location_by_its_id() {
        assert_eq!(linked_message("m", &[]), "m");
        assert_eq!(
            linked_message("x [a] y", &[related("declared"), related("param [p](2)")]),
            r"x \[a\] y (see [declared](1); [param \[p\](2)](2))"
        );
        assert!(matches!(
            plain("no brackets"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
