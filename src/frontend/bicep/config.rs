//! `bicepconfig.json` as the Bicep CLI reads it, for what module references need: the aliases
//! of `br/<alias>:` and `ts/<alias>:` references and where the module cache lies.
//!
//! * The configuration of a Bicep file is the nearest `bicepconfig.json` in its folder or a
//!   folder above (Azure/bicep 9beb0fee60, `src/Bicep.Core/Configuration/BicepConfigurationManager.cs`,
//!   `LookupConfigurationFile`), merged over the built-in configuration
//!   (`src/Bicep.Core/Configuration/bicepconfig.json`), which defines the alias `br/public`
//!   (registry `mcr.microsoft.com`, module path `bicep`). A file it `extends` (a path relative
//!   to it) is merged under it, the leaf winning (`LoadChain`, `BuildChain`).
//! * imagegate reads nothing outside the scanned roots: the search upward stops at the root
//!   the Bicep file lies in, and a configuration above it (or extended from outside) is not
//!   read (the built-in one applies, and an alias it would define is said to be undefined).
//! * `moduleAliases.br.<alias>` is `{registry, modulePath?}`, `moduleAliases.ts.<alias>` is
//!   `{subscription, resourceGroup}`
//!   (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-config-modules#aliases-for-modules>;
//!   `src/Bicep.Core/Configuration/ModuleAliasesConfiguration.cs`); property names are
//!   matched as written (camelCase), as the CLI binds them.
//! * `cacheRootDirectory` moves the module cache from `~/.bicep`
//!   (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-config-modules#configure-profiles-and-credentials>;
//!   `src/Bicep.Core/Features/FeatureProvider.cs`, `GetCacheRootDirectory`): an absolute path,
//!   or one starting with `~` for the home folder (`RootConfiguration.ExpandCacheRootDirectory`);
//!   the CLI refuses any other (`src/Bicep.IO/Abstraction/IOUri.cs`, `FromFilePath`: "File
//!   path must be absolute").
//!
//! A configuration that cannot be read (not JSON, a value of the wrong type, an alias without
//! its `registry`, a relative `cacheRootDirectory`) is an error naming the file and what is
//! wrong, never a silent default: the CLI refuses to build with it too.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::json::{Json, JsonKind};
use crate::source::{Loaded, Loader, lexical_join};

/// The name of the Bicep configuration file (`LanguageConstants.BicepConfigurationFileName`).
pub(crate) const FILE_NAME: &str = "bicepconfig.json";

/// Most configuration files followed through `extends` (the CLI's bound is 64; a chain of
/// more than a few is not seen in practice).
const MAX_EXTENDS: usize = 8;

/// The parts of a Bicep configuration module references read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BicepConfig {
    /// The file it was read from (canonical) and how users see it; `None`: the built-in
    /// configuration (no `bicepconfig.json` above the Bicep file in the scanned roots).
    pub(crate) file: Option<(PathBuf, String)>,
    /// `moduleAliases.br`: registry aliases, by name.
    pub(crate) registries: BTreeMap<String, RegistryAlias>,
    /// `moduleAliases.ts`: template-spec aliases, by name.
    pub(crate) specs: BTreeMap<String, SpecAlias>,
    /// `cacheRootDirectory`, as written, when set (not empty).
    pub(crate) cache_root: Option<String>,
}

/// A registry alias: `br/<alias>:<path>:<tag>` is `br:<registry>/<module path>/<path>:<tag>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RegistryAlias {
    /// The registry's login server (`contoso.azurecr.io`).
    pub(crate) registry: String,
    /// The path prepended to the module's, if any.
    pub(crate) module_path: Option<String>,
}

/// A template-spec alias: `ts/<alias>:<name>:<version>` is
/// `ts:<subscription>/<resource group>/<name>:<version>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SpecAlias {
    /// The subscription's ID.
    pub(crate) subscription: String,
    /// The resource group's name.
    pub(crate) resource_group: String,
}

