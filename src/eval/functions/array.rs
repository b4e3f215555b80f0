//! Array and object functions: first, last, length, empty, contains, union, intersection,
//! createObject, createArray, items, range, skip, take, min, max, array, flatten, objectKeys,
//! shallowMerge, tryGet, indexFromEnd, tryIndexFromEnd (and indexOf on arrays).

use super::{Ctx, R, string, val};
use crate::eval::ops::{Members, Tri, equals, utf16_len};
use crate::value::call::Wanted;
use crate::value::{CallProblem, Kind, Value};

pub(super) fn call(ctx: &Ctx<'_>, lname: &str, args: &[Value]) -> Option<R<Value>> {
    Some(match lname {
        "first" => ctx.arity(args, 1, 1).and_then(|_| end(ctx, &args[0], true)),
        "last" => ctx
            .arity(args, 1, 1)
            .and_then(|_| end(ctx, &args[0], false)),
        "length" => ctx.arity(args, 1, 1).and_then(|_| length(ctx, &args[0])),
        "empty" => ctx.arity(args, 1, 1).and_then(|_| empty(ctx, &args[0])),
        "contains" => ctx
            .arity(args, 2, 2)
            .and_then(|_| contains(ctx, &args[0], &args[1])),
        "union" => union(ctx, args),
        "intersection" => intersection(ctx, args),
        "createobject" => create_object(ctx, args),
        "createarray" => ctx
            .check_count(args.len() as u128)
            .map(|_| val(Kind::Array(args.to_vec()))),
        "items" => ctx.arity(args, 1, 1).and_then(|_| items(ctx, &args[0])),
        "range" => range(ctx, args),
        "skip" => ctx
            .arity(args, 2, 2)
            .and_then(|_| skip_take(ctx, args, true)),
        "take" => ctx
            .arity(args, 2, 2)
            .and_then(|_| skip_take(ctx, args, false)),
        "min" => min_max(ctx, args, true),
        "max" => min_max(ctx, args, false),
        "array" => ctx.arity(args, 1, 1).map(|_| match &args[0].kind {
            Kind::Array(_) => args[0].clone(),
            _ => val(Kind::Array(vec![args[0].clone()])),
        }),
        "flatten" => ctx.arity(args, 1, 1).and_then(|_| flatten(ctx, &args[0])),
        "objectkeys" => ctx.arity(args, 1, 1).and_then(|_| {
            let m = ctx.object(&args[0])?;
            Ok(val(Kind::Array(
                m.iter().map(|(k, _)| string(k.clone())).collect(),
            )))
        }),
        "shallowmerge" => ctx
            .arity(args, 1, 1)
            .and_then(|_| shallow_merge(ctx, &args[0])),
        "tryget" => try_get(ctx, args),
        "indexfromend" => index_from_end(ctx, args, false),
        "tryindexfromend" => index_from_end(ctx, args, true),
        _ => return None,
    })
}

/// Returns the value found at an array or string end.
fn end(ctx: &Ctx<'_>, v: &Value, first: bool) -> R<Value> {
    match &v.kind {
        Kind::Array(a) => Ok(if first { a.first() } else { a.last() }
            .cloned()
            .unwrap_or_else(|| val(Kind::Null))),
        Kind::Null => Ok(val(Kind::Null)),
        _ => {
            let s = ctx.str(v)?;
            let c = if first {
                s.chars().next()
            } else {
                s.chars().next_back()
            };
            Ok(string(c.map(String::from).unwrap_or_default()))
        }
    }
}

fn length(ctx: &Ctx<'_>, v: &Value) -> R<Value> {
    let n = match &v.kind {
        Kind::Array(a) => a.len(),
        Kind::Object(m) => m.len(),
        Kind::Null => 0,
        _ => utf16_len(ctx.str(v)?),
    };
    Ok(val(Kind::Int(n as i64)))
}

fn empty(ctx: &Ctx<'_>, v: &Value) -> R<Value> {
    let e = match &v.kind {
        Kind::Array(a) => a.is_empty(),
        Kind::Object(m) => m.is_empty(),
        Kind::Null => true,
        Kind::Partial(p) => {
            if p.iter()
                .any(|x| matches!(x, crate::value::Part::Text(t) if !t.is_empty()))
            {
                false
            } else {
                return Err(ctx.not(v, Wanted::String));
            }
        }
        _ => ctx.str(v)?.is_empty(),
    };
    Ok(val(Kind::Bool(e)))
}

