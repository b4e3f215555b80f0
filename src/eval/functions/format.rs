//! .NET composite formatting (`format('{0:N0} {1,-5}', ...)`) in the invariant culture.

use super::{Ctx, R};
use crate::eval::ops::{Pieces, format_float, to_string_parts};
use crate::value::{CallProblem, Kind, Part, Value};

/// Formats `args` into `fmt` like .NET's `string.Format(CultureInfo.InvariantCulture, ...)`.
/// Unknown arguments become holes. Records in `pieces` the runs of the result that literals
/// supplied: an argument's (when it is inserted as it is: no format specifier, no padding)
/// and, when the format string is the literal at `literal`, its text after the last
/// placeholder.
pub(crate) fn dotnet_format(
    ctx: &Ctx<'_>,
    fmt: &str,
    args: &[Value],
    literal: Option<crate::source::Span>,
    pieces: &mut Pieces,
) -> R<Vec<Part>> {
    let mut parts: Vec<Part> = Vec::new();
    let mut text = String::new();
    let mut len = 0usize;
    // Bytes of known text in `parts`, and where the text after the last placeholder starts.
    let mut done = 0usize;
    let mut after_last = 0usize;
    let mut chars = fmt.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|x| x.1) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|x| x.1) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '}' => return Err(ctx.invalid(CallProblem::UnmatchedClose)),
            '{' => {
                let mut spec = String::new();
                let mut closed = false;
                for (_, d) in chars.by_ref() {
                    if d == '}' {
                        closed = true;
                        break;
                    }
                    spec.push(d);
                }
                if !closed {
                    return Err(ctx.invalid(CallProblem::UnmatchedOpen));
                }
                let (head, fmt_spec) = match spec.split_once(':') {
                    Some((h, f)) => (h, Some(f)),
                    None => (spec.as_str(), None),
                };
                let (index, align) = match head.split_once(',') {
                    Some((i, a)) => (i, Some(a)),
                    None => (head, None),
                };
                let index: usize = index
                    .trim()
                    .parse()
                    .map_err(|_| ctx.invalid(CallProblem::BadFormatItem { item: spec.clone() }))?;
                let align: i64 = match align {
                    Some(a) => a.trim().parse().map_err(|_| {
                        ctx.invalid(CallProblem::BadAlignment { item: spec.clone() })
                    })?,
                    None => 0,
                };
                if align.unsigned_abs() > ctx.limits.max_string as u64 {
                    ctx.check_len(align.unsigned_abs() as usize)?;
                }
                let Some(arg) = args.get(index) else {
                    return Err(ctx.invalid(CallProblem::MissingFormatArgument {
                        index,
                        given: args.len(),
                    }));
                };
                let item: Vec<Part> = match (&arg.kind, fmt_spec) {
                    (Kind::Int(i), Some(f)) => vec![Part::Text(format_int(ctx, *i, f)?)],
                    (Kind::Float(x), Some(f)) => vec![Part::Text(format_num(ctx, *x, f)?)],
                    _ => to_string_parts(arg, ctx.limits.max_string)
                        .ok_or_else(|| ctx.invalid(CallProblem::ArgumentTooLong))?,
                };
                let item_len: usize = item
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.chars().count(),
                        Part::Hole(_) => 0,
                    })
                    .sum();
                let width = align.unsigned_abs() as usize;
                let pad = if item.iter().all(|p| matches!(p, Part::Text(_))) {
                    width.saturating_sub(item_len)
                } else {
                    0
                };
                if align > 0 {
                    text.push_str(&" ".repeat(pad));
                }
                if fmt_spec.is_none() && pad == 0 {
                    pieces.value(done + text.len(), arg);
                }
                for p in item {
                    match p {
                        Part::Text(t) => text.push_str(&t),
                        hole => {
                            done += text.len();
                            parts.push(Part::Text(std::mem::take(&mut text)));
                            parts.push(hole);
                        }
                    }
                }
                if align < 0 {
                    text.push_str(&" ".repeat(pad));
                }
                after_last = done + text.len();
            }
            c => text.push(c),
        }
        len = len.max(text.len());
        ctx.check_len(len + parts.len())?;
    }
    if let Some(literal) = literal {
        pieces.tail(after_last, done + text.len(), literal);
    }
    parts.push(Part::Text(text));
    let total: usize = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.len(),
            Part::Hole(_) => 0,
        })
        .sum();
    ctx.check_len(total)?;
    Ok(parts)
}

fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn precision(ctx: &Ctx<'_>, spec: &str) -> R<Option<usize>> {
    let mut chars = spec.chars();
    chars.next();
    let digits = chars.as_str();
    if digits.is_empty() {
        return Ok(None);
    }
    let p: usize = digits.parse().map_err(|_| {
        ctx.invalid(CallProblem::UnsupportedSpecifier {
            spec: spec.to_owned(),
        })
    })?;
    if p > 99 {
        return Err(ctx.invalid(CallProblem::PrecisionTooLarge {
            spec: spec.to_owned(),
        }));
    }
    Ok(Some(p))
}

/// Formats an integer with a standard .NET numeric format string (N, D, X, F, G, P, E not
/// supported: E falls back to an error).
fn format_int(ctx: &Ctx<'_>, i: i64, spec: &str) -> R<String> {
    let kind = spec.chars().next().unwrap_or('G');
    let p = precision(ctx, spec)?;
    let neg = if i < 0 { "-" } else { "" };
    let abs = i.unsigned_abs().to_string();
    Ok(match kind {
        'D' | 'd' => format!("{neg}{abs:0>width$}", width = p.unwrap_or(0)),
        'X' => format!("{:0>width$X}", i, width = p.unwrap_or(0)),
        'x' => format!("{:0>width$x}", i, width = p.unwrap_or(0)),
        'N' | 'n' => {
            let p = p.unwrap_or(2);
            let frac = if p > 0 {
                format!(".{}", "0".repeat(p))
            } else {
                String::new()
            };
            format!("{neg}{}{frac}", group(&abs))
        }
        'F' | 'f' => {
            let p = p.unwrap_or(2);
            let frac = if p > 0 {
                format!(".{}", "0".repeat(p))
            } else {
                String::new()
            };
            format!("{neg}{abs}{frac}")
        }
        'G' | 'g' => i.to_string(),
        'P' | 'p' => {
            let p = p.unwrap_or(2);
            let frac = if p > 0 {
                format!(".{}", "0".repeat(p))
            } else {
                String::new()
            };
            format!("{neg}{}00{frac} %", group(&abs))
        }
        _ => {
            return Err(ctx.invalid(CallProblem::UnsupportedSpecifier {
                spec: spec.to_owned(),
            }));
        }
    })
}

fn format_num(ctx: &Ctx<'_>, x: f64, spec: &str) -> R<String> {
    let kind = spec.chars().next().unwrap_or('G');
    let p = precision(ctx, spec)?;
    Ok(match kind {
        'F' | 'f' => format!("{:.*}", p.unwrap_or(2), x),
        'N' | 'n' => {
            let s = format!("{:.*}", p.unwrap_or(2), x.abs());
            let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
            let neg = if x < 0.0 { "-" } else { "" };
            if frac.is_empty() {
                format!("{neg}{}", group(int))
            } else {
                format!("{neg}{}.{frac}", group(int))
            }
        }
        'G' | 'g' => format_float(x),
        _ => {
            return Err(ctx.invalid(CallProblem::UnsupportedNumberSpecifier {
                spec: spec.to_owned(),
            }));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn f(fmt: &str, args: Vec<crate::value::Value>) -> crate::value::Value {
        let mut all = vec![s(fmt)];
        all.extend(args);
        run("format", all)
    }

    #[test]
    fn composite_formatting() {
        assert_eq!(f("{0}-{1}", vec![s("a"), i(1)]), s("a-1"));
        assert_eq!(f("{{literal}} {0}", vec![s("x")]), s("{literal} x"));
        assert_eq!(f("{0:N0}", vec![i(1234567)]), s("1,234,567"));
        assert_eq!(f("{0:N2}", vec![i(-1234)]), s("-1,234.00"));
        assert_eq!(f("{0:D3}", vec![i(7)]), s("007"));
        assert_eq!(f("vm{0:D2}", vec![i(12)]), s("vm12"));
        assert_eq!(f("{0:X}", vec![i(255)]), s("FF"));
        assert_eq!(
            f("[{0,5}][{1,-3}]", vec![s("ab"), s("c")]),
            s("[   ab][c  ]")
        );
        assert_eq!(f("{0}", vec![b(true)]), s("True"));
        assert!(reason(&f("{1}", vec![s("a")])).contains("no argument"));
        assert!(reason(&f("{0", vec![s("a")])).contains("unmatched"));
        assert!(reason(&f("}", vec![])).contains("unmatched"));
        assert!(reason(&f("{0:\u{e9}5}", vec![i(1)])).contains("unsupported"));
    }
}
