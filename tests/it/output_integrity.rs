//! Output integrity on CI agents (#24): nothing a pull request writes reaches an output in a
//! form a CI agent runs. The Azure Pipelines agent runs `##vso[area.event …]` found anywhere
//! in a line of standard output or standard error (microsoft/azure-pipelines-agent,
//! `src/Microsoft.VisualStudio.Services.Agent/Command.cs`: `message.IndexOf("##vso[")`, a
//! culture-sensitive search that skips ignorable characters); GitHub's runner runs `::name::`
//! at a line's start and the legacy `##[name]` anywhere
//! (<https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands>,
//! <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>).
//!
//! `testdata/hostile/ci-commands/` carries such text in a resource name (set by a parameter
//! file), a parameter value (the image's SKU), a tag (the owner `imagegate report` groups by),
//! a literal resource name and an exemption comment's reason; the tests copy it under a file
//! name that carries it too. Every format and every command, both streams: no line holds a
//! command, and the text is still there for a person (and, in JSON, exactly).

use std::path::Path;

use serde_json::Value;

use crate::common::Repo;

/// The command a pull request wants the Azure Pipelines agent to run.
const GATE: &str = "##vso[task.setvariable variable=GATE]pass";

/// What a person still reads of it in text outputs.
const GATE_SHOWN: &str = "task.setvariable variable=GATE]pass";

/// The hostile file name the template is copied under (its parameter file follows it).
const NAME: &str = "##vso[task.setvariable variable=GATE]pass ::error::forged";

/// Whether a culture-sensitive comparison skips `c` (the format characters and controls
/// the tests use; the library's list is wider).
fn ignored(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fe00}'..='\u{fe0f}'
        )
}

/// Says why `output` (one stream of one run) would drive a CI agent, if it would: a line
/// holding `##vso[` or `##[` (ignored characters left out, in any case), or a line starting
/// with `::` (after white space) that is not one of the GitHub format's own commands when
/// `commands` allows them.
fn drives_an_agent(output: &[u8], commands: bool) -> Option<String> {
    let text = String::from_utf8_lossy(output);
    for line in text.split(['\n', '\r']) {
        let kept: String = line
            .chars()
            .filter(|&c| !ignored(c))
            .collect::<String>()
            .to_ascii_lowercase();
        if kept.contains("##vso[") || kept.contains("##[") {
            return Some(format!("a command prefix in {line:?}"));
        }
        let start = kept.trim_start();
        let own = ["::error file=", "::warning file=", "::notice file="]
            .iter()
            .any(|c| start.starts_with(c));
        if start.starts_with("::") && !(commands && own) {
            return Some(format!("a workflow command at the start of {line:?}"));
        }
    }
    None
}