fn contains(ctx: &Ctx<'_>, container: &Value, item: &Value) -> R<Value> {
    match &container.kind {
        Kind::Array(a) => {
            let mut pending = None;
            for x in a {
                match equals(x, item) {
                    Tri::Yes => return Ok(val(Kind::Bool(true))),
                    Tri::Unknown(w) => pending = pending.or(Some(w)),
                    Tri::No => {}
                }
            }
            match pending {
                Some(w) => Err(w),
                None => Ok(val(Kind::Bool(false))),
            }
        }
        Kind::Object(m) => {
            let key = ctx.str(item)?;
            Ok(val(Kind::Bool(
                m.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)),
            )))
        }
        Kind::Partial(parts) => {
            let find = ctx.str(item)?;
            if parts
                .iter()
                .any(|p| matches!(p, crate::value::Part::Text(t) if t.contains(find)))
            {
                Ok(val(Kind::Bool(true)))
            } else {
                Err(ctx.not(container, Wanted::String))
            }
        }
        _ => {
            let s = ctx.str(container)?;
            let find = match &item.kind {
                Kind::Int(i) => i.to_string(),
                _ => ctx.str(item)?.to_owned(),
            };
            Ok(val(Kind::Bool(s.contains(&find))))
        }
    }
}

/// Deep merge of objects as `union` does: nested objects merge, other values: last wins.
fn merge_objects(into: &mut Members, from: &[(String, Value)]) {
    for (k, v) in from {
        match into.get_mut(k) {
            Some(existing) => {
                if let (Kind::Object(a), Kind::Object(b)) = (&mut existing.kind, &v.kind) {
                    let mut nested = Members::from_vec(std::mem::take(a));
                    merge_objects(&mut nested, b);
                    *a = nested.into_vec();
                } else {
                    *existing = v.clone();
                }
            }
            None => into.put(k.clone(), v.clone()),
        }
    }
}

fn union(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 1, usize::MAX)?;
    match &args[0].kind {
        Kind::Object(_) => {
            let mut out = Members::default();
            for a in args {
                if matches!(a.kind, Kind::Null) {
                    continue;
                }
                merge_objects(&mut out, ctx.object(a)?);
            }
            Ok(val(Kind::Object(out.into_vec())))
        }
        _ => {
            let total: u128 = args
                .iter()
                .map(|a| match &a.kind {
                    Kind::Array(x) => x.len() as u128,
                    _ => 0,
                })
                .sum();
            ctx.check_work(total * total)?;
            let mut out: Vec<Value> = Vec::new();
            for a in args {
                if matches!(a.kind, Kind::Null) {
                    continue;
                }
                for x in ctx.array(a)? {
                    let mut seen = false;
                    for y in &out {
                        match equals(x, y) {
                            Tri::Yes => {
                                seen = true;
                                break;
                            }
                            Tri::Unknown(w) => return Err(w),
                            Tri::No => {}
                        }
                    }
                    if !seen {
                        out.push(x.clone());
                    }
                }
                ctx.check_count(out.len() as u128)?;
            }
            Ok(val(Kind::Array(out)))
        }
    }
}

fn intersection(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 2, usize::MAX)?;
    match &args[0].kind {
        Kind::Object(first) => {
            // Each other object's members by lower-cased key (the first of a key, as a
            // search finds it): linear in the members, not their product.
            let rest: Vec<foldhash::HashMap<String, &Value>> = args[1..]
                .iter()
                .map(|a| {
                    let mut index = foldhash::HashMap::default();
                    for (k, v) in ctx.object(a)? {
                        index.entry(k.to_ascii_lowercase()).or_insert(v);
                    }
                    Ok(index)
                })
                .collect::<R<_>>()?;
            let mut out = Vec::new();
            'm: for (k, v) in first {
                for other in &rest {
                    let Some(ov) = other.get(&k.to_ascii_lowercase()).copied() else {
                        continue 'm;
                    };
                    match equals(v, ov) {
                        Tri::Yes => {}
                        Tri::No => continue 'm,
                        Tri::Unknown(w) => return Err(w),
                    }
                }
                out.push((k.clone(), v.clone()));
            }
            Ok(val(Kind::Object(out)))
        }
        _ => {
            let first = ctx.array(&args[0])?;
            let rest: Vec<&[Value]> = args[1..].iter().map(|a| ctx.array(a)).collect::<R<_>>()?;
            let others: u128 = rest.iter().map(|r| r.len() as u128).sum();
            ctx.check_work(first.len() as u128 * (others + first.len() as u128))?;
            let mut out: Vec<Value> = Vec::new();
            'a: for x in first {
                for other in &rest {
                    let mut found = false;
                    for y in other.iter() {
                        match equals(x, y) {
                            Tri::Yes => {
                                found = true;
                                break;
                            }
                            Tri::Unknown(w) => return Err(w),
                            Tri::No => {}
                        }
                    }
                    if !found {
                        continue 'a;
                    }
                }
                if !out.iter().any(|y| equals(x, y) == Tri::Yes) {
                    out.push(x.clone());
                }
            }
            Ok(val(Kind::Array(out)))
        }
    }
}

