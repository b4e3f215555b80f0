//! Exemptions: which findings do not count, and why.
//!
//! Two sources, decided for each finding of a resource while its file is judged (so that a
//! resource whose findings are all exempted is reported `exempt`):
//!
//! * the config's `[[exempt]]` entries ([`crate::config::Exemption`]), matched by path glob,
//!   resource name or address, rule and image pattern, each with a reason and an optional
//!   expiry date, after which it exempts nothing and is reported (IG008);
//! * comments in the templates: `// imagegate-ignore IG001, IG003: reason` (`#` too in `.tf`
//!   files) on the line before the finding's line, its resource's first line or its image
//!   property's line; in Bicep also the language's own pragma, `#disable-next-line
//!   imagegate-IG001` (a reason may follow after `//`).
//!
//! An exempted finding keeps its severity and is never dropped: every format shows it as
//! exempted, with its justification, and the summary counts it; it does not fail the run.
//! An exemption that exempted nothing is reported (IG009), like ruff's unused `noqa`.
//!
//! Comments are written by the people the policy restrains. A run can be told which findings
//! comments may exempt ([`TrustedExemptions`], `--trusted-exemptions FILE`, a file written by
//! `--write-trusted-exemptions` from a trusted tree: on a pull request, the base branch): a
//! comment then exempts only the findings the trusted tree's comments exempted (by
//! fingerprint: rule, file, resource, image, parameter file), and a comment that would exempt
//! another is reported (IG009) as needing a reviewer's approval. A pull request can neither add
//! an exemption nor point an existing one at something else (another resource, another image).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::config::{Config, Exemption, TrustedExemptions};
use crate::date::Date;
use crate::findings::{Detail, Exempt, Finding, FindingBuilder, Suppression, SuppressionKind};
use crate::judge::wildcard_ignore_case as wildcard;
use crate::model::CommentSyntax;
use crate::rules::{self, Rule};
use crate::source::{FileId, SourceFile, SourceMap};

/// What decides exemptions in one run: the config's entries, whether comments exempt, the
/// day it is, and where paths are relative to.
#[derive(Debug, Clone)]
pub struct Exempter {
    /// The config's `[[exempt]]` entries.
    entries: Vec<Exemption>,
    /// Whether inline comments exempt.
    inline: bool,
    /// The config's folder, canonical: `path` globs are relative to it.
    base: PathBuf,
    /// The working directory, canonical: display paths are relative to it.
    cwd: PathBuf,
    /// Today.
    today: Date,
    /// The config file, as displayed, and the path its bytes are read from (`None`: the
    /// embedded default).
    config: Option<(String, PathBuf)>,
    /// The findings comments may exempt, when the run is told (`None`: all they cover).
    trusted: Option<std::sync::Arc<TrustedExemptions>>,
    /// The image factory's paths (`[approved] factory`), relative to `base`.
    factory: crate::judge::Factory,
}

impl Default for Exempter {
    /// Exempts nothing but what comments say (the embedded default's behaviour).
    fn default() -> Self {
        Exempter {
            entries: Vec::new(),
            inline: true,
            base: PathBuf::new(),
            cwd: PathBuf::new(),
            today: Date::from_days(0),
            config: None,
            trusted: None,
            factory: crate::judge::Factory::default(),
        }
    }
}

/// One finding an exemption comment exempted, as `--write-trusted-exemptions` records it:
/// its fingerprint (as decided, before findings about several resources are merged: each
/// resource's own), with what a person needs to recognise it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub struct TrustedEntry {
    /// The file of the finding, as displayed from the working directory.
    pub path: String,
    /// Rule id.
    pub rule: String,
    /// The resource: `type/name` (or address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The image, as the report shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The finding's fingerprint, as decided.
    pub fingerprint: String,
}

