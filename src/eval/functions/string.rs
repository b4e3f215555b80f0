//! String functions: concat, format, string, toLower, toUpper, replace, split, join, substring,
//! indexOf, lastIndexOf, startsWith, endsWith, trim, padLeft, uniqueString, guid.
//!
//! Positions and lengths count UTF-16 code units, as .NET (and so Azure) does.

use super::{Ctx, R, parts_value, string, val};
use crate::eval::hash;
use crate::eval::ops::{Pieces, Tri, equals, known_ends, to_string_parts, utf16_len};
use crate::value::call::Wanted;
use crate::value::{CallProblem, Kind, Part, Value};

pub(super) fn call(ctx: &Ctx<'_>, lname: &str, args: &[Value]) -> Option<R<Value>> {
    Some(match lname {
        "concat" => concat(ctx, args),
        "format" => format(ctx, args),
        "string" => ctx.arity(args, 1, 1).and_then(|_| to_string(ctx, &args[0])),
        "tolower" => ctx
            .arity(args, 1, 1)
            .and_then(|_| map_case(ctx, &args[0], false)),
        "toupper" => ctx
            .arity(args, 1, 1)
            .and_then(|_| map_case(ctx, &args[0], true)),
        "replace" => replace(ctx, args),
        "split" => split(ctx, args),
        "join" => join(ctx, args),
        "substring" => substring(ctx, args),
        "indexof" => index_of(ctx, args, false),
        "lastindexof" => index_of(ctx, args, true),
        "startswith" => starts_ends(ctx, args, true),
        "endswith" => starts_ends(ctx, args, false),
        "trim" => ctx
            .arity(args, 1, 1)
            .and_then(|_| ctx.str(&args[0]))
            .map(|s| string(s.trim())),
        "padleft" => pad_left(ctx, args),
        "uniquestring" => hashed(ctx, args, hash::unique_string),
        "guid" => hashed(ctx, args, hash::arm_guid),
        _ => return None,
    })
}

fn fold(u: u16) -> u16 {
    if u < 128 {
        return (u as u8).to_ascii_lowercase() as u16;
    }
    match char::from_u32(u as u32) {
        Some(c) => {
            let mut l = c.to_lowercase();
            match (l.next(), l.next()) {
                (Some(x), None) if x.len_utf16() == 1 => {
                    let mut buf = [0u16; 2];
                    x.encode_utf16(&mut buf)[0]
                }
                _ => u,
            }
        }
        None => u,
    }
}

fn find_ci(hay: &[u16], needle: &[u16], last: bool) -> i64 {
    if needle.is_empty() {
        return if last {
            hay.len().saturating_sub(1) as i64
        } else {
            0
        };
    }
    if needle.len() > hay.len() {
        return -1;
    }
    let matches = |i: usize| {
        hay[i..i + needle.len()]
            .iter()
            .zip(needle)
            .all(|(a, b)| fold(*a) == fold(*b))
    };
    let n = hay.len() - needle.len();
    if last {
        (0..=n).rev().find(|&i| matches(i)).map_or(-1, |i| i as i64)
    } else {
        (0..=n).find(|&i| matches(i)).map_or(-1, |i| i as i64)
    }
}

fn concat(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 1, usize::MAX)?;
    let any_array = args.iter().any(|a| matches!(a.kind, Kind::Array(_)));
    if any_array {
        let mut total: u128 = 0;
        for a in args {
            match &a.kind {
                Kind::Array(x) => total += x.len() as u128,
                Kind::Null => {}
                _ => return Err(ctx.not(a, Wanted::AllArrays)),
            }
        }
        ctx.check_count(total)?;
        let mut out = Vec::with_capacity(total as usize);
        for a in args {
            if let Kind::Array(x) = &a.kind {
                out.extend(x.iter().cloned());
            }
        }
        return Ok(val(Kind::Array(out)));
    }
    if let Some(w) = args.iter().find_map(|a| match &a.kind {
        Kind::Unknown(w) => Some(w),
        _ => None,
    }) && args.iter().all(|a| a.is_unknown())
    {
        return Err(w.clone());
    }
    let mut parts = Vec::new();
    let mut len = 0usize;
    let mut pieces = Pieces::default();
    for a in args {
        if matches!(a.kind, Kind::Object(_)) {
            return Err(ctx.invalid(CallProblem::ConcatObject));
        }
        let p = to_string_parts(a, ctx.limits.max_string).ok_or_else(|| {
            ctx.check_len(ctx.limits.max_string + 1)
                .err()
                .unwrap_or_else(|| ctx.invalid(CallProblem::StringTooLong))
        })?;
        pieces.value(len, a);
        append(ctx, &mut parts, &mut len, p)?;
    }
    Ok(pieces.on(parts_value(parts)))
}