/// Asserts that neither stream of `output` drives an agent.
fn assert_inert(output: &std::process::Output, commands: bool, what: &str) {
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        if let Some(why) = drives_an_agent(bytes, commands) {
            panic!(
                "{what}: {stream} has {why}\n--- {stream} ---\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

/// The fixture in a temporary repository, the template and its parameter file named with
/// [`NAME`], and a second copy of the template whose sibling "parameter file" is not one (a
/// note on standard error names it).
fn hostile_repo() -> Repo {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/hostile/ci-commands");
    let template = std::fs::read(dir.join("azuredeploy.json")).unwrap();
    let parameters = std::fs::read(dir.join("azuredeploy.parameters.json")).unwrap();
    let repo = Repo::new();
    repo.write(&format!("infra/{NAME}.json"), &template);
    repo.write(&format!("infra/{NAME}.parameters.json"), &parameters);
    repo.write(&format!("other/{NAME}.json"), &template);
    repo.write(
        &format!("other/{NAME}.parameters.json"),
        format!("{{\"comment\": \"{GATE}\"}}"),
    );
    repo
}

/// Runs `args` in `repo`, asserts both streams are inert, and returns the output.
fn inert(repo: &Repo, args: &[&str], commands: bool) -> std::process::Output {
    let output = repo.imagegate(args).output().unwrap();
    assert_inert(&output, commands, &format!("{args:?}"));
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// Every string in `value`.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(members) => members.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn no_format_of_check_carries_a_command_and_every_one_still_shows_the_text() {
    let repo = hostile_repo();
    // Human: the text is shown, its `[` written `\u{5b}`.
    let human = inert(&repo, &["check", "--verbose"], false);
    assert_eq!(human.status.code(), Some(1));
    let out = text(&human.stdout);
    assert!(
        out.contains(&format!("##vso\\u{{5b}}{GATE_SHOWN}")),
        "{out}"
    );
    assert!(out.contains("tmp/evil"), "{out}");
    // The note about the file that is not a parameter file names it, defused.
    let err = text(&human.stderr);
    assert!(
        err.contains("##vso\\u{5b}task.setvariable variable=GATE]pass ::error::forged.parameters.json: not a parameter file"),
        "{err}"
    );
    // JSON and SARIF: escapes only; parsed, every text is exactly the input's.
    for format in ["json", "sarif"] {
        let output = inert(&repo, &["check", "--verbose", "--format", format], false);
        let report: Value = serde_json::from_slice(&output.stdout).expect(format);
        let mut all = Vec::new();
        strings(&report, &mut all);
        let has = |needle: &str| all.iter().any(|s| s.contains(needle));
        // (SARIF's messages escape `[` and `]`, which would start embedded links.)
        let sku = match format {
            "json" => "22_04 ##vso[task.prependpath]/tmp/evil",
            _ => "22_04 ##vso\\[task.prependpath\\]/tmp/evil",
        };
        assert!(has(sku), "{format}: the SKU");
        if format == "json" {
            // (SARIF names files by URI, percent-encoded.)
            assert!(has(&format!("{NAME}.json")), "{format}: the file name");
            assert!(
                all.iter()
                    .any(|s| s == "x ##vso[task.setvariable variable=GATE]pass")
            );
            assert!(has(
                "::set-output name=GATE::pass ##vso[task.complete result=Succeeded]done"
            ));
            assert!(
                has("::error::forged ##vso[task.setvariable variable=GATE]pass"),
                "tag"
            );
            assert!(
                has(&format!("{GATE} ::error::forged")),
                "the exemption's reason"
            );
        }
    }
    // GitHub: imagegate's own commands, and nothing else a runner would act on.
    let github = inert(&repo, &["check", "--verbose", "--format", "github"], true);
    let out = text(&github.stdout);
    assert!(out.starts_with("::error file="), "{out}");
    assert!(out.contains(GATE_SHOWN), "{out}");
    // Quiet and filtered runs too.
    inert(&repo, &["check", "--quiet"], false);
    inert(
        &repo,
        &["check", "--select", "IG001", "--format", "github"],
        true,
    );
}

#[test]
fn the_report_tables_markdown_and_json_carry_no_command() {
    let repo = hostile_repo();
    for format in ["table", "markdown", "json"] {
        let output = inert(&repo, &["report", "--format", format], false);
        assert_eq!(output.status.code(), Some(0), "{format}");
        let out = text(&output.stdout);
        if format == "json" {
            let report: Value = serde_json::from_str(&out).unwrap();
            let mut all = Vec::new();
            strings(&report, &mut all);
            assert!(
                all.iter()
                    .any(|s| s == "::error::forged ##vso[task.setvariable variable=GATE]pass"),
                "{out}"
            );
        } else {
            assert!(
                out.contains("task.setvariable variable=GATE"),
                "{format}: {out}"
            );
        }
        if format == "table" {
            // The owner tag starts a row of the table: its `::` is written `\u{3a}:`.
            assert!(
                out.contains("\n\\u{3a}:error::forged ##vso\\u{5b}task"),
                "{out}"
            );
        }
    }
}

#[test]
fn notes_and_errors_on_standard_error_carry_no_command() {
    let repo = hostile_repo();
    // An error naming a path from the command line (a file name a pipeline passed).
    let missing = format!("missing {GATE}.json");
    let output = inert(&repo, &["check", &missing], false);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains(GATE_SHOWN));
    // A note naming the baseline written.
    let baseline = format!("{GATE}.baseline.json");
    let output = inert(&repo, &["check", "--write-baseline", &baseline], false);
    assert!(text(&output.stderr).contains("to the baseline"));
    // A usage error quoting an argument.
    let output = inert(&repo, &["check", "--format", GATE], false);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains(GATE_SHOWN));
    // `init` in a folder so named, and `rules`.
    std::fs::create_dir_all(repo.path().join(GATE)).unwrap();
    let output = inert(&repo, &["init", GATE], false);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    inert(&repo, &["rules"], false);
    inert(&repo, &["rules", "IG001"], false);
}

#[test]
fn policy_export_and_import_carry_no_command() {
    let repo = Repo::new();
    // A glob that is not one: the error quotes it.
    let glob =
        format!("/subscriptions/*/resourceGroups/rg/providers/Microsoft.Compute/images/{GATE}");
    repo.write(
        "imagegate.toml",
        format!("[approved]\nimages = [\"{glob}\"]\n"),
    );
    let output = inert(&repo, &["policy", "export"], false);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(text(&output.stderr).contains(GATE_SHOWN));
    // A glob no policy shape checks (a note on standard error), and a Marketplace publisher
    // in the definition.
    repo.write(
        "imagegate.toml",
        format!(
            "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg/providers/Microsoft.DevTestLab/labs/lab/customimages/x ##vso-task\"]\nmarketplace = [{{ publisher = \"Canonical {GATE}\", offer = \"*\", sku = \"*\" }}]\n"
        ),
    );
    let output = inert(&repo, &["policy", "export"], false);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(text(&output.stderr).contains("customimages/x ##vso-task"));
    let definition: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut all = Vec::new();
    strings(&definition, &mut all);
    assert!(
        all.iter().any(|s| s.contains(&format!("Canonical {GATE}"))),
        "{all:?}"
    );
    // A definition whose publisher and name carry it: TOML strings keep the exact value.
    let definition = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/policy/image-publishers-definition.json"),
    )
    .unwrap()
    .replace("\"Canonical\"", &format!("\"Canonical {GATE}\""));
    assert!(definition.contains(GATE));
    repo.write("definition.json", definition);
    let output = inert(&repo, &["policy", "import", "definition.json"], false);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let toml: toml::Table = toml::from_str(&text(&output.stdout)).unwrap();
    let publishers: Vec<&str> = toml["approved"]["marketplace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["publisher"].as_str().unwrap())
        .collect();
    assert!(
        publishers.contains(&format!("Canonical {GATE}").as_str()),
        "{publishers:?}"
    );
}

#[test]
fn the_check_can_fail() {
    // The detector reads what an agent reads.
    for (line, commands) in [
        ("x ##vso[task.setvariable variable=GATE]pass", false),
        ("x #\u{200b}#VSO[task.complete]", false),
        ("a ##[error]b", false),
        ("  ::error::forged", false),
        ("::set-output name=x::y", true),
    ] {
        assert!(
            drives_an_agent(line.as_bytes(), commands).is_some(),
            "{line:?}"
        );
    }
    for (line, commands) in [
        ("x ##vso\\u{5b}task.setvariable", false),
        ("a \\u{3a}:error::forged", false),
        ("::error file=a.json,line=1::x", true),
    ] {
        assert!(
            drives_an_agent(line.as_bytes(), commands).is_none(),
            "{line:?}"
        );
    }
}

/// The files a run writes on request (a baseline, the trusted exemptions) carry no command
/// either: a pipeline step that prints them (`cat`, an artifact's preview) must not run what a
/// pull request wrote. Both still read back as written (JSON escapes are the same text).
#[test]
fn written_baselines_and_trusted_exemptions_carry_no_command() {
    let repo = hostile_repo();
    let output = inert(
        &repo,
        &["check", "--write-baseline", "baseline.json"],
        false,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let baseline = std::fs::read(repo.path().join("baseline.json")).unwrap();
    assert_eq!(drives_an_agent(&baseline, false), None);
    let value: Value = serde_json::from_slice(&baseline).unwrap();
    let mut all = Vec::new();
    strings(&value, &mut all);
    assert!(all.iter().any(|s| s.contains(GATE)), "{value}");
    // Read back, it baselines every finding it recorded.
    let output = inert(&repo, &["check", "--baseline", "baseline.json"], false);
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    let output = inert(
        &repo,
        &["check", "--write-trusted-exemptions", "trusted.json"],
        false,
    );
    assert_ne!(output.status.code(), Some(2), "{output:?}");
    let trusted = std::fs::read(repo.path().join("trusted.json")).unwrap();
    assert_eq!(drives_an_agent(&trusted, false), None);
    let value: Value = serde_json::from_slice(&trusted).unwrap();
    let mut all = Vec::new();
    strings(&value, &mut all);
    assert!(all.iter().any(|s| s.contains(GATE)), "{value}");
}

/// The formats for other CI systems and tools (#25): concise, GitLab's Code Quality and JUnit
/// carry no command; Azure Pipelines' format carries only its own `task.logissue` commands,
/// one a line, the template's text in them shown and inert.
#[test]
fn the_concise_gitlab_junit_and_azure_formats_carry_no_command_of_the_input() {
    let repo = hostile_repo();
    for format in ["concise", "gitlab", "junit"] {
        let output = inert(&repo, &["check", "--verbose", "--format", format], false);
        assert_eq!(output.status.code(), Some(1), "{format}");
        let out = text(&output.stdout);
        assert!(out.contains("task.prependpath"), "{format}: {out}");
        if format == "gitlab" {
            let issues: Value = serde_json::from_str(&out).unwrap();
            let mut all = Vec::new();
            strings(&issues, &mut all);
            assert!(
                all.iter()
                    .any(|s| s.contains("22_04 ##vso[task.prependpath]/tmp/evil")),
                "{out}"
            );
        }
    }
    let output = repo
        .imagegate(&["check", "--verbose", "--format", "azure"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(drives_an_agent(&output.stderr, false), None);
    let out = text(&output.stdout);
    let mut commands = 0;
    for line in out.split(['\n', '\r']).filter(|l| !l.is_empty()) {
        // The format's own command, once, at the start of its line; the rest is inert.
        let rest = match line.strip_prefix("##vso[task.logissue type=") {
            Some(rest) => {
                commands += 1;
                rest
            }
            None => line,
        };
        assert_eq!(drives_an_agent(rest.as_bytes(), false), None, "{out}");
    }
    assert!(commands >= 1, "{out}");
    assert!(out.contains(GATE_SHOWN), "{out}");
}
