//! The run's report: its findings and resource entries (made by `crate::findings`, with
//! what `crate::suppress` decided of them), sorted and de-duplicated, the configuration in
//! effect, what a baseline gave, and the summary every format shows.

pub mod emit;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::findings::{Finding, ResourceEntry, Status, SuppressionKind, unique_fingerprints};
use crate::rules::{Rule, Severity};

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
    /// The SHA-256 of the config file's bytes as read, in lowercase hex (absent for the
    /// embedded default): a caller that restored a policy (the GitHub Action, the base
    /// branch's) tells from it that the run read exactly that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
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
            sha256: None,
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
    /// Notes about the run (skipped files, budgets), for stderr, sorted.
    pub notes: Vec<crate::note::Note>,
    /// The configuration in effect.
    pub config: ConfigInEffect,
    /// The baseline the findings were compared with (`--baseline`), and what it gave.
    pub baseline: Option<BaselineOutcome>,
    /// The findings exemption comments exempted, each resource's own (before findings are
    /// merged): what `--write-trusted-exemptions` records.
    pub exempted_by_comments: Vec<crate::suppress::TrustedEntry>,
    /// The files the report is about, as displayed, when the run was over named files (or
    /// standard input); `None`: everything walked.
    pub(crate) scope: Option<foldhash::HashSet<String>>,
    /// How many of the judged files are of each kind (`templates` in all, but for files whose
    /// kind is not known: nothing lowered from a file of an unknown extension).
    pub kinds: BTreeMap<SourceKind, usize>,
    /// Files the walk found that no frontend reads (Terraform sources), by kind: counted, never
    /// read, and told with how to have them judged.
    pub unread: Vec<UnreadFiles>,
    /// The fixes of the findings of compiled templates set aside as faithful builds of a
    /// source judged instead (in no output): `--fix` makes them with the source's, so that a
    /// committed build stays faithful to its fixed source.
    pub set_aside_fixes: Vec<crate::findings::Fix>,
}

/// Files of one kind the walk found and no frontend reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadFiles {
    /// What one such file is (`Terraform source file`).
    pub what: &'static str,
    /// Their extension, without the dot.
    pub extension: &'static str,
    /// How many the walk found.
    pub count: usize,
    /// How to have what they deploy judged.
    pub hint: &'static str,
    /// The kind of judged file that reads them beside it (to locate its findings in them).
    pub read_with: SourceKind,
    /// What is said instead of `hint` when the run judged files of that kind.
    pub beside: &'static str,
}

impl UnreadFiles {
    /// One sentence: how many, and how to have them judged, or (when the run judged files
    /// that read them beside them, `kinds`) that they are judged through those.
    pub fn describe(&self, kinds: &BTreeMap<SourceKind, usize>) -> String {
        let plural = if self.count == 1 { "" } else { "s" };
        if kinds.contains_key(&self.read_with) {
            return format!(
                "{} {}{plural} (.{}) not judged on their own: {}",
                self.count, self.what, self.extension, self.beside
            );
        }
        format!(
            "{} {}{plural} (.{}) not read: {}",
            self.count, self.what, self.extension, self.hint
        )
    }
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
    /// The SHA-256 of its bytes as read, in lowercase hex: a caller that restored it (the
    /// GitHub Action, the base branch's) tells from it that the run read exactly that.
    pub sha256: String,
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
    /// fingerprint unique (`findings::unique_fingerprints`). Findings are merged per file,
    /// where what they cover is known (`crate::findings`); this is what only the whole run
    /// sees.
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
        // A finding is the named file's when it is located there, its resource is declared
        // there, its chain passes there, or it was found with values from it (a named
        // parameter file: the context it decides).
        self.findings.retain(|f| {
            shown.contains(&*f.location.path)
                || f.parameter_file.as_ref().is_some_and(|p| shown.contains(p))
                || f.resource
                    .as_ref()
                    .is_some_and(|r| shown.contains(&*r.declared_in))
                || f.related.iter().any(|r| shown.contains(&*r.location.path))
        });
        // A resource is the named file's when declared there, judged with values from it (a
        // named parameter file), or deployed through it (a module or linked template it calls).
        self.resources.retain(|r| {
            shown.contains(&*r.path)
                || r.parameter_file.as_ref().is_some_and(|p| shown.contains(p))
                || r.deployed_through.iter().any(|p| shown.contains(&**p))
        });
    }

    /// Adds what another run of the same config found (an audit of exports beside a check of
    /// templates, for one report), sorted again.
    pub fn absorb(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.resources.extend(other.resources);
        self.exempted_by_comments.extend(other.exempted_by_comments);
        self.files_scanned += other.files_scanned;
        self.templates += other.templates;
        self.notes.extend(other.notes);
        self.unread.extend(other.unread);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Detail, FindingBuilder};
    use crate::source::{Encoding, SourceFile};

    #[test]
    fn the_compliance_percentage_never_rounds_up_to_compliant() {
        let entry = |status| {
            ResourceEntry::bare(
                "a.json",
                1,
                "Microsoft.Compute/virtualMachines",
                "vm",
                status,
            )
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

    #[test]
    fn two_findings_never_share_a_fingerprint_and_moving_lines_changes_nothing() {
        let finding = |line: u32, message: &str, print: &str| {
            let text = "x\n".repeat(line as usize);
            let file = SourceFile::new("a.json".into(), "a.json".into(), text, Encoding::Utf8);
            let at = (line - 1) * 2;
            let mut f = FindingBuilder::new(Rule::ALL[1], &file, at..at + 1, Detail::default())
                .message(message)
                .build();
            f.fingerprint = print.into();
            f
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
}
