//! The Terraform sources frontend: a folder of `.tf` files judged as the module Terraform
//! reads, once, for its lead file ([`super::folder`]).

use std::path::{Path, PathBuf};

use foldhash::HashMap;

use crate::frontend::terraform::CONFIGURATION_EXTENSION;
use crate::frontend::{Env, Frontend, Lowered, Relation, RelationKind, Sniff, Target, ToJudge};
use crate::model::SourceKind;
use crate::source::Loaded;
use crate::value::cause::TfUnknown;

use super::folder;
use super::syntax::Syntax;

/// Terraform configurations, read from their `.tf` sources.
#[derive(Debug)]
pub(crate) struct TfSources;

impl Frontend for TfSources {
    fn extensions(&self) -> &'static [&'static str] {
        &[CONFIGURATION_EXTENSION]
    }

    /// Variable definitions files (`terraform.tfvars`, `*.auto.tfvars`), read by the module of
    /// their folder.
    fn context_extensions(&self) -> &'static [&'static str] {
        &["tfvars"]
    }

    /// A `.tfvars` (or `.tfvars.json`) file Terraform does not load by itself is a
    /// `-var-file`: read only where the config maps it to its module
    /// (<https://developer.hashicorp.com/terraform/language/values/variables#variable-definitions-tfvars-files>).
    fn unread_context(&self, path: &Path) -> Option<String> {
        let name = crate::walk::file_name_of(path)?.to_str()?;
        let lower = name.to_ascii_lowercase();
        let definitions = lower.ends_with(".tfvars") || lower.ends_with(".tfvars.json");
        // Loaded by name as Terraform spells it (its folder listing is case-sensitive).
        (definitions && !folder::loaded_by_itself(name)).then(|| {
            "not judged: Terraform loads only terraform.tfvars and *.auto.tfvars by itself; \
             map this -var-file to its module's folder in [parameter_files] to judge the \
             module with it"
                .to_owned()
        })
    }

    /// Only `.tf` files are offered to it, and any text can be one.
    fn sniff(&self, _bytes: &[u8]) -> Sniff {
        Sniff::Signature
    }

    fn headline(&self) -> &'static str {
        folder::HEADLINE
    }

    /// Terraform reads `.tf` files as UTF-8: one that is not is an IG000.
    fn claims_undecodable(&self, _lossy: &str) -> bool {
        true
    }

    fn kind(&self) -> Option<SourceKind> {
        Some(SourceKind::TerraformSource)
    }

    /// A `.tf` file reads its folder: the module is judged for its lead file, with the
    /// folder's other `.tf` files and its `.tfvars` (a run naming any of them judges it).
    fn relations_by_name(&self, _path: &Path) -> Vec<Relation> {
        vec![Relation::new(
            RelationKind::Reads,
            Target::Folder(".".into()),
        )]
    }

    /// Its folder, and the folders of the local modules it calls (`source = "./x"`): a run
    /// naming a module's file judges its callers (and the plans that read them).
    fn relations(&self, path: &Path, text: &str) -> Vec<Relation> {
        let mut out = self.relations_by_name(path);
        if folder::too_deep(text).is_none()
            && let Ok(syntax) = folder::parse_text(text, folder::is_json_source(path))
        {
            out.extend(
                local_modules(&syntax)
                    .into_iter()
                    .map(|source| Relation::new(RelationKind::Deploys, Target::Folder(source))),
            );
        }
        out
    }

    fn lower(&self, file: Loaded, env: &Env<'_>) -> Result<Lowered, Loaded> {
        // The run's first walked file of the folder with its extension leads among `.tf`
        // files; a `.tf.json` file (whose extension is every JSON file's) leads only where
        // no `.tf` file is walked, as the folder's order says.
        let lead = match env.options.first_of_kind.as_deref() {
            Some(first) if !folder::is_json_source(&file.canonical) => first == file.canonical,
            _ => folder::is_lead(&file.canonical, env.loader),
        };
        if !lead {
            return Err(file);
        }
        let mut out = Lowered {
            // A plan made from this configuration stands for it (it links this file), and so
            // does a configuration that calls this folder as a module.
            linkable: true,
            ..Lowered::default()
        };
        let root = folder::read(file, env, &mut out);
        let var_files = folder::var_files(env, &mut out);
        let tree = tree(root, env, &mut out);
        let deployment = super::lower::tree(
            &tree,
            &var_files,
            env.options.environment,
            env.allowance,
            &mut out.embedded,
        );
        out.deployment = Some(ToJudge {
            file: tree.modules[0].lead,
            deployment,
        });
        Ok(out)
    }
}

/// Most modules one configuration's calls load.
const MAX_MODULES: usize = 256;

/// Most nested module calls followed.
pub(crate) const MAX_MODULE_DEPTH: usize = 16;

/// A configuration: its root module and the local modules its calls load.
pub(crate) struct Tree {
    /// The modules, the root first.
    pub(crate) modules: Vec<folder::Module>,
    /// What each call leads to, by the calling module's index and the call's name.
    pub(crate) calls: HashMap<(usize, String), Child>,
}

