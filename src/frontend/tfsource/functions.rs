//! The Terraform functions evaluated offline: those that decide an image in the
//! configurations people write (`lookup`, `merge`, `try`, `coalesce`, `format`, `join`,
//! `lower`, `upper`, and a few as cheap: `tostring`, `toset`, `tolist`, `tomap`, `concat`,
//! `element`, `length`, `replace`, `trimspace`). Any other function is an unknown saying which: never a guess.
//!
//! Semantics: <https://developer.hashicorp.com/terraform/language/functions>.

use hcl_edit::expr::Expression;

use crate::source::{FileId, Span};
use crate::value::call::CallProblem;
use crate::value::cause::Budget;
use crate::value::{Cause, Kind, Part, Value, Why, string_from_parts};

use super::eval::{Scope, composed, index, is_error, not_evaluated, text_parts, unknown};

/// The value of the call `name(args…)` written at `at` in `file`.
pub(crate) fn call(
    scope: &Scope<'_>,
    name: &str,
    args: &[&Expression],
    file: FileId,
    at: Option<Span>,
    depth: usize,
) -> Value {
    let arity = |min: usize, max: usize| -> Option<Value> {
        (args.len() < min || args.len() > max)
            .then(|| invalid(name, at, arity_problem(min, max, args.len())))
    };
    let eval = |e: &Expression| scope_eval(scope, e, file, depth);
    match name {
        // try(a, b, …): the first argument that evaluates without an error. One not known
        // offline may or may not fail when Terraform evaluates it: the result is unknown.
        "try" => {
            if let Some(bad) = arity(1, usize::MAX) {
                return bad;
            }
            let mut last = None;
            for arg in args {
                let v = eval(arg);
                match &v.kind {
                    Kind::Unknown(why) if is_error(why) => last = Some(v),
                    _ => return v,
                }
            }
            last.unwrap_or_else(|| not_evaluated("`try` with no argument", at))
        }
        // coalesce(a, b, …): the first argument that is not null nor an empty string.
        "coalesce" => {
            if let Some(bad) = arity(1, usize::MAX) {
                return bad;
            }
            for arg in args {
                let v = eval(arg);
                match &v.kind {
                    Kind::Null => {}
                    Kind::Str(s) if s.is_empty() => {}
                    Kind::Unknown(_) | Kind::Partial(_) => return unknown_from(&v, at),
                    _ => return v,
                }
            }
            invalid(name, at, CallProblem::NoValues)
        }
        // lookup(map, key, default?): the key's value, else the default.
        "lookup" => {
            if let Some(bad) = arity(2, 3) {
                return bad;
            }
            let map = eval(args[0]);
            let key = eval(args[1]);
            if map.is_unknown() || key.has_unknown() {
                return unknown_from(if map.is_unknown() { &map } else { &key }, at);
            }
            let Kind::Object(members) = &map.kind else {
                return invalid(
                    name,
                    at,
                    wrong_type(crate::value::call::Wanted::Object, &map),
                );
            };
            let Some(k) = key.as_str() else {
                return invalid(
                    name,
                    at,
                    wrong_type(crate::value::call::Wanted::String, &key),
                );
            };
            match members.iter().find(|(m, _)| m == k) {
                Some((_, v)) => v.clone(),
                None if args.len() == 3 => eval(args[2]),
                None => unknown(
                    Cause::MissingProperty {
                        name: k.to_string(),
                    },
                    at,
                ),
            }
        }
        // merge(a, b, …): the objects' members, a later one's winning.
        "merge" => {
            let mut members = super::eval::Members::default();
            for arg in args {
                let v = eval(arg);
                match v.kind {
                    Kind::Null => {}
                    Kind::Object(more) => {
                        for (k, v) in more {
                            members.set(k, v);
                        }
                    }
                    Kind::Unknown(_) => return unknown_from(&v, at),
                    _ => {
                        return invalid(
                            name,
                            at,
                            wrong_type(crate::value::call::Wanted::Object, &v),
                        );
                    }
                }
            }
            composed(members.into_kind(), at)
        }
        // format(spec, values…): `%s`, `%d`, `%v` and `%%`.
        "format" => {
            if let Some(bad) = arity(1, usize::MAX) {
                return bad;
            }
            let spec = eval(args[0]);
            let Some(spec) = spec.as_str().map(str::to_string) else {
                return unknown_from_or(&spec, at, "a format string not known offline");
            };
            let values: Vec<Value> = args[1..].iter().map(|a| eval(a)).collect();
            format(scope, &spec, &values, at)
        }
        // join(separator, list): the list's strings, separated.
        "join" => {
            if let Some(bad) = arity(2, usize::MAX) {
                return bad;
            }
            let separator = eval(args[0]);
            let Some(separator) = separator.as_str().map(str::to_string) else {
                return unknown_from_or(&separator, at, "a separator not known offline");
            };
            let mut parts = Vec::new();
            let mut first = true;
            for list in &args[1..] {
                let list = eval(list);
                let Kind::Array(items) = &list.kind else {
                    return unknown_from_or(&list, at, "`join` of a value that is not a list");
                };
                for item in items {
                    if !first {
                        parts.push(Part::Text(separator.clone()));
                    }
                    first = false;
                    match text_parts(item) {
                        Ok(mut p) => parts.append(&mut p),
                        Err(_) => return not_evaluated("`join` of a list of non-strings", at),
                    }
                }
            }
            bounded(scope, "join", parts, at)
        }
        "lower" | "upper" | "trimspace" | "tostring" => {
            if let Some(bad) = arity(1, 1) {
                return bad;
            }
            let v = eval(args[0]);
            let text = match &v.kind {
                Kind::Str(s) => s.clone(),
                Kind::Int(i) if name == "tostring" => i.to_string(),
                Kind::Float(f) if name == "tostring" => f.to_string(),
                Kind::Bool(b) if name == "tostring" => b.to_string(),
                Kind::Null if name == "tostring" => return v,
                Kind::Unknown(_) | Kind::Partial(_) => return unknown_from(&v, at),
                _ => {
                    return invalid(name, at, wrong_type(crate::value::call::Wanted::String, &v));
                }
            };
            if name == "tostring" && matches!(v.kind, Kind::Str(_)) {
                return v;
            }
            let text = match name {
                "lower" => text.to_lowercase(),
                "upper" => text.to_uppercase(),
                "trimspace" => text.trim().to_string(),
                _ => text,
            };
            composed(Kind::Str(text), at)
        }
        "replace" => {
            if let Some(bad) = arity(3, 3) {
                return bad;
            }
            let (s, from, to) = (eval(args[0]), eval(args[1]), eval(args[2]));
            match (s.as_str(), from.as_str(), to.as_str()) {
                (Some(s), Some(from), Some(to))
                    if !(from.starts_with('/') && from.ends_with('/') && from.len() > 1) =>
                {
                    if from.is_empty() {
                        return composed(Kind::Str(s.to_string()), at);
                    }
                    let grows = to.len().saturating_sub(from.len());
                    let length = s.len() + s.matches(from).count().saturating_mul(grows);
                    let limit = scope.allowance().limits().max_string;
                    if length > limit {
                        let function = "replace".to_string();
                        return unknown(
                            Cause::Budget(Budget::StringLength {
                                function,
                                length,
                                limit,
                            }),
                            at,
                        );
                    }
                    composed(Kind::Str(s.replace(from, to)), at)
                }
                (Some(_), Some(_), Some(_)) => {
                    not_evaluated("`replace` with a regular expression", at)
                }
                _ => [&s, &from, &to]
                    .into_iter()
                    .find(|v| v.has_unknown())
                    .map_or_else(
                        || invalid(name, at, wrong_type(crate::value::call::Wanted::String, &s)),
                        |v| unknown_from(v, at),
                    ),
            }
        }
        "concat" => {
            let mut items = Vec::new();
            for arg in args {
                let v = eval(arg);
                match v.kind {
                    Kind::Array(more) => items.extend(more),
                    Kind::Unknown(_) => return unknown_from(&v, at),
                    _ => {
                        return invalid(
                            name,
                            at,
                            wrong_type(crate::value::call::Wanted::Array, &v),
                        );
                    }
                }
                if items.len() > scope.allowance().limits().max_array {
                    let limit = scope.allowance().limits().max_array;
                    let cause = Cause::Budget(Budget::ArrayLength {
                        function: "concat".into(),
                        count: items.len() as u128,
                        limit,
                    });
                    return unknown(cause, at);
                }
            }
            composed(Kind::Array(items), at)
        }
        // element(list, index): wraps around the list.
        "element" => {
            if let Some(bad) = arity(2, 2) {
                return bad;
            }
            let (list, i) = (eval(args[0]), eval(args[1]));
            match (&list.kind, &i.kind) {
                (Kind::Array(items), Kind::Int(n)) if !items.is_empty() && *n >= 0 => {
                    let n = (*n as usize) % items.len();
                    index(list.clone(), &Value::composed(Kind::Int(n as i64)), at)
                }
                _ if list.is_unknown() => unknown_from(&list, at),
                _ if i.is_unknown() => unknown_from(&i, at),
                _ => not_evaluated("`element` of an empty list or with a negative index", at),
            }
        }
        // Type conversions of known values: a set of strings is its distinct elements in
        // lexical order (how Terraform orders them, and what `for_each` iterates).
        "toset" | "tolist" | "tomap" => {
            if let Some(bad) = arity(1, 1) {
                return bad;
            }
            let v = eval(args[0]);
            let origin = v.origin;
            match (name, v.kind) {
                ("toset", Kind::Array(mut items)) => {
                    if items.iter().all(|i| i.as_str().is_some()) {
                        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                        items.dedup_by(|a, b| a.as_str() == b.as_str());
                        composed(Kind::Array(items), at)
                    } else {
                        not_evaluated("`toset` of values that are not all strings", at)
                    }
                }
                ("tolist", kind @ Kind::Array(_)) | ("tomap", kind @ Kind::Object(_)) => {
                    Value { kind, origin }
                }
                (_, Kind::Unknown(why)) => unknown_from(&Value::unknown(why), at),
                (_, kind) => invalid(
                    name,
                    at,
                    wrong_type(
                        if name == "tomap" {
                            crate::value::call::Wanted::Object
                        } else {
                            crate::value::call::Wanted::Array
                        },
                        &Value::composed(kind),
                    ),
                ),
            }
        }
        "length" => {
            if let Some(bad) = arity(1, 1) {
                return bad;
            }
            let v = eval(args[0]);
            let n = match &v.kind {
                Kind::Array(items) => items.len(),
                Kind::Object(members) => members.len(),
                Kind::Str(s) => s.chars().count(),
                Kind::Unknown(_) | Kind::Partial(_) => return unknown_from(&v, at),
                _ => return invalid(name, at, wrong_type(crate::value::call::Wanted::Array, &v)),
            };
            composed(Kind::Int(n as i64), at)
        }
        _ => not_evaluated(format!("the function '{name}'"), at),
    }
}

