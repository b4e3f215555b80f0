//! Bicep module references to registries and template specs, as the Bicep CLI parses them
//! (Azure/bicep 9beb0fee60), and where it caches what it restores.
//!
//! * `br:<registry>/<repository>:<tag>` or `br:<registry>/<repository>@sha256:<digest>`
//!   (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules#file-in-registry>):
//!   `src/Bicep.Core/Registry/Oci/OciArtifactAddressComponents.cs` (`TryParse`) and the
//!   patterns of `OciArtifactReferenceFacts.cs` (each path segment
//!   `[a-z0-9]+([._-][a-z0-9]+)*`, a tag `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`, a digest
//!   `sha256:[a-f0-9]{64}`, the registry and repository at most 255 characters).
//! * `br/<alias>:<path>:<tag>` is `br:<registry>/<modulePath>/<path>:<tag>` with the alias of
//!   `bicepconfig.json` (`OciArtifactReference.TryParseComponents`,
//!   `ModuleAliasesConfiguration.cs`; an alias name is `[a-zA-Z0-9-_]+`); `br/public` is built
//!   in (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-config-modules#aliases-for-modules>).
//! * `ts:<subscription>/<resource group>/<name>:<version>`, and `ts/<alias>:<name>:<version>`
//!   with a template-spec alias (`src/Bicep.Core/Modules/TemplateSpecModuleReference.cs`,
//!   `TryParse`: the subscription a GUID, the resource group and name at most 90 characters;
//!   <https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules#path-to-module>).
//! * The scheme and alias are what comes before the first `:`
//!   (`src/Bicep.Core/Registry/ModuleDispatcher.cs`, `TryGetArtifactReference`).
//!
//! The cache (what `bicep restore`, `bicep build` or `az deployment` leave on the machine)
//! lies under the cache root (`~/.bicep`, or `cacheRootDirectory`):
//!
//! * a registry module's compiled template is `br/<registry lower-cased, ':' as '$'>/
//!   <repository, '/' as '$'>/<tag encoded, or the digest with ':' as '#'>/main.json`
//!   (`src/Bicep.Core/SourceGraph/Artifacts/BicepRegistryArtifact.cs`,
//!   `ResolveCacheDirectory`, the same as `OciArtifactRegistry.GetArtifactDirectory`; the
//!   file name from `BicepRegistryModuleArtifact.MainTemplateFile`), the tag encoded by
//!   `src/Bicep.Core/Registry/Oci/TagEncoder.cs` (the tag, `$`, and a hexadecimal mask of
//!   its upper-case letters when it has any);
//! * a template spec's version is `ts/<subscription>/<resource group>/<name>/<version>/
//!   main.json`, all lower-cased (`src/Bicep.Core/SourceGraph/Artifacts/TemplateSpecModuleArtifact.cs`;
//!   `TemplateSpecModuleRegistry.GetArtifactDirectory`), holding the template spec version as
//!   the service returns it (its template is `properties.mainTemplate`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::config::{BicepConfig, ConfigError};
use crate::eval::ir::{CacheLookup, ResolvedModule};
use crate::source::{Loaded, Loader};
use crate::value::Unavailable;
use crate::value::cause::{ConfigUnread, ModuleCache};

/// What resolving the module references of one Bicep file needs: its Bicep configuration
/// and where its module cache lies. Looked up once per file, at its first registry module.
#[derive(Debug)]
pub(crate) struct ModuleSources {
    /// The file's configuration, or why it cannot be read (the file taken for its IG000 by
    /// [`ModuleSources::take_problem`]).
    config: Result<BicepConfig, Box<ConfigError>>,
    /// The module cache's root.
    cache: CacheRoot,
}

/// Where the module cache lies.
#[derive(Debug)]
enum CacheRoot {
    /// Here (canonical when it exists), shown to users as `shown` (`~/.bicep` by default).
    At {
        /// The root.
        root: PathBuf,
        /// How messages show it.
        shown: String,
    },
    /// Inside the scanned roots: not trusted.
    Inside {
        /// How messages show it.
        shown: String,
    },
    /// Nowhere known (`HOME` unset).
    Unknown,
}

