//! The Bicep frontend (issue #13), being built: the lexer is here and tested; the parser and
//! the lowering into the evaluator IR come next, and only then does the frontend register
//! itself in `frontend::all()`. Until then nothing outside the tests calls it.

#[cfg_attr(not(test), allow(dead_code))]
mod lexer;
#[cfg_attr(not(test), allow(dead_code))]
mod syntax;
