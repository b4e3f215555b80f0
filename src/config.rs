//! `imagegate.toml`: the policy (what is approved), the mode and the deployment scope.
//!
//! Discovery looks for `imagegate.toml` or `.imagegate.toml` from the paths given on the
//! command line upward, then from the working directory ([`Config::discover`]); one config
//! holds for the whole run, never one per folder. Without one, the embedded default approves
//! every image definition in any private Azure Compute Gallery and nothing else, in deny mode.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::judge::{GlobError, IdGlob, MarketplaceRule, Policy};
use crate::rules::{Rule, Severity, TagPolicy};

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

/// How findings about latent resources count (`[judge] latent`): resources, modules and
/// nested deployments that the parameter defaults leave out by a condition a deployer can
/// make true.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LatentLevel {
    /// Judged like any resource: their findings have their rules' severities.
    Error,
    /// Judged, and their errors are warnings (the default): reported, never failing the run.
    #[default]
    Warning,
    /// Not judged: left out, as the defaults leave them out.
    Off,
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
    /// Where it stands (`None`: the embedded default): the config file the run is governed
    /// by, whose folder the project paths it names are relative to. Usually the file read;
    /// with [`Config::load_as`], the place a copy read from elsewhere stands for.
    pub path: Option<PathBuf>,
    /// The file whose bytes were read, when it is not `path` ([`Config::load_as`]: the
    /// GitHub Action reads the base branch's policy from a private copy).
    pub read_from: Option<PathBuf>,
    /// The SHA-256 of the bytes read, in lowercase hex (`None`: the embedded default): what
    /// every report shows, so that a caller can tell the policy it meant was the one read.
    pub sha256: Option<String>,
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
    /// `[judge] latent`: how resources left out only by conditions false under parameter
    /// defaults a deployer can change are judged.
    pub latent: LatentLevel,
    /// `[links]`: remote template URI prefixes and template-spec IDs that live in this
    /// repository too, each with the local path it stands for (relative to the config's
    /// folder, joined), so linked templates are followed offline.
    pub links: Vec<(String, PathBuf)>,
    /// Severities set in `[rules]`, in rule order: they replace the rules' documented
    /// severities (audit mode still lowers an image rule's error to a warning).
    pub rules: Vec<(Rule, Level)>,
    /// `[[exempt]]`: findings that do not count, each with its reason and expiry, in the
    /// config's order.
    pub exemptions: Vec<Exemption>,
    /// `inline_exemptions`: whether comments in the templates (`// imagegate-ignore IG001:
    /// reason`, Bicep's `#disable-next-line imagegate-IG001`) exempt findings (default: yes).
    /// Turned off, they exempt nothing and each is reported (IG009).
    pub inline_exemptions: bool,
    /// The day of the run, against which expiry dates are judged ([`crate::date::today`];
    /// set by the command line).
    pub today: crate::date::Date,
    /// `[tags]`: the tags image-bearing resources must carry (IG005), the tag that states
    /// their image version (IG007), and the tag that names their owner.
    pub tags: TagPolicy,
    /// The findings exemption comments may exempt, when the run is told
    /// (`--trusted-exemptions`: on a pull request, what the base branch's comments exempt);
    /// `None`: every comment exempts what it covers. Not a key of the file: the command line
    /// sets it, like `today`.
    pub trusted_exemptions: Option<std::sync::Arc<TrustedExemptions>>,
    /// `[fix]`: what `check --fix` may change beyond pinning approved images.
    pub fix: FixPolicy,
}

/// `[fix]`: the changes `check --fix` makes only because the config names them (#26).
#[derive(Clone, Debug, Default)]
pub struct FixPolicy {
    /// `replace`: unapproved images (IG001) and the approved gallery image each is replaced
    /// by, in the order written (the first that matches an image replaces it).
    pub replace: Vec<Replacement>,
}

/// One `[fix] replace` entry: the images it matches, and the approved gallery image that
/// replaces them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    /// The key as written.
    pub written: String,
    /// What it matches.
    pub pattern: ReplacePattern,
    /// The ID of the approved gallery image definition (or version) that replaces what it
    /// matches, as written.
    pub with: String,
}

/// What a `[fix] replace` key matches, ASCII case ignored, `*` any run and `?` one
/// character ([`crate::judge::wildcard_ignore_case`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplacePattern {
    /// `publisher:offer:sku[:version]`: Marketplace (and platform) images, field by field as
    /// `[approved] marketplace` entries match them (any version when none is given; an image
    /// that gives none is `latest`).
    Marketplace {
        /// The publisher pattern.
        publisher: String,
        /// The offer pattern.
        offer: String,
        /// The SKU pattern.
        sku: String,
        /// The version pattern, if any.
        version: Option<String>,
    },
    /// An image resource ID pattern (starting with `/`), matched against the whole ID (a
    /// gallery image's with its `/versions/…`).
    Id(String),
}

/// The findings exemption comments may exempt in a run (`--trusted-exemptions FILE`, read by
/// `crate::suppress::read_trusted`): those that comments exempted in a run over a trusted tree
/// (`--write-trusted-exemptions FILE`; in the GitHub Action, the pull request's base branch), by
/// fingerprint as decided (the rule, the file, the resource's logical address, the image and
/// the parameter file: no lines, so a comment moved with its resource still exempts, and one
/// moved to another resource or left above a changed image does not).
#[derive(Debug, Default)]
pub struct TrustedExemptions {
    /// The fingerprints of the findings comments exempted there.
    fingerprints: foldhash::HashSet<String>,
}

impl TrustedExemptions {
    /// The trusted exemptions of the findings whose fingerprints are `prints`.
    pub fn new(prints: impl IntoIterator<Item = String>) -> TrustedExemptions {
        TrustedExemptions {
            fingerprints: prints.into_iter().collect(),
        }
    }

