//! `--format github`: GitHub Actions workflow commands, one per finding, and a Markdown
//! summary for the job's summary page (`$GITHUB_STEP_SUMMARY`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::findings::Finding;
use crate::report::Report;
use crate::rules::{Rule, Severity};

/// How many annotations of each type (errors, warnings, notices) GitHub shows for one step;
/// the rest of the commands are in the log, but not on the pull request.
const ANNOTATIONS_PER_TYPE: usize = 10;

/// `--format github`: the commands, then what a filter left out; and the Markdown summary
/// appended to the job's summary page.
#[derive(Clone, Debug, Default)]
pub struct Github {
    /// What `--select`/`--ignore` left out, when they were given: said in the log.
    filter: Option<super::Filtered>,
    /// Where to append the step summary, when the runner says (`GITHUB_STEP_SUMMARY`).
    step_summary: Option<StepSummary>,
}

/// Where the runner wants the job's summary, and what its links point at: the runner's
/// variables, read by the caller (the library reads no environment).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepSummary {
    /// `GITHUB_STEP_SUMMARY`: the file the summary is appended to.
    pub path: std::path::PathBuf,
    /// `GITHUB_SERVER_URL`.
    pub server_url: Option<String>,
    /// `GITHUB_REPOSITORY`.
    pub repository: Option<String>,
    /// `GITHUB_SHA`.
    pub sha: Option<String>,
}