impl TrustedEntry {
    /// The entry recording `finding`.
    fn of(finding: &Finding) -> TrustedEntry {
        TrustedEntry {
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
}

/// The version of the trusted exemptions' format.
const TRUSTED_VERSION: u32 = 1;

/// Largest trusted-exemptions file read (64 MiB), as for a baseline: a wrong path (a device,
/// a disk image) must not exhaust memory.
const TRUSTED_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A trusted-exemptions file's contents.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TrustedFile {
    /// Format version.
    version: u32,
    /// `imagegate`.
    tool: String,
    /// The findings exemption comments exempted, sorted.
    exemptions: Vec<TrustedEntry>,
}

/// Reads the trusted exemptions at `path` (shown as `shown` in the error, which says why
/// the file cannot be used).
pub fn read_trusted(path: &Path, shown: &str) -> Result<TrustedExemptions, String> {
    let read = crate::source::read_at_most(path, TRUSTED_MAX_BYTES, true)
        .map_err(|e| format!("cannot read the trusted exemptions {shown}: {e}"))?;
    let invalid = |why: String| {
        format!(
            "{shown} is not a file of trusted exemptions: {why} (write one with --write-trusted-exemptions)"
        )
    };
    let Some(bytes) = read else {
        return Err(invalid("it is larger than 64 MiB".into()));
    };
    let parsed: TrustedFile = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
    if parsed.tool != "imagegate" || parsed.version != TRUSTED_VERSION {
        return Err(invalid(format!(
            "version {} of {}, not version {TRUSTED_VERSION} of imagegate",
            parsed.version, parsed.tool
        )));
    }
    Ok(TrustedExemptions::new(
        parsed.exemptions.into_iter().map(|e| e.fingerprint),
    ))
}

/// The trusted exemptions of a later run, from `entries` (what a run's comments exempted):
/// sorted, without duplicates, pretty-printed JSON (the caller writes it, defused for the CI
/// agent that may print it), and how many entries it holds.
pub fn trusted_text(entries: &[TrustedEntry]) -> std::io::Result<(String, usize)> {
    let mut exemptions = entries.to_vec();
    exemptions.sort();
    exemptions.dedup();
    let count = exemptions.len();
    let file = TrustedFile {
        version: TRUSTED_VERSION,
        tool: "imagegate".into(),
        exemptions,
    };
    let text = serde_json::to_string_pretty(&file).map_err(std::io::Error::from)?;
    Ok((text, count))
}

/// What one file's judgement saw of the exemptions: how often each `[[exempt]]` entry matched
/// (live and expired), and the comments met and whether they exempted anything.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Findings matched by each entry while in force, by entry index.
    matched: Vec<u32>,
    /// Findings matched by each entry after its expiry, by entry index.
    expired: Vec<u32>,
    /// The exemption comments met, by file and line.
    comments: Vec<CommentUse>,
    /// The findings comments exempted (what `--write-trusted-exemptions` records).
    exempted: Vec<TrustedEntry>,
}

/// One exemption comment met while judging a file.
#[derive(Clone, Debug)]
struct CommentUse {
    /// File (as displayed) and line.
    at: (String, u32),
    /// Whether it exempted a finding.
    used: bool,
    /// Its IG009, should no judgement use it.
    unused: Finding,
    /// Its IG009 when it would have exempted a finding the trusted exemptions do not hold.
    unapproved: Option<Finding>,
}

/// The exemptions of one judgement, as its findings are made ([`Exempt`]): the exempter, the
/// exemption comments of the judgement's files, and what they and the config's entries
/// matched. Made by [`Exempter::judging`]; [`Judging::finish`] gives what it saw.
#[derive(Debug)]
pub(crate) struct Judging<'a> {
    /// What decides.
    exempter: &'a Exempter,
    /// The comments of the judgement's files.
    comments: Vec<Comment>,
    /// What matched so far.
    tally: Tally,
}

impl Exempt for Judging<'_> {
    fn decide(&mut self, finding: &Finding, anchors: &[(FileId, u32)]) -> Option<Suppression> {
        self.exempter
            .decide(finding, anchors, &mut self.comments, &mut self.tally)
    }

    fn in_factory(&self, shown: &str) -> bool {
        self.exempter.in_factory(shown)
    }
}

impl Judging<'_> {
    /// What the judgement saw of the exemptions, its comments recorded with their IG009
    /// should no judgement of the run use them; `sources` are the judgement's files,
    /// `detail` what to keep of those findings.
    pub(crate) fn finish(self, sources: &SourceMap, detail: Detail) -> Tally {
        let mut tally = self.tally;
        self.exempter
            .keep_comments(self.comments, sources, detail, &mut tally);
        tally
    }
}

