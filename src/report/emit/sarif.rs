//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and editors read it.
//!
//! The structs are ours (a small subset of the standard); the output is validated against the
//! official schema in the tests.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::{Location, Report};
use crate::rules::{Rule, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
    properties: RunProperties,
}

/// The run's property bag: the config in effect.
#[derive(Serialize)]
struct RunProperties {
    config: crate::report::ConfigInEffect,
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
    information_uri: &'static str,
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
    help_uri: String,
    default_configuration: Configuration,
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

/// Percent-encodes what a relative URI reference cannot hold as is.
fn uri_path(path: &str) -> String {
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

/// Writes the report as a SARIF 2.1.0 log (pretty-printed, trailing newline).
pub fn sarif(report: &Report, writer: &mut dyn std::io::Write) -> std::io::Result<()> {
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
                help_uri: r.help_uri(),
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
            }
        })
        .collect();
    let results = report
        .findings
        .iter()
        .map(|f| SarifResult {
            rule_id: f.rule.id(),
            rule_index: Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0),
            level: level(f.severity),
            message: Text {
                text: f.message.clone(),
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
                        text: r.message.clone(),
                    }),
                })
                .collect(),
            partial_fingerprints: BTreeMap::from([("imagegate/v1", f.fingerprint.clone())]),
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "imagegate",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/imagegate/imagegate",
                    rules,
                },
            },
            column_kind: "utf16CodeUnits",
            results,
            properties: RunProperties {
                config: report.config.clone(),
            },
        }],
    };
    let text = serde_json::to_string_pretty(&log).map_err(std::io::Error::from)?;
    writer.write_all(super::defused_json(text).as_bytes())?;
    writer.write_all(
        b"
",
    )
}

/// The first paragraph after the "What it does" heading.
fn first_paragraph(body: &str) -> String {
    body.lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
