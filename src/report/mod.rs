//! Findings, resource statuses and the run's report; sorting, de-duplication and fingerprints.
//!
//! Findings are located (path, line, column) inside the worker that read the file, so the
//! file's text can be dropped right after: memory stays flat as the repository grows.

pub mod emit;
mod image_ref;

pub use image_ref::{ImageParts, ImageRef, VersionKind};

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use crate::rules::{Rule, Severity};
use crate::source::{LineCol, SourceFile};

/// A place in a file, 1-based.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Path relative to the working directory, forward slashes.
    pub path: String,
    /// First line.
    pub line: u32,
    /// First column (Unicode scalar values).
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just past the end (Unicode scalar values).
    pub end_column: u32,
    /// First column in UTF-16 code units (SARIF).
    #[serde(skip)]
    pub column_utf16: u32,
    /// End column in UTF-16 code units (SARIF).
    #[serde(skip)]
    pub end_column_utf16: u32,
}

impl Location {
    /// The location of bytes `start..end` of `file`.
    pub fn of(file: &SourceFile, start: u32, end: u32) -> Location {
        let a: LineCol = file.line_col(start);
        let b: LineCol = file.line_col(end.max(start));
        Location {
            path: file.display.clone(),
            line: a.line,
            column: a.column,
            end_line: b.line,
            end_column: b.column,
            column_utf16: a.column_utf16,
            end_column_utf16: b.column_utf16,
        }
    }
}

/// The source lines around a finding, for the human output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// Line number of the first line of `text`.
    pub line_start: usize,
    /// The lines (possibly a window of one long line).
    pub text: String,
    /// The byte range of the finding inside `text`.
    pub range: std::ops::Range<usize>,
    /// Whether `text` is a window of a longer line (its columns are not the file's).
    pub clipped: bool,
}

impl Excerpt {
    /// The excerpt for bytes `start..end` of `file`: the lines they cover (at most a few), or
    /// a window around `start` when the line is very long.
    pub fn of(file: &SourceFile, start: u32, end: u32) -> Excerpt {
        const MAX_LINES: usize = 8;
        const MAX_LINE: usize = 240;
        let first = file.line_index(start);
        let mut last = file.line_index(end.max(start));
        if last >= first + MAX_LINES {
            last = first;
        }
        let from = file.line_range(first).start;
        let to = file.line_range(last).end;
        let long = (first..=last).any(|i| file.line_range(i).len() > MAX_LINE);
        let (start, mut end) = (start as usize, (end as usize).max(start as usize));
        if !long {
            end = end.min(to);
            return Excerpt {
                line_start: first + 1,
                text: file.text[from..to].to_string(),
                range: start - from..end.max(start) - from,
                clipped: false,
            };
        }
        // A window of one long line around the start of the span.
        let line = file.line_range(first);
        let mut a = start.saturating_sub(60).max(line.start);
        let mut b = (start + 180).min(line.end);
        while !file.text.is_char_boundary(a) {
            a -= 1;
        }
        while !file.text.is_char_boundary(b) {
            b += 1;
        }
        let prefix = if a > line.start { "…" } else { "" };
        let suffix = if b < line.end { "…" } else { "" };
        let text = format!("{prefix}{}{suffix}", &file.text[a..b]);
        let offset = prefix.len();
        let end = end.min(b).max(start);
        Excerpt {
            line_start: first + 1,
            text,
            range: offset + start - a..offset + end - a,
            clipped: true,
        }
    }
}

/// A related location: another place in the chain (resource, image property, parameter).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Related {
    /// Where.
    #[serde(flatten)]
    pub location: Location,
    /// What it is.
    pub message: String,
}

/// The resource a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ResourceRef {
    /// Full resource type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Name (or address) as shown.
    pub name: String,
    /// The file that declares it, as shown (not in any output: a run over named files keeps
    /// the findings about resources declared in them).
    #[serde(skip)]
    pub declared_in: String,
}

