//! The docs, run (#14, #25): README.md and every page of `docs/` cannot drift from what
//! imagegate does. The conventions a page follows:
//!
//! * A ` ```sh ` block is commands, one a line (a here-document with all its lines), each run
//!   by bash with the imagegate under test first on `PATH`. Its exit code must be the one its
//!   `# exit N` comment states (else 0), and its output (standard output, then standard error)
//!   must hold the text after `# prints: ` (written after `# exit N` when a line has both).
//!   * In `docs/rollout.md` (the playbook) the commands run in order in a copy of
//!     `testdata/rollout/sample`, each seeing what the ones before it wrote.
//!   * Everywhere else each command runs on its own from the repository's root, on the
//!     committed fixtures (`testdata/…`). It must be an `imagegate …` command
//!     (`cargo run --release -- …` runs the binary under test the same way; `cargo test` is not
//!     run, but must be what `.ci/run` runs) and must not write into the checkout (no
//!     `--output`, `-o`, `>`, `--write-…`, `init`).
//! * A ` ```console ` block is a session: a line starting with `$ ` is a command (as above, with
//!   `# exit N`), and the lines after it, up to the next command, are what it prints — each
//!   must be a line of its output, in that order; `…` stands for lines left out.
//! * A block whose fence says `no-run` (` ```sh no-run `) is not run: what installs software,
//!   needs a tenant, or writes files. ` ```text ` blocks are never run.
//! * A ` ```toml ` block is a whole `imagegate.toml`: written into an empty folder (with empty
//!   files where `[parameter_files]` names them, and empty snapshots for `gallery_versions`),
//!   `imagegate check` there must not stop on it (exit 2). ` ```toml no-run ` opts out.
//! * Every relative link (`[x](usage.md)`, `(../rules/IG001-unapproved-image.md)`) leads to a
//!   file or folder of the repository, and a `#section` (in the same page or another) to a
//!   heading, as GitHub makes anchors of headings.
//!
//! Also here: README.md stays a front door (at most 250 lines, and its workflow is
//! `docs/imagegate-workflow.yml`), the rule table of `docs/rules.md` is generated from
//! `rules/*.md`, and the configuration reference's example is the published schema's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// The day every command runs on (`IMAGEGATE_TODAY`), so that dates in expiries and lifecycles
/// print the same whenever the suite runs.
const TODAY: &str = "2026-11-28";

/// The longest README.md may be: the front door, not the manual (#25).
const README_MAX_LINES: usize = 250;

/// One command of a page: its text (with a here-document, every line of it), what it must do,
/// and where it is written (for messages).
#[derive(Debug)]
struct Step {
    text: String,
    exit: i32,
    prints: Option<String>,
    /// The lines a `console` block shows after the command, `…` lines dropped.
    shows: Vec<String>,
    line: usize,
}

/// A fenced code block: its info string (`sh`, `sh no-run`, `toml`, …), the line of its fence
/// (1-based) and its lines.
#[derive(Debug)]
struct Block {
    info: String,
    line: usize,
    lines: Vec<String>,
}

impl Block {
    /// Whether the block's info string marks it not to be run.
    fn no_run(&self) -> bool {
        self.info.split_whitespace().any(|word| word == "no-run")
    }

    /// The block's language: the first word of its info string.
    fn language(&self) -> &str {
        self.info.split_whitespace().next().unwrap_or("")
    }
}

/// The fenced code blocks of `markdown`, in order (fences of three or more backticks, indented
/// or not; a block ends at a fence of at least as many backticks).
fn blocks(markdown: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<(usize, Block)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        match &mut open {
            None if ticks >= 3 => {
                open = Some((
                    ticks,
                    Block {
                        info: trimmed[ticks..].trim().to_string(),
                        line: i + 1,
                        lines: Vec::new(),
                    },
                ));
            }
            None => {}
            Some((fence, _)) if ticks >= *fence && trimmed[ticks..].trim().is_empty() => {
                found.push(open.take().unwrap().1);
            }
            Some((_, block)) => block.lines.push(line.to_string()),
        }
    }
    found
}