/// An exemption comment found in a file of a judgement.
#[derive(Debug, Clone)]
struct Comment {
    /// The file.
    file: FileId,
    /// Its bytes (the comment, from its marker to the end of the line).
    bytes: Range<u32>,
    /// The 1-based lines it covers (the code line after it, with Bicep decorators the
    /// declaration they decorate).
    covers: Range<u32>,
    /// The rules it names.
    rules: Vec<Rule>,
    /// The reason given.
    reason: Option<String>,
    /// Why it cannot exempt anything, if so.
    problem: Option<String>,
    /// Whether it exempted a finding.
    used: bool,
    /// The first finding it would have exempted but may not (the trusted exemptions do not
    /// hold it), as a phrase: `IG001 on `vm``.
    unapproved: Option<String>,
}

impl Exempter {
    /// The exempter of a run under `config`, from the canonical working directory `cwd`, on
    /// `today`.
    pub fn new(config: &Config, cwd: &Path, today: Date) -> Exempter {
        let config_path = config.path.as_deref();
        let base = config_path
            .and_then(Path::parent)
            .map(|p| {
                let p = if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                };
                crate::walk::canonical(&cwd.join(p))
            })
            .unwrap_or_else(|| cwd.to_path_buf());
        Exempter {
            entries: config.exemptions.clone(),
            inline: config.inline_exemptions,
            base,
            cwd: cwd.to_path_buf(),
            today,
            config: config_path.map(|p| {
                let bytes = config.read_from.as_deref().unwrap_or(p);
                (crate::walk::display_path(p, cwd), cwd.join(bytes))
            }),
            trusted: config.trusted_exemptions.clone(),
            factory: config.policy.factory.clone(),
        }
    }

    /// Whether the file shown as `shown` (relative to the working directory) lies in the
    /// image factory: a path below the config's folder that one of `[approved] factory`'s
    /// globs matches. A file outside the folder (a module read from the Bicep module cache)
    /// never does.
    pub(crate) fn in_factory(&self, shown: &str) -> bool {
        !self.factory.is_empty()
            && self
                .relative(shown)
                .is_some_and(|relative| self.factory.holds(&relative))
    }

    /// Whether a walk of `roots` (canonical) covers the config's folder, so that every file
    /// an entry could match was judged.
    pub fn covered_by(&self, roots: &[PathBuf]) -> bool {
        roots.iter().any(|root| self.base.starts_with(root))
    }

    /// The exemptions of a judgement of the files of `sources` (whose comments are written
    /// as `syntax` says, by file id), to decide as its findings are made.
    pub(crate) fn judging(&self, sources: &SourceMap, syntax: &[CommentSyntax]) -> Judging<'_> {
        Judging {
            exempter: self,
            comments: self.comments(sources, syntax),
            tally: Tally::default(),
        }
    }

    /// The comments of every file of `sources` that exempt findings (or look as if they
    /// did: those are reported when they cannot); `syntax` says how each file's comments are
    /// written (by file id; `//` only for a file past its end).
    fn comments(&self, sources: &SourceMap, syntax: &[CommentSyntax]) -> Vec<Comment> {
        let mut out = Vec::new();
        for i in 0..sources.len() {
            let id = FileId(i as u32);
            let file = sources.get(id);
            if !file.text.contains("imagegate") {
                continue;
            }
            let syntax = syntax.get(i).copied().unwrap_or(CommentSyntax::PLAIN);
            for mut comment in scan(file, id, syntax) {
                if !self.inline && comment.problem.is_none() {
                    comment.problem = Some(
                        "the config turns inline exemptions off (`inline_exemptions = false`)"
                            .into(),
                    );
                }
                out.push(comment);
            }
        }
        out
    }

    /// Whether `finding` is exempted, and by what: a comment of `comments` before one of the
    /// `anchors` (its file and 1-based line: where it points, its resource's first line, its
    /// image property's line), else the first `[[exempt]]` entry in force that matches it.
    /// Counts what matched in `tally`; marks the comment used.
    fn decide(
        &self,
        finding: &Finding,
        anchors: &[(FileId, u32)],
        comments: &mut [Comment],
        tally: &mut Tally,
    ) -> Option<Suppression> {
        if !finding.rule.exemptable() {
            return None;
        }
        let mut decided = None;
        let approved = self
            .trusted
            .as_ref()
            .is_none_or(|t| t.holds(&finding.fingerprint));
        for comment in comments.iter_mut() {
            let applies = comment.problem.is_none()
                && comment.rules.contains(&finding.rule)
                && anchors
                    .iter()
                    .any(|&(file, line)| file == comment.file && comment.covers.contains(&line));
            if applies && !approved {
                // Not the trusted tree's exemption: the finding stands, the comment is told.
                comment
                    .unapproved
                    .get_or_insert_with(|| unapproved_phrase(finding));
            } else if applies {
                comment.used = true;
                if decided.is_none() {
                    decided = Some(Suppression {
                        kind: SuppressionKind::Inline,
                        justification: comment.reason.clone(),
                        source: None,
                        expires: None,
                    });
                }
            }
        }
        if decided.is_some() {
            tally.exempted.push(TrustedEntry::of(finding));
        }
        if tally.matched.len() < self.entries.len() {
            tally.matched.resize(self.entries.len(), 0);
            tally.expired.resize(self.entries.len(), 0);
        }
        for (i, entry) in self.entries.iter().enumerate() {
            if !self.matches(entry, finding) {
                continue;
            }
            if entry.expires.is_some_and(|last| last < self.today) {
                tally.expired[i] += 1;
                continue;
            }
            tally.matched[i] += 1;
            if decided.is_none() {
                decided = Some(Suppression {
                    kind: SuppressionKind::Exemption,
                    justification: Some(entry.reason.clone()),
                    source: self
                        .config
                        .as_ref()
                        .map(|(shown, _)| format!("{shown}:{}", entry.line)),
                    expires: entry.expires,
                });
            }
        }
        decided
    }

    /// Whether `entry` matches `finding`: every criterion it gives holds.
    fn matches(&self, entry: &Exemption, finding: &Finding) -> bool {
        let rule = if entry.rules.is_empty() {
            finding.rule.exemptable()
        } else {
            entry.rules.contains(&finding.rule)
        };
        if !rule {
            return false;
        }
        if let Some(pattern) = &entry.resource {
            // A name not wholly known is covered only if the pattern matches whatever its
            // unknown parts are (`vm-*` covers `vm-<suffix>`, `vm-prod-*` does not).
            let covered = finding.resource.as_ref().is_some_and(|r| {
                crate::judge::wildcard_whatever(pattern, &r.name, &r.unknown_parts)
            });
            if !covered {
                return false;
            }
        }
        if let Some(pattern) = &entry.image {
            let key = finding.image.as_ref().and_then(|i| i.key());
            if !key.is_some_and(|k| wildcard(pattern, &k)) {
                return false;
            }
        }
        if let Some((_, glob)) = &entry.path {
            let declared = finding.resource.as_ref().map(|r| &*r.declared_in);
            let any = std::iter::once(&*finding.location.path)
                .chain(declared)
                .filter_map(|shown| self.relative(shown))
                .any(|rel| glob.is_match(rel));
            if !any {
                return false;
            }
        }
        true
    }

    /// The file shown as `shown` (relative to the working directory), relative to the
    /// config's folder with `/`; `None` when it lies outside it.
    fn relative(&self, shown: &str) -> Option<String> {
        let mut path = PathBuf::new();
        for part in self.cwd.join(shown).components() {
            match part {
                std::path::Component::ParentDir => {
                    path.pop();
                }
                std::path::Component::CurDir => {}
                other => path.push(other),
            }
        }
        let rel = path.strip_prefix(&self.base).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }

    /// Records in `tally` the comments of one judgement, with their IG009 should no
    /// judgement use them.
    fn keep_comments(
        &self,
        comments: Vec<Comment>,
        sources: &SourceMap,
        detail: Detail,
        tally: &mut Tally,
    ) {
        for comment in comments {
            let file = sources.get(comment.file);
            let line = file.line_col(comment.bytes.start).line;
            let wording = rules::unused_comment_wording(comment.problem.as_deref(), &comment.rules);
            let unused = finding_at(
                rules::UNUSED_EXEMPTION,
                file,
                comment.bytes.clone(),
                wording,
                detail,
            );
            let unapproved = comment.unapproved.as_deref().map(|what| {
                let (message, label, help) = rules::unapproved_comment_wording(what);
                FindingBuilder::new(rules::UNUSED_EXEMPTION, file, comment.bytes.clone(), detail)
                    .message(&message)
                    .label(label)
                    .help(Some(help))
                    .identity(&[&file.display, &line.to_string()])
                    .build()
            });
            tally.comments.push(CommentUse {
                at: (file.display.to_string(), line),
                used: comment.used,
                unused,
                unapproved,
            });
        }
    }

    /// The findings about the exemptions themselves, from the tallies of every judgement:
    /// an IG008 for each entry past its expiry, an IG009 for each entry in force that matched
    /// nothing (only when `whole` says the run saw the whole project) and for each comment
    /// no judgement used.
    pub fn findings(&self, tallies: Vec<Tally>, whole: bool, detail: Detail) -> Vec<Finding> {
        let mut matched = vec![0u32; self.entries.len()];
        let mut expired = vec![0u32; self.entries.len()];
        type Seen = (bool, Finding, Option<Finding>);
        let mut comments: foldhash::HashMap<(String, u32), Seen> = Default::default();
        for tally in tallies {
            for (i, n) in tally.matched.iter().enumerate() {
                matched[i] += n;
            }
            for (i, n) in tally.expired.iter().enumerate() {
                expired[i] += n;
            }
            for c in tally.comments {
                let entry = comments.entry(c.at).or_insert((false, c.unused, None));
                entry.0 |= c.used;
                if entry.2.is_none() {
                    entry.2 = c.unapproved;
                }
            }
        }
        // A comment that would exempt a finding the trusted exemptions do not hold is told
        // so (even if it exempted another); one that exempted nothing, as unused.
        let mut out: Vec<Finding> = comments
            .into_values()
            .filter_map(|(used, unused, unapproved)| unapproved.or((!used).then_some(unused)))
            .collect();
        let Some((shown, path)) = &self.config else {
            return out;
        };
        if self.entries.is_empty() {
            return out;
        }
        // The config in effect was read before the run; read again only to place findings.
        let text = std::fs::read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let file = SourceFile::new(
            path.clone(),
            shown.clone(),
            text,
            crate::source::Encoding::Utf8,
        );
        for (i, entry) in self.entries.iter().enumerate() {
            let at = entry_bytes(&file, entry);
            let what = describe(entry);
            if let Some(last) = entry.expires.filter(|last| *last < self.today) {
                let last = last.to_string();
                let wording =
                    rules::expired_exemption_wording(&what, &last, &entry.reason, expired[i]);
                out.push(finding_at(
                    rules::EXPIRED_EXEMPTION,
                    &file,
                    at,
                    wording,
                    detail,
                ));
            } else if whole && matched[i] == 0 {
                let wording = rules::unused_entry_wording(&what, &entry.reason);
                out.push(finding_at(
                    rules::UNUSED_EXEMPTION,
                    &file,
                    at,
                    wording,
                    detail,
                ));
            }
        }
        out
    }
}

