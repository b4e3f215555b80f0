//! The Bicep frontend (issue #13): a hand-written lexer and recursive-descent parser that
//! build the compiler's own syntax tree (`lexer`, `parser`, `syntax`; checked token for token
//! and node for node against the compiler's baselines by `tests`), and the lowering of that
//! tree into the evaluator IR (`lower`), so that Bicep is judged by the same evaluator, rules
//! and emitters as ARM JSON (`frontend`).

mod catalogue;
mod config;
mod frontend;
mod lexer;
mod lower;
mod parser;
#[cfg(test)]
mod printer;
mod registry;
mod relations;
mod syntax;
#[cfg(test)]
mod tests;

pub(crate) use frontend::Bicep;

/// How Bicep writes `text` as a string literal: single quotes, with `\`, `'`, `${` and control
/// characters escaped as the Bicep compiler reads them
/// (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/data-types#strings>).
pub(crate) fn quote(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
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
    out.push('\'');
    Some(out)
}

#[cfg(test)]
mod quote_tests {
    #[test]
    fn a_string_is_written_as_bicep_reads_it() {
        assert_eq!(
            super::quote("/a/'b'\\${c}$d").as_deref(),
            Some(r"'/a/\'b\'\\\${c}$d'")
        );
    }
}
