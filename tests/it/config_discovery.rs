//! Which config a run uses: found from the paths given on the command line upward (inside a
//! git repository, the one nearest its top), then from the working directory; one for the
//! whole run. A config lower in the scanned tree never loosens the policy for its folder (a
//! pull request could add one): it is reported (IG006). Every report names the config in effect.

use crate::common::*;
use predicates::prelude::*;

/// A config that approves the Marketplace image of [`marketplace_vm`].
const ALLOW_UBUNTU: &str = "[approved]\nmarketplace = [{ publisher = \"Canonical\", offer = \"0001-com-ubuntu-server-jammy\", sku = \"22_04-lts-*\" }]\n";

/// The `(rule, path)` pairs of a JSON report run from `dir` with `args`.
fn findings_from(dir: &std::path::Path, repo: &Repo, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check", "--format", "json", "--exit-zero"];
    all.extend_from_slice(args);
    let out = repo.imagegate(&all).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_folder_checked_from_elsewhere_uses_its_repositorys_policy() {
    let repo = Repo::new();
    repo.write(".imagegate.toml", ALLOW_UBUNTU);
    repo.write("infra/azuredeploy.json", marketplace_vm("vm"));
    let elsewhere = tempfile::tempdir().unwrap();
    let infra = repo.path().join("infra");
    let infra = infra.to_str().unwrap();
    let mut cmd = repo.imagegate(&["check", infra]);
    cmd.current_dir(elsewhere.path());
    cmd.assert()
        .code(0)
        .stdout(predicate::str::contains(format!(
            "Config: {} (deny mode).",
            repo.path()
                .canonicalize()
                .unwrap()
                .join(".imagegate.toml")
                .display()
        )));
}

#[test]
fn a_config_lower_in_a_repository_does_not_loosen_its_folder() {
    let repo = Repo::new();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    repo.write("imagegate.toml", "mode = \"deny\"\n");
    // Added by a pull request beside its template, approving the Marketplace image.
    repo.write("team/imagegate.toml", ALLOW_UBUNTU);
    repo.write("team/azuredeploy.json", marketplace_vm("vm"));
    let team = repo.path().join("team");
    // Whole repository, the folder, the file (as pre-commit names it), from the folder: the
    // repository's policy every time.
    for (dir, args) in [
        (repo.path(), vec!["."]),
        (repo.path(), vec!["team"]),
        (repo.path(), vec!["team/azuredeploy.json"]),
        (team.as_path(), vec!["."]),
        (team.as_path(), vec!["azuredeploy.json"]),
    ] {
        let report = findings_from(dir, &repo, &args);
        let rules: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        assert!(rules.contains(&"IG001"), "{dir:?} {args:?}: {report}");
        assert_eq!(
            report["summary"]["config"]["path"]
                .as_str()
                .map(|p| p.ends_with("imagegate.toml") && !p.contains("team")),
            Some(true),
            "{dir:?} {args:?}: {report}"
        );
    }
    // The lower config is reported when the scan covers it, and names the config in effect.
    let report = findings_from(repo.path(), &repo, &[]);
    let ig006: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG006")
        .collect();
    assert_eq!(ig006.len(), 1, "{report}");
    assert_eq!(ig006[0]["path"], "team/imagegate.toml");
    assert_eq!(ig006[0]["severity"], "warning");
    assert!(
        ig006[0]["message"]
            .as_str()
            .unwrap()
            .contains("(the run used imagegate.toml)"),
        "{report}"
    );
    repo.imagegate(&["check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("warning[IG006]"))
        .stdout(predicate::str::contains("team/imagegate.toml:1:1"));
}

#[test]
fn hidden_and_named_lower_configs_are_reported_but_not_the_one_in_effect() {
    let repo = Repo::new();
    repo.write("imagegate.toml", "mode = \"deny\"\n");
    repo.write("a/.imagegate.toml", ALLOW_UBUNTU);
    repo.write("a/azuredeploy.json", golden_vm("vm"));
    let report = check_json(&repo, &[]);
    assert_eq!(
        rules_and_paths(&report),
        [("IG006".to_string(), "a/.imagegate.toml".to_string())]
    );
    // Named on the command line (a pre-commit hook passing every changed file).
    let report = check_json(&repo, &["a/.imagegate.toml", "a/azuredeploy.json"]);
    assert_eq!(
        rules_and_paths(&report),
        [("IG006".to_string(), "a/.imagegate.toml".to_string())]
    );
    // Excluded folders are not looked at; an explicit --config makes the root's file one not
    // in effect.
    assert!(rules_and_paths(&check_json(&repo, &["--exclude", "a"])).is_empty());
    repo.write("strict.toml", "mode = \"deny\"\n");
    let report = check_json(&repo, &["--config", "strict.toml"]);
    let paths: Vec<String> = rules_and_paths(&report)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(paths, ["a/.imagegate.toml", "imagegate.toml"]);
    assert_eq!(report["summary"]["config"]["path"], "strict.toml");
}

#[test]
fn paths_under_different_configs_are_refused() {
    let repo = Repo::new();
    repo.write("one/imagegate.toml", "mode = \"deny\"\n");
    repo.write("one/azuredeploy.json", golden_vm("a"));
    repo.write("two/imagegate.toml", ALLOW_UBUNTU);
    repo.write("two/azuredeploy.json", marketplace_vm("b"));
    repo.imagegate(&["check", "one", "two"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("different configs"))
        .stderr(predicate::str::contains("--config"));
    repo.imagegate(&["check", "two"]).assert().code(0);
    repo.imagegate(&["check", "one"]).assert().code(0);
}

#[test]
fn the_embedded_default_is_named() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", golden_vm("vm"));
    repo.imagegate(&["check"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Config: the embedded default (deny mode).",
        ));
    let report = check_json(&repo, &[]);
    assert!(report["summary"]["config"]["path"].is_null());
    assert_eq!(report["summary"]["config"]["mode"], "deny");
}

/// A config imagegate finds is read only as a regular file of at most 4 MiB (#24): a
/// repository that makes `imagegate.toml` a symbolic link (to a secret elsewhere, whose
/// content a parse error would quote; to a folder or nowhere, to fall back to another policy)
/// or a FIFO (to hold the run forever) stops the run with exit 2, saying why; so does a
/// config too large to be one. A config named with `--config` is the user's choice and may
/// be a link.
#[cfg(unix)]
#[test]
fn a_found_config_is_a_regular_file_never_a_link_a_fifo_or_a_flood() {
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(
        secret.path().join("id_rsa"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA SECRET\n",
    )
    .unwrap();
    let stop = |repo: &Repo, why: &str| {
        let out = repo.imagegate(&["check"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
        assert!(!stderr.contains("SECRET"), "{stderr}");
    };
    let link = |target: &std::path::Path| {
        let repo = Repo::new();
        repo.write("infra/azuredeploy.json", marketplace_vm("vm"));
        std::os::unix::fs::symlink(target, repo.path().join("imagegate.toml")).unwrap();
        repo
    };
    // A link out of the repository, to a folder, and to nothing.
    stop(&link(&secret.path().join("id_rsa")), "symbolic link");
    stop(&link(secret.path()), "symbolic link");
    stop(&link(&secret.path().join("gone")), "symbolic link");
    // Named with --config, a link is followed (and a parse error names the file).
    let repo = link(&secret.path().join("id_rsa"));
    let out = repo
        .imagegate(&["check", "--config", "imagegate.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid config"));
    // A FIFO: refused at once, not waited on.
    let repo = Repo::new();
    repo.write("infra/azuredeploy.json", marketplace_vm("vm"));
    let made = std::process::Command::new("mkfifo")
        .arg(repo.path().join("imagegate.toml"))
        .status()
        .is_ok_and(|s| s.success());
    if made {
        stop(&repo, "not a regular file");
    }
    // A flood: more than 4 MiB of comments.
    let repo = Repo::new();
    repo.write("infra/azuredeploy.json", marketplace_vm("vm"));
    repo.write("imagegate.toml", "#".repeat(4 * 1024 * 1024 + 1));
    stop(&repo, "larger than 4 MiB");
}
