//! Recognising an export by its content and reading its entries: each resource as a
//! [`Value`] object whose every value is located in the file (a JSON value at its bytes; a
//! CSV field at its bytes, and JSON inside a field at the bytes it is written at, quotes
//! doubled or not).

use super::csv::{self, Field};
use super::keep::Keep;
use crate::catalog::Catalog;
use crate::frontend::KeepPaths;
use crate::json::{self, Json, JsonKind};
use crate::source::{FileId, Span};
use crate::value::json::json_value;
use crate::value::{Kind, Origin, Value};

/// One entry of an export: a resource, as an object.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The resource's members (every value located).
    pub(crate) value: Value,
    /// Where the entry is written: its object, or its CSV row.
    pub(crate) span: Span,
}

/// What an export holds.
#[derive(Debug)]
pub(crate) struct Read {
    /// Its entries, in file order.
    pub(crate) entries: Vec<Entry>,
    /// Entries (or parts of the file) that cannot be read: byte offset and why.
    pub(crate) problems: Vec<(u32, String)>,
    /// When the export is one page of a longer answer: how many records there are in all,
    /// and where the page says so.
    pub(crate) partial: Option<(u32, String)>,
}

/// The shapes imagegate reads, for messages about a file that is none of them.
pub(crate) const KNOWN: &str = "the JSON of `az vm list` (with or without `-d`), `az vmss list`, `az vmss list-instances`, `az disk list` or `az vm show`; `az graph query` (its `data` rows, or the whole `{count, data, skip_token, total_records}` answer); the portal's Resource Graph download as JSON, or as CSV with `id` and `type` columns";

/// Why a file is not an export: byte offset and message.
pub(crate) type NotExport = (u32, String);

/// Reads `text` (the file `file`) as an export of one of the known shapes, keeping of each
/// resource what the catalogue and `rules` read; each resource (and each JSON cell of a CSV
/// export) is a JSON document of at most `max_values` values.
pub(crate) fn read(
    text: &str,
    file: FileId,
    rules: &KeepPaths,
    max_values: usize,
) -> Result<Read, NotExport> {
    let first = text
        .char_indices()
        .find(|(_, c)| !c.is_whitespace() && *c != '\u{feff}');
    match first {
        Some((_, '[' | '{')) => read_json(text, file, rules, max_values),
        Some(_) => read_csv(text, file, rules, max_values),
        None => Err((0, format!("the file is empty; expected {KNOWN}"))),
    }
}

fn located(file: FileId) -> impl Fn(&Json) -> Origin {
    move |j: &Json| {
        let span = Span::new(file, j.start as usize, j.end as usize);
        Origin {
            literal: Some(span),
            site: Some(span),
            hops: Vec::new(),
            pieces: None,
        }
    }
}

/// Whether `j` looks like a resource: an object with a string `id` and `type`.
fn is_resource(j: &Json) -> bool {
    j.get("id").and_then(Json::as_str).is_some() && j.get("type").and_then(Json::as_str).is_some()
}

fn read_json(
    text: &str,
    file: FileId,
    rules: &KeepPaths,
    max_values: usize,
) -> Result<Read, NotExport> {
    let origin = located(file);
    let mut kept = Kept::new(rules);
    let mut out = Read {
        entries: Vec::new(),
        problems: Vec::new(),
        partial: None,
    };
    let mut any_resource = false;
    let mut items = 0usize;
    // Each entry is converted as soon as it is parsed and its tree dropped: an export of
    // 100,000 machines never holds its whole JSON tree.
    let mut each = |item: Json| {
        items += 1;
        if !item.is_object() {
            out.problems.push((
                item.start,
                "this entry is not an object (a resource)".into(),
            ));
            return;
        }
        any_resource |= is_resource(&item);
        let keep = kept.of(item.get("type").and_then(Json::as_str));
        out.entries.push(Entry {
            value: resource_value(&item, &keep, &origin),
            span: Span::new(file, item.start as usize, item.end as usize),
        });
    };
    let not_json = |e: json::ParseError| (e.offset, format!("not JSON: {}", e.message));
    let not_known = |at: u32| {
        (
            at,
            format!("not an inventory export imagegate knows; expected {KNOWN}"),
        )
    };
    let top_array = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let streamed = if top_array.starts_with('[') {
        json::stream_within(text, json::Streamed::TopArray, max_values, &mut each)
            .map_err(not_json)?
    } else {
        json::stream_within(text, json::Streamed::Member("data"), max_values, &mut each)
            .map_err(not_json)?
    };
    match streamed {
        Some((rows, others)) => {
            if !top_array.starts_with('[') {
                // The whole answer of `az graph query`: is it the whole estate?
                let root = Json {
                    kind: JsonKind::Object(others),
                    start: 0,
                    end: text.len() as u32,
                };
                out.partial = page_partial(&root, rows);
            }
        }
        None => {
            // One resource (`az vm show`), or no export at all.
            let root = json::parse_within(text, max_values).map_err(not_json)?;
            if !is_resource(&root) {
                return Err(not_known(root.start));
            }
            each(root);
        }
    }
    // A list of something else (a package manifest, a policy's values) is not an export: at
    // least one entry must be a resource.
    if items > 0 && !any_resource {
        return Err(not_known(0));
    }
    Ok(out)
}

