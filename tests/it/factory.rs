//! Writing into the golden gallery (issue #24, point 7): a template that publishes an image
//! version into an approved gallery is an IG010 unless it is one of the image factory's
//! (`[approved] factory`). The fixtures are `testdata/factory/<case>/`, each a project with the
//! platform team's imagegate.toml: `corpGallery` in `rg-golden` is the golden gallery.
//!
//! What publishes a version:
//! * `Microsoft.Compute/galleries/images/versions`, named `gallery/definition/version`, built
//!   from `properties.storageProfile.source` or `osDiskImage.source`
//!   (<https://learn.microsoft.com/azure/templates/microsoft.compute/galleries/images/versions>);
//! * `Microsoft.VirtualMachineImages/imageTemplates`, whose `distribute[]` items of type
//!   `SharedImage` publish into the definition `galleryImageId` names
//!   (<https://learn.microsoft.com/azure/templates/microsoft.virtualmachineimages/imagetemplates>);
//! * Terraform's `azurerm_shared_image_version`
//!   (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/shared_image_version>).

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::*;

/// A copy of `testdata/factory/<name>` in a git repository of its own.
fn project(name: &str) -> Repo {
    let repo = Repo::new();
    copy_tree(&fixture(name), repo.path());
    git(repo.path(), &["init", "-q"]);
    repo
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/factory")
        .join(name)
}

/// Whether a finding's message says the template publishes, or may.
fn kind(message: &str) -> &'static str {
    if message.starts_with("may publish") {
        MAY_PUBLISH
    } else if message.starts_with("publishes") {
        PUBLISHES
    } else {
        "something else"
    }
}

