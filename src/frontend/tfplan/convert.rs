//! Plan JSON values into model [`Value`]s: every value a literal located at its JSON, with
//! `after_unknown` marks turned into unknowns and `after_sensitive` marks redacted.

use crate::json::{Json, JsonKind, Lookup, Number};
use crate::source::{FileId, Span};
use crate::value::{Kind, Value};

/// One step of an attribute path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An attribute or map key.
    Key(String),
    /// A list element (blocks are lists).
    Index(usize),
}

/// Renders an attribute path as Terraform writes it: `source_image_reference[0].publisher`.
pub fn render(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The span of a JSON value in `file`.
pub fn span(json: &Json, file: FileId) -> Span {
    Span::new(file, json.start as usize, json.end as usize)
}

fn is_true(mark: Option<&Json>) -> bool {
    mark.is_some_and(|m| matches!(m.kind, JsonKind::Bool(true)))
}

/// The value of a sensitive attribute: unknown to imagegate, which never reads or prints it.
/// (An image ID hidden this way cannot be judged: IG002, never a guess.)
pub fn sensitive_value(at: Span) -> Value {
    Value {
        kind: Kind::Unknown(crate::value::Why::at(crate::value::Cause::Sensitive, at)),
        origin: crate::value::Origin {
            literal: Some(at),
            site: Some(at),
            hops: Vec::new(),
            pieces: None,
        },
    }
}

/// Converts a JSON value as a plain literal tree, redacting what `sensitive` marks.
pub fn literal(json: &Json, sensitive: Option<&Json>, file: FileId) -> Value {
    let at = span(json, file);
    if is_true(sensitive) {
        return sensitive_value(at);
    }
    let kind = match &json.kind {
        JsonKind::Null => Kind::Null,
        JsonKind::Bool(b) => Kind::Bool(*b),
        JsonKind::Number(Number::Int(i)) => Kind::Int(*i),
        JsonKind::Number(Number::Float(f)) => Kind::Float(*f),
        JsonKind::String(s) => Kind::Str(s.to_string()),
        JsonKind::Array(items) => Kind::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| literal(item, element(sensitive, i), file))
                .collect(),
        ),
        JsonKind::Object(_) => Kind::Object({
            let marks = sensitive.map(Json::lookup);
            json.members()
                .into_iter()
                .map(|m| {
                    let mark = marks.as_ref().and_then(|s| s.get(&m.key));
                    (m.key.to_string(), literal(&m.value, mark, file))
                })
                .collect()
        }),
    };
    Value::literal(kind, at)
}

fn element(mark: Option<&Json>, i: usize) -> Option<&Json> {
    mark.and_then(Json::as_array).and_then(|a| a.get(i))
}

/// Converts `change.after` with its `after_unknown` and `after_sensitive` marks. `unknown` is
/// called for every value marked unknown, with its attribute path and the span of the mark.
pub struct Converter<'a> {
    /// The plan file.
    pub file: FileId,
    /// Produces the value of an unknown attribute (resolved through the configuration, or an
    /// unknown with its reason).
    pub unknown: &'a mut dyn FnMut(&[Step], Span) -> Value,
}

