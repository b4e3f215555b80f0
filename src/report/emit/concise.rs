//! `--format concise`: one line per finding (`path:line:column: severity[rule] message`), as
//! ruff's concise output, then the summary line: for a terminal, `grep` and editors' "errors
//! in a file list" that jump to `path:line:column`.

use std::fmt::Write as _;

use crate::report::Report;

/// `--format concise`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Concise;

impl super::Emitter for Concise {
    fn emit(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(concise(report).as_bytes())
    }
}

/// One line per finding that counts, then the summary line.
pub(crate) fn concise(report: &Report) -> String {
    let mut out = String::new();
    for f in report.active() {
        let l = &f.location;
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            super::visible(&l.path),
            l.line,
            l.column,
            f.severity.as_str(),
            f.rule.id(),
            super::visible(&f.message)
        );
    }
    let _ = writeln!(
        out,
        "{}",
        super::visible(&super::human::summary_line(report))
    );
    super::defuse(&out, super::Syntax::Text).into_owned()
}
