//! `imagegate init` through the binary, on a temporary copy of testdata fixtures: the file it
//! writes (content, counts, that it parses), what it refuses, and that it writes nothing else.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;
use imagegate::config::{Config, Mode};
use predicates::prelude::*;

/// Fixtures of every kind: ARM (gallery, Marketplace with a parameter file, shared and
/// community galleries, a managed image), Bicep with a `.bicepparam`, a Terraform plan.
const FIXTURES: [&str; 6] = [
    "arm/golden-gallery-vm",
    "arm/quickstart-marketplace-vm",
    "arm/community-and-shared",
    "arm/managed-image-vmss",
    "bicep/golden-vm",
    "tfplan/azapi-1.2.json",
];

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

fn fixtures(repo: &Repo, under: &str) {
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    for fixture in FIXTURES {
        let name = Path::new(fixture).file_name().unwrap();
        copy(&testdata.join(fixture), &repo.path().join(under).join(name));
    }
}

/// Every file under `dir`, relative.
fn files(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

#[test]
fn init_writes_a_commented_config_of_what_it_found_and_nothing_else() {
    let repo = Repo::new();
    fixtures(&repo, "");
    let before = files(repo.path());
    repo.imagegate(&["init"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::starts_with("Wrote imagegate.toml (audit mode): 8 files read, 7 judged (4 ARM templates, 2 Bicep files, 1 Terraform plan); 12 image-bearing resources; 8 distinct images (6 in galleries).")
                .and(predicate::str::contains("imagegate check "))
                .and(predicate::str::contains("--write-baseline .imagegate-baseline.json"))
                .and(predicate::str::contains("[[exempt]]"))
                .and(predicate::str::contains("mode = \"deny\""))
                .and(predicate::str::contains("imagegate policy export")),
        );
    let mut after = files(repo.path());
    assert!(after.remove(Path::new("imagegate.toml")));
    assert_eq!(after, before, "init wrote something else");
    let text = std::fs::read_to_string(repo.path().join("imagegate.toml")).unwrap();
    insta::assert_snapshot!("init_fixtures", text);
    // No address is invented: the schema is what `imagegate schema` prints (the file in the
    // repository), and the written config, as editors read it, conforms to it.
    assert!(!text.contains("http"), "{text}");
    let output = repo.imagegate(&["schema"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let published =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("imagegate.schema.json")).unwrap();
    assert_eq!(output.stdout, published);
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let as_json: serde_json::Value = toml::from_str(&text).unwrap();
    assert!(validator.is_valid(&as_json), "{as_json}");
    // It parses with today's config: audit mode, the placeholder, no Marketplace image.
    let config = Config::parse(&text, Path::new("imagegate.toml")).unwrap();
    assert_eq!(config.mode, Mode::Audit);
    assert_eq!(config.policy.images.len(), 1);
    assert!(
        config.policy.images[0]
            .as_str()
            .contains("YOUR_GOLDEN_GALLERY")
    );
    assert!(config.policy.marketplace.is_empty());
    // And so does it with every suggestion uncommented.
    let uncommented: String = text
        .lines()
        .map(|l| match l.trim_start().strip_prefix("# ") {
            Some(rest) if rest.starts_with("\"/") || rest.starts_with("{ publisher") => {
                format!("  {rest}\n")
            }
            _ => format!("{l}\n"),
        })
        .collect();
    let config = Config::parse(&uncommented, Path::new("imagegate.toml")).unwrap();
    assert_eq!(config.policy.images.len(), 4, "{uncommented}");
    assert_eq!(config.policy.marketplace.len(), 1, "{uncommented}");
    // And with the rollout keys' examples uncommented: they are valid as written.
    let rollout = &text[text.find("# [[exempt]]").expect("the exemption example")..];
    let keys: String = rollout
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.starts_with('[') || rest.contains(" = ") => format!("{rest}\n"),
            _ => format!("{l}\n"),
        })
        .collect();
    let with_keys = format!("{}{keys}", &text[..text.find("# [[exempt]]").unwrap()]);
    let config = Config::parse(&with_keys, Path::new("imagegate.toml")).unwrap();
    assert_eq!(config.exemptions.len(), 1, "{with_keys}");
    assert_eq!(
        config.tags.required,
        ["owner", "cost-center"],
        "{with_keys}"
    );
    // The config it wrote is the one `check` now uses, in audit mode: warnings, exit 0.
    repo.imagegate(&["check", "--quiet"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[IG001]"));
}

#[test]
fn init_refuses_to_overwrite_a_config() {
    for name in ["imagegate.toml", ".imagegate.toml"] {
        let repo = Repo::new();
        fixtures(&repo, "");
        repo.write(name, "mode = \"deny\"\n");
        let before = files(repo.path());
        repo.imagegate(&["init"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(format!("{name} exists")));
        assert_eq!(files(repo.path()), before);
        assert_eq!(
            std::fs::read_to_string(repo.path().join(name)).unwrap(),
            "mode = \"deny\"\n"
        );
    }
    // There is no --force, and the help says why.
    let repo = Repo::new();
    repo.imagegate(&["init", "--force"]).assert().code(2);
    repo.imagegate(&["init", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "--force: delete the file yourself",
        ));
}

#[test]
fn init_takes_the_repository_folder() {
    let repo = Repo::new();
    fixtures(&repo, "infra");
    repo.imagegate(&["init", "infra"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("Wrote infra/imagegate.toml"));
    let text = std::fs::read_to_string(repo.path().join("infra/imagegate.toml")).unwrap();
    assert!(text.contains("found in infra: 8 files read"), "{text}");
    assert!(!repo.path().join("imagegate.toml").exists());
    repo.imagegate(&["init", "infra"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("infra/imagegate.toml exists"));
    repo.imagegate(&["init", "missing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing is not a folder"));
}

#[test]
fn init_in_an_empty_folder_says_nothing_was_found() {
    let repo = Repo::new();
    repo.imagegate(&["init"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 files read, 0 judged"));
    let text = std::fs::read_to_string(repo.path().join("imagegate.toml")).unwrap();
    assert!(text.contains("# No image is deployed here yet."), "{text}");
    assert!(text.contains("marketplace = []\n"), "{text}");
    Config::parse(&text, Path::new("imagegate.toml")).unwrap();
}

/// The counts by kind come from what each file lowered into: a template read from standard
/// input is counted too, by the name it is given.
#[test]
fn judged_files_are_counted_by_kind() {
    use imagegate::report::SourceKind;
    let repo = Repo::new();
    let workspace =
        imagegate::workspace::Workspace::new(Config::embedded(), repo.path().to_path_buf(), 1)
            .unwrap();
    let check = |name: &str, text: &str| {
        let mut input = text.as_bytes();
        workspace
            .check_buffer(
                &mut input,
                Some(Path::new(name)),
                imagegate::findings::Detail { excerpts: false },
            )
            .kinds
    };
    let arm = golden_vm("vm");
    assert_eq!(
        check("azuredeploy.json", &arm).get(&SourceKind::ArmTemplate),
        Some(&1)
    );
    let bicep = "param location string = resourceGroup().location\n";
    assert_eq!(check("main.bicep", bicep).get(&SourceKind::Bicep), Some(&1));
    assert!(check("package.json", "{\"name\": \"x\"}").is_empty());
}