/// What a module call leads to.
pub(crate) enum Child {
    /// A module of the tree.
    Loaded(usize),
    /// Nothing read, and why.
    Unseen(TfUnknown),
}

/// The configuration of `root`: every local module its calls lead to, read once per folder
/// (their `.tf` files are this file's `links`), at most [`MAX_MODULES`] of them and
/// [`MAX_MODULE_DEPTH`] calls deep.
fn tree(root: folder::Module, env: &Env<'_>, out: &mut Lowered) -> Tree {
    let root_dir = out
        .sources
        .get(root.lead)
        .path
        .parent()
        .map(Path::to_path_buf);
    let mut tree = Tree {
        modules: vec![root],
        calls: HashMap::default(),
    };
    let mut by_dir: HashMap<PathBuf, usize> = HashMap::default();
    let root_dir = root_dir.and_then(|d| d.canonicalize().ok());
    if let Some(dir) = &root_dir {
        by_dir.insert(dir.clone(), 0);
    }
    // What `terraform init` installed: each module call's folder, by its key (`vm`,
    // `vm.disk`), relative to the root module's folder.
    let installed = root_dir
        .as_deref()
        .map(|dir| installed_modules(dir, env))
        .unwrap_or_default();
    // Each module's key, as `modules.json` names the call that loaded it first.
    let mut keys: Vec<String> = vec![String::new()];
    let mut queue = std::collections::VecDeque::from([(0usize, 0usize)]);
    while let Some((index, depth)) = queue.pop_front() {
        let mut calls = Vec::new();
        for block in tree.modules[index].blocks("module") {
            let [label] = block.labels.as_slice() else {
                continue;
            };
            let source = block
                .written("source")
                .and_then(|w| w.expr.as_str())
                .unwrap_or("")
                .to_string();
            // A local path is relative to the folder of the file that calls the module.
            let from = out.sources.get(block.file).path.clone();
            calls.push((label.to_string(), source, from));
        }
        for (label, source, from) in calls {
            let key = if keys[index].is_empty() {
                label.clone()
            } else {
                format!("{}.{label}", keys[index])
            };
            let local = is_local(&source);
            let folder = if local {
                from.parent().map(|d| d.join(&source))
            } else {
                let dir = installed.get(&key);
                dir.zip(root_dir.as_ref()).map(|(dir, root)| root.join(dir))
            };
            let child = if folder.is_none() && !local {
                Child::Unseen(TfUnknown::ModuleCall { source })
            } else {
                let dir = folder
                    .and_then(|d| d.canonicalize().ok())
                    .filter(|d| d.is_dir() && env.loader.inside(d));
                match dir {
                    None => Child::Unseen(TfUnknown::ModuleNotRead { source }),
                    Some(dir) => match by_dir.get(&dir) {
                        Some(&known) => Child::Loaded(known),
                        None if depth + 1 > MAX_MODULE_DEPTH
                            || tree.modules.len() >= MAX_MODULES =>
                        {
                            Child::Unseen(TfUnknown::NotEvaluated {
                                construct: format!(
                                    "module calls past {MAX_MODULES} modules or {MAX_MODULE_DEPTH} levels"
                                ),
                            })
                        }
                        None => match folder::read_module(&dir, env, out) {
                            Some(module) => {
                                tree.modules.push(module);
                                keys.push(key.clone());
                                let loaded = tree.modules.len() - 1;
                                by_dir.insert(dir, loaded);
                                queue.push_back((loaded, depth + 1));
                                Child::Loaded(loaded)
                            }
                            None => Child::Unseen(TfUnknown::ModuleNotRead { source }),
                        },
                    },
                }
            };
            tree.calls.insert((index, label), child);
        }
    }
    tree
}

/// The folder of each module `terraform init` installed for the root module in canonical
/// folder `root`, by its key, as `.terraform/modules/modules.json` names them (`Modules[]`:
/// `Key`, `Dir` relative to the root module); none when the file is not there or not read.
fn installed_modules(root: &Path, env: &Env<'_>) -> HashMap<String, String> {
    let manifest = root.join(".terraform").join("modules").join("modules.json");
    // Not a link itself (the loader checks where its folders lead).
    if !std::fs::symlink_metadata(&manifest).is_ok_and(|m| m.is_file()) {
        return HashMap::default();
    }
    let Ok(bytes) = env.loader.read_bytes(&manifest, &manifest) else {
        return HashMap::default();
    };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return HashMap::default();
    };
    let entries = json.get("Modules").and_then(|m| m.as_array());
    entries
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let key = m.get("Key")?.as_str()?;
            let dir = m.get("Dir")?.as_str()?;
            (!key.is_empty()).then(|| (key.to_string(), dir.to_string()))
        })
        .collect()
}

/// The `source` of each module call of `syntax` that is a local path (`./x`, `../x`).
fn local_modules(syntax: &Syntax) -> Vec<String> {
    syntax
        .blocks("module", crate::source::FileId(0))
        .into_iter()
        .filter_map(|b| b.body.attribute("source")?.as_str().map(str::to_string))
        .filter(|s| is_local(s))
        .collect()
}

/// Whether a module `source` is a local path
/// (<https://developer.hashicorp.com/terraform/language/modules/sources#local-paths>).
fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}