/// A configuration file that cannot be read, and what is wrong with it.
#[derive(Debug)]
pub(crate) struct ConfigError {
    /// The file (its text, to locate the problem), when it was read.
    pub(crate) loaded: Option<Loaded>,
    /// The file as shown to users.
    pub(crate) display: String,
    /// The bytes of the file the problem is at (the whole start of the file when it is not
    /// located).
    pub(crate) at: Range<u32>,
    /// What is wrong, as a sentence fragment.
    pub(crate) message: String,
}

impl BicepConfig {
    /// The built-in configuration: the alias `br/public` and no cache root.
    pub(crate) fn built_in() -> BicepConfig {
        let mut registries = BTreeMap::new();
        registries.insert(
            "public".to_owned(),
            RegistryAlias {
                registry: "mcr.microsoft.com".to_owned(),
                module_path: Some("bicep".to_owned()),
            },
        );
        BicepConfig {
            file: None,
            registries,
            specs: BTreeMap::new(),
            cache_root: None,
        }
    }

    /// How users see the file the configuration comes from (`None`: built in).
    pub(crate) fn shown(&self) -> Option<&str> {
        self.file.as_ref().map(|(_, shown)| shown.as_str())
    }
}

/// The configuration of the Bicep file at canonical path `file`: the nearest
/// `bicepconfig.json` from its folder up to the scanned root it lies in (and the files it
/// extends), over the built-in one; the built-in one when there is none.
pub(crate) fn for_file(loader: Loader<'_>, file: &Path) -> Result<BicepConfig, Box<ConfigError>> {
    let Some(leaf) = crate::frontend::nearest(loader, file, FILE_NAME) else {
        return Ok(BicepConfig::built_in());
    };
    let mut layers: Vec<(PathBuf, Loaded, Json)> = Vec::new();
    let mut next = Some(leaf.clone());
    // Where the last layer read names the next (its `extends`).
    let mut named_at = 0..0;
    while let Some(path) = next.take() {
        let display = loader.display(&path);
        let loaded = match loader.read(&path, &path, display.clone()) {
            Ok(loaded) => loaded,
            Err(e) => {
                // Said at the `extends` that names it, when another file does.
                let message = format!("`{display}` {e}");
                let (loaded, display) = match layers.pop() {
                    Some((p, l, _)) => (Some(l), loader.display(&p)),
                    None => (None, display),
                };
                return Err(Box::new(ConfigError {
                    loaded,
                    display,
                    at: named_at,
                    message,
                }));
            }
        };
        let fail = |loaded: Loaded, at: Range<u32>, message: String| {
            Box::new(ConfigError {
                loaded: Some(loaded),
                display: display.clone(),
                at,
                message,
            })
        };
        let root = match crate::json::parse(&loaded.text) {
            Ok(root) => root,
            Err(e) => {
                let at = e.offset..e.offset;
                return Err(fail(loaded, at, format!("it is not JSON: {}", e.message)));
            }
        };
        if let Some(extends) = exact(&root, "extends") {
            let at = extends.start..extends.end;
            match &extends.kind {
                JsonKind::Null => {}
                JsonKind::String(p) if p.trim().is_empty() => {}
                JsonKind::String(p) => {
                    let base = relative_base(loader, &path, p);
                    let problem = match &base {
                        Err(problem) => Some(problem.clone()),
                        Ok(_) if layers.len() + 1 >= MAX_EXTENDS => Some(format!(
                            "`extends` chains more than {MAX_EXTENDS} configuration files"
                        )),
                        Ok(b) if *b == path || layers.iter().any(|(p, _, _)| p == b) => {
                            Some("`extends` leads back to a file of its own chain".to_owned())
                        }
                        Ok(_) => None,
                    };
                    if let Some(problem) = problem {
                        return Err(fail(loaded, at, problem));
                    }
                    next = base.ok();
                    named_at = at;
                }
                _ => {
                    let problem = "`extends` must be a string (a path relative to the file)";
                    return Err(fail(loaded, at, problem.to_owned()));
                }
            }
        }
        layers.push((path, loaded, root));
    }
    // The built-in configuration first, the file the Bicep file is nearest last (it wins).
    let mut merged = Merged::default();
    let mut result = Ok(());
    for (i, (_, _, root)) in layers.iter().enumerate().rev() {
        result = merged.layer(root, i);
        if result.is_err() {
            break;
        }
    }
    let finished = result.and_then(|()| merged.finish());
    match finished {
        Ok((registries, specs, cache_root)) => {
            let (path, _, _) = layers.swap_remove(0);
            let display = loader.display(&path);
            Ok(BicepConfig {
                file: Some((path, display)),
                registries,
                specs,
                cache_root,
            })
        }
        Err((i, at, message)) => {
            let (path, loaded, _) = layers.swap_remove(i);
            Err(Box::new(ConfigError {
                loaded: Some(loaded),
                display: loader.display(&path),
                at,
                message,
            }))
        }
    }
}