impl ModuleSources {
    /// The configuration and module cache of the Bicep file at canonical path `file`: its
    /// nearest `bicepconfig.json` ([`super::config::for_file`]), and the cache root it sets
    /// (`cacheRootDirectory`, `~` being the home folder), else `~/.bicep`
    /// (`FeatureProvider.GetCacheRootDirectory`). The home folder is `HOME` (`USERPROFILE`
    /// on Windows) of `environment`, the run's environment: the library reads none itself.
    /// A cache root inside the scanned roots is not trusted (a pull request controls
    /// `bicepconfig.json`, and what it commits is not what the registry serves).
    pub(crate) fn for_file(
        loader: Loader<'_>,
        file: &Path,
        environment: &BTreeMap<String, String>,
    ) -> ModuleSources {
        let config = super::config::for_file(loader, file);
        let home = ["HOME", "USERPROFILE"]
            .iter()
            .find_map(|name| environment.get(*name).filter(|v| !v.is_empty()));
        let configured = config.as_ref().ok().and_then(|c| c.cache_root.as_deref());
        let located = match configured {
            Some(written) => match written.strip_prefix('~') {
                Some(rest) => home.map(|h| {
                    let rest = rest.trim_start_matches(['/', '\\']);
                    (Path::new(h).join(rest), written.to_owned())
                }),
                None => Some((PathBuf::from(written), written.to_owned())),
            },
            None => home.map(|h| (Path::new(h).join(".bicep"), "~/.bicep".to_owned())),
        };
        let cache = match located {
            None => CacheRoot::Unknown,
            Some((root, shown)) => {
                let root = root.canonicalize().unwrap_or_else(|_| {
                    crate::source::lexical_join(Path::new("/"), &root.to_string_lossy())
                });
                if loader.inside(&root) {
                    CacheRoot::Inside { shown }
                } else {
                    CacheRoot::At { root, shown }
                }
            }
        };
        ModuleSources { config, cache }
    }

    /// What the module reference `written` leads to: the reference (for the catalogue) and
    /// the module as the IR holds it; or why it leads to none.
    pub(crate) fn resolve(
        &self,
        written: &str,
    ) -> Result<(Reference, ResolvedModule), Unavailable> {
        let config = self
            .config
            .as_ref()
            .map_err(|e| Unavailable::RegistryConfig {
                reference: written.to_owned(),
                config: Box::new(ConfigUnread {
                    file: e.display.clone(),
                    problem: e.message.clone(),
                }),
            })?;
        let reference =
            parse(written, config).map_err(|problem| Unavailable::RegistryReference {
                reference: written.to_owned(),
                problem,
            })?;
        let file = reference.cache_file();
        let cache = match &self.cache {
            CacheRoot::At { root, shown } => {
                let relative: Vec<String> = file
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                CacheLookup::File {
                    root: root.clone(),
                    path: root.join(&file),
                    spec: reference.is_spec(),
                    shown: format!(
                        "{}/{}",
                        shown.trim_end_matches(['/', '\\']),
                        relative.join("/")
                    )
                    .into(),
                }
            }
            CacheRoot::Inside { shown } => CacheLookup::Not(ModuleCache::InsideRoots {
                root: shown.clone(),
            }),
            CacheRoot::Unknown => CacheLookup::Not(ModuleCache::NoRoot),
        };
        let resolved = ResolvedModule {
            canonical: reference.canonical().into(),
            spec_id: reference.spec_id().map(Into::into),
            cache,
        };
        Ok((reference, resolved))
    }

    /// The configuration file that could not be read, when it was read at all, with where
    /// in it and what is wrong: for an IG000 there (taken once).
    pub(crate) fn take_problem(&mut self) -> Option<(Loaded, std::ops::Range<u32>, String)> {
        let error = self.config.as_mut().err()?;
        let loaded = error.loaded.take()?;
        Some((loaded, error.at.clone(), error.message.clone()))
    }
}

