//! `imagegate policy export|import` through the binary: the export has the shape of Azure's
//! samples (Azure/azure-policy `samples/Compute/allowed-custom-images`,
//! `allowed-image-publishers`, `platform-image-policy`) and of a definition as documented
//! (<https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-basics>),
//! refuses what it cannot say exactly, and round-trips through `import`.

use std::path::Path;

use crate::common::*;
use imagegate::config::Config;
use predicates::prelude::*;
use serde_json::{Value as Json, json};

const TYPICAL: &str = r#"mode = "deny"

[approved]
images = [
  "/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*",
]
marketplace = [
  { publisher = "Canonical", offer = "0001-com-ubuntu-server-jammy", sku = "22_04-lts-gen2" },
]
"#;

fn export(repo: &Repo, args: &[&str]) -> Json {
    let mut all = vec!["policy", "export"];
    all.extend_from_slice(args);
    let out = repo
        .imagegate(&all)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("JSON")
}

/// Every string value of a JSON tree, for "is this alias used" checks.
fn strings(value: &Json, out: &mut Vec<String>) {
    match value {
        Json::String(s) => out.push(s.clone()),
        Json::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Json::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn export_of_a_typical_config() {
    let repo = Repo::new();
    repo.write("imagegate.toml", TYPICAL);
    let definition = export(&repo, &[]);
    insta::assert_json_snapshot!("typical_config_definition", definition);
}

#[test]
fn export_has_the_shape_of_a_policy_definition_and_the_samples() {
    let repo = Repo::new();
    repo.write("imagegate.toml", TYPICAL);
    let definition = export(&repo, &[]);
    let p = &definition["properties"];
    // `mode` All, as the docs recommend for anything but tags and location.
    assert_eq!(p["mode"], "All");
    assert_eq!(p["policyType"], "Custom");
    // The effect is a parameter, Audit/Deny/Disabled, its default from the mode.
    assert_eq!(
        p["parameters"]["effect"]["allowedValues"],
        json!(["Audit", "Deny", "Disabled"])
    );
    assert_eq!(p["parameters"]["effect"]["defaultValue"], "Deny");
    assert_eq!(
        p["policyRule"]["then"],
        json!({ "effect": "[parameters('effect')]" })
    );
    // The lists are array parameters holding the config's entries.
    assert_eq!(p["parameters"]["approvedGalleryImages"]["type"], "Array");
    assert_eq!(
        p["parameters"]["approvedGalleryImages"]["defaultValue"],
        json!([{ "subscription": "*", "resourceGroup": "rg-golden", "gallery": "corpGallery", "image": "*" }])
    );
    assert_eq!(
        p["parameters"]["approvedMarketplaceImages"]["defaultValue"],
        json!([{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "*" }])
    );
    // The samples' aliases and types.
    let mut used = Vec::new();
    strings(&p["policyRule"]["if"], &mut used);
    let text = used.join("\n");
    for alias in [
        "Microsoft.Compute/imageId",
        "Microsoft.Compute/imagePublisher",
        "Microsoft.Compute/imageOffer",
        "Microsoft.Compute/imageSku",
        "Microsoft.Compute/imageVersion",
        "Microsoft.Compute/disks/creationData.imageReference.id",
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/virtualMachineScaleSets",
        "Microsoft.Compute/disks",
        "[parameters('approvedGalleryImages')]",
        "[parameters('approvedMarketplaceImages')]",
    ] {
        assert!(text.contains(alias), "{alias} not in the rule");
    }
    // What it does not cover is said, in the description and the metadata.
    let description = p["description"].as_str().unwrap();
    for missing in [
        "Microsoft.Batch/batchAccounts/pools",
        "Microsoft.DevTestLab/labs/virtualmachines",
    ] {
        assert!(description.contains(missing), "{description}");
        assert!(
            p["metadata"]["imagegate"]["notCovered"]
                .as_array()
                .unwrap()
                .contains(&json!(missing))
        );
    }
    assert_eq!(p["metadata"]["imagegate"]["source"], "imagegate.toml");
}

#[test]
fn the_effect_follows_the_mode_and_the_flag() {
    let repo = Repo::new();
    repo.write("imagegate.toml", "mode = \"audit\"\n");
    let effect = |args: &[&str]| export(&repo, args)["effect"]["defaultValue"].clone();
    assert_eq!(effect(&["--format", "parameters"]), "Audit");
    assert_eq!(
        effect(&["--format", "parameters", "--mode", "deny"]),
        "Deny"
    );
    assert_eq!(
        effect(&["--format", "parameters", "--effect", "disabled"]),
        "Disabled"
    );
}

#[test]
fn rules_and_parameters_are_the_parts_of_the_definition_and_output_is_deterministic() {
    let repo = Repo::new();
    repo.write("imagegate.toml", TYPICAL);
    let definition = export(&repo, &[]);
    assert_eq!(
        export(&repo, &["--format", "rules"]),
        definition["properties"]["policyRule"]
    );
    assert_eq!(
        export(&repo, &["--format", "parameters"]),
        definition["properties"]["parameters"]
    );
    repo.imagegate(&["policy", "export", "--output", "policy.json"])
        .assert()
        .code(0)
        .stdout("");
    let first = std::fs::read(repo.path().join("policy.json")).unwrap();
    repo.imagegate(&["policy", "export", "-o", "policy.json"])
        .assert()
        .code(0);
    assert_eq!(
        first,
        std::fs::read(repo.path().join("policy.json")).unwrap()
    );
    assert_eq!(serde_json::from_slice::<Json>(&first).unwrap(), definition);
}

#[test]
fn a_glob_like_cannot_say_is_refused_naming_it() {
    let repo = Repo::new();
    repo.write(
        "imagegate.toml",
        "[approved]\nimages = [\"/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/*/images/ubuntu-*-cis-*\"]\n",
    );
    repo.imagegate(&["policy", "export", "-o", "policy.json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("ubuntu-*-cis-*")
                .and(predicate::str::contains("approved.images")),
        );
    assert!(!repo.path().join("policy.json").exists());
    // A config that is not valid is the config's error, as for `check`.
    repo.write("imagegate.toml", "mode = \"block\"\n");
    repo.imagegate(&["policy", "export"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("imagegate.toml:1"));
}

#[test]
fn globs_of_shapes_the_policy_cannot_check_are_noted() {
    let repo = Repo::new();
    repo.write(
        "imagegate.toml",
        "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg/providers/Microsoft.DevTestLab/labs/lab/customimages/*\"]\n",
    );
    repo.imagegate(&["policy", "export"])
        .assert()
        .code(0)
        .stderr(
            predicate::str::contains("customimages/*")
                .and(predicate::str::contains("does not approve it")),
        );
}

fn import(repo: &Repo, file: &str) -> String {
    let out = repo
        .imagegate(&["policy", "import", file])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn parsed(toml: &str) -> Config {
    Config::parse(toml, Path::new("imported.toml")).unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// A Marketplace entry: publisher, offer, SKU, version.
type Entry = (String, String, String, Option<String>);

fn approved(config: &Config) -> (Vec<String>, Vec<Entry>) {
    let images = config
        .policy
        .images
        .iter()
        .map(|g| g.as_str().to_string())
        .collect();
    let marketplace = config
        .policy
        .marketplace
        .iter()
        .map(|m| {
            (
                m.publisher.clone(),
                m.offer.clone(),
                m.sku.clone(),
                m.version.clone(),
            )
        })
        .collect();
    (images, marketplace)
}

#[test]
fn export_then_import_gives_the_same_approved_list() {
    let configs = [
        TYPICAL.to_string(),
        "mode = \"audit\"\n".to_string(),
        "[approved]\nimages = []\n".to_string(),
        r#"[approved]
images = [
  "/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/galleries/*/images/ubuntu-*",
  "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-img/providers/Microsoft.Compute/images/*",
  "/SharedGalleries/corp-1a2b/Images/*",
  "/CommunityGalleries/*/Images/ubuntu",
]
marketplace = [
  { publisher = "Canonical", offer = "0001-com-ubuntu-server-jammy", sku = "22_04-lts*" },
  { publisher = "MicrosoftWindowsServer", offer = "WindowsServer", sku = "2022-datacenter-azure-edition", version = "20348.*" },
]
"#
        .to_string(),
    ];
    for text in configs {
        let repo = Repo::new();
        repo.write("imagegate.toml", &text);
        let original = parsed(&text);
        repo.imagegate(&["policy", "export", "-o", "policy.json"])
            .assert()
            .code(0);
        let toml = import(&repo, "policy.json");
        assert!(
            toml.starts_with("# Imported by `imagegate policy import` from policy.json:\n"),
            "{toml}"
        );
        assert_eq!(
            approved(&parsed(&toml)),
            approved(&original),
            "{text}\n---\n{toml}"
        );
        // The parameters alone (what an assignment's values look like) give the same.
        repo.imagegate(&[
            "policy",
            "export",
            "--format",
            "parameters",
            "-o",
            "params.json",
        ])
        .assert()
        .code(0);
        assert_eq!(
            approved(&parsed(&import(&repo, "params.json"))),
            approved(&original)
        );
    }
}

#[test]
fn a_double_star_glob_round_trips_as_one_glob_per_shape() {
    let repo = Repo::new();
    repo.write(
        "imagegate.toml",
        "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/**\"]\n",
    );
    repo.imagegate(&["policy", "export", "-o", "policy.json"])
        .assert()
        .code(0);
    let (images, marketplace) = approved(&parsed(&import(&repo, "policy.json")));
    assert_eq!(
        images,
        [
            "/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/*/images/*",
            "/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/images/*",
        ]
    );
    assert!(marketplace.is_empty());
}

fn fixture_repo() -> Repo {
    let repo = Repo::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/policy");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        repo.write(
            path.file_name().unwrap().to_str().unwrap(),
            std::fs::read(&path).unwrap(),
        );
    }
    repo
}

#[test]
fn the_samples_imageids_list_is_imported_no_wider_than_the_policy() {
    let repo = fixture_repo();
    let toml = import(&repo, "custom-images-definition.json");
    let (images, marketplace) = approved(&parsed(&toml));
    // The managed image, exactly; the gallery definition (the policy allows it alone, not its
    // versions) and the single version are named, not imported.
    assert_eq!(
        images,
        [
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-images/providers/Microsoft.Compute/images/ContosoStdImage"
        ]
    );
    assert!(marketplace.is_empty());
    assert!(
        toml.contains("# the policy definition \"Approved VM images\""),
        "{toml}"
    );
    assert!(toml.contains("#   /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis: the policy allows this image definition ID itself"), "{toml}");
    assert!(
        toml.contains("win2022/versions/1.2.0: an image version"),
        "{toml}"
    );
    // The assignment's values.
    let toml = import(&repo, "custom-images-assignment.json");
    assert!(
        toml.contains("the policy assignment \"Approved VM images (prod)\""),
        "{toml}"
    );
    assert_eq!(approved(&parsed(&toml)).0.len(), 2, "{toml}");
}

#[test]
fn publishers_and_inline_lists_become_marketplace_entries() {
    let repo = fixture_repo();
    let toml = import(&repo, "image-publishers-definition.json");
    assert_eq!(
        approved(&parsed(&toml)),
        (
            vec![],
            vec![
                ("Canonical".into(), "*".into(), "*".into(), None),
                (
                    "MicrosoftWindowsServer".into(),
                    "*".into(),
                    "*".into(),
                    None
                ),
            ]
        )
    );
    // `images = []` is written: without it the embedded default would approve every gallery.
    assert!(toml.contains("images = []\n"), "{toml}");
    let toml = import(&repo, "platform-image-rule.json");
    assert_eq!(
        approved(&parsed(&toml)).1,
        vec![
            (
                "Canonical".into(),
                "0001-com-ubuntu-server-jammy".into(),
                "22_04-lts*".into(),
                None
            ),
            (
                "Canonical".into(),
                "ubuntu-24_04-lts".into(),
                "22_04-lts*".into(),
                None
            ),
        ]
    );
}

#[test]
fn what_import_does_not_understand_is_exit_2_saying_what_it_expected() {
    let repo = fixture_repo();
    repo.imagegate(&["policy", "import", "storage-policy.json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("storage-policy.json: found no list of allowed images")
                .and(predicate::str::contains("Microsoft.Compute/imageId")),
        );
    repo.imagegate(&["policy", "import", "sample-without-values.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("without a value here: imageIds"));
    repo.write("broken.json", "{ \"properties\": ");
    repo.imagegate(&["policy", "import", "broken.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a JSON document"));
    repo.imagegate(&["policy", "import", "missing.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read missing.json"));
}