/// What to keep of each finding besides its location.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Detail {
    /// Keep the source lines around each finding (the human format shows them).
    pub excerpts: bool,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// The severity after the mode is applied.
    pub severity: Severity,
    /// What is wrong, and why.
    pub message: String,
    /// A short label shown under the caret.
    pub label: String,
    /// Where a person changes it.
    pub location: Location,
    /// The byte range of that place in its file (`location.path`).
    pub bytes: Range<u32>,
    /// The source lines around it (only kept for the human format).
    pub excerpt: Option<Excerpt>,
    /// The resource, if the finding is about one.
    pub resource: Option<ResourceRef>,
    /// The parameter file whose values were used, if any.
    pub parameter_file: Option<String>,
    /// The rest of the chain.
    pub related: Vec<Related>,
    /// The image the finding is about, if it is about one (JSON `image`).
    pub image: Option<ImageRef>,
    /// The concrete next step, when one can be named (the closest approved entry, the
    /// parameter to set, the version to pin); else the rule's fix title is the advice.
    pub help: Option<String>,
    /// Stable identity of what the finding is about (not its position): rule, file, resource,
    /// image and parameter file.
    pub fingerprint: String,
    /// A change that would resolve the finding, when one can be computed (none yet; no format
    /// shows it).
    pub fix: Option<Fix>,
    /// Why the finding does not count, when it is suppressed (none yet; no format shows it).
    pub suppression: Option<Suppression>,
}

/// A suggested change that resolves a finding: what it does, and the text edits that do it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, as a short imperative sentence (the rule's fix title, or a more
    /// specific one).
    pub title: String,
    /// The edits, applied together; none overlap.
    pub edits: Vec<Edit>,
}

/// One text edit of a [`Fix`]: bytes of a file replaced by new text (an insertion when the
/// range is empty, a deletion when the replacement is).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The file, as displayed (relative to the working directory, forward slashes); it may
    /// differ from the finding's (a parameter file's value, say).
    pub path: String,
    /// The byte range replaced.
    pub bytes: Range<u32>,
    /// The new text.
    pub replacement: String,
}

/// Why a finding is suppressed: what suppressed it, and the reason given.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Suppression {
    /// What suppressed it.
    pub kind: SuppressionKind,
    /// The reason given, if any.
    pub justification: Option<String>,
    /// Where the exemption is written, `file:line` (the config's entry, the baseline file);
    /// `None` for an inline comment (on the line before the finding's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The last day the exemption holds, if it expires.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "date_text")]
    pub expires: Option<crate::date::Date>,
}

fn date_text<S: serde::Serializer>(
    date: &Option<crate::date::Date>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => serializer.serialize_str(&d.to_string()),
        None => serializer.serialize_none(),
    }
}

/// What can suppress a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// A comment in the source next to the finding.
    Inline,
    /// An exemption in the configuration (which may expire).
    Exemption,
    /// A baseline of findings accepted when imagegate was adopted.
    Baseline,
}

impl SuppressionKind {
    /// `inline`, `exemption` or `baseline`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Exemption => "exemption",
            SuppressionKind::Baseline => "baseline",
        }
    }
}

/// A resource's overall status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every image is approved.
    Compliant,
    /// At least one image is known and not approved.
    Noncompliant,
    /// At least one image cannot be determined (and none is known to be unapproved).
    Unresolved,
    /// Covered by an exemption.
    Exempt,
    /// No image to judge (an attached disk, or no image declared).
    NotJudged,
}

/// One image-bearing resource and what was found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ResourceEntry {
    /// File path.
    pub path: String,
    /// Line of the declaration.
    pub line: u32,
    /// The parameter file used, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_file: Option<String>,
    /// Full resource type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Name (or address).
    pub name: String,
    /// What the image was resolved to (`null` when none is declared).
    pub image: Option<String>,
    /// Each image, typed: its kind and parts (`[]` when none is declared).
    pub images: Vec<ImageRef>,
    /// The overall status.
    pub status: Status,
    /// The assumption this entry was judged under (a required parameter's allowed value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    /// Whether an approved image of it is at a deprecated version (IG004): compliant, but
    /// due for an update (the KPI report's "outdated").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub outdated: bool,
    /// For a deployed resource (an inventory export): where it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed: Option<DeployedEntry>,
    /// The name Azure knows it by, when known offline (drift matches declared and deployed
    /// resources by type and this name).
    #[serde(skip)]
    pub azure_name: Option<String>,
    /// Its tags whose names and values are known, by name as written (`{}` omitted): the
    /// owner tag the KPI report groups by, and what the tag rules read.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The files of the deployments it is deployed through (display paths, innermost
    /// first): a named file owns the resources its modules and links deploy.
    #[serde(skip)]
    pub deployed_through: Vec<String>,
}