/// What resolving a module reference gives without a file system (a lowering that reads no
/// file): the built-in configuration and no module cache.
pub(crate) fn resolve_built_in(written: &str) -> Result<(Reference, ResolvedModule), Unavailable> {
    let sources = ModuleSources {
        config: Ok(BicepConfig::built_in()),
        cache: CacheRoot::Unknown,
    };
    sources.resolve(written)
}

/// A module reference with its alias resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reference {
    /// A module in an OCI registry (`br:`).
    Registry {
        /// The registry's login server, lower-cased (registries compare case-insensitively).
        registry: String,
        /// The module's repository (its path in the registry).
        repository: String,
        /// Its tag or digest.
        version: Version,
    },
    /// A template spec (`ts:`).
    Spec {
        /// The subscription's ID.
        subscription: String,
        /// The resource group's name.
        resource_group: String,
        /// The template spec's name.
        name: String,
        /// Its version.
        version: String,
    },
}

/// How a registry module's version is named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    /// A tag (`:0.9.0`).
    Tag(String),
    /// A digest (`@sha256:…`).
    Digest(String),
}

/// The longest registry and repository (`OciArtifactReferenceFacts`).
const MAX_REGISTRY: usize = 255;
const MAX_REPOSITORY: usize = 255;
/// The longest tag (`OciArtifactReferenceFacts.MaxTagLength`).
const MAX_TAG: usize = 128;
/// The longest resource group, template spec name and version
/// (`TemplateSpecModuleReference.ResourceNameMaximumLength`).
const MAX_RESOURCE_NAME: usize = 90;

impl Reference {
    /// The reference with its alias spelled out: `br:<registry>/<repository>:<tag>`,
    /// `br:<registry>/<repository>@<digest>`, `ts:<subscription>/<resource group>/<name>:<version>`.
    pub(crate) fn canonical(&self) -> String {
        match self {
            Reference::Registry {
                registry,
                repository,
                version: Version::Tag(tag),
            } => format!("br:{registry}/{repository}:{tag}"),
            Reference::Registry {
                registry,
                repository,
                version: Version::Digest(digest),
            } => format!("br:{registry}/{repository}@{digest}"),
            Reference::Spec {
                subscription,
                resource_group,
                name,
                version,
            } => format!("ts:{subscription}/{resource_group}/{name}:{version}"),
        }
    }

    /// A template spec version's resource ID (`TemplateSpecModuleReference.TemplateSpecResourceId`).
    pub(crate) fn spec_id(&self) -> Option<String> {
        match self {
            Reference::Spec {
                subscription,
                resource_group,
                name,
                version,
            } => Some(format!(
                "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Resources/templateSpecs/{name}/versions/{version}"
            )),
            Reference::Registry { .. } => None,
        }
    }

    /// Whether it is a template spec.
    pub(crate) fn is_spec(&self) -> bool {
        matches!(self, Reference::Spec { .. })
    }

    /// The file the Bicep CLI caches it in, relative to the cache root.
    pub(crate) fn cache_file(&self) -> PathBuf {
        let folder = match self {
            Reference::Registry {
                registry,
                repository,
                version,
            } => {
                let version = match version {
                    Version::Tag(tag) => encode_tag(tag),
                    Version::Digest(digest) => digest.replace(':', "#"),
                };
                let registry = registry.replace(':', "$").to_lowercase();
                let repository = repository.replace('/', "$");
                ["br", &registry, &repository, &version]
                    .iter()
                    .collect::<PathBuf>()
            }
            Reference::Spec {
                subscription,
                resource_group,
                name,
                version,
            } => ["ts", subscription, resource_group, name, version]
                .iter()
                .map(|part| part.to_lowercase())
                .collect::<PathBuf>(),
        };
        folder.join("main.json")
    }
}