impl Tally {
    /// Adds what `other` saw.
    pub fn absorb(&mut self, other: Tally) {
        for (mine, theirs) in [
            (&mut self.matched, other.matched),
            (&mut self.expired, other.expired),
        ] {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), 0);
            }
            for (i, n) in theirs.into_iter().enumerate() {
                mine[i] += n;
            }
        }
        self.comments.extend(other.comments);
        self.exempted.extend(other.exempted);
    }

    /// Whether it holds nothing (no entry's count, no comment met): adding it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.matched.is_empty()
            && self.expired.is_empty()
            && self.comments.is_empty()
            && self.exempted.is_empty()
    }

    /// The findings comments exempted (what `--write-trusted-exemptions` records), taken.
    pub fn take_exempted(&mut self) -> Vec<TrustedEntry> {
        std::mem::take(&mut self.exempted)
    }
}

/// A finding a comment would have exempted, as a phrase: its rule, and its resource and
/// image when it has them.
fn unapproved_phrase(finding: &Finding) -> String {
    let mut phrase = finding.rule.id().to_string();
    if let Some(r) = &finding.resource {
        phrase.push_str(&format!(" on `{}`", r.name));
    }
    if let Some(i) = &finding.image {
        phrase.push_str(&format!(" ({})", i.display));
    }
    phrase
}