    /// Whether a comment may exempt the finding whose fingerprint (as decided) is `print`.
    pub fn holds(&self, print: &str) -> bool {
        self.fingerprints.contains(print)
    }
}

/// One `[[exempt]]` entry: the findings it matches (every criterion given must hold) and why
/// they do not count, until when.
#[derive(Clone, Debug)]
pub struct Exemption {
    /// A glob over the path of the finding's file or of its resource's file, relative to the
    /// config's folder, with `/` (`*` stays inside one folder, `**` crosses folders).
    pub path: Option<(String, globset::GlobMatcher)>,
    /// A wildcard pattern (`*`, `?`; ASCII case ignored) over the resource's name as reports
    /// show it, or its Terraform address.
    pub resource: Option<String>,
    /// The rules it exempts (none: every rule that can be exempted).
    pub rules: Vec<Rule>,
    /// A wildcard pattern (`*`, `?`; ASCII case ignored) over the image: its resource ID, a
    /// Marketplace or platform image's `publisher:offer:sku:version`, a VHD's URI.
    pub image: Option<String>,
    /// Why (required).
    pub reason: String,
    /// The last day it exempts (inclusive); `None`: it does not expire.
    pub expires: Option<crate::date::Date>,
    /// Its line in the config file (1-based).
    pub line: u32,
    /// The byte range of its table in the config file.
    pub bytes: std::ops::Range<usize>,
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
    /// An `[[exempt]]` entry that cannot be used.
    BadExemption {
        /// `file:line`.
        place: String,
        /// The key at fault (`exempt[2].rule`).
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A value the schema allows but that cannot be used: a version that is not
    /// `Major.Minor.Patch`, an empty tag name, a gallery snapshot that cannot be read.
    BadValue {
        /// `file:line`.
        place: String,
        /// The key's dotted path, e.g. `approved.image[0].min_version`.
        key: String,
        /// What is wrong with it.
        message: String,
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
            ConfigError::BadExemption {
                place,
                key,
                problem,
            } => write!(f, "invalid config {place}: key `{key}`: {problem}"),
            ConfigError::BadValue {
                place,
                key,
                message,
            } => write!(f, "invalid config {place}: key `{key}`: {message}"),
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
    #[serde(default)]
    exempt: Vec<toml::Spanned<ExemptEntry>>,
    inline_exemptions: Option<bool>,
    tags: Option<TagsEntry>,
    judge: Option<JudgeEntry>,
    fix: Option<FixEntry>,
}

/// `[fix]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixEntry {
    #[serde(default)]
    replace: std::collections::BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
}

/// `[judge]`: how what the templates leave open is judged.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JudgeEntry {
    latent: Option<LatentLevel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExemptEntry {
    path: Option<String>,
    resource: Option<String>,
    rule: Option<OneOrMany>,
    image: Option<String>,
    reason: String,
    expires: Option<crate::date::Date>,
}

/// A rule, or a list of rules.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `[tags]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagsEntry {
    #[serde(default)]
    required: Vec<toml::Spanned<String>>,
    image_version: Option<toml::Spanned<String>>,
    owner: Option<toml::Spanned<String>>,
}

