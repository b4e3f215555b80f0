//! The command-line contract: exit codes, config discovery and errors, output files, file
//! selection, determinism.

use crate::common::*;
use predicates::prelude::*;

#[test]
fn exit_0_when_compliant_and_1_on_errors() {
    let repo = Repo::new();
    repo.write("ok/azuredeploy.json", golden_vm("vm-ok"));
    repo.binary(&["check", "ok"]).assert().code(0);
    repo.write("bad/azuredeploy.json", marketplace_vm("vm-bad"));
    repo.binary(&["check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[IG001]"))
        .stdout(predicate::str::contains("bad/azuredeploy.json:"));
}

#[test]
fn exit_zero_and_audit_mode_do_not_fail_the_run() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", marketplace_vm("vm"));
    repo.binary(&["check", "--exit-zero"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("error[IG001]"));
    repo.binary(&["check", "--mode", "audit"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[IG001]"));
    repo.write("imagegate.toml", "mode = \"audit\"\n");
    repo.binary(&["check"]).assert().code(0);
    // The flag overrides the config.
    repo.binary(&["check", "--mode", "deny"]).assert().code(1);
}

#[test]
fn fail_on_chooses_the_least_severe_finding_that_fails_the_run() {
    // Audit mode turns IG001 into warnings: the run passes unless `--fail-on warning` asks to
    // hold warnings too; `--fail-on never` passes whatever is found (like --exit-zero).
    let repo = Repo::new();
    repo.write("azuredeploy.json", marketplace_vm("vm"));
    repo.binary(&["check", "--mode", "audit"]).assert().code(0);
    repo.binary(&["check", "--mode", "audit", "--fail-on", "warning"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("warning[IG001]"));
    repo.binary(&["check", "--fail-on", "error"])
        .assert()
        .code(1);
    repo.binary(&["check", "--fail-on", "never"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("error[IG001]"));
    // A compliant repository passes even at the strictest setting.
    let ok = Repo::new();
    ok.write("azuredeploy.json", golden_vm("vm"));
    ok.binary(&["check", "--fail-on", "warning"])
        .assert()
        .code(0);
    // The two ways of saying "never" are not combined.
    repo.binary(&["check", "--exit-zero", "--fail-on", "warning"])
        .assert()
        .code(2);
}

#[test]
fn exit_2_for_runs_that_cannot_happen() {
    let repo = Repo::new();
    repo.binary(&["check", "does-not-exist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does-not-exist"));
    repo.binary(&["check", "--format", "xml"]).assert().code(2);
    repo.binary(&["check", "--exclude", "a[b"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--exclude"));
    repo.binary(&["check", "--config", "missing.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn config_errors_name_file_line_and_key() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", golden_vm("vm"));
    repo.write(
        "imagegate.toml",
        "mode = \"deny\"\n\n[approved]\nimages = [\"/subscriptions/*/x\"]\nmarketplce = []\n",
    );
    let out = repo
        .binary(&["check"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("imagegate.toml:5"), "{stderr}");
    assert!(stderr.contains("marketplce"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");

    repo.write(
        "imagegate.toml",
        "[approved]\nimages = [\"subscriptions/*\"]\n",
    );
    repo.binary(&["check"]).assert().code(2).stderr(
        predicate::str::contains("imagegate.toml:2")
            .and(predicate::str::contains("approved.images")),
    );
}

#[test]
fn config_is_discovered_upward_and_by_flag() {
    let repo = Repo::new();
    repo.write("sub/dir/azuredeploy.json", marketplace_vm("vm"));
    let allow = "[approved]\nmarketplace = [{ publisher = \"Canonical\", offer = \"0001-com-ubuntu-server-jammy\", sku = \"22_04-lts-*\" }]\n";
    repo.write(".imagegate.toml", allow);
    let mut cmd = repo.binary(&["check", "."]);
    cmd.current_dir(repo.path().join("sub/dir"));
    cmd.assert().code(0);
    // An explicit config wins over discovery.
    repo.write("strict.toml", "mode = \"deny\"\n");
    repo.binary(&["check", "--config", "strict.toml"])
        .assert()
        .code(1);
}

#[test]
fn output_file_receives_the_report() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", marketplace_vm("vm"));
    repo.binary(&["check", "--format", "sarif", "--output", "out.sarif"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "IG001");
    // The report is not scanned as input on the next run.
    repo.binary(&["check", "--format", "json", "--output", "out.json"])
        .assert()
        .code(1);
}

#[test]
fn include_and_exclude_globs() {
    let repo = Repo::new();
    repo.write("infra/a/azuredeploy.json", marketplace_vm("a"));
    repo.write("legacy/b/azuredeploy.json", marketplace_vm("b"));
    let r = check_json(&repo, &["--exclude", "legacy"]);
    assert_eq!(
        rules_and_paths(&r),
        [("IG001".into(), "infra/a/azuredeploy.json".into())]
    );
    let r = check_json(&repo, &["--include", "legacy/**"]);
    assert_eq!(
        rules_and_paths(&r),
        [("IG001".into(), "legacy/b/azuredeploy.json".into())]
    );
    // Named files are always checked, unless --force-exclude.
    let r = check_json(&repo, &["--exclude", "legacy", "legacy/b/azuredeploy.json"]);
    assert_eq!(rules_and_paths(&r).len(), 1);
    let r = check_json(
        &repo,
        &[
            "--exclude",
            "legacy/**",
            "--force-exclude",
            "legacy/b/azuredeploy.json",
        ],
    );
    assert_eq!(rules_and_paths(&r).len(), 0);
}

#[test]
fn ignore_files_and_hidden_folders() {
    let repo = Repo::new();
    repo.write("kept/azuredeploy.json", marketplace_vm("kept"));
    repo.write("skipped/azuredeploy.json", marketplace_vm("skipped"));
    repo.write(".hidden/azuredeploy.json", marketplace_vm("hidden"));
    repo.write(".ignore", "skipped/\n");
    let r = check_json(&repo, &[]);
    assert_eq!(
        rules_and_paths(&r),
        [("IG001".into(), "kept/azuredeploy.json".into())]
    );
    let r = check_json(&repo, &["--no-ignore"]);
    assert_eq!(rules_and_paths(&r).len(), 2);
}

#[test]
fn gitignore_is_honoured_inside_git_repositories() {
    let repo = Repo::new();
    if std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(repo.path())
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        eprintln!("git is not available; skipping");
        return;
    }
    repo.write("build/azuredeploy.json", marketplace_vm("generated"));
    repo.write("src/azuredeploy.json", marketplace_vm("src"));
    repo.write(".gitignore", "build/\n");
    let r = check_json(&repo, &[]);
    assert_eq!(
        rules_and_paths(&r),
        [("IG001".into(), "src/azuredeploy.json".into())]
    );
}

#[test]
fn output_is_deterministic_and_sorted() {
    let repo = Repo::new();
    for i in 0..40 {
        repo.write(
            &format!("t{}/n{i}/azuredeploy.json", i % 7),
            marketplace_vm(&format!("vm{i}")),
        );
    }
    let run = || {
        repo.binary(&["check", "--format", "json", "--threads", "4"])
            .output()
            .unwrap()
            .stdout
    };
    let first = run();
    for _ in 0..3 {
        assert_eq!(first, run());
    }
    let report: serde_json::Value = serde_json::from_slice(&first).unwrap();
    let paths: Vec<_> = rules_and_paths(&report)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(paths.len(), 40);
}

#[test]
fn no_colour_when_not_a_terminal() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", marketplace_vm("vm"));
    let out = repo.binary(&["check"]).output().unwrap();
    assert!(
        !out.stdout.contains(&0x1b),
        "no ANSI escapes in piped output"
    );
}

#[test]
fn rules_command_lists_and_documents() {
    let repo = Repo::new();
    repo.binary(&["rules"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("IG001  unapproved-image"))
        .stdout(predicate::str::contains("IG003  unpinned-image-version"));
    repo.binary(&["rules", "IG001"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("## How to fix"));
    repo.binary(&["rules", "unresolved-image"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("IG002"));
    repo.binary(&["rules", "IG999"]).assert().code(2);
}

#[test]
fn github_format_escapes_and_annotates() {
    let repo = Repo::new();
    repo.write(
        "dir,with:odd/azuredeploy.json",
        golden_vm("vm").replace("/versions/1.4.0", ""),
    );
    let out = repo
        .binary(&["check", "--format", "github"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("::warning file=dir%2Cwith%3Aodd/azuredeploy.json,line="),
        "{text}"
    );
    assert!(
        text.contains(",title=IG003 (unpinned-image-version)::"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn an_unknown_segment_is_approved_only_under_a_wildcard() {
    let repo = Repo::new();
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/arm/unresolved-image/azuredeploy.json"
    ))
    .unwrap();
    repo.write("azuredeploy.json", &template);
    let status = |report: &serde_json::Value| {
        report["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "vm-gallery-rg-unknown")
            .map(|r| r["status"].as_str().unwrap().to_string())
    };
    // Default glob: `*` at resourceGroups, so every value of the unknown group is approved.
    assert_eq!(
        status(&check_json(&repo, &[])).as_deref(),
        Some("compliant")
    );
    // A literal group in the glob: the unknown group decides, so it cannot be told.
    repo.write(
        "imagegate.toml",
        "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"]\n",
    );
    let report = check_json(&repo, &[]);
    assert_eq!(status(&report).as_deref(), Some("unresolved"));
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"]["name"] == "vm-gallery-rg-unknown")
        .unwrap();
    assert_eq!(finding["rule"], "IG002");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("imageGalleryResourceGroup"),
        "{finding}"
    );
    // A group that can never match: unapproved whatever the rest is.
    repo.write(
        "imagegate.toml",
        "[approved]\nimages = [\"/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/otherGallery/images/*\"]\n",
    );
    assert_eq!(
        status(&check_json(&repo, &[])).as_deref(),
        Some("noncompliant")
    );
}

#[test]
fn a_glob_that_approves_nothing_is_a_config_error() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", golden_vm("vm"));
    // The gallery's ID, as the portal's "copy resource ID" gives it: it matches no image
    // definition, so it would approve nothing (and every golden image would fail).
    repo.write(
        "imagegate.toml",
        "[approved]\nimages = [\n  \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery\",\n]\n",
    );
    repo.binary(&["check"]).assert().code(2).stderr(
        predicate::str::contains("imagegate.toml:3")
            .and(predicate::str::contains("approved.images"))
            .and(predicate::str::contains("add `/images/*`")),
    );
    // A version ID: definitions are judged, so it never matches.
    repo.write(
        "imagegate.toml",
        format!("[approved]\nimages = [\"{GOLDEN_VERSION}\"]\n"),
    );
    repo.binary(&["check"]).assert().code(2).stderr(
        predicate::str::contains("imagegate.toml:2").and(predicate::str::contains("/versions/")),
    );
}

/// A report that was not written in full is not a pass: stdout closed by its reader is exit 2.
/// A standard error that cannot be written never panics the run.
#[cfg(unix)]
#[test]
fn a_report_cut_short_is_exit_2_and_a_closed_stderr_is_harmless() {
    let repo = Repo::new();
    for i in 0..40 {
        repo.write(&format!("t{i}/azuredeploy.json"), marketplace_vm("vm"));
    }
    let bin = assert_cmd::cargo::cargo_bin("imagegate");
    let run = |script: &str| {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(script)
            .current_dir(repo.path())
            .env("IG", &bin)
            .output()
            .expect("bash")
    };
    // The reader exits before the report is written: imagegate's own status is the pipeline's.
    let cut =
        run(r#"set -o pipefail; "$IG" check --format json --exit-zero . | head -c 0; exit $?"#);
    assert_eq!(
        cut.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&cut.stderr)
    );
    // Notes to a closed standard error (a link cycle gives one): no panic, the usual exit.
    repo.write(
        "cycle/azuredeploy.json",
        format!(
            r#"{{"$schema": "{SCHEMA}", "resources": [{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "self", "properties": {{"mode": "Incremental", "templateLink": {{"relativePath": "azuredeploy.json"}}}}}}]}}"#
        ),
    );
    let closed = run(
        r#""$IG" check --format json --exit-zero --verbose . 2>&- >/dev/null; echo "status=$?""#,
    );
    let stdout = String::from_utf8_lossy(&closed.stdout);
    assert!(stdout.contains("status=0"), "{stdout}");
    // A full disk, for standard output and for `--output`, in every format: exit 2.
    if std::path::Path::new("/dev/full").exists() {
        for format in ["human", "json", "sarif", "github"] {
            let full = run(&format!(
                r#""$IG" check --format {format} --exit-zero . >/dev/full; echo "status=$?";
                   "$IG" check --format {format} --exit-zero --output /dev/full .; echo "status=$?""#
            ));
            let stdout = String::from_utf8_lossy(&full.stdout);
            assert_eq!(stdout, "status=2\nstatus=2\n", "{format}: {full:?}");
        }
    }
}

#[test]
fn a_registry_module_is_read_from_the_module_cache_under_the_process_home() {
    // The Bicep CLI caches `bicep restore`'s modules in `$HOME/.bicep` (Azure/bicep 9beb0fee60,
    // src/Bicep.Core/Features/FeatureProvider.cs); the process's HOME is where imagegate
    // looks, and what an unrestored module's help tells to do.
    let repo = Repo::new();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/registry");
    // A private registry module (imagegate's catalogue knows only the public registry's).
    copy_tree(&fixtures.join("private-alias"), repo.path());
    let home = tempfile::tempdir().expect("home");
    repo.binary(&["check", "main.bicep"])
        .env("HOME", home.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[IG002]"))
        .stdout(predicate::str::contains(
            "help: run `bicep restore` on the Bicep file before the check (it writes the module to \
             `~/.bicep/br/contoso.azurecr.io/modules$compute$vmss/1.2.0$/main.json`, \
             where imagegate reads it), or map the module reference to a local copy under `[links]` \
             in imagegate.toml",
        ));
    copy_tree(&fixtures.join("cache"), &home.path().join(".bicep"));
    repo.binary(&["check", "main.bicep"])
        .env("HOME", home.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[IG001]"))
        .stdout(predicate::str::contains("--> main.bicep:7:"));
}
