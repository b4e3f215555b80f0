//! Emitters: the report in each output format, each behind one trait ([`Emitter`]) and made
//! from the format and the command line's options by [`emitter`].

mod azure;
mod concise;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod sarif;
mod text;

pub use azure::Azure;
pub use concise::Concise;
pub use github::{Github, StepSummary};
pub use gitlab::Gitlab;
pub use human::{Colour, Filtered, Human, HumanOptions, use_colour};
pub use json::Json;
pub use junit::Junit;
pub use sarif::{DEFAULT_CATEGORY, Sarif};
pub(crate) use text::masked;
pub use text::{Syntax, defuse, visible};

use std::io::{self, Write};

use crate::report::Report;

/// Items written as a sequence as they are made, one at a time: a format's view of each
/// finding (borrowing it, with the few texts it composes) is never held for all findings
/// at once, so writing a large report holds no second copy of it. Written as a `Vec` of
/// the items would be.
pub(crate) struct Streamed<I>(pub(crate) I);

impl<I> serde::Serialize for Streamed<I>
where
    I: Iterator + Clone,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.clone())
    }
}

/// An output format: writes the run's report to the output (standard output, or the file
/// `--output` names). What a format needs besides the report (colour, the filter, GitHub's
/// step summary) is in the implementing struct.
pub trait Emitter {
    /// Writes `report` to `out`; an error is a report not written in full (a closed pipe, a
    /// full disk), which the caller turns into a run that did not happen.
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;

    /// Writes what the format writes besides its output, once that is written in full (the
    /// GitHub format's step summary), and returns a warning for each thing that could not be
    /// written: those are extra, and never fail the run. Nothing, by default.
    fn finish(&self, report: &Report) -> Vec<String> {
        let _ = report;
        Vec::new()
    }
}

/// The emitter of `format`, with the options the command line gave: the human format's
/// colour, quietness and filter (the GitHub format says what the filter left out too). The
/// GitHub format appends its step summary where `step_summary` says (the runner's variables,
/// [`StepSummary::from_vars`]). SARIF's run is of code-scanning `category`.
pub fn emitter(
    format: Format,
    options: HumanOptions,
    step_summary: Option<StepSummary>,
    category: &str,
) -> Box<dyn Emitter> {
    match format {
        Format::Human => Box::new(Human::new(options)),
        Format::Json => Box::new(Json),
        Format::Sarif => Box::new(Sarif::new(category)),
        Format::Github => Box::new(Github::new(options.filter, step_summary)),
        Format::Concise => Box::new(Concise),
        Format::Azure => Box::new(Azure),
        Format::Gitlab => Box::new(Gitlab),
        Format::Junit => Box::new(Junit),
    }
}

/// An output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source excerpts with carets, rustc/ruff style, and a summary block.
    #[default]
    Human,
    /// One versioned JSON object.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning, editors).
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// One line per finding (`path:line:column: severity[rule] message`), then the summary.
    Concise,
    /// Azure Pipelines logging commands (a `task.logissue` per finding).
    Azure,
    /// A GitLab Code Quality report (JSON).
    Gitlab,
    /// JUnit XML (test dashboards: Azure Pipelines, GitLab, Jenkins).
    Junit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_one_emitter_writing_what_its_function_renders() {
        let report = Report::default();
        let emitted = |format| {
            let mut out = Vec::new();
            emitter(format, HumanOptions::default(), None, DEFAULT_CATEGORY)
                .emit(&report, &mut out)
                .expect("written");
            String::from_utf8(out).expect("UTF-8")
        };
        let mut json = Vec::new();
        self::json::json(&report, &mut json).expect("written");
        assert_eq!(emitted(Format::Json).as_bytes(), json);
        let mut sarif = Vec::new();
        self::sarif::sarif(&report, DEFAULT_CATEGORY, &mut sarif).expect("written");
        assert_eq!(emitted(Format::Sarif).as_bytes(), sarif);
        assert_eq!(
            emitted(Format::Human),
            human::human(&report, &HumanOptions::default())
        );
        assert_eq!(emitted(Format::Github), github::github(&report));
        assert_eq!(emitted(Format::Concise), concise::concise(&report));
        assert_eq!(emitted(Format::Azure), azure::azure(&report));
        assert_eq!(
            emitted(Format::Gitlab),
            gitlab::gitlab(&report).expect("JSON")
        );
        assert_eq!(emitted(Format::Junit), junit::junit(&report));
        // What a filter left out is said in the GitHub log too.
        let filter = Filtered {
            shown: crate::rules::Rule::ALL[..1].to_vec(),
            hidden: Vec::new(),
        };
        let mut out = Vec::new();
        Github::new(Some(filter.clone()), None)
            .emit(&report, &mut out)
            .expect("written");
        let text = String::from_utf8(out).expect("UTF-8");
        assert!(text.ends_with(&format!("imagegate: {}\n", filter.describe())));
        // Without a step summary to write, nothing is left to do.
        assert!(Github::new(None, None).finish(&report).is_empty());
    }
}