/// Appends `more` to the parts of a string being built, `len` bytes of known text so far,
/// within the string size budget (each piece counting as a byte at least, as `format`
/// counts them: the holes of a string cannot double without bound).
fn append(ctx: &Ctx<'_>, parts: &mut Vec<Part>, len: &mut usize, more: Vec<Part>) -> R<()> {
    for part in &more {
        if let Part::Text(t) = part {
            *len += t.len();
        }
    }
    ctx.check_len(*len + parts.len() + more.len())?;
    parts.extend(more);
    Ok(())
}

fn format(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 1, usize::MAX)?;
    let fmt = ctx.str(&args[0])?;
    let mut pieces = Pieces::default();
    let parts = super::dotnet_format(ctx, fmt, &args[1..], args[0].origin.literal, &mut pieces)?;
    Ok(pieces.on(parts_value(parts)))
}

fn to_string(ctx: &Ctx<'_>, v: &Value) -> R<Value> {
    match to_string_parts(v, ctx.limits.max_string) {
        Some(p) => Ok(parts_value(p)),
        None => Err(ctx
            .check_len(ctx.limits.max_string + 1)
            .err()
            .unwrap_or_else(|| ctx.invalid(CallProblem::StringTooLong))),
    }
}

fn map_case(ctx: &Ctx<'_>, v: &Value, upper: bool) -> R<Value> {
    let conv = |s: &str| {
        if upper {
            s.to_uppercase()
        } else {
            s.to_lowercase()
        }
    };
    match &v.kind {
        Kind::Str(s) => Ok(string(conv(s))),
        Kind::Partial(parts) => Ok(parts_value(
            parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => Part::Text(conv(t)),
                    h => h.clone(),
                })
                .collect(),
        )),
        _ => Err(ctx.not(v, Wanted::String)),
    }
}

fn replace(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 3, 3)?;
    let s = ctx.str(&args[0])?;
    let old = ctx.str(&args[1])?;
    let new = ctx.str(&args[2])?;
    if old.is_empty() {
        return Err(ctx.invalid(CallProblem::EmptyReplace));
    }
    let count = s.matches(old).count();
    let len = s.len() as u128 + count as u128 * new.len() as u128;
    ctx.check_len(len.min(usize::MAX as u128) as usize)?;
    Ok(string(s.replace(old, new)))
}

fn split(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 2, 2)?;
    let s = ctx.str(&args[0])?;
    let delims: Vec<&str> = match &args[1].kind {
        Kind::Array(a) => a.iter().map(|d| ctx.str(d)).collect::<R<_>>()?,
        _ => vec![ctx.str(&args[1])?],
    };
    let delims: Vec<&str> = delims.into_iter().filter(|d| !d.is_empty()).collect();
    let mut out = Vec::new();
    let mut rest = s;
    let mut cur = String::new();
    'outer: while !rest.is_empty() {
        for d in &delims {
            if let Some(after) = rest.strip_prefix(d) {
                out.push(string(std::mem::take(&mut cur)));
                ctx.check_count(out.len() as u128)?;
                rest = after;
                continue 'outer;
            }
        }
        let Some(c) = rest.chars().next() else { break };
        cur.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.push(string(cur));
    Ok(val(Kind::Array(out)))
}

