//! The judgement: one verdict per image, shared by every input language.
//!
//! Matching is three-valued. An image ID with unknown segments is approved only when *every*
//! value of the unknown part would be approved (the approved glob has a wildcard there); it is
//! unapproved only when *no* value would be; otherwise it is unresolved. This is where "never a
//! false compliant" lives.

use crate::date::Date;
use crate::image::{GalleryKind, IdPath, Image, Marketplace, Seg, Version};
use crate::value::Why;

/// A glob over resource IDs: segments of literal text with `*`/`?` wildcards, `*` alone for
/// any one segment and `**` for any number of segments. Matching ignores ASCII case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdGlob {
    text: String,
    segs: Vec<GlobSeg>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum GlobSeg {
    /// `**`: any number of segments.
    Any,
    /// One segment matching this wildcard pattern (lower-cased).
    One(String),
}

/// Why an image glob is not valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GlobError {
    /// It does not start with `/`.
    NotAnId,
    /// It has an empty segment (`//`).
    EmptySegment,
    /// `**` is part of a segment, not the whole segment.
    PartialDoubleStar(String),
    /// A segment uses a wildcard other than `*`, `?` and `**`.
    UnsupportedWildcard(String),
}

impl std::fmt::Display for GlobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GlobError::NotAnId => {
                f.write_str("an image glob must start with `/` (it matches resource IDs)")
            }
            GlobError::EmptySegment => {
                f.write_str("an image glob must not contain an empty segment (`//`)")
            }
            GlobError::PartialDoubleStar(seg) => {
                write!(f, "`**` must be a whole segment, found `{seg}`")
            }
            GlobError::UnsupportedWildcard(seg) => write!(
                f,
                "only `*`, `?` and `**` are wildcards in image globs, found `{seg}`"
            ),
        }
    }
}

impl std::error::Error for GlobError {}

impl IdGlob {
    /// Parses a glob such as
    /// `/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/g/images/*`.
    pub fn parse(text: &str) -> Result<IdGlob, GlobError> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(GlobError::NotAnId);
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut segs = Vec::new();
        for seg in rest.split('/') {
            if seg.is_empty() {
                return Err(GlobError::EmptySegment);
            }
            if seg == "**" {
                segs.push(GlobSeg::Any);
            } else if seg.contains("**") {
                return Err(GlobError::PartialDoubleStar(seg.to_string()));
            } else if seg.contains(['[', ']', '{', '}']) {
                return Err(GlobError::UnsupportedWildcard(seg.to_string()));
            } else {
                segs.push(GlobSeg::One(seg.to_ascii_lowercase()));
            }
        }
        Ok(IdGlob {
            text: text.to_string(),
            segs,
        })
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many of `id`'s leading segments this glob's leading segments match (up to its
    /// first `**`): how close an unapproved ID is to what the glob approves.
    pub fn leading_matches(&self, id: &IdPath) -> usize {
        self.segs
            .iter()
            .zip(&id.0)
            .take_while(|(glob, seg)| match glob {
                GlobSeg::Any => false,
                GlobSeg::One(pat) => segment_match(pat, seg) != Match::No,
            })
            .count()
    }

    /// Whether `id` matches, for every value, some value, or no value of its holes.
    pub fn matches(&self, id: &IdPath) -> Match {
        // Without `**` (most globs) segment i matches segment i: no table is needed.
        if !self.segs.iter().any(|g| matches!(g, GlobSeg::Any)) {
            if self.segs.len() != id.0.len() {
                return Match::No;
            }
            let mut all = Match::Yes;
            for (glob, seg) in self.segs.iter().zip(&id.0) {
                if let GlobSeg::One(pattern) = glob {
                    all = all.and(segment_match(pattern, seg));
                    if all == Match::No {
                        return Match::No;
                    }
                }
            }
            return all;
        }
        self.matches_any_run(id)
    }

    /// [`IdGlob::matches`] for a glob with `**`, which may stand for any run of segments.
    fn matches_any_run(&self, id: &IdPath) -> Match {
        let (p, s) = (self.segs.len(), id.0.len());
        // table[i][j]: does segs[i..] match id[j..]?
        let mut table = vec![Match::No; (p + 1) * (s + 1)];
        let at = |i: usize, j: usize| i * (s + 1) + j;
        table[at(p, s)] = Match::Yes;
        for i in (0..p).rev() {
            for j in (0..=s).rev() {
                let m = match &self.segs[i] {
                    GlobSeg::Any => {
                        let skip = table[at(i + 1, j)];
                        let take = if j < s {
                            table[at(i, j + 1)]
                        } else {
                            Match::No
                        };
                        skip.or(take)
                    }
                    GlobSeg::One(pat) => {
                        if j == s {
                            Match::No
                        } else {
                            segment_match(pat, &id.0[j]).and(table[at(i + 1, j + 1)])
                        }
                    }
                };
                table[at(i, j)] = m;
            }
        }
        table[at(0, 0)]
    }
}

/// A three-valued answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// Matches whatever the unknown parts turn out to be.
    Yes,
    /// Matches for some values of the unknown parts only.
    Maybe,
    /// Matches for no value of the unknown parts.
    No,
}

impl Match {
    fn or(self, other: Match) -> Match {
        match (self, other) {
            (Match::Yes, _) | (_, Match::Yes) => Match::Yes,
            (Match::Maybe, _) | (_, Match::Maybe) => Match::Maybe,
            _ => Match::No,
        }
    }

    fn and(self, other: Match) -> Match {
        match (self, other) {
            (Match::No, _) | (_, Match::No) => Match::No,
            (Match::Maybe, _) | (_, Match::Maybe) => Match::Maybe,
            _ => Match::Yes,
        }
    }
}