/// The text after the last `marker` in `line` preceded by a space.
fn marker(line: &str, marker: &str) -> Option<String> {
    let at = line.rfind(&format!(" {marker}"))?;
    Some(line[at + 1 + marker.len()..].to_string())
}

/// The exit code and the printed text a command line's comments state.
fn expectations(line: &str) -> (i32, Option<String>) {
    let exit = marker(line, "# exit ")
        .map(|n| {
            let digits: String = n.trim().chars().take_while(char::is_ascii_digit).collect();
            digits.parse().expect("an exit code after `# exit `")
        })
        .unwrap_or(0);
    let prints = marker(line, "# prints: ").map(|t| t.trim().to_string());
    (exit, prints)
}

/// The commands of a `sh` block's lines, in order.
fn sh_steps(lines: &[String], first_line: usize) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = lines.iter().enumerate();
    while let Some((i, line)) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        let mut text = line.trim_start().to_string();
        // A here-document: every line to its terminator.
        if let Some(at) = line.find("<<'") {
            let tag: String = line[at + 3..].chars().take_while(|&c| c != '\'').collect();
            for (_, more) in lines.by_ref() {
                text.push('\n');
                text.push_str(more);
                if *more == tag {
                    break;
                }
            }
        }
        let (exit, prints) = expectations(line);
        steps.push(Step {
            text,
            exit,
            prints,
            shows: Vec::new(),
            line: first_line + 1 + i,
        });
    }
    steps
}

/// The commands of a `console` block, each with the lines it shows.
fn console_steps(lines: &[String], first_line: usize) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(command) = line.strip_prefix("$ ") {
            let (exit, prints) = expectations(command);
            steps.push(Step {
                text: command.to_string(),
                exit,
                prints,
                shows: Vec::new(),
                line: first_line + 1 + i,
            });
        } else if let Some(step) = steps.last_mut() {
            let shown = line.trim_end();
            if !shown.is_empty() && shown != "…" && shown != "..." {
                step.shows.push(shown.to_string());
            }
        } else {
            panic!(
                "line {}: a console block starts with a `$ ` command",
                first_line + 1 + i
            );
        }
    }
    steps
}

