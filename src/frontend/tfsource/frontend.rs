//! The Terraform sources frontend: a folder of `.tf` files judged as the module Terraform
//! reads, once, for its lead file ([`super::folder`]).

use std::path::Path;

use hcl_edit::structure::Body;

use crate::frontend::terraform::{AZAPI, CONFIGURATION_EXTENSION, judged_type};
use crate::frontend::{Env, Frontend, Lowered, Relation, RelationKind, Sniff, Target, ToJudge};
use crate::model::SourceKind;
use crate::source::{FileId, Loaded};

use super::folder;

/// Terraform configurations, read from their `.tf` sources.
#[derive(Debug)]
pub(crate) struct TfSources;

impl Frontend for TfSources {
    fn extensions(&self) -> &'static [&'static str] {
        &[CONFIGURATION_EXTENSION]
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
            && let Ok(body) = hcl_edit::parser::parse_body(text)
        {
            out.extend(
                local_modules(&body)
                    .into_iter()
                    .map(|source| Relation::new(RelationKind::Deploys, Target::Folder(source))),
            );
        }
        out
    }

    fn lower(&self, file: Loaded, env: &Env<'_>) -> Result<Lowered, Loaded> {
        if !folder::is_lead(&file.canonical, env.loader) {
            return Err(file);
        }
        let mut out = Lowered {
            // A plan made from this configuration stands for it (it links this file).
            linkable: true,
            ..Lowered::default()
        };
        let module = folder::read(file, env, &mut out);
        let sources = &out.sources;
        let may_deploy =
            |file: FileId, source: &str| may_deploy(sources.get(file).path.as_path(), source, env);
        let deployment = super::lower::module(
            &module,
            env.options.environment,
            env.allowance,
            &mut out.embedded,
            &may_deploy,
        );
        out.deployment = Some(ToJudge {
            file: module.lead,
            deployment,
        });
        Ok(out)
    }
}

/// The `source` of each module call of `body` that is a local path (`./x`, `../x`).
fn local_modules(body: &Body) -> Vec<String> {
    body.get_blocks("module")
        .filter_map(|b| {
            b.body
                .get_attribute("source")?
                .value
                .as_str()
                .map(str::to_string)
        })
        .filter(|s| is_local(s))
        .collect()
}

/// Whether a module `source` is a local path
/// (<https://developer.hashicorp.com/terraform/language/modules/sources#local-paths>).
fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// Whether the module a call in the file at `from` names by `source` may deploy an image:
/// any module that is not local, or a local one whose `.tf` files declare a judged resource,
/// call a module or cannot all be read and parsed (within the walked file's allowance).
fn may_deploy(from: &Path, source: &str, env: &Env<'_>) -> bool {
    if !is_local(source) {
        return true;
    }
    let Some(dir) = from.parent().map(|d| d.join(source)) else {
        return true;
    };
    let Ok(dir) = dir.canonicalize() else {
        return true;
    };
    if !env.loader.inside(&dir) || !dir.is_dir() {
        return true;
    }
    let files = folder::sources_of(&dir, &dir.join("main.tf"));
    let mut read = 0;
    for path in files {
        // The stand-in name `sources_of` is given, when no such file is there.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_file() || !env.allowance.linked_bytes_fit(meta.len()) {
            return true;
        }
        let Ok(loaded) = env.loader.read(&path, &path, String::new()) else {
            return true;
        };
        env.allowance.take_linked_bytes(loaded.text.len() as u64);
        if folder::too_deep(&loaded.text).is_some() {
            return true;
        }
        let Ok(body) = hcl_edit::parser::parse_body(&loaded.text) else {
            return true;
        };
        read += 1;
        let deploys = body.get_blocks("resource").any(|b| {
            b.labels.first().is_some_and(|t| {
                let t = t.as_str();
                judged_type(t) || AZAPI.contains(&t) || t == "azapi_resource_action"
            })
        });
        if deploys || body.get_blocks("module").next().is_some() {
            return true;
        }
    }
    read == 0
}