fn join(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 2, 2)?;
    let items = ctx.array(&args[0])?;
    let delim = ctx.str(&args[1])?;
    let mut parts = Vec::new();
    let mut len = 0usize;
    for (i, item) in items.iter().enumerate() {
        if matches!(item.kind, Kind::Array(_) | Kind::Object(_)) {
            return Err(ctx.invalid(CallProblem::JoinItems));
        }
        if i > 0 {
            parts.push(Part::Text(delim.to_owned()));
            len += delim.len();
        }
        let p = to_string_parts(item, ctx.limits.max_string).unwrap_or_default();
        append(ctx, &mut parts, &mut len, p)?;
    }
    Ok(parts_value(parts))
}

fn substring(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 1, 3)?;
    let s = ctx.str(&args[0])?;
    let units: Vec<u16> = s.encode_utf16().collect();
    let start = match args.get(1) {
        Some(v) => ctx.int(v)?,
        None => 0,
    };
    if start < 0 || start as u128 > units.len() as u128 {
        return Err(ctx.invalid(CallProblem::StartOutside {
            start,
            length: units.len(),
        }));
    }
    let start = start as usize;
    let len = match args.get(2) {
        Some(v) => ctx.int(v)?,
        None => (units.len() - start) as i64,
    };
    if len < 0 || (start as u128 + len as u128) > units.len() as u128 {
        return Err(ctx.invalid(CallProblem::LengthPastEnd {
            length: len,
            start,
            available: units.len(),
        }));
    }
    Ok(string(String::from_utf16_lossy(
        &units[start..start + len as usize],
    )))
}

fn index_of(ctx: &Ctx<'_>, args: &[Value], last: bool) -> R<Value> {
    ctx.arity(args, 2, 2)?;
    if let Kind::Array(items) = &args[0].kind {
        return index_of_array(ctx, items, &args[1], last);
    }
    let s = ctx.str(&args[0])?;
    let find = ctx.str(&args[1])?;
    let hay: Vec<u16> = s.encode_utf16().collect();
    let needle: Vec<u16> = find.encode_utf16().collect();
    Ok(val(Kind::Int(find_ci(&hay, &needle, last))))
}

/// `indexOf` / `lastIndexOf` on an array: deep equality.
fn index_of_array(ctx: &Ctx<'_>, items: &[Value], find: &Value, last: bool) -> R<Value> {
    let _ = ctx;
    let order: Box<dyn Iterator<Item = (usize, &Value)>> = if last {
        Box::new(items.iter().enumerate().rev())
    } else {
        Box::new(items.iter().enumerate())
    };
    for (i, x) in order {
        match equals(x, find) {
            Tri::Yes => return Ok(val(Kind::Int(i as i64))),
            Tri::Unknown(w) => return Err(w),
            Tri::No => {}
        }
    }
    Ok(val(Kind::Int(-1)))
}

fn starts_ends(ctx: &Ctx<'_>, args: &[Value], starts: bool) -> R<Value> {
    ctx.arity(args, 2, 2)?;
    let find = ctx.str(&args[1])?;
    let needle: Vec<u16> = find.encode_utf16().collect();
    let check = |text: &str| -> Option<bool> {
        // Some(answer) when `text` (a known end of the string) decides.
        let hay: Vec<u16> = text.encode_utf16().collect();
        let n = hay.len().min(needle.len());
        let (h, f) = if starts {
            (&hay[..n], &needle[..n])
        } else {
            (&hay[hay.len() - n..], &needle[needle.len() - n..])
        };
        let same = h.iter().zip(f).all(|(a, b)| fold(*a) == fold(*b));
        if !same {
            Some(false)
        } else if hay.len() >= needle.len() {
            Some(true)
        } else {
            None
        }
    };
    match &args[0].kind {
        Kind::Str(s) => {
            let hay: Vec<u16> = s.encode_utf16().collect();
            if needle.len() > hay.len() {
                return Ok(val(Kind::Bool(false)));
            }
            Ok(val(Kind::Bool(check(s).unwrap_or(false))))
        }
        Kind::Partial(parts) => {
            let (prefix, suffix) = known_ends(parts);
            match check(if starts { &prefix } else { &suffix }) {
                Some(b) => Ok(val(Kind::Bool(b))),
                None => Err(ctx.not(&args[0], Wanted::String)),
            }
        }
        _ => Err(ctx.not(&args[0], Wanted::String)),
    }
}

