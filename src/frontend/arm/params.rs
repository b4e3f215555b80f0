//! JSON parameter files: which templates their names relate them to, and their values. Which
//! files are a template's parameter files is the project graph's to say (by these names, the
//! config's mapping, a `.bicepparam`'s `using`); each one is its own evaluation context.

use crate::note::{Note, NoteKind};
use std::collections::BTreeMap;
use std::path::Path;

use crate::eval::{Limits, ParameterValues, literal_value};
use crate::frontend::{Lowered, ParseProblem, Relation, RelationKind, Target};
use crate::json::{self, Json, JsonKind};
use crate::source::{FileId, Loaded, Span};
use crate::value::cause::{Budget, EnvironmentReader};
use crate::value::{Cause, Hop, Kind, Part, Subject, Value, Why, string_from_parts};

/// The headline of an IG000 about a parameter file.
const HEADLINE: &str = "cannot parse parameter file";

/// Reads `file` as a JSON parameter file (`{"parameters": {"x": {"value": …}}}`, or the bare
/// form): its values, located in it (the file is added to `out.sources`), or `None` when it
/// is not one (a note) or cannot be parsed (an IG000). azd's `${NAME}` in its strings reads
/// `environment` ([`substitute_azd`]).
pub(super) fn json_parameter_file(
    file: Loaded,
    out: &mut Lowered,
    limits: &Limits,
    environment: &BTreeMap<String, String>,
) -> Option<ParameterValues<'static>> {
    let display = file.display.clone();
    let id = file.add_to(&mut out.sources);
    let text = &out.sources.get(id).text;
    match json::parse_within(text, limits.max_document_values) {
        Ok(root) if parameters(&root).is_some() => {
            Some(values_of(&root, id, limits, Some((environment, text))))
        }
        Ok(_) => {
            out.notes.push(Note::new(
                NoteKind::Ignored,
                display,
                "not a parameter file (no `parameters` object, and not the bare form `{\"name\": {\"value\": …}}`); ignored",
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
    values_of(root, file, limits, None)
}

/// [`parameter_values`], with azd's `${NAME}` in strings substituted from the environment
/// when given, with the file's text (a parameter file on disk; an embedded document's host
/// has substituted its own).
fn values_of(
    root: &Json,
    file: FileId,
    limits: &Limits,
    environment: Option<(&BTreeMap<String, String>, &str)>,
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
                let mut value = literal_value(v, file);
                if let Some((environment, text)) = environment {
                    substitute_azd(&mut value, environment, text);
                }
                value
            };
            out.insert(&m.key, value);
        } else if let Some(r) = m.value.get("reference") {
            out.insert_key_vault(&m.key, Span::new(file, r.start as usize, r.end as usize));
        }
    }
    out
}

/// azd's substitution in the strings of `value`, a parameter file's value: azd replaces
/// `${NAME}` with environment variable `NAME` before it deploys
/// (<https://learn.microsoft.com/azure/developer/azure-developer-cli/manage-environment-variables>;
/// its `envsubst` also reads `${NAME=default}`, `${NAME-default}` and, for a variable unset
/// or empty, `${NAME:=default}` and `${NAME:-default}`; `$$` is a `$`). Every JSON parameter
/// file is read so, whatever its template: no other deployer reads `${NAME}`, and one that
/// passes the text on deploys no image written so, so the text is never judged as an image.
/// A variable set in `environment` gives its value; an unset one without a default leaves
/// that part unknown, naming the variable (azd reads its own `.azure/<env>/.env` too, which
/// imagegate does not); another form is unknown. The string names each variable it reads,
/// where its `${…}` is written in `file_text` (the file's text).
fn substitute_azd(value: &mut Value, environment: &BTreeMap<String, String>, file_text: &str) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        if let Kind::Str(text) = &v.kind
            && text.contains("${")
        {
            let at = v.origin.literal.or(v.origin.site);
            let (kind, read) = substituted(text, environment, at);
            v.kind = kind;
            if let Some(at) = at {
                v.origin
                    .hops
                    .extend(read.into_iter().map(|(name, written)| Hop {
                        span: written_at(file_text, at, &written),
                        via: Subject::EnvironmentVariable(name),
                    }));
            }
            continue;
        }
        match &mut v.kind {
            Kind::Array(items) => stack.extend(items.iter_mut()),
            Kind::Object(members) => stack.extend(members.iter_mut().map(|(_, m)| m)),
            _ => {}
        }
    }
}