fn segment_match(pattern: &str, seg: &Seg) -> Match {
    match seg {
        // The pattern is lower case: most are `*` or plain text, decided without a copy.
        Seg::Known(_) if pattern == "*" => Match::Yes,
        Seg::Known(text) if !pattern.contains(['*', '?']) => {
            if text.eq_ignore_ascii_case(pattern) {
                Match::Yes
            } else {
                Match::No
            }
        }
        Seg::Known(text) => {
            if wildcard(pattern.as_bytes(), text.to_ascii_lowercase().as_bytes()) {
                Match::Yes
            } else {
                Match::No
            }
        }
        Seg::Hole(_) if pattern.bytes().all(|b| b == b'*') => Match::Yes,
        Seg::Hole(_) => Match::Maybe,
    }
}

/// `*` any run of characters, `?` one character; everything else literal.
/// Whether `text` matches the wildcard `pattern` (`*` any run, `?` one byte), ASCII case
/// ignored: the one wildcard of image globs, Marketplace entries, version globs, exemptions'
/// patterns and the policy export.
pub(crate) fn wildcard_ignore_case(pattern: &str, text: &str) -> bool {
    wildcard(
        pattern.to_ascii_lowercase().as_bytes(),
        text.to_ascii_lowercase().as_bytes(),
    )
}

/// Whether `pattern` matches `text` (ASCII case ignored) whatever the parts of `text` at the
/// byte ranges `unknown` turn out to be: each such part is one unit that only a `*` matches.
/// Sound because a `*` that matches it matches any text in its place, and nothing else
/// (a `?`, a literal) can match it; a pattern that needs to know the part does not match.
pub(crate) fn wildcard_whatever(pattern: &str, text: &str, unknown: &[(usize, usize)]) -> bool {
    /// The unit that stands for an unknown part.
    const UNKNOWN: u16 = 0x100;
    let mut units: Vec<u16> = Vec::with_capacity(text.len());
    let mut at = 0;
    let mut holes: Vec<(usize, usize)> = unknown.to_vec();
    holes.sort_unstable();
    for (start, end) in holes {
        if start < at || end > text.len() {
            continue;
        }
        units.extend(
            text.as_bytes()[at..start]
                .iter()
                .map(|b| u16::from(b.to_ascii_lowercase())),
        );
        units.push(UNKNOWN);
        at = end;
    }
    units.extend(
        text.as_bytes()[at..]
            .iter()
            .map(|b| u16::from(b.to_ascii_lowercase())),
    );
    glob(pattern.to_ascii_lowercase().as_bytes(), &units, |p, t| {
        t != UNKNOWN && (p == b'?' || u16::from(p) == t)
    })
}

fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    glob(pattern, text, |p, t| p == b'?' || p == t)
}

/// The one glob matcher: `*` any run of units, any other byte of `pattern` one unit that
/// `one` says it matches. Linear backtracking to the last `*`, never exponential.
fn glob<T: Copy>(pattern: &[u8], text: &[T], one: impl Fn(u8, T) -> bool) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && pattern[p] != b'*' && one(pattern[p], text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// An allowed marketplace image: each field a wildcard pattern; `version` optional.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketplaceRule {
    /// Publisher pattern.
    pub publisher: String,
    /// Offer pattern.
    pub offer: String,
    /// SKU pattern.
    pub sku: String,
    /// Version pattern (any version when absent).
    pub version: Option<String>,
}

impl MarketplaceRule {
    fn matches(&self, m: &Marketplace) -> Match {
        let field = |pat: &str, seg: &Seg| segment_match(&pat.to_ascii_lowercase(), seg);
        let version = match (&self.version, &m.version) {
            (None, _) => Match::Yes,
            (Some(p), Some(v)) => field(p, v),
            (Some(p), None) => field(p, &Seg::Known("latest".into())),
        };
        field(&self.publisher, &m.publisher)
            .and(field(&self.offer, &m.offer))
            .and(field(&self.sku, &m.sku))
            .and(version)
    }
}

/// What is approved.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Approved image definitions (and managed/shared/community images, if listed).
    pub images: Vec<IdGlob>,
    /// Allowed marketplace images.
    pub marketplace: Vec<MarketplaceRule>,
    /// The lifecycle of approved gallery image definitions (`[[approved.image]]`): which of
    /// their versions are deprecated (IG004).
    pub lifecycle: Vec<Lifecycle>,
    /// The run's "today", against which end-of-life dates are compared. Set whenever
    /// `lifecycle` is not empty; `None` otherwise (no date is compared then).
    pub today: Option<Date>,
    /// The image factory (`[approved] factory`): the only files that may publish versions
    /// into the galleries `images` approves (IG010).
    pub factory: Factory,
}

/// The image factory: the files that may publish image versions into the approved galleries
/// (`[approved] factory = ["infra/images/**"]`), as globs over paths relative to the config's
/// folder, with `/` (`*` stays inside one folder, `**` crosses folders), as `[[exempt]]`
/// paths are. Empty: no file may.
#[derive(Clone, Debug, Default)]
pub struct Factory {
    /// Each glob as written, and its matcher.
    globs: Vec<(String, globset::GlobMatcher)>,
}

impl Factory {
    /// The factory of `globs` (as written, and compiled).
    pub fn new(globs: Vec<(String, globset::GlobMatcher)>) -> Factory {
        Factory { globs }
    }

    /// Whether the file at `relative` (relative to the config's folder, with `/`) is one of
    /// the factory's.
    pub fn holds(&self, relative: &str) -> bool {
        self.globs.iter().any(|(_, glob)| glob.is_match(relative))
    }

