//! Logical, comparison, numeric and conversion functions: if, equals, not, and, or, coalesce,
//! less, lessOrEquals, greater, greaterOrEquals, int, bool, float, add, sub, mul, div, mod,
//! true, false, null.

use super::{Ctx, R, val};
use crate::eval::ops::{Tri, equals, known_ends};
use crate::value::call::Wanted;
use crate::value::{CallProblem, Kind, Value};

pub(super) fn call(ctx: &Ctx<'_>, lname: &str, args: &[Value]) -> Option<R<Value>> {
    Some(match lname {
        "if" => ctx.arity(args, 3, 3).and_then(|_| {
            Ok(if ctx.bool(&args[0])? {
                args[1].clone()
            } else {
                args[2].clone()
            })
        }),
        "equals" => ctx
            .arity(args, 2, 2)
            .and_then(|_| match equals(&args[0], &args[1]) {
                Tri::Yes => Ok(val(Kind::Bool(true))),
                Tri::No => Ok(val(Kind::Bool(false))),
                Tri::Unknown(w) => Err(w),
            }),
        "not" => ctx
            .arity(args, 1, 1)
            .and_then(|_| ctx.bool(&args[0]))
            .map(|b| val(Kind::Bool(!b))),
        "and" => and_or(ctx, args, true),
        "or" => and_or(ctx, args, false),
        "coalesce" => coalesce(ctx, args),
        "less" => compare(ctx, args, |o| o.is_lt()),
        "lessorequals" => compare(ctx, args, |o| o.is_le()),
        "greater" => compare(ctx, args, |o| o.is_gt()),
        "greaterorequals" => compare(ctx, args, |o| o.is_ge()),
        "int" => ctx.arity(args, 1, 1).and_then(|_| to_int(ctx, &args[0])),
        "float" => ctx.arity(args, 1, 1).and_then(|_| to_float(ctx, &args[0])),
        "bool" => ctx.arity(args, 1, 1).and_then(|_| to_bool(ctx, &args[0])),
        "add" => arith(ctx, args, |a, b| a.checked_add(b)),
        "sub" => arith(ctx, args, |a, b| a.checked_sub(b)),
        "mul" => arith(ctx, args, |a, b| a.checked_mul(b)),
        "div" => arith(
            ctx,
            args,
            |a, b| if b == 0 { None } else { a.checked_div(b) },
        ),
        "mod" => arith(
            ctx,
            args,
            |a, b| if b == 0 { None } else { a.checked_rem(b) },
        ),
        "true" => ctx.arity(args, 0, 0).map(|_| val(Kind::Bool(true))),
        "false" => ctx.arity(args, 0, 0).map(|_| val(Kind::Bool(false))),
        "null" => ctx.arity(args, 0, 0).map(|_| val(Kind::Null)),
        _ => return None,
    })
}

/// `and` (`is_and`) or `or` over possibly unknown booleans: a deciding known operand wins.
pub(crate) fn and_or(ctx: &Ctx<'_>, args: &[Value], is_and: bool) -> R<Value> {
    ctx.arity(args, 2, usize::MAX)?;
    let mut pending = None;
    for a in args {
        match &a.kind {
            Kind::Bool(b) if *b != is_and => return Ok(val(Kind::Bool(*b))),
            Kind::Bool(_) => {}
            Kind::Unknown(w) => pending = pending.or(Some(w.clone())),
            _ => return Err(ctx.not(a, Wanted::Boolean)),
        }
    }
    match pending {
        Some(w) => Err(w),
        None => Ok(val(Kind::Bool(is_and))),
    }
}

/// The first non-null argument; an unknown before it makes the result unknown.
pub(crate) fn coalesce(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 1, usize::MAX)?;
    for a in args {
        match &a.kind {
            Kind::Null => {}
            Kind::Unknown(w) => return Err(w.clone()),
            _ => return Ok(a.clone()),
        }
    }
    Ok(val(Kind::Null))
}