/// The first line of an entry's table in the config file (its `[[exempt]]` header, when the
/// table's bytes start on the line after it).
fn entry_bytes(file: &SourceFile, entry: &Exemption) -> Range<u32> {
    let start = entry.bytes.start.min(file.text.len());
    let line = file.line_index(start as u32);
    let mut index = line;
    // The header line above the table's keys, when there is one.
    if index > 0 {
        let above = file.line_range(index - 1);
        if file.text[above.clone()].trim_start().starts_with("[[") {
            index -= 1;
        }
    }
    let range = file.line_range(index);
    range.start as u32..range.end as u32
}

/// An entry as one phrase: its criteria.
fn describe(entry: &Exemption) -> String {
    let mut parts = Vec::new();
    if let Some((text, _)) = &entry.path {
        parts.push(format!("path `{text}`"));
    }
    if let Some(r) = &entry.resource {
        parts.push(format!("resource `{r}`"));
    }
    if !entry.rules.is_empty() {
        let ids: Vec<&str> = entry.rules.iter().map(|r| r.id()).collect();
        parts.push(format!("rule {}", ids.join(", ")));
    }
    if let Some(i) = &entry.image {
        parts.push(format!("image `{i}`"));
    }
    format!("({})", parts.join(", "))
}

/// A finding of `rule` about an exemption written at bytes `at` of `file` (an `[[exempt]]`
/// entry, a comment), worded `(message, label)`: about that place, not a resource, so its
/// line is part of what it is about (two entries of one file are two findings).
fn finding_at(
    rule: Rule,
    file: &SourceFile,
    at: Range<u32>,
    (message, label): (String, String),
    detail: Detail,
) -> Finding {
    let line = file.line_col(at.start).line.to_string();
    FindingBuilder::new(rule, file, at, detail)
        .message(&message)
        .label(label)
        .identity(&[&file.display, &line])
        .build()
}