/// Where a deployed resource runs (an inventory export's resource).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DeployedEntry {
    /// Its resource ID.
    pub id: String,
    /// Subscription ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// Resource group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Azure region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Power state, as the export gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_state: Option<String>,
}

/// The configuration a run used, as every report names it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfigInEffect {
    /// The config file, as displayed (relative to the working directory when below it);
    /// `None` (JSON `null`): the embedded default.
    pub path: Option<String>,
    /// `deny` or `audit`.
    pub mode: &'static str,
    /// The severities the config's `[rules]` sets, by rule id (`error`, `warning`, `note`,
    /// `off`).
    pub rules: BTreeMap<&'static str, &'static str>,
    /// The severity of every rule's findings in this run (`None`: turned off), in rule
    /// order: SARIF's rule descriptors show it.
    #[serde(skip)]
    pub severities: Vec<(Rule, Option<Severity>)>,
}

impl Default for ConfigInEffect {
    /// The embedded default: deny mode, every rule at its documented severity.
    fn default() -> Self {
        ConfigInEffect {
            path: None,
            mode: "deny",
            rules: BTreeMap::new(),
            severities: Rule::ALL.iter().map(|&r| (r, Some(r.severity()))).collect(),
        }
    }
}

impl ConfigInEffect {
    /// One phrase for a person: the file (or the embedded default), the mode and the
    /// `[rules]` settings, e.g. `imagegate.toml (deny mode; IG002 error)`.
    pub fn describe(&self) -> String {
        let mut settings = vec![format!("{} mode", self.mode)];
        settings.extend(self.rules.iter().map(|(id, level)| format!("{id} {level}")));
        format!(
            "{} ({})",
            self.path.as_deref().unwrap_or("the embedded default"),
            settings.join("; ")
        )
    }

    /// The severity of `rule`'s findings in this run (`None`: turned off).
    pub fn severity(&self, rule: Rule) -> Option<Severity> {
        self.severities
            .iter()
            .find(|(r, _)| *r == rule)
            .map_or(Some(rule.severity()), |(_, s)| *s)
    }
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Findings, sorted by path, position and rule.
    pub findings: Vec<Finding>,
    /// Image-bearing resources, sorted by path and line.
    pub resources: Vec<ResourceEntry>,
    /// How many files were read.
    pub files_scanned: usize,
    /// How many of them were templates (judged).
    pub templates: usize,
    /// Notes about the run (skipped files, budgets), for stderr.
    pub notes: Vec<String>,
    /// The configuration in effect.
    pub config: ConfigInEffect,
    /// The baseline the findings were compared with (`--baseline`), and what it gave.
    pub baseline: Option<BaselineOutcome>,
    /// The files the report is about, as displayed, when the run was over named files (or
    /// standard input); `None`: everything walked.
    pub(crate) scope: Option<foldhash::HashSet<String>>,
    /// How many of the judged files are of each kind (`templates` in all, but for files whose
    /// kind is not known: nothing lowered from a file of an unknown extension).
    pub kinds: BTreeMap<SourceKind, usize>,
}

/// One entry of a baseline file: a finding accepted when imagegate was adopted, identified by
/// its fingerprint (stable across line moves and reformatting), with what a person needs to
/// recognise it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, Serialize)]
pub struct BaselineEntry {
    /// The file of the finding, as displayed from the working directory when the baseline was
    /// written.
    pub path: String,
    /// Rule id.
    pub rule: String,
    /// The resource: `type/name` (or address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The image, as the report shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The finding's fingerprint.
    pub fingerprint: String,
}

/// What comparing a run with a baseline gave.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BaselineOutcome {
    /// The baseline file, as displayed.
    pub file: String,
    /// Findings of the run found in the baseline (suppressed, not counted).
    pub known: usize,
    /// Baseline entries no finding of the run matches: fixed (or moved out of the run's
    /// scope), sorted.
    pub fixed: Vec<BaselineEntry>,
}