fn compare(ctx: &Ctx<'_>, args: &[Value], test: fn(std::cmp::Ordering) -> bool) -> R<Value> {
    ctx.arity(args, 2, 2)?;
    let (a, b) = (&args[0], &args[1]);
    let ord = match (&a.kind, &b.kind) {
        (Kind::Int(x), Kind::Int(y)) => x.cmp(y),
        (Kind::Int(_) | Kind::Float(_), Kind::Int(_) | Kind::Float(_)) => {
            let f = |v: &Value| match v.kind {
                Kind::Int(i) => i as f64,
                Kind::Float(f) => f,
                _ => 0.0,
            };
            f(a).partial_cmp(&f(b))
                .ok_or_else(|| ctx.invalid(CallProblem::CompareNaN))?
        }
        (Kind::Str(x), Kind::Str(y)) => x.cmp(y),
        (Kind::Partial(p), Kind::Str(y)) => {
            let (prefix, _) = known_ends(p);
            let n = prefix.len().min(y.len());
            match prefix.as_bytes()[..n].cmp(&y.as_bytes()[..n]) {
                std::cmp::Ordering::Equal => return Err(ctx.not(a, Wanted::String)),
                o => o,
            }
        }
        (Kind::Str(x), Kind::Partial(p)) => {
            let (prefix, _) = known_ends(p);
            let n = prefix.len().min(x.len());
            match x.as_bytes()[..n].cmp(&prefix.as_bytes()[..n]) {
                std::cmp::Ordering::Equal => return Err(ctx.not(b, Wanted::String)),
                o => o,
            }
        }
        (Kind::Unknown(w), _) | (_, Kind::Unknown(w)) => return Err(w.clone()),
        _ => {
            return Err(ctx.invalid(CallProblem::Incomparable {
                left: crate::eval::ops::type_name(a),
                right: crate::eval::ops::type_name(b),
            }));
        }
    };
    Ok(val(Kind::Bool(test(ord))))
}

fn to_int(ctx: &Ctx<'_>, v: &Value) -> R<Value> {
    match &v.kind {
        Kind::Int(i) => Ok(val(Kind::Int(*i))),
        Kind::Float(f) if f.is_finite() && f.abs() < 9.2e18 => Ok(val(Kind::Int(f.trunc() as i64))),
        _ => {
            let s = ctx.str(v)?;
            s.trim()
                .parse::<i64>()
                .map(|i| val(Kind::Int(i)))
                .map_err(|_| ctx.invalid(CallProblem::NotInteger { text: s.to_owned() }))
        }
    }
}

fn to_float(ctx: &Ctx<'_>, v: &Value) -> R<Value> {
    match &v.kind {
        Kind::Int(i) => Ok(val(Kind::Float(*i as f64))),
        Kind::Float(f) => Ok(val(Kind::Float(*f))),
        _ => {
            let s = ctx.str(v)?;
            s.trim()
                .parse::<f64>()
                .map(|f| val(Kind::Float(f)))
                .map_err(|_| ctx.invalid(CallProblem::NotNumber { text: s.to_owned() }))
        }
    }
}

fn to_bool(ctx: &Ctx<'_>, v: &Value) -> R<Value> {
    match &v.kind {
        Kind::Bool(b) => Ok(val(Kind::Bool(*b))),
        Kind::Int(i) => Ok(val(Kind::Bool(*i != 0))),
        _ => {
            let s = ctx.str(v)?;
            if s.eq_ignore_ascii_case("true") {
                Ok(val(Kind::Bool(true)))
            } else if s.eq_ignore_ascii_case("false") {
                Ok(val(Kind::Bool(false)))
            } else {
                Err(ctx.invalid(CallProblem::NotBoolean { text: s.to_owned() }))
            }
        }
    }
}

