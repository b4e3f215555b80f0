//! Files named on the command line (what pre-commit and editors pass) are judged in their
//! project's context — a parameter file with its template, a linked template through its
//! callers — and the report holds what lies in them: the same findings a full run gives for
//! those files (PRODUCT.md, "Command line").

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;

const MARKETPLACE: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

/// What identifies a finding across runs.
fn findings(report: &serde_json::Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}:{} {} [{}]",
                f["rule"], f["path"], f["line"], f["column"], f["message"], f["fingerprint"]
            )
        })
        .collect()
}

fn resources(report: &serde_json::Value) -> BTreeSet<String> {
    report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r.to_string())
        .collect()
}

/// A template whose VM image is the required parameter `image`.
fn template_with_required_image() -> String {
    arm_template(
        r#""image": { "type": "object" }"#,
        "",
        &arm_vm("vm", r#""[parameters('image')]""#, ""),
    )
}

#[test]
fn a_named_parameter_file_is_judged_with_its_template() {
    // pre-commit passes only the changed parameter file: its value decides the image, so the
    // finding is there, as in a full run. It used to be "Nothing was judged".
    let repo = Repo::new();
    repo.write("app/azuredeploy.json", template_with_required_image());
    repo.write(
        "app/azuredeploy.parameters.json",
        parameters_file(&format!(r#""image": {{ "value": {MARKETPLACE} }}"#)),
    );
    git(repo.path(), &["init", "-q"]);
    let named = check_json(&repo, &["app/azuredeploy.parameters.json"]);
    let full = check_json(&repo, &["."]);
    assert_eq!(finding_rules(&named), ["IG001"], "{named:#}");
    assert_eq!(
        named["findings"][0]["path"],
        "app/azuredeploy.parameters.json"
    );
    assert_eq!(findings(&named), findings(&full));
    // The template judged with it counts: never "Nothing was judged" beside a finding.
    assert_eq!(resources(&named), resources(&full));
    assert_eq!(named["summary"]["templates"], 1, "{named:#}");
    assert_eq!(named["summary"]["resources_judged"], 1, "{named:#}");
}

#[test]
fn a_named_linked_template_is_judged_through_its_callers() {
    // The linked template alone has an unset parameter (IG002 as an orphan); its caller passes
    // the image, so the finding is an IG001 at the value the caller passes... which lies in the
    // caller, not in the named file: the named file's run keeps it because the resource is
    // declared in the named file.
    let repo = Repo::new();
    repo.write("nested/vm.json", template_with_required_image());
    let image = format!(r#""image": {{ "value": {MARKETPLACE} }}"#);
    let deployment = linked_deployment("vm", "nested/vm.json", &image);
    repo.write("azuredeploy.json", arm_template("", "", &deployment));
    git(repo.path(), &["init", "-q"]);
    let named = check_json(&repo, &["nested/vm.json"]);
    assert_eq!(finding_rules(&named), ["IG001"], "{named:#}");
    let full = check_json(&repo, &["."]);
    assert_eq!(findings(&named), findings(&full));
    assert_eq!(resources(&named), resources(&full));
}

#[test]
fn a_parameter_file_mapped_in_the_config_is_read_when_only_the_template_is_named() {
    let repo = Repo::new();
    repo.write("templates/vm.json", template_with_required_image());
    repo.write(
        "environments/prod.json",
        parameters_file(&format!(r#""image": {{ "value": {MARKETPLACE} }}"#)),
    );
    repo.write(
        "imagegate.toml",
        "[parameter_files]\n\"templates/vm.json\" = [\"environments/prod.json\"]\n",
    );
    let named = check_json(&repo, &["templates/vm.json"]);
    let rules = finding_rules(&named);
    assert_eq!(rules, ["IG001"], "{named:#}");
    // The value is in the parameter file, but the resource is the named template's.
    assert_eq!(named["findings"][0]["path"], "environments/prod.json");
}

/// Every file below `dir`, relative to it, sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).expect("below").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for file in files_below(from) {
        let target = to.join(&file);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(&file), target).expect("copy");
    }
}

#[test]
fn per_file_runs_add_up_to_the_full_run_on_every_fixture_folder() {
    // For every fixture folder (in a git repository of its own): the union of the runs on each
    // of its files, one at a time, is the full run — no finding lost, none invented.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/arm");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    assert!(folders.len() >= 10, "{folders:?}");
    for folder in folders {
        let repo = Repo::new();
        copy_tree(&folder, repo.path());
        git(repo.path(), &["init", "-q"]);
        let full = check_json(&repo, &["."]);
        let (mut union, mut union_resources) = (BTreeSet::new(), BTreeSet::new());
        for file in files_below(repo.path()) {
            if file.starts_with(".git") {
                continue;
            }
            let one = check_json(&repo, &[file.to_str().expect("UTF-8 name")]);
            union.extend(findings(&one));
            union_resources.extend(resources(&one));
        }
        assert_eq!(union, findings(&full), "{}", folder.display());
        assert_eq!(union_resources, resources(&full), "{}", folder.display());
    }
}

#[test]
fn a_finding_in_a_linked_template_carries_its_callers_and_shows_in_a_run_on_the_caller() {
    // The VM and its image are in the linked template; the caller deploys it. The finding
    // names the chain of deployments as related locations (the caller's deployment first),
    // so a run on the caller alone reports what it deploys.
    let repo = Repo::new();
    repo.write("nested/vm.json", marketplace_vm("linked-vm"));
    let deployment = |name: &str, path: &str| linked_deployment(name, path, "");
    repo.write(
        "middle/tier.json",
        arm_template("", "", &deployment("to-vm", "../nested/vm.json")),
    );
    repo.write(
        "azuredeploy.json",
        arm_template("", "", &deployment("to-tier", "middle/tier.json")),
    );
    git(repo.path(), &["init", "-q"]);
    let full = check_json(&repo, &["."]);
    assert_eq!(finding_rules(&full), ["IG001"], "{full:#}");
    let related: Vec<(String, String)> = full["findings"][0]["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap_or_default().to_owned(),
                r["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .filter(|(_, m)| m.starts_with("deployed through"))
        .collect();
    assert_eq!(
        related,
        [
            (
                "middle/tier.json".to_owned(),
                "deployed through deployment 'to-vm'".to_owned()
            ),
            (
                "azuredeploy.json".to_owned(),
                "deployed through deployment 'to-tier'".to_owned()
            ),
        ]
    );
    for named in ["azuredeploy.json", "middle/tier.json", "nested/vm.json"] {
        let one = check_json(&repo, &[named]);
        assert_eq!(findings(&one), findings(&full), "{named}");
    }
}
