//! `imagegate.toml`: the policy (what is approved), the mode and the deployment scope.
//!
//! Discovery looks for `imagegate.toml` or `.imagegate.toml` from the paths given on the
//! command line upward, then from the working directory ([`Config::discover`]); one config
//! holds for the whole run, never one per folder. Without one, the embedded default approves
//! every image definition in any private Azure Compute Gallery and nothing else, in deny mode.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::judge::{GlobError, IdGlob, MarketplaceRule, Policy};
use crate::rules::{Rule, Severity};

/// The default approved-image glob: any image definition in any private Compute Gallery.
pub const DEFAULT_IMAGE_GLOB: &str =
    "/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/*/images/*";

/// Config file names searched for, in order, in each directory.
pub const CONFIG_NAMES: [&str; 2] = ["imagegate.toml", ".imagegate.toml"];

/// Deny (image findings are errors) or audit (they are warnings).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Unapproved images are errors: the run fails.
    #[default]
    Deny,
    /// Unapproved images are warnings: report, don't block.
    Audit,
}

/// A rule's severity as `[rules]` sets it: one of the severities, or `off` (not reported).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Fails the run (in deny mode).
    Error,
    /// Reported; does not fail the run.
    Warning,
    /// Informational.
    Note,
    /// Not reported at all.
    Off,
}

impl Level {
    /// The severity, or `None` for `off`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Note => Some(Severity::Note),
            Level::Off => None,
        }
    }

    /// The lower-case name, as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
            Level::Off => "off",
        }
    }
}

/// Values of the deployment scope used by the evaluator where templates ask for them.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DeploymentScope {
    /// The deploying subscription's ID.
    pub subscription_id: Option<String>,
    /// The deploying resource group's name.
    pub resource_group: Option<String>,
    /// The deployment location.
    pub location: Option<String>,
    /// The tenant ID.
    pub tenant_id: Option<String>,
}

/// The effective configuration of a run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where it came from (`None`: the embedded default).
    pub path: Option<PathBuf>,
    /// Deny or audit.
    pub mode: Mode,
    /// What is approved.
    pub policy: Policy,
    /// Deployment scope values.
    pub deployment: DeploymentScope,
    /// Parameter files mapped to templates by the config (canonical template path → files),
    /// in addition to the ones found beside each template.
    pub parameter_files: Vec<(PathBuf, Vec<PathBuf>)>,
    /// Terraform plans: also judge resources whose planned action is no-op (`--judge-no-op`).
    pub judge_no_op: bool,
    /// `[links]`: remote template URI prefixes and template-spec IDs that live in this
    /// repository too, each with the local path it stands for (relative to the config's
    /// folder, joined), so linked templates are followed offline.
    pub links: Vec<(String, PathBuf)>,
    /// Severities set in `[rules]`, in rule order: they replace the rules' documented
    /// severities (audit mode still lowers an image rule's error to a warning).
    pub rules: Vec<(Rule, Level)>,
}