fn pad_left(ctx: &Ctx<'_>, args: &[Value]) -> R<Value> {
    ctx.arity(args, 2, 3)?;
    let s = match &args[0].kind {
        Kind::Int(i) => i.to_string(),
        _ => ctx.str(&args[0])?.to_owned(),
    };
    let total = ctx.int(&args[1])?;
    let pad = match args.get(2) {
        Some(v) => {
            let p = ctx.str(v)?;
            let mut chars = p.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return Err(ctx.invalid(CallProblem::PaddingNotOneCharacter)),
            }
        }
        None => ' ',
    };
    let have = utf16_len(&s);
    if total < 0 {
        return Err(ctx.invalid(CallProblem::NegativeTotalLength));
    }
    let total = total as u128;
    if total <= have as u128 {
        return Ok(string(s));
    }
    let missing = total - have as u128;
    ctx.check_len(
        (s.len() as u128 + missing * pad.len_utf8() as u128).min(usize::MAX as u128) as usize,
    )?;
    let mut out: String = std::iter::repeat_n(pad, missing as usize).collect();
    out.push_str(&s);
    Ok(string(out))
}

fn hashed(ctx: &Ctx<'_>, args: &[Value], f: fn(&[&str]) -> String) -> R<Value> {
    ctx.arity(args, 1, usize::MAX)?;
    let strs: Vec<&str> = args.iter().map(|a| ctx.str(a)).collect::<R<_>>()?;
    Ok(string(f(&strs)))
}

#[cfg(test)]
mod pieces_tests {
    //! The literal pieces `concat` and `format` trace (#26): what lets a fix edit the literal
    //! that decides one part of an ID.
    use crate::eval::{Allowance, DeploymentScope, Limits};
    use crate::source::{FileId, Span};
    use crate::value::{Cause, Kind, Piece, Value, Why};

    /// Calls `name` on `args`, origins kept.
    fn call(name: &str, args: Vec<Value>) -> Value {
        let limits = Limits::default();
        let allowance = Allowance::new(&limits);
        let ctx = super::Ctx {
            name,
            span: Span::new(FileId(0), 0, 0),
            limits: &limits,
            allowance: &allowance,
            deployment: &DeploymentScope::default(),
        };
        super::super::call(&ctx, name, args).unwrap()
    }

    fn literal(text: &str, at: usize) -> Value {
        Value::literal(
            Kind::Str(text.into()),
            Span::new(FileId(0), at, at + text.len()),
        )
    }

    fn piece(start: u32, end: u32, at: usize, len: usize, whole: bool) -> Piece {
        Piece {
            start,
            end,
            literal: Span::new(FileId(0), at, at + len),
            whole,
        }
    }

