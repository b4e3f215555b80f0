//! `[rules]` in the config sets a rule's severity (or turns it off), and every format and the
//! exit code honour it: an image left unresolved can block a deny-mode run.

use crate::common::*;
use predicates::prelude::*;

/// A VM whose image is a required parameter with no default and no parameter file: the image
/// cannot be known offline (IG002), the way a change slips an image past the check.
fn unresolved_vm() -> String {
    format!(
        r#"{{
  "$schema": "{SCHEMA}",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "imageId": {{ "type": "string" }}
  }},
  "resources": [
    {{
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm-param",
      "location": "westeurope",
      "properties": {{
        "storageProfile": {{ "imageReference": {{ "id": "[parameters('imageId')]" }} }}
      }}
    }}
  ]
}}
"#
    )
}

/// The `(rule, severity)` pairs of a JSON report.
fn severities(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn output(repo: &Repo, format: &str) -> (Option<i32>, String) {
    let out = repo
        .imagegate(&["check", "--format", format])
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn an_unresolved_image_passes_deny_mode_by_default_and_blocks_when_made_an_error() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", unresolved_vm());
    // The documented default: a warning, exit 0.
    let (code, human) = output(&repo, "human");
    assert_eq!(code, Some(0));
    assert!(human.contains("warning[IG002]"), "{human}");

    repo.write("imagegate.toml", "[rules]\nIG002 = \"error\"\n");
    let (code, human) = output(&repo, "human");
    assert_eq!(code, Some(1), "{human}");
    assert!(human.contains("error[IG002]"), "{human}");
    assert!(
        human.contains("Config: imagegate.toml (deny mode; IG002 error)."),
        "{human}"
    );
    let (code, json) = output(&repo, "json");
    assert_eq!(code, Some(1));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(severities(&report), [("IG002".into(), "error".into())]);
    assert_eq!(report["summary"]["config"]["rules"]["IG002"], "error");
    assert_eq!(report["summary"]["config"]["path"], "imagegate.toml");
    let (code, sarif) = output(&repo, "sarif");
    assert_eq!(code, Some(1));
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["results"][0]["level"], "error");
    let rule = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "IG002")
        .unwrap();
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(run["properties"]["config"]["rules"]["IG002"], "error");
    let (code, github) = output(&repo, "github");
    assert_eq!(code, Some(1));
    assert!(
        github.starts_with("::error file=azuredeploy.json"),
        "{github}"
    );
    // --exit-zero still reports without failing.
    repo.imagegate(&["check", "--exit-zero"]).assert().code(0);
    // By name too.
    repo.write("imagegate.toml", "[rules]\nunresolved-image = \"error\"\n");
    repo.imagegate(&["check"]).assert().code(1);
}

#[test]
fn audit_mode_never_blocks_on_an_image() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", unresolved_vm());
    repo.write(
        "imagegate.toml",
        "mode = \"audit\"\n[rules]\nIG002 = \"error\"\n",
    );
    let report = check_json(&repo, &[]);
    assert_eq!(severities(&report), [("IG002".into(), "warning".into())]);
    repo.imagegate(&["check"]).assert().code(0);
    // The flag enforces it.
    repo.imagegate(&["check", "--mode", "deny"])
        .assert()
        .code(1);
}

#[test]
fn a_rule_turned_off_is_in_no_format() {
    let repo = Repo::new();
    repo.write(
        "unpinned/azuredeploy.json",
        golden_vm("vm").replace("/versions/1.4.0", ""),
    );
    repo.write("bad/azuredeploy.json", marketplace_vm("vm-bad"));
    repo.write(
        "broken/azuredeploy.json",
        format!("{{\"$schema\": \"{SCHEMA}\", \"resources\": ["),
    );
    let before = check_json(&repo, &[]);
    let rules: Vec<String> = severities(&before).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rules, ["IG001", "IG000", "IG003"]);

    repo.write(
        "imagegate.toml",
        "[rules]\nIG003 = \"off\"\nIG000 = \"warning\"\nIG001 = \"note\"\n",
    );
    let after = check_json(&repo, &[]);
    assert_eq!(
        severities(&after),
        [
            ("IG001".into(), "note".into()),
            ("IG000".into(), "warning".into())
        ]
    );
    // The resource is still counted as compliant-but-unpinned: turning a rule off hides its
    // findings, not the resources' status.
    assert_eq!(after["summary"]["resources_judged"], 2);
    repo.imagegate(&["check"]).assert().code(0);
    let (_, sarif) = output(&repo, "sarif");
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let ig003 = rules.iter().find(|r| r["id"] == "IG003").unwrap();
    assert_eq!(ig003["defaultConfiguration"]["enabled"], false);
    let ig001 = rules.iter().find(|r| r["id"] == "IG001").unwrap();
    assert_eq!(ig001["defaultConfiguration"]["level"], "note");
    let (_, github) = output(&repo, "github");
    assert!(
        !github
            .lines()
            .any(|l| l.starts_with("::") && l.contains("IG003")),
        "{github}"
    );
    assert!(
        github.contains("Found 0 errors, 1 warning and 1 note."),
        "{github}"
    );
    assert!(
        github.contains("::notice file=bad/azuredeploy.json"),
        "{github}"
    );
}

#[test]
fn bad_rule_settings_are_usage_errors() {
    let repo = Repo::new();
    repo.write("azuredeploy.json", unresolved_vm());
    repo.write(
        "imagegate.toml",
        "mode = \"deny\"\n[rules]\nIG999 = \"error\"\n",
    );
    repo.imagegate(&["check"]).assert().code(2).stderr(
        predicate::str::contains("imagegate.toml:3").and(predicate::str::contains("rules.IG999")),
    );
    repo.write("imagegate.toml", "[rules]\nIG002 = \"block\"\n");
    repo.imagegate(&["check"]).assert().code(2).stderr(
        predicate::str::contains("imagegate.toml:2").and(predicate::str::contains("block")),
    );
    repo.write(
        "imagegate.toml",
        "[rules]\nIG002 = \"error\"\nunresolved-image = \"off\"\n",
    );
    repo.imagegate(&["check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("IG002 is set twice"));
}

#[test]
fn the_schema_lists_every_rule_by_id_and_name() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/imagegate.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let listed: std::collections::BTreeSet<&str> = schema["properties"]["rules"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: std::collections::BTreeSet<&str> = imagegate::rules::Rule::ALL
        .iter()
        .flat_map(|r| [r.id(), r.name()])
        .collect();
    assert_eq!(listed, expected);
}