/// Where `written` (a `${…}`) lies in the JSON string at `at` of `text`: its first
/// occurrence there, else the whole string (an escape in the JSON text hides it).
fn written_at(text: &str, at: Span, written: &str) -> Span {
    let (start, end) = (at.start as usize, at.end as usize);
    match text.get(start..end).and_then(|s| s.find(written)) {
        Some(i) => Span::new(at.file, start + i, start + i + written.len()),
        None => at,
    }
}

/// `text` with azd's substitutions made (see [`substitute_azd`]), its unknowns located at
/// `at`, and the variables it reads, each once, in order, with the first `${…}` that reads
/// each.
fn substituted(
    text: &str,
    environment: &BTreeMap<String, String>,
    at: Option<Span>,
) -> (Kind, Vec<(String, String)>) {
    let why = |cause: Cause| match at {
        Some(at) => Why::at(cause, at),
        None => Why::new(cause),
    };
    let mut parts = Vec::new();
    let mut read: Vec<(String, String)> = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        literal.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(escaped) = after.strip_prefix('$') {
            literal.push('$');
            rest = escaped;
            continue;
        }
        let Some((inner, tail)) = after.strip_prefix('{').and_then(|b| b.split_once('}')) else {
            literal.push('$');
            rest = after;
            continue;
        };
        rest = tail;
        let name_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, operator) = inner.split_at(name_end);
        let (default, or_empty) = match operator {
            "" => (None, false),
            _ if operator.starts_with(":-") || operator.starts_with(":=") => {
                (Some(&operator[2..]), true)
            }
            _ if operator.starts_with('-') || operator.starts_with('=') => {
                (Some(&operator[1..]), false)
            }
            _ => (None, false),
        };
        let followed = !name.is_empty() && (operator.is_empty() || default.is_some());
        if !followed {
            parts.push(Part::Text(std::mem::take(&mut literal)));
            let cause = Cause::UnfollowedSubstitution {
                text: format!("${{{inner}}}"),
            };
            parts.push(Part::Hole(why(cause)));
            continue;
        }
        if !read.iter().any(|(r, _)| r == name) {
            read.push((name.to_owned(), format!("${{{inner}}}")));
        }
        let set = environment
            .get(name)
            .filter(|v| !(or_empty && v.is_empty()));
        match (set, default) {
            (Some(v), _) => literal.push_str(v),
            (None, Some(d)) => literal.push_str(d),
            (None, None) => {
                parts.push(Part::Text(std::mem::take(&mut literal)));
                let cause = Cause::EnvironmentVariableUnset {
                    name: name.to_owned(),
                    reader: EnvironmentReader::Azd,
                };
                parts.push(Part::Hole(why(cause)));
            }
        }
    }
    literal.push_str(rest);
    parts.push(Part::Text(literal));
    let kind = match string_from_parts(parts) {
        // Nothing of it is known: the unknown itself, not a string of one hole.
        Kind::Partial(mut only) if only.len() == 1 => match only.pop() {
            Some(Part::Hole(why)) => Kind::Unknown(why),
            Some(other) => Kind::Partial(vec![other]),
            None => Kind::Partial(only),
        },
        kind => kind,
    };
    (kind, read)
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
    let Some(stem) = crate::walk::file_name_of(path)
        .and_then(|n| n.to_str())
        .and_then(strip_json)
    else {
        return Vec::new();
    };
    // Asked of every JSON file of a run: names are compared in any case without a lowered
    // copy of them.
    const PARAMETERS: &str = ".parameters";
    let bytes = stem.as_bytes();
    let mut out = Vec::new();
    // `X.parameters` or `X.parameters.<anything>`, for each place the name says so.
    for i in memchr::memchr_iter(b'.', bytes) {
        let Some(head) = bytes.get(i..i + PARAMETERS.len()) else {
            break;
        };
        let rest = &bytes[i + PARAMETERS.len()..];
        if i > 0
            && head.eq_ignore_ascii_case(PARAMETERS.as_bytes())
            && (rest.is_empty() || rest[0] == b'.')
        {
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
        if stem.eq_ignore_ascii_case("azuredeploy") {
            out.push(Relation::new(
                RelationKind::CompiledFrom,
                Target::Beside("main".into()),
            ));
        } else if let Some(prefix) = strip_suffix_ignoring_case(stem, ".azuredeploy") {
            out.push(Relation::new(
                RelationKind::CompiledFrom,
                Target::Beside(format!("{prefix}.main")),
            ));
        }
    }
    out
}