fn create_object(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    if !args.len().is_multiple_of(2) {
        return Err(ctx.invalid(CallProblem::EvenArguments));
    }
    let mut out = Members::default();
    for pair in args.chunks_exact(2) {
        let k = ctx.str(&pair[0])?;
        out.put(k.to_owned(), pair[1].clone());
    }
    Ok(val(Kind::Object(out.into_vec())))
}

fn items(ctx: &Ctx<'_>, v: &Value) -> R<Value> {
    let mut m: Vec<&(String, Value)> = ctx.object(v)?.iter().collect();
    m.sort_by(|a, b| {
        a.0.to_ascii_lowercase()
            .cmp(&b.0.to_ascii_lowercase())
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(val(Kind::Array(
        m.into_iter()
            .map(|(k, v)| {
                val(Kind::Object(vec![
                    ("key".into(), string(k.clone())),
                    ("value".into(), v.clone()),
                ]))
            })
            .collect(),
    )))
}

fn range(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 2, 2)?;
    let start = ctx.int(&args[0])?;
    let count = ctx.int(&args[1])?;
    if count < 0 {
        return Err(ctx.invalid(CallProblem::NegativeCount));
    }
    if count > 10_000 {
        return Err(ctx.invalid(CallProblem::CountOverLimit { count }));
    }
    if start as i128 + count as i128 > i32::MAX as i128 {
        return Err(ctx.invalid(CallProblem::RangeOverflow));
    }
    ctx.check_count(count as u128)?;
    Ok(val(Kind::Array(
        (start..start + count).map(|i| val(Kind::Int(i))).collect(),
    )))
}

fn skip_take(ctx: &Ctx<'_>, args: &[Value], skip: bool) -> R<Value> {
    let n = ctx.int(&args[1])?.max(0) as u128;
    match &args[0].kind {
        Kind::Array(a) => {
            let n = n.min(a.len() as u128) as usize;
            let slice = if skip { &a[n..] } else { &a[..n] };
            Ok(val(Kind::Array(slice.to_vec())))
        }
        _ => {
            let s = ctx.str(&args[0])?;
            let units: Vec<u16> = s.encode_utf16().collect();
            let n = n.min(units.len() as u128) as usize;
            let slice = if skip { &units[n..] } else { &units[..n] };
            Ok(string(String::from_utf16_lossy(slice)))
        }
    }
}

fn min_max(ctx: &Ctx<'_>, args: &[Value], min: bool) -> R<Value> {
    ctx.arity(args, 1, usize::MAX)?;
    let items: &[Value] = match (&args[0].kind, args.len()) {
        (Kind::Array(a), 1) => a,
        _ => args,
    };
    if items.is_empty() {
        return Err(ctx.invalid(CallProblem::NoValues));
    }
    let mut best: Option<&Value> = None;
    for x in items {
        let better = match (&x.kind, best.map(|b| &b.kind)) {
            (_, None) => true,
            (Kind::Int(a), Some(Kind::Int(b))) => (a < b) == min && a != b,
            (Kind::Int(_) | Kind::Float(_), Some(Kind::Int(_) | Kind::Float(_))) => {
                let (a, b) = (num(x), best.map_or(0.0, num));
                (a < b) == min && a != b
            }
            (Kind::Str(a), Some(Kind::Str(b))) => (a < b) == min && a != b,
            _ => return Err(ctx.not(x, Wanted::Integer)),
        };
        if better {
            best = Some(x);
        }
    }
    Ok(best.cloned().unwrap_or_else(|| val(Kind::Null)))
}

fn num(v: &Value) -> f64 {
    match v.kind {
        Kind::Int(i) => i as f64,
        Kind::Float(f) => f,
        _ => 0.0,
    }
}

fn flatten(ctx: &Ctx<'_>, v: &Value) -> R<Value> {
    let mut out = Vec::new();
    for x in ctx.array(v)? {
        out.extend(ctx.array(x)?.iter().cloned());
        ctx.check_count(out.len() as u128)?;
    }
    Ok(val(Kind::Array(out)))
}

fn shallow_merge(ctx: &Ctx<'_>, v: &Value) -> R<Value> {
    let mut out = Members::default();
    for x in ctx.array(v)? {
        for (k, v) in ctx.object(x)? {
            out.put(k.clone(), v.clone());
        }
    }
    Ok(val(Kind::Object(out.into_vec())))
}

fn try_get(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 2, usize::MAX)?;
    // Followed in place: only the value found is copied (`parameters('p').?a.?b` used to copy
    // the whole of `p`, then each step's member).
    let mut cur = &args[0];
    for key in &args[1..] {
        let next = match (&cur.kind, &key.kind) {
            (Kind::Object(_), _) => cur.get(ctx.str(key)?),
            (Kind::Array(a), _) => {
                let i = ctx.int(key)?;
                usize::try_from(i).ok().and_then(|i| a.get(i))
            }
            (Kind::Unknown(w), _) => return Err(w.clone()),
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => return Ok(val(Kind::Null)),
        }
    }
    Ok(cur.clone())
}