    /// The globs, as written.
    pub fn globs(&self) -> impl Iterator<Item = &str> {
        self.globs.iter().map(|(text, _)| text.as_str())
    }

    /// Whether no file may publish into the approved galleries.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }
}

/// The one judgement of an image.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Approved and pinned.
    Compliant,
    /// Known and not approved (IG001): the sentence says what it is.
    Unapproved,
    /// Cannot be determined offline (IG002), and why.
    Unresolved(Why),
    /// Approved but not pinned to a version (IG003).
    Unpinned,
    /// Approved and pinned, but at a deprecated or too old version (IG004): the first reason
    /// of [`Deprecation::reasons`] decides the message.
    Deprecated(Deprecation),
    /// Not an image (an attached disk): reported, not judged.
    NotJudged,
}

impl Policy {
    /// Judges one image.
    pub fn judge(&self, image: &Image) -> Verdict {
        match image {
            Image::Unresolved(why) => Verdict::Unresolved(why.clone()),
            Image::AttachedDisk(_) => Verdict::NotJudged,
            // Not an image of any gallery a glob can approve.
            Image::Vhd(_) | Image::WellKnown(_) | Image::NotAnId(_) => Verdict::Unapproved,
            Image::Marketplace(m) | Image::Platform(m) => {
                let mut found = Match::No;
                for rule in &self.marketplace {
                    found = found.or(rule.matches(m));
                    if found == Match::Yes {
                        break;
                    }
                }
                self.decide(found, || first_marketplace_hole(m))
            }
            Image::Managed(id) | Image::OtherId(id) => {
                self.decide(self.match_id(id), || self.deciding_hole(id))
            }
            Image::Gallery {
                kind,
                definition,
                version,
            } => match self.match_id(definition) {
                Match::Yes => match version {
                    Version::Missing | Version::Latest if *kind != GalleryKind::DevCenter => {
                        Verdict::Unpinned
                    }
                    Version::Pinned(v) => match self.deprecation(definition, v) {
                        Some(deprecation) => Verdict::Deprecated(deprecation),
                        None => Verdict::Compliant,
                    },
                    Version::Unknown(why) => self.unknown_version(definition, why),
                    _ => Verdict::Compliant,
                },
                other => self.decide(other, || self.deciding_hole(definition)),
            },
        }
    }

    /// Whether the image definition `definition` is approved, whatever version of it is
    /// meant: [`Verdict::Compliant`] when it is whatever its unknown parts are,
    /// [`Verdict::Unapproved`] when it is for none of them, else [`Verdict::Unresolved`] for
    /// the hole that decides. Whether a version published into it is an approved image
    /// (IG010).
    pub fn judge_definition(&self, definition: &IdPath) -> Verdict {
        self.decide(self.match_id(definition), || self.deciding_hole(definition))
    }

    /// The verdict on an approved definition whose version is not known offline: compliant
    /// when no `[[approved.image]]` entry can deprecate a version of it; deprecated when the
    /// definition is past its end of life (whatever the version); else unresolved for `why`,
    /// since the version decides (a minimum, deprecated globs, versions' ends of life): never
    /// a compliant that nobody checked.
    fn unknown_version(&self, definition: &IdPath, why: &Why) -> Verdict {
        let entries: Vec<&Lifecycle> = self.lifecycle_of(definition).collect();
        let past = |date: Option<Date>| date.zip(self.today).filter(|(d, today)| d < today);
        let ended: Vec<Reason> = entries
            .iter()
            .filter_map(|e| past(e.end_of_life))
            .map(|(date, _)| Reason::DefinitionEndOfLife { date })
            .collect();
        if let Some(deprecation) = Deprecation::of("<unknown>", ended) {
            return Verdict::Deprecated(deprecation);
        }
        let version_decides = entries.iter().any(|e| {
            e.min_version.is_some()
                || !e.deprecated.is_empty()
                || e.versions_of(definition).any(|p| p.end_of_life.is_some())
        });
        if version_decides {
            Verdict::Unresolved(why.clone())
        } else {
            Verdict::Compliant
        }
    }

    /// Why version `version` of the approved definition `definition` is deprecated, if it is:
    /// every reason of every `[[approved.image]]` entry that surely covers the definition, in
    /// the order of [`Reason`] (ends of life first: they are dated facts).
    pub fn deprecation(&self, definition: &IdPath, version: &str) -> Option<Deprecation> {
        let number = VersionNumber::parse(version);
        let mut reasons = Vec::new();
        for entry in self.lifecycle_of(definition) {
            let published = entry
                .versions_of(definition)
                .find(|p| p.name.eq_ignore_ascii_case(version));
            self.reasons(entry, version, number, published, &mut reasons);
        }
        Deprecation::of(version, reasons)
    }

    /// The reasons `entry` deprecates `version` (`number` parsed), listed in its snapshot as
    /// `published`, pushed onto `reasons`.
    fn reasons(
        &self,
        entry: &Lifecycle,
        version: &str,
        number: Option<VersionNumber>,
        published: Option<&PublishedVersion>,
        reasons: &mut Vec<Reason>,
    ) {
        let past = |date: Option<Date>| date.zip(self.today).filter(|(d, today)| d < today);
        if let Some((date, _)) = past(entry.end_of_life) {
            reasons.push(Reason::DefinitionEndOfLife { date });
        }
        if let Some((date, _)) = past(published.and_then(|p| p.end_of_life)) {
            reasons.push(Reason::VersionEndOfLife { date });
        }
        if let (Some(minimum), Some(number)) = (entry.min_version, number)
            && number < minimum
        {
            reasons.push(Reason::BelowMinimum { minimum });
        }
        if let Some(pattern) = entry
            .deprecated
            .iter()
            .find(|p| wildcard_ignore_case(p, version))
        {
            reasons.push(Reason::Listed {
                pattern: pattern.clone(),
            });
        }
    }