/// The name without its `.json` or `.jsonc` extension (in any case), if it has one.
fn strip_json(name: &str) -> Option<&str> {
    strip_suffix_ignoring_case(name, ".jsonc").or_else(|| strip_suffix_ignoring_case(name, ".json"))
}

/// `text` without the ASCII `suffix` it ends with in any letter case, if it does.
fn strip_suffix_ignoring_case<'t>(text: &'t str, suffix: &str) -> Option<&'t str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.as_bytes().get(cut..)?;
    // The suffix is ASCII: where its bytes match, `cut` is a character boundary.
    tail.eq_ignore_ascii_case(suffix.as_bytes())
        .then(|| &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azd_substitutes_environment_variables_in_parameter_strings() {
        // https://learn.microsoft.com/azure/developer/azure-developer-cli/manage-environment-variables
        let environment: BTreeMap<String, String> = [("VM_SKU", "2022-datacenter"), ("EMPTY", "")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let at = Span::new(FileId(0), 10, 20);
        let of = |text: &str| substituted(text, &environment, Some(at));
        let text = |kind: Kind| match kind {
            Kind::Str(s) => s,
            other => panic!("not a string: {other:?}"),
        };
        let vm_sku = || ("VM_SKU".to_owned(), "${VM_SKU}".to_owned());
        let (kind, read) = of("${VM_SKU}");
        assert_eq!(
            (text(kind), read),
            ("2022-datacenter".into(), vec![vm_sku()])
        );
        assert_eq!(
            text(of("sku-${VM_SKU}-${VM_SKU}").0),
            "sku-2022-datacenter-2022-datacenter"
        );
        assert_eq!(of("sku-${VM_SKU}-${VM_SKU}").1, [vm_sku()]);
        // Defaults: `=`/`-` when unset, `:=`/`:-` when unset or empty.
        assert_eq!(text(of("${UNSET=2019-datacenter}").0), "2019-datacenter");
        assert_eq!(text(of("${UNSET:-a}${EMPTY:-b}${EMPTY-c}").0), "ab");
        assert_eq!(text(of("${VM_SKU:=x}").0), "2022-datacenter");
        // `$$` is a `$`; a `$` without braces, or braces never closed, is text.
        assert_eq!(
            text(of("$${VM_SKU} costs $5 ${").0),
            "${VM_SKU} costs $5 ${"
        );
        // Unset without a default: unknown, naming the variable; only that part of a string.
        let (kind, read) = of("${VM_IMAGE}");
        assert_eq!(read, [("VM_IMAGE".to_owned(), "${VM_IMAGE}".to_owned())]);
        let Kind::Unknown(why) = kind else {
            panic!("not unknown: {kind:?}")
        };
        assert_eq!(why.span, Some(at));
        assert_eq!(
            *why.cause,
            Cause::EnvironmentVariableUnset {
                name: "VM_IMAGE".into(),
                reader: EnvironmentReader::Azd
            }
        );
        let Kind::Partial(parts) = of("/images/${VM_IMAGE}/versions/1").0 else {
            panic!("not partial")
        };
        assert!(matches!(
            parts.as_slice(),
            [Part::Text(a), Part::Hole(_), Part::Text(b)] if a == "/images/" && b == "/versions/1"
        ));
        // A form imagegate does not follow is unknown too, never its text.
        let Kind::Unknown(why) = of("${VM_SKU^^}").0 else {
            panic!("not unknown")
        };
        assert_eq!(
            *why.cause,
            Cause::UnfollowedSubstitution {
                text: "${VM_SKU^^}".into()
            }
        );
    }

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
