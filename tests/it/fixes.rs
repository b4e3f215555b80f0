//! `check --fix` and `check --diff` (#26): an unpinned (IG003) or deprecated (IG004) gallery
//! image is pinned to the newest good version the gallery snapshot lists, by rewriting the
//! literal that supplies the image ID wherever it is written (the template, a parameter file,
//! a Bicep file, a `.bicepparam`), keeping the file's encoding and line endings; the tag that
//! states the version follows. A re-run has no fixable finding left, and `--fix` again changes
//! nothing.
//!
//! The snapshot is `az sig image-version list` output
//! (<https://learn.microsoft.com/cli/azure/sig/image-version#az-sig-image-version-list>):
//! 1.6.2 is the newest version not excluded from latest and not past its end of life on
//! 2026-11-28; 1.7.0 is excluded from latest.

use crate::common::*;

const DEFINITION: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04";

/// A repository whose policy deprecates Ubuntu versions below 1.4.0 and lists the gallery's
/// versions in a snapshot.
fn repo() -> Repo {
    let repo = Repo::new();
    repo.write(
        "imagegate.toml",
        format!(
            r#"[approved]
images = ["/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*"]

[[approved.image]]
id = "{DEFINITION}"
min_version = "1.4.0"
gallery_versions = ["gallery/ubuntu.json"]

[tags]
image_version = "imageVersion"
"#
        ),
    );
    let snapshot = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/rollout/lifecycle/gallery/ubuntu-22.04.json"
    ))
    .unwrap();
    repo.write("gallery/ubuntu.json", snapshot);
    repo
}