/// Evaluates an argument.
fn scope_eval(scope: &Scope<'_>, e: &Expression, file: FileId, _depth: usize) -> Value {
    scope.eval(super::eval::Written { expr: e, file })
}

/// An invalid call of `function` at `at`.
fn invalid(function: &str, at: Option<Span>, problem: CallProblem) -> Value {
    let cause = Cause::InvalidCall {
        function: function.to_string(),
        problem,
    };
    unknown(cause, at)
}

/// The problem of a call with `got` arguments, wanting `min..=max`.
fn arity_problem(min: usize, max: usize, got: usize) -> CallProblem {
    CallProblem::Arity { min, max, got }
}

/// The problem of an argument of the wrong type.
fn wrong_type(wanted: crate::value::call::Wanted, got: &Value) -> CallProblem {
    CallProblem::WrongType {
        wanted,
        got: crate::value::value_type::ValueType::of(&got.kind),
    }
}

/// An unknown result for the unknown (or partly unknown) argument `v`, at `at`.
fn unknown_from(v: &Value, at: Option<Span>) -> Value {
    let why = v
        .first_unknown()
        .cloned()
        .unwrap_or_else(|| Why::new(Cause::PartiallyKnownString));
    Value {
        kind: Kind::Unknown(why),
        origin: crate::value::Origin {
            site: at,
            ..Default::default()
        },
    }
}

