//! The fixture contract: `testdata/arm/EXPECTED.md` lists every image-bearing resource of the
//! hand-written fixtures with its expected rule or status, and per-file finding totals. This
//! test parses that table and checks a real run over `testdata/` against every row.

use std::collections::BTreeMap;

use crate::common::Command;
use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> Value {
    let out = Command::new()
        .current_dir(MANIFEST)
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

struct Row {
    file: String,
    resource_type: String,
    name: String,
    expected: String,
}

fn expected_rows(text: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for line in text.lines() {
        if !(line.starts_with("| arm/") || line.starts_with("| hostile/")) {
            continue;
        }
        let c = cells(line);
        // Row lines: file | `type` `name` | expected | why
        if c.len() < 4 || !c[1].contains('`') {
            continue;
        }
        let (ty, rest) = c[1].split_once(' ').expect("type and name");
        let name = rest.split('`').nth(1).expect("name in backticks");
        rows.push(Row {
            file: format!("testdata/{}", c[0]),
            resource_type: ty.to_ascii_lowercase(),
            name: name.to_string(),
            expected: c[2].clone(),
        });
    }
    rows
}

#[test]
fn every_expected_row_holds() {
    let text = std::fs::read_to_string(format!("{MANIFEST}/testdata/arm/EXPECTED.md")).unwrap();
    let rows = expected_rows(&text);
    assert!(
        rows.len() >= 30,
        "the table was parsed ({} rows)",
        rows.len()
    );
    let report = run(&["check", "testdata", "--format", "json", "--exit-zero"]);
    let findings = report["findings"].as_array().unwrap();
    let resources = report["resources"].as_array().unwrap();
    let same = |v: &Value, row: &Row| {
        v["path"] == row.file.as_str()
            && v["type"].as_str().map(str::to_ascii_lowercase).as_deref()
                == Some(&row.resource_type)
            && v["name"] == row.name.as_str()
    };
    for row in &rows {
        let entries: Vec<_> = resources.iter().filter(|r| same(r, row)).collect();
        let about: Vec<_> = findings
            .iter()
            .filter(|f| {
                // A finding is about its resource and every resource it covers (resources
                // whose image comes from one literal share one finding, which lists each
                // declaration among its related locations).
                let declared = format!("'{}' is declared here", row.name);
                f["path"] == row.file.as_str()
                    && (f["resource"]["name"] == row.name.as_str()
                        || f["related"].as_array().unwrap().iter().any(|r| {
                            r["path"] == row.file.as_str()
                                && r["message"].as_str().unwrap().ends_with(&declared)
                        }))
            })
            .collect();
        let what = format!("{} {} {}", row.file, row.resource_type, row.name);
        // `… + IG010`: one IG010 more, about the image version the resource publishes.
        let (expected, publishes) = match row.expected.split_once(" + ") {
            Some((expected, "IG010")) => (expected, true),
            Some((_, other)) => panic!("unknown expectation `+ {other}` for {what}"),
            None => (row.expected.as_str(), false),
        };
        let (about, published): (Vec<&Value>, Vec<&Value>) =
            about.into_iter().partition(|f| f["rule"] != "IG010");
        assert_eq!(
            published.len(),
            usize::from(publishes),
            "{what}: IG010 findings, got {published:#?}"
        );
        let (status, rule) = match expected {
            "IG001" => ("noncompliant", Some("IG001")),
            "IG002" => ("unresolved", Some("IG002")),
            "IG003" => ("compliant", Some("IG003")),
            "compliant" => ("compliant", None),
            "not judged" => ("not-judged", None),
            "skipped" => {
                assert!(
                    entries.is_empty() && about.is_empty(),
                    "{what} must be skipped"
                );
                continue;
            }
            other => panic!("unknown expectation `{other}` for {what}"),
        };
        assert_eq!(entries.len(), 1, "{what}: one resource entry");
        assert_eq!(entries[0]["status"], status, "{what}");
        match rule {
            Some(rule) => {
                assert_eq!(
                    about.len(),
                    1,
                    "{what}: exactly one finding, got {about:#?}"
                );
                assert_eq!(about[0]["rule"], rule, "{what}");
            }
            None => assert!(about.is_empty(), "{what}: no finding, got {about:#?}"),
        }
    }
}

#[test]
fn per_file_totals_hold() {
    let text = std::fs::read_to_string(format!("{MANIFEST}/testdata/arm/EXPECTED.md")).unwrap();
    let report = run(&["check", "testdata", "--format", "json", "--exit-zero"]);
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        by_file
            .entry(f["path"].as_str().unwrap().to_string())
            .or_default()
            .push(f["rule"].as_str().unwrap().to_string());
    }
    let mut checked = 0;
    for line in text.lines() {
        let c = cells(line);
        // Totals lines: file | findings | IG000 | IG001 | IG002 | IG003 | entries | compliant
        if c.len() != 8 || !(c[0].starts_with("arm/") || c[0].starts_with("hostile/")) {
            continue;
        }
        let Ok(total) = c[1].parse::<usize>() else {
            continue;
        };
        if c[0].contains('*') {
            let prefix = format!("testdata/{}", c[0].split('*').next().unwrap());
            assert!(
                by_file.keys().all(|k| !k.starts_with(&prefix)),
                "nothing under {prefix}"
            );
            continue;
        }
        let path = format!("testdata/{}", c[0]);
        let rules = by_file.get(&path).cloned().unwrap_or_default();
        assert_eq!(rules.len(), total, "{path}: {rules:?}");
        for (i, id) in ["IG000", "IG001", "IG002", "IG003"].iter().enumerate() {
            let want: usize = c[2 + i].parse().unwrap();
            assert_eq!(
                rules.iter().filter(|r| r == id).count(),
                want,
                "{path} {id}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 15, "totals table parsed ({checked} rows)");
    // No finding in a file the table does not list (the table covers `arm/` and `hostile/`;
    // `tfplan/` has its own contract in tests/tfplan.rs, `bicep/` in tests/bicep.rs,
    // `rollout/lifecycle/` in tests/lifecycle.rs, `fleet/` in tests/fleet.rs, `rules/` in
    // tests/it/rules.rs, `project/` in tests/it/named_files.rs, `literals/` in
    // tests/it/literals.rs, `registry/` in tests/it/registry.rs, `exemptions/` in
    // tests/it/exemptions.rs, `action/` in tests/it/action_inputs.rs, `containers/` in
    // tests/it/containers.rs, `provenance/` in tests/it/provenance.rs, `pairs/` in
    // tests/it/pairs.rs, `factory/` in tests/it/factory.rs, `terraform-src/` in
    // tests/it/terraform_sources.rs).
    for path in by_file.keys() {
        let rel = path.trim_start_matches("testdata/");
        if [
            "tfplan/",
            "bicep/",
            "rollout/",
            "fleet/",
            "rules/",
            "project/",
            "literals/",
            "registry/",
            "exemptions/",
            "action/",
            "containers/",
            "provenance/",
            "pairs/",
            "factory/",
            "terraform-src/",
        ]
        .iter()
        .any(|dir| rel.starts_with(dir))
        {
            continue;
        }
        assert!(
            text.contains(&format!("| {rel} |")),
            "unexpected findings in {path}"
        );
    }
}

#[test]
fn audit_mode_turns_unapproved_into_warnings_but_not_parse_errors() {
    let report = run(&["check", "testdata", "--format", "json", "--mode", "audit"]);
    for f in report["findings"].as_array().unwrap() {
        let expected = if f["rule"] == "IG000" {
            "error"
        } else {
            "warning"
        };
        assert_eq!(f["severity"], expected, "{f}");
    }
}
