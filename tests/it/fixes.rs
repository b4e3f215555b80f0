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

/// The JSON report of `imagegate check` in `repo` on 2026-11-28.
fn report(repo: &Repo) -> serde_json::Value {
    let (_, out, said) = run(repo, &["--format", "json", "--exit-zero"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {said}"))
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

/// No fix where no one literal decides the part to change (a person chooses which literal
/// to change), where the snapshot names no good version, for an exempted finding, or in a
/// plan.
#[test]
fn no_fix_without_a_literal_a_good_version_or_a_finding_that_counts() {
    let repo = repo();
    // The version is made of two literals: neither is the version.
    let composed = vm(
        &format!("\"[concat('{DEFINITION}', '/versions/1.', '3.0')]\""),
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
    let report = self::report(&repo);
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
    // A missing fix is never silent: the finding says why.
    let composed_finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "composed/azuredeploy.json" && f["rule"] == "IG004")
        .unwrap();
    assert!(
        composed_finding["no_fix"]
            .as_str()
            .unwrap()
            .starts_with("the image is not written as literals imagegate can rewrite safely"),
        "{composed_finding:#}"
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
    assert!(
        plan_ig004
            .iter()
            .all(|f| f["no_fix"] == "this file is not written by hand (a plan): change its source"),
        "{report:#}"
    );
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

/// The gallery that holds `DEFINITION` (what templates compose IDs from).
const GALLERY: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery";

/// A second approved definition, whose snapshot lists 1.3.0 and 2.0.0, and whose lifecycle
/// deprecates versions below `min_version`.
fn with_windows(repo: &Repo, min_version: &str) {
    let config = std::fs::read_to_string(repo.path().join("imagegate.toml")).unwrap();
    repo.write(
        "imagegate.toml",
        format!(
            "{config}\n[[approved.image]]\nid = \"{GALLERY}/images/windows-2022\"\nmin_version = \"{min_version}\"\ngallery_versions = [\"gallery/windows.json\"]\n"
        ),
    );
    let version = |v: &str| {
        format!(
            r#"{{ "id": "{GALLERY}/images/windows-2022/versions/{v}", "name": "{v}", "publishingProfile": {{ "excludeFromLatest": false }} }}"#
        )
    };
    repo.write(
        "gallery/windows.json",
        format!("[{}, {}]", version("1.3.0"), version("2.0.0")),
    );
}

/// `--fix` then a re-run: nothing fixable is left, and `--fix` again changes nothing.
fn fix_is_complete_and_idempotent(repo: &Repo, files: &[&str]) {
    let (_, _, said) = run(repo, &["--fix"]);
    assert!(!said.contains("not fixed"), "{said}");
    assert!(fixable(repo).is_empty(), "{said}");
    let before: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(repo.path().join(f)).unwrap())
        .collect();
    let (_, _, said) = run(repo, &["--fix"]);
    assert!(said.contains("note: fixed 0 findings in 0 files"), "{said}");
    for (f, text) in files.iter().zip(before) {
        assert_eq!(std::fs::read_to_string(repo.path().join(f)).unwrap(), text);
    }
}

/// A Bicep VM `name` whose `imageReference` is `reference` (Bicep text), with `tags`.
fn bicep_vm(name: &str, reference: &str) -> String {
    format!(
        "resource {name} 'Microsoft.Compute/virtualMachines@2024-03-01' = {{\n  name: '{name}'\n  location: 'westeurope'\n  properties: {{\n    storageProfile: {{\n      imageReference: {reference}\n    }}\n  }}\n}}\n"
    )
}

/// The version of an ID composed by a Bicep interpolation is decided by the parameter's
/// default, or by the value a `.bicepparam` gives it
/// (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameter-files>): that
/// literal is rewritten, wherever it is written.
#[test]
fn a_version_a_parameter_decides_is_fixed_where_its_value_is_written() {
    let repo = repo();
    let bicep = format!(
        "param gallery string = '{GALLERY}'\nparam imageVersion string = '1.3.0'\n\n{}",
        bicep_vm(
            "vm1",
            "{\n        id: '${gallery}/images/ubuntu-22.04/versions/${imageVersion}'\n      }"
        )
    );
    repo.write("default/main.bicep", &bicep);
    repo.write("given/main.bicep", &bicep);
    let bicepparam = "using 'main.bicep'\n\nparam imageVersion = '1.4.0'\n";
    repo.write("given/main.bicepparam", bicepparam);
    assert_eq!(fixable(&repo), ["IG004", "IG004"]);
    fix_is_complete_and_idempotent(
        &repo,
        &[
            "default/main.bicep",
            "given/main.bicep",
            "given/main.bicepparam",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("default/main.bicep")).unwrap(),
        bicep.replace("'1.3.0'", "'1.6.2'")
    );
    // With a `.bicepparam`, its value decides: the template's default is left alone.
    assert_eq!(
        std::fs::read_to_string(repo.path().join("given/main.bicep")).unwrap(),
        bicep
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("given/main.bicepparam")).unwrap(),
        bicepparam.replace("'1.4.0'", "'1.6.2'")
    );
}

/// ARM: `concat` of a variable, a literal and a parameter's value from the parameter file
/// (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string#concat>):
/// the parameter file's value is rewritten, a `format` string's literal end too
/// (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string#format>).
#[test]
fn an_arm_version_from_a_parameter_file_or_a_format_string_is_fixed_there() {
    let repo = repo();
    let template = arm_template(
        r#""imageVersion": { "type": "string" }"#,
        &format!(r#""gallery": "{GALLERY}""#),
        &[
            arm_vm(
                "vm1",
                r#"{ "id": "[concat(variables('gallery'), '/images/ubuntu-22.04/versions/', parameters('imageVersion'))]" }"#,
                "",
            ),
            arm_vm(
                "vm2",
                r#"{ "id": "[format('{0}/images/ubuntu-22.04/versions/latest', variables('gallery'))]" }"#,
                "",
            ),
        ]
        .join(","),
    );
    repo.write("azuredeploy.json", &template);
    let params = parameters_file(r#""imageVersion": { "value": "1.3.0" }"#);
    repo.write("azuredeploy.parameters.json", &params);
    let mut rules = fixable(&repo);
    rules.sort();
    assert_eq!(rules, ["IG003", "IG004"]);
    fix_is_complete_and_idempotent(&repo, &["azuredeploy.json", "azuredeploy.parameters.json"]);
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.parameters.json")).unwrap(),
        params.replace("\"1.3.0\"", "\"1.6.2\"")
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap(),
        template.replace("/versions/latest'", "/versions/1.6.2'")
    );
}

/// A string inside an ARM expression is written as one (`'…'`, inside its JSON string): the
/// literal an `if` picks is rewritten in place, the expression kept
/// (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-logical#if>).
#[test]
fn a_string_inside_an_arm_expression_is_rewritten_as_an_expression_string() {
    let repo = repo();
    let template = vm(
        &format!(
            "\"[if(equals(parameters('imageId'), ''), '{DEFINITION}/versions/1.3.0', parameters('imageId'))]\""
        ),
        r#"{ "owner": "web" }"#,
    );
    repo.write("azuredeploy.json", &template);
    assert_eq!(fixable(&repo), ["IG004"]);
    fix_is_complete_and_idempotent(&repo, &["azuredeploy.json"]);
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap(),
        template.replace("/versions/1.3.0'", "/versions/1.6.2'")
    );
}

/// Two parameter files of one template that share nothing but the variable literal that
/// states the version (each names another definition): each context wants that literal to
/// read its own definition's newest version. One literal is edited once, and only when every
/// context agrees.
#[test]
fn a_literal_several_contexts_share_is_edited_only_when_they_all_agree() {
    let template = arm_template(
        r#""image": { "type": "string" }"#,
        &format!(r#""gallery": "{GALLERY}", "imageVersion": "1.3.0""#),
        &arm_vm(
            "vm1",
            r#"{ "id": "[concat(variables('gallery'), '/images/', parameters('image'), '/versions/', variables('imageVersion'))]" }"#,
            "",
        ),
    );
    let params = |image: &str| parameters_file(&format!(r#""image": {{ "value": "{image}" }}"#));
    let write = |repo: &Repo, dev: &str, prod: &str| {
        repo.write("azuredeploy.json", &template);
        repo.write("azuredeploy.parameters.dev.json", params(dev));
        repo.write("azuredeploy.parameters.prod.json", params(prod));
    };
    // Both deprecate 1.3.0, and want 1.6.2 and 2.0.0 there: a conflict, said, nothing made.
    let repo = self::repo();
    with_windows(&repo, "1.4.0");
    write(&repo, "ubuntu-22.04", "windows-2022");
    assert_eq!(fixable(&repo), ["IG004", "IG004"]);
    let (_, _, said) = run(&repo, &["--fix"]);
    assert!(
        said.contains("azuredeploy.json:5:")
            && said.contains("not fixed: the findings here want different replacements"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap(),
        template
    );
    // Windows 1.3.0 is good: that context wants the literal as it is, so no fix is offered.
    let repo = self::repo();
    with_windows(&repo, "1.0.0");
    write(&repo, "ubuntu-22.04", "windows-2022");
    let report = self::report(&repo);
    let ig004: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG004")
        .collect();
    assert_eq!(ig004.len(), 1, "{report:#}");
    assert!(ig004[0]["fix"].is_null(), "{report:#}");
    // Both name Ubuntu: they agree (one finding, with both parameter files), and the
    // literal is edited once.
    let repo = self::repo();
    write(&repo, "ubuntu-22.04", "ubuntu-22.04");
    let report = self::report(&repo);
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.ends_with(
            "(with parameter files azuredeploy.parameters.dev.json, azuredeploy.parameters.prod.json)"
        ),
        "{report:#}"
    );
    let (_, _, said) = run(&repo, &["--fix"]);
    assert!(said.contains("note: fixed 1 finding in 1 file"), "{said}");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap(),
        template.replace("\"imageVersion\": \"1.3.0\"", "\"imageVersion\": \"1.6.2\"")
    );
    fix_is_complete_and_idempotent(&repo, &["azuredeploy.json"]);
}

/// A definition's ID composed with a literal end (Bicep interpolation, ARM `concat`) is
/// pinned by appending `/versions/<newest>` to that literal: exact, since the ID ends with
/// it (<https://learn.microsoft.com/azure/virtual-machines/shared-image-galleries#image-versions>:
/// a definition's ID deploys its latest version).
#[test]
fn an_unpinned_id_that_ends_with_a_literal_gets_the_version_appended() {
    let repo = repo();
    let bicep = format!(
        "param gallery string = '{GALLERY}'\n\n{}",
        bicep_vm(
            "vm1",
            "{\n        id: '${gallery}/images/ubuntu-22.04'\n      }"
        )
    );
    repo.write("main.bicep", &bicep);
    let template = arm_template(
        "",
        &format!(r#""gallery": "{GALLERY}""#),
        &arm_vm(
            "vm2",
            r#"{ "id": "[concat(variables('gallery'), '/images/ubuntu-22.04')]" }"#,
            "",
        ),
    );
    repo.write("azuredeploy.json", &template);
    assert_eq!(fixable(&repo), ["IG003", "IG003"]);
    fix_is_complete_and_idempotent(&repo, &["main.bicep", "azuredeploy.json"]);
    assert_eq!(
        std::fs::read_to_string(repo.path().join("main.bicep")).unwrap(),
        bicep.replace("/ubuntu-22.04'", "/ubuntu-22.04/versions/1.6.2'")
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap(),
        template.replace("/ubuntu-22.04')", "/ubuntu-22.04/versions/1.6.2')")
    );
}

/// No version is appended to a literal another image uses in the middle of its ID (it would
/// change that image too), nor to an ID whose end no literal supplies.
#[test]
fn no_version_is_appended_to_a_shared_literal_or_a_computed_end() {
    let repo = repo();
    let bicep = format!(
        "param gallery string = '{GALLERY}'\nvar ubuntu = '/images/ubuntu-22.04'\n\n{}\n{}\n{}",
        bicep_vm("vm1", "{\n        id: '${gallery}${ubuntu}'\n      }"),
        bicep_vm(
            "vm2",
            "{\n        id: '${gallery}${ubuntu}/versions/1.6.0'\n      }"
        ),
        bicep_vm(
            "vm3",
            "{\n        id: '${gallery}/images/${toLower('Ubuntu-22.04')}'\n      }"
        ),
    );
    repo.write("main.bicep", &bicep);
    let report = self::report(&repo);
    let ig003: Vec<(&str, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG003")
        .map(|f| (f["resource"]["name"].as_str().unwrap(), f["fix"].is_null()))
        .collect();
    assert_eq!(ig003, [("vm1", true), ("vm3", true)], "{report:#}");
    let (code, diff, said) = run(&repo, &["--diff"]);
    assert_eq!((code, diff.as_str()), (Some(0), ""), "{said}");
}

/// The policy of `repo()`, with `[fix] replace` mapping Jammy and a managed image to the
/// approved Ubuntu definition.
fn replacing() -> Repo {
    let repo = repo();
    let config = std::fs::read_to_string(repo.path().join("imagegate.toml")).unwrap();
    repo.write(
        "imagegate.toml",
        format!(
            "{config}\n[fix]\nreplace = {{ \"Canonical:0001-com-ubuntu-server-jammy:*\" = \"{DEFINITION}\", \"/subscriptions/*/resourceGroups/rg-legacy/providers/Microsoft.Compute/images/*\" = \"{DEFINITION}/versions/1.6.0\" }}\n"
        ),
    );
    repo
}

/// `[fix] replace`: a Marketplace reference written as an object of literals becomes an
/// object of one `id` (ARM and Bicep, laid out as it was;
/// <https://learn.microsoft.com/azure/templates/microsoft.compute/virtualmachines#imagereference>:
/// `id` is the gallery image's ID and the Marketplace fields are left out), pinned to the
/// newest good version, with the resource's version tag; an image ID literal is rewritten.
#[test]
fn an_unapproved_image_is_replaced_as_the_config_says() {
    let repo = replacing();
    let template = arm_template(
        "",
        "",
        &[
            arm_vm(
                "vm1",
                "{\n            \"publisher\": \"Canonical\",\n            \"offer\": \"0001-com-ubuntu-server-jammy\",\n            \"sku\": \"22_04-lts-gen2\",\n            \"version\": \"latest\"\n          }",
                r#""tags": { "imageVersion": "latest" },"#,
            ),
            arm_vm(
                "vm2",
                r#"{ "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-legacy/providers/Microsoft.Compute/images/ubuntu-base" }"#,
                "",
            ),
        ]
        .join(","),
    );
    repo.write("azuredeploy.json", &template);
    let bicep = bicep_vm(
        "vm3",
        "{\n        publisher: 'Canonical'\n        offer: '0001-com-ubuntu-server-jammy'\n        sku: '22_04-lts-gen2'\n        version: 'latest'\n      }",
    );
    repo.write("main.bicep", &bicep);
    assert_eq!(fixable(&repo), ["IG001", "IG001", "IG001"]);
    let (code, diff, _) = run(&repo, &["--diff"]);
    assert_eq!(code, Some(1));
    assert!(diff.contains("--- a/azuredeploy.json"), "{diff}");
    fix_is_complete_and_idempotent(&repo, &["azuredeploy.json", "main.bicep"]);
    let pinned = format!("{DEFINITION}/versions/1.6.2");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("azuredeploy.json")).unwrap(),
        template
            .replace(
                "{\n            \"publisher\": \"Canonical\",\n            \"offer\": \"0001-com-ubuntu-server-jammy\",\n            \"sku\": \"22_04-lts-gen2\",\n            \"version\": \"latest\"\n          }",
                &format!("{{\n            \"id\": \"{pinned}\"\n          }}")
            )
            .replace(r#""imageVersion": "latest""#, r#""imageVersion": "1.6.2""#)
            .replace(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-legacy/providers/Microsoft.Compute/images/ubuntu-base",
                &format!("{DEFINITION}/versions/1.6.0")
            )
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("main.bicep")).unwrap(),
        bicep.replace(
            "{\n        publisher: 'Canonical'\n        offer: '0001-com-ubuntu-server-jammy'\n        sku: '22_04-lts-gen2'\n        version: 'latest'\n      }",
            &format!("{{\n        id: '{pinned}'\n      }}")
        )
    );
}

/// No replacement where no `[fix] replace` key matches, where a field of the reference is set
/// elsewhere (a parameter: which of several places to change is a person's choice), where the
/// object is a variable's (other expressions may read its fields: here the VM's tag reads
/// `variables('jammy').offer`, which the replacement would leave undefined), where the VM
/// buys the image under a purchase plan
/// (<https://learn.microsoft.com/azure/templates/microsoft.compute/virtualmachines#plan>), or
/// where the object has members the replacement would drop silently.
#[test]
fn no_replacement_without_a_key_or_an_object_of_literals() {
    let repo = replacing();
    let template = arm_template(
        r#""sku": { "type": "string", "defaultValue": "22_04-lts-gen2" }"#,
        r#""jammy": { "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#,
        &[
            arm_vm(
                "focal",
                r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-focal", "sku": "20_04-lts-gen2", "version": "latest" }"#,
                "",
            ),
            arm_vm(
                "param",
                r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "[parameters('sku')]", "version": "latest" }"#,
                "",
            ),
            arm_vm(
                "variable",
                r#""[variables('jammy')]""#,
                r#""tags": { "os": "[variables('jammy').offer]" },"#,
            ),
            arm_vm(
                "plan",
                r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#,
                r#""plan": { "publisher": "Canonical", "product": "0001-com-ubuntu-server-jammy", "name": "22_04-lts-gen2" },"#,
            ),
            arm_vm(
                "extra",
                r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest", "sharedGalleryImageId": "" }"#,
                "",
            ),
        ]
        .join(","),
    );
    repo.write("azuredeploy.json", &template);
    let report = self::report(&repo);
    let mut ig001: Vec<(&str, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IG001")
        .map(|f| (f["resource"]["name"].as_str().unwrap(), f["fix"].is_null()))
        .collect();
    ig001.sort();
    assert_eq!(
        ig001,
        [
            ("extra", true),
            ("focal", true),
            ("param", true),
            ("plan", true),
            ("variable", true)
        ],
        "{report:#}"
    );
    let (code, diff, said) = run(&repo, &["--diff"]);
    assert_eq!((code, diff.as_str()), (Some(0), ""), "{said}");
}

/// A replacement must be an approved gallery image: anything else is a config error naming
/// its key (exit 2), as is a key that is neither Marketplace fields nor an ID.
#[test]
fn a_replacement_the_policy_does_not_approve_is_a_config_error() {
    for (entry, said) in [
        (
            "\"Canonical:*:*\" = \"/subscriptions/0/resourceGroups/rg-other/providers/Microsoft.Compute/galleries/g/images/u\"",
            "is not approved",
        ),
        (
            "\"Canonical:*:*\" = \"/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/u\"",
            "is not the ID of a gallery image",
        ),
        (
            &format!("\"Canonical\" = \"{DEFINITION}\""),
            "a key is a Marketplace image",
        ),
    ] {
        let repo = repo();
        let config = std::fs::read_to_string(repo.path().join("imagegate.toml")).unwrap();
        repo.write(
            "imagegate.toml",
            format!("{config}\n[fix]\nreplace = {{ {entry} }}\n"),
        );
        let (code, _, stderr) = run(&repo, &[]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("key `fix.replace.") && stderr.contains(said),
            "{stderr}"
        );
    }
}

/// The GitHub job summary shows each fixable finding's suggestion (its title and each edit as
/// `old → new`), made harmless like every text a template controls there.
#[test]
fn the_github_summary_shows_the_suggestions() {
    let repo = repo();
    repo.write(
        "azuredeploy.json",
        vm(
            &format!("\"{DEFINITION}/versions/1.3.0\""),
            r#"{ "owner": "web" }"#,
        ),
    );
    let summary = repo.write("summary.md", "");
    let out = repo
        .imagegate(&["check", "--format", "github", "--exit-zero"])
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .env("GITHUB_STEP_SUMMARY", summary.as_os_str())
        .output()
        .unwrap();
    assert!(out.status.success());
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(markdown.contains("### Suggested fixes"), "{markdown}");
    assert!(
        markdown.contains("Pin version 1.6.2, the newest good version of the gallery snapshot"),
        "{markdown}"
    );
    assert!(markdown.contains("/versions/1.3.0"), "{markdown}");
    assert!(markdown.contains("/versions/1.6.2"), "{markdown}");
    // Without a fixable finding, no such section.
    let repo = self::repo();
    repo.write(
        "azuredeploy.json",
        vm(
            &format!("\"{DEFINITION}/versions/1.6.2\""),
            r#"{ "owner": "web" }"#,
        ),
    );
    let summary = repo.write("summary.md", "");
    repo.imagegate(&["check", "--format", "github", "--exit-zero"])
        .env("IMAGEGATE_TODAY", "2026-11-28")
        .env("GITHUB_STEP_SUMMARY", summary.as_os_str())
        .output()
        .unwrap();
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(markdown.contains("## imagegate"), "{markdown}");
    assert!(!markdown.contains("Suggested fixes"), "{markdown}");
}

/// The fixture `testdata/rollout/fixes` (docs/usage.md shows its diff): `--fix` on a copy
/// changes exactly the intended literals, and a re-run has nothing fixable left.
#[test]
fn the_fixes_fixture_changes_only_the_intended_literals() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/rollout/fixes");
    let repo = Repo::new();
    copy_tree(std::path::Path::new(fixture), repo.path());
    let read = |f: &str| std::fs::read_to_string(repo.path().join(f)).unwrap();
    let (arm, bicep) = (read("arm/azuredeploy.json"), read("bicep/main.bicep"));
    let mut rules = fixable(&repo);
    rules.sort();
    assert_eq!(rules, ["IG001", "IG003", "IG004"]);
    fix_is_complete_and_idempotent(&repo, &["arm/azuredeploy.json", "bicep/main.bicep"]);
    let pinned = format!("{DEFINITION}/versions/1.6.2");
    assert_eq!(
        read("arm/azuredeploy.json"),
        arm.replace("\"defaultValue\": \"1.3.0\"", "\"defaultValue\": \"1.6.2\"")
            .replace("\"imageVersion\": \"latest\"", "\"imageVersion\": \"1.6.2\"")
            .replace(
                "{\n            \"publisher\": \"Canonical\",\n            \"offer\": \"0001-com-ubuntu-server-jammy\",\n            \"sku\": \"22_04-lts-gen2\",\n            \"version\": \"latest\"\n          }",
                &format!("{{\n            \"id\": \"{pinned}\"\n          }}")
            )
    );
    assert_eq!(
        read("bicep/main.bicep"),
        bicep.replace(
            "/images/ubuntu-22.04'",
            "/images/ubuntu-22.04/versions/1.6.2'"
        )
    );
    // Judged again: no finding at all is left.
    let report = self::report(&repo);
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
}

/// A committed build set aside as faithful to its Bicep source (`bicep build` output beside
/// it) is fixed with its source in the same `--fix`: both pinned, the build still faithful, a
/// re-run clean.
#[test]
fn a_committed_build_is_fixed_with_its_source() {
    let repo = repo();
    let id = format!("{DEFINITION}/versions/1.3.0");
    let bicep = format!(
        "resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {{\n  name: 'vm1'\n  location: 'westeurope'\n  properties: {{\n    storageProfile: {{\n      imageReference: {{\n        id: '{id}'\n      }}\n    }}\n  }}\n}}\n"
    );
    repo.write("main.bicep", &bicep);
    // As `bicep build` writes it (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-cli#build).
    let json = format!(
        r#"{{
  "$schema": "{SCHEMA}",
  "contentVersion": "1.0.0.0",
  "metadata": {{ "_generator": {{ "name": "bicep", "version": "0.30.23.60470" }} }},
  "resources": [
    {{
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm1",
      "location": "westeurope",
      "properties": {{
        "storageProfile": {{
          "imageReference": {{
            "id": "{id}"
          }}
        }}
      }}
    }}
  ]
}}
"#
    );
    repo.write("main.json", &json);
    let (_, _, said) = run(&repo, &["--verbose"]);
    assert!(
        said.contains("main.json: compiled from main.bicep"),
        "{said}"
    );
    let (_, _, said) = run(&repo, &["--fix"]);
    assert!(said.contains("note: fixed 1 finding in 2 files"), "{said}");
    let pinned = |text: &str| text.replace("/versions/1.3.0", "/versions/1.6.2");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("main.bicep")).unwrap(),
        pinned(&bicep)
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("main.json")).unwrap(),
        pinned(&json)
    );
    assert!(fixable(&repo).is_empty());
    let (_, _, said) = run(&repo, &["--verbose"]);
    assert!(
        said.contains("main.json: compiled from main.bicep, which is judged instead"),
        "{said}"
    );
}

/// Without a gallery snapshot there is no version to pin, and the finding says so.
#[test]
fn without_a_snapshot_the_finding_says_why_it_has_no_fix() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        vm(&format!("\"{DEFINITION}\""), r#"{ "owner": "web" }"#),
    );
    let report = check_json(&repo, &[]);
    let f = &report["findings"][0];
    assert_eq!(f["rule"], "IG003");
    assert!(f["fix"].is_null());
    assert_eq!(
        f["no_fix"],
        "no gallery snapshot (`gallery_versions`) names a good version of this image definition to pin"
    );
}
