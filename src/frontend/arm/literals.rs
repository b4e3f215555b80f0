//! How ARM JSON (a template or a parameter file) writes what a fix rewrites (#26): a JSON
//! string that ARM reads as literal text (a string that starts with `[` and ends with `]` is
//! an expression, unless it starts with `[[`:
//! <https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions#escape-characters>),
//! a string inside an expression (`'…'`, a quote doubled:
//! <https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions#escape-characters>),
//! and an object of one `id` member.

use crate::eval::expr::{Classified, classify};
use crate::frontend::ObjectLayout;
use crate::model::LiteralSyntax;

/// ARM JSON's way of writing what a fix rewrites.
pub(crate) const LITERALS: LiteralSyntax = LiteralSyntax {
    rewrite,
    retail,
    id_object,
};

/// The literal `written` (a JSON string ARM reads as text, or a string inside an expression,
/// as its raw bytes in the file), whose text is `old`, written with the text `new`.
fn rewrite(written: &str, old: &str, new: &str) -> Option<String> {
    (text_of(written)? == old).then(|| write_like(written, new))?
}

/// The literal `written`, whose text ends with `old`, written with that end `new` instead.
fn retail(written: &str, old: &str, new: &str) -> Option<String> {
    let text = text_of(written)?;
    let kept = text.strip_suffix(old)?;
    write_like(written, &format!("{kept}{new}"))
}

/// The object at bytes `object` of `text` replaced by `{ "id": "<id>" }`, laid out as it was.
fn id_object(text: &str, object: std::ops::Range<usize>, id: &str) -> Option<String> {
    let layout = ObjectLayout::of(text, object)?;
    Some(layout.write(&format!("\"id\": {}", json_string(&as_json_text(id)))))
}

/// The text the literal `written` holds: a JSON string's, unescaped as ARM reads it (`None`
/// when it is an expression); a string inside an expression's (`''` is a quote).
fn text_of(written: &str) -> Option<String> {
    match written.as_bytes().first()? {
        b'"' => {
            let json = crate::json::parse(written).ok()?;
            let crate::json::JsonKind::String(s) = &json.kind else {
                return None;
            };
            match classify(s) {
                Classified::Literal(text) => Some(text.into_owned()),
                Classified::Expression { .. } => None,
            }
        }
        b'\'' => {
            let inner = written.strip_prefix('\'')?.strip_suffix('\'')?;
            // Written raw in its JSON string (the run maps such strings only): no escapes.
            if inner.contains(['\\', '"']) {
                return None;
            }
            let mut text = String::with_capacity(inner.len());
            let mut chars = inner.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\'' {
                    // A quote inside is doubled.
                    if chars.next() != Some('\'') {
                        return None;
                    }
                }
                text.push(c);
            }
            Some(text)
        }
        _ => None,
    }
}

/// `text` written as the same kind of literal as `written`.
fn write_like(written: &str, text: &str) -> Option<String> {
    match written.as_bytes().first()? {
        b'"' => Some(json_string(&as_json_text(text))),
        b'\'' => Some(json_escaped(&format!("'{}'", text.replace('\'', "''")))),
        _ => None,
    }
}

/// The JSON string text ARM reads as `text`: a leading `[` doubled when ARM would otherwise
/// read an expression.
fn as_json_text(text: &str) -> String {
    let trimmed = text.trim_end();
    if trimmed.len() >= 2 && trimmed.starts_with('[') && trimmed.ends_with(']') {
        format!("[{text}")
    } else {
        text.to_owned()
    }
}

/// `text` as a JSON string, quotes included.
fn json_string(text: &str) -> String {
    format!("\"{}\"", json_escaped(text))
}

/// `text` escaped as it is written inside a JSON string.
fn json_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_string_is_rewritten_as_json_writes_it_and_never_as_an_expression() {
        assert_eq!(
            rewrite("\"/a/b\"", "/a/b", "/a/\"b\"\\c\n").as_deref(),
            Some(r#""/a/\"b\"\\c\n""#)
        );
        // Text that would read as an expression is escaped with `[[`, and read back so.
        assert_eq!(rewrite("\"x\"", "x", "[x]").as_deref(), Some("\"[[x]\""));
        assert_eq!(rewrite("\"[[x]\"", "[x]", "y").as_deref(), Some("\"y\""));
        // What is written must hold what the run read: an expression, or other text, is not
        // rewritten.
        assert_eq!(rewrite("\"[parameters('x')]\"", "x", "y"), None);
        assert_eq!(rewrite("\"/a/c\"", "/a/b", "y"), None);
        // JSON escapes are read.
        assert_eq!(rewrite(r#""\/a""#, "/a", "/b").as_deref(), Some("\"/b\""));
    }

    #[test]
    fn a_string_inside_an_expression_is_rewritten_with_its_quotes_doubled() {
        assert_eq!(
            rewrite("'/a/it''s'", "/a/it's", "/b/it's \"x\"").as_deref(),
            Some(r#"'/b/it''s \"x\"'"#)
        );
        assert_eq!(rewrite("'a'b'", "a'b", "c"), None);
        assert_eq!(
            retail("'{0}/images/u'", "", "/versions/1.2.0").as_deref(),
            Some("'{0}/images/u/versions/1.2.0'")
        );
        assert_eq!(
            retail("\"/versions/1.0.0\"", "1.0.0", "1.2.0").as_deref(),
            Some("\"/versions/1.2.0\"")
        );
        assert_eq!(retail("'/versions/1.0.0'", "2.0.0", "1.2.0"), None);
    }

    #[test]
    fn an_object_becomes_one_id_member_laid_out_as_it_was() {
        let text = "{\n  \"a\": {\r\n    \"publisher\": \"p\",\r\n    \"sku\": \"s\"\r\n  }\n}";
        let start = text.find("{\r").unwrap();
        let end = text.rfind("}\n").unwrap() + 1;
        assert_eq!(
            id_object(text, start..end, "/g/i").as_deref(),
            Some("{\r\n    \"id\": \"/g/i\"\r\n  }")
        );
        let one = "x: { \"publisher\": \"p\", \"sku\": \"s\" }";
        assert_eq!(
            id_object(one, 3..one.len(), "/g/i").as_deref(),
            Some("{ \"id\": \"/g/i\" }")
        );
        // The closing brace after a member: the opening line's indentation.
        let tight = "    \"r\": {\n      \"sku\": \"s\" }";
        let at = tight.find('{').unwrap();
        assert_eq!(
            id_object(tight, at..tight.len(), "/g/i").as_deref(),
            Some("{\n      \"id\": \"/g/i\"\n    }")
        );
        assert_eq!(id_object("{ }", 0..3, "/g/i"), None);
    }
}
