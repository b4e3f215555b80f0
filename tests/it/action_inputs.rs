//! What the GitHub Action hands imagegate on a pull request (#24, docs/action-trust.md): the
//! base branch's policy read from a private copy as the config at its place in the workspace
//! (`--config FILE --config-as PATH`), and, in every report, the SHA-256 of the config and the
//! baseline the run read, which the Action compares with the base branch's bytes.

use crate::common::{Repo, copy_tree, git};
use serde_json::Value;

/// `testdata/action/config-as/base/imagegate.toml`'s SHA-256 (`sha256sum` of the committed
/// bytes).
const BASE_POLICY_SHA256: &str = "0e6e0b21c043e364a0cdcd6eed228be6b21fc97e76da5bf2800abcbcb8fb9e3d";

/// `testdata/action/config-as/base/.imagegate-baseline.json`'s SHA-256.
const BASE_BASELINE_SHA256: &str =
    "63bb35f1c67507c2562b925c07010f1d6fab5a3cfb5e06a551a4fff9f1833c5b";

/// `testdata/action/config-as/workspace/imagegate.toml`'s SHA-256.
const WORKSPACE_POLICY_SHA256: &str =
    "960c128cba7c5836c6f76d11a3ff9750fb9d0c3e8e4814afaa4f03d8ab021497";

/// A copy of `testdata/action/config-as`: `base/` (the private copy of the base branch's
/// policy files) beside `workspace/` (the pull request's checkout, a git repository).
fn action_fixture() -> Repo {
    let repo = Repo::new();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/action/config-as");
    copy_tree(&folder, repo.path());
    git(&repo.path().join("workspace"), &["init", "-q"]);
    repo
}

/// `imagegate ARGS` in `workspace/` on 2026-11-28: (exit code, stdout, stderr).
fn in_workspace(repo: &Repo, args: &[&str]) -> (Option<i32>, String, String) {
    let out = repo
        .imagegate(args)
        .current_dir(repo.path().join("workspace"))
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (rule, path, line, status) of every finding of a JSON report.
fn findings(report: &Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn a_config_read_from_a_private_copy_governs_as_the_one_at_its_place() {
    let repo = action_fixture();
    let (code, stdout, stderr) = in_workspace(
        &repo,
        &[
            "check",
            "--format",
            "json",
            "--config",
            "../base/imagegate.toml",
            "--config-as",
            "imagegate.toml",
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    let report = json(&stdout);
    let s =
        |a: &str, b: &str, line: u64, c: &str| (a.to_string(), b.to_string(), line, c.to_string());
    assert_eq!(
        findings(&report),
        [
            // `[parameter_files]` names the workspace's files: the template is deployed with
            // `env/prod.json`, whose Marketplace image the base's policy does not approve (the
            // pull request's own `imagegate.toml` approves everything: it is not read).
            s("IG001", "env/prod.json", 6, "open"),
            // The gallery snapshot is the one beside the base's policy (an end of life), not
            // the workspace's edit of it (none).
            s("IG004", "golden/azuredeploy.json", 16, "open"),
            // The `[[exempt]]` path glob is relative to the config's place: `legacy/**`.
            s("IG001", "legacy/azuredeploy.json", 16, "exempt"),
            // A config lower in the tree is not in effect; `imagegate.toml` is.
            s("IG006", "sub/imagegate.toml", 1, "open"),
        ]
    );
    assert!(
        report["findings"][3]["message"]
            .as_str()
            .unwrap()
            .contains("(the run used imagegate.toml)")
    );
    let config = &report["summary"]["config"];
    assert_eq!(config["path"], "imagegate.toml");
    // What was read: the private copy's bytes.
    assert_eq!(config["sha256"], BASE_POLICY_SHA256);
    // The same run with the copy as a config of its own cannot even start: its
    // `[parameter_files]` name files beside it that are not there.
    let (code, _, stderr) = in_workspace(&repo, &["check", "--config", "../base/imagegate.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("key `parameter_files`: `app/vm.json`"),
        "{stderr}"
    );
}

#[test]
fn config_as_needs_a_config_to_read() {
    let repo = action_fixture();
    let (code, _, stderr) = in_workspace(&repo, &["check", "--config-as", "imagegate.toml"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--config <FILE>"), "{stderr}");
}

#[test]
fn reports_name_the_bytes_of_the_config_and_the_baseline_read() {
    let repo = action_fixture();
    let policy = [
        "--config",
        "../base/imagegate.toml",
        "--config-as",
        "imagegate.toml",
        "--baseline",
        "../base/.imagegate-baseline.json",
    ];
    let mut args = vec!["check", "--format", "json"];
    args.extend(policy);
    let (code, stdout, stderr) = in_workspace(&repo, &args);
    assert_eq!(code, Some(1), "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["summary"]["config"]["sha256"], BASE_POLICY_SHA256);
    let baseline = &report["summary"]["baseline"];
    assert_eq!(baseline["file"], "../base/.imagegate-baseline.json");
    assert_eq!(baseline["sha256"], BASE_BASELINE_SHA256);
    assert_eq!(baseline["known"], 1);
    // SARIF names the config in the run's properties.
    let mut args = vec!["check", "--format", "sarif"];
    args.extend(policy);
    let (_, stdout, _) = in_workspace(&repo, &args);
    let sarif = json(&stdout);
    assert_eq!(
        sarif["runs"][0]["properties"]["config"]["sha256"],
        BASE_POLICY_SHA256
    );
    // A config found by discovery is named by its bytes too (the pull request's own here).
    let (_, stdout, _) = in_workspace(&repo, &["check", "--format", "json", "golden"]);
    let found = &json(&stdout)["summary"]["config"];
    assert_eq!(found["path"], "imagegate.toml");
    assert_eq!(found["sha256"], WORKSPACE_POLICY_SHA256);
    // The embedded default has no bytes: no digest.
    let bare = Repo::new();
    bare.write("x.json", "{}");
    let out = bare
        .imagegate(&["check", "--format", "json"])
        .output()
        .expect("runs");
    let config = &json(&String::from_utf8_lossy(&out.stdout))["summary"]["config"];
    assert_eq!(config["path"], Value::Null);
    assert!(config.get("sha256").is_none(), "{config}");
}