/// The exemption comments of `file` (`id`), whose comments are written in `syntax`: each line
/// whose first non-blank text is a comment marker followed by `imagegate-ignore`, or a
/// `#disable-next-line` pragma (where the syntax has them) that names an `imagegate-` code.
fn scan(file: &SourceFile, id: FileId, syntax: CommentSyntax) -> Vec<Comment> {
    // Only a line holding `imagegate-ignore` or `#disable-next-line` can be one of these
    // comments: those lines are found by searching the text, not by reading every line (a
    // file that merely names imagegate, in a description or metadata, costs one search).
    static IGNORE: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"imagegate-ignore"));
    static PRAGMA: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"#disable-next-line"));
    let bytes = file.text.as_bytes();
    let mut lines: Vec<usize> = Vec::new();
    let mut add = |at: usize| {
        let index = file.line_index(at as u32);
        if lines.last() != Some(&index) {
            lines.push(index);
        }
    };
    IGNORE.find_iter(bytes).for_each(&mut add);
    if syntax.pragmas {
        PRAGMA.find_iter(bytes).for_each(&mut add);
        lines.sort_unstable();
        lines.dedup();
    }
    let mut found: Vec<(usize, Range<usize>, Parsed)> = Vec::new();
    for index in lines {
        let range = file.line_range(index);
        let line = &file.text[range.clone()];
        let trimmed = line.trim_start();
        let offset = range.start + (line.len() - trimmed.len());
        let parsed = if let Some(rest) = trimmed.strip_prefix("//") {
            ignore_comment(rest)
        } else if syntax.hash_comments
            && let Some(rest) = trimmed.strip_prefix('#')
        {
            ignore_comment(rest)
        } else if syntax.pragmas
            && let Some(rest) = trimmed.strip_prefix("#disable-next-line")
        {
            pragma(rest)
        } else {
            None
        };
        let Some(mut parsed) = parsed else {
            continue;
        };
        // A bound on what a file can make imagegate hold: past it, one comment says so.
        let full = found.len() == MAX_COMMENTS;
        if full {
            parsed.2 = Some(format!(
                "the file has more than {MAX_COMMENTS} exemption comments; this one and the rest exempt nothing"
            ));
        }
        found.push((index, offset..range.end, parsed));
        if full {
            break;
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    let covers = Covers::of(file, syntax);
    found
        .into_iter()
        .map(|(index, bytes, (rules, reason, problem))| Comment {
            file: id,
            bytes: bytes.start as u32..bytes.end as u32,
            covers: covers.after(index),
            rules,
            reason,
            problem,
            used: false,
            unapproved: None,
        })
        .collect()
}

/// Most exemption comments honoured in one file.
const MAX_COMMENTS: usize = 1000;

/// What a comment's text after its marker says, when it is an `imagegate-ignore` comment:
/// the rules, the reason, and why it cannot exempt.
type Parsed = (Vec<Rule>, Option<String>, Option<String>);

/// `imagegate-ignore IG001, IG003: reason` (after the comment marker).
fn ignore_comment(rest: &str) -> Option<Parsed> {
    let rest = rest.trim_start().strip_prefix("imagegate-ignore")?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t', ':'])) {
        return None;
    }
    let (codes, reason) = match rest.split_once(':') {
        Some((codes, reason)) => (codes, Some(reason.trim()).filter(|r| !r.is_empty())),
        None => (rest, None),
    };
    let codes: Vec<&str> = codes
        .split([',', ' ', '\t'])
        .filter(|c| !c.is_empty())
        .collect();
    let (rules, mut problem) = rules_named(&codes);
    if problem.is_none() && reason.is_none() {
        problem = Some("it gives no reason (write `imagegate-ignore IG001: why`)".into());
    }
    Some((rules, reason.map(str::to_owned), problem))
}