/// The file an `extends` path `relative` written in the configuration at `from` names, when
/// it is one imagegate reads: relative (as the CLI requires), existing, inside the roots
/// (checked when it is read; a path outside them is refused whether or not it exists,
/// [`Loader::locate`]).
fn relative_base(loader: Loader<'_>, from: &Path, relative: &str) -> Result<PathBuf, String> {
    let relative = relative.replace('\\', "/");
    if relative.starts_with('/') || relative.get(1..2) == Some(":") {
        return Err("`extends` must be a path relative to the file, as Bicep requires".into());
    }
    let folder = from.parent().unwrap_or(from);
    loader
        .locate(&lexical_join(folder, &relative))
        .ok_or_else(|| format!("the file it extends, `{relative}`, does not exist"))
}

/// The member of the object `json` named exactly `key` (the last, when repeated), as the
/// CLI binds properties (case-sensitively).
fn exact<'j>(json: &'j Json, key: &str) -> Option<&'j Json> {
    match &json.kind {
        JsonKind::Object(members) => members
            .iter()
            .rev()
            .find(|m| m.key == key)
            .map(|m| &m.value),
        _ => None,
    }
}

/// The members of an object, each name once (the last wins).
fn members(json: &Json) -> Vec<(&str, &Json)> {
    let mut out: Vec<(&str, &Json)> = Vec::new();
    if let JsonKind::Object(all) = &json.kind {
        for m in all {
            out.retain(|(k, _)| *k != m.key.as_str());
            out.push((m.key.as_str(), &m.value));
        }
    }
    out
}

/// A string member, `null` as unset; anything else is a type error (its span and message).
fn string_member(
    json: &Json,
    key: &str,
    path: &str,
) -> Result<Option<String>, (Range<u32>, String)> {
    match exact(json, key) {
        None => Ok(None),
        Some(Json {
            kind: JsonKind::Null,
            ..
        }) => Ok(None),
        Some(Json {
            kind: JsonKind::String(s),
            ..
        }) => Ok(Some(s.to_string())),
        Some(other) => Err((
            other.start..other.end,
            format!("`{path}.{key}` must be a string"),
        )),
    }
}

/// An alias as merged so far (fields not yet required).
#[derive(Clone, Debug, Default)]
struct Partial {
    first: Option<String>,
    second: Option<String>,
    /// The layer it is written in last, and where.
    at: (usize, Range<u32>),
}

/// A problem of a configuration layer: the layer (0: the file nearest the Bicep file), the
/// bytes, and what is wrong.
type LayerError = (usize, Range<u32>, String);

/// What [`Merged::finish`] gives: the registry aliases, the template-spec aliases and the
/// cache root.
type Parts = (
    BTreeMap<String, RegistryAlias>,
    BTreeMap<String, SpecAlias>,
    Option<String>,
);

/// The configuration as its layers are merged over the built-in one.
#[derive(Debug)]
struct Merged {
    registries: BTreeMap<String, Partial>,
    specs: BTreeMap<String, Partial>,
    cache_root: Option<(String, (usize, Range<u32>))>,
}