    #[test]
    fn concat_and_format_say_which_literal_supplied_which_text() {
        let unknown = Value::unknown(Why::new(Cause::TemplateLink));
        let composed = Value::composed(Kind::Str("/g".into()));
        // `concat(<composed>, '/images/u', <unknown>, '/versions/', '1.0')`: holes take no room.
        let v = call(
            "concat",
            vec![
                composed,
                literal("/images/u", 10),
                unknown.clone(),
                literal("/versions/", 30),
                literal("1.0", 50),
            ],
        );
        assert_eq!(
            v.origin.pieces.as_deref(),
            Some(
                &[
                    piece(2, 11, 10, 9, true),
                    piece(11, 21, 30, 10, true),
                    piece(21, 24, 50, 3, true)
                ][..]
            )
        );
        // `format('{0}/images/{1}', <concat above>, 'u')`: an argument's pieces move with it,
        // and the format string's text after its last placeholder is its end.
        let f = call(
            "format",
            vec![literal("{0}/x/{1}/images/u", 100), v, literal("v", 200)],
        );
        let pieces = f.origin.pieces.as_deref().unwrap();
        assert_eq!(pieces[0], piece(2, 11, 10, 9, true));
        assert_eq!(pieces[3], piece(27, 28, 200, 1, true));
        assert_eq!(pieces[4], piece(28, 37, 100, 18, false));
        assert_eq!(pieces.len(), 5);
        // Past `MAX_PIECES`, none is kept: a partial list would hide a use.
        let many: Vec<Value> = (0..=crate::value::MAX_PIECES)
            .map(|i| literal("a", i))
            .collect();
        assert_eq!(call("concat", many).origin.pieces, None);
        // A formatted or padded argument is not its literal's text any more.
        let padded = call("format", vec![literal("{0,5}", 0), literal("a", 10)]);
        assert_eq!(padded.origin.pieces, None);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::value::cause::DeploymentSetting;
    use crate::value::{Cause, Kind, Part, Value, Why};

    /// A string built of more than `MAX_HOLES` holes (64) is unknown as a whole, for its
    /// first hole's reason; one of 64 keeps its known text between them.
    #[test]
    fn strings_of_many_holes_are_unknown_as_a_whole() {
        let p = unk("p");
        let mut args = vec![p.clone()];
        for _ in 0..63 {
            args.extend([s("-"), p.clone()]);
        }
        let kept = run("concat", args.clone());
        let Kind::Partial(parts) = &kept.kind else {
            panic!("{kept:?}");
        };
        assert_eq!(
            parts.iter().filter(|p| matches!(p, Part::Hole(_))).count(),
            64
        );
        args.extend([s("-"), p.clone()]);
        let whole = run("concat", args);
        assert_eq!(why_of(&whole), unset("p"));
        let format = run("format", vec![s(&"{0}-".repeat(65)), p]);
        assert_eq!(why_of(&format), unset("p"));
    }

    #[test]
    fn docs_examples() {
        assert_eq!(
            run("concat", vec![s("prefix"), s("-"), s("x")]),
            s("prefix-x")
        );
        assert_eq!(
            run("concat", vec![j("[\"1-1\",\"1-2\"]"), j("[\"2-1\"]")]),
            j("[\"1-1\",\"1-2\",\"2-1\"]")
        );
        assert_eq!(run("concat", vec![s("vm"), i(3)]), s("vm3"));
        assert_eq!(
            run(
                "string",
                vec![j(r#"{"valueA":10,"valueB":"Example Text"}"#)]
            ),
            s(r#"{"valueA":10,"valueB":"Example Text"}"#)
        );
        assert_eq!(
            run("string", vec![j(r#"["a","b","c"]"#)]),
            s(r#"["a","b","c"]"#)
        );
        assert_eq!(run("string", vec![i(5)]), s("5"));
        assert_eq!(run("toLower", vec![s("One Two Three")]), s("one two three"));
        assert_eq!(run("toUpper", vec![s("One Two Three")]), s("ONE TWO THREE"));
        assert_eq!(
            run("replace", vec![s("123-123-1234"), s("-"), s("")]),
            s("1231231234")
        );
        assert_eq!(
            run("replace", vec![s("123-123-1234"), s("1234"), s("xxxx")]),
            s("123-123-xxxx")
        );
        assert_eq!(
            run("split", vec![s("one,two,three"), s(",")]),
            j(r#"["one","two","three"]"#)
        );
        assert_eq!(
            run("split", vec![s("one;two,three"), j(r#"[",",";"]"#)]),
            j(r#"["one","two","three"]"#)
        );
        assert_eq!(
            run("split", vec![s("a,,b,"), s(",")]),
            j(r#"["a","","b",""]"#)
        );
        assert_eq!(
            run("join", vec![j(r#"["one","two","three"]"#), s(",")]),
            s("one,two,three")
        );
        assert_eq!(
            run("join", vec![j(r#"["one","two","three"]"#), s(";")]),
            s("one;two;three")
        );
        assert_eq!(
            run("substring", vec![s("one two three"), i(4), i(3)]),
            s("two")
        );
        assert!(reason(&run("substring", vec![s("abc"), i(2), i(5)])).contains("runs past"));
        assert_eq!(run("indexOf", vec![s("test"), s("t")]), i(0));
        assert_eq!(run("lastIndexOf", vec![s("test"), s("t")]), i(3));
        assert_eq!(run("indexOf", vec![s("abcdef"), s("CD")]), i(2));
        assert_eq!(run("lastIndexOf", vec![s("abcdef"), s("AB")]), i(0));
        assert_eq!(run("indexOf", vec![s("abcdef"), s("z")]), i(-1));
        assert_eq!(run("startsWith", vec![s("abcdef"), s("ab")]), b(true));
        assert_eq!(run("startsWith", vec![s("abcdef"), s("A")]), b(true));
        assert_eq!(run("startsWith", vec![s("abcdef"), s("e")]), b(false));
        assert_eq!(run("endsWith", vec![s("abcdef"), s("ef")]), b(true));
        assert_eq!(run("endsWith", vec![s("abcdef"), s("F")]), b(true));
        assert_eq!(run("endsWith", vec![s("abcdef"), s("e")]), b(false));
        assert_eq!(
            run("trim", vec![s("    one two three   ")]),
            s("one two three")
        );
        assert_eq!(
            run("padLeft", vec![s("123"), i(10), s("0")]),
            s("0000000123")
        );
        assert_eq!(run("padLeft", vec![i(7), i(3), s("0")]), s("007"));
        assert_eq!(run("uniqueString", vec![s("aaa")]), s("zavj67f3en4hc"));
        assert_eq!(
            run("uniqueString", vec![s("xxx"), s("yyy"), s("zzz")]),
            s("lghi7k5js7itq")
        );
        assert_eq!(
            run("guid", vec![s("a"), s("b"), s("c")]),
            s("a98fa280-e03f-5afa-8d8e-92d0a9c201e8")
        );
        assert_eq!(
            run(
                "format",
                vec![
                    s("{0}, {1}. Formatted number: {2:N0}"),
                    s("Hello"),
                    s("User"),
                    i(8175133)
                ]
            ),
            s("Hello, User. Formatted number: 8,175,133")
        );
    }

    #[test]
    fn partial_strings_stay_partial() {
        let unset_sub = Why::new(Cause::UnsetDeploymentSetting(
            DeploymentSetting::Subscription,
        ));
        let sub = Value::unknown(unset_sub.clone());
        let v = run(
            "concat",
            vec![
                s("/subscriptions/"),
                sub.clone(),
                s("/resourceGroups/rg-golden"),
            ],
        );
        let Kind::Partial(parts) = &v.kind else {
            panic!("{v:?}")
        };
        assert_eq!(parts.len(), 3);
        assert_eq!(
            v.display(),
            "/subscriptions/<unknown>/resourceGroups/rg-golden"
        );
        let lower = run("toLower", vec![v.clone()]);
        assert_eq!(
            lower.display(),
            "/subscriptions/<unknown>/resourcegroups/rg-golden"
        );
        assert_eq!(
            run("startsWith", vec![v.clone(), s("/SUBSCRIPTIONS/")]),
            b(true)
        );
        assert_eq!(
            run("startsWith", vec![v.clone(), s("/providers/")]),
            b(false)
        );
        assert_eq!(run("endsWith", vec![v.clone(), s("rg-golden")]), b(true));
        // Cannot decide: the known prefix is shorter than what is asked.
        let r = reason(&run(
            "startsWith",
            vec![v.clone(), s("/subscriptions/0000")],
        ));
        assert!(r.contains("subscription"), "{r}");
        // Functions that need the whole string carry the hole's reason forward.
        assert_eq!(why_of(&run("uniqueString", vec![v])), unset_sub);
        assert_eq!(why_of(&run("concat", vec![sub.clone(), sub])), unset_sub);
        let f = run("format", vec![s("{0}/x"), unk("u")]);
        assert_eq!(
            f.kind,
            Kind::Partial(vec![Part::Hole(unset("u")), Part::Text("/x".into())])
        );
    }

    #[test]
    fn budgets_and_errors() {
        let big = s(&"x".repeat(600 * 1024));
        assert!(reason(&run("concat", vec![big.clone(), big.clone()])).contains("budget"));
        assert!(reason(&run("padLeft", vec![s("a"), i(i64::MAX), s("0")])).contains("budget"));
        assert!(reason(&run("replace", vec![big, s("x"), s("yy")])).contains("budget"));
        assert!(reason(&run("toLower", vec![i(1)])).contains("expected a string"));
        assert!(reason(&run("padLeft", vec![s("a"), i(3), s("ab")])).contains("one character"));
        assert!(reason(&run("concat", vec![s("a"), j("{}")])).contains("object"));
    }
}
