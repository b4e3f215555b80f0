//! Encoding functions: base64, base64ToString, base64ToJson, json, uri, uriComponent,
//! uriComponentToString, dataUri, dataUriToString.

use super::{Ctx, R, string, val};
use crate::eval::hash::{base64_decode, base64_encode};
use crate::json::Json;
use crate::value::{CallProblem, Kind, Part, Value, string_from_parts};

pub(super) fn call(ctx: &Ctx<'_>, lname: &str, args: &[Value]) -> Option<R<Value>> {
    let one = |f: fn(&Ctx<'_>, &str) -> R<Value>| -> R<Value> {
        ctx.arity(args, 1, 1)?;
        f(ctx, ctx.str(&args[0])?)
    };
    Some(match lname {
        "base64" => one(|_, s| Ok(string(base64_encode(s.as_bytes())))),
        "base64tostring" => one(|ctx, s| decode_b64(ctx, s).map(string)),
        "base64tojson" => one(|ctx, s| decode_b64(ctx, s).and_then(|t| json(ctx, &t))),
        "json" => one(json),
        "uricomponent" => one(|_, s| Ok(string(escape(s)))),
        "uricomponenttostring" => one(|ctx, s| {
            unescape(s)
                .map(string)
                .ok_or_else(|| ctx.invalid(CallProblem::MalformedPercentEncoding))
        }),
        "datauri" => one(|_, s| {
            Ok(string(format!(
                "data:text/plain;charset=utf8;base64,{}",
                base64_encode(s.as_bytes())
            )))
        }),
        "datauritostring" => one(data_uri_to_string),
        "uri" => ctx.arity(args, 2, 2).and_then(|_| {
            // An unknown base (typically the deploying template's own link) with a relative
            // path: the result is that base's folder followed by the path, kept as a partial
            // string so a local file can still be found.
            if let (Kind::Unknown(why), Some(rel)) = (&args[0].kind, args[1].as_parts()) {
                let relative = matches!(rel.first(), Some(Part::Text(t)) if !t.contains("://") && !t.starts_with('/'));
                if relative {
                    let mut parts = vec![Part::Hole(why.clone())];
                    parts.extend(rel);
                    return Ok(val(string_from_parts(parts)));
                }
            }
            let base = ctx.str(&args[0])?;
            let rel = ctx.str(&args[1])?;
            uri(ctx, base, rel).map(string)
        }),
        _ => return None,
    })
}

fn decode_b64(ctx: &Ctx<'_>, s: &str) -> R<String> {
    let bytes = base64_decode(s).ok_or_else(|| ctx.invalid(CallProblem::NotBase64))?;
    String::from_utf8(bytes).map_err(|_| ctx.invalid(CallProblem::NotUtf8))
}

/// Converts a parsed JSON node into a computed value (spans are meaningless here).
pub(crate) fn json_to_value(node: &Json) -> Value {
    crate::value::json::json_value(node, &|_| crate::value::Origin::default())
}