impl Default for Merged {
    fn default() -> Merged {
        let built_in = BicepConfig::built_in();
        let registries = built_in
            .registries
            .into_iter()
            .map(|(name, alias)| {
                let partial = Partial {
                    first: Some(alias.registry),
                    second: alias.module_path,
                    at: (0, 0..0),
                };
                (name, partial)
            })
            .collect();
        Merged {
            registries,
            specs: BTreeMap::new(),
            cache_root: None,
        }
    }
}

impl Merged {
    /// Merges the configuration file `root` (layer `layer`) over what is merged so far, as
    /// the CLI merges JSON (objects member by member, anything else replaced); a value of the
    /// wrong type is an error at its bytes.
    fn layer(&mut self, root: &Json, layer: usize) -> Result<(), LayerError> {
        let fail = |json: &Json, message: String| Err((layer, json.start..json.end, message));
        if !root.is_object() {
            return fail(root, "it must be a JSON object".to_owned());
        }
        if let Some(aliases) = exact(root, "moduleAliases") {
            match &aliases.kind {
                JsonKind::Null => {}
                JsonKind::Object(_) => {
                    let kinds = [
                        ("br", ["registry", "modulePath"], &mut self.registries),
                        ("ts", ["subscription", "resourceGroup"], &mut self.specs),
                    ];
                    for (scheme, fields, into) in kinds {
                        let Some(table) = exact(aliases, scheme) else {
                            continue;
                        };
                        let path = format!("moduleAliases.{scheme}");
                        match &table.kind {
                            JsonKind::Null => continue,
                            JsonKind::Object(_) => {}
                            _ => {
                                return fail(
                                    table,
                                    format!("`{path}` must be an object of aliases"),
                                );
                            }
                        }
                        for (name, alias) in members(table) {
                            let path = format!("{path}.{name}");
                            if !alias.is_object() {
                                return fail(alias, format!("`{path}` must be an object"));
                            }
                            let typed = |key: &str| {
                                string_member(alias, key, &path).map_err(|(at, m)| (layer, at, m))
                            };
                            let first = typed(fields[0])?;
                            let second = typed(fields[1])?;
                            let entry = into.entry(name.to_owned()).or_default();
                            entry.first = first.or(entry.first.take());
                            entry.second = second.or(entry.second.take());
                            entry.at = (layer, alias.start..alias.end);
                        }
                    }
                }
                _ => return fail(aliases, "`moduleAliases` must be an object".to_owned()),
            }
        }
        match exact(root, "cacheRootDirectory") {
            None => {}
            Some(Json {
                kind: JsonKind::Null,
                ..
            }) => self.cache_root = None,
            Some(
                value @ Json {
                    kind: JsonKind::String(s),
                    ..
                },
            ) => {
                self.cache_root = Some((s.to_string(), (layer, value.start..value.end)));
            }
            Some(other) => return fail(other, "`cacheRootDirectory` must be a string".to_owned()),
        }
        Ok(())
    }

