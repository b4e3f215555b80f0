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
    finding_identities(report)
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

/// `check --format json -` run in `repo` on `text` piped in as the file `name`.
fn piped_as(repo: &Repo, name: &str, text: impl Into<Vec<u8>>) -> serde_json::Value {
    let args = [
        "check",
        "--format",
        "json",
        "--exit-zero",
        "-",
        "--stdin-filename",
        name,
    ];
    let out = repo
        .imagegate(&args)
        .write_stdin(text)
        .output()
        .expect("run");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// For every file of `repo` (a copy of a fixture folder, in a git repository of its own): a
/// run naming that file alone reports exactly the full run's findings that touch it, and
/// piping the file to `check - --stdin-filename` gives the same report. Returns the number
/// of files compared.
fn assert_named_runs_equal_the_full_run(repo: &Repo, fixture: &Path) -> usize {
    let full = check_json(repo, &["."]);
    let mut compared = 0;
    for file in files_below(repo.path()) {
        if file.starts_with(".git") {
            continue;
        }
        let name = file.to_str().expect("UTF-8 name").replace('\\', "/");
        let named =
            assert_named_run_is_the_full_runs(repo, &full, &name, &fixture.display().to_string());
        let text = std::fs::read(repo.path().join(&file)).expect("read");
        let piped = piped_as(repo, &name, text);
        assert_eq!(
            findings(&piped),
            findings(&named),
            "{}: `check - --stdin-filename {name}` differs from `check {name}`",
            fixture.display()
        );
        compared += 1;
    }
    compared
}

#[test]
fn a_run_naming_one_file_reports_what_the_full_run_reports_for_it_on_every_fixture() {
    // The contract of the hook and the editor (issue #22): for every file of every fixture
    // project, named alone or piped in, exactly the full run's findings that touch it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut folders = Vec::new();
    let below = |dir: &Path| -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("fixtures")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        found.sort();
        found
    };
    for group in [
        "project",
        "literals",
        "arm",
        "bicep",
        "containers",
        "containers/stack",
        "containers/spec",
        "containers/managed-app",
        "provenance",
        "provenance/arm",
        "terraform-src",
    ] {
        folders.extend(below(&root.join(group)));
    }
    // Each rule's projects, with their configs.
    for rule in below(&root.join("rules")) {
        folders.extend(below(&rule));
    }
    let mut compared = 0;
    for folder in &folders {
        let repo = Repo::new();
        copy_tree(folder, repo.path());
        git(repo.path(), &["init", "-q"]);
        compared += assert_named_runs_equal_the_full_run(&repo, folder);
    }
    assert!(compared >= 70, "only {compared} files compared");
}

/// The full run of the fixture project `testdata/project/<name>`, and the repository.
fn project(name: &str) -> (Repo, serde_json::Value) {
    let repo = fixture_project(name);
    let full = check_json(&repo, &["."]);
    (repo, full)
}

#[test]
fn a_bicepparam_in_another_folder_is_a_context_of_the_template_it_uses() {
    // `env/prod.bicepparam` with `using '../main.bicep'`: "The using statement ... the path
    // is relative to the parameters file" (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-using).
    // It used to be judged by nobody: main.bicep looked for `.bicepparam` files beside it.
    // `env/dev.bicepparam` passes the golden image: no finding in its context.
    let (_, full) = project("bicepparam-elsewhere");
    assert_eq!(
        judged_with(&full),
        [judged(
            "IG001",
            "env/prod.bicepparam",
            4,
            "env/prod.bicepparam"
        )]
    );
    assert_eq!(full["summary"]["resources_judged"], 2, "{full:#}");
}

#[test]
fn a_json_parameter_file_named_for_a_bicep_file_is_its_context() {
    // The azd layout: `infra/main.parameters.json` for `infra/main.bicep` ("if your Bicep file
    // is named main.bicep, the parameters file is named main.parameters.json",
    // https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameter-files).
    let (_, full) = project("azd-json-parameters");
    assert_eq!(
        judged_with(&full),
        [judged(
            "IG001",
            "infra/main.parameters.json",
            6,
            "infra/main.parameters.json"
        )]
    );
}

#[test]
fn parameter_files_named_for_or_using_another_template_are_not_its_contexts() {
    // `main.parameters.json` beside `app.bicep`, and a `.bicepparam` using `storage.bicep`:
    // neither gives `app.bicep` values, so its golden default stands.
    let (_, full) = project("unrelated-parameters");
    assert_eq!(judged_with(&full), []);
    assert_eq!(full["summary"]["resources_judged"], 1, "{full:#}");
    assert_eq!(full["summary"]["compliant"], 1, "{full:#}");
}

