//! Registry modules (issue #23): a Bicep module from a registry (`br:`, `br/<alias>:`) or a
//! template spec (`ts:`) is judged from what `bicep restore` leaves in the Bicep CLI's module
//! cache, with the aliases and cache root of `bicepconfig.json`; what stays unknown says how to
//! fix it.
//!
//! The fixtures are `testdata/registry/<project>/`, each copied into a repository of its own,
//! and `testdata/registry/cache/`, a module cache laid out as the Bicep CLI lays it out
//! (Azure/bicep 9beb0fee60: `src/Bicep.Core/SourceGraph/Artifacts/BicepRegistryArtifact.cs`,
//! `ResolveCacheDirectory`: `br/<registry, ':' as '$'>/<repository, '/' as '$'>/<tag encoded
//! by `src/Bicep.Core/Registry/Oci/TagEncoder.cs`, or the digest with ':' as '#'>/main.json`;
//! `TemplateSpecModuleArtifact.cs`: `ts/<subscription>/<resource group>/<name>/<version>/main.json`),
//! copied outside the repository to `$HOME/.bicep`, where `FeatureProvider.GetCacheRootDirectory`
//! puts it by default (<https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-config-modules>).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;

/// The fixture folder `testdata/registry/<name>`.
fn fixture_folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/registry")
        .join(name)
}

/// A project of `testdata/registry/` in a git repository of its own, and a home folder
/// (outside it) whose `.bicep` holds the fixture cache.
struct Project {
    repo: Repo,
    home: tempfile::TempDir,
}

impl Project {
    fn new(name: &str) -> Project {
        let repo = Repo::new();
        copy_tree(&fixture_folder(name), repo.path());
        git(repo.path(), &["init", "-q"]);
        let home = tempfile::tempdir().expect("home");
        copy_tree(&fixture_folder("cache"), &home.path().join(".bicep"));
        Project { repo, home }
    }

    /// The cache root, `$HOME/.bicep`.
    fn cache(&self) -> PathBuf {
        self.home.path().join(".bicep")
    }

    /// `imagegate check --format json --exit-zero ARGS…` with `HOME` set (`home`: the
    /// project's home folder, or none).
    fn check_with_home(&self, home: Option<&Path>, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["check", "--format", "json", "--exit-zero"];
        all.extend_from_slice(args);
        let mut command = self.repo.imagegate(&all);
        if let Some(home) = home {
            command.env("HOME", home);
        }
        let out = command.output().expect("run");
        assert!(
            out.status.success(),
            "imagegate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }

    /// The run with the fixture cache in `$HOME/.bicep`.
    fn check(&self, args: &[&str]) -> serde_json::Value {
        self.check_with_home(Some(self.home.path()), args)
    }

    /// `check - --stdin-filename NAME` with the file's own text piped in.
    fn piped(&self, name: &str) -> serde_json::Value {
        let text = std::fs::read(self.repo.path().join(name)).expect("read");
        let args = [
            "check",
            "--format",
            "json",
            "--exit-zero",
            "-",
            "--stdin-filename",
            name,
        ];
        let out = self
            .repo
            .imagegate(&args)
            .env("HOME", self.home.path())
            .write_stdin(text)
            .output()
            .expect("run");
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.repo.path().join(name)).expect("read")
    }
}

/// The 1-based line of the first line of `text` holding `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the text")) as u64
        + 1
}

/// Asserts that `report` holds one finding, `rule`, at the line of the project's `file` that
/// holds `needle`.
fn assert_only(
    project: &Project,
    report: &serde_json::Value,
    rule: &str,
    file: &str,
    needle: &str,
) {
    let text = project.text(file);
    assert_eq!(
        located(report),
        [(rule.to_owned(), file.to_owned(), line_of(&text, needle))],
        "{report:#}"
    );
}

/// The paths of a finding's related locations.
fn related_paths(finding: &serde_json::Value) -> Vec<&str> {
    finding["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter_map(|r| r["path"].as_str())
        .collect()
}

/// The findings of `rule`.
fn of_rule<'r>(report: &'r serde_json::Value, rule: &str) -> Vec<&'r serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// What identifies a finding across runs.
fn identities(report: &serde_json::Value) -> BTreeSet<String> {
    finding_identities(report)
}

