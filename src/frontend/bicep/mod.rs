//! The Bicep frontend (issue #13), being built: the lexer and the parser are here and tested;
//! the lowering into the evaluator IR comes next, and only then does the frontend register
//! itself in `frontend::all()`. Until then nothing outside the tests calls it.

#[cfg_attr(not(test), allow(dead_code))]
mod lexer;
#[cfg_attr(not(test), allow(dead_code))]
mod parser;
#[cfg(test)]
mod printer;
#[cfg_attr(not(test), allow(dead_code))]
mod syntax;
#[cfg(test)]
mod tests;
