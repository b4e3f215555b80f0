//! The Bicep frontend (issue #13): a hand-written lexer and recursive-descent parser that
//! build the compiler's own syntax tree (`lexer`, `parser`, `syntax`; checked token for token
//! and node for node against the compiler's baselines by `tests`), and the lowering of that
//! tree into the evaluator IR (`lower`), so that Bicep is judged by the same evaluator, rules
//! and emitters as ARM JSON (`frontend`).

mod catalogue;
mod config;
mod frontend;
mod lexer;
mod literals;
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

pub(crate) use literals::LITERALS;

/// Reads no file: what a lowering measured alone by [`parse_and_lower`] is given, so that it
/// times one file's own parse and lowering (a module's outputs and imported symbols are
/// unknown, as when their file cannot be read).
struct ReadsNothing;

impl lower::ReadBeside for ReadsNothing {
    fn read(&self, _relative: &str) -> Result<String, String> {
        Err("not read when measured alone".to_owned())
    }
}

/// Parses `text` as a `.bicep` file and lowers it into the evaluator IR, as a run does for
/// each Bicep template (syntax errors leave what they damage unknown), reading no other file;
/// the count of lowered resources, parameters and variables and of syntax errors, so that the
/// work cannot be optimised away. Public, hidden, only for `benches/bicep_parser.rs`
/// (`parse_lower_corpus`, issue #28): the frontend is private to the crate.
#[doc(hidden)]
pub fn parse_and_lower(text: &str) -> usize {
    let parsed = parser::parse_within(text, parser::MAX_TOKENS);
    let damaged: Vec<std::ops::Range<u32>> = parsed.errors.iter().map(|e| e.at.clone()).collect();
    let template = lower::template(
        parsed.root(),
        crate::source::FileId(0),
        text,
        &damaged,
        &ReadsNothing,
    );
    template.resources.len() + template.parameters.len() + template.variables.len() + damaged.len()
}
