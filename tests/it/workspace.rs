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

/// A long-lived workspace keeps each file's judgement with the files it read and reuses it
/// while none of them changed: a run over a named linked template judges every template with
/// a computed link (any of them may deploy it), and an edit judges again only those that read
/// an edited buffer. After every edit its report is the one a fresh workspace gives for the
/// same buffers, whichever file the edit is in: the linked template, the caller that links it,
/// a caller that links another file and is edited to link this one.
#[test]
fn a_remembering_workspace_judges_again_exactly_what_reads_an_edited_buffer() {
    let repo = Repo::new();
    git(repo.path(), &["init", "-q"]);
    let nested = |image: &str| {
        arm_template(
            &format!(r#""image": {{ "type": "object", "defaultValue": {image} }}"#),
            "",
            &arm_vm("vm", r#""[parameters('image')]""#, ""),
        )
    };
    let golden = format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#);
    repo.write("nested/vm.json", nested(&golden));
    repo.write("nested/other.json", nested(&golden));
    let caller = |relative: &str, image: &str| {
        let parameters = format!(r#""image": {{ "value": {image} }}"#);
        arm_template(
            "",
            "",
            &computed_linked_deployment("d", relative, &parameters),
        )
    };
    repo.write("main.json", caller("nested/vm.json", MARKETPLACE));
    repo.write("second.json", caller("nested/other.json", MARKETPLACE));
    let mut remembering = workspace(repo.path()).remembering();
    let named = ["nested/vm.json"];
    // The report of a fresh workspace with the same buffers.
    let fresh = |overlays: &[(&str, &str)]| {
        let mut w = workspace(repo.path());
        for (path, text) in overlays {
            w.set_overlay(Path::new(path), (*text).to_owned()).unwrap();
        }
        check(&w, &named)
    };
    let places = |report: &serde_json::Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| format!("{} {}", f["rule"], f["path"]))
            .collect()
    };
    let first = check(&remembering, &named);
    assert_eq!(first, fresh(&[]));
    assert_eq!(
        places(&first),
        [r#""IG001" "main.json""#],
        "through main.json only"
    );

    // The caller edited to pass the golden image: its finding goes.
    let golden_caller = caller("nested/vm.json", &golden);
    remembering
        .set_overlay(Path::new("main.json"), golden_caller.clone())
        .unwrap();
    let report = check(&remembering, &named);
    assert_eq!(report, fresh(&[("main.json", &golden_caller)]));
    assert_eq!(places(&report), Vec::<String>::new());

    // A caller of another template edited to link this one: judged again, and it reaches it.
    let relinked = caller("nested/vm.json", MARKETPLACE);
    remembering
        .set_overlay(Path::new("second.json"), relinked.clone())
        .unwrap();
    let buffers = [
        ("main.json", golden_caller.as_str()),
        ("second.json", &relinked),
    ];
    let report = check(&remembering, &named);
    assert_eq!(report, fresh(&buffers));
    assert_eq!(places(&report), [r#""IG001" "second.json""#]);

    // The linked template edited to name its image itself: judged again through both.
    let edited = arm_template("", "", &arm_vm("vm", MARKETPLACE, ""));
    remembering
        .set_overlay(Path::new("nested/vm.json"), edited.clone())
        .unwrap();
    let buffers = [
        ("main.json", golden_caller.as_str()),
        ("second.json", &relinked),
        ("nested/vm.json", &edited),
    ];
    let report = check(&remembering, &named);
    assert_eq!(report, fresh(&buffers));
    assert_eq!(places(&report), [r#""IG001" "nested/vm.json""#]);

    // Every buffer closed: the files on disk again.
    for path in ["nested/vm.json", "main.json", "second.json"] {
        remembering.remove_overlay(Path::new(path));
    }
    assert_eq!(check(&remembering, &named), first);

    // A judgement is kept until the workspace is told the disk changed: it is reused, not
    // made again (a fresh workspace sees the new file at once).
    repo.write("main.json", caller("nested/vm.json", &golden));
    assert_eq!(check(&remembering, &named), first, "kept until forgotten");
    assert_ne!(check(&remembering, &named), fresh(&[]));
    remembering.forget();
    assert_eq!(check(&remembering, &named), fresh(&[]));
}

/// A run given a cancel flag gives its report when the flag stays clear, and none once it is
/// set (an editor's server sets it when the user types again).
#[test]
fn a_cancelled_run_gives_no_report() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let repo = Repo::new();
    repo.write("a/azuredeploy.json", golden_vm("a"));
    repo.write(
        "b/azuredeploy.json",
        arm_template("", "", &arm_vm("vm", MARKETPLACE, "")),
    );
    let workspace = workspace(repo.path());
    let options = WalkOptions {
        roots: vec![repo.path().to_path_buf()],
        ..WalkOptions::default()
    };
    let detail = Detail { excerpts: false };
    let cancel = AtomicBool::new(false);
    let report = workspace
        .check_unless(&options, detail, &cancel)
        .expect("walk")
        .expect("not cancelled");
    assert_eq!(
        report.findings.len(),
        workspace
            .check(&options, detail)
            .expect("walk")
            .findings
            .len()
    );
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    cancel.store(true, Ordering::SeqCst);
    assert!(
        workspace
            .check_unless(&options, detail, &cancel)
            .expect("walk")
            .is_none()
    );
}

/// An editor's unsaved `.tfvars` buffer is what its folder's module reads: a run naming it
/// reports what the buffer sets (Terraform reads `terraform.tfvars` for the root module,
/// <https://developer.hashicorp.com/terraform/language/values/variables#variable-definitions-tfvars-files>).
#[test]
fn an_unsaved_tfvars_buffer_decides_its_modules_image() {
    let repo = Repo::new();
    git(repo.path(), &["init", "-q"]);
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/terraform-src/tfvars-override"
    );
    for name in ["main.tf", "variables.tf", "terraform.tfvars"] {
        repo.write(
            &format!("infra/{name}"),
            std::fs::read_to_string(format!("{fixture}/{name}")).unwrap(),
        );
    }
    let mut workspace = workspace(repo.path()).remembering();
    let named = ["infra/terraform.tfvars"];
    let messages = |w: &Workspace| finding_messages(&check(w, &named));
    let before = messages(&workspace);
    assert!(
        before
            .iter()
            .any(|m| m.contains("MicrosoftWindowsServer:WindowsServer")),
        "{before:?}"
    );
    let edited = "instances = 3\n\nimage = {\n  publisher = \"Canonical\"\n  offer     = \"ubuntu-24_04-lts\"\n  sku       = \"server\"\n  version   = \"latest\"\n}\n";
    workspace
        .set_overlay(Path::new("infra/terraform.tfvars"), edited.to_owned())
        .unwrap();
    let after = messages(&workspace);
    assert!(
        after
            .iter()
            .any(|m| m.contains("Canonical:ubuntu-24_04-lts:server")),
        "{after:?}"
    );
    assert!(
        !after.iter().any(|m| m.contains("WindowsServer")),
        "{after:?}"
    );
}