fn arith(ctx: &Ctx<'_>, args: &[Value], op: fn(i64, i64) -> Option<i64>) -> R<Value> {
    ctx.arity(args, 2, 2)?;
    let a = ctx.int(&args[0])?;
    let b = ctx.int(&args[1])?;
    op(a, b)
        .map(|r| val(Kind::Int(r)))
        .ok_or_else(|| ctx.invalid(CallProblem::Overflow { left: a, right: b }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn docs_examples() {
        assert_eq!(run("and", vec![b(false), b(true)]), b(false));
        assert_eq!(run("or", vec![b(false), b(true)]), b(true));
        assert_eq!(run("not", vec![b(false)]), b(true));
        assert_eq!(run("and", vec![b(true), b(true), b(true)]), b(true));
        assert_eq!(run("bool", vec![s("true")]), b(true));
        assert_eq!(run("bool", vec![s("FALSE")]), b(false));
        assert_eq!(run("bool", vec![i(0)]), b(false));
        assert_eq!(run("bool", vec![i(1)]), b(true));
        assert_eq!(run("if", vec![b(true), s("yes"), s("no")]), s("yes"));
        assert_eq!(run("equals", vec![i(1), i(1)]), b(true));
        assert_eq!(run("equals", vec![s("a"), s("A")]), b(false));
        assert_eq!(
            run("equals", vec![j(r#"["a","b"]"#), j(r#"["a","b"]"#)]),
            b(true)
        );
        assert_eq!(
            run("equals", vec![j(r#"{"a":"b"}"#), j(r#"{"A":"b"}"#)]),
            b(true)
        );
        assert_eq!(
            run("equals", vec![j(r#"{"a":"b"}"#), j(r#"{"a":"c"}"#)]),
            b(false)
        );
        assert_eq!(run("greater", vec![i(10), i(5)]), b(true));
        assert_eq!(run("greater", vec![s("A"), s("a")]), b(false));
        assert_eq!(run("greaterOrEquals", vec![i(10), i(10)]), b(true));
        assert_eq!(run("less", vec![i(10), i(5)]), b(false));
        assert_eq!(run("less", vec![s("A"), s("a")]), b(true));
        assert_eq!(run("lessOrEquals", vec![i(5), i(5)]), b(true));
        assert_eq!(run("add", vec![i(5), i(3)]), i(8));
        assert_eq!(run("sub", vec![i(7), i(3)]), i(4));
        assert_eq!(run("mul", vec![i(5), i(3)]), i(15));
        assert_eq!(run("div", vec![i(8), i(3)]), i(2));
        assert_eq!(run("div", vec![i(-8), i(3)]), i(-2));
        assert_eq!(run("mod", vec![i(7), i(3)]), i(1));
        assert!(reason(&run("div", vec![i(1), i(0)])).contains("division by zero"));
        assert!(reason(&run("add", vec![i(i64::MAX), i(1)])).contains("overflow"));
        assert_eq!(run("int", vec![s("4")]), i(4));
        assert_eq!(run("float", vec![s("3.5")]), j("3.5"));
        assert_eq!(run("float", vec![i(2)]), j("2.0"));
        assert_eq!(run("true", vec![]), b(true));
        assert_eq!(run("false", vec![]), b(false));
        assert_eq!(run("null", vec![]), j("null"));
        let o = j(r#"{"null1":null,"null2":null,"string":"default","int":1}"#);
        let get = |k: &str| o.get(k).cloned().unwrap_or_else(|| panic!("{k}"));
        assert_eq!(
            run("coalesce", vec![get("null1"), get("null2"), get("string")]),
            s("default")
        );
        assert_eq!(
            run("coalesce", vec![get("null1"), get("null2"), get("int")]),
            i(1)
        );
        assert_eq!(run("coalesce", vec![get("null1"), get("null2")]), j("null"));
    }

    #[test]
    fn decides_with_unknowns_where_possible() {
        assert_eq!(run("and", vec![b(false), unk("u")]), b(false));
        assert_eq!(run("and", vec![unk("u"), b(false)]), b(false));
        assert_eq!(why_of(&run("and", vec![b(true), unk("u")])), unset("u"));
        assert_eq!(run("or", vec![unk("u"), b(true)]), b(true));
        assert_eq!(why_of(&run("or", vec![b(false), unk("u")])), unset("u"));
        assert_eq!(run("coalesce", vec![s("x"), unk("u")]), s("x"));
        assert_eq!(
            why_of(&run("coalesce", vec![j("null"), unk("u"), s("x")])),
            unset("u")
        );
        let p = run("concat", vec![s("/subscriptions/"), unk("sub")]);
        assert_eq!(run("equals", vec![p.clone(), s("/providers/x")]), b(false));
        assert_eq!(
            why_of(&run("equals", vec![p.clone(), s("/subscriptions/1")])),
            unset("sub")
        );
        assert_eq!(run("less", vec![p, s("/z")]), b(true));
        assert_eq!(why_of(&run("not", vec![unk("n")])), unset("n"));
    }
}