/// A tag as a folder name that survives case-insensitive file systems: the tag, `$`, and a
/// mask of which of its characters are upper case, in hexadecimal, highest 64 bits first
/// (the first group without leading zeros, the next with all 16 digits), none when no
/// character is (`TagEncoder.Encode`).
pub(crate) fn encode_tag(tag: &str) -> String {
    // ceil(MAX_TAG / 64) components.
    let mut mask = [0u64; MAX_TAG.div_ceil(64)];
    for (i, c) in tag.chars().enumerate().take(MAX_TAG) {
        if c.is_uppercase() {
            mask[i / 64] |= 1u64 << (i % 64);
        }
    }
    let mut out = format!("{tag}$");
    let mut leading = false;
    for &part in mask.iter().rev() {
        if leading {
            out.push_str(&format!("{part:016x}"));
        } else if part != 0 {
            out.push_str(&format!("{part:x}"));
            leading = true;
        }
    }
    out
}

/// Parses the module reference `written` (a path with a registry scheme) under the aliases of
/// `config`: the module it names, or what is wrong (completes "the reference …").
pub(crate) fn parse(written: &str, config: &BicepConfig) -> Result<Reference, String> {
    let (scheme, rest) = written.split_once(':').unwrap_or((written, ""));
    let (scheme, alias) = match scheme.split_once('/') {
        Some((scheme, alias)) => (scheme, Some(alias)),
        None => (scheme, None),
    };
    if let Some(alias) = alias
        && (alias.is_empty()
            || !alias
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err(format!(
            "names the alias `{alias}`, which is not an alias name (letters, digits, `-` and `_`)"
        ));
    }
    let undefined = |table: &str, alias: &str| match config.shown() {
        Some(file) => format!(
            "names the alias `{alias}`, which `{file}` does not define under `moduleAliases.{table}`"
        ),
        None => format!(
            "names the alias `{alias}`, which no bicepconfig.json in the scanned folders above it defines under `moduleAliases.{table}` (only `br/public` is built in)"
        ),
    };
    match scheme {
        "br" => {
            let unqualified = match alias {
                Some(alias) => {
                    let found = config
                        .registries
                        .get(alias)
                        .ok_or_else(|| undefined("br", alias))?;
                    match &found.module_path {
                        Some(path) => format!("{}/{path}/{rest}", found.registry),
                        None => format!("{}/{rest}", found.registry),
                    }
                }
                None => rest.to_owned(),
            };
            parse_registry(&unqualified)
                .map_err(|problem| format!("is malformed (`br:{unqualified}`): {problem}"))
        }
        "ts" => {
            let full = match alias {
                Some(alias) => {
                    let found = config
                        .specs
                        .get(alias)
                        .ok_or_else(|| undefined("ts", alias))?;
                    format!("{}/{}/{rest}", found.subscription, found.resource_group)
                }
                None => rest.to_owned(),
            };
            parse_spec(&full).map_err(|problem| format!("is malformed (`ts:{full}`): {problem}"))
        }
        other => Err(format!(
            "has the scheme `{other}`, which is not a module registry's (`br`, `ts`)"
        )),
    }
}

