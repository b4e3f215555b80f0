//! Linked templates as data: what expansion may follow, loaded before it runs.
//!
//! Expansion reads no file. The stage that owns loading (the frontends' linker) hands it a
//! [`Links`] set: every link target it has resolved, with the template it leads to or why it
//! was refused. A link whose target is not in the set is not loaded here: expansion records it
//! ([`crate::eval::Expanded`]'s `wanted`) and goes on without it, and the loading stage loads
//! it and expands again. Turning a link URI or a template spec's ID into a target is a pure
//! computation over the configuration's `[links]` table, done here.

use std::borrow::Cow;
use std::path::PathBuf;
use std::rc::Rc;

use foldhash::HashMap;

use super::ir::{RegistryModule, Template};
use crate::source::FileId;
use crate::value::{Cause, Kind, LinkRefusal, Part, Value};

/// A linked template to read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum LinkTarget {
    /// A path relative to the folder of a file already read.
    Relative {
        /// The file the path is relative to.
        from: FileId,
        /// The path, as the link gives it.
        path: String,
    },
    /// A local file a remote link (a URI, a template spec, a registry module) is mapped to by
    /// the configuration's `[links]`.
    Local {
        /// The file, as mapped (not yet resolved on disk).
        path: PathBuf,
    },
    /// A registry module's file in the Bicep CLI's module cache, outside the scanned roots:
    /// read only when it stays under the cache root `root` (a symbolic link out of it is
    /// refused).
    Cached {
        /// The cache root, canonical.
        root: PathBuf,
        /// The file (`…/main.json`), not yet resolved on disk.
        path: PathBuf,
        /// Whether it holds a template spec version (its `properties.mainTemplate` is the
        /// template) rather than a compiled template.
        spec: bool,
    },
}

/// What following a link gives: the linked template and its file, or why it is refused.
pub(crate) type LinkResult = Result<(FileId, Rc<Template>), LinkRefusal>;

/// One link target the loading stage resolved.
#[derive(Clone, Debug)]
pub(crate) struct LinkedTemplate {
    /// The link as shown in messages (a relative path as written, a mapped file relative to
    /// the working directory).
    pub(crate) shown: String,
    /// The template it leads to, or why not.
    pub(crate) template: LinkResult,
}

/// The linked templates one expansion may follow, already loaded, and the configuration's
/// `[links]` table that maps remote links to local files.
#[derive(Debug, Default)]
pub(crate) struct Links<'m> {
    /// `[links]` of the config: URI prefixes and template-spec IDs, and their local paths.
    mapped: &'m [(String, PathBuf)],
    /// The extensions (lower case, without the dot) of the files a link relative to the
    /// deploying template's location may name: those of the templates' language.
    extensions: &'m [&'m str],
    /// The targets resolved so far.
    loaded: HashMap<LinkTarget, LinkedTemplate>,
    /// Why a target not in `loaded` is not followed, when the loading stage will read no
    /// more: then it is refused for this reason instead of wanted.
    missing: Option<LinkRefusal>,
}

