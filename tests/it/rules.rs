//! Every rule of the registry has fixtures written as users write them, in
//! `testdata/rules/<id>/`: `fires/` is a small project where a run reports the rule, `passes/`
//! the same project done right, where a run judges it and does not. Each project carries its
//! config (the policy the rule reads). What the rule says on its firing fixture is a snapshot
//! of the human report (`tests/it/snapshots/it__rules__<id>.snap`), as ruff keeps one per rule.

use std::path::{Path, PathBuf};

use crate::common::Command;
use imagegate::rules::Rule;

/// The day every fixture is judged on: exemptions and ends of life are dated against it.
const TODAY: &str = "2026-12-01";

fn fixture(id: &str, case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/rules")
        .join(id)
        .join(case)
}

/// `imagegate check --exit-zero --format FORMAT` in `dir`: its standard output.
fn check(dir: &Path, format: &str) -> String {
    let out = Command::new()
        .current_dir(dir)
        .env("IMAGEGATE_TODAY", TODAY)
        .args([
            "check",
            "--exit-zero",
            "--color",
            "never",
            "--format",
            format,
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The rules of the findings of a JSON report, and how many files it judged.
fn rules_and_judged(dir: &Path) -> (Vec<String>, u64) {
    let report: serde_json::Value = serde_json::from_str(&check(dir, "json")).expect("JSON");
    let rules = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect();
    let judged = report["summary"]["templates"].as_u64().unwrap_or(0);
    (rules, judged)
}

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_the_fixture_done_right() {
    for rule in Rule::ALL {
        let id = rule.id();
        let (fired, judged) = rules_and_judged(&fixture(id, "fires"));
        assert!(judged >= 1, "{id}: the firing fixture judged no file");
        assert!(
            fired.iter().any(|r| r == id),
            "{id} does not fire on its fixture: {fired:?}"
        );
        let (passed, judged) = rules_and_judged(&fixture(id, "passes"));
        assert!(judged >= 1, "{id}: the passing fixture judged no file");
        assert!(
            !passed.iter().any(|r| r == id),
            "{id} fires on the fixture that passes: {passed:?}"
        );
    }
}

#[test]
fn what_each_rule_says_on_its_fixture() {
    for rule in Rule::ALL {
        let id = rule.id();
        let human = check(&fixture(id, "fires"), "human");
        insta::assert_snapshot!(id, human);
    }
}

#[test]
fn the_fixtures_are_those_of_the_registry() {
    let mut folders: Vec<String> = std::fs::read_dir(fixture("", ""))
        .expect("testdata/rules")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(folders, ids);
}