impl StepSummary {
    /// The step summary the runner's variables describe (`var` reads one), when
    /// `GITHUB_STEP_SUMMARY` is set and not empty.
    pub fn from_vars(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<StepSummary> {
        let path = var("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())?;
        let text = |name: &str| var(name).and_then(|v| v.into_string().ok());
        Some(StepSummary {
            path: path.into(),
            server_url: text("GITHUB_SERVER_URL"),
            repository: text("GITHUB_REPOSITORY"),
            sha: text("GITHUB_SHA"),
        })
    }
}

impl Github {
    /// The GitHub format, saying what `filter` left out; with `step_summary`, it appends
    /// the Markdown summary to the file the runner names.
    pub fn new(filter: Option<super::Filtered>, step_summary: Option<StepSummary>) -> Github {
        Github {
            filter,
            step_summary,
        }
    }
}

impl super::Emitter for Github {
    fn emit(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut text = github(report);
        // The log says what a filter left out (not a command: shown as is).
        if let Some(filter) = &self.filter {
            let _ = writeln!(text, "imagegate: {}", filter.describe());
        }
        out.write_all(super::defuse(&text, super::Syntax::Commands).as_bytes())
    }

    fn finish(&self, report: &Report) -> Vec<String> {
        // The job summary is extra: a runner that gives no usable file loses it, not the run.
        let Some(summary) = &self.step_summary else {
            return Vec::new();
        };
        match write_step_summary(report, summary) {
            Ok(_) => Vec::new(),
            Err(e) => vec![e.to_string()],
        }
    }
}

/// Renders the findings as `::error file=…,line=…::message` commands, then the human summary
/// line (counts and the config in effect) as a plain log line, and, when GitHub will not show
/// every finding as an annotation, a line saying how many it leaves out.
pub(crate) fn github(report: &Report) -> String {
    let mut out = String::new();
    for f in report.active() {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let l = &f.location;
        let mut props = format!("file={},line={}", property(&l.path), l.line);
        if l.line == l.end_line {
            let _ = write!(props, ",col={},endColumn={}", l.column, l.end_column);
        } else {
            let _ = write!(props, ",endLine={}", l.end_line);
        }
        let title = format!("{} ({})", f.rule.id(), f.rule.name());
        let _ = writeln!(
            out,
            "::{command} {props},title={}::{}",
            property(&title),
            data(&match &f.help {
                Some(help) => format!("{}. Fix: {help}.", f.message),
                None => f.message.clone(),
            })
        );
    }
    // Not a command: the workflow log shows it as is.
    let summary = super::human::summary_line(report);
    let _ = writeln!(out, "imagegate: {}", super::visible(&summary));
    if let Some(line) = not_annotated_line(report) {
        let _ = writeln!(out, "imagegate: {line}");
    }
    out
}

/// How many findings GitHub will not show as annotations: beyond the first
/// [`ANNOTATIONS_PER_TYPE`] of each type.
fn not_annotated(report: &Report) -> usize {
    let mut per_type = [0usize; 3];
    for f in report.active() {
        per_type[f.severity as usize] += 1;
    }
    per_type
        .iter()
        .map(|&n| n.saturating_sub(ANNOTATIONS_PER_TYPE))
        .sum()
}

/// The sentence saying how many findings are not annotations, if any are not.
fn not_annotated_line(report: &Report) -> Option<String> {
    let n = not_annotated(report);
    (n > 0).then(|| {
        let (s, are) = if n == 1 { ("", "is") } else { ("s", "are") };
        format!(
            "{n} more finding{s} {are} not shown as annotations (GitHub shows {ANNOTATIONS_PER_TYPE} \
             errors, {ANNOTATIONS_PER_TYPE} warnings and {ANNOTATIONS_PER_TYPE} notices per \
             step); see the step summary or the SARIF report (--format sarif)"
        )
    })
}

/// Most findings the Markdown summary lists (errors first).
const SUMMARY_FINDINGS: usize = 20;
/// Most files the Markdown summary lists.
const SUMMARY_FILES: usize = 100;
/// Most characters of a message in the summary's table.
const SUMMARY_MESSAGE_CHARS: usize = 400;

/// The run as Markdown for the job's summary page: the counts and the config in effect, the
/// findings per rule and severity, the first [`SUMMARY_FINDINGS`] findings (errors first) and
/// the findings per file. `blob` is the URL files are linked under (see [`blob_base`]); `None`
/// writes locations as text. Every text a template controls is made visible
/// ([`super::visible`]) and Markdown-escaped.
pub(crate) fn github_summary(report: &Report, blob: Option<&str>) -> String {
    let mut out = String::from("## imagegate\n\n");
    let _ = writeln!(out, "{}\n", markdown(&super::human::summary_line(report)));
    if report.active().next().is_none() {
        return out;
    }
    // Per rule and severity.
    let mut per_rule: BTreeMap<Rule, [usize; 3]> = BTreeMap::new();
    for f in report.active() {
        per_rule.entry(f.rule).or_default()[f.severity as usize] += 1;
    }
    out.push_str("| Rule | Errors | Warnings | Notes |\n|---|---:|---:|---:|\n");
    for (rule, [e, w, n]) in &per_rule {
        let _ = writeln!(out, "| {} ({}) | {e} | {w} | {n} |", rule.id(), rule.name());
    }
    // The first findings, errors first.
    let mut first: Vec<&Finding> = report.active().collect();
    first.sort_by_key(|f| f.severity);
    let _ = writeln!(
        out,
        "\n### Findings\n\n| Severity | Rule | Location | Message |\n|---|---|---|---|"
    );
    for f in first.iter().take(SUMMARY_FINDINGS) {
        let location = place_link(blob, &f.location);
        let _ = writeln!(
            out,
            "| {} | {} | {location} | {} |",
            f.severity.as_str(),
            f.rule.id(),
            markdown(&clip(&f.message, SUMMARY_MESSAGE_CHARS))
        );
    }
    if first.len() > SUMMARY_FINDINGS {
        let _ = writeln!(
            out,
            "\n{} more findings: see the annotations, the log or the SARIF report.",
            first.len() - SUMMARY_FINDINGS
        );
    }
    suggestions(&mut out, report, blob);
    // Per file.
    let mut per_file: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for f in report.active() {
        per_file.entry(&f.location.path).or_default()[f.severity as usize] += 1;
    }
    let _ = writeln!(
        out,
        "\n### Files\n\n| File | Errors | Warnings | Notes |\n|---|---:|---:|---:|"
    );
    for (path, [e, w, n]) in per_file.iter().take(SUMMARY_FILES) {
        let name = markdown(path);
        let file = match link(blob, path, 0) {
            Some(url) => format!("[{name}]({url})"),
            None => name,
        };
        let _ = writeln!(out, "| {file} | {e} | {w} | {n} |");
    }
    if per_file.len() > SUMMARY_FILES {
        let _ = writeln!(
            out,
            "\n{} more files with findings are not listed.",
            per_file.len() - SUMMARY_FILES
        );
    }
    if let Some(line) = not_annotated_line(report) {
        let _ = writeln!(out, "\n{}", markdown(&line));
    }
    out
}

/// Most characters of each side of a suggested edit in the summary.
const SUMMARY_EDIT_CHARS: usize = 300;

/// The suggested fixes of the first [`SUMMARY_FINDINGS`] fixable findings (errors first), for
/// the summary: each finding's fix title, and each edit as `old → new` at its place, every
/// text made visible and Markdown-escaped (an edit's text is the template's). Nothing when no
/// finding has a fix.
fn suggestions(out: &mut String, report: &Report, blob: Option<&str>) {
    let mut fixable: Vec<&Finding> = report.active().filter(|f| f.fix.is_some()).collect();
    if fixable.is_empty() {
        return;
    }
    fixable.sort_by_key(|f| f.severity);
    let _ = writeln!(
        out,
        "\n### Suggested fixes\n\n`imagegate check --fix` makes them; `--diff` shows them as a diff.\n"
    );
    // Whitespace runs (an object laid out on several lines) as one blank: one list item each.
    let shown = |text: &str| {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        markdown(&clip(&flat, SUMMARY_EDIT_CHARS))
    };
    for f in fixable.iter().take(SUMMARY_FINDINGS) {
        let Some(fix) = &f.fix else { continue };
        let location = place_link(blob, &f.location);
        let _ = writeln!(
            out,
            "- {} {location}: {}",
            f.rule.id(),
            markdown(&clip(&fix.title, SUMMARY_MESSAGE_CHARS))
        );
        for edit in &fix.edits {
            let at = &edit.location;
            let _ = writeln!(
                out,
                "  - {}: {} → {}",
                markdown(&format!("{}:{}", at.path, at.line)),
                shown(&edit.original),
                shown(&edit.replacement)
            );
        }
    }
    if fixable.len() > SUMMARY_FINDINGS {
        let _ = writeln!(
            out,
            "\n{} more suggested fixes: see the JSON or SARIF report.",
            fixable.len() - SUMMARY_FINDINGS
        );
    }
}

/// The URL under which files of the commit being checked are shown,
/// `{server}/{repository}/blob/{sha}`, from the values the runner sets (`GITHUB_SERVER_URL`,
/// `GITHUB_REPOSITORY`, `GITHUB_SHA`); `None` unless all three have their expected form.
pub(crate) fn blob_base(
    server: Option<&str>,
    repository: Option<&str>,
    sha: Option<&str>,
) -> Option<String> {
    let name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    let server = server?.strip_suffix('/').unwrap_or(server?);
    let host = server.strip_prefix("https://")?;
    let (owner, repo) = repository?.split_once('/')?;
    let sha = sha?;
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':'));
    let sha_ok = (40..=64).contains(&sha.len()) && sha.bytes().all(|b| b.is_ascii_hexdigit());
    (host_ok && name(owner) && name(repo) && sha_ok)
        .then(|| format!("https://{host}/{owner}/{repo}/blob/{sha}"))
}