#[test]
fn a_bicepparam_may_use_an_arm_json_template() {
    // "The using statement ... can reference a JSON ARM template"
    // (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-using).
    let (_, full) = project("bicepparam-json-template");
    assert_eq!(
        judged_with(&full),
        [judged("IG001", "prod.bicepparam", 3, "prod.bicepparam")]
    );
    assert!(
        full["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2019-datacenter-gensecond")),
        "{full:#}"
    );
}

#[test]
fn a_value_set_in_an_extended_parameter_file_is_judged_where_it_is_set() {
    // `prod.bicepparam` extends `base.bicepparam`, which sets the image
    // (https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameter-files#extendable-parameter-files).
    let (repo, full) = project("bicepparam-extends");
    assert_eq!(
        judged_with(&full),
        [judged("IG001", "base.bicepparam", 4, "prod.bicepparam")]
    );
    // A change to the base alone is judged through every file that extends it.
    let named = check_json(&repo, &["base.bicepparam"]);
    assert_eq!(judged_with(&named), judged_with(&full));
}

#[test]
fn a_named_data_file_or_imported_file_is_judged_through_the_files_that_read_it() {
    // A change to `images.json` (read with `loadJsonContent`) or to `images.bicep` (whose
    // exported variable `main.bicep` imports) is judged through `main.bicep`, and the finding
    // points at the literal in the changed file
    // (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-files#loadjsoncontent,
    // https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-import).
    for (fixture, named) in [
        ("data-file", "images.json"),
        ("imported-variables", "images.bicep"),
    ] {
        let (repo, full) = project(fixture);
        assert_eq!(
            judged_with(&full),
            [judged("IG001", named, 2, "")],
            "{fixture}: {full:#}"
        );
        for file in [named, "main.bicep"] {
            let one = check_json(&repo, &[file]);
            assert_eq!(judged_with(&one), judged_with(&full), "{fixture}: {file}");
        }
    }
}

#[test]
fn a_template_linked_by_a_computed_uri_is_judged_through_its_caller() {
    // `uri(parameters('_artifactsLocation'), concat('nested/', parameters('tier'), '.json'))`:
    // the link is computed during evaluation, so a run naming `nested/vm.json` judges the
    // caller, which passes the SKU.
    let (repo, full) = project("computed-link");
    // At the SKU the caller passes (the literal to change), about the linked VM.
    assert_eq!(
        judged_with(&full),
        [judged("IG001", "azuredeploy.json", 23, "")]
    );
    assert!(touches(&full["findings"][0], "nested/vm.json"), "{full:#}");
    let named = check_json(&repo, &["nested/vm.json"]);
    assert_eq!(judged_with(&named), judged_with(&full), "{named:#}");
    assert!(
        named["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2019-Datacenter")),
        "the caller's value, not an unset parameter: {named:#}"
    );
}

#[test]
fn a_piped_buffer_replaces_its_file_in_the_project() {
    // The editor's unsaved parameter file: what is piped is judged, not what is on disk, and
    // its template is judged with it — whichever way the change goes.
    let (repo, _) = project("arm-parameter-file");
    let approved = parameters_file(
        r#""imagePublisher": { "value": "MicrosoftWindowsServer" }, "imageOffer": { "value": "WindowsServer" }, "imageSku": { "value": "2022-datacenter-azure-edition" }"#,
    );
    let config = "[approved]\nmarketplace = [{ publisher = \"MicrosoftWindowsServer\", offer = \"WindowsServer\", sku = \"*\" }]\n";
    repo.write("imagegate.toml", config);
    let piped = |text: &str| piped_as(&repo, "azuredeploy.parameters.json", text);
    let on_disk =
        std::fs::read_to_string(repo.path().join("azuredeploy.parameters.json")).expect("read");
    // On disk: Canonical (not approved). Piped: Windows (approved) — no finding.
    assert_eq!(finding_rules(&check_json(&repo, &["."])), ["IG001"]);
    let fixed = piped(&approved);
    assert_eq!(finding_rules(&fixed), Vec::<String>::new(), "{fixed:#}");
    assert_eq!(fixed["summary"]["resources_judged"], 1, "{fixed:#}");
    // And back: the disk's text piped is the disk's finding.
    assert_eq!(finding_rules(&piped(&on_disk)), ["IG001"]);
}