/// What kind of infrastructure-as-code a judged file is: decided by the frontend that read
/// it (the model carries it), counted here.
pub use crate::model::SourceKind;

/// Counts for the summary.
#[derive(Debug, Serialize, PartialEq)]
pub struct Summary {
    /// Files read.
    pub files_scanned: usize,
    /// Files judged as infrastructure-as-code.
    pub templates: usize,
    /// Image-bearing resources judged (everything but not-judged).
    pub resources_judged: usize,
    /// Of those, compliant.
    pub compliant: usize,
    /// compliant / judged × 100, rounded down to one decimal (100 only when every resource is
    /// compliant); `None` (`null`) when nothing was judged: a run over nothing is not "100 %
    /// compliant".
    pub compliance_percent: Option<f64>,
    /// Findings by severity.
    pub findings: BTreeMap<&'static str, usize>,
    /// Findings by rule id.
    pub rules: BTreeMap<&'static str, usize>,
    /// Findings that do not count, by what suppressed them (`inline`, `exemption`,
    /// `baseline`): not in `findings` and `rules`, never failing the run.
    pub suppressed: BTreeMap<&'static str, usize>,
    /// Resources whose every unapproved or unresolved image is exempted (not compliant: the
    /// percentage does not count them).
    pub exempt: usize,
    /// What comparing with a baseline gave (`--baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineOutcome>,
    /// Whether every judged file was an inventory export (`imagegate audit`): the summary
    /// then speaks of exports, not templates.
    #[serde(skip)]
    pub exports_only: bool,
    /// The configuration in effect.
    pub config: ConfigInEffect,
}

impl Report {
    /// Sorts findings and resources; keeps one of the findings that say the same thing at the
    /// same place (one linked template reached from several walked files), and makes every
    /// fingerprint unique ([`unique_fingerprints`]). Findings are merged per file, where what
    /// they cover is known (`crate::findings`); this is what only the whole run sees.
    pub fn finish(&mut self) {
        use rayon::slice::ParallelSliceMut;
        let (findings, resources) = (&mut self.findings, &mut self.resources);
        rayon::join(
            || {
                findings.par_sort_by(|a, b| {
                    (&a.location, a.rule, &a.message, &a.fingerprint).cmp(&(
                        &b.location,
                        b.rule,
                        &b.message,
                        &b.fingerprint,
                    ))
                });
                // The least fingerprint is kept (sorted first).
                findings.dedup_by(|a, b| {
                    a.location == b.location && a.rule == b.rule && a.message == b.message
                });
                unique_fingerprints(findings);
            },
            // Sorted, never deduplicated: every entry counts (twenty thousand VMs declared
            // alike on one line are twenty thousand resources, not one).
            || resources.par_sort(),
        );
        self.notes.sort();
        self.notes.dedup();
    }

    /// Keeps the findings whose place, resource or chain (related locations: the hops, and
    /// the callers of a linked template) lies in one of the files shown as `shown`, and the
    /// resources declared in them or judged with their values (a run over named files).
    pub(crate) fn keep_files(&mut self, shown: &foldhash::HashSet<String>) {
        self.findings.retain(|f| {
            shown.contains(&f.location.path)
                || f.resource
                    .as_ref()
                    .is_some_and(|r| shown.contains(&r.declared_in))
                || f.related.iter().any(|r| shown.contains(&r.location.path))
        });
        // A resource is the named file's when declared there, judged with values from it (a
        // named parameter file), or deployed through it (a module or linked template it calls).
        self.resources.retain(|r| {
            shown.contains(&r.path)
                || r.parameter_file.as_ref().is_some_and(|p| shown.contains(p))
                || r.deployed_through.iter().any(|p| shown.contains(p))
        });
    }

    /// Adds what another run of the same config found (an audit of exports beside a check of
    /// templates, for one report), sorted again.
    pub fn absorb(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.resources.extend(other.resources);
        self.files_scanned += other.files_scanned;
        self.templates += other.templates;
        self.notes.extend(other.notes);
        for (kind, n) in other.kinds {
            *self.kinds.entry(kind).or_default() += n;
        }
        self.scope = match (self.scope.take(), other.scope) {
            (Some(mut a), Some(b)) => {
                a.extend(b);
                Some(a)
            }
            _ => None,
        };
        self.finish();
    }