fn index_from_end(ctx: &Ctx<'_>, args: &[Value], try_: bool) -> R<Value> {
    ctx.arity(args, 2, 2)?;
    let a = ctx.array(&args[0])?;
    let i = ctx.int(&args[1])?;
    if i >= 1 && (i as u128) <= a.len() as u128 {
        return Ok(a[a.len() - i as usize].clone());
    }
    if try_ {
        Ok(val(Kind::Null))
    } else {
        Err(ctx.invalid(CallProblem::IndexFromEndOutside {
            index: i,
            length: a.len(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn docs_examples() {
        assert_eq!(run("first", vec![s("One Two Three")]), s("O"));
        assert_eq!(run("first", vec![j(r#"["one","two","three"]"#)]), s("one"));
        assert_eq!(run("last", vec![s("One Two Three")]), s("e"));
        assert_eq!(run("last", vec![j(r#"["one","two","three"]"#)]), s("three"));
        assert_eq!(run("length", vec![s("One Two Three")]), i(13));
        assert_eq!(run("length", vec![j(r#"["a","b","c"]"#)]), i(3));
        assert_eq!(
            run("length", vec![j(r#"{"a":1,"b":2,"c":{"x":1},"d":[1]}"#)]),
            i(4)
        );
        assert_eq!(run("empty", vec![s("")]), b(true));
        assert_eq!(run("empty", vec![j("[]")]), b(true));
        assert_eq!(run("empty", vec![j("{}")]), b(true));
        assert_eq!(run("empty", vec![j("[1]")]), b(false));
        assert_eq!(run("contains", vec![s("OneTwoThree"), s("e")]), b(true));
        assert_eq!(run("contains", vec![s("OneTwoThree"), s("z")]), b(false));
        let o = j(r#"{"one":"a","two":"b","three":"c"}"#);
        assert_eq!(run("contains", vec![o.clone(), s("two")]), b(true));
        assert_eq!(run("contains", vec![o.clone(), s("TWO")]), b(true));
        assert_eq!(run("contains", vec![o, s("four")]), b(false));
        let a = j(r#"["one","two","three"]"#);
        assert_eq!(run("contains", vec![a.clone(), s("two")]), b(true));
        assert_eq!(run("contains", vec![a.clone(), s("Two")]), b(false));
        assert_eq!(run("contains", vec![a, s("four")]), b(false));
        assert_eq!(
            run(
                "union",
                vec![
                    j(r#"{"one":"a","two":"b","three":"c1"}"#),
                    j(r#"{"three":"c2","four":"d","five":"e"}"#)
                ]
            ),
            j(r#"{"one":"a","two":"b","three":"c2","four":"d","five":"e"}"#)
        );
        assert_eq!(
            run(
                "union",
                vec![j(r#"["one","two","three"]"#), j(r#"["three","four"]"#)]
            ),
            j(r#"["one","two","three","four"]"#)
        );
        assert_eq!(
            run(
                "union",
                vec![
                    j(r#"{"n":{"a":1,"b":{"x":1}}}"#),
                    j(r#"{"n":{"b":{"y":2},"c":3}}"#)
                ]
            ),
            j(r#"{"n":{"a":1,"b":{"x":1,"y":2},"c":3}}"#)
        );
        assert_eq!(
            run(
                "intersection",
                vec![
                    j(r#"{"one":"a","two":"b","three":"c"}"#),
                    j(r#"{"one":"a","two":"z","three":"c"}"#)
                ]
            ),
            j(r#"{"one":"a","three":"c"}"#)
        );
        assert_eq!(
            run(
                "intersection",
                vec![j(r#"["one","two","three"]"#), j(r#"["two","three"]"#)]
            ),
            j(r#"["two","three"]"#)
        );
        assert_eq!(
            run(
                "createObject",
                vec![s("intProp"), i(1), s("stringProp"), s("abc")]
            ),
            j(r#"{"intProp":1,"stringProp":"abc"}"#)
        );
        assert!(reason(&run("createObject", vec![s("a")])).contains("even"));
        assert_eq!(run("createArray", vec![i(1), i(2), i(3)]), j("[1,2,3]"));
        assert_eq!(run("createArray", vec![]), j("[]"));
        assert_eq!(
            run("items", vec![j(r#"{"item002":{"n":2},"item001":{"n":1}}"#)]),
            j(r#"[{"key":"item001","value":{"n":1}},{"key":"item002","value":{"n":2}}]"#)
        );
        assert_eq!(run("range", vec![i(1), i(5)]), j("[1,2,3,4,5]"));
        assert_eq!(run("skip", vec![s("one two three"), i(4)]), s("two three"));
        assert_eq!(
            run("skip", vec![j(r#"["one","two","three"]"#), i(2)]),
            j(r#"["three"]"#)
        );
        assert_eq!(run("take", vec![s("one two three"), i(2)]), s("on"));
        assert_eq!(
            run("take", vec![j(r#"["one","two","three"]"#), i(2)]),
            j(r#"["one","two"]"#)
        );
        assert_eq!(run("take", vec![j("[1]"), i(-3)]), j("[]"));
        assert_eq!(run("min", vec![j("[0,3,2,5,4]")]), i(0));
        assert_eq!(run("min", vec![i(0), i(3), i(2), i(5), i(4)]), i(0));
        assert_eq!(run("max", vec![j("[0,3,2,5,4]")]), i(5));
        assert_eq!(run("max", vec![i(0), i(3), i(2), i(5), i(4)]), i(5));
        assert_eq!(run("array", vec![i(1)]), j("[1]"));
        assert_eq!(run("array", vec![s("efgh")]), j(r#"["efgh"]"#));
        assert_eq!(run("array", vec![j(r#"{"a":"b"}"#)]), j(r#"[{"a":"b"}]"#));
        assert_eq!(
            run(
                "flatten",
                vec![j(r#"[["one","two"],["three"],["four","five"]]"#)]
            ),
            j(r#"["one","two","three","four","five"]"#)
        );
        assert_eq!(
            run("objectKeys", vec![j(r#"{"a":1,"b":2}"#)]),
            j(r#"["a","b"]"#)
        );
        assert_eq!(
            run(
                "shallowMerge",
                vec![j(
                    r#"[{"one":"a","nested":{"a":1,"nested":{"c":3}}},{"two":"b","nested":{"b":2}}]"#
                )]
            ),
            j(r#"{"one":"a","nested":{"b":2},"two":"b"}"#)
        );
        let o = j(r#"{"a":{"b":[10,20]}}"#);
        assert_eq!(run("tryGet", vec![o.clone(), s("a"), s("b"), i(1)]), i(20));
        assert_eq!(run("tryGet", vec![o, s("missing")]), j("null"));
        assert_eq!(
            run("indexFromEnd", vec![j(r#"["one","two","three"]"#), i(1)]),
            s("three")
        );
        assert_eq!(
            run("tryIndexFromEnd", vec![j(r#"["one"]"#), i(3)]),
            j("null")
        );
        assert!(reason(&run("indexFromEnd", vec![j("[]"), i(1)])).contains("outside"));
        assert_eq!(run("indexOf", vec![j(r#"["a","b",1]"#), i(1)]), i(2));
        assert_eq!(
            run("lastIndexOf", vec![j(r#"["a","b","a"]"#), s("a")]),
            i(2)
        );
    }

    #[test]
    fn range_cannot_allocate_a_billion() {
        let r = reason(&run("range", vec![i(0), i(1_000_000_000)]));
        assert!(r.contains("10000"), "{r}");
        let r = reason(&run("range", vec![i(i64::MAX - 1), i(5)]));
        assert!(r.contains("2147483647"), "{r}");
    }

    #[test]
    fn unknowns_propagate_or_decide() {
        let a = arr(vec![s("x"), unk("u")]);
        assert_eq!(run("contains", vec![a.clone(), s("x")]), b(true));
        assert_eq!(
            why_of(&run("contains", vec![a.clone(), s("y")])),
            unset("u")
        );
        assert_eq!(run("length", vec![a.clone()]), i(2));
        assert_eq!(run("first", vec![a]), s("x"));
        assert_eq!(why_of(&run("length", vec![unk("v")])), unset("v"));
    }
}