/// [`unknown_from`] when `v` is unknown, else not evaluated for `what`.
fn unknown_from_or(v: &Value, at: Option<Span>, what: &str) -> Value {
    if v.has_unknown() {
        unknown_from(v, at)
    } else {
        not_evaluated(what.to_string(), at)
    }
}

/// A string of `parts`, or an unknown when it would be longer than the limit.
fn bounded(scope: &Scope<'_>, function: &str, parts: Vec<Part>, at: Option<Span>) -> Value {
    let length: usize = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.len(),
            Part::Hole(_) => 0,
        })
        .sum();
    let limit = scope.allowance().limits().max_string;
    if length > limit {
        let function = function.to_string();
        return unknown(
            Cause::Budget(Budget::StringLength {
                function,
                length,
                limit,
            }),
            at,
        );
    }
    if !scope.allowance().charge(length as u64 / 16) {
        let limit = scope.allowance().max_steps();
        return unknown(Cause::Budget(Budget::Steps { limit }), at);
    }
    composed(string_from_parts(parts), at)
}

/// `format(spec, values…)` with the verbs images are built with: `%s`, `%d`, `%v`, `%%`.
fn format(scope: &Scope<'_>, spec: &str, values: &[Value], at: Option<Span>) -> Value {
    let mut parts = Vec::new();
    let mut next = values.iter();
    let mut chars = spec.chars().peekable();
    let mut text = String::new();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => text.push('%'),
            Some('s' | 'd' | 'v') => {
                let Some(v) = next.next() else {
                    return not_evaluated("`format` with fewer values than verbs", at);
                };
                parts.push(Part::Text(std::mem::take(&mut text)));
                match text_parts(v) {
                    Ok(mut p) => parts.append(&mut p),
                    Err(_) => return not_evaluated("`format` of a value that is not text", at),
                }
            }
            _ => return not_evaluated("`format` verbs other than %s, %d and %v", at),
        }
    }
    parts.push(Part::Text(text));
    bounded(scope, "format", parts, at)
}