/// `path:line` of `l`, escaped for Markdown, as a link to it under `blob` when there is one.
fn place_link(blob: Option<&str>, l: &crate::findings::Location) -> String {
    let place = markdown(&format!("{}:{}", l.path, l.line));
    match link(blob, &l.path, l.line) {
        Some(url) => format!("[{place}]({url})"),
        None => place,
    }
}

/// The link to line `line` (`0`: the file) of `path` under `blob`, when `path` is relative and
/// stays inside the repository.
fn link(blob: Option<&str>, path: &str, line: u32) -> Option<String> {
    let blob = blob?;
    let inside = !path.starts_with('/') && !path.split('/').any(|part| part == "..");
    inside.then(|| {
        let anchor = if line > 0 {
            format!("#L{line}")
        } else {
            String::new()
        };
        format!("{blob}/{}{anchor}", super::sarif::uri_path(path))
    })
}

/// `text` for Markdown: hidden characters written visibly, then every character Markdown or
/// HTML could read as markup escaped with a backslash (table cells, links, code, emphasis,
/// HTML, entities, math), so a name in a template is shown as written and never formats,
/// links or ends a table cell.
fn markdown(text: &str) -> String {
    let text = super::visible(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '$' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text`, cut to `max` characters with `…`.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

/// Why the step summary could not be written.
#[derive(Debug)]
pub(crate) enum StepSummaryError {
    /// The path is not a regular file (it does not exist, or is a folder, link or device).
    NotAFile(PathBuf),
    /// The file could not be opened or written.
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for StepSummaryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepSummaryError::NotAFile(path) => write!(
                f,
                "the step summary was not written: GITHUB_STEP_SUMMARY ({}) is not an existing \
                 regular file",
                path.display()
            ),
            StepSummaryError::Io(path, e) => write!(
                f,
                "the step summary was not written to {}: {e}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for StepSummaryError {}

/// Appends [`github_summary`] to the file `summary` names (links from [`blob_base`] of the
/// runner's variables). The file must already exist and be a regular file: it is opened to
/// append, never created, and a symbolic link is not followed.
pub(crate) fn write_step_summary(
    report: &Report,
    summary: &StepSummary,
) -> Result<(), StepSummaryError> {
    let blob = blob_base(
        summary.server_url.as_deref(),
        summary.repository.as_deref(),
        summary.sha.as_deref(),
    );
    let text = github_summary(report, blob.as_deref());
    append(&summary.path, &super::defuse(&text, super::Syntax::Text))
}

/// Appends `text` to the existing regular file `path` (never creating it, never following a
/// symbolic link, never blocking on a FIFO).
fn append(path: &Path, text: &str) -> Result<(), StepSummaryError> {
    use std::io::Write as _;
    let io = |e: std::io::Error| StepSummaryError::Io(path.to_path_buf(), e);
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(StepSummaryError::NotAFile(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StepSummaryError::NotAFile(path.to_path_buf()));
        }
        Err(e) => return Err(io(e)),
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let mut file = options.open(path).map_err(io)?;
    // The path may have changed between the check and the open: check what was opened.
    if !file.metadata().map_err(io)?.is_file() {
        return Err(StepSummaryError::NotAFile(path.to_path_buf()));
    }
    file.write_all(text.as_bytes()).map_err(io)?;
    file.flush().map_err(io)
}

/// Escapes a command's message (template-controlled text: hidden characters are written
/// visibly first, so nothing can end the line and start a command of its own).
fn data(s: &str) -> String {
    super::visible(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        // A line break in template-controlled text is shown, never a new log line.
        assert_eq!(data("50% a\nb"), "50%25 a\\u{a}b");
        assert!(!data("x\r\n::error::forged").contains(['\n', '\r']));
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn markdown_text_is_visible_and_escaped() {
        assert_eq!(markdown("plain text"), "plain text");
        assert_eq!(
            markdown("a|b `c` <i>&amp; [l](u) *e* $x$ ##[error]\nz"),
            r"a\|b \`c\` \<i\>\&amp; \[l\](u) \*e\* \$x\$ \#\#\\u{5b}error\]\\u{a}z"
        );
    }

    #[test]
    fn links_need_every_runner_value_in_its_form() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let base = blob_base(Some("https://github.com"), Some("o/r"), Some(sha));
        assert_eq!(
            base.as_deref(),
            Some("https://github.com/o/r/blob/0123456789abcdef0123456789abcdef01234567")
        );
        for (server, repo, sha) in [
            (None, Some("o/r"), Some(sha)),
            (Some("http://github.com"), Some("o/r"), Some(sha)),
            (Some("https://x.test/a)b"), Some("o/r"), Some(sha)),
            (Some("https://github.com"), Some("o/r/x"), Some(sha)),
            (Some("https://github.com"), Some("o"), Some(sha)),
            (Some("https://github.com"), Some("o/r"), Some("main")),
            (Some("https://github.com"), Some("o/r"), None),
        ] {
            assert_eq!(
                blob_base(server, repo, sha),
                None,
                "{server:?} {repo:?} {sha:?}"
            );
        }
        let base = base.as_deref();
        assert_eq!(
            link(base, "a b/(c).json", 3).unwrap(),
            format!("https://github.com/o/r/blob/{sha}/a%20b/%28c%29.json#L3")
        );
        assert_eq!(link(base, "../outside.json", 1), None);
        assert_eq!(link(base, "/abs.json", 1), None);
        assert_eq!(link(None, "a.json", 1), None);
    }
}
