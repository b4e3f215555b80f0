//! How a Terraform source writes a string literal a fix may rewrite: HCL's quoted strings
//! (`"…"`, with `\` escapes, and `$${`/`%%{` for a literal `${`/`%{`)
//! (<https://developer.hashicorp.com/terraform/language/expressions/strings>). A template
//! with interpolations is not a literal: it is not rewritten.

use crate::model::LiteralSyntax;

/// The literal syntax of `.tf` and `.tfvars` files.
pub(crate) const LITERALS: LiteralSyntax = LiteralSyntax {
    rewrite,
    retail,
    id_object,
};

/// The literal `written`, whose text is `old`, written so that its text is `new`.
fn rewrite(written: &str, old: &str, new: &str) -> Option<String> {
    (text_of(written)? == old).then(|| quoted(new))
}

/// The literal `written`, whose text ends with `old`, written with that end `new` instead.
fn retail(written: &str, old: &str, new: &str) -> Option<String> {
    let text = text_of(written)?;
    let kept = text.strip_suffix(old)?;
    Some(quoted(&format!("{kept}{new}")))
}

/// A reference block is no object of one `id` member in Terraform (the ID is another
/// argument, `source_image_id`): not rewritten.
fn id_object(_text: &str, _object: std::ops::Range<usize>, _id: &str) -> Option<String> {
    None
}

/// The text of the quoted string literal `written` (`None`: not one, or a template).
fn text_of(written: &str) -> Option<String> {
    if !written.starts_with('"') {
        return None;
    }
    match hcl_edit::parser::parse_expr(written).ok()? {
        hcl_edit::expr::Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}

/// `text` as an HCL quoted string.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_rewritten_as_hcl_writes_them() {
        assert_eq!(
            rewrite("\"Canonical\"", "Canonical", "MicrosoftWindowsServer").as_deref(),
            Some("\"MicrosoftWindowsServer\"")
        );
        assert_eq!(rewrite("\"a\"", "b", "c"), None, "not what the run read");
        assert_eq!(rewrite("\"${var.x}\"", "x", "y"), None, "a template");
        assert_eq!(
            retail("\"/images/web/versions/1.0.0\"", "1.0.0", "1.2.0").as_deref(),
            Some("\"/images/web/versions/1.2.0\"")
        );
        assert_eq!(quoted("a\"b\\c${d}%{e}"), "\"a\\\"b\\\\c$${d}%%{e}\"");
        assert_eq!(
            text_of(&quoted("a\"b\\c${d}%{e}\n")).as_deref(),
            Some("a\"b\\c${d}%{e}\n")
        );
    }
}