impl<'m> Links<'m> {
    /// An empty set, mapping remote links with the `[links]` table `mapped`; a link relative
    /// to the deploying template's location names a template when its file has one of
    /// `extensions`.
    pub(crate) fn new(mapped: &'m [(String, PathBuf)], extensions: &'m [&'m str]) -> Links<'m> {
        Links {
            mapped,
            extensions,
            loaded: HashMap::default(),
            missing: None,
        }
    }

    /// The same set, complete: a target not in it is refused for `refusal` (the loading
    /// stage reads no more), not wanted.
    pub(crate) fn complete(mut self, refusal: LinkRefusal) -> Links<'m> {
        self.missing = Some(refusal);
        self
    }

    /// Why a target not in the set is refused, when the set is complete.
    pub(crate) fn missing(&self) -> Option<&LinkRefusal> {
        self.missing.as_ref()
    }

    /// Adds what `target` leads to.
    pub(crate) fn insert(&mut self, target: LinkTarget, linked: LinkedTemplate) {
        self.loaded.insert(target, linked);
    }

    /// What `target` leads to, when it was loaded.
    pub(crate) fn get(&self, target: &LinkTarget) -> Option<&LinkedTemplate> {
        self.loaded.get(target)
    }

    /// The local template a link URI stands for, if any: a path relative to a deploying
    /// template's own location, or a URI the configuration maps to a local path.
    pub(crate) fn uri(&self, uri: &Value) -> Option<LinkTarget> {
        if let Some((from, path)) = artifact_relative(uri, self.extensions) {
            return Some(LinkTarget::Relative { from, path });
        }
        let path = mapped_uri(uri, self.mapped)?;
        Some(LinkTarget::Local { path })
    }

    /// The local template a template spec's resource ID (or a registry module's reference)
    /// stands for, if the configuration maps it.
    pub(crate) fn spec(&self, id: &Value) -> Option<LinkTarget> {
        let id = id.as_str()?;
        // The Bicep public registry has two spellings (`br/public:` is the alias of
        // `br:mcr.microsoft.com/bicep/`): a key in either form maps both.
        let same = |key: &str| {
            let (key, id) = (public_registry(key), public_registry(id));
            key.trim_end_matches('/')
                .eq_ignore_ascii_case(id.trim_end_matches('/'))
        };
        let (_, path) = self.mapped.iter().find(|(key, _)| same(key))?;
        Some(LinkTarget::Local { path: path.clone() })
    }
}

impl Links<'_> {
    /// The local template `[links]` maps the registry module `module` to, if any: asked for
    /// the reference as written, then with its alias spelled out, then (a template spec) by
    /// its resource ID; each as a whole reference, then as a URI under a mapped prefix.
    pub(crate) fn registry(&self, written: &Value, module: &RegistryModule) -> Option<LinkTarget> {
        let mut spellings = vec![written.clone()];
        if let Ok(resolved) = &module.resolved {
            let text = |t: &str| Value::composed(Kind::Str(t.into()));
            spellings.push(text(&resolved.canonical));
            spellings.extend(resolved.spec_id.as_deref().map(text));
        }
        spellings
            .iter()
            .find_map(|s| self.spec(s).or_else(|| self.uri(s)))
    }
}

/// The local path a link URI stands for under the `[links]` table `mapped`: the first prefix
/// the URI starts with (ASCII case-insensitively), its local path joined with the rest of the
/// URI's path (query and fragment dropped, e.g. a SAS token). A URI whose path is not fully
/// known (an unknown part before any `?`) maps to nothing.
fn mapped_uri(uri: &Value, mapped: &[(String, PathBuf)]) -> Option<PathBuf> {
    let known = match &uri.kind {
        Kind::Str(s) => s.as_str(),
        Kind::Partial(parts) => match parts.first() {
            // The unknown part must come after the path (in the query string).
            Some(Part::Text(t)) if t.contains(['?', '#']) => t.as_str(),
            _ => return None,
        },
        _ => return None,
    };
    mapped_prefix(known, mapped)
}

/// The local path the link written as the plain string `reference` stands for under the
/// `[links]` table `mapped`: a URI under a mapped prefix, or a template-spec ID or registry
/// reference mapped whole. What the project graph follows without evaluating.
pub(crate) fn mapped_reference(reference: &str, mapped: &[(String, PathBuf)]) -> Option<PathBuf> {
    let spec = Links::new(mapped, &[]).spec(&Value::composed(Kind::Str(reference.into())));
    match spec {
        Some(LinkTarget::Local { path }) => Some(path),
        _ => mapped_prefix(reference, mapped),
    }
}

/// The local path of the URI `known` under the first prefix of `mapped` it starts with.
fn mapped_prefix(known: &str, mapped: &[(String, PathBuf)]) -> Option<PathBuf> {
    let path = known.split(['?', '#']).next().unwrap_or("");
    mapped.iter().find_map(|(prefix, local)| {
        let head = path.get(..prefix.len())?;
        if !head.eq_ignore_ascii_case(prefix) {
            return None;
        }
        let rest = path[prefix.len()..].trim_start_matches('/');
        let mut out = local.clone();
        for segment in rest.split('/').filter(|s| !s.is_empty() && *s != ".") {
            if segment == ".." {
                out.pop();
            } else {
                out.push(segment);
            }
        }
        Some(out)
    })
}