/// `(rule, path, line, what it says it does)` of every finding of `report`, sorted.
fn findings(report: &serde_json::Value) -> Vec<(String, String, u64, String)> {
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
                kind(f["message"].as_str().unwrap_or_default()).to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn finding(rule: &str, path: &str, line: u64, label: &str) -> (String, String, u64, String) {
    (rule.into(), path.into(), line, label.into())
}

/// The message of the IG010 located in `path`.
fn message_in(report: &serde_json::Value, path: &str) -> String {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == path && f["rule"] == "IG010")
        .and_then(|f| f["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

const PUBLISHES: &str = "publishes";
const MAY_PUBLISH: &str = "may publish";

#[test]
fn only_the_image_factory_publishes_versions_into_the_approved_gallery() {
    let repo = project("versions");
    let report = check_json(&repo, &[]);
    assert_eq!(
        findings(&report),
        [
            // The gallery is a parameter the pipeline sets: it may be corpGallery.
            finding("IG010", "app/gallery-parameter.bicep", 9, MAY_PUBLISH),
            // A VHD imported into corpGallery/ubuntu-22.04-cis.
            finding("IG010", "app/publish-from-vhd.json", 22, PUBLISHES),
            // The factory's own module, deployed from app/: published from outside it.
            finding("IG010", "infra/images/version-module.bicep", 9, PUBLISHES),
        ],
        "{report:#}"
    );
    // The factory's template (infra/images/publish.bicep) and the team gallery's publish.
    let vhd = message_in(&report, "app/publish-from-vhd.json");
    assert!(
        vhd.starts_with(
            "publishes image version 1.6.0 built from the VHD https://stwebbuild.blob.core.windows.net/vhds/web-os.vhd into the approved image definition /subscriptions/<unknown>/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis: only the image factory may publish"
        ),
        "{vhd}"
    );
    let parameter = message_in(&report, "app/gallery-parameter.bicep");
    assert!(
        parameter.contains("(the gallery's name, `<parameter galleryName>`)"),
        "{parameter}"
    );
    let module = &report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == "infra/images/version-module.bicep")
        .expect("the module's finding")["related"];
    assert!(
        module.to_string().contains("app/uses-factory-module.bicep"),
        "{module}"
    );
    // The help says where the factory is.
    let out = repo
        .imagegate(&["check", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains(
            "help: publish approved image versions from the image factory (`infra/images/**` under `[approved] factory` in imagegate.toml)"
        ),
        "{human}"
    );
}

#[test]
fn the_factory_is_what_lets_its_templates_publish() {
    // The same project without `factory`: the factory's own template publishes into
    // corpGallery like any other.
    let repo = project("versions");
    let config = std::fs::read_to_string(repo.path().join("imagegate.toml")).unwrap();
    repo.write(
        "imagegate.toml",
        config.replace("factory = [\"infra/images/**\"]\n", ""),
    );
    let report = check_json(&repo, &[]);
    let paths: BTreeSet<String> = findings(&report).into_iter().map(|f| f.1).collect();
    assert!(paths.contains("infra/images/publish.bicep"), "{report:#}");
    assert!(!paths.contains("app/team-gallery.bicep"), "{report:#}");
}

#[test]
fn factory_globs_are_relative_to_the_config_wherever_the_run_starts() {
    // Run from the folder above the project: paths are shown from there, and the factory's
    // globs still match below the config's folder.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("versions"), &dir.path().join("platform"));
    git(&dir.path().join("platform"), &["init", "-q"]);
    let out = Command::new()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--exit-zero", "platform"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: BTreeSet<String> = findings(&report).into_iter().map(|f| f.1).collect();
    assert_eq!(
        paths,
        [
            "platform/app/gallery-parameter.bicep",
            "platform/app/publish-from-vhd.json",
            "platform/infra/images/version-module.bicep",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        "{report:#}"
    );
}

#[test]
fn azure_image_builder_publishes_through_its_shared_image_distributions() {
    // app/aib-golden.json distributes to a managed image (not a gallery) and to the golden
    // definition; app/aib-team.json to the web team's gallery and a VHD; images/ is the
    // factory. The template's Canonical base is allowed: no IG001.
    let repo = project("image-builder");
    let report = check_json(&repo, &[]);
    assert_eq!(
        findings(&report),
        [finding("IG010", "app/aib-golden.json", 60, PUBLISHES)],
        "{report:#}"
    );
    assert!(
        message_in(&report, "app/aib-golden.json").starts_with(
            "publishes a new image version into the approved image definition /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis"
        ),
        "{report:#}"
    );
    // The finding's image is what is published.
    assert_eq!(
        report["findings"][0]["image"]["id"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis"
    );
}

#[test]
fn a_distribution_list_not_known_offline_may_publish_into_the_approved_gallery() {
    let repo = project("image-builder");
    let text = std::fs::read_to_string(repo.path().join("app/aib-team.json")).unwrap();
    let template: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut template = template;
    template["parameters"]["distribute"] = serde_json::json!({ "type": "array" });
    template["resources"][0]["properties"]["distribute"] = "[parameters('distribute')]".into();
    repo.write(
        "app/aib-team.json",
        serde_json::to_string_pretty(&template).unwrap(),
    );
    let report = check_json(&repo, &[]);
    let team: Vec<_> = findings(&report)
        .into_iter()
        .filter(|f| f.1 == "app/aib-team.json")
        .map(|(rule, _, _, kind)| (rule, kind))
        .collect();
    assert_eq!(
        team,
        [("IG010".to_owned(), MAY_PUBLISH.to_owned())],
        "{report:#}"
    );
    assert!(
        message_in(&report, "app/aib-team.json")
            .contains("(parameter 'distribute' has no default and no parameter file sets it)"),
        "{report:#}"
    );
}

#[test]
fn a_terraform_gallery_image_version_publishes_into_the_gallery_its_arguments_name() {
    // azurerm_shared_image_version.golden goes to corpGallery in rg-golden; .team to the web
    // team's gallery. The plan is not the factory's.
    let repo = project("terraform");
    let report = check_json(&repo, &[]);
    let found: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["resource"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [(
            "IG010".to_owned(),
            "azurerm_shared_image_version.golden".to_owned()
        )],
        "{report:#}"
    );
    assert!(
        message_in(&report, "app/web-image.tfplan.json")
            .starts_with("publishes image version 1.9.0 built from the managed image"),
        "{report:#}"
    );
}

#[test]
fn under_the_embedded_default_every_gallery_is_approved_and_every_publication_reported() {
    // Without a config every Compute Gallery image is approved, so a version published into
    // any gallery is an approved image: there is no factory yet.
    let repo = Repo::new();
    let text = std::fs::read_to_string(fixture("versions").join("app/team-gallery.bicep"))
        .expect("fixture");
    repo.write("team-gallery.bicep", text);
    // An image template whose distribution list a parameter gives may publish at all: into
    // an approved gallery, since every gallery is.
    let text = std::fs::read_to_string(fixture("image-builder").join("app/aib-team.json"))
        .expect("fixture");
    let mut template: serde_json::Value = serde_json::from_str(&text).unwrap();
    template["parameters"]["distribute"] = serde_json::json!({ "type": "array" });
    template["resources"][0]["properties"]["distribute"] = "[parameters('distribute')]".into();
    repo.write("aib.json", serde_json::to_string_pretty(&template).unwrap());
    let report = check_json(&repo, &[]);
    let found = findings(&report);
    assert!(
        found.contains(&finding("IG010", "team-gallery.bicep", 17, PUBLISHES)),
        "{report:#}"
    );
    assert!(
        message_in(&report, "aib.json").contains(
            "into the approved image definition /subscriptions/<unknown>/resourceGroups/<unknown>/providers/Microsoft.Compute/galleries/<unknown>/images/<unknown>: whether it does is not known offline (parameter 'distribute' has no default and no parameter file sets it)"
        ),
        "{report:#}"
    );
}

#[test]
fn a_factory_glob_that_can_match_no_file_of_the_project_is_refused() {
    let repo = Repo::new();
    repo.write(
        "imagegate.toml",
        "[approved]\nfactory = [\"/infra/images/**\"]\n",
    );
    let out = repo.imagegate(&["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("imagegate.toml:2: key `approved.factory[0]`: `/infra/images/**` is not relative to the config's folder"),
        "{stderr}"
    );
}

#[test]
fn a_run_naming_one_file_reports_what_the_full_run_reports_for_it() {
    // The contract of the hook and the editor (#22): the factory's module, named alone, is
    // judged through the application that deploys it from outside the factory.
    let mut compared = 0;
    for case in ["versions", "image-builder", "terraform"] {
        let repo = project(case);
        let full = check_json(&repo, &["."]);
        for file in files_below(&fixture(case)) {
            let name = file.to_str().expect("UTF-8").replace('\\', "/");
            assert_named_run_is_the_full_runs(&repo, &full, &name, case);
            compared += 1;
        }
    }
    assert!(compared >= 13, "only {compared} files compared");
}
