//! `--format human`: each finding with its source lines and a caret under the span (the style
//! of rustc and ruff), notes for the chain, and a summary block: the findings by rule (like
//! ruff's `--statistics`), the totals, what was judged and the config in effect.

use std::ffi::OsStr;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{masked, visible};
use crate::findings::SuppressionKind;
use crate::report::Report;
use crate::rules::{Rule, Severity};

/// How the human report is rendered.
#[derive(Clone, Debug, Default)]
pub struct HumanOptions {
    /// ANSI colour.
    pub styled: bool,
    /// Only the findings: no summary block.
    pub quiet: bool,
    /// What `--select`/`--ignore` left out, when they were given.
    pub filter: Option<Filtered>,
}

/// `--format human`, rendered with its options.
#[derive(Clone, Debug, Default)]
pub struct Human {
    /// How it is rendered.
    options: HumanOptions,
}

impl Human {
    /// The human format rendered with `options`.
    pub fn new(options: HumanOptions) -> Human {
        Human { options }
    }
}

impl super::Emitter for Human {
    fn emit(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text = human(report, &self.options);
        out.write_all(super::defuse(&text, super::Syntax::Text).as_bytes())
    }
}

/// The findings a rule filter (`--select`/`--ignore`) left out of a report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filtered {
    /// The rules reported, in id order.
    pub shown: Vec<Rule>,
    /// The findings left out, counted by rule (in id order; rules with none are absent).
    pub hidden: Vec<(Rule, usize)>,
}

impl Filtered {
    /// Removes from `report` the findings of rules `shows` says no to, and counts them.
    pub fn apply(report: &mut Report, shows: impl Fn(Rule) -> bool) -> Filtered {
        let mut hidden: std::collections::BTreeMap<Rule, usize> = Default::default();
        report.findings.retain(|f| {
            let keep = shows(f.rule);
            if !keep {
                *hidden.entry(f.rule).or_default() += 1;
            }
            keep
        });
        Filtered {
            shown: Rule::ALL.iter().copied().filter(|&r| shows(r)).collect(),
            hidden: hidden.into_iter().collect(),
        }
    }

    /// One sentence for a person: the rules reported, and how many findings of the others
    /// were left out, e.g. `Rules reported: IG000, IG003 (--select/--ignore); 1 finding of
    /// other rules not shown (1 IG001).`
    pub fn describe(&self) -> String {
        let shown: Vec<&str> = self.shown.iter().map(|r| r.id()).collect();
        let mut out = format!("Rules reported: {} (--select/--ignore)", shown.join(", "));
        let hidden = self.hidden_count();
        if hidden > 0 {
            let each: Vec<String> = self
                .hidden
                .iter()
                .map(|(r, n)| format!("{n} {}", r.id()))
                .collect();
            out.push_str(&format!(
                "; {} of other rules not shown ({})",
                count(hidden, "finding"),
                each.join(", ")
            ));
        }
        out.push('.');
        out
    }

    /// How many findings were left out.
    pub fn hidden_count(&self) -> usize {
        self.hidden.iter().map(|(_, n)| n).sum()
    }
}

/// When to colour the human output (`--color`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Colour {
    /// On a terminal, unless `NO_COLOR` is set; anywhere when `FORCE_COLOR` is set.
    #[default]
    Auto,
    /// Always, wherever the report goes.
    Always,
    /// Never.
    Never,
}

