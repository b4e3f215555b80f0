//! JSON parameter files: which templates their names relate them to, and their values. Which
//! files are a template's parameter files is the project graph's to say (by these names, the
//! config's mapping, a `.bicepparam`'s `using`); each one is its own evaluation context.

use std::path::Path;

use crate::eval::{Limits, ParameterValues, literal_value};
use crate::frontend::{Lowered, ParseProblem, Relation, RelationKind, Target};
use crate::json::{self, Json, JsonKind};
use crate::source::{FileId, Loaded, Span};
use crate::value::cause::Budget;
use crate::value::{Cause, Subject, Value, Why};

/// The headline of an IG000 about a parameter file.
const HEADLINE: &str = "cannot parse parameter file";

/// Reads `file` as a JSON parameter file (`{"parameters": {"x": {"value": …}}}`, or the bare
/// form): its values, located in it (the file is added to `out.sources`), or `None` when it
/// is not one (a note) or cannot be parsed (an IG000).
pub(super) fn json_parameter_file(
    file: Loaded,
    out: &mut Lowered,
    limits: &Limits,
) -> Option<ParameterValues<'static>> {
    let display = file.display.clone();
    let id = file.add_to(&mut out.sources);
    let text = &out.sources.get(id).text;
    match json::parse_within(text, limits.max_document_values) {
        Ok(root) if parameters(&root).is_some() => Some(parameter_values(&root, id, limits)),
        Ok(_) => {
            out.notes.push(format!(
                "{display}: not a parameter file (no `parameters` object, and not the bare form `{{\"name\": {{\"value\": …}}}}`); ignored"
            ));
            None
        }
        Err(e) => {
            let problem = ParseProblem::at_char(id, text, e.offset, HEADLINE, e.message);
            out.problems.push(problem);
            None
        }
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

/// The relations of the JSON file at `path` by its name: a parameter file named after its
/// template (`X.parameters.json` and `X.parameters.*.json` give values to `X.json`, and to
/// `X.bicep`: "if your Bicep file is named main.bicep, the parameters file is named
/// main.parameters.json",
/// <https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameter-files>), and a
/// template compiled from the Bicep file beside it (`X.bicep` for `X.json`, `main.bicep` for
/// `azuredeploy.json`, the quickstarts' layout; whether it was is read from its metadata when
/// it is judged).
pub(super) fn relations_by_name(path: &Path) -> Vec<Relation> {
    let Some(stem) = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(strip_json)
    else {
        return Vec::new();
    };
    let lower = stem.to_ascii_lowercase();
    let mut out = Vec::new();
    // `X.parameters` or `X.parameters.<anything>`, for each place the name says so.
    for (i, _) in lower.match_indices(".parameters") {
        let rest = &lower[i + ".parameters".len()..];
        if i > 0 && (rest.is_empty() || rest.starts_with('.')) {
            out.push(Relation::new(
                RelationKind::Parameters,
                Target::Beside(stem[..i].to_owned()),
            ));
        }
    }
    if out.is_empty() {
        out.push(Relation::new(
            RelationKind::CompiledFrom,
            Target::Beside(stem.to_owned()),
        ));
        if lower == "azuredeploy" {
            out.push(Relation::new(
                RelationKind::CompiledFrom,
                Target::Beside("main".into()),
            ));
        } else if let Some(prefix) = lower.strip_suffix(".azuredeploy") {
            let prefix = &stem[..prefix.len()];
            out.push(Relation::new(
                RelationKind::CompiledFrom,
                Target::Beside(format!("{prefix}.main")),
            ));
        }
    }
    out
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
    fn parameter_files_name_their_templates() {
        let of = |name: &str| -> Vec<(RelationKind, Target)> {
            relations_by_name(Path::new(name))
                .into_iter()
                .map(|r| (r.kind, r.target))
                .collect()
        };
        let parameters = |stem: &str| (RelationKind::Parameters, Target::Beside(stem.into()));
        assert_eq!(
            of("azuredeploy.parameters.json"),
            [parameters("azuredeploy")]
        );
        assert_eq!(of("infra/main.Parameters.prod.JSONC"), [parameters("main")]);
        assert_eq!(
            of("a.parameters.b.parameters.json"),
            [parameters("a"), parameters("a.parameters.b")]
        );
        let compiled = |stem: &str| (RelationKind::CompiledFrom, Target::Beside(stem.into()));
        assert_eq!(
            of("azuredeploy.parametersX.json"),
            [compiled("azuredeploy.parametersX")]
        );
        assert_eq!(of(".parameters.json"), [compiled(".parameters")]);
        assert_eq!(
            of("azuredeploy.json"),
            [compiled("azuredeploy"), compiled("main")]
        );
        assert_eq!(
            of("vm.azuredeploy.json"),
            [compiled("vm.azuredeploy"), compiled("vm.main")]
        );
        assert!(of("main.bicep").is_empty());
    }
}