fn json(ctx: &Ctx<'_>, s: &str) -> R<Value> {
    if s.trim().is_empty() {
        return Ok(val(Kind::Null));
    }
    match crate::json::parse_within(s, ctx.limits.max_document_values) {
        Ok(node) => Ok(json_to_value(&node)),
        Err(e) => Err(ctx.invalid(CallProblem::NotJson { error: e.message })),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (like .NET's
/// `Uri.EscapeDataString`).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `s` with its `%XX` escapes decoded (`uriComponentToString`, and a `file:` URI's path);
/// `None` when the bytes are not UTF-8.
pub(crate) fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn data_uri_to_string(ctx: &Ctx<'_>, s: &str) -> R<Value> {
    let rest = s
        .strip_prefix("data:")
        .ok_or_else(|| ctx.invalid(CallProblem::NotDataUri))?;
    let (meta, data) = rest
        .split_once(',')
        .ok_or_else(|| ctx.invalid(CallProblem::DataUriWithoutComma))?;
    if meta.split(';').any(|p| p.eq_ignore_ascii_case("base64")) {
        decode_b64(ctx, data).map(string)
    } else {
        unescape(data)
            .map(string)
            .ok_or_else(|| ctx.invalid(CallProblem::MalformedPercentEncoding))
    }
}

/// Combines a base URI and a relative one (RFC 3986 reference resolution, simplified).
fn uri(ctx: &Ctx<'_>, base: &str, rel: &str) -> R<String> {
    let Some(scheme_end) = base.find("://") else {
        return Err(ctx.invalid(CallProblem::NotAbsoluteUri {
            uri: base.to_owned(),
        }));
    };
    if rel.contains("://") {
        return Ok(rel.to_owned());
    }
    let authority_end = base[scheme_end + 3..]
        .find(['/', '?', '#'])
        .map_or(base.len(), |i| scheme_end + 3 + i);
    if rel.starts_with("//") {
        return Ok(format!("{}{rel}", &base[..scheme_end + 1]));
    }
    if let Some(abs) = rel.strip_prefix('/') {
        return Ok(format!("{}/{abs}", &base[..authority_end]));
    }
    let path_end = base[authority_end..]
        .find(['?', '#'])
        .map_or(base.len(), |i| authority_end + i);
    let path = &base[authority_end..path_end];
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    };
    Ok(format!("{}{dir}{rel}", &base[..authority_end]))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn docs_examples() {
        assert_eq!(
            run("base64", vec![s("one, two, three")]),
            s("b25lLCB0d28sIHRocmVl")
        );
        assert_eq!(
            run("base64ToString", vec![s("b25lLCB0d28sIHRocmVl")]),
            s("one, two, three")
        );
        assert_eq!(
            run("base64ToJson", vec![s("eyJvbmUiOiAiYSIsICJ0d28iOiAiYiJ9")]),
            j(r#"{"one":"a","two":"b"}"#)
        );
        assert_eq!(
            run("dataUri", vec![s("Hello")]),
            s("data:text/plain;charset=utf8;base64,SGVsbG8=")
        );
        assert_eq!(
            run(
                "dataUriToString",
                vec![s("data:;base64,SGVsbG8sIFdvcmxkIQ==")]
            ),
            s("Hello, World!")
        );
        assert_eq!(
            run(
                "uri",
                vec![
                    s("http://contoso.com/resources/"),
                    s("nested/azuredeploy.json")
                ]
            ),
            s("http://contoso.com/resources/nested/azuredeploy.json")
        );
        assert_eq!(
            run(
                "uri",
                vec![s("http://contoso.org/firstpath"), s("myscript.sh")]
            ),
            s("http://contoso.org/myscript.sh")
        );
        assert_eq!(
            run(
                "uri",
                vec![s("http://contoso.org/firstpath/"), s("myscript.sh")]
            ),
            s("http://contoso.org/firstpath/myscript.sh")
        );
        assert_eq!(
            run("uri", vec![s("http://contoso.org/a/b"), s("/x")]),
            s("http://contoso.org/x")
        );
        assert_eq!(
            run(
                "uriComponent",
                vec![s("http://contoso.com/resources/nested/azuredeploy.json")]
            ),
            s("http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json")
        );
        assert_eq!(
            run(
                "uriComponentToString",
                vec![s(
                    "http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json"
                )]
            ),
            s("http://contoso.com/resources/nested/azuredeploy.json")
        );
        assert_eq!(
            run("json", vec![s(r#"{"a": [1, true]}"#)]),
            j(r#"{"a":[1,true]}"#)
        );
        assert_eq!(run("json", vec![s("null")]), j("null"));
        assert_eq!(run("json", vec![s("1.5")]), j("1.5"));
        assert!(reason(&run("json", vec![s("{")])).contains("not valid JSON"));
        assert!(reason(&run("base64ToString", vec![s("@@")])).contains("base64"));
    }
}