/// Renders the report for a person.
pub(crate) fn human(report: &Report, options: &HumanOptions) -> String {
    let renderer = if options.styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for f in report.active() {
        let level = match f.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        // Template-controlled text never reaches the terminal raw.
        let path = visible(&f.location.path);
        let path = path.as_ref();
        let message = visible(&f.message);
        let label = visible(&f.label);
        let title = level
            .clone()
            .primary_title(message.as_ref())
            .id(f.rule.id());
        let origin = annotate_snippets::Origin::path(path)
            .line(f.location.line as usize)
            .char_column(f.location.column as usize);
        let source = f.excerpt.as_ref().map(|e| masked(&e.text));
        let mut group: Group<'_> = match (&f.excerpt, &source) {
            (Some(excerpt), Some(source)) => {
                let snippet = Snippet::source(source.as_ref())
                    .line_start(excerpt.line_start)
                    .fold(false)
                    .annotation(
                        AnnotationKind::Primary
                            .span(excerpt.range.clone())
                            .label(label.as_ref()),
                    );
                if excerpt.clipped {
                    // A window of a very long line: its columns are not the file's, so show
                    // the true location and the flagged text instead of a caret.
                    title.element(origin)
                } else {
                    title.element(snippet.path(path))
                }
            }
            _ => title.element(origin),
        };
        let flagged = f
            .excerpt
            .as_ref()
            .filter(|e| e.clipped)
            .map(|e| format!("{label}: {}", visible(&clip(&e.text[e.range.clone()]))));
        if let Some(text) = &flagged {
            group = group.element(Level::NOTE.message(text.as_str()));
        }
        let notes: Vec<String> = f
            .related
            .iter()
            .map(|r| {
                format!(
                    "{} ({}:{}:{})",
                    visible(&r.message),
                    visible(&r.location.path),
                    r.location.line,
                    r.location.column
                )
            })
            .collect();
        for n in &notes {
            group = group.element(Level::NOTE.message(n.as_str()));
        }
        let fix = f.help.as_deref().map(|h| visible(h).into_owned());
        if let Some(fix) = &fix {
            group = group.element(Level::HELP.message(fix.as_str()));
        }
        let help = format!("see `imagegate rules {}`", f.rule.id());
        group = group.element(Level::HELP.message(help.as_str()));
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    if !options.quiet {
        // The config's path comes from the file system: never raw to a terminal.
        for line in summary_block(report, options.filter.as_ref()).lines() {
            out.push_str(&visible(line));
            out.push('\n');
        }
    }
    out
}

/// Whether to colour the human output. `--color always` and `never` decide; `auto` colours
/// on a terminal, except that `NO_COLOR` set to a non-empty value (<https://no-color.org>)
/// turns colour off, and else `FORCE_COLOR` set to a non-empty value
/// (<https://force-color.org>) turns it on even when the output is not a terminal. That is
/// the order of `anstream` (clap's colour): the flag, then NO_COLOR, then the forcing
/// variable, then the terminal.
pub fn use_colour(
    choice: Colour,
    terminal: bool,
    no_color: Option<&OsStr>,
    force_color: Option<&OsStr>,
) -> bool {
    let set = |v: Option<&OsStr>| v.is_some_and(|v| !v.is_empty());
    match choice {
        Colour::Always => true,
        Colour::Never => false,
        Colour::Auto if set(no_color) => false,
        Colour::Auto => set(force_color) || terminal,
    }
}

