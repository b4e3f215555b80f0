//! Parameter files: those beside a template (`X.parameters.json` and `X.parameters.*.json`
//! for `X.json`, so `azuredeploy.parameters.json` for `azuredeploy.json`) and those the
//! config maps to it. Each one is its own evaluation context.

use std::path::{Path, PathBuf};

use crate::eval::{Limits, ParameterValues, literal_value};
use crate::frontend::{Env, Lowered, ParseProblem};
use crate::json::{self, Json, JsonKind};
use crate::source::{FileId, LoadError, Span};
use crate::value::cause::Budget;
use crate::value::{Cause, Subject, Value, Why};

/// The headline of an IG000 about a parameter file.
const HEADLINE: &str = "cannot parse parameter file";

/// The canonical form of `path`, or `path` as it is when the file system cannot say.
fn canonical_or_as_is(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The evaluation contexts of the template `template` (whose canonical path is
/// `canonical`): one per parameter file (its display path and values), or one with the
/// defaults only. The parameter files read are added to `out.sources`; one that cannot be
/// read is a note, one that cannot be parsed an IG000, and both are left out.
pub(super) fn parameter_contexts(
    out: &mut Lowered,
    template: FileId,
    canonical: &Path,
    env: &Env<'_>,
) -> Vec<(Option<String>, ParameterValues<'static>)> {
    let template_path = out.sources.get(template).path.clone();
    let template_display = out.sources.get(template).display.clone();
    let mapped: Vec<&PathBuf> = env
        .options
        .parameter_files
        .iter()
        .filter(|(t, _)| t == canonical)
        .flat_map(|(_, files)| files)
        .collect();
    let folder = template_path.parent();
    // The walk lists folders by their canonical path.
    let listing = canonical.parent().and_then(|d| env.loader.listing(d));
    // The canonical folder: the walk's own when it walked the folder (then the template is
    // no symbolic link), else asked of the file system.
    let canonical_folder = match (listing, folder) {
        (Some(_), _) => canonical.parent().map(Path::to_path_buf),
        (None, Some(folder)) if folder.as_os_str().is_empty() => {
            Some(canonical_or_as_is(Path::new(".")))
        }
        (None, Some(folder)) => Some(canonical_or_as_is(folder)),
        (None, None) => None,
    };
    // Siblings are regular files (never symbolic links): canonical beside their folder.
    let siblings: Vec<(PathBuf, PathBuf)> = sibling_parameter_files(&template_path, listing)
        .into_iter()
        .filter_map(|p| {
            let canonical = canonical_folder.as_ref()?.join(p.file_name()?);
            Some((p, canonical))
        })
        .collect();
    let mut all: Vec<(PathBuf, PathBuf, Option<String>)> = Vec::new();
    for m in mapped {
        if !siblings.iter().any(|(_, c)| c == m) {
            all.push((m.clone(), m.clone(), Some(env.loader.display(m))));
        }
    }
    all.splice(0..0, siblings.into_iter().map(|(p, c)| (p, c, None)));
    let mut contexts = Vec::new();
    for (path, canonical, mapped_display) in all {
        let mapped = mapped_display.is_some();
        let display = mapped_display.unwrap_or_else(|| beside(&template_display, &path));
        let loaded = match env.loader.read(&path, &canonical, display.clone()) {
            Ok(loaded) => loaded,
            Err(LoadError::Undecodable(e)) => {
                out.notes.push(format!("{display}: {}", e.message));
                continue;
            }
            Err(LoadError::OutsideRoots) if mapped => {
                out.notes.push(format!(
                    "{}: parameter file mapped in the config is outside the scanned roots; not read",
                    path.display()
                ));
                continue;
            }
            Err(_) => {
                out.notes
                    .push(format!("{display}: cannot read this parameter file"));
                continue;
            }
        };
        let id = loaded.add_to(&mut out.sources);
        let text = &out.sources.get(id).text;
        let limits = env.allowance.limits();
        match json::parse_within(text, limits.max_document_values) {
            Ok(root) if parameters(&root).is_some() => {
                contexts.push((Some(display), parameter_values(&root, id, limits)));
            }
            Ok(_) => out.notes.push(format!(
                "{display}: not a parameter file (no `parameters` object, and not the bare form `{{\"name\": {{\"value\": …}}}}`); ignored"
            )),
            Err(e) => {
                let problem = ParseProblem::at_char(id, text, e.offset, HEADLINE, e.message);
                out.problems.push(problem);
            }
        }
    }
    if contexts.is_empty() {
        contexts.push((None, ParameterValues::new()));
    }
    contexts
}

/// The display path of the file `path` beside the template shown as `template_display`.
fn beside(template_display: &str, path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    match template_display.rfind('/') {
        Some(i) => format!("{}/{name}", &template_display[..i]),
        None => name.into_owned(),
    }
}

/// The values of a deployment parameter file (`{"parameters": {"x": {"value": ...}}}`, also
/// the JSON that `bicep build-params` writes) read as file `file`. Values are literal (never
/// evaluated); `{"reference": {"keyVault": ...}}` entries become Key Vault references. A value
/// larger than `limits` let a parameter hold is not copied: it is unknown, and says why.
pub(crate) fn parameter_values(
    root: &Json,
    file: FileId,
    limits: &Limits,
) -> ParameterValues<'static> {
    let mut out = ParameterValues::new();
    let Some(params) = parameters(root) else {
        return out;
    };
    let limit = limits.max_value_weight;
    for m in params.members() {
        if let Some(v) = m.value.get("value") {
            // A value larger than any parameter may hold is not copied: it is unknown, and
            // says why, if the template ever reads it.
            let value = if weight(v, limit) > limit {
                let budget = Budget::ValueSize {
                    limit,
                    subject: Subject::Parameter(m.key.to_string()),
                };
                let at = Span::new(file, v.start as usize, v.end as usize);
                Value::unknown(Why::at(Cause::Budget(budget), at))
            } else {
                literal_value(v, file)
            };
            out.insert(&m.key, value);
        } else if let Some(r) = m.value.get("reference") {
            out.insert_key_vault(&m.key, Span::new(file, r.start as usize, r.end as usize));
        }
    }
    out
}

/// The weight of `json` as the evaluator weighs values (one per value, one per 16 bytes of
/// text), counted up to just past `limit`.
fn weight(json: &Json, limit: u64) -> u64 {
    let mut total = 0;
    let mut stack = vec![json];
    while let Some(j) = stack.pop() {
        total += 1;
        match &j.kind {
            JsonKind::String(s) => total += s.len() as u64 / 16,
            JsonKind::Array(items) => stack.extend(items),
            JsonKind::Object(members) => {
                for m in members {
                    total += m.key.len() as u64 / 16;
                    stack.push(&m.value);
                }
            }
            _ => {}
        }
        if total > limit {
            break;
        }
    }
    total
}

/// The parameter values of a parameter file: its `parameters` object, or the file itself in
/// the bare form the Azure CLI also accepts (`{"name": {"value": …}}`: every member but the
/// file's `$schema`, `contentVersion` and `metadata` is an object with a `value` or a
/// `reference`).
fn parameters(root: &Json) -> Option<&Json> {
    if let Some(wrapped) = root.get("parameters").filter(|p| p.is_object()) {
        return Some(wrapped);
    }
    let mut entries = root.members().into_iter().filter(|m| {
        !["$schema", "contentVersion", "metadata"]
            .iter()
            .any(|k| m.key.eq_ignore_ascii_case(k))
    });
    let bare = entries.clone().next().is_some()
        && entries.all(|m| m.value.get("value").is_some() || m.value.get("reference").is_some());
    bare.then_some(root)
}

/// The parameter files of the template at `template`, sorted by name. `listing` holds the
/// names of the files in its folder when the walk already knows them (no directory read);
/// otherwise the folder is read.
pub(super) fn sibling_parameter_files(template: &Path, listing: Option<&[String]>) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (
        template.parent(),
        template.file_name().and_then(|n| n.to_str()),
    ) else {
        return Vec::new();
    };
    let Some(stem) = strip_json(name) else {
        return Vec::new();
    };
    let exact = format!("{stem}.parameters").to_ascii_lowercase();
    let prefix = format!("{stem}.parameters.").to_ascii_lowercase();
    let names = crate::source::file_names(dir, listing);
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut found: Vec<PathBuf> = names
        .into_iter()
        .filter_map(|file_name| {
            let base = strip_json(&file_name)?.to_ascii_lowercase();
            (base == exact || base.starts_with(&prefix)).then(|| dir.join(&file_name))
        })
        .collect();
    found.sort();
    found
}

fn strip_json(name: &str) -> Option<&str> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".jsonc") {
        Some(&name[..name.len() - 6])
    } else if lower.ends_with(".json") {
        Some(&name[..name.len() - 5])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_siblings() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "azuredeploy.json",
            "azuredeploy.parameters.json",
            "azuredeploy.parameters.prod.json",
            "azuredeploy.parametersX.json",
            "other.parameters.json",
        ] {
            std::fs::write(dir.path().join(f), "{}").unwrap();
        }
        let found = sibling_parameter_files(&dir.path().join("azuredeploy.json"), None);
        let listing = [
            "azuredeploy.parameters.json".to_string(),
            "x.json".to_string(),
        ];
        let listed = sibling_parameter_files(&dir.path().join("azuredeploy.json"), Some(&listing));
        assert_eq!(listed.len(), 1);
        let names: Vec<_> = found
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "azuredeploy.parameters.json",
                "azuredeploy.parameters.prod.json"
            ]
        );
    }
}