    /// The aliases and the cache root, once every field an alias needs is there and the
    /// cache root is one the CLI accepts; else the error, in the layer that wrote it.
    fn finish(self) -> Result<Parts, LayerError> {
        let mut registries = BTreeMap::new();
        for (name, alias) in self.registries {
            let Some(registry) = alias.first.filter(|r| !r.is_empty()) else {
                let message = format!(
                    "the alias `moduleAliases.br.{name}` has no `registry` (the registry's login server, e.g. `contoso.azurecr.io`)"
                );
                return Err((alias.at.0, alias.at.1, message));
            };
            let module_path = alias.second.filter(|p| !p.is_empty());
            registries.insert(
                name,
                RegistryAlias {
                    registry,
                    module_path,
                },
            );
        }
        let mut specs = BTreeMap::new();
        for (name, alias) in self.specs {
            let (Some(subscription), Some(resource_group)) = (alias.first, alias.second) else {
                let message = format!(
                    "the alias `moduleAliases.ts.{name}` needs both `subscription` and `resourceGroup`"
                );
                return Err((alias.at.0, alias.at.1, message));
            };
            specs.insert(
                name,
                SpecAlias {
                    subscription,
                    resource_group,
                },
            );
        }
        let cache_root = match self.cache_root {
            Some((root, _)) if root.trim().is_empty() => None,
            Some((root, (layer, at))) => {
                let home = root == "~" || root.starts_with("~/") || root.starts_with("~\\");
                if !home && !Path::new(&root).is_absolute() {
                    let message = format!(
                        "`cacheRootDirectory` must be an absolute path (or start with `~`), as the Bicep CLI requires: `{root}` is relative"
                    );
                    return Err((layer, at, message));
                }
                Some(root)
            }
            None => None,
        };
        Ok((registries, specs, cache_root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scanned root in a temporary folder, with the loader's lookups empty.
    struct Tree {
        _dir: tempfile::TempDir,
        root: PathBuf,
        roots: Vec<PathBuf>,
        walked: crate::source::PathSet,
    }

    impl Tree {
        fn new() -> Tree {
            let dir = tempfile::tempdir().expect("temp dir");
            let base = dir.path().canonicalize().expect("canonical");
            let root = base.join("repo");
            std::fs::create_dir_all(&root).expect("mkdir");
            Tree {
                _dir: dir,
                roots: vec![root.clone()],
                root,
                walked: crate::source::PathSet::default(),
            }
        }

        fn write(&self, relative: &str, text: &str) -> PathBuf {
            let path = self.root.parent().expect("base").join(relative);
            std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
            path
        }

        fn config(&self, bicep: &str) -> Result<BicepConfig, Box<ConfigError>> {
            let loader = Loader::new(&self.roots, &self.root, &self.walked);
            for_file(loader, &self.root.join(bicep))
        }

        fn error(&self, bicep: &str) -> (String, String, String) {
            let error = self.config(bicep).expect_err("malformed");
            let at = match &error.loaded {
                Some(l) => l.text[error.at.start as usize..error.at.end as usize].to_owned(),
                None => String::new(),
            };
            (error.display, at, error.message)
        }
    }

    #[test]
    fn without_a_file_the_built_in_configuration_applies() {
        let tree = Tree::new();
        tree.write("repo/infra/main.bicep", "");
        let config = tree.config("infra/main.bicep").expect("built in");
        assert_eq!(config, BicepConfig::built_in());
        // `br/public` is the public registry's alias (the CLI's built-in bicepconfig.json).
        let public = &config.registries["public"];
        assert_eq!(public.registry, "mcr.microsoft.com");
        assert_eq!(public.module_path.as_deref(), Some("bicep"));
    }

    #[test]
    fn the_nearest_file_upward_is_merged_over_the_built_in_one() {
        // https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-config-modules
        let tree = Tree::new();
        tree.write(
            "repo/bicepconfig.json",
            r#"{ "moduleAliases": { "br": { "far": { "registry": "far.azurecr.io" } } } }"#,
        );
        tree.write(
            "repo/infra/bicepconfig.json",
            r#"{
  // Comments are allowed, as the CLI reads the file.
  "moduleAliases": {
    "br": {
      "corp": { "registry": "contoso.azurecr.io", "modulePath": "bicep/modules" }
    },
    "ts": {
      "specs": { "subscription": "00000000-0000-0000-0000-000000000000", "resourceGroup": "rg-specs" }
    }
  },
  "cacheRootDirectory": "~/.bicep-cache",
  "analyzers": { "core": { "enabled": true } }
}"#,
        );
        let config = tree.config("infra/main.bicep").expect("valid");
        let corp = &config.registries["corp"];
        assert_eq!(corp.registry, "contoso.azurecr.io");
        assert_eq!(corp.module_path.as_deref(), Some("bicep/modules"));
        // The built-in alias stays; the file further up is not read (the nearest one wins).
        assert!(config.registries.contains_key("public"));
        assert!(!config.registries.contains_key("far"));
        assert_eq!(config.specs["specs"].resource_group, "rg-specs");
        assert_eq!(config.cache_root.as_deref(), Some("~/.bicep-cache"));
        assert_eq!(
            config
                .shown()
                .map(|s| s.ends_with("infra/bicepconfig.json")),
            Some(true)
        );
        // Beside the file further up, that one applies.
        assert!(
            tree.config("other.bicep")
                .expect("valid")
                .registries
                .contains_key("far")
        );
    }

    #[test]
    fn nothing_above_the_scanned_root_is_read() {
        let tree = Tree::new();
        tree.write(
            "bicepconfig.json",
            r#"{ "moduleAliases": { "br": { "outside": { "registry": "x.azurecr.io" } } } }"#,
        );
        let config = tree.config("main.bicep").expect("built in");
        assert_eq!(config, BicepConfig::built_in());
    }

    #[test]
    fn a_file_it_extends_is_merged_under_it() {
        // Azure/bicep 9beb0fee60, BicepConfigurationManager.LoadChain: `extends` is a path
        // relative to the file; the leaf wins, objects merge member by member.
        let tree = Tree::new();
        tree.write(
            "repo/shared/bicepconfig.base.json",
            r#"{ "moduleAliases": { "br": { "corp": { "registry": "base.azurecr.io", "modulePath": "modules" } } },
                "cacheRootDirectory": "/var/cache/bicep" }"#,
        );
        tree.write(
            "repo/app/bicepconfig.json",
            r#"{ "extends": "../shared/bicepconfig.base.json",
                "moduleAliases": { "br": { "corp": { "registry": "leaf.azurecr.io" } } } }"#,
        );
        let config = tree.config("app/main.bicep").expect("valid");
        let corp = &config.registries["corp"];
        assert_eq!(corp.registry, "leaf.azurecr.io");
        assert_eq!(corp.module_path.as_deref(), Some("modules"));
        assert_eq!(config.cache_root.as_deref(), Some("/var/cache/bicep"));
        // A base that does not exist is an error at the `extends` that names it.
        tree.write(
            "repo/lost/bicepconfig.json",
            r#"{ "extends": "./nowhere.json" }"#,
        );
        let (file, at, message) = tree.error("lost/main.bicep");
        assert!(file.ends_with("lost/bicepconfig.json"), "{file}");
        assert_eq!(at, "\"./nowhere.json\"");
        assert!(message.contains("does not exist"), "{message}");
    }