/// What is kept of each resource type (a handful of types per export: looked up once each).
struct Kept<'k> {
    by_type: Vec<(String, Keep)>,
    /// The paths the rules read of each type.
    rules: &'k KeepPaths,
}

impl<'k> Kept<'k> {
    /// Nothing looked up yet; the rules read `rules`.
    fn new(rules: &'k KeepPaths) -> Kept<'k> {
        Kept {
            by_type: Vec::new(),
            rules,
        }
    }

    fn of(&mut self, resource_type: Option<&str>) -> Keep {
        let Some(t) = resource_type else {
            return Keep::Nothing;
        };
        if let Some((_, keep)) = self.by_type.iter().find(|(k, _)| k.eq_ignore_ascii_case(t)) {
            return keep.clone();
        }
        let keep = Keep::of(t, Catalog::builtin(), self.rules);
        // Bounded: a hostile export of a million types keeps looking them up, never grows this.
        if self.by_type.len() < 64 {
            self.by_type.push((t.to_string(), keep.clone()));
        }
        keep
    }
}

/// A resource as a value, with only the members `keep` names (its `properties`, or `az`'s
/// flattened members, filtered).
fn resource_value(item: &Json, keep: &Keep, origin: &dyn Fn(&Json) -> Origin) -> Value {
    let flattened = !item.get("properties").is_some_and(Json::is_object);
    let members = item
        .members()
        .into_iter()
        .filter(|m| keep.own(&m.key, flattened))
        .map(|m| {
            let value = if m.key.eq_ignore_ascii_case("properties") && !flattened {
                properties_value(&m.value, keep, origin)
            } else {
                json_value(&m.value, origin)
            };
            (m.key.to_string(), value)
        })
        .collect();
    Value {
        kind: Kind::Object(members),
        origin: origin(item),
    }
}

/// A `properties` object with only the members `keep` names.
fn properties_value(properties: &Json, keep: &Keep, origin: &dyn Fn(&Json) -> Origin) -> Value {
    let members = properties
        .members()
        .into_iter()
        .filter(|m| keep.property(&m.key))
        .map(|m| (m.key.to_string(), json_value(&m.value, origin)))
        .collect();
    Value {
        kind: Kind::Object(members),
        origin: origin(properties),
    }
}

/// When an `az graph query` answer is one page (a `skip_token`, or fewer rows than
/// `total_records`): where and what it says.
fn page_partial(root: &Json, rows: usize) -> Option<(u32, String)> {
    let total = root.get("total_records").and_then(|t| match t.kind {
        JsonKind::Number(json::Number::Int(n)) => Some(n),
        _ => None,
    });
    let token = root
        .get("skip_token")
        .and_then(Json::as_str)
        .filter(|t| !t.is_empty());
    let short = total.is_some_and(|t| t > rows as i64);
    if token.is_none() && !short {
        return None;
    }
    let at = root
        .member("skip_token")
        .or_else(|| root.member("total_records"))
        .map_or(root.start, |m| m.key_start);
    let total = total.map_or_else(|| "more".to_string(), |t| t.to_string());
    Some((
        at,
        format!(
            "this answer of `az graph query` is one page ({rows} of {total} records): the rest of the estate was not read; export every page (`--first 1000` and `--skip-token`, or the portal's download) and audit them all"
        ),
    ))
}

/// The columns of a Resource Graph CSV whose cells hold JSON (dynamic columns).
const JSON_COLUMNS: [&str; 7] = [
    "properties",
    "tags",
    "sku",
    "plan",
    "identity",
    "zones",
    "extendedlocation",
];

fn read_csv(
    text: &str,
    file: FileId,
    rules: &KeepPaths,
    max_values: usize,
) -> Result<Read, NotExport> {
    let records = csv::records(text).map_err(|e| (e.offset, format!("not CSV: {}", e.message)))?;
    let Some((header, rows)) = records.split_first() else {
        return Err((0, format!("the file is empty; expected {KNOWN}")));
    };
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|f| f.text.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let has = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if !has("id") || !has("type") {
        return Err((
            header.start,
            format!(
                "not an inventory export imagegate knows (a CSV export needs `id` and `type` columns; project them in the query); expected {KNOWN}"
            ),
        ));
    }
    let mut kept = Kept::new(rules);
    let mut out = Read {
        entries: Vec::with_capacity(rows.len()),
        problems: Vec::new(),
        partial: None,
    };
    for row in rows {
        if row.fields.len() != names.len() {
            out.problems.push((
                row.start,
                format!(
                    "this row has {} fields; the header names {} columns",
                    row.fields.len(),
                    names.len()
                ),
            ));
            continue;
        }
        let mut members = Vec::with_capacity(names.len());
        let mut broken = None;
        let type_column = names.iter().position(|n| n.eq_ignore_ascii_case("type"));
        let keep = kept.of(type_column.map(|i| row.fields[i].text.as_str()));
        for (name, field) in names.iter().zip(&row.fields) {
            if !keep.own(name, false) {
                continue;
            }
            match cell(name, field, &keep, file, max_values) {
                Ok(value) => members.push((name.clone(), value)),
                Err(e) => {
                    broken = Some(e);
                    break;
                }
            }
        }
        match broken {
            Some(problem) => out.problems.push(problem),
            None => out.entries.push(Entry {
                value: Value::composed(Kind::Object(members)),
                span: Span::new(file, row.start as usize, row.end as usize),
            }),
        }
    }
    Ok(out)
}

/// The value of one CSV cell: JSON in a dynamic column (located through the doubled
/// quotes), null when empty, else the text.
fn cell(
    name: &str,
    field: &Field,
    keep: &Keep,
    file: FileId,
    max_values: usize,
) -> Result<Value, (u32, String)> {
    let span = Span::new(file, field.start as usize, field.end as usize);
    let text = field.text.trim();
    if text.is_empty() {
        return Ok(Value::literal(Kind::Null, span));
    }
    let dynamic = JSON_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(name));
    if !(dynamic && (text.starts_with('{') || text.starts_with('['))) {
        return Ok(Value::literal(Kind::Str(field.text.clone()), span));
    }
    let json = json::parse_within(&field.text, max_values).map_err(|e| {
        (
            field.file_offset(e.offset),
            format!("the `{name}` column does not hold JSON: {}", e.message),
        )
    })?;
    let origin = |j: &Json| {
        let at = Span::new(
            file,
            field.file_offset(j.start) as usize,
            field.file_offset(j.end) as usize,
        );
        Origin {
            literal: Some(at),
            site: Some(at),
            hops: Vec::new(),
            pieces: None,
        }
    };
    if name.eq_ignore_ascii_case("properties") && json.is_object() {
        return Ok(properties_value(&json, keep, &origin));
    }
    Ok(json_value(&json, &origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_told_by_content() {
        let f = FileId(0);
        let list = r#"[{"id": "/subscriptions/s/x", "type": "Microsoft.Compute/virtualMachines"}]"#;
        assert_eq!(
            read(list, f, KeepPaths::none(), json::MAX_VALUES)
                .unwrap()
                .entries
                .len(),
            1
        );
        let page = r#"{"count": 0, "data": [], "skip_token": null, "total_records": 0}"#;
        let read_page = read(page, f, KeepPaths::none(), json::MAX_VALUES).unwrap();
        assert!(read_page.entries.is_empty());
        assert!(read_page.partial.is_none());
        let csv = "id,name,type\n/subscriptions/s/x,x,microsoft.compute/disks\n";
        assert_eq!(
            read(csv, f, KeepPaths::none(), json::MAX_VALUES)
                .unwrap()
                .entries
                .len(),
            1
        );
        for other in [
            r#"{"compilerOptions": {}}"#,
            r#"["a", "b"]"#,
            "name,version\nx,1\n",
            "  ",
        ] {
            let (_, message) = read(other, f, KeepPaths::none(), json::MAX_VALUES).unwrap_err();
            assert!(message.contains("az vm list"), "{other}: {message}");
        }
    }

    #[test]
    fn a_page_with_a_skip_token_says_the_rest_was_not_read() {
        let page = r#"{"count": 1, "data": [{"id": "/s", "type": "t"}], "skip_token": "ew0K", "total_records": 250}"#;
        let (_, message) = read(page, FileId(0), KeepPaths::none(), json::MAX_VALUES)
            .unwrap()
            .partial
            .unwrap();
        assert!(message.contains("1 of 250 records"), "{message}");
    }

    #[test]
    fn json_inside_a_csv_cell_is_located_in_the_file() {
        let text = "id,type,properties\n/s/v,Microsoft.Compute/virtualMachines,\"{\"\"storageProfile\"\": {\"\"id\"\": \"\"x\"\"}}\"\n";
        let read = read(text, FileId(0), KeepPaths::none(), json::MAX_VALUES).unwrap();
        let props = read.entries[0].value.get("properties").unwrap();
        let id = props.get("storageProfile").unwrap().get("id").unwrap();
        let at = id.origin.literal.unwrap();
        assert_eq!(&text[at.start as usize..at.end as usize], "\"\"x\"\"");
    }
}