/// A config that cannot be used; the message names the file, line and key.
#[derive(Debug)]
pub enum ConfigError {
    /// The file cannot be read.
    Read {
        /// The config file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// The file is not valid TOML, or has a key or value the schema does not allow.
    Invalid {
        /// `file:line` (or the file when the parser gives no position).
        place: String,
        /// What the TOML parser said.
        message: String,
    },
    /// A `[parameter_files]` path that does not resolve.
    ParameterFile {
        /// The config file.
        file: String,
        /// The path as written.
        path: String,
        /// What the system said.
        error: std::io::Error,
    },
    /// An `approved.images` glob that is not valid.
    BadGlob {
        /// `file:line`.
        place: String,
        /// The glob as written.
        glob: String,
        /// What is wrong with it.
        error: GlobError,
    },
    /// An `approved.marketplace` field that is empty.
    EmptyMarketplaceField {
        /// `file:line`.
        place: String,
        /// `publisher`, `offer` or `sku`.
        key: &'static str,
    },
    /// An `approved.images` glob that no image definition ID can match: it would approve
    /// nothing, silently.
    UnmatchableGlob {
        /// `file:line`.
        place: String,
        /// The glob as written.
        glob: String,
        /// What it looks like instead.
        shape: GlobShape,
    },
    /// Two paths of the run lie under different configs: one run has one policy.
    Conflicting {
        /// The first path, as given, and its config.
        first: (PathBuf, PathBuf),
        /// Another path, as given, and its (different) config.
        second: (PathBuf, PathBuf),
    },
    /// A `[rules]` key that names no rule.
    UnknownRule {
        /// `file:line`.
        place: String,
        /// The key as written.
        key: String,
    },
    /// Two `[rules]` keys (an id and a name) that name the same rule.
    RuleSetTwice {
        /// `file:line` of the second.
        place: String,
        /// The rule's id.
        rule: &'static str,
    },
}

/// What an `approved.images` glob that can match no image definition ID matches instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobShape {
    /// A gallery's ID (`…/galleries/G`): the images in it are one or two segments further.
    Gallery,
    /// An image version's ID (`…/images/I/versions/V`): images are judged by their
    /// definition, so a version glob never matches.
    Version,
    /// Something else (a resource group, a subscription, a path of the wrong length).
    Other,
}

