//! ARM JSON compiled from a Bicep file beside it (`main.json` from `main.bicep`, a quickstart's
//! `azuredeploy.json` from its `main.bicep`) is judged once, from the Bicep file, only when it
//! is a faithful build of it (issue #24, point 3): resource for resource — type, name and scope
//! as evaluated, images, parameter file — and with no finding the Bicep file's exemptions
//! cover unless the JSON's own do. Otherwise both are judged, with a note saying how they
//! differ. The fixtures are `testdata/pairs/<case>/`.
//!
//! What the claim is: `bicep build` writes `metadata._generator.name: "bicep"` into the JSON
//! (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-cli#build>); a pull
//! request's author writes whatever metadata they like, so the claim is only where the
//! comparison starts.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::*;

/// A copy of `testdata/pairs/<name>` in a git repository of its own.
fn pair(name: &str) -> Repo {
    let repo = Repo::new();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/pairs")
        .join(name);
    copy_tree(&folder, repo.path());
    git(repo.path(), &["init", "-q"]);
    repo
}

/// `(rule, path, resource name, parameter file, status)` of every finding of `report`.
fn findings(report: &serde_json::Value) -> Vec<(String, String, String, String, String)> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                text(&f["rule"]),
                text(&f["path"]),
                text(&f["resource"]["name"]),
                text(&f["parameter_file"]),
                text(&f["status"]),
            )
        })
        .collect();
    out.sort();
    out
}

/// One entry of [`findings`].
fn finding(
    rule: &str,
    path: &str,
    name: &str,
    parameter_file: &str,
    status: &str,
) -> (String, String, String, String, String) {
    (
        rule.into(),
        path.into(),
        name.into(),
        parameter_file.into(),
        status.into(),
    )
}

/// The exit code of a plain `imagegate check`, and what `check -v` says on standard error.
fn exit_and_notes(repo: &Repo) -> (Option<i32>, String) {
    let code = repo
        .imagegate(&["check"])
        .output()
        .expect("run")
        .status
        .code();
    let verbose = repo.imagegate(&["check", "-v"]).output().expect("run");
    (code, String::from_utf8_lossy(&verbose.stderr).into_owned())
}

#[test]
fn a_faithful_build_is_judged_once_from_its_bicep_source() {
    // Two web servers through a module loop (`for i in range(0, 2)`) into the application's
    // resource group (`scope: resourceGroup(appResourceGroup)`), named from a parameter nobody
    // sets, and main.json as `bicep build` writes it: a nested deployment per module instance
    // with `resourceGroup`, its own template inline ("Bicep modules are converted into a single
    // Azure Resource Manager template with nested templates",
    // https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules). The same
    // resources, the same scope, the same unknown names: the JSON stands aside, the findings
    // are the Bicep files'.
    let repo = pair("faithful");
    let report = check_json(&repo, &[]);
    // The name as evaluated (`'${name}-${i}'` passed as `vmName`), the part nobody sets
    // labelled with its parameter (#25), for the first of the instances the finding covers.
    assert_eq!(
        findings(&report),
        [finding("IG001", "vm.bicep", "<name>-0", "", "open")],
        "{report:#}"
    );
    let (code, notes) = exit_and_notes(&repo);
    assert_eq!(code, Some(1));
    assert!(
        notes.contains("main.json: compiled from main.bicep, which is judged instead"),
        "{notes}"
    );
}

#[test]
fn a_build_that_deploys_another_resource_is_judged_too() {
    // main.json says it is main.bicep built, but names its VM 'vm-admin' where main.bicep says
    // 'vm-web': the same rule, type and image, another resource. It used to stand aside
    // behind main.bicep's finding, and 'vm-admin' was reported nowhere.
    let repo = pair("other-name");
    let report = check_json(&repo, &[]);
    assert_eq!(
        findings(&report),
        [
            finding("IG001", "main.bicep", "vm-web", "", "open"),
            finding("IG001", "main.json", "vm-admin", "", "open"),
        ],
        "{report:#}"
    );
    let (_, notes) = exit_and_notes(&repo);
    assert!(
        notes.contains(
            "main.json: says it was compiled from main.bicep, but declares 1 resource(s) that main.bicep does not"
        ),
        "{notes}"
    );
}