/// The pages whose examples run from the repository's root: README.md and `docs/*.md` but the
/// playbook, as (path from the root, text).
fn pages() -> Vec<(String, String)> {
    let mut pages = vec![("README.md".to_string(), read("README.md"))];
    let mut names: Vec<String> = std::fs::read_dir(format!("{MANIFEST}/docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    for name in names {
        let path = format!("docs/{name}");
        let text = read(&path);
        pages.push((path, text));
    }
    pages
}

/// A file of the repository, by its path from the root.
fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{MANIFEST}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `PATH` with the binary under test first.
fn path_with_binary() -> String {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_imagegate"));
    format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Runs `text` with bash in `dir`, as a user's shell would, with the binary under test first on
/// `PATH`, a `HOME` of its own (no Bicep module cache of the machine's), the day fixed, and none
/// of the variables that would colour the output or write a GitHub step summary. Returns the exit
/// code, standard output and standard error.
fn run(text: &str, dir: &Path, home: &Path) -> (Option<i32>, String, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("set -o pipefail\n{text}"))
        .current_dir(dir)
        .env("PATH", path_with_binary())
        .env("HOME", home)
        .env("IMAGEGATE_TODAY", TODAY)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Checks what one command did against what its page says.
fn check_step(page: &str, step: &Step, code: Option<i32>, stdout: &str, stderr: &str) {
    let output = format!("{stdout}{stderr}");
    assert_eq!(
        code,
        Some(step.exit),
        "{page}:{}: `{}` exited {code:?}, the page says {}:\n{output}",
        step.line,
        step.text,
        step.exit
    );
    if let Some(text) = &step.prints {
        assert!(
            output.contains(text.as_str()),
            "{page}:{}: `{}` does not print `{text}`:\n{output}",
            step.line,
            step.text
        );
    }
    let mut actual = stdout.lines().chain(stderr.lines()).map(str::trim_end);
    for shown in &step.shows {
        assert!(
            actual.any(|line| line == shown),
            "{page}:{}: `{}` does not print, in this order, the line\n{shown}\n(it printed:)\n{output}",
            step.line,
            step.text
        );
    }
}

/// The command a page's line stands for, run from the repository's root; `None` for a line
/// that is not run (`cargo test`, which must be what CI runs). Panics on a line that is not an
/// imagegate command or that would write into the checkout.
fn root_command(page: &str, step: &Step) -> Option<String> {
    let text = step.text.trim();
    if text == "cargo test" || text.starts_with("cargo test ") {
        let ci = read(".ci/run");
        assert!(
            ci.lines()
                .any(|l| !l.trim_start().starts_with('#') && l.trim_start().starts_with(text)),
            "{page}:{}: `.ci/run` does not run `{text}`, the test command the page gives",
            step.line
        );
        return None;
    }
    let command = match text.strip_prefix("cargo run --release -- ") {
        Some(rest) => format!("imagegate {rest}"),
        None => text.to_string(),
    };
    assert!(
        command.starts_with("imagegate "),
        "{page}:{}: `{text}` is not an imagegate command: mark the block `sh no-run` if it is \
         not to be run",
        step.line
    );
    let code = command.split(" #").next().unwrap();
    let words: Vec<&str> = code.split_whitespace().collect();
    let writes = words.get(1) == Some(&"init")
        || words.iter().any(|w| {
            *w == "-o"
                || *w == "--output"
                || w.starts_with("--output=")
                || w.starts_with("--write-")
        })
        || code.contains('>');
    assert!(
        !writes,
        "{page}:{}: `{text}` writes into the checkout: mark the block `sh no-run`, or show what \
         it prints instead",
        step.line
    );
    Some(command)
}

#[test]
fn the_examples_of_readme_and_the_guide_run_as_written() {
    let home = tempfile::tempdir().unwrap();
    let mut ran: Vec<String> = Vec::new();
    for (page, text) in pages() {
        if page == "docs/rollout.md" {
            continue; // The playbook runs in order in its sample: below.
        }
        let mut count = 0;
        for block in blocks(&text) {
            let steps = match block.language() {
                _ if block.no_run() => continue,
                "sh" => sh_steps(&block.lines, block.line),
                "console" => console_steps(&block.lines, block.line),
                _ => continue,
            };
            for step in steps {
                let Some(command) = root_command(&page, &step) else {
                    continue;
                };
                let (code, stdout, stderr) = run(&command, Path::new(MANIFEST), home.path());
                check_step(&page, &step, code, &stdout, &stderr);
                count += 1;
            }
        }
        ran.push(format!("{page}: {count}"));
    }
    // The pages that show commands keep showing them (a block marked by mistake would run
    // nothing and pass).
    for page in [
        "README.md",
        "docs/usage.md",
        "docs/languages.md",
        "docs/output-formats.md",
        "docs/faq.md",
    ] {
        assert!(
            ran.iter()
                .any(|r| r.starts_with(&format!("{page}: ")) && !r.ends_with(": 0")),
            "{page} runs no example: {ran:?}"
        );
    }
    eprintln!("commands run: {}", ran.join(", "));
}

/// A copy of the folder `from` at `to`.
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_rollout_playbook_runs_as_written() {
    let doc = read("docs/rollout.md");
    let steps: Vec<Step> = blocks(&doc)
        .into_iter()
        .filter(|b| b.language() == "sh" && !b.no_run())
        .flat_map(|b| sh_steps(&b.lines, b.line))
        .collect();
    assert!(steps.len() >= 15, "{steps:?}");
    let dir = tempfile::tempdir().unwrap();
    copy(
        &PathBuf::from(format!("{MANIFEST}/testdata/rollout/sample")),
        dir.path(),
    );
    let home = tempfile::tempdir().unwrap();
    for step in &steps {
        let (code, stdout, stderr) = run(&step.text, dir.path(), home.path());
        check_step("docs/rollout.md", step, code, &stdout, &stderr);
    }
}

#[test]
fn every_toml_block_is_a_config_imagegate_loads() {
    let mut checked = 0;
    for (page, text) in pages() {
        for block in blocks(&text) {
            if block.language() != "toml" || block.no_run() {
                continue;
            }
            let config = block.lines.join("\n") + "\n";
            let where_ = format!("{page}:{}", block.line);
            let repo = tempfile::tempdir().unwrap();
            std::fs::write(repo.path().join("imagegate.toml"), &config).unwrap();
            // The files a config names must exist: give it empty ones.
            let parsed: toml::Value =
                toml::from_str(&config).unwrap_or_else(|e| panic!("{where_}: not TOML: {e}"));
            let mut files: Vec<(String, &str)> = Vec::new();
            if let Some(map) = parsed.get("parameter_files").and_then(|v| v.as_table()) {
                for (template, parameter_files) in map {
                    files.push((template.clone(), ""));
                    for p in parameter_files.as_array().into_iter().flatten() {
                        files.push((p.as_str().unwrap().to_string(), ""));
                    }
                }
            }
            let lifecycles = parsed
                .get("approved")
                .and_then(|a| a.get("image"))
                .and_then(|i| i.as_array());
            for entry in lifecycles.into_iter().flatten() {
                let snapshots = entry.get("gallery_versions").and_then(|g| g.as_array());
                for snapshot in snapshots.into_iter().flatten() {
                    files.push((snapshot.as_str().unwrap().to_string(), "[]"));
                }
            }
            for (file, content) in files {
                let at = repo.path().join(file);
                std::fs::create_dir_all(at.parent().unwrap()).unwrap();
                std::fs::write(at, content).unwrap();
            }
            let (code, stdout, stderr) = run("imagegate check", repo.path(), repo.path());
            assert_ne!(
                code,
                Some(2),
                "{where_}: imagegate refuses this config:\n{config}\n{stdout}{stderr}"
            );
            assert!(
                stdout.contains("Config: imagegate.toml"),
                "{where_}: the run did not use the config:\n{stdout}{stderr}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} toml blocks");
}

#[test]
fn the_configuration_reference_matches_the_published_schema_and_the_loader() {
    let schema: serde_json::Value = serde_json::from_str(&read("imagegate.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let page = read("docs/configuration.md");
    let example = blocks(&page)
        .into_iter()
        .find(|b| {
            b.language() == "toml" && b.lines.first().is_some_and(|l| l.starts_with("mode = "))
        })
        .expect("the commented example of every key in docs/configuration.md")
        .lines
        .join("\n");
    let as_json: serde_json::Value = toml::from_str(&example).unwrap();
    assert!(
        validator.is_valid(&as_json),
        "the example of docs/configuration.md validates"
    );
    let bad: serde_json::Value =
        toml::from_str("mode = \"deny\"\n[approved]\nimagez = []\n").unwrap();
    assert!(
        !validator.is_valid(&bad),
        "unknown keys are rejected by the schema"
    );
    // Every key the schema knows is in the example (a key the reference leaves out is a key
    // nobody finds).
    fn keys(schema: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) else {
            return;
        };
        for (key, sub) in properties {
            out.push(format!("{prefix}{key}"));
            keys(sub, &format!("{prefix}{key}."), out);
            if let Some(items) = sub.get("items") {
                keys(items, &format!("{prefix}{key}."), out);
            }
        }
    }
    let mut known = Vec::new();
    keys(&schema, "", &mut known);
    for key in known {
        let last = key.rsplit('.').next().unwrap();
        let is_rule = key.starts_with("rules.");
        assert!(
            is_rule || example.contains(last),
            "docs/configuration.md's example does not show `{key}`"
        );
    }
    // The loader accepts the same example (parameter_files aside, which must exist on disk).
    let without_files = &example[..example.find("[parameter_files]").unwrap()];
    imagegate::config::Config::parse(without_files, Path::new("imagegate.toml")).unwrap();
}

#[test]
fn the_rule_table_matches_the_rule_documents() {
    let page = read("docs/rules.md");
    let start = page.find("<!-- rules-table").expect("table start");
    let end = page.find("<!-- /rules-table -->").expect("table end");
    let mut expected =
        String::from("| id | name | default severity | summary |\n|---|---|---|---|\n");
    for r in imagegate::rules::Rule::ALL {
        let d = r.doc();
        expected.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            d.id,
            d.name,
            d.severity.as_str(),
            d.summary
        ));
    }
    let table = &page[start..end];
    let table = &table[table.find('\n').unwrap() + 1..];
    assert_eq!(
        table, expected,
        "regenerate the rule table of docs/rules.md from rules/*.md"
    );
}

#[test]
fn readme_is_a_front_door() {
    let readme = read("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines (at most {README_MAX_LINES}): move the detail to docs/"
    );
    // The workflow README shows is the one CI lints (docs/imagegate-workflow.yml).
    let workflow = read("docs/imagegate-workflow.yml");
    let shown = blocks(&readme)
        .into_iter()
        .find(|b| {
            b.language() == "yaml"
                && b.lines
                    .first()
                    .is_some_and(|l| l.starts_with("# Copy to .github/workflows/"))
        })
        .expect("README shows the workflow to copy");
    assert_eq!(
        shown.lines.join("\n") + "\n",
        workflow,
        "README's workflow is docs/imagegate-workflow.yml"
    );
    // README and the guide's index link every page of the guide.
    for entry in std::fs::read_dir(format!("{MANIFEST}/docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !name.ends_with(".md") || name == "README.md" {
            continue;
        }
        assert!(
            readme.contains(&format!("](docs/{name})")),
            "README's \"Where to read more\" does not link docs/{name}"
        );
        assert!(
            read("docs/README.md").contains(&format!("]({name})")),
            "docs/README.md does not link {name}"
        );
    }
    // Exactly two set-up commands on a fresh machine: the first run and the tests.
    let try_it = &readme[readme.find("## Try it").expect("a Try it section")..];
    let first = blocks(try_it)
        .into_iter()
        .find(|b| b.language() == "sh")
        .unwrap();
    let commands: Vec<&str> = first
        .lines
        .iter()
        .map(|l| l.split(" #").next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].starts_with("cargo run --release -- check testdata/"));
    assert_eq!(commands[1], "cargo test");
}

/// The text of `line` without its inline code spans (a run of backticks to the next run of as
/// many).
fn without_code(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find('`') {
        out.push_str(&rest[..at]);
        let ticks = rest[at..].chars().take_while(|&c| c == '`').count();
        let after = &rest[at + ticks..];
        let fence = "`".repeat(ticks);
        // The closing run must be exactly as long.
        let mut search = 0;
        let mut close = None;
        while let Some(found) = after[search..].find(&fence) {
            let start = search + found;
            let run = after[start..].chars().take_while(|&c| c == '`').count();
            if run == ticks {
                close = Some(start);
                break;
            }
            search = start + run;
        }
        match close {
            Some(end) => rest = &after[end + ticks..],
            None => {
                out.push_str(&rest[at..at + ticks]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The lines of `markdown` outside fenced code blocks, numbered from 1.
fn prose(markdown: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut fence = 0;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        if fence == 0 && ticks >= 3 {
            fence = ticks;
        } else if fence > 0 && ticks >= fence && trimmed[ticks..].trim().is_empty() {
            fence = 0;
        } else if fence == 0 {
            out.push((i + 1, line));
        }
    }
    out
}

/// The anchor GitHub makes of a heading's text: lower case, what is not a letter, a digit, a
/// space, `-` or `_` dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    let text = without_code_marks(heading);
    text.trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// A heading's text as shown: code spans keep their text, links their label.
fn without_code_marks(heading: &str) -> String {
    let mut text = heading.replace('`', "");
    while let (Some(open), Some(mid)) = (text.find('['), text.find("](")) {
        let Some(close) = text[mid..].find(')').map(|c| mid + c) else {
            break;
        };
        if open > mid {
            break;
        }
        text = format!(
            "{}{}{}",
            &text[..open],
            &text[open + 1..mid],
            &text[close + 1..]
        );
    }
    text
}

/// The anchors of a page's headings (a repeated heading's second anchor ends `-1`, as GitHub's).
fn anchors(markdown: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (_, line) in prose(markdown) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes + 1..]);
        let n = seen.entry(base.clone()).or_insert(0);
        out.push(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    out
}

/// The targets of the inline links of `markdown` outside code, with their lines.
fn links(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose(markdown) {
        let text = without_code(line);
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((n, after[..end].trim().to_string()));
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_leads_somewhere() {
    let mut pages = pages();
    for entry in std::fs::read_dir(format!("{MANIFEST}/rules")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            let path = format!("rules/{name}");
            let text = read(&path);
            pages.push((path, text));
        }
    }
    let mut checked = 0;
    for (page, text) in &pages {
        let folder = Path::new(page).parent().unwrap();
        for (line, target) in links(text) {
            if target.contains("://") || target.starts_with("mailto:") || target.starts_with('<') {
                continue;
            }
            let (file, anchor) = match target.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (target.as_str(), None),
            };
            let resolved = if file.is_empty() {
                PathBuf::from(page)
            } else {
                folder.join(file)
            };
            let on_disk = Path::new(MANIFEST).join(&resolved);
            assert!(
                on_disk.exists(),
                "{page}:{line}: the link `{target}` leads to nothing ({})",
                resolved.display()
            );
            if let Some(anchor) = anchor.filter(|_| resolved.extension().is_some_and(|e| e == "md"))
            {
                let there = std::fs::read_to_string(&on_disk).unwrap();
                assert!(
                    anchors(&there).iter().any(|a| a == anchor),
                    "{page}:{line}: `{target}`: {} has no heading `#{anchor}` (it has {:?})",
                    resolved.display(),
                    anchors(&there)
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} links");
}

#[test]
fn the_readers_of_the_pages_read_what_they_say() {
    // The conventions above, on small pages: fences, info strings, markers, here-documents,
    // console sessions, anchors, links outside code.
    let page = "text\n```sh\na   # exit 2\nb  # prints: x y\nc  # exit 1 # prints: z\ncat > f <<'EOF'\n1\nEOF\n```\n```sh no-run\nnot run\n```\n````console\n$ imagegate x   # exit 1\nfirst\n…\nlast\n````\n";
    let found = blocks(page);
    assert_eq!(found.len(), 3);
    assert!(!found[0].no_run() && found[1].no_run());
    assert_eq!(found[2].language(), "console");
    let steps = sh_steps(&found[0].lines, found[0].line);
    assert_eq!(steps.len(), 4);
    assert_eq!((steps[0].exit, steps[0].prints.as_deref()), (2, None));
    assert_eq!(
        (steps[1].exit, steps[1].prints.as_deref()),
        (0, Some("x y"))
    );
    assert_eq!((steps[2].exit, steps[2].prints.as_deref()), (1, Some("z")));
    assert_eq!(steps[3].text, "cat > f <<'EOF'\n1\nEOF");
    assert_eq!(steps[0].line, 3);
    let session = console_steps(&found[2].lines, found[2].line);
    assert_eq!(session.len(), 1);
    assert_eq!(
        (session[0].text.as_str(), session[0].exit),
        ("imagegate x   # exit 1", 1)
    );
    assert_eq!(session[0].shows, ["first", "last"]);

    assert_eq!(
        slug("`.tf` files without a plan"),
        "tf-files-without-a-plan"
    );
    assert_eq!(slug("Starting a policy: `init`"), "starting-a-policy-init");
    assert_eq!(slug("The fleet's figures"), "the-fleets-figures");
    assert_eq!(slug("#25 — the first hour"), "25--the-first-hour");
    assert_eq!(
        anchors("# A\n## B\n```\n# not a heading\n```\n## B\n"),
        ["a", "b", "b-1"]
    );
    assert_eq!(
        links("[a](x.md) `[b](y.md)` ``[c](`z`)`` [d](w.md#e)\n```\n[f](g.md)\n```\n"),
        [(1, "x.md".to_string()), (1, "w.md#e".to_string())]
    );
}