/// Bicep's `#disable-next-line code1 code2 // reason` (after the keyword), when a code is
/// `imagegate-IGnnn` (or `imagegate-<rule name>`).
fn pragma(rest: &str) -> Option<Parsed> {
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let (codes, reason) = match rest.split_once("//") {
        Some((codes, reason)) => (codes, Some(reason.trim()).filter(|r| !r.is_empty())),
        None => (rest, None),
    };
    let ours: Vec<&str> = codes
        .split_whitespace()
        .filter_map(|c| {
            c.get(..10)
                .filter(|p| p.eq_ignore_ascii_case("imagegate-"))
                .map(|_| &c[10..])
        })
        .collect();
    if ours.is_empty() {
        return None;
    }
    let (rules, problem) = rules_named(&ours);
    Some((rules, reason.map(str::to_owned), problem))
}

/// The rules `codes` name, and what is wrong with them.
fn rules_named(codes: &[&str]) -> (Vec<Rule>, Option<String>) {
    if codes.is_empty() {
        return (
            Vec::new(),
            Some("it names no rule (write the rule ids, e.g. `IG001`)".into()),
        );
    }
    let mut rules = Vec::new();
    for code in codes {
        match Rule::find(code) {
            Some(rule) if rule.exemptable() => rules.push(rule),
            Some(rule) => {
                return (
                    rules,
                    Some(format!(
                        "{} ({}) cannot be exempted: it is about the run itself",
                        rule.id(),
                        rule.name()
                    )),
                );
            }
            None => return (rules, Some(format!("`{code}` names no rule"))),
        }
    }
    (rules, None)
}

/// The lines a comment covers, for every line of a file, computed in one backward pass (a
/// file of comments costs linear time): the next line that is neither blank nor a comment,
/// and, when that line is a decorator (where the syntax has them), every line to the
/// declaration it decorates.
struct Covers {
    /// For each 0-based line, the first line at or after it that is code (`lines` if none).
    next_code: Vec<u32>,
    /// For each 0-based code line, the last line of the declaration it starts (the line
    /// itself, or past a run of Bicep decorators).
    end: Vec<u32>,
}

impl Covers {
    fn of(file: &SourceFile, syntax: CommentSyntax) -> Covers {
        let lines = file.line_count();
        let text = |i: usize| file.text[file.line_range(i)].trim_start();
        let comment = |t: &str| {
            t.starts_with("//")
                || t.starts_with("/*")
                || ((syntax.hash_comments || syntax.pragmas) && t.starts_with('#'))
        };
        let mut next_code = vec![lines as u32; lines + 1];
        let mut end = vec![0u32; lines + 1];
        for i in (0..lines).rev() {
            let t = text(i);
            next_code[i] = if t.is_empty() || comment(t) {
                next_code[i + 1]
            } else {
                i as u32
            };
            end[i] = if syntax.decorators && t.starts_with('@') && i + 1 < lines {
                end[i + 1]
            } else {
                i as u32
            };
        }
        end[lines] = lines as u32;
        Covers { next_code, end }
    }

