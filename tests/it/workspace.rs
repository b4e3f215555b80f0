//! The library's workspace, in-process: what every entry point stands on. Unsaved buffers laid
//! over files (an editor's) are what runs read, wherever the file is reached from: walked, as
//! a template's parameter file, or named alone as pre-commit names it.

use std::path::{Path, PathBuf};

use crate::common::*;
use imagegate::config::Config;
use imagegate::findings::Detail;
use imagegate::report::emit::{Format, HumanOptions, emitter};
use imagegate::walk::WalkOptions;
use imagegate::workspace::Workspace;

/// The JSON report of a `check` of `roots` in `workspace`.
fn check(workspace: &Workspace, roots: &[&str]) -> serde_json::Value {
    let options = WalkOptions {
        roots: roots.iter().map(|r| workspace.cwd().join(r)).collect(),
        include: Vec::new(),
        exclude: Vec::new(),
        no_ignore: false,
        force_exclude: false,
        threads: 1,
    };
    let report = workspace
        .check(&options, Detail { excerpts: false })
        .expect("walk");
    let mut out = Vec::new();
    emitter(Format::Json, HumanOptions::default(), None, "imagegate")
        .emit(&report, &mut out)
        .expect("JSON");
    serde_json::from_slice(&out).expect("JSON report")
}

fn workspace(dir: &Path) -> Workspace {
    Workspace::new(Config::embedded(), dir.to_path_buf(), 1).expect("workspace")
}

const MARKETPLACE: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

/// A template whose image is its required parameter `image`, and a parameter file selecting
/// the golden image.
fn template_and_parameters(repo: &Repo) {
    repo.write(
        "app/azuredeploy.json",
        arm_template(
            r#""image": { "type": "object" }"#,
            "",
            &arm_vm("vm", r#""[parameters('image')]""#, ""),
        ),
    );
    repo.write(
        "app/azuredeploy.parameters.json",
        parameters_file(&format!(
            r#""image": {{ "value": {{ "id": "{GOLDEN_VERSION}" }} }}"#
        )),
    );
}

#[test]
fn an_unsaved_parameter_file_is_judged_instead_of_the_file_on_disk() {
    let repo = Repo::new();
    template_and_parameters(&repo);
    let mut workspace = workspace(repo.path());
    assert!(located(&check(&workspace, &["."])).is_empty());
    // The buffer selects a Marketplace image, on its 5th line; the file on disk is unchanged.
    let unsaved = parameters_file(&format!(
        "\n  \"image\": {{\n    \"value\":\n      {MARKETPLACE}\n  }}\n"
    ));
    let line = unsaved
        .lines()
        .position(|l| l.contains("Canonical"))
        .expect("the image's line") as u64
        + 1;
    workspace
        .set_overlay(Path::new("app/azuredeploy.parameters.json"), unsaved)
        .expect("the file exists");
    let expected = vec![(
        "IG001".to_string(),
        "app/azuredeploy.parameters.json".to_string(),
        line,
    )];
    assert_eq!(located(&check(&workspace, &["."])), expected);
    // Named alone, as pre-commit or an editor names it: judged with its template.
    assert_eq!(
        located(&check(&workspace, &["app/azuredeploy.parameters.json"])),
        expected
    );
    workspace.remove_overlay(Path::new("app/azuredeploy.parameters.json"));
    assert!(located(&check(&workspace, &["."])).is_empty());
}

#[test]
fn an_unsaved_template_is_judged_and_nothing_outside_the_roots_is_read() {
    let repo = Repo::new();
    repo.write("a/azuredeploy.json", golden_vm("a"));
    repo.write("b/azuredeploy.json", golden_vm("b"));
    let mut workspace = workspace(repo.path());
    workspace
        .set_overlay(Path::new("a/azuredeploy.json"), marketplace_vm("a"))
        .expect("the file exists");
    workspace
        .set_overlay(Path::new("b/azuredeploy.json"), marketplace_vm("b"))
        .expect("the file exists");
    let found: Vec<String> = located(&check(&workspace, &["a"]))
        .into_iter()
        .map(|(rule, path, _)| format!("{rule} {path}"))
        .collect();
    // `b` lies outside the run's roots: its buffer is not read, as its file would not be.
    assert_eq!(found, ["IG001 a/azuredeploy.json"]);
    // A buffer for a file that does not exist is refused, not judged as if it did.
    let missing = PathBuf::from("c/azuredeploy.json");
    assert!(workspace.set_overlay(&missing, golden_vm("c")).is_err());
}

/// A long-lived workspace (the language server's) keeps what its project graphs read of each
/// file between runs: a caller laid over by an unsaved buffer is read again every run (its
/// new link to the named template is followed at once), a file changed on disk only after
/// `forget` (the server forgets when the editor saves a file).
#[test]
fn a_remembering_workspace_reads_unsaved_buffers_every_run_and_disk_after_forget() {
    let repo = Repo::new();
    git(repo.path(), &["init", "-q"]);
    // The linked template takes its image from its caller: judged alone, nobody sets it.
    repo.write(
        "nested/vm.json",
        arm_template(
            r#""image": { "type": "object" }"#,
            "",
            &arm_vm("vm", r#""[parameters('image')]""#, ""),
        ),
    );
    let caller = |linked: bool| {
        let resources = if linked {
            linked_deployment(
                "vm",
                "nested/vm.json",
                &format!(r#""image": {{ "value": {MARKETPLACE} }}"#),
            )
        } else {
            String::new()
        };
        arm_template("", "", &resources)
    };
    repo.write("main.json", caller(false));
    let mut workspace = workspace(repo.path()).remembering();
    let rules = |workspace: &Workspace| finding_rules(&check(workspace, &["nested/vm.json"]));
    assert_eq!(rules(&workspace), ["IG002"], "judged alone");
    // The caller links it in an unsaved buffer: judged through it at once.
    workspace
        .set_overlay(Path::new("main.json"), caller(true))
        .unwrap();
    assert_eq!(rules(&workspace), ["IG001"], "judged through its caller");
    // Closed unsaved: back to the file on disk.
    workspace.remove_overlay(Path::new("main.json"));
    assert_eq!(rules(&workspace), ["IG002"]);
    // Saved on disk: what was read of it is kept until forgotten.
    repo.write("main.json", caller(true));
    workspace.forget();
    assert_eq!(rules(&workspace), ["IG001"], "read again after forget");
}