/// A Bicep module reference with the public registry's alias spelled out
/// (`br/public:x` → `br:mcr.microsoft.com/bicep/x`); anything else as it is.
fn public_registry(reference: &str) -> Cow<'_, str> {
    match reference.get(..10) {
        Some(head) if head.eq_ignore_ascii_case("br/public:") => {
            Cow::Owned(format!("br:mcr.microsoft.com/bicep/{}", &reference[10..]))
        }
        _ => Cow::Borrowed(reference),
    }
}

/// The local file a partially known link URI names, when the URI is the deploying template's
/// own (unknown) location followed by a known relative path — the quickstart pattern
/// `uri(deployment().properties.templateLink.uri, 'nested/vm.json')`, naming a file with one of
/// `extensions`. Returns the file whose location the unknown part stands for, and the relative
/// path (query string dropped).
fn artifact_relative(value: &Value, extensions: &[&str]) -> Option<(FileId, String)> {
    let Kind::Partial(parts) = &value.kind else {
        return None;
    };
    let (Part::Hole(why), rest) = parts.split_first()? else {
        return None;
    };
    if *why.cause != Cause::TemplateLink {
        return None;
    }
    let mut relative = String::new();
    for part in rest {
        match part {
            Part::Text(t) => relative.push_str(t),
            Part::Hole(_) => break,
        }
    }
    let relative = relative.split(['?', '#']).next().unwrap_or("");
    let relative = relative.trim_start_matches("./");
    let base = why.span?.file;
    let lower = relative.to_ascii_lowercase();
    let template = extensions.iter().any(|e| {
        lower
            .strip_suffix(e)
            .is_some_and(|stem| stem.ends_with('.'))
    });
    template.then(|| (base, relative.to_string()))
}

/// The targets of the links in `template` (of file `from`) that are written as plain strings
/// (most `relativePath` links, every local Bicep module, every registry module `[links]`
/// maps or the module cache may hold), in the order expansion would meet them when every
/// condition holds: what the loading stage loads before expanding, so that expanding once is
/// usually enough. `links` maps registry modules as expansion maps them.
pub(crate) fn literal_links(
    template: &Template,
    from: FileId,
    links: &Links<'_>,
) -> Vec<LinkTarget> {
    use super::ir::{CacheLookup, DeployedTemplate, NodeKind, ResourceDecl};
    fn walk(decls: &[ResourceDecl], from: FileId, links: &Links<'_>, out: &mut Vec<LinkTarget>) {
        for decl in decls {
            if let Some(children) = &decl.children {
                walk(children, from, links, out);
            }
            let target = match decl.deployment.as_ref().map(|d| &d.template) {
                Some(DeployedTemplate::Inline(inner)) => {
                    walk(&inner.resources, from, links, out);
                    None
                }
                Some(DeployedTemplate::RelativePath(node)) => match &node.kind {
                    NodeKind::Str(path) => Some(LinkTarget::Relative {
                        from,
                        path: path.to_string(),
                    }),
                    _ => None,
                },
                Some(DeployedTemplate::Registry(module)) => {
                    let written = match &module.written.kind {
                        NodeKind::Str(s) => Value::composed(Kind::Str(s.as_str().into())),
                        _ => continue,
                    };
                    links.registry(&written, module).or_else(|| {
                        match module.resolved.as_ref().map(|r| &r.cache) {
                            Ok(CacheLookup::File {
                                root, path, spec, ..
                            }) => Some(LinkTarget::Cached {
                                root: root.clone(),
                                path: path.clone(),
                                spec: *spec,
                            }),
                            _ => None,
                        }
                    })
                }
                _ => None,
            };
            if let Some(target) = target
                && !out.contains(&target)
            {
                out.push(target);
            }
        }
    }
    let mut out = Vec::new();
    walk(&template.resources, from, links, &mut out);
    out
}