#[test]
fn a_build_that_deploys_into_another_scope_is_judged_too() {
    // The same two web servers, but the JSON's nested deployments go to 'rg-prod' where the
    // Bicep module's `scope: resourceGroup(appResourceGroup)` says 'rg-app': a nested
    // deployment's `resourceGroup` is where its resources go
    // (https://learn.microsoft.com/azure/azure-resource-manager/templates/deploy-to-resource-group#deploy-to-target-resource-group).
    let repo = pair("other-scope");
    let report = check_json(&repo, &[]);
    let paths: BTreeSet<String> = findings(&report).into_iter().map(|f| f.1).collect();
    assert_eq!(
        paths,
        ["main.json", "vm.bicep"]
            .into_iter()
            .map(String::from)
            .collect(),
        "{report:#}"
    );
    let (_, notes) = exit_and_notes(&repo);
    assert!(
        notes.contains("but declares 2 resource(s) that main.bicep does not"),
        "{notes}"
    );
}

#[test]
fn a_bicep_source_is_judged_with_its_builds_parameter_file() {
    // The quickstarts' layout: azuredeploy.json is main.bicep built, deployed with
    // azuredeploy.parameters.json, which names the VM 'vm-prod'. main.bicep was judged with
    // its defaults ('vm-web') and the JSON, judged with the parameter file, stood aside
    // behind it: 'vm-prod' was reported nowhere. Now main.bicep is judged in the JSON's
    // context, and the JSON, a faithful build, stands aside.
    let repo = pair("other-context");
    let report = check_json(&repo, &[]);
    assert_eq!(
        findings(&report),
        [finding(
            "IG001",
            "main.bicep",
            "vm-prod",
            "azuredeploy.parameters.json",
            "open"
        )],
        "{report:#}"
    );
    let (_, notes) = exit_and_notes(&repo);
    assert!(
        notes.contains("azuredeploy.json: compiled from main.bicep, which is judged instead"),
        "{notes}"
    );
}

#[test]
fn an_exemption_comment_in_the_bicep_source_never_exempts_its_build() {
    // `#disable-next-line imagegate-IG001` above main.bicep's VM exempts main.bicep's
    // finding; main.json, its faithful build, has no such comment. It used to stand aside
    // behind the exempted finding: exit 0 with an unapproved image deployed by the JSON.
    let repo = pair("exempted-comment");
    let report = check_json(&repo, &[]);
    assert_eq!(
        findings(&report),
        [
            finding("IG001", "main.bicep", "vm-web", "", "exempt"),
            finding("IG001", "main.json", "vm-web", "", "open"),
        ],
        "{report:#}"
    );
    let (code, notes) = exit_and_notes(&repo);
    assert_eq!(code, Some(1), "{notes}");
    assert!(
        notes.contains(
            "main.json: says it was compiled from main.bicep, but has 1 finding(s) that only main.bicep's exemptions cover"
        ),
        "{notes}"
    );
}

#[test]
fn an_exemption_entry_for_the_bicep_source_never_exempts_its_build() {
    // `[[exempt]] path = "main.bicep"` exempts main.bicep's finding, not main.json's.
    let repo = pair("exempted-entry");
    let report = check_json(&repo, &[]);
    assert_eq!(
        findings(&report),
        [
            finding("IG001", "main.bicep", "vm-web", "", "exempt"),
            finding("IG001", "main.json", "vm-web", "", "open"),
        ],
        "{report:#}"
    );
    assert_eq!(exit_and_notes(&repo).0, Some(1));
}

#[test]
fn an_exemption_of_both_files_lets_the_build_stand_aside() {
    // `[[exempt]] resource = "vm-web"` exempts the VM both files declare: the JSON's finding is
    // exempted by its own judgement, so the faithful build stands aside and the run passes.
    let repo = pair("exempted-both");
    let report = check_json(&repo, &[]);
    assert_eq!(
        findings(&report),
        [finding("IG001", "main.bicep", "vm-web", "", "exempt")],
        "{report:#}"
    );
    let (code, notes) = exit_and_notes(&repo);
    assert_eq!(code, Some(0), "{notes}");
    assert!(
        notes.contains("main.json: compiled from main.bicep, which is judged instead"),
        "{notes}"
    );
}

#[test]
fn metadata_and_outputs_never_hide_a_parameter_of_the_same_name() {
    // Azure Verified Modules declare `metadata name`, `param name` and `output name` in one
    // file (`bicep build` compiles it: the JSON has `parameters.name` and `outputs.name`). A
    // metadata declaration written first used to take the parameter's name: the image the
    // parameter file sets was unknown (an IG002 warning, exit 0) instead of unapproved.
    let fires = pair("names-of-their-own/fires");
    let report = check_json(&fires, &[]);
    assert_eq!(
        findings(&report),
        [finding(
            "IG001",
            "main.parameters.json",
            "vm-build-agent",
            "main.parameters.json",
            "open"
        )],
        "{report:#}"
    );
    assert_eq!(exit_and_notes(&fires).0, Some(1));
    // The approved image the parameter file sets passes (it was an IG002).
    let passes = pair("names-of-their-own/passes");
    let report = check_json(&passes, &[]);
    assert_eq!(findings(&report), [], "{report:#}");
    assert_eq!(report["resources"][0]["name"], "vm-build-agent");
}

