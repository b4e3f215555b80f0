//! `imagegate rules`: the rules, or one rule's documentation.

use super::{Exit, Failure, Io};
use crate::cli::RulesArgs;
use crate::rules::Rule;

pub(super) fn rules(args: RulesArgs, io: &mut Io<'_>) -> Result<Exit, Failure> {
    let text = match args.rule {
        Some(key) => {
            let rule = Rule::find(&key).ok_or(Failure::UnknownRule(key))?;
            let d = rule.doc();
            format!(
                "# {} ({})\n\nDefault severity: {}. {}\n\n{}",
                d.name,
                d.id,
                d.severity.as_str(),
                d.summary,
                d.body
            )
        }
        None => {
            let mut out = String::new();
            for r in Rule::ALL {
                let d = r.doc();
                out.push_str(&format!(
                    "{}  {:<24} {:<8} {}\n",
                    d.id,
                    d.name,
                    d.severity.as_str(),
                    d.summary
                ));
            }
            out
        }
    };
    io.print(&text, crate::report::emit::Syntax::Text)?;
    Ok(Exit::Success)
}