    /// The 1-based lines a comment on 0-based line `index` covers.
    fn after(&self, index: usize) -> Range<u32> {
        let first = self.next_code[(index + 1).min(self.next_code.len() - 1)];
        let last = self.end[first as usize];
        first + 1..last + 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Encoding;

    /// How JSON's comments are written (`//`).
    const JSON: CommentSyntax = CommentSyntax::PLAIN;
    /// How Bicep's comments are written (`//`, pragmas, decorators).
    const BICEP: CommentSyntax = CommentSyntax {
        hash_comments: false,
        pragmas: true,
        decorators: true,
    };
    /// How Terraform's comments are written (`//` and `#`).
    const TERRAFORM: CommentSyntax = CommentSyntax {
        hash_comments: true,
        pragmas: false,
        decorators: false,
    };

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile::new(name.into(), name.into(), text.into(), Encoding::Utf8)
    }

    #[test]
    fn wildcards_match_case_insensitively() {
        assert!(wildcard("vm-legacy-*", "VM-Legacy-01"));
        assert!(wildcard("*", ""));
        assert!(wildcard(
            "canonical:*:22_04*",
            "Canonical:ubuntu:22_04-lts:latest"
        ));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a?c", "ac"));
        assert!(!wildcard("vm-*", "app-vm-1"));
        assert!(wildcard("*vm*", "app-vm-1"));
        // Many stars over a long text: no exponential backtracking.
        let long = "a".repeat(10_000);
        assert!(!wildcard(&format!("{}b", "*a".repeat(50)), &long));
        assert!(wildcard(&"*a".repeat(50), &long));
    }

    #[test]
    fn ignore_comments_name_rules_and_need_a_reason() {
        let f = file(
            "t.json",
            "{\n  // imagegate-ignore IG001, unpinned-image-version: migrating (INFRA-1)\n\n  // another comment\n  \"imageReference\": {}\n  // imagegate-ignore IG001\n  x\n  // imagegate-ignore IG000: no\n  y\n  // imagegate-ignored IG001: not ours\n  // imagegate-ignore IG123: typo\n  z\n}",
        );
        let c = scan(&f, FileId(0), JSON);
        assert_eq!(c.len(), 4);
        let ids = |c: &Comment| c.rules.iter().map(|r| r.id()).collect::<Vec<_>>();
        assert_eq!(ids(&c[0]), ["IG001", "IG003"]);
        assert_eq!(c[0].reason.as_deref(), Some("migrating (INFRA-1)"));
        // Blank lines and other comments are skipped: it covers the `imageReference` line.
        assert_eq!(c[0].covers, 5..6);
        assert!(c[0].problem.is_none());
        assert!(c[1].problem.as_deref().unwrap().contains("no reason"));
        assert!(
            c[2].problem
                .as_deref()
                .unwrap()
                .contains("cannot be exempted")
        );
        assert!(
            c[3].problem
                .as_deref()
                .unwrap()
                .contains("`IG123` names no rule")
        );
    }

    #[test]
    fn a_file_of_exemption_comments_is_bounded() {
        let text = "// imagegate-ignore IG001: x\n".repeat(50_000);
        let c = scan(&file("t.json", &text), FileId(0), JSON);
        assert_eq!(c.len(), MAX_COMMENTS + 1);
        assert!(c[..MAX_COMMENTS].iter().all(|c| c.problem.is_none()));
        assert!(
            c[MAX_COMMENTS]
                .problem
                .as_deref()
                .unwrap()
                .contains("more than 1000")
        );
    }

    #[test]
    fn bicep_pragmas_and_terraform_hashes_count() {
        let b = file(
            "main.bicep",
            "#disable-next-line no-unused-params\nparam x string\n#disable-next-line BCP081 imagegate-IG001 // build agents\n@description('vm')\n@batchSize(1)\nresource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {\n}\n",
        );
        let c = scan(&b, FileId(0), BICEP);
        assert_eq!(c.len(), 1, "a pragma without imagegate codes is not ours");
        assert_eq!(c[0].rules[0].id(), "IG001");
        assert_eq!(c[0].reason.as_deref(), Some("build agents"));
        // The decorators and the declaration they decorate.
        assert_eq!(c[0].covers, 4..7);
        let t = file(
            "main.tf",
            "# imagegate-ignore IG002: set by the pipeline\nresource \"azurerm_linux_virtual_machine\" \"vm\" {\n",
        );
        let c = scan(&t, FileId(0), TERRAFORM);
        assert_eq!((c.len(), c[0].covers.clone()), (1, 2..3));
        // `#` is not a comment in JSON.
        assert!(
            scan(
                &file("a.json", "# imagegate-ignore IG001: x\n{}"),
                FileId(0),
                JSON
            )
            .is_empty()
        );
    }
}