/// One `[[approved.image]]`: an approved definition glob and its lifecycle.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImageEntry {
    id: toml::Spanned<String>,
    min_version: Option<toml::Spanned<String>>,
    #[serde(default)]
    deprecated: Vec<toml::Spanned<String>>,
    end_of_life: Option<crate::date::Date>,
    #[serde(default)]
    gallery_versions: Vec<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Approved {
    images: Option<Vec<toml::Spanned<String>>>,
    #[serde(default)]
    marketplace: Vec<toml::Spanned<MarketplaceEntry>>,
    #[serde(default)]
    image: Vec<ImageEntry>,
    #[serde(default)]
    factory: Vec<toml::Spanned<String>>,
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
            read_from: None,
            sha256: None,
            mode: Mode::Deny,
            policy: Policy {
                images: vec![IdGlob::parse(DEFAULT_IMAGE_GLOB).expect("default glob is valid")],
                marketplace: Vec::new(),
                ..Policy::default()
            },
            deployment: DeploymentScope::default(),
            parameter_files: Vec::new(),
            judge_no_op: false,
            latent: LatentLevel::Warning,
            links: Vec::new(),
            rules: Vec::new(),
            exemptions: Vec::new(),
            inline_exemptions: true,
            // The clock's date until the run sets its own (`Config::set_today`).
            today: crate::date::clock(),
            tags: TagPolicy::default(),
            trusted_exemptions: None,
            fix: FixPolicy::default(),
        }
    }

    /// Sets the run's "today": the day exemptions expire against and lifecycle ends of life
    /// are compared with (the policy reads it only for lifecycle dates).
    pub fn set_today(&mut self, today: crate::date::Date) {
        self.today = today;
        self.policy.today = Some(today);
    }

    /// The level `[rules]` sets for `rule`, if it sets one.
    pub fn level(&self, rule: Rule) -> Option<Level> {
        self.rules.iter().find(|(r, _)| *r == rule).map(|(_, l)| *l)
    }

    /// Finds the config of a run over `paths` from `cwd`: `explicit` if given; else the config
    /// that governs the paths (`governing`: from each upward, the one nearest the top of its
    /// git repository or of the working directory), which must be one and the same for all
    /// of them; else the one that governs `cwd`; else the embedded default.
    ///
    /// A config found (not named) is read only as a regular file, never through a symbolic
    /// link: a repository cannot make imagegate read, and quote in its errors, a file elsewhere
    /// (`imagegate.toml -> ~/.ssh/id_rsa`), nor wait on a FIFO; it cannot pass such a file off
    /// as no config either (the run stops, exit 2). A config named with `--config` is the
    /// user's choice, and may be a link.
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
            Some(path) => Config::read(&path, false),
            None => Ok(Config::embedded()),
        }
    }

    /// Reads and validates one config file, named by the user (through a symbolic link too).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::read(path, true)
    }

    /// Reads and validates one config file; through a symbolic link only when `follow`.
    fn read(path: &Path, follow: bool) -> Result<Config, ConfigError> {
        let text = read_text(path, follow)?;
        let mut config = Config::parse(&text, path)?;
        config.sha256 = Some(sha256_hex(text.as_bytes()));
        Ok(config)
    }

    /// Reads and validates the config file `file` as the config at `at` (which need not
    /// exist): the run is governed by it as by a config at `at`, which every report names
    /// and whose folder the project's files it names are relative to (`[parameter_files]`,
    /// `[links]`, `[[exempt]] path`), while the policy's own data, its gallery snapshots,
    /// is read beside `file`. The GitHub Action restores the base branch's policy (and the
    /// files beside it) into a private folder and judges a pull request with it, never
    /// through a path the pull request controls.
    pub fn load_as(file: &Path, at: &Path) -> Result<Config, ConfigError> {
        let text = read_text(file, true)?;
        let data = file.parent().unwrap_or(Path::new("."));
        let mut config = Config::parse_in(&text, at, data)?;
        config.read_from = Some(file.to_path_buf());
        config.sha256 = Some(sha256_hex(text.as_bytes()));
        Ok(config)
    }

    /// Parses config text; `path` is used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Config::parse_in(text, path, path.parent().unwrap_or(Path::new(".")))
    }

    /// Parses config text standing at `path` (named in error messages; the project paths
    /// it names are relative to its folder), whose gallery snapshots are read from `data`.
    fn parse_in(text: &str, path: &Path, data: &Path) -> Result<Config, ConfigError> {
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
        // Resolved within the config's folder only: a path that leads out of it is kept as
        // written, never looked at (a run refuses to read it outside its roots), so whether
        // a file is there never decides what is said.
        let folder = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
        for (template, files) in file.parameter_files {
            let resolve = |rel: &str| -> Result<PathBuf, ConfigError> {
                let joined = crate::source::lexical_join(&folder, rel);
                match crate::source::resolve_within(&joined, std::slice::from_ref(&folder)) {
                    crate::source::Resolved::Inside(path)
                    | crate::source::Resolved::Outside(path) => Ok(path),
                    crate::source::Resolved::Missing => Err(ConfigError::ParameterFile {
                        file: shown.to_string(),
                        path: rel.to_string(),
                        error: std::io::Error::new(std::io::ErrorKind::NotFound, "does not exist"),
                    }),
                }
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
        config.inline_exemptions = file.inline_exemptions.unwrap_or(true);
        config.latent = file.judge.and_then(|j| j.latent).unwrap_or_default();
        for (i, entry) in file.exempt.into_iter().enumerate() {
            let bytes = entry.span();
            let place = at(bytes.clone());
            let line = text[..bytes.start.min(text.len())].matches('\n').count() as u32 + 1;
            config
                .exemptions
                .push(exemption(entry.into_inner(), i, &place, line, bytes)?);
        }
        if let Some(approved) = file.approved {
            let omitted_images = approved.images.is_none();
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
            lifecycle(&mut config, approved.image, omitted_images, data, &at)?;
            config.policy.factory = factory(approved.factory, &at)?;
        }
        if let Some(tags) = file.tags {
            config.tags = tag_policy(tags, &at)?;
        }
        if let Some(fix) = file.fix {
            config.fix = fix_policy(fix, &config.policy, &at)?;
        }
        Ok(config)
    }
}

/// `[fix]`, checked: each `replace` key a Marketplace `publisher:offer:sku[:version]` or an
/// image ID pattern, each value the ID of a gallery image definition (or version) `policy`
/// approves; in the order written.
fn fix_policy(
    entry: FixEntry,
    policy: &Policy,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<FixPolicy, ConfigError> {
    let mut replace: Vec<(usize, Replacement)> = Vec::new();
    for (key, value) in entry.replace {
        let written = key.get_ref().clone();
        let bad = |span: std::ops::Range<usize>, message: String| ConfigError::BadValue {
            place: at(span),
            key: format!("fix.replace.\"{written}\""),
            message,
        };
        let pattern = if written.starts_with('/') {
            ReplacePattern::Id(written.clone())
        } else {
            let fields: Vec<&str> = written.split(':').collect();
            match fields.as_slice() {
                [p, o, s] | [p, o, s, _] if fields.iter().all(|f| !f.trim().is_empty()) => {
                    ReplacePattern::Marketplace {
                        publisher: (*p).to_owned(),
                        offer: (*o).to_owned(),
                        sku: (*s).to_owned(),
                        version: fields.get(3).map(|v| (*v).to_owned()),
                    }
                }
                _ => {
                    return Err(bad(
                        key.span(),
                        "a key is a Marketplace image `publisher:offer:sku[:version]` or an image ID (starting with `/`), each part a pattern (`*`, `?`)".into(),
                    ));
                }
            }
        };
        let with = value.get_ref().clone();
        let id = crate::value::Value::composed(crate::value::Kind::Str(with.clone()));
        let approved = match crate::image::Image::from_id(&id) {
            crate::image::Image::Gallery { definition, .. } => {
                policy.judge_definition(&definition) == crate::judge::Verdict::Compliant
            }
            _ => {
                return Err(bad(
                    value.span(),
                    format!("`{with}` is not the ID of a gallery image definition or version"),
                ));
            }
        };
        if !approved {
            return Err(bad(
                value.span(),
                format!(
                    "`{with}` is not approved by `[approved]`: a fix must not replace one unapproved image by another"
                ),
            ));
        }
        replace.push((
            key.span().start,
            Replacement {
                written,
                pattern,
                with,
            },
        ));
    }
    replace.sort_by_key(|(start, _)| *start);
    Ok(FixPolicy {
        replace: replace.into_iter().map(|(_, r)| r).collect(),
    })
}

/// An `[[exempt]]` entry (the `index`th, at `place`), checked: a reason, at least one of
/// `path`, `resource` and `image` (a rule alone is `[rules]`'s business, which every report
/// names), rules that exist and can be exempted, a valid path glob.
fn exemption(
    entry: ExemptEntry,
    index: usize,
    place: &str,
    line: u32,
    bytes: std::ops::Range<usize>,
) -> Result<Exemption, ConfigError> {
    let bad = |key: &str, problem: String| ConfigError::BadExemption {
        place: place.to_string(),
        key: format!("exempt[{index}]{key}"),
        problem,
    };
    if entry.reason.trim().is_empty() {
        return Err(bad(
            ".reason",
            "an exemption needs a reason (why the finding does not count)".into(),
        ));
    }
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !(given(&entry.path) || given(&entry.resource) || given(&entry.image)) {
        return Err(bad(
            "",
            "an exemption must name a `path`, a `resource` or an `image` (to turn a rule off everywhere, set it to \"off\" in [rules])".into(),
        ));
    }
    let names = match entry.rule {
        None => Vec::new(),
        Some(OneOrMany::One(r)) => vec![r],
        Some(OneOrMany::Many(rs)) => rs,
    };
    let mut rules = Vec::new();
    for name in names {
        let rule = Rule::find(name.trim())
            .ok_or_else(|| bad(".rule", format!("`{name}` names no rule")))?;
        if !rule.exemptable() {
            return Err(bad(
                ".rule",
                format!(
                    "{} ({}) cannot be exempted: it is about the run itself, not a resource",
                    rule.id(),
                    rule.name()
                ),
            ));
        }
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    rules.sort();
    let path = match entry.path.filter(|p| !p.trim().is_empty()) {
        None => None,
        Some(text) => {
            let glob = globset::GlobBuilder::new(text.trim_start_matches("./"))
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| bad(".path", format!("bad glob `{text}`: {}", e.kind())))?;
            Some((text, glob.compile_matcher()))
        }
    };
    Ok(Exemption {
        path,
        resource: entry.resource.filter(|r| !r.trim().is_empty()),
        rules,
        image: entry.image.filter(|i| !i.trim().is_empty()),
        reason: entry.reason.trim().to_string(),
        expires: entry.expires,
        line,
        bytes,
    })
}

/// `[approved] factory`: the image factory's path globs, relative to the config's folder as
/// `[[exempt]]` paths are (a leading `./` is dropped). A glob that is empty, absolute or
/// climbs out of the folder (`..`) could never match a file of the project, and one that is
/// not a glob cannot be used: each is an error naming its place.
fn factory(
    globs: Vec<toml::Spanned<String>>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<crate::judge::Factory, ConfigError> {
    let mut out = Vec::new();
    for (i, glob) in globs.into_iter().enumerate() {
        let place = at(glob.span());
        let text = glob.into_inner();
        let bad = |message: String| ConfigError::BadValue {
            place: place.clone(),
            key: format!("approved.factory[{i}]"),
            message,
        };
        let relative = text.trim().trim_start_matches("./");
        if relative.is_empty() {
            return Err(bad(
                "a factory glob must name files (e.g. `infra/images/**`)".into(),
            ));
        }
        if relative.starts_with('/')
            || relative.contains('\\')
            || relative.split('/').any(|part| part == "..")
        {
            return Err(bad(format!(
                "`{text}` is not relative to the config's folder: factory globs match paths below it, with `/` (e.g. `infra/images/**`)"
            )));
        }
        let matcher = globset::GlobBuilder::new(relative)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| bad(format!("bad glob `{text}`: {}", e.kind())))?
            .compile_matcher();
        out.push((text, matcher));
    }
    Ok(crate::judge::Factory::new(out))
}

/// `[[approved.image]]`: each entry approves its `id` glob (when `images` is omitted, the
/// entries' globs replace the embedded default instead of adding to it: listing lifecycles
/// must never widen what is approved) and says which of its versions are deprecated; its
/// gallery snapshots are read here, relative to the config's folder. Sets the policy's
/// "today" when there is any entry.
fn lifecycle(
    config: &mut Config,
    entries: Vec<ImageEntry>,
    omitted_images: bool,
    base: &Path,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<(), ConfigError> {
    use crate::judge::{Lifecycle, VersionNumber};
    if entries.is_empty() {
        return Ok(());
    }
    if omitted_images {
        config.policy.images.clear();
    }
    for (i, entry) in entries.into_iter().enumerate() {
        let key = |field: &str| format!("approved.image[{i}].{field}");
        let bad =
            |span: std::ops::Range<usize>, field: &str, message: String| ConfigError::BadValue {
                place: at(span),
                key: key(field),
                message,
            };
        let id = IdGlob::parse(entry.id.get_ref()).map_err(|e| {
            bad(
                entry.id.span(),
                "id",
                format!("bad glob `{}`: {e}", entry.id.get_ref()),
            )
        })?;
        if let Some(shape) = unmatchable(&id) {
            return Err(bad(
                entry.id.span(),
                "id",
                format!("`{}` would approve nothing: {}", id.as_str(), shape.fix()),
            ));
        }
        let min_version = match &entry.min_version {
            None => None,
            Some(v) => Some(VersionNumber::parse(v.get_ref()).ok_or_else(|| {
                bad(
                    v.span(),
                    "min_version",
                    format!(
                        "`{}` is not an image version (Major.Minor.Patch, e.g. `1.4.0`)",
                        v.get_ref()
                    ),
                )
            })?),
        };
        let mut deprecated = Vec::new();
        for pattern in &entry.deprecated {
            let text = pattern.get_ref();
            if text.is_empty()
                || !text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b".*?".contains(&b))
            {
                return Err(bad(
                    pattern.span(),
                    "deprecated",
                    format!(
                        "`{text}` is not a version glob (digits and dots, with `*` and `?` as wildcards, e.g. `1.2.*`)"
                    ),
                ));
            }
            deprecated.push(text.clone());
        }
        let mut versions = Vec::new();
        for file in &entry.gallery_versions {
            let path = base.join(file.get_ref());
            let listed = read_snapshot(&path).map_err(|problem| {
                bad(
                    file.span(),
                    "gallery_versions",
                    format!("gallery snapshot `{}`: {problem}", file.get_ref()),
                )
            })?;
            versions.extend(listed);
        }
        if !config.policy.images.contains(&id) {
            config.policy.images.push(id.clone());
        }
        config.policy.lifecycle.push(Lifecycle {
            id,
            min_version,
            deprecated,
            end_of_life: entry.end_of_life,
            versions,
        });
    }
    // The clock's date until the run sets its own (`Config::set_today`): the loader reads no
    // environment.
    config.policy.today = Some(crate::date::clock());
    Ok(())
}

/// Reads a gallery snapshot: what `az sig image-version list -o json` prints (an array of
/// image versions, their `publishingProfile` beside `name` and `id`), also in the REST API's
/// shape (`properties.publishingProfile`, or a `{"value": [...]}` page) or one version
/// (`az sig image-version show`). At most 64 MiB; UTF-8 or UTF-16 with a byte-order mark.
fn read_snapshot(path: &Path) -> Result<Vec<crate::judge::PublishedVersion>, String> {
    use std::io::Read;
    let limit = crate::source::MAX_FILE_BYTES;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than {} MiB", limit / (1024 * 1024)));
    }
    let (text, _) = crate::source::decode(bytes).map_err(|e| e.message)?;
    let page: SnapshotPage = if text.trim_start().starts_with('[') {
        SnapshotPage {
            value: Some(serde_json::from_str(&text).map_err(|e| e.to_string())?),
            one: None,
        }
    } else {
        let one: SnapshotVersion = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        match one.value {
            Some(value) => SnapshotPage {
                value: Some(value),
                one: None,
            },
            None => SnapshotPage {
                value: None,
                one: Some(one),
            },
        }
    };
    let listed: Vec<SnapshotVersion> = page
        .value
        .unwrap_or_default()
        .into_iter()
        .chain(page.one)
        .collect();
    listed
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let definition = v.id.as_deref().map(|id| {
                let segs: Vec<&str> = id.trim_matches('/').split('/').collect();
                let end = segs
                    .iter()
                    .rposition(|s| s.eq_ignore_ascii_case("versions"))
                    .unwrap_or(segs.len());
                segs[..end].iter().map(|s| (*s).to_owned()).collect()
            });
            let name = v
                .name
                .or_else(|| {
                    v.id.as_deref()
                        .and_then(|id| id.rsplit('/').next())
                        .map(str::to_owned)
                })
                .filter(|n| !n.is_empty())
                .ok_or_else(|| format!("version {} (0-based) has neither `name` nor `id`", i))?;
            let profile = v
                .publishing_profile
                .or_else(|| v.properties.and_then(|p| p.publishing_profile))
                .unwrap_or_default();
            let end_of_life = match profile.end_of_life_date.as_deref() {
                None => None,
                Some(text) => Some(crate::date::Date::parse(text).ok_or_else(|| {
                    format!(
                        "version `{name}`: `publishingProfile.endOfLifeDate` `{text}` is not a date"
                    )
                })?),
            };
            let published = match profile.published_date.as_deref() {
                None => None,
                Some(text) => Some(crate::date::Date::parse(text).ok_or_else(|| {
                    format!(
                        "version `{name}`: `publishingProfile.publishedDate` `{text}` is not a date"
                    )
                })?),
            };
            Ok(crate::judge::PublishedVersion {
                definition,
                name,
                end_of_life,
                exclude_from_latest: profile.exclude_from_latest.unwrap_or(false),
                published,
            })
        })
        .collect()
}

