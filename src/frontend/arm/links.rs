//! Local linked templates (`templateLink.relativePath`), loaded before evaluation.
//!
//! A link is resolved against the linking file's folder. It is refused when it leads outside
//! the scanned roots (imagegate reads nothing else), and a chain of links is bounded. Loading
//! everything first lets the evaluator borrow every template for the whole expansion.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::eval::{DeploymentScope, ParameterValues, Scope};
use crate::json::{self, Json};
use crate::source::{FileId, SourceFile, SourceMap};
use crate::value::{Kind, Part, Value};

/// Most linked files loaded for one template.
const MAX_LINKED_FILES: usize = 64;

/// The linked templates reachable from one template.
#[derive(Debug, Default)]
pub struct Linked {
    loaded: HashMap<PathBuf, Result<(FileId, Json), String>>,
}

impl Linked {
    /// Loads every template linked (with a literal `relativePath`) from `root` of `file`,
    /// transitively, into `sources`.
    pub fn load(sources: &mut SourceMap, file: FileId, root: &Json, roots: &[PathBuf]) -> Linked {
        let mut linked = Linked::default();
        let mut queue: Vec<(PathBuf, String)> = Vec::new();
        let from = sources.get(file).path.clone();
        queue.extend(relative_paths(root).into_iter().map(|r| (from.clone(), r)));
        queue.extend(uri_links(sources, file, root));
        while let Some((from, relative)) = queue.pop() {
            let Some(target) = resolve(&from, &relative) else {
                continue;
            };
            if linked.loaded.contains_key(&target) {
                continue;
            }
            if linked.loaded.len() >= MAX_LINKED_FILES {
                linked.loaded.insert(
                    target,
                    Err(format!(
                        "is beyond the limit of {MAX_LINKED_FILES} linked templates"
                    )),
                );
                continue;
            }
            let result = read(sources, &target, roots, &from);
            if let Ok((id, json)) = &result {
                let path = sources.get(*id).path.clone();
                queue.extend(relative_paths(json).into_iter().map(|r| (path.clone(), r)));
                queue.extend(uri_links(sources, *id, json));
            }
            linked.loaded.insert(target, result);
        }
        linked
    }

    /// The canonical paths of every linked template that was found (loaded or refused).
    pub fn targets(&self) -> impl Iterator<Item = &Path> {
        self.loaded.keys().map(PathBuf::as_path)
    }

    /// The preloaded linked template `relative` as seen from the template at `from`.
    pub fn get(&self, from: &Path, relative: &str) -> Result<(FileId, &Json), String> {
        let target = resolve(from, relative).ok_or_else(|| "does not exist".to_string())?;
        match self.loaded.get(&target) {
            Some(Ok((id, json))) => Ok((*id, json)),
            Some(Err(e)) => Err(e.clone()),
            None => Err("was not loaded (its path is computed at deployment time)".into()),
        }
    }
}

/// The canonical path of `relative` from the folder of `from`, if it exists.
fn resolve(from: &Path, relative: &str) -> Option<PathBuf> {
    let base = from.parent().unwrap_or(Path::new("."));
    base.join(relative.replace('\\', "/")).canonicalize().ok()
}

fn read(
    sources: &mut SourceMap,
    target: &Path,
    roots: &[PathBuf],
    from: &Path,
) -> Result<(FileId, Json), String> {
    if !roots.iter().any(|r| target.starts_with(r)) {
        return Err("is outside the scanned roots and was not read".into());
    }
    let bytes = std::fs::read(target).map_err(|e| format!("cannot be read: {e}"))?;
    if bytes.len() as u64 > crate::analyze::MAX_FILE_BYTES {
        return Err("is larger than the size limit".into());
    }
    let (text, encoding) =
        crate::source::decode(bytes).map_err(|e| format!("cannot be decoded: {}", e.message))?;
    let root = json::parse(&text).map_err(|e| format!("cannot be parsed: {}", e.message))?;
    let display = sibling_display(from, target, sources);
    let id = sources.add(SourceFile::new(
        target.to_path_buf(),
        display,
        text,
        encoding,
    ));
    Ok((id, root))
}

/// The display path of a linked file, relative like the file that links it.
fn sibling_display(from: &Path, target: &Path, sources: &SourceMap) -> String {
    let from_display = sources.find(from).map(|id| sources.get(id).display.clone());
    let cwd = std::env::current_dir().unwrap_or_default();
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    match (from_display, target.strip_prefix(&cwd)) {
        (_, Ok(rel)) => rel.to_string_lossy().replace('\\', "/"),
        (Some(d), Err(_)) => d,
        (None, Err(_)) => target.to_string_lossy().into_owned(),
    }
}

/// The local file a partially known link URI names, when the URI is the deploying template's
/// own (unknown) location followed by a known relative path — the quickstart pattern
/// `uri(deployment().properties.templateLink.uri, 'nested/vm.json')`. Returns the file whose
/// location the unknown part stands for, and the relative path (query string dropped).
pub fn artifact_relative(value: &Value) -> Option<(FileId, String)> {
    let Kind::Partial(parts) = &value.kind else {
        return None;
    };
    let (Part::Hole(why), rest) = parts.split_first()? else {
        return None;
    };
    if !why.reason.contains("template link") {
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
    (!relative.is_empty() && is_json(relative)).then(|| (base, relative.to_string()))
}

fn is_json(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".json") || lower.ends_with(".jsonc")
}

/// The local targets of `templateLink.uri` links of a template, evaluated with its defaults.
fn uri_links(sources: &SourceMap, file: FileId, root: &Json) -> Vec<(PathBuf, String)> {
    let mut uris = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.kind {
            json::JsonKind::Object(members) => {
                if let Some(uri) = node.get("templateLink").and_then(|l| l.get("uri")) {
                    uris.push(uri);
                }
                stack.extend(members.iter().map(|m| &m.value));
            }
            json::JsonKind::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    if uris.is_empty() {
        return Vec::new();
    }
    let text = &sources.get(file).text;
    let scope = Scope::new(
        root,
        file,
        text,
        ParameterValues::new(),
        DeploymentScope::default(),
    );
    uris.into_iter()
        .filter_map(|uri| artifact_relative(&scope.eval_node(uri)))
        .map(|(base, rel)| (sources.get(base).path.clone(), rel))
        .collect()
}

/// Every literal `templateLink.relativePath` in a template (deeply).
pub fn relative_paths(root: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.kind {
            json::JsonKind::Object(members) => {
                if let Some(rel) = node
                    .get("templateLink")
                    .and_then(|l| l.get("relativePath"))
                    .and_then(Json::as_str)
                    && !super::lower::is_expression(rel)
                {
                    out.push(rel.to_string());
                }
                stack.extend(members.iter().map(|m| &m.value));
            }
            json::JsonKind::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    out
}
