//! ARM deployment templates: classification, parameter files, lowering and expansion
//! (evaluation) into the model; linked templates are read by [`crate::frontend::links`], behind the [`Arm`] frontend.

mod classify;
mod dialect;
mod embedded;
mod frontend;
pub(crate) mod lower;
mod params;
mod relations;

pub(crate) use frontend::Arm;
#[cfg(test)]
pub(crate) use params::parameter_values;

/// How ARM JSON (a template or a parameter file) writes `text` as a string literal: a JSON
/// string, escaped as JSON escapes it. `None` for text that ARM would read as an expression
/// (`[…]`): an image ID never is one, and a fix never writes one.
pub(crate) fn quote(text: &str) -> Option<String> {
    if text.starts_with('[') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
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
    out.push('"');
    Some(out)
}

#[cfg(test)]
mod quote_tests {
    #[test]
    fn a_string_is_written_as_json_writes_it_and_never_as_an_expression() {
        assert_eq!(
            super::quote("/a/\"b\"\\c\n").as_deref(),
            Some(r#""/a/\"b\"\\c\n""#)
        );
        assert_eq!(super::quote("[parameters('x')]"), None);
    }
}