#[test]
fn a_run_naming_one_file_of_a_pair_reports_what_the_full_run_reports_for_it() {
    // The contract of the hook and the editor (#22) holds for pairs: the Bicep source is judged
    // in its builds' contexts whichever file is named.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pairs");
    let mut compared = 0;
    for case in [
        "faithful",
        "other-name",
        "other-scope",
        "other-context",
        "exempted-comment",
        "exempted-entry",
        "exempted-both",
    ] {
        let repo = pair(case);
        let full = check_json(&repo, &["."]);
        for file in files_below(&root.join(case)) {
            let name = file.to_str().expect("UTF-8").replace('\\', "/");
            assert_named_run_is_the_full_runs(&repo, &full, &name, case);
            compared += 1;
        }
    }
    assert!(compared >= 18, "only {compared} files compared");
}

/// A Bicep file is judged in the contexts of the templates compiled from it, which the run
/// foresees from their names (`azuredeploy.json` beside `main.bicep`) so as to judge it once; a
/// template so named that does not say it was compiled from it is not its twin, and its
/// parameter file is no context of the Bicep file (it is judged again, on its own).
#[test]
fn a_template_named_like_a_bicep_build_that_is_not_one_lends_it_no_context() {
    let repo = Repo::new();
    let golden = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu/versions/1.0.0";
    repo.write(
        "app/main.bicep",
        format!("param imageId string = '{golden}'\n\nresource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {{\n  name: 'vm'\n  location: 'westeurope'\n  properties: {{ storageProfile: {{ imageReference: {{ id: imageId }} }} }}\n}}\n"),
    );
    // Hand-written ARM (no `_generator`), with a parameter file that picks a managed image.
    repo.write(
        "app/azuredeploy.json",
        arm_template(
            "\"imageId\": { \"type\": \"string\" }",
            "",
            &arm_vm("vm", "{ \"id\": \"[parameters('imageId')]\" }", ""),
        ),
    );
    repo.write(
        "app/azuredeploy.parameters.json",
        parameters_file("\"imageId\": { \"value\": \"/subscriptions/1/resourceGroups/rg/providers/Microsoft.Compute/images/custom\" }"),
    );
    let report = check_json(&repo, &[]);
    // The Bicep file's VM is judged with its default (golden), and only so.
    let bicep: Vec<&serde_json::Value> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "app/main.bicep")
        .collect();
    assert_eq!(bicep.len(), 1, "{bicep:?}");
    assert!(bicep[0].get("parameter_file").is_none(), "{bicep:?}");
    assert_eq!(bicep[0]["status"], "compliant", "{bicep:?}");
    let f = findings(&report);
    assert!(
        f.iter()
            .any(|(rule, path, ..)| rule == "IG001" && path.starts_with("app/azuredeploy.")),
        "{f:?}"
    );
}

/// Notes are grouped by kind (issue #25): builds set aside are many in a repository that
/// commits them (98 of the quickstarts), and a count of them must not hide a note of another
/// kind, which is shown whole; `--verbose` lists every note.
#[test]
fn many_builds_set_aside_are_one_line_and_hide_no_other_note() {
    let repo = Repo::new();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pairs/faithful");
    for sub in ["a", "b", "c", "d"] {
        std::fs::create_dir_all(repo.path().join(sub)).unwrap();
        copy_tree(&folder, &repo.path().join(sub));
    }
    // Not a parameter file: no `parameters` object (ARM's schema for parameter files,
    // https://learn.microsoft.com/azure/azure-resource-manager/templates/parameter-files).
    repo.write(
        "a/main.parameters.json",
        r#"{"$schema": "x", "values": {}}"#,
    );
    git(repo.path(), &["init", "-q"]);
    let plain = repo.imagegate(&["check"]).output().expect("run");
    let said = String::from_utf8_lossy(&plain.stderr);
    assert!(
        said.contains(
            "note: 4 compiled templates set aside: the sources they were compiled from are judged instead (--verbose lists them)"
        ),
        "{said}"
    );
    assert!(
        said.contains("a/main.parameters.json: not a parameter file"),
        "{said}"
    );
    assert!(!said.contains("d/main.json: compiled from"), "{said}");
    let verbose = repo.imagegate(&["check", "-v"]).output().expect("run");
    let said = String::from_utf8_lossy(&verbose.stderr);
    for sub in ["a", "b", "c", "d"] {
        assert!(
            said.contains(&format!(
                "{sub}/main.json: compiled from {sub}/main.bicep, which is judged instead"
            )),
            "{said}"
        );
    }
    assert!(!said.contains("compiled templates set aside"), "{said}");
}