impl GlobShape {
    /// How to fix a glob of this shape.
    fn fix(self) -> &'static str {
        match self {
            GlobShape::Gallery => {
                "it names a gallery, not an image definition; add `/images/*` to approve every image in the gallery"
            }
            GlobShape::Version => {
                "it names image versions, but globs match image definition IDs (a version is approved when its definition is); remove `/versions/…`"
            }
            GlobShape::Other => {
                "it can match no image definition ID such as `/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/*/images/*`"
            }
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::Read { path, error } => {
                write!(f, "cannot read config file {}: {error}", path.display())
            }
            ConfigError::Invalid { place, message } => {
                write!(f, "invalid config {place}: {message}")
            }
            ConfigError::ParameterFile { file, path, error } => write!(
                f,
                "invalid config {file}: key `parameter_files`: `{path}`: {error}"
            ),
            ConfigError::BadGlob { place, glob, error } => write!(
                f,
                "invalid config {place}: key `approved.images`: bad glob `{glob}`: {error}"
            ),
            ConfigError::EmptyMarketplaceField { place, key } => write!(
                f,
                "invalid config {place}: key `approved.marketplace.{key}` must not be empty"
            ),
            ConfigError::UnmatchableGlob { place, glob, shape } => write!(
                f,
                "invalid config {place}: key `approved.images`: `{glob}` would approve nothing: {}",
                shape.fix()
            ),
            ConfigError::Conflicting { first, second } => write!(
                f,
                "`{}` and `{}` are governed by different configs ({} and {}); one run has one policy: check them separately or name one with --config",
                first.0.display(),
                second.0.display(),
                first.1.display(),
                second.1.display()
            ),
            ConfigError::UnknownRule { place, key } => write!(
                f,
                "invalid config {place}: key `rules.{key}` names no rule (known: {}; `imagegate rules` lists them)",
                Rule::ALL
                    .iter()
                    .map(|r| r.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ConfigError::RuleSetTwice { place, rule } => write!(
                f,
                "invalid config {place}: key `rules`: {rule} is set twice (by its id and its name); keep one"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    mode: Option<Mode>,
    approved: Option<Approved>,
    deployment: Option<DeploymentScope>,
    #[serde(default)]
    parameter_files: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    links: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    rules: std::collections::BTreeMap<toml::Spanned<String>, toml::Spanned<Level>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Approved {
    images: Option<Vec<toml::Spanned<String>>>,
    #[serde(default)]
    marketplace: Vec<toml::Spanned<MarketplaceEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarketplaceEntry {
    publisher: String,
    offer: String,
    sku: String,
    version: Option<String>,
}

impl Config {
    /// The embedded default.
    pub fn embedded() -> Config {
        Config {
            path: None,
            mode: Mode::Deny,
            policy: Policy {
                images: vec![IdGlob::parse(DEFAULT_IMAGE_GLOB).expect("default glob is valid")],
                marketplace: Vec::new(),
                ..Policy::default()
            },
            deployment: DeploymentScope::default(),
            parameter_files: Vec::new(),
            judge_no_op: false,
            links: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// The level `[rules]` sets for `rule`, if it sets one.
    pub fn level(&self, rule: Rule) -> Option<Level> {
        self.rules.iter().find(|(r, _)| *r == rule).map(|(_, l)| *l)
    }

    /// Finds the config of a run over `paths` from `cwd`: `explicit` if given; else the config
    /// that governs the paths (`governing`: from each upward, the one nearest the top of its
    /// git repository or of the working directory), which must be one and the same for all
    /// of them; else the one that governs `cwd`; else the embedded default.
    pub fn discover(
        explicit: Option<&Path>,
        paths: &[PathBuf],
        cwd: &Path,
    ) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
        let mut chosen: Option<(PathBuf, PathBuf)> = None;
        for path in paths {
            let absolute = cwd.join(path);
            let absolute = absolute.canonicalize().unwrap_or(absolute);
            let Some(found) = governing(&absolute, &cwd) else {
                continue;
            };
            match &chosen {
                Some((first, config)) if *config != found => {
                    return Err(ConfigError::Conflicting {
                        first: (first.clone(), config.clone()),
                        second: (path.clone(), found),
                    });
                }
                Some(_) => {}
                None => chosen = Some((path.clone(), found)),
            }
        }
        let found = chosen
            .map(|(_, config)| config)
            .or_else(|| governing(&cwd, &cwd));
        match found {
            Some(path) => Config::load(&path),
            None => Ok(Config::embedded()),
        }
    }

    /// Reads and validates one config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Config::parse(&text, path)
    }

    /// Parses config text; `path` is used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display();
        let at = |span: std::ops::Range<usize>| {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("{shown}:{line}")
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let place = e.span().map_or_else(|| shown.to_string(), &at);
            let message = e.message().trim_end().replace('\n', " ");
            // Serde names a missing or unknown field, not the table it is in: say the key.
            let message = match e.span().and_then(|span| key_path(text, span)) {
                Some(key) => format!("key `{key}`: {message}"),
                None => message,
            };
            ConfigError::Invalid { place, message }
        })?;
        let mut config = Config::embedded();
        config.path = Some(path.to_path_buf());
        config.mode = file.mode.unwrap_or_default();
        config.deployment = file.deployment.unwrap_or_default();
        let base = path.parent().unwrap_or(Path::new("."));
        config.links = file
            .links
            .into_iter()
            .map(|(from, to)| (from, base.join(to)))
            .collect();
        for (template, files) in file.parameter_files {
            let resolve = |rel: &str| -> Result<PathBuf, ConfigError> {
                base.join(rel)
                    .canonicalize()
                    .map_err(|error| ConfigError::ParameterFile {
                        file: shown.to_string(),
                        path: rel.to_string(),
                        error,
                    })
            };
            let template_path = resolve(&template)?;
            let files = files.iter().map(|f| resolve(f)).collect::<Result<_, _>>()?;
            config.parameter_files.push((template_path, files));
        }
        let mut entries: Vec<_> = file.rules.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        for (key, level) in entries {
            let place = at(key.span());
            let rule = Rule::find(key.get_ref()).ok_or_else(|| ConfigError::UnknownRule {
                place: place.clone(),
                key: key.get_ref().clone(),
            })?;
            if config.level(rule).is_some() {
                return Err(ConfigError::RuleSetTwice {
                    place,
                    rule: rule.id(),
                });
            }
            config.rules.push((rule, *level.get_ref()));
        }
        config.rules.sort_by_key(|(r, _)| *r);
        if let Some(approved) = file.approved {
            if let Some(images) = approved.images {
                config.policy.images = images
                    .iter()
                    .map(|g| {
                        IdGlob::parse(g.get_ref()).map_err(|error| ConfigError::BadGlob {
                            place: at(g.span()),
                            glob: g.get_ref().clone(),
                            error,
                        })
                    })
                    .collect::<Result<_, _>>()?;
                for (glob, written) in config.policy.images.iter().zip(&images) {
                    if let Some(shape) = unmatchable(glob) {
                        return Err(ConfigError::UnmatchableGlob {
                            place: at(written.span()),
                            glob: glob.as_str().to_string(),
                            shape,
                        });
                    }
                }
            }
            config.policy.marketplace = approved
                .marketplace
                .into_iter()
                .map(|entry| {
                    let span = entry.span();
                    let e = entry.into_inner();
                    for (key, value) in [
                        ("publisher", &e.publisher),
                        ("offer", &e.offer),
                        ("sku", &e.sku),
                    ] {
                        if value.trim().is_empty() {
                            return Err(ConfigError::EmptyMarketplaceField {
                                place: at(span.clone()),
                                key,
                            });
                        }
                    }
                    Ok(MarketplaceRule {
                        publisher: e.publisher,
                        offer: e.offer,
                        sku: e.sku,
                        version: e.version,
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(config)
    }
}

/// The dotted path of the key whose entry holds the bytes `at` of the config `text`
/// (`approved.marketplace[1].sku`, `mode`), for errors that do not name it: the deepest key
/// or value (header tables' spans do not cover their keys, so every entry is looked at);
/// `None` when the text does not parse (the TOML parser's own errors) or nothing holds them.
fn key_path(text: &str, at: std::ops::Range<usize>) -> Option<String> {
    use toml::de::{DeTable, DeValue};
    /// Where the walk is: the path so far and the deepest holder found.
    struct Walk {
        at: usize,
        path: Vec<String>,
        best: Option<(usize, String)>,
    }
    impl Walk {
        fn holds(&self, span: std::ops::Range<usize>) -> bool {
            span.start <= self.at && self.at < span.end.max(span.start + 1)
        }
        fn found(&mut self) {
            let depth = self.path.len();
            if self.best.as_ref().is_none_or(|(d, _)| depth > *d) {
                let mut text = String::new();
                for step in &self.path {
                    if !text.is_empty() && !step.starts_with('[') {
                        text.push('.');
                    }
                    text.push_str(step);
                }
                self.best = Some((depth, text));
            }
        }
        fn table(&mut self, t: &DeTable<'_>) {
            for (key, value) in t.iter() {
                self.path.push(key.get_ref().to_string());
                if self.holds(key.span()) || self.holds(value.span()) {
                    self.found();
                }
                self.value(value.get_ref());
                self.path.pop();
            }
        }
        fn value(&mut self, v: &DeValue<'_>) {
            match v {
                DeValue::Table(t) => self.table(t),
                DeValue::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.path.push(format!("[{i}]"));
                        if self.holds(item.span()) {
                            self.found();
                        }
                        self.value(item.get_ref());
                        self.path.pop();
                    }
                }
                _ => {}
            }
        }
    }
    let Ok(document) = DeTable::parse(text) else {
        return line_key(text, at.start);
    };
    let mut walk = Walk {
        at: at.start,
        path: Vec::new(),
        best: None,
    };
    walk.table(document.get_ref());
    walk.best.map(|(_, path)| path)
}

/// The key of the line holding byte `at` of a config `text` that does not parse (a repeated
/// key, a value left out), under the table header above it: `deployment.location`; the
/// header's own name on a header line.
fn line_key(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let header = |line: &str| {
        let line = line.trim();
        line.starts_with('[').then(|| {
            line.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
    };
    let line = &text[start..end];
    if let Some(name) = header(line) {
        return (!name.is_empty()).then_some(name);
    }
    let key = line.split_once('=')?.0.trim();
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let table = text[..start].lines().rev().find_map(header);
    Some(match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_string(),
    })
}

/// The config file that governs `path` (a file or folder, absolute) in a run from `cwd`
/// (absolute): searched upward from it (its folder, for a file). Below a top — the git
/// repository's (the nearest folder upward holding `.git`), else the working directory when
/// the path lies below it — the config nearest that top wins: a config lower in the tree,
/// which a pull request could add, never loosens the policy for its folder. Without a config
/// at or below the top, or without a top, the nearest one upward.
pub(crate) fn governing(path: &Path, cwd: &Path) -> Option<PathBuf> {
    let dir = if path.is_dir() { path } else { path.parent()? };
    let top = dir
        .ancestors()
        .find(|d| d.join(".git").exists())
        .or_else(|| dir.starts_with(cwd).then_some(cwd));
    let mut outermost = None;
    for d in dir.ancestors() {
        let here = CONFIG_NAMES.iter().map(|n| d.join(n)).find(|c| c.is_file());
        let below_top = top.is_some_and(|t| d.starts_with(t));
        if below_top {
            outermost = here.or(outermost);
            if Some(d) == top && outermost.is_some() {
                return outermost;
            }
        } else if here.is_some() {
            return here;
        }
    }
    None
}

/// The IDs an approved glob is meant to match, `*` standing for any one segment: image
/// definitions in private, direct shared, community and Dev Center galleries
/// (<https://learn.microsoft.com/azure/virtual-machines/shared-image-galleries>).
const DEFINITIONS: [&str; 6] = [
    "/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/*/images/*",
    "/SharedGalleries/*/Images/*",
    "/subscriptions/*/providers/Microsoft.Compute/locations/*/sharedGalleries/*/images/*",
    "/CommunityGalleries/*/Images/*",
    "/subscriptions/*/providers/Microsoft.Compute/locations/*/communityGalleries/*/images/*",
    "/subscriptions/*/resourceGroups/*/providers/Microsoft.DevCenter/devcenters/*/galleries/*/images/*",
];

/// Other resource IDs judged against the globs: managed images, and any resource of a
/// resource group used as an image (a DevTest Labs custom image, say), up to four levels of
/// child resources.
const OTHER_IMAGES: [&str; 5] = [
    "/subscriptions/*/resourceGroups/*/providers/*/*/*",
    "/subscriptions/*/resourceGroups/*/providers/*/*/*/*/*",
    "/subscriptions/*/resourceGroups/*/providers/*/*/*/*/*/*/*",
    "/subscriptions/*/resourceGroups/*/providers/*/*/*/*/*/*/*/*/*",
    "/subscriptions/*/resourceGroups/*/providers/*/*/*/*/*/*/*/*/*/*/*",
];

/// Segments that say a glob is about gallery images.
const GALLERY_WORDS: [&str; 3] = ["galleries", "sharedGalleries", "communityGalleries"];

/// An ID of the shape `shape` (`*`: a segment that can be anything).
fn shape_id(shape: &str) -> crate::image::IdPath {
    use crate::image::{IdPath, Seg};
    use crate::value::{Cause, Why};
    IdPath(
        shape
            .trim_start_matches('/')
            .split('/')
            .map(|s| match s {
                "*" => Seg::Hole(Why::new(Cause::ImagePartUnknown)),
                _ => Seg::Known(s.to_string()),
            })
            .collect(),
    )
}

/// Whether `glob` can match some ID of one of `shapes` (each with `suffix` appended).
fn can_match(glob: &IdGlob, shapes: &[&str], suffix: &str) -> bool {
    shapes.iter().any(|shape| {
        let id = shape_id(&format!("{shape}{suffix}"));
        glob.matches(&id) != crate::judge::Match::No
    })
}

/// What `glob` matches instead of image definitions, when it can match none: a glob that
/// names a gallery must be able to match one of its images' definition IDs, and any glob an
/// image resource ID.
fn unmatchable(glob: &IdGlob) -> Option<GlobShape> {
    let names_gallery = glob
        .as_str()
        .split('/')
        .any(|s| GALLERY_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)));
    if can_match(glob, &DEFINITIONS, "") {
        return None;
    }
    if !names_gallery && can_match(glob, &OTHER_IMAGES, "") {
        return None;
    }
    let gallery_ids: Vec<String> = DEFINITIONS
        .iter()
        .map(|d| d.rsplitn(3, '/').nth(2).unwrap_or(d).to_string())
        .collect();
    let gallery_ids: Vec<&str> = gallery_ids.iter().map(String::as_str).collect();
    Some(if can_match(glob, &DEFINITIONS, "/versions/*") {
        GlobShape::Version
    } else if can_match(glob, &gallery_ids, "") {
        GlobShape::Gallery
    } else {
        GlobShape::Other
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("imagegate.toml"))
    }

    #[test]
    fn full_config() {
        let c = parse(
            r#"
mode = "audit"
[approved]
images = ["/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*"]
marketplace = [{ publisher = "Canonical", offer = "0001-com-ubuntu-server-jammy", sku = "22_04-lts-gen2" }]
[deployment]
subscription_id = "00000000-0000-0000-0000-000000000000"
resource_group = "rg-app"
location = "westeurope"
"#,
        )
        .unwrap();
        assert_eq!(c.mode, Mode::Audit);
        assert_eq!(c.policy.images.len(), 1);
        assert_eq!(c.policy.marketplace.len(), 1);
        assert_eq!(c.deployment.resource_group.as_deref(), Some("rg-app"));
    }

    #[test]
    fn omitted_images_keep_the_default() {
        let c = parse("mode = \"deny\"\n[approved]\nmarketplace = []\n").unwrap();
        assert_eq!(c.policy.images[0].as_str(), DEFAULT_IMAGE_GLOB);
    }

    /// Each shape of error serde reports without the table it is in (a missing or unknown
    /// field, a value of the wrong type, a bad variant, a repeated key) names the key path, the
    /// file and the line: never a bare "missing field `sku`".
    #[test]
    fn every_schema_error_names_its_key() {
        let cases = [
            (
                "[[approved.marketplace]]\npublisher = \"Canonical\"\noffer = \"x\"\n",
                "imagegate.toml:1: key `approved.marketplace[0]`: missing field `sku`",
            ),
            (
                "[[approved.marketplace]]\npublisher = \"a\"\noffer = \"b\"\nsku = \"c\"\n\n[[approved.marketplace]]\npublisher = \"a\"\noffer = \"b\"\n",
                "imagegate.toml:6: key `approved.marketplace[1]`: missing field `sku`",
            ),
            (
                "[approved]\nmarketplace = [{ publisher = \"a\", offer = \"b\" }]\n",
                "imagegate.toml:2: key `approved.marketplace[0]`: missing field `sku`",
            ),
            (
                "[[approved.marketplace]]\npublisher = \"a\"\noffer = \"b\"\nsku = 3\n",
                "imagegate.toml:4: key `approved.marketplace[0].sku`: invalid type: integer `3`, expected a string",
            ),
            (
                "[[approved.marketplace]]\npublisher = \"a\"\noffer = \"b\"\nsku = \"c\"\nversions = \"1\"\n",
                "imagegate.toml:5: key `approved.marketplace[0].versions`: unknown field `versions`",
            ),
            (
                "[approved]\nimages = \"x\"\n",
                "imagegate.toml:2: key `approved.images`: invalid type: string \"x\", expected a sequence",
            ),
            (
                "[approved]\nimages = [\"/a\", 3]\n",
                "imagegate.toml:2: key `approved.images[1]`: invalid type: integer `3`, expected a string",
            ),
            (
                "[deployment]\nsubscription = \"x\"\n",
                "imagegate.toml:2: key `deployment.subscription`: unknown field `subscription`",
            ),
            (
                "[rules]\nIG001 = \"loud\"\n",
                "imagegate.toml:2: key `rules.IG001`: unknown variant `loud`",
            ),
            (
                "[links]\n\"https://x/\" = 3\n",
                "imagegate.toml:2: key `links.https://x/`: invalid type: integer `3`, expected a string",
            ),
            (
                "mode = \"strict\"\n",
                "imagegate.toml:1: key `mode`: unknown variant `strict`",
            ),
            (
                "colour = 1\n",
                "imagegate.toml:1: key `colour`: unknown field `colour`",
            ),
            (
                "mode = \"deny\"\nmode = \"audit\"\n",
                "imagegate.toml:2: key `mode`: duplicate key",
            ),
            // Not TOML: the key of the line, under its table.
            (
                "[deployment]\nlocation = westeurope\n",
                "imagegate.toml:2: key `deployment.location`: ",
            ),
        ];
        for (text, wanted) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with("invalid config "), "{e}");
            assert!(
                e.contains(wanted),
                "{text:?}:\n  got    {e}\n  wanted {wanted}"
            );
        }
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = parse("mode = \"deny\"\n\n[approved]\nimagez = []\n").unwrap_err();
        assert!(e.to_string().contains("imagegate.toml:4"), "{e}");
        assert!(e.to_string().contains("imagez"), "{e}");
        let e = parse("[approved]\nimages = [\n  \"/ok/*\",\n  \"no-slash\",\n]\n").unwrap_err();
        assert!(e.to_string().contains("imagegate.toml:4"), "{e}");
        assert!(e.to_string().contains("approved.images"), "{e}");
        let e = parse("mode = \"block\"\n").unwrap_err();
        assert!(
            e.to_string().contains("imagegate.toml:1") && e.to_string().contains("block"),
            "{e}"
        );
        let e = parse("[[approved.marketplace]]\npublisher = \"\"\noffer = \"o\"\nsku = \"s\"\n")
            .unwrap_err();
        assert!(
            e.to_string().contains("approved.marketplace.publisher"),
            "{e}"
        );
    }

    #[test]
    fn globs_that_can_match_no_image_definition_are_errors() {
        let config = |glob: &str| parse(&format!("[approved]\nimages = [\n  \"{glob}\",\n]\n"));
        let base = "/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery";
        let shape = |glob: &str| match config(glob) {
            Err(ConfigError::UnmatchableGlob { place, shape, .. }) => {
                assert_eq!(place, "imagegate.toml:3");
                Some(shape)
            }
            Err(e) => panic!("{glob}: {e}"),
            Ok(_) => None,
        };
        // A gallery ID, and a version ID (definitions are what is judged).
        assert_eq!(shape(base), Some(GlobShape::Gallery));
        assert_eq!(
            shape(&format!("{base}/images/ubuntu/versions/1.4.0")),
            Some(GlobShape::Version)
        );
        assert_eq!(
            shape(&format!("{base}/images/*/versions/*")),
            Some(GlobShape::Version)
        );
        assert_eq!(
            shape("/subscriptions/*/resourceGroups/rg-golden"),
            Some(GlobShape::Other)
        );
        assert_eq!(
            shape("/SharedGalleries/corp-1a2b"),
            Some(GlobShape::Gallery)
        );
        // What can match an image stays accepted.
        for ok in [
            format!("{base}/images/*"),
            format!("{base}/images/ubuntu-*"),
            format!("{base}/**"),
            "/**".to_string(),
            "/subscriptions/*/resourceGroups/rg-golden/**".to_string(),
            "/SharedGalleries/corp-1a2b/Images/*".to_string(),
            "/CommunityGalleries/*/Images/ubuntu".to_string(),
            "/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/images/*".to_string(),
            "/subscriptions/*/resourceGroups/*/providers/Microsoft.DevCenter/devcenters/*/galleries/*/images/*".to_string(),
            "/subscriptions/*/resourceGroups/rg/providers/Microsoft.DevTestLab/labs/lab/customimages/*".to_string(),
        ] {
            assert_eq!(shape(&ok), None, "{ok}");
        }
        let e = config(base).unwrap_err().to_string();
        assert!(
            e.contains("approved.images") && e.contains("add `/images/*`"),
            "{e}"
        );
        let e = config(&format!("{base}/images/x/versions/1"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("remove `/versions/…`"), "{e}");
    }
}