    /// Whether the report is about the file shown as `path` (a run over named files is about
    /// those alone).
    pub fn reports_on(&self, path: &str) -> bool {
        self.scope.as_ref().is_none_or(|s| s.contains(path))
    }

    /// Whether any finding that counts (not exempted, not in the baseline) is an error.
    pub fn has_errors(&self) -> bool {
        self.active().any(|f| f.severity == Severity::Error)
    }

    /// The findings that count: neither exempted nor in the baseline.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_none())
    }

    /// The findings that do not count (exempted, or in the baseline).
    pub fn suppressed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_some())
    }

    /// The summary counts.
    pub fn summary(&self) -> Summary {
        let judged = self
            .resources
            .iter()
            .filter(|r| r.status != Status::NotJudged)
            .count();
        let compliant = self
            .resources
            .iter()
            .filter(|r| r.status == Status::Compliant)
            .count();
        let mut findings = BTreeMap::new();
        for s in [Severity::Error, Severity::Warning, Severity::Note] {
            findings.insert(s.as_str(), 0);
        }
        let mut rules = BTreeMap::new();
        let mut suppressed = BTreeMap::new();
        for kind in [
            SuppressionKind::Inline,
            SuppressionKind::Exemption,
            SuppressionKind::Baseline,
        ] {
            suppressed.insert(kind.as_str(), 0);
        }
        for f in &self.findings {
            match &f.suppression {
                Some(s) => *suppressed.entry(s.kind.as_str()).or_insert(0) += 1,
                None => {
                    *findings.entry(f.severity.as_str()).or_insert(0) += 1;
                    *rules.entry(f.rule.id()).or_insert(0) += 1;
                }
            }
        }
        let exempt = self
            .resources
            .iter()
            .filter(|r| r.status == Status::Exempt)
            .count();
        // Rounded down, so that one unapproved resource among thousands never reads as 100 %.
        let compliance_percent = (judged > 0).then(|| {
            let tenths = (compliant as u128 * 1000) / judged as u128;
            tenths as f64 / 10.0
        });
        Summary {
            files_scanned: self.files_scanned,
            templates: self.templates,
            resources_judged: judged,
            compliant,
            compliance_percent,
            findings,
            rules,
            suppressed,
            exempt,
            baseline: self.baseline.clone(),
            exports_only: !self.kinds.is_empty()
                && self.kinds.keys().all(|k| *k == SourceKind::Inventory),
            config: self.config.clone(),
        }
    }
}

/// Gives each finding that shares its fingerprint with another a fingerprint of its own, so
/// that code scanning never takes two findings for one alert: the one first by path, rule and
/// message (not by line, so that moving lines changes nothing) keeps it, each other one gets
/// the hash of it with its path, message and rank. Findings are merged so that this does not
/// happen; it is the guarantee.
fn unique_fingerprints(findings: &mut [Finding]) {
    let mut by_print: foldhash::HashMap<&str, Vec<usize>> = foldhash::HashMap::default();
    for (i, f) in findings.iter().enumerate() {
        by_print.entry(f.fingerprint.as_str()).or_default().push(i);
    }
    let mut shared: Vec<Vec<usize>> = by_print.into_values().filter(|v| v.len() > 1).collect();
    if shared.is_empty() {
        return;
    }
    shared.sort();
    let mut taken: foldhash::HashSet<String> =
        findings.iter().map(|f| f.fingerprint.clone()).collect();
    for mut group in shared {
        group.sort_by(|&a, &b| {
            let (a, b) = (&findings[a], &findings[b]);
            (&a.location.path, a.rule, &a.message).cmp(&(&b.location.path, b.rule, &b.message))
        });
        for (rank, &i) in group.iter().enumerate().skip(1) {
            let f = &findings[i];
            let mut salt = rank;
            let mut print;
            loop {
                print = fingerprint(&[
                    &f.fingerprint,
                    &f.location.path,
                    &f.message,
                    &salt.to_string(),
                ]);
                if taken.insert(print.clone()) {
                    break;
                }
                salt += 1;
            }
            findings[i].fingerprint = print;
        }
    }
}