/// `<registry>/<repository>:<tag>` or `…@<digest>`, checked as `OciArtifactAddressComponents.TryParse` checks it.
fn parse_registry(unqualified: &str) -> Result<Reference, String> {
    let Some((registry, path)) = unqualified.split_once('/') else {
        return Err("it names a registry but no module path".into());
    };
    if !is_host(registry) {
        return Err(format!("the registry `{registry}` is not a host name"));
    }
    if registry.len() > MAX_REGISTRY {
        return Err(format!(
            "the registry is longer than {MAX_REGISTRY} characters"
        ));
    }
    let mut segments: Vec<&str> = path.split('/').collect();
    let last = segments.pop().unwrap_or("");
    for segment in &segments {
        if !is_path_segment(segment) {
            return Err(segment_problem(segment));
        }
    }
    let (name, delimiter, tag_or_digest) = match last.find([':', '@']) {
        Some(i) => (&last[..i], last[i..].chars().next(), &last[i + 1..]),
        None => (last, None, ""),
    };
    if !is_path_segment(name) {
        return Err(segment_problem(name));
    }
    segments.push(name);
    let repository = segments.join("/");
    if repository.len() > MAX_REPOSITORY {
        return Err(format!(
            "the module path is longer than {MAX_REPOSITORY} characters"
        ));
    }
    let version = match delimiter {
        _ if tag_or_digest.is_empty() => {
            return Err("it has no tag or digest (`:<tag>` or `@sha256:<digest>`)".into());
        }
        Some(':') => {
            if tag_or_digest.len() > MAX_TAG {
                return Err(format!("the tag is longer than {MAX_TAG} characters"));
            }
            if !is_tag(tag_or_digest) {
                return Err(format!(
                    "the tag `{tag_or_digest}` is not a tag (letters, digits, `.`, `_` and `-`, not starting with `.` or `-`)"
                ));
            }
            Version::Tag(tag_or_digest.to_owned())
        }
        _ => {
            if !is_digest(tag_or_digest) {
                return Err(format!(
                    "the digest `{tag_or_digest}` is not `sha256:` and 64 lower-case hexadecimal digits"
                ));
            }
            Version::Digest(tag_or_digest.to_owned())
        }
    };
    Ok(Reference::Registry {
        registry: registry.to_lowercase(),
        repository,
        version,
    })
}

/// What is wrong with the path segment `segment`.
fn segment_problem(segment: &str) -> String {
    format!(
        "the path segment `{segment}` is not lower-case letters and digits separated by single `.`, `_` or `-`"
    )
}

/// A host name or address, with an optional port: dot-separated labels of letters, digits,
/// `-` and `_` (no empty label), or a bracketed IPv6 address. What a URI's authority accepts
/// of what registries are named by; never `.` or `..` (the cache path is made of it).
fn is_host(registry: &str) -> bool {
    let (host, port) = match registry.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((address, after)) => {
                let ok = !address.is_empty()
                    && address
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
                if !ok {
                    return false;
                }
                ("v6", after.strip_prefix(':'))
            }
            None => return false,
        },
        None => match registry.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        },
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let host_ok = host.split('.').all(|label| {
        !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    port_ok && host_ok
}

/// `[a-z0-9]+([._-][a-z0-9]+)*` (`OciArtifactReferenceFacts.OciNamespaceSegmentRegex`).
fn is_path_segment(segment: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !segment.is_empty()
        && segment
            .split(['.', '_', '-'])
            .all(|run| !run.is_empty() && run.chars().all(alnum))
}

/// `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}` (`OciArtifactReferenceFacts.TagNameRegex`).
fn is_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// `sha256:[a-f0-9]{64}` (`OciArtifactReferenceFacts.DigestRegex`).
fn is_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

/// `<subscription>/<resource group>/<name>:<version>`, checked as
/// `TemplateSpecModuleReference.TryParse` checks it.
fn parse_spec(full: &str) -> Result<Reference, String> {
    let parts: Vec<&str> = full.split('/').collect();
    let [subscription, resource_group, last] = parts.as_slice() else {
        return Err("it is not `<subscription>/<resource group>/<name>:<version>`".into());
    };
    let Some((name, version)) = last.split_once(':') else {
        return Err("it has no version (`:<version>`)".into());
    };
    if !is_guid(subscription) {
        return Err(format!("the subscription `{subscription}` is not a GUID"));
    }
    let group_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')');
    if resource_group.is_empty()
        || resource_group.chars().count() > MAX_RESOURCE_NAME
        || resource_group.ends_with('.')
        || !resource_group.chars().all(group_char)
    {
        return Err(format!(
            "the resource group `{resource_group}` is not a resource group name"
        ));
    }
    for (what, value) in [("name", name), ("version", version)] {
        if !is_resource_name(value) {
            return Err(format!(
                "the template spec {what} `{value}` is not a resource name (at most {MAX_RESOURCE_NAME} letters, digits, `-`, `_`, `.`, `(` and `)`, not ending with `.`)"
            ));
        }
    }
    Ok(Reference::Spec {
        subscription: (*subscription).to_owned(),
        resource_group: (*resource_group).to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
    })
}

