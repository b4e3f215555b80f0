//! Findings: what a run found, and how each one is made.
//!
//! A [`Finding`] is made in one way, by a `FindingBuilder` started from its rule (the
//! registry's entry, `crate::rules`): where it is, what it says, what it is about; `build`
//! gives it the severity the rule's entry and the config decide, and its fingerprint. The
//! findings about resources are made while a deployment is judged (`judge`): every image of
//! every resource is judged, every resource rule checks each judged resource, and each
//! violation becomes a located finding pointing where a person changes it, with the rest of
//! the chain as related locations; every image-bearing resource also gets a [`ResourceEntry`]
//! with its status. The findings about the run itself (a file not read, a config not in
//! effect, an exemption's own state) are made where they are seen, with the same builder.
//!
//! Findings are located (path, line, column) inside the worker that read the file, so the
//! file's text can be dropped right after: memory stays flat as the repository grows. Data
//! flows one way: findings → `crate::suppress` (which of them do not count) →
//! `crate::report` (the run's report, its summary and its formats).

mod builder;
mod entry;
mod fix;
mod image_ref;
mod judge;
mod location;
mod merge;
mod relocate;
mod suggest;

pub(crate) use builder::{
    FindingBuilder, clipped, config_not_in_effect, fingerprint, parse_error, shared_image,
    unreadable_entry,
};
pub use entry::{DeployedEntry, ResourceEntry, ResourceEntryBody, Status, Tags};
pub use image_ref::{ImageParts, ImageRef, VersionKind};
pub(crate) use judge::{Exempt, Judgement, judge_deployment};
pub use location::{Excerpt, Location, Related, ResourceRef};
pub(crate) use merge::unique_fingerprints;
pub(crate) use relocate::{Embedding, relocate};
pub(crate) use suggest::suggest_from_repository;

use std::ops::Range;

use serde::Serialize;

use crate::config::{Config, LatentLevel, Mode};
use crate::rules::{Rule, Severity};

/// What to keep of each finding besides its location.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Detail {
    /// Keep the source lines around each finding (the human format shows them).
    pub excerpts: bool,
}

/// One finding: its parts ([`FindingBody`]) in one allocation, read and written through it
/// (`finding.message`). A run keeps every finding until its report is written, in its file's
/// outcome and then in the report: gathered, sorted and deduplicated as one pointer each,
/// never as two copies of every finding in place.
#[derive(Clone, PartialEq, Eq)]
pub struct Finding(Box<FindingBody>);

impl std::ops::Deref for Finding {
    type Target = FindingBody;

    fn deref(&self) -> &FindingBody {
        &self.0
    }
}

impl std::ops::DerefMut for Finding {
    fn deref_mut(&mut self) -> &mut FindingBody {
        &mut self.0
    }
}

impl From<FindingBody> for Finding {
    fn from(body: FindingBody) -> Finding {
        Finding(Box::new(body))
    }
}

impl std::fmt::Debug for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a [`Finding`] is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingBody {
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
    pub excerpt: Option<Box<Excerpt>>,
    /// The resource, if the finding is about one.
    pub resource: Option<ResourceRef>,
    /// The parameter file whose values were used, if any.
    pub parameter_file: Option<String>,
    /// The rest of the chain.
    pub related: Vec<Related>,
    /// The image the finding is about, if it is about one (JSON `image`).
    pub image: Option<std::sync::Arc<ImageRef>>,
    /// The concrete next step, when one can be named (the closest approved entry, the
    /// parameter to set, the version to pin); else the rule's fix title is the advice. Shared
    /// ([`builder::shared`]): the findings of one rule mostly give the same advice, and a
    /// run over a large estate keeps tens of thousands of findings until they are sorted.
    pub help: Option<std::sync::Arc<str>>,
    /// Stable identity of what the finding is about (not its position): rule, file, resource,
    /// image and parameter file.
    pub fingerprint: String,
    /// A change that would resolve the finding, when one can be computed (none yet; no format
    /// shows it). Boxed: most findings have none.
    pub fix: Option<Box<Fix>>,
    /// Why there is no fix where its rule could give one (no snapshot names a version to pin,
    /// the image is built by an expression), so that a missing fix is never silent.
    pub no_fix: Option<String>,
    /// Why the finding does not count, when it is suppressed (none yet; no format shows it).
    pub suppression: Option<Box<Suppression>>,
    /// Whether it is about a resource that the parameter defaults leave out by a condition a
    /// deployer can make true (a latent resource): its severity is decided by `[judge]
    /// latent` too (`findings::latent_severity`).
    pub latent: bool,
}

/// A suggested change that resolves a finding: what it does, and the text edits that do it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, as a short imperative sentence (the rule's fix title, or a more
    /// specific one).
    pub title: String,
    /// The edits, applied together; none overlap.
    pub edits: Vec<Edit>,
    /// The literals of image IDs the edits change, which other images may use too: the fix
    /// stands only when each image that uses one has a fix that edits it (`fix::settle`).
    #[serde(skip)]
    pub(crate) guards: Vec<crate::source::Span>,
}

