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