#[test]
fn a_compiled_module_stands_aside_with_its_bicep_source_whoever_calls_it() {
    // main.json is main.bicep compiled; caller.bicep deploys main.bicep with an image. The
    // module's own judgement (its image parameter unset) stands aside for its caller's, and so
    // does its compiled twin's, which finds the same: it is compared with main.bicep as judged
    // on its own, not with what is left of it once its caller covers it. It used to keep an
    // IG002 in main.json that only the whole run reported (a run naming main.json did not).
    let (repo, full) = project("compiled-module");
    assert_eq!(judged_with(&full), [judged("IG001", "caller.bicep", 4, "")]);
    for named in ["main.json", "main.bicep", "caller.bicep"] {
        let one = check_json(&repo, &[named]);
        let want: Vec<_> = judged_with(&full)
            .into_iter()
            .filter(|_| named != "main.json")
            .collect();
        assert_eq!(judged_with(&one), want, "{named}: {one:#}");
    }
}

#[test]
fn a_template_linked_by_a_computed_uri_with_an_approved_image_reports_nothing_named_or_not() {
    // The same caller links `nested/golden.json` by a computed URI too: its image is approved,
    // so neither the whole run nor a run naming it reports anything about it; both judge it.
    let (repo, full) = project("computed-link");
    let golden = |report: &serde_json::Value| -> Vec<String> {
        report["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .filter(|r| r["name"] == "golden-vm")
            .map(|r| r["status"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(golden(&full), ["compliant"], "{full:#}");
    let named = check_json(&repo, &["nested/golden.json"]);
    assert_eq!(judged_with(&named), []);
    assert_eq!(golden(&named), ["compliant"], "{named:#}");
}

#[test]
fn a_piped_parameter_file_that_is_not_on_disk_is_a_context_of_the_template_it_uses() {
    // An editor's new, unsaved `env/staging.bicepparam`: the graph reads its `using` from the
    // buffer, so `main.bicep` is judged with it, and the finding is at the buffer's value.
    let (repo, _) = project("bicepparam-elsewhere");
    let staging = "using '../main.bicep'\n\nparam imageReference = {\n  publisher: 'MicrosoftWindowsServer'\n  offer: 'WindowsServer'\n  sku: '2022-datacenter-azure-edition'\n  version: 'latest'\n}\n";
    let piped = piped_as(&repo, "env/staging.bicepparam", staging);
    assert_eq!(
        judged_with(&piped),
        [judged(
            "IG001",
            "env/staging.bicepparam",
            3,
            "env/staging.bicepparam"
        )],
        "{piped:#}"
    );
    // And nothing was written: the whole run does not know it.
    assert!(!repo.path().join("env/staging.bicepparam").exists());
}

#[test]
fn the_approved_image_a_help_points_at_is_what_the_report_holds_deploys() {
    // A whole run's help names the approved image the repository deploys; a run over named
    // files names the one those files deploy, never one of a file the graph judged for them
    // (that would change with files they do not relate to).
    let repo = Repo::new();
    repo.write("golden.json", golden_vm("golden-vm"));
    repo.write("app/marketplace.json", marketplace_vm("app-vm"));
    git(repo.path(), &["init", "-q"]);
    let help = |report: &serde_json::Value| -> String {
        report["findings"][0]["help"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let full = check_json(&repo, &["."]);
    assert!(
        help(&full).contains("this repository deploys the approved"),
        "{full:#}"
    );
    let named = check_json(&repo, &["app/marketplace.json"]);
    assert_eq!(finding_rules(&named), ["IG001"]);
    assert!(
        !help(&named).contains("this repository deploys"),
        "{named:#}"
    );
    let both = check_json(&repo, &["app/marketplace.json", "golden.json"]);
    assert_eq!(help(&both), help(&full));
}

#[test]
fn a_utf16_template_linked_by_a_computed_uri_is_still_judged_through_its_caller() {
    // Whether a named template may be what a computed link deploys is read from its decoded
    // text: saved as UTF-16 (with its byte order mark, as Windows editors save it), its bytes
    // hide the `deploymentTemplate` schema, and a run naming it must still judge the caller.
    let (repo, _) = project("computed-link");
    let text = std::fs::read_to_string(repo.path().join("nested/vm.json")).expect("read");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(repo.path().join("nested/vm.json"), utf16).expect("write");
    let full = check_json(&repo, &["."]);
    assert_eq!(
        judged_with(&full),
        [judged("IG001", "azuredeploy.json", 23, "")],
        "{full:#}"
    );
    let named = check_json(&repo, &["nested/vm.json"]);
    assert_eq!(judged_with(&named), judged_with(&full), "{named:#}");
}

#[test]
fn a_computed_link_reaches_a_named_file_through_a_condition_a_loop_an_allowed_value_or_a_chain() {
    // A run naming a template judges only the templates whose computed links may deploy it,
    // told by walking their links alone: each way a link's value differs from its value under
    // the parameters' defaults must still find its caller. `latent.json` links
    // `nested/premium.json` only under the value a deployer may pass to flip its condition
    // ("Conditional deployment in ARM templates"); `loop.json` links `nested/vm1.json` only
    // for its second copy ("Resource iteration in ARM templates": `copyIndex()`);
    // `choice.json` links `nested/<size>.json` for each allowed value of a required
    // parameter; `chain.json` deploys `nested/middle.json`, whose own link, with the values
    // `chain.json` passes ("Using linked and nested templates": `uri()` relative to the
    // deploying template's `templateLink.uri`), leads to `leaf/deep.json`, where
    // `middle.json` alone leads nowhere. `other.json` links none of them.
    let (repo, full) = project("computed-link-paths");
    // Rule, place and message: what a user reads of each finding.
    let rows = |findings: &mut dyn Iterator<Item = &serde_json::Value>| -> Vec<_> {
        findings
            .map(|f| {
                let text = |key: &str| f[key].as_str().unwrap_or_default().to_owned();
                (
                    text("rule"),
                    text("path"),
                    f["line"].as_u64(),
                    text("message"),
                )
            })
            .collect()
    };
    let all = |report: &serde_json::Value| report["findings"].as_array().expect("findings").clone();
    let touching = |file: &str| rows(&mut all(&full).iter().filter(|f| touches(f, file)));
    let named_findings = |report: &serde_json::Value| rows(&mut all(report).iter());
    // Through its caller: the latent deployment's warning, and the loop's second instance.
    let latent = touching("nested/premium.json");
    assert!(
        latent.iter().any(|f| f
            .3
            .contains("deployed only when parameter 'tier' is 'premium'")),
        "{full:#}"
    );
    let looped = touching("nested/vm1.json");
    assert!(
        looped.iter().any(|f| f.3.contains("copy loop 'machines'")),
        "{full:#}"
    );
    let chosen = touching("nested/large.json");
    assert!(
        chosen
            .iter()
            .any(|f| f.3.contains("when parameter 'size' = large")),
        "{full:#}"
    );
    let chained = full["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == "leaf/deep.json")
        .expect("leaf/deep.json is judged through chain.json");
    assert!(touches(chained, "chain.json"), "{chained:#}");
    for file in [
        "nested/premium.json",
        "nested/basic.json",
        "nested/vm0.json",
        "nested/vm1.json",
        "nested/small.json",
        "nested/large.json",
        "nested/middle.json",
        "leaf/deep.json",
        "nested/unrelated.json",
        "latent.json",
        "loop.json",
        "choice.json",
        "chain.json",
        "other.json",
    ] {
        let named = check_json(&repo, &[file]);
        assert_eq!(named_findings(&named), touching(file), "{file}: {named:#}");
        // Piped, it stands in for itself: the same callers are asked, and judged.
        let text = std::fs::read(repo.path().join(file)).expect("read");
        let piped = piped_as(&repo, file, text);
        assert_eq!(
            named_findings(&piped),
            touching(file),
            "{file} piped: {piped:#}"
        );
    }
}

#[test]
fn templates_computing_links_to_each_other_in_a_cycle_are_asked_once_and_judged_alike() {
    // Hostile: `a.json` and `b.json` link each other by computed URIs, and `a.json` also
    // links `vm.json` by one. Asked where their links lead, the walk follows the cycle once
    // (each template read once, the cycle noted, as the judgement does): a run naming any of
    // them ends, and gives the whole run's findings that touch it.
    let repo = Repo::new();
    // Computed: the URI is an expression, so the graph cannot tell where it leads.
    let computed = |name: &str, target: &str| computed_linked_deployment(name, target, "");
    repo.write(
        "a.json",
        arm_template(
            "",
            "",
            &format!(
                "{},{}",
                computed("other", "b.json"),
                computed("machine", "vm.json")
            ),
        ),
    );
    repo.write("b.json", arm_template("", "", &computed("back", "a.json")));
    repo.write(
        "vm.json",
        arm_template("", "", &arm_vm("vm", MARKETPLACE, "")),
    );
    git(repo.path(), &["init", "-q"]);
    let full = check_json(&repo, &["."]);
    assert!(
        full["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["path"] == "vm.json" && touches(f, "a.json")),
        "vm.json judged through a.json: {full:#}"
    );
    for named in ["vm.json", "a.json", "b.json"] {
        let one = check_json(&repo, &[named]);
        let row = |f: &serde_json::Value| {
            let field = |key: &str| f[key].clone();
            (
                field("rule"),
                field("path"),
                field("line"),
                field("message"),
            )
        };
        let all =
            |report: &serde_json::Value| report["findings"].as_array().expect("findings").clone();
        let want: Vec<_> = all(&full)
            .iter()
            .filter(|f| touches(f, named))
            .map(row)
            .collect();
        let got: Vec<_> = all(&one).iter().map(row).collect();
        assert_eq!(got, want, "{named}: {one:#}");
    }
}