    /// The newest good version of `definition` that the gallery snapshots list: not excluded
    /// from latest, not past its end of life (nor its definition's), not deprecated by any
    /// entry, the highest `Major.Minor.Patch`. `None` when no snapshot lists one. Linear in
    /// the snapshots' size.
    pub fn newest_version(&self, definition: &IdPath) -> Option<String> {
        let entries: Vec<&Lifecycle> = self.lifecycle_of(definition).collect();
        entries
            .iter()
            .flat_map(|e| e.versions_of(definition))
            .filter(|p| !p.exclude_from_latest)
            .filter_map(|p| Some((VersionNumber::parse(&p.name)?, p)))
            .filter(|(number, p)| {
                let mut reasons = Vec::new();
                for entry in &entries {
                    // Its own end of life, whichever snapshot lists it.
                    self.reasons(entry, &p.name, Some(*number), Some(p), &mut reasons);
                }
                reasons.is_empty()
            })
            .max_by_key(|(number, _)| *number)
            .map(|(_, p)| p.name.clone())
    }

    /// The lifecycle entries whose glob surely matches `definition`.
    /// What the gallery snapshots say of version `version` of `definition`, if they list it.
    pub fn published_version<'p>(
        &'p self,
        definition: &'p IdPath,
        version: &str,
    ) -> Option<&'p PublishedVersion> {
        self.lifecycle_of(definition)
            .flat_map(|e| e.versions_of(definition))
            .find(|p| p.name.eq_ignore_ascii_case(version))
    }

    fn lifecycle_of<'p>(&'p self, definition: &'p IdPath) -> impl Iterator<Item = &'p Lifecycle> {
        self.lifecycle
            .iter()
            .filter(move |e| e.id.matches(definition) == Match::Yes)
    }

    /// What the policy says of the gallery image version or definition `id` (an ID as
    /// written), for a person reading about one image (an editor's hover): the `[approved]
    /// images` entry that approves it, the newest good version of its definition and the end
    /// of life of its version, as the gallery snapshots give them. Empty for an ID that is not
    /// a gallery image's.
    pub fn explain(&self, id: &str) -> Vec<String> {
        let segs: Vec<Seg> = id
            .trim_start_matches('/')
            .split('/')
            .map(|s| Seg::Known(s.to_owned()))
            .collect();
        let at = segs
            .iter()
            .position(|s| matches!(s, Seg::Known(t) if t.eq_ignore_ascii_case("versions")));
        let (definition, version) = match at {
            Some(at) => {
                let version = match segs.get(at + 1) {
                    Some(Seg::Known(v)) => Some(v.clone()),
                    _ => None,
                };
                (IdPath(segs[..at].to_vec()), version)
            }
            None => (IdPath(segs), None),
        };
        let mut out = Vec::new();
        match self
            .images
            .iter()
            .find(|g| g.matches(&definition) == Match::Yes)
        {
            Some(glob) => out.push(format!(
                "approved by `[approved] images` entry `{}`",
                glob.text
            )),
            None => out.push("not approved by any `[approved] images` entry".into()),
        }
        if let Some(newest) = self.newest_version(&definition) {
            out.push(format!("newest good version (gallery snapshot): {newest}"));
        }
        if let Some(version) = &version
            && let Some(published) = self.published_version(&definition, version)
            && let Some(end) = published.end_of_life
        {
            out.push(format!(
                "version {version} reaches its end of life on {end}"
            ));
        }
        out
    }

    fn match_id(&self, id: &IdPath) -> Match {
        let mut found = Match::No;
        for glob in &self.images {
            found = found.or(glob.matches(id));
            // Nothing after a sure match changes the answer.
            if found == Match::Yes {
                break;
            }
        }
        found
    }

    /// The reason of the hole that decides an undecided match: the first hole that, were it
    /// a value no glob accepts, would change the answer (holes under `*` do not).
    fn deciding_hole(&self, id: &IdPath) -> Option<Why> {
        let before = self.match_id(id);
        for (i, seg) in id.0.iter().enumerate() {
            if let Seg::Hole(why) = seg {
                let mut probe = id.clone();
                probe.0[i] = Seg::Known("\u{0}".into());
                if self.match_id(&probe) != before {
                    return Some(why.clone());
                }
            }
        }
        id.first_hole().cloned()
    }

    fn decide(&self, found: Match, hole: impl FnOnce() -> Option<Why>) -> Verdict {
        match found {
            Match::Yes => Verdict::Compliant,
            Match::No => Verdict::Unapproved,
            Match::Maybe => Verdict::Unresolved(
                hole().unwrap_or_else(|| Why::new(crate::value::Cause::ImagePartUnknown)),
            ),
        }
    }
}

/// An Azure Compute Gallery image version number, `Major.Minor.Patch`, each a 32-bit integer
/// (<https://learn.microsoft.com/azure/virtual-machines/shared-image-galleries#image-versions>:
/// "the latest image is chosen based on the highest MajorVersion, then MinorVersion, then
/// Patch"), ordered that way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionNumber(pub u32, pub u32, pub u32);

