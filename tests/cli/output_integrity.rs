//! Output integrity, as a CI agent reads it (#24): the binary's standard output and standard
//! error, whatever the format, hold no command an agent runs. The Azure Pipelines agent runs
//! `##vso[…]` anywhere in a line of either stream (microsoft/azure-pipelines-agent,
//! `src/Microsoft.VisualStudio.Services.Agent/Command.cs`, `message.IndexOf("##vso[")`);
//! GitHub's runner runs `::name::` at a line's start and `##[name]` anywhere. The text comes
//! from `testdata/hostile/ci-commands/`, copied under a file name that carries it too, and
//! from arguments a pipeline passes (file names from a pull request); the in-process cases of
//! every command are in `tests/it/output_integrity.rs`.

use std::path::Path;

use crate::common::Repo;

/// The command a pull request wants the Azure Pipelines agent to run.
const GATE: &str = "##vso[task.setvariable variable=GATE]pass";

/// Says why `output` would drive a CI agent, if it would: a line holding `##vso[` or `##[`
/// (zero-width and control characters left out, as a culture-sensitive search does; in any
/// case), or a line starting with `::` that is not one of the GitHub format's own commands
/// when `commands` allows them.
fn drives_an_agent(output: &[u8], commands: bool) -> Option<String> {
    let text = String::from_utf8_lossy(output);
    for line in text.split(['\n', '\r']) {
        let kept: String = line
            .chars()
            .filter(|&c| !(matches!(c, '\u{200b}'..='\u{200f}') || c.is_control() && c != '\t'))
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

/// Runs the binary with `args` in `repo` and asserts neither stream drives an agent.
fn inert(repo: &Repo, args: &[&str], commands: bool) -> std::process::Output {
    let output = repo.binary(args).output().expect("run");
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        if let Some(why) = drives_an_agent(bytes, commands) {
            panic!(
                "{args:?}: {stream} has {why}\n--- {stream} ---\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
    output
}

#[test]
fn neither_stream_of_the_binary_carries_a_command_in_any_format() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/hostile/ci-commands");
    let repo = Repo::new();
    let name = format!("{GATE} ::error::forged");
    repo.write(
        &format!("infra/{name}.json"),
        std::fs::read(dir.join("azuredeploy.json")).unwrap(),
    );
    repo.write(
        &format!("infra/{name}.parameters.json"),
        std::fs::read(dir.join("azuredeploy.parameters.json")).unwrap(),
    );
    // A sibling that is not a parameter file: a note on standard error names it.
    repo.write(
        &format!("other/{name}.json"),
        std::fs::read(dir.join("azuredeploy.json")).unwrap(),
    );
    repo.write(&format!("other/{name}.parameters.json"), "{\"x\": 1}");
    for format in ["human", "json", "sarif", "github"] {
        let output = inert(
            &repo,
            &["check", "--verbose", "--format", format],
            format == "github",
        );
        assert_eq!(output.status.code(), Some(1), "{format}: {output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("task.setvariable variable=GATE"),
            "{format}: {stdout}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("not a parameter file"),
            "{format}: {stderr}"
        );
        assert!(
            stderr.contains("task.setvariable variable=GATE"),
            "{format}: {stderr}"
        );
    }
    // The GitHub step summary (a file the runner shows as Markdown) too.
    let summary = repo.write("step-summary.md", "");
    let output = repo
        .binary(&["check", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let written = std::fs::read(&summary).unwrap();
    assert!(String::from_utf8_lossy(&written).contains("task.setvariable variable=GATE"));
    assert!(drives_an_agent(&written, false).is_none());
    // Colour forced: the colour sequences break no neutralisation.
    let output = repo
        .binary(&["check", "--color", "always"])
        .output()
        .expect("run");
    assert!(drives_an_agent(&output.stdout, false).is_none());
    // Arguments a pipeline passes: a file that is not there, an option's value, an argument
    // clap does not know (its error quotes each).
    let missing = format!("{GATE}.json");
    for args in [
        vec!["check", missing.as_str()],
        vec!["check", "--format", GATE],
        vec!["check", "--##vso[task.setvariable variable=GATE]pass"],
    ] {
        let output = inert(&repo, &args, false);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("##vso\\u{5b}task.setvariable"),
            "{args:?}: {stderr}"
        );
    }
}