/// A snapshot file: versions in a list, or one.
struct SnapshotPage {
    value: Option<Vec<SnapshotVersion>>,
    one: Option<SnapshotVersion>,
}

/// One image version of a snapshot (what is read of it; everything else is ignored).
#[derive(Deserialize)]
struct SnapshotVersion {
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "publishingProfile")]
    publishing_profile: Option<SnapshotProfile>,
    properties: Option<SnapshotProperties>,
    /// A REST list page's versions.
    value: Option<Vec<SnapshotVersion>>,
}

/// `properties` (the REST API's shape).
#[derive(Deserialize)]
struct SnapshotProperties {
    #[serde(rename = "publishingProfile")]
    publishing_profile: Option<SnapshotProfile>,
}

/// `publishingProfile`.
#[derive(Deserialize, Default)]
struct SnapshotProfile {
    #[serde(rename = "endOfLifeDate")]
    end_of_life_date: Option<String>,
    #[serde(rename = "excludeFromLatest")]
    exclude_from_latest: Option<bool>,
    #[serde(rename = "publishedDate")]
    published_date: Option<String>,
}

/// `[tags]`: tag names must not be empty.
fn tag_policy(
    tags: TagsEntry,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<TagPolicy, ConfigError> {
    let name = |tag: &toml::Spanned<String>, key: String| {
        if tag.get_ref().trim().is_empty() {
            Err(ConfigError::BadValue {
                place: at(tag.span()),
                key,
                message: "a tag name must not be empty".to_owned(),
            })
        } else {
            Ok(tag.get_ref().clone())
        }
    };
    let mut policy = TagPolicy::default();
    for (i, tag) in tags.required.iter().enumerate() {
        policy
            .required
            .push(name(tag, format!("tags.required[{i}]"))?);
    }
    if let Some(tag) = &tags.image_version {
        policy.image_version = Some(name(tag, "tags.image_version".to_owned())?);
    }
    if let Some(tag) = &tags.owner {
        policy.owner = name(tag, "tags.owner".to_owned())?;
    }
    Ok(policy)
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

/// Most bytes a config file may hold: thousands of exemptions fit in a fraction of it.
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The text of the config file at `path`, a regular file of at most [`MAX_CONFIG_BYTES`],
/// read through a symbolic link only when `follow`.
fn read_text(path: &Path, follow: bool) -> Result<String, ConfigError> {
    let read = |error| ConfigError::Read {
        path: path.to_path_buf(),
        error,
    };
    let bytes = match crate::source::read_at_most(path, MAX_CONFIG_BYTES, follow) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Err(read(std::io::Error::other(format!(
                "larger than {} MiB",
                MAX_CONFIG_BYTES / (1024 * 1024)
            ))));
        }
        Err(e) if !follow && crate::source::is_link_error(&e) => {
            return Err(read(std::io::Error::other(
                "it is a symbolic link, and a config imagegate finds is read only as a regular file (name it with --config to read it through the link)",
            )));
        }
        Err(e) => return Err(read(e)),
    };
    String::from_utf8(bytes).map_err(|_| {
        read(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

/// The SHA-256 digest of `bytes` (FIPS 180-4), as 64 lowercase hex digits: how reports name
/// the bytes of the config and the baseline a run read, comparable with `sha256sum`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    // The message, a 1 bit, zeros to 56 bytes mod 64, and its length in bits (big-endian).
    let bits = (bytes.len() as u64).wrapping_mul(8);
    let mut tail = Vec::with_capacity(128);
    let whole = bytes.len() - bytes.len() % 64;
    tail.extend_from_slice(&bytes[whole..]);
    tail.push(0x80);
    while tail.len() % 64 != 56 {
        tail.push(0);
    }
    tail.extend_from_slice(&bits.to_be_bytes());
    for block in bytes[..whole].chunks_exact(64).chain(tail.chunks_exact(64)) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, add) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(add);
        }
    }
    h.iter().map(|word| format!("{word:08x}")).collect()
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
        // Any entry of the name but a folder: a link (dangling or not) or a special file is
        // found, and refused when read, rather than passed over for another policy.
        let here = CONFIG_NAMES
            .iter()
            .map(|n| d.join(n))
            .find(|c| std::fs::symlink_metadata(c).is_ok_and(|m| !m.is_dir()));
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

    /// The fields a type's derived `Deserialize` knows: serde hands them to
    /// `deserialize_struct`, which this deserializer records and then refuses.
    fn fields_of<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
        struct Recorder(std::cell::RefCell<Vec<&'static str>>);
        #[derive(Debug)]
        struct Stop;
        impl std::fmt::Display for Stop {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("recorded")
            }
        }
        impl std::error::Error for Stop {}
        impl serde::de::Error for Stop {
            fn custom<M: std::fmt::Display>(_: M) -> Stop {
                Stop
            }
        }
        impl<'de> serde::Deserializer<'de> for &Recorder {
            type Error = Stop;
            fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
                Err(Stop)
            }
            fn deserialize_struct<V: serde::de::Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Stop> {
                self.0.borrow_mut().extend_from_slice(fields);
                Err(Stop)
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
                enum identifier ignored_any
            }
        }
        let recorder = Recorder(Default::default());
        let _ = T::deserialize(&recorder);
        let mut fields = recorder.0.into_inner();
        fields.sort_unstable();
        fields
    }

    /// The published schema (`imagegate.schema.json`, what editors validate a config with)
    /// and the loader know the same keys, table by table: a key the loader reads is
    /// documented there, and a key the schema offers is read.
    #[test]
    fn sha256_matches_the_standard_vectors() {
        // FIPS 180-4's examples (https://csrc.nist.gov/projects/cryptographic-standards-and-guidelines/example-values),
        // and the lengths around a block's padding boundary.
        for (input, digest) in [
            (
                b"".to_vec(),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                b"abc".to_vec(),
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".to_vec(),
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
            (
                vec![b'a'; 55],
                "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            ),
            (
                vec![b'a'; 56],
                "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            ),
            (
                vec![b'a'; 64],
                "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            ),
            (
                vec![b'a'; 1_000_000],
                "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
            ),
        ] {
            assert_eq!(sha256_hex(&input), digest, "{} bytes", input.len());
        }
    }

    #[test]
    fn the_schema_and_the_loader_know_the_same_keys() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../imagegate.schema.json")).unwrap();
        let keys = |pointer: &str| -> Vec<&str> {
            let table = schema
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{pointer}"));
            assert_eq!(table["additionalProperties"], false, "{pointer} is closed");
            let mut keys: Vec<&str> = table["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            keys
        };
        let p = "/properties";
        assert_eq!(fields_of::<File>(), keys(""));
        assert_eq!(fields_of::<Approved>(), keys(&format!("{p}/approved")));
        assert_eq!(
            fields_of::<MarketplaceEntry>(),
            keys(&format!("{p}/approved/properties/marketplace/items"))
        );
        assert_eq!(
            fields_of::<ImageEntry>(),
            keys(&format!("{p}/approved/properties/image/items"))
        );
        assert_eq!(fields_of::<TagsEntry>(), keys(&format!("{p}/tags")));
        assert_eq!(fields_of::<JudgeEntry>(), keys(&format!("{p}/judge")));
        assert_eq!(fields_of::<FixEntry>(), keys(&format!("{p}/fix")));
        assert_eq!(
            fields_of::<DeploymentScope>(),
            keys(&format!("{p}/deployment"))
        );
        assert_eq!(
            fields_of::<ExemptEntry>(),
            keys(&format!("{p}/exempt/items"))
        );
        // `[rules]` takes every rule by id and by name, as the registry has them.
        let mut rules: Vec<&str> = Rule::ALL.iter().flat_map(|r| [r.id(), r.name()]).collect();
        rules.sort_unstable();
        assert_eq!(rules, keys(&format!("{p}/rules")));
    }
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("imagegate.toml"))
    }

    #[test]
    fn the_image_factory_is_globs_over_paths_below_the_config() {
        let c =
            parse("[approved]\nfactory = [\"infra/images/**\", \"./packer/*.json\"]\n").unwrap();
        let factory = &c.policy.factory;
        assert_eq!(
            factory.globs().collect::<Vec<_>>(),
            ["infra/images/**", "./packer/*.json"]
        );
        assert!(factory.holds("infra/images/publish.bicep"));
        assert!(factory.holds("infra/images/aib/template.json"));
        assert!(factory.holds("packer/base.json"));
        // `*` stays inside one folder.
        assert!(!factory.holds("packer/old/base.json"));
        assert!(!factory.holds("app/infra/images/publish.bicep"));
        // None: no file may publish into the approved galleries.
        assert!(
            parse("mode = \"deny\"\n")
                .unwrap()
                .policy
                .factory
                .is_empty()
        );
        for (glob, problem) in [
            ("/infra/**", "is not relative to the config's folder"),
            ("../images/**", "is not relative to the config's folder"),
            ("infra\\\\images", "is not relative to the config's folder"),
            ("", "must name files"),
            ("infra/[images", "bad glob"),
        ] {
            let e = parse(&format!("[approved]\nfactory = [\"ok/**\", \"{glob}\"]\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("invalid config imagegate.toml:2: key `approved.factory[1]`")
                    && e.contains(problem),
                "{glob}: {e}"
            );
        }
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

    const UBUNTU: &str = "/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04";

    /// A version as `az sig image-version list -o json` prints it (the SDK model flattened:
    /// `publishingProfile` beside `name`; the REST API nests it under `properties`:
    /// https://learn.microsoft.com/rest/api/compute/gallery-image-versions/get).
    fn az_version(name: &str, eol: &str, excluded: bool) -> String {
        format!(
            r#"{{
    "id": "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04/versions/{name}",
    "location": "westeurope",
    "name": "{name}",
    "provisioningState": "Succeeded",
    "publishingProfile": {{
      "endOfLifeDate": {eol},
      "excludeFromLatest": {excluded},
      "publishedDate": "2026-03-04T19:46:06.312432+00:00",
      "replicaCount": 1,
      "replicationMode": "Full",
      "storageAccountType": "Standard_LRS",
      "targetRegions": [{{ "name": "West Europe", "regionalReplicaCount": 1, "storageAccountType": "Standard_LRS" }}]
    }},
    "resourceGroup": "rg-golden",
    "safetyProfile": {{ "allowDeletionOfReplicatedLocations": false, "reportedForPolicyViolation": false }},
    "storageProfile": {{ "osDiskImage": {{ "hostCaching": "ReadWrite", "sizeInGb": 30 }} }},
    "tags": {{}},
    "type": "Microsoft.Compute/galleries/images/versions"
  }}"#
        )
    }

    fn lifecycle_config(dir: &Path, entry: &str) -> Result<Config, ConfigError> {
        let path = dir.join("imagegate.toml");
        let text = format!(
            "[approved]\nmarketplace = []\n\n[[approved.image]]\nid = \"{UBUNTU}\"\n{entry}"
        );
        std::fs::write(&path, &text).unwrap();
        Config::load(&path)
    }

    #[test]
    fn lifecycle_entries_approve_their_definitions_and_read_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("gallery")).unwrap();
        let snapshot = format!(
            "[\n  {},\n  {}\n]\n",
            az_version("1.4.0", "\"2027-06-30T00:00:00+00:00\"", false),
            az_version("1.5.0", "null", true)
        );
        std::fs::write(dir.path().join("gallery/ubuntu.json"), snapshot).unwrap();
        // The REST shape, one version, UTF-16 as a PowerShell redirect writes it.
        let rest = r#"{"value": [{"name": "1.6.0", "id": "/x/versions/1.6.0", "properties": {"publishingProfile": {"excludeFromLatest": true, "endOfLifeDate": "2028-01-01"}}}]}"#;
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(rest.encode_utf16().flat_map(u16::to_le_bytes));
        std::fs::write(dir.path().join("gallery/rest.json"), utf16).unwrap();
        let c = lifecycle_config(
            dir.path(),
            "min_version = \"1.4.0\"\ndeprecated = [\"1.2.*\", \"1.3.7\"]\nend_of_life = 2027-06-30\ngallery_versions = [\"gallery/ubuntu.json\", \"gallery/rest.json\"]\n",
        )
        .unwrap();
        // `images` omitted: the entries are what is approved, not the default as well.
        let globs: Vec<&str> = c.policy.images.iter().map(IdGlob::as_str).collect();
        assert_eq!(globs, [UBUNTU]);
        let l = &c.policy.lifecycle[0];
        assert_eq!(l.min_version, crate::judge::VersionNumber::parse("1.4.0"));
        assert_eq!(l.deprecated, ["1.2.*", "1.3.7"]);
        assert_eq!(
            l.end_of_life.map(|d| d.to_string()).as_deref(),
            Some("2027-06-30")
        );
        let listed: Vec<(&str, Option<String>, bool)> = l
            .versions
            .iter()
            .map(|v| {
                (
                    v.name.as_str(),
                    v.end_of_life.map(|d| d.to_string()),
                    v.exclude_from_latest,
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                ("1.4.0", Some("2027-06-30".to_string()), false),
                ("1.5.0", None, true),
                ("1.6.0", Some("2028-01-01".to_string()), true),
            ]
        );
        assert_eq!(
            l.versions[0]
                .definition
                .as_ref()
                .map(|d| d.join("/"))
                .as_deref(),
            Some(
                "subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04"
            )
        );
        assert!(c.policy.today.is_some());
        // With `images`, the entries add to it.
        let c = parse(&format!(
            "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/windows\"]\n[[approved.image]]\nid = \"{UBUNTU}\"\n"
        ))
        .unwrap();
        assert_eq!(c.policy.images.len(), 2);
    }

    #[test]
    fn bad_lifecycle_values_name_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let error = |entry: &str| lifecycle_config(dir.path(), entry).unwrap_err().to_string();
        let shown = dir.path().join("imagegate.toml").display().to_string();
        let e = error("min_version = \"1.4\"\n");
        assert!(
            e.contains(&format!(
                "{shown}:6: key `approved.image[0].min_version`: `1.4` is not an image version"
            )),
            "{e}"
        );
        let e = error("deprecated = [\"1.2.x\"]\n");
        assert!(
            e.contains(&format!(
                "{shown}:6: key `approved.image[0].deprecated`: `1.2.x` is not a version glob"
            )),
            "{e}"
        );
        let e = error("end_of_life = 2027-02-30\n");
        assert!(
            e.contains(&format!("{shown}:6")) && e.contains("end_of_life"),
            "{e}"
        );
        let e = error("end_of_life = \"soon\"\n");
        assert!(
            e.contains("`soon` is not a date") && e.contains("end_of_life"),
            "{e}"
        );
        let e = error("gallery_versions = [\"gallery/missing.json\"]\n");
        assert!(e.contains(&format!("{shown}:6: key `approved.image[0].gallery_versions`: gallery snapshot `gallery/missing.json`: ")), "{e}");
        std::fs::write(dir.path().join("bad.json"), "[{\"name\": \"1.0.0\", ").unwrap();
        let e = error("gallery_versions = [\"bad.json\"]\n");
        assert!(
            e.contains("gallery snapshot `bad.json`: EOF while parsing"),
            "{e}"
        );
        std::fs::write(
            dir.path().join("date.json"),
            r#"[{"name": "1.0.0", "publishingProfile": {"endOfLifeDate": "next year"}}]"#,
        )
        .unwrap();
        let e = error("gallery_versions = [\"date.json\"]\n");
        assert!(
            e.contains(
                "version `1.0.0`: `publishingProfile.endOfLifeDate` `next year` is not a date"
            ),
            "{e}"
        );
        std::fs::write(
            dir.path().join("nameless.json"),
            r#"[{"publishingProfile": {}}]"#,
        )
        .unwrap();
        let e = error("gallery_versions = [\"nameless.json\"]\n");
        assert!(e.contains("neither `name` nor `id`"), "{e}");
        // Bounded: a snapshot above 64 MiB is refused without being parsed.
        let big = std::fs::File::create(dir.path().join("big.json")).unwrap();
        big.set_len(crate::source::MAX_FILE_BYTES + 1).unwrap();
        let e = error("gallery_versions = [\"big.json\"]\n");
        assert!(
            e.contains("gallery snapshot `big.json`: larger than 64 MiB"),
            "{e}"
        );
        let e = error("versions = []\n");
        assert!(e.contains("unknown field `versions`"), "{e}");
        let e = parse("[[approved.image]]\nid = \"/subscriptions/*/resourceGroups/rg/providers/Microsoft.Compute/galleries/g\"\n").unwrap_err().to_string();
        assert!(
            e.contains("imagegate.toml:2: key `approved.image[0].id`")
                && e.contains("add `/images/*`"),
            "{e}"
        );
    }

    #[test]
    fn tags_are_parsed_and_checked() {
        let c = parse("[tags]\nrequired = [\"owner\", \"costCenter\"]\nimage_version = \"imageVersion\"\nowner = \"team\"\n").unwrap();
        assert_eq!(c.tags.required, ["owner", "costCenter"]);
        assert_eq!(c.tags.image_version.as_deref(), Some("imageVersion"));
        assert_eq!(c.tags.owner, "team");
        let c = parse("mode = \"deny\"\n").unwrap();
        assert_eq!(c.tags, TagPolicy::default());
        assert_eq!(c.tags.owner, "owner");
        let e = parse("[tags]\nrequired = [\n  \"owner\",\n  \" \",\n]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("imagegate.toml:4: key `tags.required[1]`: a tag name must not be empty"),
            "{e}"
        );
        let e = parse("[tags]\nowners = \"x\"\n").unwrap_err().to_string();
        assert!(e.contains("imagegate.toml:2: key `tags.owners`"), "{e}");
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