/// Runs `imagegate check ARGS` in `repo` on 2026-11-28: exit code, stdout, stderr.
fn run(repo: &Repo, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let out = repo
        .imagegate(&all)
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The rules of the findings that still carry a fix.
fn fixable(repo: &Repo) -> Vec<String> {
    let out = repo
        .imagegate(&["check", "--format", "json"])
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["fix"].is_null())
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// A VM template whose image ID is `id` (JSON text) and whose tags are `tags` (JSON text).
fn vm(id: &str, tags: &str) -> String {
    arm_template(
        r#""imageId": { "type": "string", "defaultValue": "" }"#,
        "",
        &arm_vm(
            "web-01",
            &format!(r#"{{ "id": {id} }}"#),
            &format!(r#""tags": {tags},"#),
        ),
    )
}

#[test]
fn a_deprecated_version_is_pinned_to_the_newest_good_one_with_its_tag() {
    let repo = repo();
    let before = vm(
        &format!("\"{DEFINITION}/versions/1.3.0\""),
        r#"{ "imageVersion": "1.3.0", "owner": "web" }"#,
    );
    repo.write("azuredeploy.json", &before);
    assert_eq!(fixable(&repo), ["IG004"]);
    // --diff shows it, changes nothing, and exits 1.
    let (code, diff, said) = run(&repo, &["--diff"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        diff.starts_with("--- a/azuredeploy.json\n+++ b/azuredeploy.json\n@@ "),
        "{diff}"
    );
    assert!(diff.contains("/versions/1.6.2\""), "{diff}");
    assert!(diff.contains("\"imageVersion\": \"1.6.2\""), "{diff}");
    assert!(said.contains("note: 1 fix would change 1 file"), "{said}");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap(),
        before
    );
    // --fix makes exactly those two edits.
    let (_, _, said) = run(&repo, &["--fix"]);
    assert!(said.contains("note: fixed 1 finding in 1 file"), "{said}");
    let after = std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap();
    assert_eq!(
        after,
        before
            .replace("/versions/1.3.0", "/versions/1.6.2")
            .replace(r#""imageVersion": "1.3.0""#, r#""imageVersion": "1.6.2""#)
    );
    // Nothing fixable is left, the pin raised no tag mismatch, and a second --fix is a no-op.
    assert!(fixable(&repo).is_empty());
    let (code, _, said) = run(&repo, &["--fix"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("note: fixed 0 findings in 0 files"), "{said}");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap(),
        after
    );
}

/// The literal that decides the image is in the parameter file: that is where the fix lands.
#[test]
fn the_fix_lands_in_the_parameter_file_that_sets_the_image() {
    let repo = repo();
    let template = vm("\"[parameters('imageId')]\"", r#"{ "owner": "web" }"#);
    repo.write("azuredeploy.json", &template);
    let params = parameters_file(&format!(r#""imageId": {{ "value": "{DEFINITION}" }}"#));
    repo.write("azuredeploy.parameters.json", &params);
    assert_eq!(fixable(&repo), ["IG003"]);
    run(&repo, &["--fix"]);
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap(),
        template,
        "the template is not touched"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.parameters.json")).unwrap(),
        params.replace(DEFINITION, &format!("{DEFINITION}/versions/1.6.2"))
    );
    assert!(fixable(&repo).is_empty());
}

/// Bicep is written as Bicep writes strings; a `.bicepparam` value as well.
#[test]
fn bicep_and_bicepparam_literals_are_rewritten_as_bicep_strings() {
    let repo = repo();
    let bicep = format!(
        "param imageId string\n\nresource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {{\n  name: 'vm1'\n  location: 'westeurope'\n  properties: {{\n    storageProfile: {{\n      imageReference: {{\n        id: '{DEFINITION}/versions/latest'\n      }}\n    }}\n  }}\n}}\n\nresource vm2 'Microsoft.Compute/virtualMachines@2024-03-01' = {{\n  name: 'vm2'\n  location: 'westeurope'\n  properties: {{\n    storageProfile: {{\n      imageReference: {{\n        id: imageId\n      }}\n    }}\n  }}\n}}\n"
    );
    repo.write("main.bicep", &bicep);
    let bicepparam =
        format!("using 'main.bicep'\n\nparam imageId = '{DEFINITION}/versions/1.4.0'\n");
    repo.write("main.bicepparam", &bicepparam);
    let (code, diff, _) = run(&repo, &["--diff"]);
    assert_eq!(code, Some(1));
    assert!(diff.contains("--- a/main.bicep"), "{diff}");
    assert!(diff.contains("--- a/main.bicepparam"), "{diff}");
    run(&repo, &["--fix"]);
    assert_eq!(
        std::fs::read_to_string(repo.path().join("main.bicep")).unwrap(),
        bicep.replace("/versions/latest'", "/versions/1.6.2'")
    );
    // 1.4.0 reached its end of life on 2026-09-30 (the snapshot): deprecated, and fixed.
    assert_eq!(
        std::fs::read_to_string(repo.path().join("main.bicepparam")).unwrap(),
        bicepparam.replace("/versions/1.4.0'", "/versions/1.6.2'")
    );
    assert!(fixable(&repo).is_empty());
    // A good version that is not the newest is left as it is: only a deprecated or unpinned
    // image has a fix.
    let good = format!("using 'main.bicep'\n\nparam imageId = '{DEFINITION}/versions/1.6.0'\n");
    repo.write("main.bicepparam", &good);
    run(&repo, &["--fix"]);
    assert_eq!(
        std::fs::read_to_string(repo.path().join("main.bicepparam")).unwrap(),
        good
    );
}

/// A file in UTF-16 with a byte-order mark and CRLF line endings stays so.
#[test]
fn a_fixed_file_keeps_its_encoding_and_line_endings() {
    let repo = repo();
    let text = vm(
        &format!("\"{DEFINITION}/versions/1.3.0\""),
        r#"{ "owner": "web" }"#,
    )
    .replace('\n', "\r\n");
    let utf16 = |text: &str| -> Vec<u8> {
        [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect()
    };
    repo.write("azuredeploy.json", utf16(&text));
    run(&repo, &["--fix"]);
    assert_eq!(
        std::fs::read(repo.path().join("azuredeploy.json")).unwrap(),
        utf16(&text.replace("/versions/1.3.0", "/versions/1.6.2"))
    );
}

/// No fix where no literal decides the whole ID (a person chooses which part to change),
/// where the snapshot names no good version, for an exempted finding, or in a plan.
#[test]
fn no_fix_without_a_literal_a_good_version_or_a_finding_that_counts() {
    let repo = repo();
    let composed = vm(
        &format!("\"[concat('{DEFINITION}', '/versions/1.3.0')]\""),
        r#"{ "owner": "web" }"#,
    );
    repo.write("composed/azuredeploy.json", &composed);
    let exempted = vm(
        &format!("\"{DEFINITION}/versions/1.3.0\""),
        r#"{ "owner": "web" }"#,
    )
    .replace(
        "\"imageReference\"",
        "// imagegate-ignore IG004: rebuilt next sprint (OPS-12)\n          \"imageReference\"",
    );
    repo.write("exempted/azuredeploy.json", &exempted);
    let (code, diff, said) = run(&repo, &["--diff"]);
    assert_eq!((code, diff.as_str()), (Some(0), ""), "{said}");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("exempted/azuredeploy.json")).unwrap(),
        exempted
    );
    // Both are IG004s: one that no literal decides, one exempted.
    let report = check_json(&repo, &[]);
    let statuses: Vec<(&str, &str, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG004")
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["status"].as_str().unwrap(),
                f["fix"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("composed/azuredeploy.json", "open", true),
            ("exempted/azuredeploy.json", "exempt", false)
        ]
    );
    // The Terraform plan of the lifecycle fixture has a deprecated version: plans are
    // written by Terraform, never fixed.
    let lifecycle = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/rollout/lifecycle");
    let out = Command::new()
        .args(["check", "--format", "json", "--exit-zero", "terraform"])
        .current_dir(lifecycle)
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let plan_ig004: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG004")
        .collect();
    assert!(!plan_ig004.is_empty());
    assert!(plan_ig004.iter().all(|f| f["fix"].is_null()), "{report:#}");
}

#[test]
fn fix_and_diff_refuse_standard_input_and_audit() {
    let repo = repo();
    for args in [
        &["check", "--fix", "-"][..],
        &["audit", "--diff", "x.json"][..],
    ] {
        let out = repo.imagegate(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

/// SARIF carries each fix (§3.55: `fixes`, `artifactChanges`, `replacements` with the
/// `deletedRegion` in the columns SARIF counts, UTF-16 code units), as code scanning reads it.
#[test]
fn sarif_carries_the_fixes() {
    let repo = repo();
    repo.write(
        "azuredeploy.json",
        vm(
            &format!("\"{DEFINITION}/versions/1.3.0\""),
            r#"{ "imageVersion": "1.3.0" }"#,
        ),
    );
    let (_, sarif, _) = run(&repo, &["--format", "sarif", "--exit-zero"]);
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let result = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "IG004")
        .unwrap();
    let fix = &result["fixes"][0];
    assert!(
        fix["description"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Pin version 1.6.2"),
        "{fix:#}"
    );
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "azuredeploy.json");
    let replacements = change["replacements"].as_array().unwrap();
    assert_eq!(replacements.len(), 2, "the tag and the ID: {fix:#}");
    assert_eq!(replacements[0]["insertedContent"]["text"], "\"1.6.2\"");
    assert_eq!(
        replacements[1]["insertedContent"]["text"],
        format!("\"{DEFINITION}/versions/1.6.2\"")
    );
    assert_eq!(
        replacements[1]["deletedRegion"]["startLine"],
        result["locations"][0]["physicalLocation"]["region"]["startLine"]
    );
}