impl Converter<'_> {
    /// The value of `after` (absent when only the unknown mark exists).
    pub fn convert(
        &mut self,
        after: Option<&Json>,
        unknown: Option<&Json>,
        sensitive: Option<&Json>,
        path: &mut Vec<Step>,
    ) -> Option<Value> {
        self.convert_marked(after, unknown, None, sensitive, path)
    }

    /// [`Converter::convert`], with `mark_at` the span of the unknown mark's member (its key
    /// and its `true`) when the mark is an object's member: an attribute known only after
    /// apply is shown by its name (`"source_image_id": true`), never as a bare `true`.
    fn convert_marked(
        &mut self,
        after: Option<&Json>,
        unknown: Option<&Json>,
        mark_at: Option<Span>,
        sensitive: Option<&Json>,
        path: &mut Vec<Step>,
    ) -> Option<Value> {
        if is_true(sensitive) {
            let at = after.or(unknown)?;
            return Some(sensitive_value(span(at, self.file)));
        }
        if let Some(mark) = unknown.filter(|u| is_true(Some(u))) {
            let at = mark_at.unwrap_or_else(|| span(mark, self.file));
            return Some((self.unknown)(path, at));
        }
        let after = after?;
        let at = span(after, self.file);
        let kind = match &after.kind {
            JsonKind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    let v =
                        self.convert(Some(item), element(unknown, i), element(sensitive, i), path);
                    path.pop();
                    out.extend(v);
                }
                Kind::Array(out)
            }
            JsonKind::Object(_) => {
                let mut out = Vec::new();
                // Each member's marks looked up by key: linear in a large object.
                let (unknowns, sensitives) =
                    (unknown.map(Json::lookup), sensitive.map(Json::lookup));
                let afters = after.lookup();
                for m in after.members() {
                    path.push(Step::Key(m.key.to_string()));
                    let (mark, mark_at) = self.member_mark(unknowns.as_ref(), &m.key);
                    let v = self.convert_marked(
                        Some(&m.value),
                        mark,
                        mark_at,
                        sensitives.as_ref().and_then(|s| s.get(&m.key)),
                        path,
                    );
                    path.pop();
                    out.extend(v.map(|v| (m.key.to_string(), v)));
                }
                // Attributes known only after apply are often absent from `after`.
                if let Some(u) = unknown {
                    for m in u.members() {
                        if is_true(Some(&m.value)) && afters.get(&m.key).is_none() {
                            path.push(Step::Key(m.key.to_string()));
                            let at =
                                Span::new(self.file, m.key_start as usize, m.value.end as usize);
                            let v = self.convert_marked(
                                None,
                                Some(&m.value),
                                Some(at),
                                sensitives.as_ref().and_then(|s| s.get(&m.key)),
                                path,
                            );
                            path.pop();
                            out.extend(v.map(|v| (m.key.to_string(), v)));
                        }
                    }
                }
                Kind::Object(out)
            }
            _ => return Some(literal(after, None, self.file)),
        };
        Some(Value::literal(kind, at))
    }

    /// The unknown mark of the member `key` of `marks` (as [`Json::get`] finds it), and the
    /// span of that member: its key and its mark.
    fn member_mark<'j>(
        &self,
        marks: Option<&Lookup<'j>>,
        key: &str,
    ) -> (Option<&'j Json>, Option<Span>) {
        let Some(marks) = marks else {
            return (None, None);
        };
        match marks.member(key) {
            Some(m) => (
                Some(&m.value),
                Some(Span::new(
                    self.file,
                    m.key_start as usize,
                    m.value.end as usize,
                )),
            ),
            None => (None, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Why;

    fn run(after: &str, unknown: &str, sensitive: &str) -> Value {
        let text = format!("[{after},{unknown},{sensitive}]");
        let doc = crate::json::parse(&text).expect("json");
        let parts = doc.as_array().expect("array");
        let mut seen = Vec::new();
        let mut f = |p: &[Step], _at: Span| {
            seen.push(render(p));
            Value::unknown(Why::new(crate::value::Cause::KnownAfterApply {
                attribute: render(p),
                detail: crate::value::cause::AfterApply::Unexplained,
            }))
        };
        let mut c = Converter {
            file: FileId(0),
            unknown: &mut f,
        };
        c.convert(
            Some(&parts[0]),
            Some(&parts[1]),
            Some(&parts[2]),
            &mut Vec::new(),
        )
        .expect("value")
    }

    #[test]
    fn unknown_leaves_and_blocks() {
        let v = run(
            r#"{"name":"vm","source_image_reference":[{"publisher":"Canonical"}]}"#,
            r#"{"source_image_id":true,"source_image_reference":[{"sku":true}]}"#,
            r#"{}"#,
        );
        assert!(v.get("source_image_id").is_some_and(Value::is_unknown));
        let block = v.get("source_image_reference").expect("block");
        let Kind::Array(items) = &block.kind else {
            panic!("{block:?}")
        };
        assert!(items[0].get("sku").is_some_and(Value::is_unknown));
        assert_eq!(
            items[0].get("publisher").and_then(Value::as_str),
            Some("Canonical")
        );
        let v = run(r#"{}"#, r#"{"source_image_reference":true}"#, "{}");
        assert!(
            v.get("source_image_reference")
                .is_some_and(Value::is_unknown)
        );
    }

    #[test]
    fn sensitive_values_are_redacted() {
        let v = run(
            r#"{"admin_password":"hunter2","os_profile":[{"custom_data":"secret"}]}"#,
            "{}",
            r#"{"admin_password":true,"os_profile":[{"custom_data":true}]}"#,
        );
        assert!(!v.display().contains("hunter2"));
        assert!(!v.display().contains("secret"));
        let password = v.get("admin_password").unwrap();
        assert!(password.is_unknown());
        assert_eq!(
            *password.first_unknown().unwrap().cause,
            crate::value::Cause::Sensitive
        );
    }

    #[test]
    fn paths_render_like_terraform() {
        assert_eq!(
            render(&[
                Step::Key("source_image_reference".into()),
                Step::Index(0),
                Step::Key("sku".into())
            ]),
            "source_image_reference[0].sku"
        );
    }
}
