//! The rollout playbook, run (#14): every command of the `sh` blocks of `docs/rollout.md`, in
//! order, in a copy of `testdata/rollout/sample`, with the imagegate under test first on PATH.
//! Each command's exit code must be the one its `# exit N` comment states (else 0), and its
//! output must hold what its `# prints: …` comment says. The playbook cannot drift from what
//! imagegate does.

use std::path::{Path, PathBuf};
use std::process::Command;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// One command of the playbook: its text (with a here-document, every line of it) and what it
/// must do.
#[derive(Debug)]
struct Step {
    text: String,
    exit: i32,
    prints: Option<String>,
}

/// The commands of the `sh` blocks of `markdown`, in order.
fn steps(markdown: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut in_sh = false;
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if !in_sh {
            in_sh = line.trim() == "```sh";
            continue;
        }
        if line.trim() == "```" {
            in_sh = false;
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let mut text = line.to_string();
        // A here-document: every line to its terminator.
        if let Some(at) = line.find("<<'") {
            let tag: String = line[at + 3..].chars().take_while(|&c| c != '\'').collect();
            for more in lines.by_ref() {
                text.push('\n');
                text.push_str(more);
                if more == tag {
                    break;
                }
            }
        }
        let exit = marker(line, "# exit ")
            .map(|n| n.trim().parse().expect("an exit code"))
            .unwrap_or(0);
        let prints = marker(line, "# prints: ").map(|t| t.trim().to_string());
        steps.push(Step { text, exit, prints });
    }
    steps
}

/// The text after the last `marker` in `line` preceded by a space.
fn marker(line: &str, marker: &str) -> Option<String> {
    let at = line.rfind(&format!(" {marker}"))?;
    Some(line[at + 1 + marker.len()..].to_string())
}

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
    let doc = std::fs::read_to_string(format!("{MANIFEST}/docs/rollout.md")).unwrap();
    let steps = steps(&doc);
    assert!(steps.len() >= 15, "{steps:?}");
    let dir = tempfile::tempdir().unwrap();
    copy(
        &PathBuf::from(format!("{MANIFEST}/testdata/rollout/sample")),
        dir.path(),
    );
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_imagegate"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (i, step) in steps.iter().enumerate() {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("set -o pipefail\n{}", step.text))
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("IMAGEGATE_TODAY", "2026-11-28")
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .output()
            .unwrap();
        let output = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            out.status.code(),
            Some(step.exit),
            "step {i}: `{}` exited {:?}, the playbook says {}:\n{output}",
            step.text,
            out.status.code(),
            step.exit
        );
        if let Some(text) = &step.prints {
            assert!(
                output.contains(text.as_str()),
                "step {i}: `{}` does not print `{text}`:\n{output}",
                step.text
            );
        }
    }
}

#[test]
fn the_runner_reads_exit_codes_prints_and_here_documents() {
    let steps = steps(
        "text\n```sh\na   # exit 2\nb  # prints: x y\ncat > f <<'EOF'\n1\nEOF\n```\n```text\nnot run\n```\n",
    );
    assert_eq!(steps.len(), 3);
    assert_eq!((steps[0].exit, steps[0].prints.as_deref()), (2, None));
    assert_eq!(
        (steps[1].exit, steps[1].prints.as_deref()),
        (0, Some("x y"))
    );
    assert_eq!(steps[2].text, "cat > f <<'EOF'\n1\nEOF");
}
