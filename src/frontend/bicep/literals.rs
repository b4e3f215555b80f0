//! How Bicep (a `.bicep` or `.bicepparam` file) writes what a fix rewrites (#26): strings in
//! single quotes with `\`, `'`, `${` and control characters escaped as the compiler reads them
//! (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/data-types#strings>), an
//! interpolated string's text after its last `${…}`, and an object of one `id` member
//! (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/data-types#objects>).

use super::lexer::{Token, TokenKind, lex_within, try_string_value};
use crate::frontend::ObjectLayout;
use crate::model::LiteralSyntax;

/// Bicep's way of writing what a fix rewrites.
pub(crate) const LITERALS: LiteralSyntax = LiteralSyntax {
    rewrite,
    retail,
    id_object,
};

/// The string `written` (one string token, no interpolation), whose text is `old`, written
/// with the text `new`.
fn rewrite(written: &str, old: &str, new: &str) -> Option<String> {
    let tokens = string_tokens(written)?;
    let [only] = tokens.as_slice() else {
        return None;
    };
    (only.kind == TokenKind::StringComplete && try_string_value(written, only)?.as_ref() == old)
        .then(|| quote(new))
}

/// The string `written` (interpolated or not, in single quotes), whose text after its last
/// interpolation ends with `old`, written with that end `new` instead: the tokens before its
/// last piece as they are, the last piece written anew.
fn retail(written: &str, old: &str, new: &str) -> Option<String> {
    // A verbatim string (`'''…'''`) has no escapes: it is not written anew.
    if written.starts_with("'''") || written.starts_with('$') {
        return None;
    }
    let tokens = string_tokens(written)?;
    let last = tokens.last()?;
    let opener = match last.kind {
        TokenKind::StringComplete if tokens.len() == 1 => '\'',
        TokenKind::StringRightPiece => '}',
        _ => return None,
    };
    let text = try_string_value(written, last)?;
    let kept = text.strip_suffix(old)?;
    let start = last.span.start as usize;
    Some(format!(
        "{}{opener}{}'",
        written.get(..start)?,
        escaped(&format!("{kept}{new}"))
    ))
}

/// The object at bytes `object` of `text` replaced by `{ id: '<id>' }`, laid out as it was.
fn id_object(text: &str, object: std::ops::Range<usize>, id: &str) -> Option<String> {
    let layout = ObjectLayout::of(text, object)?;
    Some(layout.write(&format!("id: {}", quote(id))))
}

/// The tokens of `written` when it is exactly one string (its pieces and what is interpolated
/// between them), lexed without error.
fn string_tokens(written: &str) -> Option<Vec<Token>> {
    let lexed = lex_within(written, usize::MAX);
    if !lexed.errors.is_empty() || lexed.beyond.is_some() {
        return None;
    }
    let mut tokens = lexed.tokens;
    if tokens
        .last()
        .is_some_and(|t| t.kind == TokenKind::EndOfFile)
    {
        tokens.pop();
    }
    let first = tokens.first()?;
    let last = tokens.last()?;
    let one_string = first.span.start == 0
        && last.span.end as usize == written.len()
        && matches!(
            first.kind,
            TokenKind::StringComplete | TokenKind::StringLeftPiece
        )
        && matches!(
            last.kind,
            TokenKind::StringComplete | TokenKind::StringRightPiece
        )
        && (first.kind == TokenKind::StringComplete) == (tokens.len() == 1);
    one_string.then_some(tokens)
}

/// `text` as a Bicep string, in single quotes.
fn quote(text: &str) -> String {
    format!("'{}'", escaped(text))
}

/// `text` escaped as it is written inside a Bicep string: `\`, `'`, `${` and control
/// characters.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_written_as_bicep_reads_it() {
        assert_eq!(
            rewrite("'x'", "x", "/a/'b'\\${c}$d").as_deref(),
            Some(r"'/a/\'b\'\\\${c}$d'")
        );
        // A verbatim string holding the text is rewritten as a plain one.
        assert_eq!(rewrite("'''/a'''", "/a", "/b").as_deref(), Some("'/b'"));
        // What is written must hold what the run read.
        assert_eq!(rewrite("'/a'", "/b", "/c"), None);
        assert_eq!(rewrite("'${a}/b'", "/b", "/c"), None);
        assert_eq!(rewrite("imageId", "/b", "/c"), None);
        assert_eq!(rewrite("'/a' + '/b'", "/a", "/c"), None);
    }

    #[test]
    fn an_interpolated_string_gets_a_new_end_after_its_last_interpolation() {
        assert_eq!(
            retail("'${gallery}/images/u'", "", "/versions/1.2.0").as_deref(),
            Some("'${gallery}/images/u/versions/1.2.0'")
        );
        assert_eq!(
            retail("'${g}/images/${i}/versions/1.0.0'", "1.0.0", "1.2.0").as_deref(),
            Some("'${g}/images/${i}/versions/1.2.0'")
        );
        // Escapes in the end are read, and written again.
        assert_eq!(
            retail(r"'${g}/it\'s'", "", "/x").as_deref(),
            Some(r"'${g}/it\'s/x'")
        );
        // The end must be what the run read; an interpolation is never the end.
        assert_eq!(retail("'${g}/images/u'", "/v", "/w"), None);
        assert_eq!(retail("'a${g}'", "", "/x").as_deref(), Some("'a${g}/x'"));
        assert_eq!(retail("'''${g}'''", "", "/x"), None);
    }

    #[test]
    fn an_object_becomes_one_id_member_laid_out_as_it_was() {
        let text =
            "resource vm 'x' = {\n  imageReference: {\n    publisher: 'p'\n    sku: 's'\n  }\n}";
        let start = text.find("{\n    p").unwrap();
        let end = text.find("  }\n}").unwrap() + 3;
        assert_eq!(
            id_object(text, start..end, "/g/i").as_deref(),
            Some("{\n    id: '/g/i'\n  }")
        );
        let one = "{ publisher: 'p', sku: 's' }";
        assert_eq!(
            id_object(one, 0..one.len(), "/g/i").as_deref(),
            Some("{ id: '/g/i' }")
        );
    }
}
