//! Baselines: the findings a team accepted when it adopted imagegate, so that a run reports
//! only what is new.
//!
//! `--write-baseline FILE` records the run's findings that count by fingerprint (rule, file,
//! the resource's logical address, the normalised image, the parameter file: no line numbers,
//! so moving lines and reformatting change nothing); `--baseline FILE` marks the findings it
//! holds as suppressed (`baseline`: shown, counted, never failing the run) and lists its
//! entries that no finding matches any more (fixed). The file is sorted, pretty-printed JSON
//! without timestamps, so that it diffs well in review.
//!
//! Findings about the run itself (a file that cannot be parsed, a config not in effect, an
//! exemption's own state) are never recorded: a baseline accepts findings about resources.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::findings::{Finding, Suppression, SuppressionKind};
use crate::report::{BaselineEntry, BaselineOutcome, Report};

/// The version of the baseline format.
const VERSION: u32 = 1;

/// Largest baseline file read (64 MiB): a baseline is the repository's own file, but a bound
/// keeps a wrong path (a disk image, a device) from exhausting memory.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A baseline file's contents.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Format version.
    version: u32,
    /// `imagegate`.
    tool: String,
    /// The accepted findings, sorted.
    findings: Vec<BaselineEntry>,
}

/// Why a baseline cannot be used (the run cannot happen: exit 2).
#[derive(Debug)]
pub enum BaselineError {
    /// It cannot be read.
    Read(String, std::io::Error),
    /// It is not a baseline imagegate wrote.
    Invalid(String, String),
    /// It cannot be written.
    Write(String, std::io::Error),
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaselineError::Read(path, e) => write!(f, "cannot read the baseline {path}: {e}"),
            BaselineError::Invalid(path, why) => write!(
                f,
                "{path} is not an imagegate baseline: {why} (write one with --write-baseline)"
            ),
            BaselineError::Write(path, e) => {
                write!(f, "cannot write the baseline {path}: {e}")
            }
        }
    }
}

impl std::error::Error for BaselineError {}

/// A baseline as read (or just written): its entries and the SHA-256 of its bytes, which the
/// report shows (`summary.baseline.sha256`) so that a caller can tell which file was used.
#[derive(Debug)]
pub struct Baseline {
    /// The accepted findings.
    pub entries: Vec<BaselineEntry>,
    /// The SHA-256 of the file's bytes, in lowercase hex.
    pub sha256: String,
}

/// The baseline at `path` (shown as `shown`).
pub fn read(path: &Path, shown: &str) -> Result<Baseline, BaselineError> {
    let Some(bytes) = crate::source::read_at_most(path, MAX_BYTES, true)
        .map_err(|e| BaselineError::Read(shown.into(), e))?
    else {
        return Err(BaselineError::Invalid(
            shown.into(),
            "it is larger than 64 MiB".into(),
        ));
    };
    let file: File = serde_json::from_slice(&bytes)
        .map_err(|e| BaselineError::Invalid(shown.into(), e.to_string()))?;
    if file.version != VERSION || file.tool != "imagegate" {
        return Err(BaselineError::Invalid(
            shown.into(),
            format!(
                "version {} of tool `{}` (this imagegate reads version {VERSION})",
                file.version, file.tool
            ),
        ));
    }
    Ok(Baseline {
        entries: file.findings,
        sha256: crate::config::sha256_hex(&bytes),
    })
}

/// Marks the findings of `report` that `entries` hold as in the baseline (`shown` is the
/// baseline's path as displayed), and records the entries no finding matches: those about
/// files the run reported on (all of them, but in a run over named files).
pub fn apply(report: &mut Report, baseline: Baseline, shown: &str) {
    let Baseline { entries, sha256 } = baseline;
    let mut known: foldhash::HashMap<&str, bool> = entries
        .iter()
        .map(|e| (e.fingerprint.as_str(), false))
        .collect();
    let mut count = 0;
    for f in &mut report.findings {
        if !f.rule.exemptable() {
            continue;
        }
        let Some(seen) = known.get_mut(f.fingerprint.as_str()) else {
            continue;
        };
        // An entry whose finding an exemption now covers is not gone: the finding is there.
        *seen = true;
        if f.suppression.is_none() {
            count += 1;
            f.suppression = Some(Box::new(Suppression {
                kind: SuppressionKind::Baseline,
                justification: Some("accepted in the baseline".into()),
                source: Some(shown.to_string()),
                expires: None,
            }));
        }
    }
    let mut fixed: Vec<BaselineEntry> = entries
        .iter()
        .filter(|e| !known.get(e.fingerprint.as_str()).copied().unwrap_or(true))
        .filter(|e| report.reports_on(&e.path))
        .cloned()
        .collect();
    fixed.sort();
    fixed.dedup();
    report.baseline = Some(BaselineOutcome {
        file: shown.to_string(),
        sha256,
        known: count,
        fixed,
    });
}

/// The entry recording `finding`.
fn entry(finding: &Finding) -> BaselineEntry {
    BaselineEntry {
        path: finding.location.path.to_string(),
        rule: finding.rule.id().to_string(),
        resource: finding
            .resource
            .as_ref()
            .map(|r| format!("{}/{}", r.resource_type, r.name)),
        image: finding.image.as_ref().map(|i| i.display.clone()),
        fingerprint: finding.fingerprint.clone(),
    }
}

/// Writes the baseline of `report` to `path` (shown as `shown`): every finding about a
/// resource that counts or is already in a baseline (not those an exemption covers: the
/// exemption is their record, and its expiry must stay in force). Returns the baseline
/// written, for the run to apply without reading the file back.
pub fn write(report: &Report, path: &Path, shown: &str) -> Result<Baseline, BaselineError> {
    let mut findings: Vec<BaselineEntry> = report
        .findings
        .iter()
        .filter(|f| f.rule.exemptable())
        .filter(|f| {
            f.suppression
                .as_ref()
                .is_none_or(|s| s.kind == SuppressionKind::Baseline)
        })
        .map(entry)
        .collect();
    findings.sort();
    findings.dedup();
    let file = File {
        version: VERSION,
        tool: "imagegate".into(),
        findings,
    };
    let text = serde_json::to_string_pretty(&file)
        .map_err(|e| BaselineError::Write(shown.into(), e.into()))?;
    // What a pull request wrote (paths, names) must not reach a CI agent that prints the file.
    let mut text =
        crate::report::emit::defuse(&text, crate::report::emit::Syntax::Json).into_owned();
    text.push('\n');
    std::fs::write(path, &text).map_err(|e| BaselineError::Write(shown.into(), e))?;
    Ok(Baseline {
        entries: file.findings,
        sha256: crate::config::sha256_hex(text.as_bytes()),
    })
}