/// One text edit of a [`Fix`]: bytes of a file replaced by new text (an insertion when the
/// range is empty, a deletion when the replacement is).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// The text replaced: its file, as displayed (relative to the working directory, forward
    /// slashes; it may differ from the finding's: a parameter file's value, say), and where
    /// in it (lines and columns, 1-based).
    #[serde(flatten)]
    pub location: Location,
    /// The byte range replaced, in the file's text as decoded (UTF-8).
    #[serde(skip)]
    pub bytes: Range<u32>,
    /// The new text.
    pub replacement: String,
    /// The text replaced, as written (what a summary shows the suggestion against).
    #[serde(skip)]
    pub original: String,
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

/// The severity of `rule`'s findings under `config`, or `None` when `[rules]` turns the rule
/// off: the level `[rules]` sets, else the rule's document's; in audit mode an image rule's
/// error is a warning (audit reports and never blocks on images; a file that cannot be read,
/// IG000, stays an error). The one place a finding's severity is decided.
pub(crate) fn severity(rule: Rule, config: &Config) -> Option<Severity> {
    let severity = match config.level(rule) {
        Some(level) => level.severity()?,
        None => rule.severity(),
    };
    let image_rule = rule.resource_rule().is_some();
    Some(match (config.mode, severity) {
        (Mode::Audit, Severity::Error) if image_rule => Severity::Warning,
        (_, severity) => severity,
    })
}

/// The severity of a finding about a latent resource whose rule's severity under `config` is
/// `severity`: an error is a warning unless `[judge] latent = "error"`.
pub(crate) fn latent_severity(severity: Severity, config: &Config) -> Severity {
    match (config.latent, severity) {
        (LatentLevel::Warning, Severity::Error) => Severity::Warning,
        (_, severity) => severity,
    }
}

/// Gives every finding of the run the severity `config` decides ([`severity`]) and drops
/// those of rules it turns off: for the findings made while files are read (IG000), which
/// are made before any config is consulted.
pub(crate) fn apply_severities(findings: &mut Vec<Finding>, config: &Config) {
    if config.rules.is_empty() {
        return;
    }
    findings.retain_mut(|f| match severity(f.rule, config) {
        Some(s) => {
            f.severity = if f.latent {
                latent_severity(s, config)
            } else {
                s
            };
            true
        }
        None => false,
    });
}

/// The effective severity of every rule under `config` (`None`: turned off), in rule order:
/// what SARIF's rule descriptors and the reports' config summary show.
pub(crate) fn rule_severities(config: &Config) -> Vec<(Rule, Option<Severity>)> {
    Rule::ALL
        .iter()
        .map(|&r| (r, severity(r, config)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run keeps every finding and resource entry until its report is written (two copies
    /// of each in place while the files' are gathered into the report): what each holds in
    /// place must stay small. The rarely set parts are boxed, the repeated ones shared; a
    /// field added in place beyond these bounds is a decision to make here, with the memory
    /// of a large run measured (BENCHMARKS.md, "Memory flat in findings").
    #[test]
    fn findings_and_resource_entries_stay_small_in_place() {
        use std::mem::size_of;
        assert_eq!(size_of::<Finding>(), size_of::<usize>());
        assert!(
            size_of::<FindingBody>() <= 352,
            "{}",
            size_of::<FindingBody>()
        );
        assert!(size_of::<Related>() <= 56, "{}", size_of::<Related>());
        assert_eq!(size_of::<ResourceEntry>(), size_of::<usize>());
        assert!(
            size_of::<ResourceEntryBody>() <= 248,
            "{}",
            size_of::<ResourceEntryBody>()
        );
    }

    #[test]
    fn audit_mode_turns_errors_into_warnings() {
        let [parse, unapproved, unresolved, unpinned] =
            ["IG000", "IG001", "IG002", "IG003"].map(|id| Rule::find(id).expect("registered"));
        let deny = Config::embedded();
        let audit = Config {
            mode: Mode::Audit,
            ..Config::embedded()
        };
        assert_eq!(severity(unapproved, &deny), Some(Severity::Error));
        assert_eq!(severity(unapproved, &audit), Some(Severity::Warning));
        for rule in [unresolved, unpinned] {
            assert_eq!(severity(rule, &deny), Some(Severity::Warning));
            assert_eq!(severity(rule, &audit), Some(Severity::Warning));
        }
        assert_eq!(severity(parse, &deny), Some(Severity::Error));
        assert_eq!(severity(parse, &audit), Some(Severity::Error));
    }

    #[test]
    fn the_config_sets_a_rules_severity_or_turns_it_off() {
        use crate::config::Level;
        let [parse, unresolved, unpinned] =
            ["IG000", "IG002", "IG003"].map(|id| Rule::find(id).expect("registered"));
        let mut config = Config::embedded();
        config.rules = vec![
            (parse, Level::Warning),
            (unresolved, Level::Error),
            (unpinned, Level::Off),
        ];
        assert_eq!(severity(unresolved, &config), Some(Severity::Error));
        assert_eq!(severity(unpinned, &config), None);
        assert_eq!(severity(parse, &config), Some(Severity::Warning));
        // Audit mode still never blocks on an image.
        config.mode = Mode::Audit;
        assert_eq!(severity(unresolved, &config), Some(Severity::Warning));
        assert_eq!(severity(unpinned, &config), None);
        let all = rule_severities(&config);
        assert_eq!(all.len(), Rule::ALL.len());
        assert!(all.contains(&(unpinned, None)));
    }
}