/// A stable 64-bit FNV-1a hash of `parts`, as 16 hex digits.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for part in parts {
        for b in part.bytes().chain([0x1f]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x100000001b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_compliance_percentage_never_rounds_up_to_compliant() {
        let entry = |status| ResourceEntry {
            path: "a.json".into(),
            line: 1,
            parameter_file: None,
            resource_type: "Microsoft.Compute/virtualMachines".into(),
            name: "vm".into(),
            image: None,
            images: Vec::new(),
            status,
            assumption: None,
            outdated: false,
            deployed: None,
            azure_name: None,
            tags: BTreeMap::new(),
            deployed_through: Vec::new(),
        };
        let mut report = Report {
            resources: vec![entry(Status::Compliant); 10_000],
            ..Report::default()
        };
        report.resources.push(entry(Status::Noncompliant));
        assert_eq!(report.summary().compliance_percent, Some(99.9));
        report.resources.pop();
        assert_eq!(report.summary().compliance_percent, Some(100.0));
        report.resources = vec![
            entry(Status::Compliant),
            entry(Status::Unresolved),
            entry(Status::Unresolved),
        ];
        assert_eq!(report.summary().compliance_percent, Some(33.3));
    }

    use super::*;
    use crate::source::Encoding;

    #[test]
    fn fingerprints_are_stable() {
        assert_eq!(
            fingerprint(&["IG001", "a.json"]),
            fingerprint(&["IG001", "a.json"])
        );
        assert_ne!(
            fingerprint(&["IG001", "a.json"]),
            fingerprint(&["IG001a", ".json"])
        );
        // Pinned value: changing the algorithm changes every user's baseline.
        assert_eq!(fingerprint(&["IG001"]), "997df81412e1605d");
    }

    #[test]
    fn two_findings_never_share_a_fingerprint_and_moving_lines_changes_nothing() {
        let finding = |line: u32, message: &str, print: &str| Finding {
            rule: Rule::ALL[1],
            severity: Severity::Error,
            message: message.into(),
            label: String::new(),
            location: Location {
                path: "a.json".into(),
                line,
                column: 1,
                end_line: line,
                end_column: 2,
                column_utf16: 1,
                end_column_utf16: 2,
            },
            bytes: 0..1,
            excerpt: None,
            image: None,
            resource: None,
            parameter_file: None,
            related: Vec::new(),
            fingerprint: print.into(),
            fix: None,
            suppression: None,
            help: None,
        };
        let run = |lines: [u32; 4]| {
            let mut report = Report {
                findings: vec![
                    finding(lines[0], "b", "p"),
                    finding(lines[1], "a", "p"),
                    finding(lines[2], "c", "q"),
                    // The same thing at the same place, found twice: kept once.
                    finding(lines[3], "c", "r"),
                ],
                ..Report::default()
            };
            report.finish();
            let mut prints: Vec<(String, String)> = report
                .findings
                .iter()
                .map(|f| (f.message.clone(), f.fingerprint.clone()))
                .collect();
            prints.sort();
            prints
        };
        let prints = run([1, 2, 3, 3]);
        assert_eq!(prints.len(), 3);
        // The first by path, rule and message keeps its fingerprint; the least is kept of a
        // finding found twice.
        assert_eq!(prints[0], ("a".into(), "p".into()));
        assert_ne!(prints[1].1, "p");
        assert_eq!(prints[2], ("c".into(), "q".into()));
        // Lines moved (and their order swapped): the same fingerprints.
        assert_eq!(run([9, 4, 7, 7]), prints);
    }

    #[test]
    fn excerpt_windows_long_lines() {
        let long = format!("{{\"pad\": \"{}\", \"id\": \"x\"}}", "a".repeat(5000));
        let file = SourceFile::new("f".into(), "f".into(), long.clone(), Encoding::Utf8);
        let at = long.find("\"x\"").unwrap() as u32;
        let e = Excerpt::of(&file, at, at + 3);
        assert!(e.text.len() < 400);
        assert_eq!(&e.text[e.range.clone()], "\"x\"");
    }
}