fn clip(text: &str) -> String {
    const MAX: usize = 160;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// `n` and `word`, plural unless `n` is 1: "1 error", "2 errors".
fn count(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// What was judged: the resources and their compliance, or that nothing was.
fn scope(s: &crate::report::Summary) -> String {
    let unit = if s.exports_only { "export" } else { "template" };
    match s.compliance_percent {
        Some(percent) => format!(
            "Judged {} in {} ({} read): {percent}% compliant",
            count(s.resources_judged, "resource"),
            count(s.templates, unit),
            count(s.files_scanned, "file"),
        ),
        // Nothing judged is not "100% compliant": say what was (not) found.
        None if s.templates == 0 => format!(
            "Nothing was judged: no ARM template, Bicep file, Terraform configuration or plan among the {} read",
            count(s.files_scanned, "file"),
        ),
        None => format!(
            "Nothing was judged: no image-bearing resource in {} ({} read)",
            count(s.templates, unit),
            count(s.files_scanned, "file"),
        ),
    }
}

/// The block after the findings: the findings by rule (most first, then by id), the totals,
/// the rules a filter left out, what was judged and the config in effect. Deterministic.
fn summary_block(report: &Report, filter: Option<&Filtered>) -> String {
    let s = report.summary();
    let mut out = String::new();
    let mut by_rule: Vec<(usize, Rule)> = Vec::new();
    for f in report.active() {
        match by_rule.iter_mut().find(|(_, r)| *r == f.rule) {
            Some((n, _)) => *n += 1,
            None => by_rule.push((1, f.rule)),
        }
    }
    by_rule.sort_by(|(n, a), (m, b)| m.cmp(n).then(a.cmp(b)));
    let hidden = filter.map_or(0, Filtered::hidden_count);
    if !by_rule.is_empty() {
        out.push_str("Findings by rule:\n");
        let width = by_rule[0].0.to_string().len().max(5);
        for (n, rule) in &by_rule {
            out.push_str(&format!("{n:>width$}  {}  {}\n", rule.id(), rule.name()));
        }
        out.push('\n');
    }
    out.push_str(&suppressed_block(report));
    let total = report.active().count();
    let severity = |name: &str| s.findings.get(name).copied().unwrap_or(0);
    let (errors, warnings, notes) = (severity("error"), severity("warning"), severity("note"));
    out.push_str(&if total > 0 {
        found(errors, warnings, notes)
    } else if hidden > 0 {
        // Findings were left out: never "all clear".
        "No findings shown.".to_string()
    } else if s.compliance_percent.is_none() {
        "No findings.".to_string()
    } else if report.suppressed().next().is_some() {
        // What counts is clear; what does not is told on the next line: not "all clear".
        "No new findings.".to_string()
    } else {
        "All clear: no findings.".to_string()
    });
    out.push('\n');
    if let Some(line) = suppressed_line(&s) {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(filter) = filter {
        out.push_str(&filter.describe());
        out.push('\n');
    }
    out.push_str(&format!("{}.\n", scope(&s)));
    out.push_str(&format!("Config: {}.\n", report.config.describe()));
    if report.config.path.is_none() {
        out.push_str(START);
        out.push('\n');
    }
    out
}

/// The findings that do not count, never silent: each exempted finding on one line with its
/// justification (where the exemption is written, until when), then the baseline entries that
/// are gone. Findings in the baseline are only counted ([`suppressed_line`]): the baseline is
/// the record of them.
fn suppressed_block(report: &Report) -> String {
    let mut out = String::new();
    let exempted: Vec<_> = report
        .suppressed()
        .filter(|f| {
            f.suppression
                .as_ref()
                .is_some_and(|s| s.kind != SuppressionKind::Baseline)
        })
        .collect();
    if !exempted.is_empty() {
        out.push_str("Exempted (not counted):\n");
        for f in exempted {
            let Some(s) = &f.suppression else { continue };
            let mut why = match &s.justification {
                Some(j) => format!("\"{j}\""),
                None => "no reason given".to_string(),
            };
            match (&s.source, s.kind) {
                (Some(source), _) => why.push_str(&format!(", {source}")),
                (None, SuppressionKind::Inline) => why.push_str(", inline"),
                (None, _) => {}
            }
            if let Some(last) = s.expires {
                why.push_str(&format!(", until {last}"));
            }
            let l = &f.location;
            out.push_str(&visible(&format!(
                "  {}:{}:{}: {} {} ({why})",
                l.path,
                l.line,
                l.column,
                f.rule.id(),
                clip_line(&f.message)
            )));
            out.push('\n');
        }
        out.push('\n');
    }
    if let Some(baseline) = &report.baseline
        && !baseline.fixed.is_empty()
    {
        out.push_str(&format!(
            "Gone since the baseline {} (fixed, or no longer in the run):\n",
            visible(&baseline.file)
        ));
        for e in &baseline.fixed {
            let what = [e.resource.as_deref(), e.image.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&visible(&format!("  {}: {} {what}", e.path, e.rule)));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// The first 120 characters of a message, for one-line lists.
fn clip_line(message: &str) -> String {
    match message.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &message[..at]),
        None => message.to_string(),
    }
}

/// "Not counted: 2 exempted findings (1 inline, 1 by the config), 14 in the baseline
/// (.imagegate-baseline.json, 3 entries gone)."; `None` when nothing is suppressed and no
/// baseline was given.
pub(crate) fn suppressed_line(s: &crate::report::Summary) -> Option<String> {
    let n = |kind: &str| s.suppressed.get(kind).copied().unwrap_or(0);
    let (inline, config, baseline) = (n("inline"), n("exemption"), n("baseline"));
    let mut parts = Vec::new();
    if inline + config > 0 {
        let mut by = Vec::new();
        if inline > 0 {
            by.push(format!("{inline} inline"));
        }
        if config > 0 {
            by.push(format!("{config} by the config"));
        }
        parts.push(format!(
            "{} ({})",
            count(inline + config, "exempted finding"),
            by.join(", ")
        ));
    }
    if let Some(b) = &s.baseline {
        parts.push(format!(
            "{baseline} in the baseline {} ({} gone)",
            b.file,
            match b.fixed.len() {
                1 => "1 entry".to_string(),
                n => format!("{n} entries"),
            }
        ));
    }
    if s.exempt > 0 {
        parts.push(format!("{} exempt", count(s.exempt, "resource")));
    }
    (!parts.is_empty()).then(|| format!("Not counted: {}.", parts.join("; ")))
}

/// "Found 1 error and 2 warnings." (and notes, when there are some).
fn found(errors: usize, warnings: usize, notes: usize) -> String {
    if notes == 0 {
        format!(
            "Found {} and {}.",
            count(errors, "error"),
            count(warnings, "warning")
        )
    } else {
        format!(
            "Found {}, {} and {}.",
            count(errors, "error"),
            count(warnings, "warning"),
            count(notes, "note")
        )
    }
}

/// What a run on the embedded default says last: how to start a policy of one's own.
const START: &str = "To start your own policy: `imagegate init` writes an imagegate.toml naming the galleries and images in use (audit mode).";

/// One line: the counts, what was judged, and the config in effect (the GitHub format's
/// summary).
pub(crate) fn summary_line(report: &Report) -> String {
    let s = report.summary();
    let errors = s.findings.get("error").copied().unwrap_or(0);
    let warnings = s.findings.get("warning").copied().unwrap_or(0);
    let scope = scope(&s);
    let config = format!("Config: {}.", report.config.describe());
    let notes = s.findings.get("note").copied().unwrap_or(0);
    let not_counted = suppressed_line(&s).map_or_else(String::new, |l| format!(" {l}"));
    let start = if report.config.path.is_none() {
        format!(" {START}")
    } else {
        String::new()
    };
    if errors + warnings + notes == 0 && s.compliance_percent.is_none() {
        format!("No findings.{not_counted} {scope}. {config}{start}")
    } else if errors + warnings + notes == 0 && report.suppressed().next().is_some() {
        format!("No new findings.{not_counted} {scope}. {config}{start}")
    } else if errors + warnings + notes == 0 {
        format!("All clear: no findings.{not_counted} {scope}. {config}{start}")
    } else {
        format!(
            "{}{not_counted} {scope}. {config}{start}",
            found(errors, warnings, notes)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Colour, use_colour};
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        let auto = |terminal, no, force| use_colour(Colour::Auto, terminal, no, force);
        assert!(auto(true, None, None));
        assert!(auto(true, Some(OsStr::new("")), None));
        assert!(!auto(true, Some(OsStr::new("1")), None));
        assert!(!auto(false, None, None));
    }

    #[test]
    fn the_flag_then_no_color_then_force_color_then_the_terminal() {
        let (yes, empty) = (Some(OsStr::new("1")), Some(OsStr::new("")));
        // FORCE_COLOR colours where the terminal alone would not; empty is unset.
        assert!(use_colour(Colour::Auto, false, None, yes));
        assert!(use_colour(Colour::Auto, false, None, Some(OsStr::new("0"))));
        assert!(!use_colour(Colour::Auto, false, None, empty));
        // NO_COLOR wins over FORCE_COLOR.
        assert!(!use_colour(Colour::Auto, true, yes, yes));
        // The flag wins over both.
        assert!(use_colour(Colour::Always, false, yes, None));
        assert!(!use_colour(Colour::Never, true, None, yes));
    }
}