    #[test]
    fn a_malformed_file_is_an_error_naming_the_file_and_what_is_wrong() {
        let tree = Tree::new();
        let cases = [
            ("{ \"moduleAliases\": ", "", "it is not JSON"),
            ("[1]", "[1]", "must be a JSON object"),
            (
                r#"{ "moduleAliases": { "br": { "corp": { "modulePath": "modules" } } } }"#,
                r#"{ "modulePath": "modules" }"#,
                "`moduleAliases.br.corp` has no `registry`",
            ),
            (
                r#"{ "moduleAliases": { "br": { "corp": { "registry": 42 } } } }"#,
                "42",
                "`moduleAliases.br.corp.registry` must be a string",
            ),
            (
                r#"{ "moduleAliases": { "ts": { "specs": { "subscription": "x" } } } }"#,
                r#"{ "subscription": "x" }"#,
                "needs both `subscription` and `resourceGroup`",
            ),
            (
                r#"{ "moduleAliases": { "br": [] } }"#,
                "[]",
                "`moduleAliases.br` must be an object",
            ),
            (
                r#"{ "cacheRootDirectory": "./fake-cache" }"#,
                "\"./fake-cache\"",
                "`cacheRootDirectory` must be an absolute path",
            ),
            (
                r#"{ "cacheRootDirectory": true }"#,
                "true",
                "`cacheRootDirectory` must be a string",
            ),
        ];
        for (text, at_text, wanted) in cases {
            tree.write("repo/bicepconfig.json", text);
            let (file, at, message) = tree.error("main.bicep");
            assert_eq!(file, "bicepconfig.json", "{text}");
            assert!(message.contains(wanted), "{text}: {message}");
            assert_eq!(at, at_text, "{text}");
        }
    }
}