/// `[-\w\.\(\)]{0,89}[-\w\(\)]` (`TemplateSpecModuleReference.ResourceNameRegex`).
fn is_resource_name(value: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let count = value.chars().count();
    (1..=MAX_RESOURCE_NAME).contains(&count)
        && value
            .chars()
            .all(|c| word(c) || matches!(c, '-' | '.' | '(' | ')'))
        && !value.ends_with('.')
}

/// A GUID as `Guid.TryParse` reads one: 32 hexadecimal digits, plain or in groups of 8-4-4-4-12
/// (optionally in braces or parentheses).
fn is_guid(text: &str) -> bool {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .or_else(|| text.strip_prefix('(').and_then(|t| t.strip_suffix(')')))
        .unwrap_or(text);
    let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
    let groups: Vec<&str> = inner.split('-').collect();
    match groups.as_slice() {
        [all] => inner == text && hex(all, 32),
        [a, b, c, d, e] => hex(a, 8) && hex(b, 4) && hex(c, 4) && hex(d, 4) && hex(e, 12),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::bicep::config::{RegistryAlias, SpecAlias};

    /// The built-in configuration with the private alias `corp` (registry
    /// `contoso.azurecr.io`, module path `modules`) and the template-spec alias `specs`.
    fn config() -> BicepConfig {
        let mut config = BicepConfig::built_in();
        config.registries.insert(
            "corp".into(),
            RegistryAlias {
                registry: "contoso.azurecr.io".into(),
                module_path: Some("modules".into()),
            },
        );
        config.registries.insert(
            "bare".into(),
            RegistryAlias {
                registry: "localhost:5000".into(),
                module_path: None,
            },
        );
        config.specs.insert(
            "specs".into(),
            SpecAlias {
                subscription: "00000000-0000-0000-0000-000000000000".into(),
                resource_group: "rg-specs".into(),
            },
        );
        config
    }

    fn canonical(written: &str) -> String {
        parse(written, &config())
            .unwrap_or_else(|e| panic!("{written}: {e}"))
            .canonical()
    }

    fn cached(written: &str) -> String {
        parse(written, &config())
            .unwrap_or_else(|e| panic!("{written}: {e}"))
            .cache_file()
            .to_string_lossy()
            .into_owned()
    }

    const DIGEST: &str = "sha256:e207a69d02b3de40d48ede9fd208d80441a9e590a83a0bc915d46244c03310d4";

    #[test]
    fn aliases_are_spelled_out() {
        // The built-in `br/public` (registry `mcr.microsoft.com`, module path `bicep`).
        assert_eq!(
            canonical("br/public:avm/res/compute/virtual-machine:0.9.0"),
            "br:mcr.microsoft.com/bicep/avm/res/compute/virtual-machine:0.9.0"
        );
        assert_eq!(
            canonical("br/corp:compute/vm:1.2.0"),
            "br:contoso.azurecr.io/modules/compute/vm:1.2.0"
        );
        assert_eq!(canonical("br/bare:vm:v1"), "br:localhost:5000/vm:v1");
        assert_eq!(
            canonical("br:Contoso.AzureCR.io/compute/vm:V1"),
            "br:contoso.azurecr.io/compute/vm:V1"
        );
        assert_eq!(
            canonical(&format!("br:contoso.azurecr.io/compute/vm@{DIGEST}")),
            format!("br:contoso.azurecr.io/compute/vm@{DIGEST}")
        );
        assert_eq!(
            canonical("ts/specs:vm-spec:1.0"),
            "ts:00000000-0000-0000-0000-000000000000/rg-specs/vm-spec:1.0"
        );
        let spec = parse("ts/specs:vm-spec:1.0", &config()).unwrap();
        assert_eq!(
            spec.spec_id().unwrap(),
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-specs/providers/Microsoft.Resources/templateSpecs/vm-spec/versions/1.0"
        );
    }

    #[test]
    fn the_cache_layout_is_the_clis() {
        // BicepRegistryArtifact.ResolveCacheDirectory (Azure/bicep 9beb0fee60): registry
        // lower-cased with ':' as '$', repository with '/' as '$', the tag encoded.
        assert_eq!(
            cached("br/public:avm/res/compute/virtual-machine:0.9.0"),
            "br/mcr.microsoft.com/bicep$avm$res$compute$virtual-machine/0.9.0$/main.json"
        );
        assert_eq!(
            cached("br/bare:vm:v1"),
            "br/localhost$5000/vm/v1$/main.json"
        );
        // A digest with ':' as '#'.
        assert_eq!(
            cached(&format!("br:contoso.azurecr.io/compute/vm@{DIGEST}")),
            format!(
                "br/contoso.azurecr.io/compute$vm/{}/main.json",
                DIGEST.replace(':', "#")
            )
        );
        // TemplateSpecModuleArtifact: every part lower-cased.
        assert_eq!(
            cached("ts:00000000-0000-0000-0000-00000000ABCD/RG-Specs/VM-Spec:V1.0"),
            "ts/00000000-0000-0000-0000-00000000abcd/rg-specs/vm-spec/v1.0/main.json"
        );
    }

    #[test]
    fn tags_are_encoded_as_tag_encoder_encodes_them() {
        // TagEncoder.Encode: the tag, '$', the upper-case mask in hexadecimal (none when 0).
        assert_eq!(encode_tag("0.9.0"), "0.9.0$");
        assert_eq!(encode_tag("V1"), "V1$1");
        assert_eq!(encode_tag("v1-Beta"), "v1-Beta$8");
        assert_eq!(encode_tag("ABCDEFGH"), "ABCDEFGH$ff");
        // Past the 64th character, the higher component first, the lower with all 16 digits.
        let long = format!("{}B", "a".repeat(64));
        assert_eq!(encode_tag(&long), format!("{long}$10000000000000000"));
    }

    #[test]
    fn malformed_references_say_what_is_wrong() {
        let problem = |written: &str| parse(written, &config()).expect_err(written);
        assert!(
            problem("br/public:avm/res/compute/virtual-machine").contains("no tag or digest"),
            "{}",
            problem("br/public:avm/res/compute/virtual-machine")
        );
        assert!(problem("br:contoso.azurecr.io/Compute/vm:1").contains("`Compute`"));
        assert!(problem("br:contoso.azurecr.io/vm:-1").contains("the tag `-1`"));
        assert!(problem("br:contoso.azurecr.io/vm@sha256:abc").contains("digest"));
        assert!(problem("br:contoso.azurecr.io").contains("no module path"));
        assert!(problem("br:../vm:1").contains("not a host name"));
        assert!(problem("br:x y/vm:1").contains("not a host name"));
        assert!(problem("br/nope:vm:1").contains("alias `nope`"));
        assert!(problem("br/a.b:vm:1").contains("not an alias name"));
        assert!(problem("ts:not-a-guid/rg/name:1").contains("not a GUID"));
        assert!(problem("ts/specs:vm-spec").contains("no version"));
        assert!(problem("ts/specs:vm.:1").contains("name `vm.`"));
        assert!(problem("ts:00000000-0000-0000-0000-000000000000/rg/a/b:1").contains("is not `"));
        // An alias nobody defines, with no configuration file: said so.
        let built_in = parse("br/corp:vm:1", &BicepConfig::built_in()).expect_err("alias");
        assert!(built_in.contains("no bicepconfig.json"), "{built_in}");
    }
}