impl VersionNumber {
    /// Parses `1.4.0`; `None` for anything else (`latest`, `1.4`, `1.4.0-beta`, `v1.4.0`).
    pub fn parse(text: &str) -> Option<VersionNumber> {
        let mut parts = text.split('.').map(|p| {
            (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u32>().ok())
                .flatten()
        });
        let number = VersionNumber(parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(number)
    }
}

impl std::fmt::Display for VersionNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The lifecycle of approved gallery image definitions: one `[[approved.image]]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Lifecycle {
    /// The definitions it is about (a glob like `approved.images`; the entry approves them).
    pub id: IdGlob,
    /// Versions below it are deprecated.
    pub min_version: Option<VersionNumber>,
    /// Version globs (`*`, `?`) that are deprecated, as written.
    pub deprecated: Vec<String>,
    /// The definitions' end of life (Azure Compute Gallery's `endOfLifeDate`).
    pub end_of_life: Option<Date>,
    /// The versions the gallery snapshots list (`az sig image-version list -o json`).
    pub versions: Vec<PublishedVersion>,
}

impl Lifecycle {
    /// The snapshot's versions of `definition`: those whose definition ID matches it (case
    /// insensitive; an unknown segment of `definition` matches any), and those listed without
    /// an ID.
    fn versions_of<'a>(
        &'a self,
        definition: &'a IdPath,
    ) -> impl Iterator<Item = &'a PublishedVersion> {
        self.versions.iter().filter(move |p| match &p.definition {
            None => true,
            Some(id) => {
                id.len() == definition.0.len()
                    && id.iter().zip(&definition.0).all(|(a, b)| match b {
                        Seg::Known(b) => a.eq_ignore_ascii_case(b),
                        Seg::Hole(_) => true,
                    })
            }
        })
    }
}

/// One image version as a gallery snapshot lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedVersion {
    /// The segments of its definition's ID (from its `id`), when the snapshot gives it.
    pub definition: Option<Vec<String>>,
    /// Its name: the version, e.g. `1.4.0`.
    pub name: String,
    /// `publishingProfile.endOfLifeDate`.
    pub end_of_life: Option<Date>,
    /// `publishingProfile.excludeFromLatest`.
    pub exclude_from_latest: bool,
    /// `publishingProfile.publishedDate`: when the version was published (its age in the
    /// fleet report).
    pub published: Option<Date>,
}

/// Why a pinned version of an approved image is deprecated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deprecation {
    /// The version, as written.
    pub version: String,
    /// Every reason, most decisive first (never empty).
    pub reasons: Vec<Reason>,
}

impl Deprecation {
    /// `version` deprecated for `reasons` (sorted, each once), or `None` without a reason.
    fn of(version: &str, mut reasons: Vec<Reason>) -> Option<Deprecation> {
        reasons.sort();
        reasons.dedup();
        (!reasons.is_empty()).then(|| Deprecation {
            version: version.to_string(),
            reasons,
        })
    }
}

/// One reason a version is deprecated, in the order they are told.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// The image definition reached its end of life (`end_of_life` of the entry).
    DefinitionEndOfLife {
        /// The date.
        date: Date,
    },
    /// The version reached its end of life (its `endOfLifeDate` in the gallery snapshot).
    VersionEndOfLife {
        /// The date.
        date: Date,
    },
    /// The version is below the entry's `min_version`.
    BelowMinimum {
        /// The minimum.
        minimum: VersionNumber,
    },
    /// The version matches one of the entry's `deprecated` globs.
    Listed {
        /// The glob, as written.
        pattern: String,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::DefinitionEndOfLife { date } => {
                write!(f, "the image definition reached its end of life on {date}")
            }
            Reason::VersionEndOfLife { date } => write!(
                f,
                "the version reached its end of life on {date} (gallery snapshot)"
            ),
            Reason::BelowMinimum { minimum } => {
                write!(f, "it is below the minimum version {minimum}")
            }
            Reason::Listed { pattern } => {
                write!(f, "it is listed as deprecated (`{pattern}`)")
            }
        }
    }
}

fn first_marketplace_hole(m: &Marketplace) -> Option<Why> {
    [&m.publisher, &m.offer, &m.sku]
        .into_iter()
        .chain(m.version.as_ref())
        .find_map(|s| match s {
            Seg::Hole(w) => Some(w.clone()),
            Seg::Known(_) => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::cause::DeploymentSetting;
    use crate::value::{Cause, Kind, Part, Value};

    fn unset(setting: DeploymentSetting) -> Why {
        Why::new(Cause::UnsetDeploymentSetting(setting))
    }

    fn unset_parameter(name: &str) -> Why {
        Why::new(Cause::UnsetParameter { name: name.into() })
    }

    const GOLDEN: &str = "/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*";

    proptest::proptest! {
        /// A glob matches an ID segment by segment as the table over every pair of segments
        /// says (the table decides globs with `**`), on random globs of literal, wildcard
        /// and `**` segments and IDs with known and unknown segments, in any case.
        #[test]
        fn globs_match_segment_by_segment_as_the_table_says(
            glob in proptest::collection::vec(
                proptest::sample::select(vec!["a", "B", "*", "a*", "?", "*b", "ab", "**"]),
                1..6,
            ),
            path in proptest::collection::vec(
                proptest::sample::select(vec![Some("a"), Some("b"), Some("AB"), Some("ba"), None]),
                1..6,
            ),
        ) {
            let glob = IdGlob::parse(&format!("/{}", glob.join("/"))).unwrap();
            let segs: Vec<Option<&str>> = path;
            let id = IdPath(
                segs.iter()
                    .map(|s| match s {
                        Some(t) => Seg::Known((*t).to_string()),
                        None => Seg::Hole(unset(DeploymentSetting::Subscription)),
                    })
                    .collect(),
            );
            proptest::prop_assert_eq!(glob.matches(&id), glob.matches_any_run(&id));
        }
    }

    fn id(parts: &[Option<&str>]) -> IdPath {
        let parts: Vec<Part> = parts
            .iter()
            .map(|p| match p {
                Some(t) => Part::Text(t.to_string()),
                None => Part::Hole(unset(DeploymentSetting::Subscription)),
            })
            .collect();
        IdPath::parse(&parts).unwrap()
    }

    fn policy() -> Policy {
        Policy {
            images: vec![IdGlob::parse(GOLDEN).unwrap()],
            marketplace: vec![MarketplaceRule {
                publisher: "Canonical".into(),
                offer: "0001-com-ubuntu-server-jammy".into(),
                sku: "22_04-lts*".into(),
                version: None,
            }],
            ..Policy::default()
        }
    }

    fn image(text: &str) -> Image {
        Image::from_id(&Value::composed(Kind::Str(text.into())))
    }

    #[test]
    fn glob_matching_is_segment_wise_and_case_insensitive() {
        let g = IdGlob::parse(GOLDEN).unwrap();
        let known = |t: &str| id(&[Some(t)]);
        assert_eq!(
            g.matches(&known("/SUBSCRIPTIONS/abc/resourcegroups/RG-GOLDEN/providers/microsoft.compute/galleries/corpgallery/images/ubuntu")),
            Match::Yes
        );
        // `*` is one segment, never two.
        assert_eq!(
            g.matches(&known("/subscriptions/a/b/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu")),
            Match::No
        );
        assert_eq!(
            g.matches(&known("/subscriptions/a/resourceGroups/rg-other/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu")),
            Match::No
        );
        let any = IdGlob::parse("/**/galleries/corp*/images/*").unwrap();
        assert_eq!(
            any.matches(&known("/subscriptions/a/resourceGroups/x/providers/Microsoft.Compute/galleries/corpGallery/images/u")),
            Match::Yes
        );
        assert_eq!(any.matches(&known("/galleries/other/images/u")), Match::No);
    }

    #[test]
    fn holes_are_approved_only_under_wildcards() {
        let g = IdGlob::parse(GOLDEN).unwrap();
        // Unknown subscription under `*`: approved whatever it is.
        let sub_hole = id(&[
            Some("/subscriptions/"),
            None,
            Some(
                "/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/u",
            ),
        ]);
        assert_eq!(g.matches(&sub_hole), Match::Yes);
        // Unknown resource group where the glob is literal: cannot tell.
        let rg_hole = id(&[
            Some("/subscriptions/s/resourceGroups/"),
            None,
            Some("/providers/Microsoft.Compute/galleries/corpGallery/images/u"),
        ]);
        assert_eq!(g.matches(&rg_hole), Match::Maybe);
        // Unknown resource group but a managed image: no value can make it match.
        let managed = id(&[
            Some("/subscriptions/s/resourceGroups/"),
            None,
            Some("/providers/Microsoft.Compute/images/u"),
        ]);
        assert_eq!(g.matches(&managed), Match::No);
    }

    #[test]
    fn the_reason_names_the_hole_that_decides() {
        let p = policy();
        let parts = vec![
            Part::Text("/subscriptions/".into()),
            Part::Hole(unset(DeploymentSetting::Subscription)),
            Part::Text("/resourceGroups/".into()),
            Part::Hole(unset(DeploymentSetting::ResourceGroup)),
            Part::Text(
                "/providers/Microsoft.Compute/galleries/corpGallery/images/u/versions/1.0.0".into(),
            ),
        ];
        let image = Image::from_id(&Value::composed(Kind::Partial(parts)));
        match p.judge(&image) {
            Verdict::Unresolved(why) => assert_eq!(why, unset(DeploymentSetting::ResourceGroup)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn verdicts() {
        let p = policy();
        let base = "/subscriptions/s/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu";
        assert_eq!(
            p.judge(&image(&format!("{base}/versions/1.0.0"))),
            Verdict::Compliant
        );
        assert_eq!(p.judge(&image(base)), Verdict::Unpinned);
        assert_eq!(
            p.judge(&image(&format!("{base}/versions/latest"))),
            Verdict::Unpinned
        );
        assert_eq!(
            p.judge(&image("/subscriptions/s/resourceGroups/rg-golden/providers/Microsoft.Compute/images/legacy")),
            Verdict::Unapproved
        );
        assert_eq!(
            p.judge(&image("/CommunityGalleries/x/Images/y/Versions/1.0.0")),
            Verdict::Unapproved
        );
        assert_eq!(
            p.judge(&Image::Vhd("https://a/b.vhd".into())),
            Verdict::Unapproved
        );
        assert_eq!(
            p.judge(&Image::WellKnown("ubuntu-22.04/latest".into())),
            Verdict::Unapproved
        );
        assert_eq!(
            p.judge(&Image::AttachedDisk("d".into())),
            Verdict::NotJudged
        );
    }

    #[test]
    fn marketplace_rules() {
        let p = policy();
        let m = |publisher: Seg, sku: &str| {
            Image::Marketplace(Marketplace {
                publisher,
                offer: Seg::Known("0001-com-ubuntu-server-jammy".into()),
                sku: Seg::Known(sku.into()),
                version: Some(Seg::Known("latest".into())),
                plan: None,
            })
        };
        assert_eq!(
            p.judge(&m(Seg::Known("canonical".into()), "22_04-lts-gen2")),
            Verdict::Compliant
        );
        assert_eq!(
            p.judge(&m(Seg::Known("Canonical".into()), "20_04-lts")),
            Verdict::Unapproved
        );
        // Unknown publisher, known SKU that is allowed: cannot tell.
        assert!(matches!(
            p.judge(&m(Seg::Hole(unset_parameter("publisher")), "22_04-lts-gen2")),
            Verdict::Unresolved(w) if w == unset_parameter("publisher")
        ));
        // Unknown publisher but a SKU no rule allows: unapproved whatever the publisher is.
        assert_eq!(
            p.judge(&m(Seg::Hole(unset_parameter("x")), "2022-datacenter")),
            Verdict::Unapproved
        );
    }

    const UBUNTU: &str = "/subscriptions/s/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu";

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn published(name: &str, eol: Option<&str>, excluded: bool) -> PublishedVersion {
        PublishedVersion {
            definition: Some(
                UBUNTU
                    .trim_start_matches('/')
                    .split('/')
                    .map(String::from)
                    .collect(),
            ),
            name: name.into(),
            end_of_life: eol.map(date),
            exclude_from_latest: excluded,
            published: None,
        }
    }

    /// A policy whose `ubuntu` definition has a lifecycle: minimum 1.4.0, `1.5.*` and `1.6.1`
    /// deprecated, and a snapshot; today is 2026-11-28.
    fn lifecycle(end_of_life: Option<&str>) -> Policy {
        let mut p = policy();
        p.lifecycle = vec![Lifecycle {
            id: IdGlob::parse(&GOLDEN.replace("images/*", "images/ubuntu")).unwrap(),
            min_version: VersionNumber::parse("1.4.0"),
            deprecated: vec!["1.5.*".into(), "1.6.1".into()],
            end_of_life: end_of_life.map(date),
            versions: vec![
                published("1.4.0", Some("2026-01-31"), false),
                published("1.6.0", None, false),
                published("1.6.2", Some("2027-06-30"), false),
                // Newer, but kept from `latest` by its publisher.
                published("1.7.0", None, true),
                published("1.10.0", Some("2026-11-27"), false),
            ],
        }];
        p.today = Some(date("2026-11-28"));
        p
    }

    fn reasons(p: &Policy, version: &str) -> Vec<Reason> {
        match p.judge(&image(&format!("{UBUNTU}/versions/{version}"))) {
            Verdict::Deprecated(d) => {
                assert_eq!(d.version, version);
                d.reasons
            }
            Verdict::Compliant => Vec::new(),
            other => panic!("{version}: {other:?}"),
        }
    }

    /// Azure Compute Gallery versions are `MajorVersion.MinorVersion.Patch`, 32-bit integers,
    /// and "latest" is the highest Major, then Minor, then Patch:
    /// https://learn.microsoft.com/azure/virtual-machines/shared-image-galleries#image-versions
    #[test]
    fn versions_compare_as_three_integers() {
        let v = |t: &str| VersionNumber::parse(t);
        assert!(v("1.10.0") > v("1.9.99"));
        assert!(v("2.0.0") > v("1.99.99"));
        assert_eq!(v("01.4.0"), v("1.4.0"));
        assert_eq!(v("4294967295.0.0"), Some(VersionNumber(u32::MAX, 0, 0)));
        for bad in [
            "latest",
            "1.4",
            "1.4.0.0",
            "1.4.0-beta",
            "v1.4.0",
            "",
            "1..0",
            "4294967296.0.0",
            "+1.2.3",
        ] {
            assert_eq!(v(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_deprecation_reason_is_decided_in_the_judgement() {
        let p = lifecycle(None);
        // Below the minimum, and past its own end of life (the snapshot's endOfLifeDate).
        assert_eq!(
            reasons(&p, "1.3.9"),
            [Reason::BelowMinimum {
                minimum: VersionNumber(1, 4, 0)
            }]
        );
        assert_eq!(
            reasons(&p, "1.4.0"),
            [Reason::VersionEndOfLife {
                date: date("2026-01-31")
            }]
        );
        // A deprecated glob, and a deprecated exact version (case-insensitive text).
        assert_eq!(
            reasons(&p, "1.5.3"),
            [Reason::Listed {
                pattern: "1.5.*".into()
            }]
        );
        assert_eq!(
            reasons(&p, "1.6.1"),
            [Reason::Listed {
                pattern: "1.6.1".into()
            }]
        );
        // Good versions; an end of life that is today is not past yet.
        assert!(reasons(&p, "1.6.0").is_empty());
        assert!(reasons(&p, "1.6.2").is_empty());
        assert!(reasons(&lifecycle(Some("2026-11-28")), "1.6.2").is_empty());
        // A version the minimum cannot compare is not "older".
        assert!(reasons(&p, "1.4.0-hotfix").is_empty());
        // The definition's end of life deprecates every version, and comes first.
        let ended = lifecycle(Some("2026-11-27"));
        assert_eq!(
            reasons(&ended, "1.3.0"),
            [
                Reason::DefinitionEndOfLife {
                    date: date("2026-11-27")
                },
                Reason::BelowMinimum {
                    minimum: VersionNumber(1, 4, 0)
                },
            ]
        );
        assert_eq!(
            reasons(&ended, "1.6.2"),
            [Reason::DefinitionEndOfLife {
                date: date("2026-11-27")
            }]
        );
        // Another definition of the same gallery has no lifecycle: compliant.
        let other = UBUNTU.replace("ubuntu", "windows");
        assert_eq!(
            p.judge(&image(&format!("{other}/versions/1.0.0"))),
            Verdict::Compliant
        );
    }

    #[test]
    fn one_image_is_in_one_state() {
        let p = lifecycle(Some("2020-01-01"));
        // Unpinned stays IG003 even when every version is past its definition's end of life.
        assert_eq!(p.judge(&image(UBUNTU)), Verdict::Unpinned);
        assert_eq!(
            p.judge(&image(&format!("{UBUNTU}/versions/latest"))),
            Verdict::Unpinned
        );
        // Unapproved stays IG001, whatever its version.
        let elsewhere = UBUNTU.replace("rg-golden", "rg-other");
        assert_eq!(
            p.judge(&image(&format!("{elsewhere}/versions/1.0.0"))),
            Verdict::Unapproved
        );
        // An unknown resource group (literal in the glob) stays IG002.
        let parts = vec![
            Part::Text("/subscriptions/s/resourceGroups/".into()),
            Part::Hole(unset(DeploymentSetting::ResourceGroup)),
            Part::Text(
                "/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu/versions/1.0.0"
                    .into(),
            ),
        ];
        let unknown = Image::from_id(&Value::composed(Kind::Partial(parts)));
        assert!(matches!(p.judge(&unknown), Verdict::Unresolved(_)));
        // An unknown subscription (a wildcard in the glob) is still judged for its version,
        // with the snapshot's versions of that gallery.
        let parts = vec![
            Part::Text("/subscriptions/".into()),
            Part::Hole(unset(DeploymentSetting::Subscription)),
            Part::Text("/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu/versions/1.4.0".into()),
        ];
        let sub = Image::from_id(&Value::composed(Kind::Partial(parts)));
        assert!(matches!(p.judge(&sub), Verdict::Deprecated(d) if d.reasons.len() == 2));
    }

    #[test]
    fn an_unknown_version_of_a_definition_with_a_lifecycle_is_never_compliant_unchecked() {
        let version_hole = |p: &Policy| {
            let parts = vec![
                Part::Text(format!("{UBUNTU}/versions/")),
                Part::Hole(unset(DeploymentSetting::Subscription)),
            ];
            p.judge(&Image::from_id(&Value::composed(Kind::Partial(parts))))
        };
        // A minimum, deprecated globs: the version decides, and it is not known.
        assert!(matches!(
            version_hole(&lifecycle(None)),
            Verdict::Unresolved(_)
        ));
        // Past the definition's end of life: deprecated whatever the version.
        assert!(matches!(
            version_hole(&lifecycle(Some("2026-06-30"))),
            Verdict::Deprecated(d) if d.reasons == [Reason::DefinitionEndOfLife { date: date("2026-06-30") }]
        ));
        // No lifecycle for the definition: every version is approved.
        let mut p = lifecycle(None);
        p.lifecycle.clear();
        assert_eq!(version_hole(&p), Verdict::Compliant);
    }

    #[test]
    fn the_newest_good_version_comes_from_the_snapshot() {
        let definition = match image(UBUNTU) {
            Image::Gallery { definition, .. } => definition,
            other => panic!("{other:?}"),
        };
        // 1.10.0 is past its end of life, 1.7.0 excluded from latest: 1.6.2.
        assert_eq!(
            lifecycle(None).newest_version(&definition).as_deref(),
            Some("1.6.2")
        );
        // Nothing is good once the definition has ended.
        assert_eq!(
            lifecycle(Some("2026-01-01")).newest_version(&definition),
            None
        );
        // Without a lifecycle, nothing is known.
        assert_eq!(policy().newest_version(&definition), None);
    }

    #[test]
    fn bad_globs_are_rejected() {
        assert!(IdGlob::parse("subscriptions/*").is_err());
        assert!(IdGlob::parse("/subscriptions//x").is_err());
        assert!(IdGlob::parse("/a/b**").is_err());
        assert!(IdGlob::parse("/a/[ab]").is_err());
    }

    #[test]
    fn wildcard_basics() {
        assert!(wildcard(b"a*c", b"abbbc"));
        assert!(wildcard(b"*", b""));
        assert!(wildcard(b"a?c", b"abc"));
        assert!(!wildcard(b"a?c", b"ac"));
        assert!(!wildcard(b"abc", b"abcd"));
    }

    proptest::proptest! {
        /// Soundness: if an ID with a hole is judged approved, every filling of the hole is.
        #[test]
        fn a_hole_approved_means_every_filling_approved(
            fill in "[a-zA-Z0-9-]{1,12}",
            prefix in proptest::sample::select(vec![
                "/subscriptions/", "/subscriptions/s/resourceGroups/",
                "/subscriptions/s/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/",
            ]),
        ) {
            let tail = "/images/u";
            let full_tail = match prefix {
                "/subscriptions/" => "/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/u",
                "/subscriptions/s/resourceGroups/" => "/providers/Microsoft.Compute/galleries/corpGallery/images/u",
                _ => tail,
            };
            let g = IdGlob::parse(GOLDEN).unwrap();
            let holed = g.matches(&id(&[Some(prefix), None, Some(full_tail)]));
            let filled = g.matches(&id(&[Some(&format!("{prefix}{fill}{full_tail}"))]));
            if holed == Match::Yes { proptest::prop_assert_eq!(filled, Match::Yes); }
            if holed == Match::No { proptest::prop_assert_eq!(filled, Match::No); }
        }
    }

    #[test]
    fn a_pattern_covers_a_name_with_unknown_parts_only_whatever_they_are() {
        // `vm-<suffix>-web`: the unknown part is bytes 3..11.
        let text = "vm-<suffix>-web";
        let unknown = [(3, 11)];
        for (pattern, covers) in [
            ("vm-*", true),
            ("*-web", true),
            ("VM-*-WEB", true),
            ("*", true),
            // Each needs the part to be something in particular.
            ("vm-prod-*", false),
            ("vm-?-web", false),
            ("vm--web", false),
            ("*suffix*", false),
            ("vm-<suffix>-web", false),
        ] {
            assert_eq!(
                wildcard_whatever(pattern, text, &unknown),
                covers,
                "{pattern}"
            );
        }
        // A wholly known name matches as any text does.
        assert!(wildcard_whatever("vm-*-web", "vm-1-web", &[]));
        assert!(!wildcard_whatever("vm-?-web", "vm-12-web", &[]));
    }
}