/// The full run's findings that touch the file shown as `path` (located there, declared
/// there, related there): what a run naming it must report.
fn touching(full: &serde_json::Value, path: &str) -> BTreeSet<String> {
    let kept: Vec<serde_json::Value> = full["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| touches(f, path))
        .cloned()
        .collect();
    identities(&serde_json::json!({ "findings": kept }))
}

/// The tag folder of the private alias's scale-set module (`br/corp:compute/vmss:1.2.0`) in the
/// cache.
const PRIVATE_VMSS: &str = "br/contoso.azurecr.io/modules$compute$vmss/1.2.0$";

/// The tag folder of the public virtual-machine module at `version` in the cache.
fn public_vm(version: &str) -> String {
    format!("br/mcr.microsoft.com/bicep$avm$res$compute$virtual-machine/{version}$")
}

#[test]
fn a_restored_public_module_is_judged_with_the_image_its_caller_passes() {
    // `br/public:avm/res/compute/virtual-machine:0.9.0` is read from
    // `~/.bicep/br/mcr.microsoft.com/bicep$avm$res$compute$virtual-machine/0.9.0$/main.json`
    // (the registry lower-cased, '/' of the repository as '$', the tag `0.9.0` encoded as
    // `0.9.0$`: no upper-case letter).
    let project = Project::new("public-module");
    let report = project.check(&[]);
    let found = located(&report);
    let main = project.text("main.bicep");
    // The unapproved image is the caller's argument: the finding is at the caller's literal.
    assert_eq!(
        found,
        [(
            "IG001".to_owned(),
            "main.bicep".to_owned(),
            line_of(&main, "imageReference: {")
        )],
        "{report:#}"
    );
    let finding = &of_rule(&report, "IG001")[0];
    let related = related_paths(finding);
    // The machine is declared in the cached module, deployed through the caller's module.
    assert!(
        related
            .iter()
            .any(|p| p.ends_with(&format!("{}/main.json", public_vm("0.9.0")))),
        "{related:?}"
    );
    assert!(related.contains(&"main.bicep"), "{related:?}");
    // `golden.bicep` passes the approved gallery image: judged, compliant.
    let statuses: Vec<(String, String)> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or_default().to_owned(),
                r["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("vm-api-01".to_owned(), "compliant".to_owned())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("vm-web-01".to_owned(), "noncompliant".to_owned())),
        "{statuses:?}"
    );

    // Without the cache (no HOME: nowhere to look), imagegate's catalogue of public modules
    // stands in for the module (version 0.9.0 of the VM module takes its image from its
    // parameter `imageReference`): the same finding at the same literal, and the gallery
    // image compliant.
    let unrestored = project.check_with_home(None, &[]);
    assert_eq!(located(&unrestored), found, "{unrestored:#}");
    assert!(
        resource_statuses(&unrestored).contains(&"compliant".to_owned()),
        "{unrestored:#}"
    );
}

#[test]
fn a_private_alias_of_bicepconfig_json_leads_to_its_registrys_cache() {
    // `br/corp:compute/vmss:1.2.0` with `corp` = {registry: contoso.azurecr.io, modulePath:
    // modules} is `br:contoso.azurecr.io/modules/compute/vmss:1.2.0`, cached in
    // `br/contoso.azurecr.io/modules$compute$vmss/1.2.0$/main.json`.
    let project = Project::new("private-alias");
    let report = project.check(&[]);
    assert_only(&project, &report, "IG001", "main.bicep", "image: {");
    // The alias comes from the file: without it, the alias is undefined, and said so.
    std::fs::remove_file(project.repo.path().join("bicepconfig.json")).expect("remove");
    let report = project.check(&[]);
    let unknown = of_rule(&report, "IG002");
    assert_eq!(unknown.len(), 1, "{report:#}");
    let message = unknown[0]["message"].as_str().expect("message");
    assert!(
        message.contains("names the alias `corp`") && message.contains("no bicepconfig.json"),
        "{message}"
    );
}

#[test]
fn a_template_spec_is_read_from_the_cache_through_its_alias() {
    // `ts/specs:vm-spec:1.0` with `specs` = {subscription, resourceGroup} is cached in
    // `ts/<subscription>/rg-specs/vm-spec/1.0/main.json` (lower-cased), which holds the
    // template spec version; its template is `properties.mainTemplate`.
    let project = Project::new("template-spec");
    let report = project.check(&[]);
    let main = project.text("main.bicep");
    assert_eq!(
        located(&report),
        [(
            "IG001".to_owned(),
            "main.bicep".to_owned(),
            line_of(&main, "imageReference: {")
        )],
        "{report:#}"
    );
}

#[test]
fn a_module_pinned_by_digest_is_read_from_its_digest_folder() {
    // `br:contoso.azurecr.io/compute/vm@sha256:<digest>` is cached in
    // `br/contoso.azurecr.io/compute$vm/sha256#<digest>/main.json`.
    let project = Project::new("digest");
    let report = project.check(&[]);
    assert_eq!(finding_rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(
        resource_statuses(&report),
        ["compliant"],
        "the cached module's machine is judged: {report:#}"
    );
    // Without the cache it is unknown: the finding above needed the cached file.
    let unrestored = project.check_with_home(None, &[]);
    assert_eq!(finding_rules(&unrestored), ["IG002"], "{unrestored:#}");
}

#[test]
fn an_uncached_module_or_template_spec_says_to_restore_it_and_where() {
    let project = Project::new("uncached");
    let report = project.check(&[]);
    let unknown = of_rule(&report, "IG002");
    assert_eq!(unknown.len(), 2, "{report:#}");
    assert_eq!(finding_rules(&report), ["IG002", "IG002"], "{report:#}");
    let expected = [
        "~/.bicep/br/contoso.azurecr.io/compute$vm/3.0.0$/main.json".to_owned(),
        "~/.bicep/ts/00000000-0000-0000-0000-000000000000/rg-specs/vm-spec/2.0/main.json"
            .to_owned(),
    ];
    for (finding, path) in unknown.iter().zip(&expected) {
        let message = finding["message"].as_str().expect("message");
        assert!(
            message.contains(&format!("`bicep restore` writes it to `{path}`"))
                && message.contains("[links]"),
            "{message}"
        );
        let help = finding["help"].as_str().expect("help");
        assert!(
            help.contains("run `bicep restore`")
                && help.contains(path.as_str())
                && help.contains("`[links]`"),
            "{help}"
        );
    }
    // Restored where the message says (the path under HOME), the module is read.
    let folder = project
        .cache()
        .join("br/contoso.azurecr.io/compute$vm/3.0.0$");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::copy(
        project.cache().join(public_vm("0.9.0")).join("main.json"),
        folder.join("main.json"),
    )
    .expect("copy");
    let report = project.check(&[]);
    assert_eq!(finding_rules(&report), ["IG001", "IG002"], "{report:#}");
}

#[test]
fn a_malformed_bicepconfig_json_is_an_ig000_there_and_each_module_that_needed_it_an_ig002() {
    let project = Project::new("malformed-config");
    let report = project.check(&[]);
    let config = project.text("bicepconfig.json");
    let mut found = located(&report);
    found.sort();
    assert_eq!(
        found,
        [
            (
                "IG000".to_owned(),
                "bicepconfig.json".to_owned(),
                line_of(&config, "\"corp\": {")
            ),
            ("IG002".to_owned(), "main.bicep".to_owned(), 1),
            (
                "IG002".to_owned(),
                "main.bicep".to_owned(),
                line_of(&project.text("main.bicep"), "module web")
            ),
        ],
        "{report:#}"
    );
    let ig000 = of_rule(&report, "IG000")[0]["message"]
        .as_str()
        .expect("message");
    assert!(
        ig000.contains("`moduleAliases.br.corp` has no `registry`"),
        "{ig000}"
    );
    // Even `br/public`, which needs no alias of the file and is in the cache, is not read
    // with a default the file may not mean: the file could set the cache root.
    for f in of_rule(&report, "IG002") {
        let message = f["message"].as_str().expect("message");
        assert!(
            message.contains("`bicepconfig.json`, the Bicep configuration")
                && message.contains(
                    "could not be read: the alias `moduleAliases.br.corp` has no `registry`"
                ),
            "{message}"
        );
    }
    // Not JSON at all: the same, with the parser's word.
    project
        .repo
        .write("bicepconfig.json", "{ \"moduleAliases\": { \"br\": ");
    let report = project.check(&[]);
    let ig000 = of_rule(&report, "IG000");
    assert_eq!(ig000.len(), 1, "{report:#}");
    assert_eq!(ig000[0]["path"], "bicepconfig.json");
    assert!(
        ig000[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is not JSON")),
        "{report:#}"
    );
    assert_eq!(of_rule(&report, "IG002").len(), 2, "{report:#}");
    // Read for every Bicep file below it, it is one IG000 in the report.
    project
        .repo
        .write("app/other.bicep", project.text("main.bicep"));
    let report = project.check(&[]);
    assert_eq!(of_rule(&report, "IG000").len(), 1, "{report:#}");
    assert_eq!(of_rule(&report, "IG002").len(), 4, "{report:#}");
}

#[test]
fn a_cache_root_inside_the_scanned_roots_is_not_trusted() {
    let project = Project::new("inside-cache");
    // As committed: a relative `cacheRootDirectory`, which the Bicep CLI refuses
    // (src/Bicep.IO/Abstraction/IOUri.cs, FromFilePath: "File path must be absolute").
    let report = project.check(&[]);
    let mut rules = finding_rules(&report);
    rules.sort();
    assert_eq!(rules, ["IG000", "IG002"], "{report:#}");
    let ig000 = of_rule(&report, "IG000")[0]["message"]
        .as_str()
        .expect("message");
    assert!(ig000.contains("must be an absolute path"), "{ig000}");

    // Absolute, into the repository: the committed "cache" is not read.
    let fake = project.repo.path().join("fake-cache");
    let config = format!(
        "{{ \"cacheRootDirectory\": {} }}",
        serde_json::to_string(&fake.to_string_lossy()).expect("JSON string")
    );
    project.repo.write("bicepconfig.json", &config);
    let report = project.check(&[]);
    assert_eq!(finding_rules(&report), ["IG002"], "{report:#}");
    let finding = &of_rule(&report, "IG002")[0];
    let message = finding["message"].as_str().expect("message");
    assert!(
        message.contains("lies inside the scanned files")
            && message.contains("a committed copy is not what the registry serves"),
        "{message}"
    );
    let help = finding["help"].as_str().expect("help");
    assert!(help.contains("`[links]`"), "{help}");

    // Mapped in [links] on purpose, the committed copy is followed (it deploys nothing).
    project.repo.write(
        "imagegate.toml",
        format!(
            "[links]\n\"br:contoso.azurecr.io/compute/vm:2.0.0\" = \"fake-cache/{}/main.json\"\n",
            "br/contoso.azurecr.io/compute$vm/2.0.0$"
        ),
    );
    let report = project.check(&[]);
    assert_eq!(finding_rules(&report), Vec::<String>::new(), "{report:#}");
}

#[cfg(unix)]
#[test]
fn a_link_in_the_cache_is_followed_only_while_it_stays_in_the_cache() {
    let project = Project::new("private-alias");
    let cached = project.cache().join(PRIVATE_VMSS).join("main.json");
    // A link to a file outside the cache (the same template, elsewhere): refused.
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let outside = elsewhere.path().join("main.json");
    std::fs::rename(&cached, &outside).expect("move");
    std::os::unix::fs::symlink(&outside, &cached).expect("symlink");
    let report = project.check(&["main.bicep"]);
    assert_eq!(finding_rules(&report), ["IG002"], "{report:#}");
    let message = of_rule(&report, "IG002")[0]["message"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        message.contains("leads outside the Bicep module cache, so it was not read"),
        "{message}"
    );
    // A link that stays in the cache (a version folder linked to another): read.
    std::fs::remove_file(&cached).expect("remove");
    std::fs::rename(&outside, &cached).expect("move back");
    let other = project
        .cache()
        .join(PRIVATE_VMSS.replace("1.2.0$", "1.2.1$"));
    std::os::unix::fs::symlink(project.cache().join(PRIVATE_VMSS), &other).expect("symlink");
    let main = project.text("main.bicep");
    project
        .repo
        .write("main.bicep", main.replace("vmss:1.2.0", "vmss:1.2.1"));
    let report = project.check(&["main.bicep"]);
    assert_eq!(finding_rules(&report), ["IG001"], "{report:#}");
}

#[test]
fn links_come_before_the_module_cache() {
    // A vendored copy mapped in [links] is what the module is, cache or not.
    let project = Project::new("public-module");
    project.repo.write(
        "imagegate.toml",
        "[links]\n\"br:mcr.microsoft.com/bicep/avm/res/compute/virtual-machine:0.9.0\" = \"vendor/vm.bicep\"\n",
    );
    let vendored = "param name string\nparam location string\nparam imageReference object\n\n\
        resource vm 'Microsoft.Compute/virtualMachines@2024-07-01' = {\n  name: name\n  location: location\n  \
        properties: {\n    storageProfile: {\n      imageReference: {\n        publisher: 'SUSE'\n        \
        offer: 'sles-15-sp5'\n        sku: 'gen2'\n        version: 'latest'\n      }\n    }\n  }\n}\n";
    project.repo.write("vendor/vm.bicep", vendored);
    let report = project.check(&[]);
    assert_eq!(
        rules_and_paths(&report),
        [("IG001".to_owned(), "vendor/vm.bicep".to_owned())],
        "{report:#}"
    );
    // One finding for the copy's literal, covering the machines of both callers.
    let statuses = resource_statuses(&report);
    assert_eq!(statuses, ["noncompliant", "noncompliant"], "{report:#}");
}

#[test]
fn named_and_piped_runs_report_what_the_full_run_reports_for_the_file() {
    // The caller named alone, or piped in: the full run's findings for it.
    let project = Project::new("public-module");
    let full = project.check(&["."]);
    for name in ["main.bicep", "golden.bicep"] {
        let named = project.check(&[name]);
        assert_eq!(identities(&named), touching(&full, name), "check {name}");
        assert_eq!(
            identities(&project.piped(name)),
            identities(&named),
            "piped {name}"
        );
    }
    assert_eq!(identities(&project.check(&["main.bicep"])).len(), 1);

    // A malformed bicepconfig.json named alone (or piped in) judges the Bicep files that
    // read it: its IG000, as in the full run.
    let project = Project::new("malformed-config");
    let full = project.check(&["."]);
    for name in ["bicepconfig.json", "main.bicep"] {
        let named = project.check(&[name]);
        let want = touching(&full, name);
        assert!(!want.is_empty(), "{name}: {full:#}");
        assert_eq!(identities(&named), want, "check {name}");
        assert_eq!(
            identities(&project.piped(name)),
            identities(&named),
            "piped {name}"
        );
    }
    // Piped with a fix, the configuration file's IG000 is gone and the modules are read.
    let fixed = project
        .text("bicepconfig.json")
        .replace("regsitry", "registry");
    let args = [
        "check",
        "--format",
        "json",
        "--exit-zero",
        "-",
        "--stdin-filename",
        "bicepconfig.json",
    ];
    let out = project
        .repo
        .imagegate(&args)
        .env("HOME", project.home.path())
        .write_stdin(fixed.clone())
        .output()
        .expect("run");
    let piped: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(finding_rules(&piped), Vec::<String>::new(), "{piped:#}");
    project.repo.write("bicepconfig.json", fixed);
    let report = project.check(&["main.bicep"]);
    assert_eq!(finding_rules(&report), ["IG001", "IG001"], "{report:#}");
}

#[test]
fn a_malformed_reference_is_an_ig002_saying_what_is_wrong() {
    // As the Bicep CLI parses references (Azure/bicep 9beb0fee60,
    // src/Bicep.Core/Registry/Oci/OciArtifactAddressComponents.cs, TryParse): a module needs
    // a tag or a digest, and each path segment is lower case.
    let repo = Repo::new();
    let caller = "module noTag 'br/public:avm/res/compute/virtual-machine' = {
  name: 'no-tag'
  params: {
    name: 'vm-a'
  }
}

module upper 'br:contoso.azurecr.io/Compute/vm:1.0.0' = {
  name: 'upper'
  params: {
    name: 'vm-b'
  }
}
";
    repo.write("main.bicep", caller);
    let home = tempfile::tempdir().expect("home");
    let out = repo
        .imagegate(&["check", "--format", "json", "--exit-zero"])
        .env("HOME", home.path())
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let messages = finding_messages(&report);
    assert_eq!(messages.len(), 2, "{report:#}");
    assert!(
        messages[0].contains(
            "whose reference is malformed (`br:mcr.microsoft.com/bicep/avm/res/compute/virtual-machine`): it has no tag or digest"
        ),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("the path segment `Compute` is not lower-case"),
        "{}",
        messages[1]
    );
    let help = report["findings"][0]["help"].as_str().expect("help");
    assert!(
        help.contains("`br:<registry>/<module path>:<tag>`"),
        "{help}"
    );
}

/// The findings of `report` as (rule, path, line, message).
fn findings_of(report: &serde_json::Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn without_a_cache_the_catalogue_of_public_modules_says_what_each_deploys() {
    // Nothing restored (no HOME: no module cache). imagegate's catalogue of the public
    // registry's modules (src/frontend/bicep/avm.json, generated from
    // Azure/bicep-registry-modules by scripts/avm_catalogue.py; docs/avm-catalogue.md) stands in.
    let project = Project::new("catalogue");
    let report = project.check_with_home(None, &[]);
    let found = findings_of(&report);
    let main = project.text("main.bicep");
    let newer = project.text("newer.bicep");
    let untraced = project.text("untraced.bicep");
    let at = |rule: &str, path: &str, line: u64| {
        found
            .iter()
            .filter(|f| f.0 == rule && f.1 == path && f.2 == line)
            .map(|f| f.3.clone())
            .collect::<Vec<_>>()
    };
    // A module that deploys no image-bearing type (a public IP address, a virtual network) is
    // nothing to judge: no finding at all in main.bicep but the VM's.
    let in_main: Vec<_> = found.iter().filter(|f| f.1 == "main.bicep").collect();
    assert_eq!(in_main.len(), 1, "{found:#?}");
    // The VM module (0.22.2 takes its image from `imageReference`) fed a Marketplace image:
    // an IG001 at the caller's literal.
    assert_eq!(
        at("IG001", "main.bicep", line_of(&main, "imageReference: {")).len(),
        1,
        "{found:#?}"
    );
    // Fed the gallery image, it is judged and compliant; golden.bicep has no finding.
    assert!(!found.iter().any(|f| f.1 == "golden.bicep"), "{found:#?}");
    let compliant: Vec<String> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["status"] == "compliant")
        .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(compliant, ["vm-api-01"], "{report:#}");
    // A newer version, passed `imageReference`: the nearest known contract stands in.
    assert_eq!(
        at("IG001", "newer.bicep", line_of(&newer, "imageReference: {")).len(),
        1,
        "{found:#?}"
    );
    // Not passed it: the version is unknown, and the finding says which, and what is known.
    let unknown = at("IG002", "newer.bicep", line_of(&newer, "module unknown"));
    assert!(
        unknown.len() == 1
            && unknown[0].contains("does not know version `0.99.0`")
            && unknown[0].contains("the nearest it knows is `0.22.2`"),
        "{found:#?}"
    );
    // A pattern module newer than the catalogue may compose a machine: unknown, not passed.
    let pattern = at("IG002", "newer.bicep", line_of(&newer, "module alz"));
    assert!(
        pattern.len() == 1 && pattern[0].contains("does not know version `9.0.0`"),
        "{found:#?}"
    );
    // An image-bearing version whose image the catalogue cannot trace: unknown, and said so.
    let devcenter = at(
        "IG002",
        "untraced.bicep",
        line_of(&untraced, "module devcenter"),
    );
    assert!(
        devcenter.len() == 1
            && devcenter[0].contains("cannot tell which of its parameters carries it"),
        "{found:#?}"
    );
    assert_eq!(found.len(), 5, "{found:#?}");

    // Each file named alone, or piped in, reports what the full run reports for it.
    let full = project.check_with_home(None, &["."]);
    for name in [
        "main.bicep",
        "golden.bicep",
        "newer.bicep",
        "untraced.bicep",
    ] {
        let named = project.check_with_home(None, &[name]);
        assert_eq!(identities(&named), touching(&full, name), "check {name}");
    }
}

#[test]
fn what_a_cached_module_declares_is_shown_at_the_module_reference() {
    // The module in the cache sets its own Marketplace image. The repository cannot change the
    // cached file: the finding is at the module reference that deploys it, the cached module's
    // lines are related, and the fingerprint does not depend on where HOME is.
    let project = Project::new("fixed-image");
    let report = project.check(&[]);
    assert_only(&project, &report, "IG001", "main.bicep", "module jump");
    let finding = of_rule(&report, "IG001")[0];
    let related = related_paths(finding);
    assert!(
        related
            .iter()
            .any(|p| p.ends_with("compute$jumpbox/1.0.0$/main.json")),
        "{related:?}"
    );
    // The resource is counted where the repository deploys it.
    let paths: Vec<&str> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert_eq!(paths, ["main.bicep"], "{report:#}");
    // Another machine, another HOME: the same fingerprint (a baseline holds).
    let elsewhere = tempfile::tempdir().expect("home");
    copy_tree(&fixture_folder("cache"), &elsewhere.path().join(".bicep"));
    let again = project.check_with_home(Some(elsewhere.path()), &[]);
    assert_eq!(
        of_rule(&again, "IG001")[0]["fingerprint"],
        finding["fingerprint"],
        "{again:#}"
    );
}
