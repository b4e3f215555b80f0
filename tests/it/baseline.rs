//! Baselines (#14): `--write-baseline FILE` records the findings by fingerprint; `--baseline
//! FILE` reports only new ones and lists the entries that are gone. Fingerprints hold across
//! line moves and reformatting.

use crate::common::{GOLDEN_VERSION, Repo, vm_template};
use serde_json::Value;

const MARKETPLACE: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

fn run(repo: &Repo, args: &[&str]) -> (Option<i32>, String, String) {
    let out = repo.imagegate(args).output().expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(repo: &Repo, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(repo, &all);
    (
        code,
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}")),
    )
}

/// An estate adopted with two unapproved VMs.
fn adopted() -> Repo {
    let repo = Repo::new();
    repo.write("web/azuredeploy.json", vm_template("web-vm", MARKETPLACE));
    repo.write(
        "db/azuredeploy.json",
        vm_template(
            "db-vm",
            r#"{ "publisher": "MicrosoftSQLServer", "offer": "sql2022-ws2022", "sku": "enterprise-gen2", "version": "latest" }"#,
        ),
    );
    repo
}

#[test]
fn a_baseline_accepts_todays_findings_and_fails_only_on_new_ones() {
    let repo = adopted();
    let (code, _, stderr) = run(
        &repo,
        &["check", "--write-baseline", ".imagegate-baseline.json"],
    );
    // What is written is accepted, this run included.
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("wrote 2 findings to the baseline .imagegate-baseline.json"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(repo.path().join(".imagegate-baseline.json")).unwrap();
    let baseline: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(baseline["version"], 1);
    let entries = baseline["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    // Sorted by path: diff-friendly.
    assert_eq!(entries[0]["path"], "db/azuredeploy.json");
    assert_eq!(entries[0]["rule"], "IG001");
    assert_eq!(
        entries[0]["resource"],
        "Microsoft.Compute/virtualMachines/db-vm"
    );
    assert!(!written.contains("\"line\""), "no line numbers: {written}");
    // Deterministic: written again, the same bytes.
    run(
        &repo,
        &["check", "--write-baseline", ".imagegate-baseline.json"],
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join(".imagegate-baseline.json")).unwrap(),
        written
    );

    let (code, report) = json(&repo, &["--baseline", ".imagegate-baseline.json"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["summary"]["findings"]["error"], 0);
    assert_eq!(report["summary"]["suppressed"]["baseline"], 2);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "baseline")
    );
    // The truth about the estate is unchanged: both VMs are still noncompliant.
    assert_eq!(report["summary"]["compliance_percent"], 0.0);
    // Said in words that agree with it: nothing new, never "all clear" beside 0% compliant.
    let (_, stdout, _) = run(&repo, &["check", "--baseline", ".imagegate-baseline.json"]);
    assert!(stdout.starts_with("No new findings.\n"), "{stdout}");
    assert!(!stdout.contains("All clear"), "{stdout}");

    // A new unapproved VM fails the run; the accepted ones do not.
    repo.write(
        "batch/azuredeploy.json",
        vm_template("batch-vm", MARKETPLACE),
    );
    let (code, stdout, _) = run(&repo, &["check", "--baseline", ".imagegate-baseline.json"]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("--> batch/azuredeploy.json:16:29"),
        "{stdout}"
    );
    assert!(!stdout.contains("--> web/"), "{stdout}");
    assert!(
        stdout
            .contains("Not counted: 2 in the baseline .imagegate-baseline.json (0 entries gone)."),
        "{stdout}"
    );
}

#[test]
fn fixed_entries_are_listed_and_lines_moving_or_reformatting_changes_nothing() {
    let repo = adopted();
    run(&repo, &["check", "--write-baseline", "baseline.json"]);
    // The web VM moves the golden image; the db template is reformatted and moved down.
    repo.write(
        "web/azuredeploy.json",
        vm_template("web-vm", &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#)),
    );
    let db = std::fs::read_to_string(repo.path().join("db/azuredeploy.json")).unwrap();
    let reformatted = format!(
        "\n\n// the database tier\n{}",
        db.replace("  ", "\t").replace("\": ", "\" : ")
    );
    repo.write("db/azuredeploy.json", reformatted);
    let (code, report) = json(&repo, &["--baseline", "baseline.json"]);
    assert_eq!(code, Some(0), "{report}");
    let f = &report["findings"].as_array().unwrap()[0];
    assert_eq!(
        (f["path"].as_str(), f["status"].as_str()),
        (Some("db/azuredeploy.json"), Some("baseline"))
    );
    assert_eq!(f["line"], 19);
    let fixed = report["summary"]["baseline"]["fixed"].as_array().unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0]["path"], "web/azuredeploy.json");
    let (_, stdout, _) = run(&repo, &["check", "--baseline", "baseline.json"]);
    assert!(
        stdout.contains("Gone since the baseline baseline.json (fixed, or no longer in the run):\n  web/azuredeploy.json: IG001 Microsoft.Compute/virtualMachines/web-vm, Marketplace image Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest\n"),
        "{stdout}"
    );
    // SARIF says which results the baseline holds.
    let (_, sarif, _) = run(
        &repo,
        &["check", "--format", "sarif", "--baseline", "baseline.json"],
    );
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["baselineState"], "unchanged");
    assert_eq!(result["suppressions"][0]["kind"], "external");
}

#[test]
fn a_run_over_named_files_lists_as_gone_only_entries_of_those_files() {
    let repo = adopted();
    run(&repo, &["check", "--write-baseline", "baseline.json"]);
    let (code, report) = json(
        &repo,
        &["--baseline", "baseline.json", "web/azuredeploy.json"],
    );
    assert_eq!(code, Some(0));
    assert_eq!(
        report["summary"]["baseline"]["fixed"],
        serde_json::json!([])
    );
    assert_eq!(report["summary"]["suppressed"]["baseline"], 1);
}

#[test]
fn exempted_findings_and_parse_errors_are_not_baselined() {
    let repo = adopted();
    repo.write(
        "imagegate.toml",
        "[[exempt]]\npath = \"db/**\"\nreason = \"the DBA team's image\"\n",
    );
    repo.write(
        "broken/azuredeploy.json",
        format!(
            "{{ \"$schema\": \"{}\", \"resources\": [",
            crate::common::SCHEMA
        ),
    );
    let (code, _, stderr) = run(&repo, &["check", "--write-baseline", "baseline.json"]);
    // The parse error still fails the run: a file nobody could read is not accepted.
    assert_eq!(code, Some(1), "{stderr}");
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("baseline.json")).unwrap())
            .unwrap();
    let rules: Vec<(&str, &str)> = baseline["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(rules, [("web/azuredeploy.json", "IG001")]);
}

#[test]
fn a_baseline_that_cannot_be_read_stops_the_run() {
    let repo = adopted();
    let (code, _, stderr) = run(&repo, &["check", "--baseline", "missing.json"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("cannot read the baseline missing.json"),
        "{stderr}"
    );
    repo.write("not-a-baseline.json", r#"{"findings": 3}"#);
    let (code, _, stderr) = run(&repo, &["check", "--baseline", "not-a-baseline.json"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("not-a-baseline.json is not an imagegate baseline"),
        "{stderr}"
    );
}
