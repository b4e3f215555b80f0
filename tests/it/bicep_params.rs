//! Parameter values as the Bicep and ARM tools give them (issue #22, "semantics from the Bicep
//! and ARM docs"): an `extends` that cannot be followed is unknown, never the template's
//! default; `base` reads the extended file's values; `readEnvironmentVariable()` and azd's
//! `${NAME}` read imagegate's own environment; a module scoped to a resource group the file
//! declares deploys to that group. Each behaviour has a fixture project under
//! `testdata/project/` with a firing and a non-firing case (the named-file sweep of
//! `named_files.rs` runs over them too).

use crate::common::*;

/// `check --format json` of `args` in `repo` with exactly the environment variables `vars`:
/// the report, and what was written to standard error.
fn check_with_env(
    repo: &Repo,
    args: &[&str],
    vars: &[(&str, &str)],
) -> (serde_json::Value, String) {
    let mut all = vec!["check", "--format", "json", "--exit-zero"];
    all.extend_from_slice(args);
    let mut command = repo.imagegate(&all);
    for (name, value) in vars {
        command.env(name, *value);
    }
    let out = command.output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "imagegate failed: {stderr}");
    (serde_json::from_slice(&out.stdout).expect("JSON"), stderr)
}

/// The messages of the related locations of finding `f`, each with the path it is in.
fn related(f: &serde_json::Value) -> Vec<(String, String)> {
    f["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap_or_default().to_owned(),
                r["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn message(f: &serde_json::Value) -> &str {
    f["message"].as_str().unwrap_or_default()
}

#[test]
fn an_extends_that_cannot_be_followed_is_unknown_never_the_default() {
    // "A derived parameter file ... inherits parameter assignments" from the file it extends
    // (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-extend): a base
    // imagegate cannot read could set the image, so the template's golden default is not what
    // deploys. `env/prod.bicepparam` extends a file outside the project (it is not there
    // either; outside the roots, the words are the same whether it is or not, #24): IG002 at
    // its `extends`, naming it. `env/dev.bicepparam` extends `shared.bicepparam`, which is read and leaves
    // the image to the template: its golden default stands.
    let repo = fixture_project("bicepparam-extends-unread");
    let (full, stderr) = check_with_env(&repo, &["."], &[]);
    assert_eq!(
        judged_with(&full),
        [judged(
            "IG002",
            "env/prod.bicepparam",
            2,
            "env/prod.bicepparam"
        )]
    );
    assert!(
        message(&full["findings"][0]).contains(
            "the parameter file it extends, `../../platform/prod.bicepparam`, is not read (it is outside the scanned roots)"
        ),
        "{full:#}"
    );
    assert_eq!(full["summary"]["compliant"], 1, "{full:#}");
    assert!(
        stderr.contains("is not read (it is outside the scanned roots)"),
        "{stderr}"
    );
}

#[test]
fn an_extends_chain_cut_by_depth_is_unknown_at_the_file_that_is_not_followed() {
    // prod → region → landing-zone → platform → organization → defaults: the image is set in
    // `defaults.bicepparam`, past the four files followed. Judging the template's golden
    // default would pass what deploys a Marketplace image.
    let repo = fixture_project("bicepparam-extends-deep");
    let (full, _) = check_with_env(&repo, &["."], &[]);
    assert_eq!(
        judged_with(&full),
        [judged(
            "IG002",
            "organization.bicepparam",
            2,
            "prod.bicepparam"
        )]
    );
    let said = message(&full["findings"][0]);
    assert!(
        said.contains("`defaults.bicepparam`, is not read (parameter files extend each other more than 4 deep)"),
        "{said}"
    );
    // The chain one file shorter is followed to its end: the Marketplace image is judged.
    std::fs::remove_file(repo.path().join("landing-zone.bicepparam")).expect("remove");
    repo.write(
        "region.bicepparam",
        "using none\nextends 'platform.bicepparam'\n\nparam vmSize = 'Standard_D8s_v5'\n",
    );
    let (shorter, _) = check_with_env(&repo, &["."], &[]);
    assert_eq!(
        judged_with(&shorter),
        [judged("IG001", "defaults.bicepparam", 4, "prod.bicepparam")]
    );
}

#[test]
fn an_extended_file_outside_the_roots_in_a_cycle_or_damaged_is_unknown() {
    let golden = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04/versions/1.0.0";
    let template = format!(
        "param imageReference object = {{\n  id: '{golden}'\n}}\n\n{}",
        "resource vm 'Microsoft.Compute/virtualMachines@2023-09-01' = {\n  name: 'vm'\n  location: resourceGroup().location\n  properties: {\n    storageProfile: {\n      imageReference: imageReference\n    }\n  }\n}\n"
    );
    let marketplace = "param imageReference = {\n  publisher: 'Canonical'\n  offer: '0001-com-ubuntu-server-jammy'\n  sku: '22_04-lts-gen2'\n  version: 'latest'\n}\n";
    // (the problem said, the files beside `app/main.bicep`, the file the IG002 is in)
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a str);
    let cases: [Case; 3] = [
        (
            "it is outside the scanned roots",
            vec![
                (
                    "app/prod.bicepparam",
                    "using 'main.bicep'\nextends '../shared/base.bicepparam'\n".into(),
                ),
                (
                    "shared/base.bicepparam",
                    format!("using none\n{marketplace}"),
                ),
            ],
            "app/prod.bicepparam",
        ),
        (
            "the files extend each other in a cycle",
            vec![
                (
                    "app/prod.bicepparam",
                    "using 'main.bicep'\nextends 'base.bicepparam'\n".into(),
                ),
                (
                    "app/base.bicepparam",
                    "using none\nextends 'prod.bicepparam'\n".into(),
                ),
            ],
            "app/base.bicepparam",
        ),
        (
            // What the syntax error swallowed could be the image.
            "it has syntax errors",
            vec![
                (
                    "app/prod.bicepparam",
                    "using 'main.bicep'\nextends 'base.bicepparam'\n".into(),
                ),
                (
                    "app/base.bicepparam",
                    "using none\nparam vmSize = 'Standard_D2s_v5' ]]\n".into(),
                ),
            ],
            "app/prod.bicepparam",
        ),
    ];
    for (problem, files, at) in cases {
        let repo = Repo::new();
        repo.write("app/main.bicep", &template);
        for (path, text) in &files {
            repo.write(path, text);
        }
        // The folder `app` alone is the scanned root.
        let (report, _) = check_with_env(&repo, &["app"], &[]);
        let ig002: Vec<_> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "IG002")
            .collect();
        assert_eq!(ig002.len(), 1, "{problem}: {report:#}");
        assert_eq!(ig002[0]["path"], at, "{problem}: {report:#}");
        assert_eq!(ig002[0]["line"], 2, "{problem}: {report:#}");
        assert!(
            message(ig002[0]).contains(&format!("is not read ({problem})")),
            "{problem}: {report:#}"
        );
        assert_eq!(report["summary"]["compliant"], 0, "{problem}: {report:#}");
    }
}

#[test]
fn base_is_the_value_the_extended_file_assigns() {
    // "To merge instead of overwrite, use the base keyword with object or array spread
    // syntax" (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-extend).
    // `dev.bicepparam` keeps `base.imageReference` (approved); `prod.bicepparam` spreads it
    // and pins another SKU (not approved). Both used to be IG002.
    let repo = fixture_project("bicepparam-base");
    let (full, _) = check_with_env(&repo, &["."], &[]);
    assert_eq!(
        judged_with(&full),
        [judged("IG001", "base.bicepparam", 4, "prod.bicepparam")]
    );
    let finding = &full["findings"][0];
    assert!(
        message(finding).contains("MicrosoftWindowsServer:WindowsServer:2019-datacenter:latest"),
        "{full:#}"
    );
    // The SKU prod changed is a related location, in prod.
    assert!(
        related(finding).contains(&("prod.bicepparam".into(), "`sku` is set here".into())),
        "{full:#}"
    );
    assert_eq!(full["summary"]["compliant"], 1, "{full:#}");
}

#[test]
fn read_environment_variable_reads_the_environment_imagegate_runs_in() {
    // "readEnvironmentVariable(variableName, [defaultValue]) ... the default value if the
    // environment variable doesn't exist"
    // (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-parameters-file):
    // `bicep build-params` reads the environment of the machine that runs it, so imagegate
    // reads its own.
    let repo = fixture_project("bicepparam-environment");
    // Nothing set: `main.bicepparam`'s default is approved; `ci.bicepparam` has none.
    let (unset, _) = check_with_env(&repo, &["."], &[]);
    assert_eq!(
        judged_with(&unset),
        [judged("IG002", "ci.bicepparam", 4, "ci.bicepparam")]
    );
    assert!(
        message(&unset["findings"][0]).contains(
            "environment variable 'CI_IMAGE_SKU' is not set where imagegate runs, and readEnvironmentVariable() gives no default"
        ),
        "{unset:#}"
    );
    assert_eq!(unset["summary"]["compliant"], 1, "{unset:#}");
    // Set: the variables' values, not the default; the finding names the variable.
    let vars = [
        ("VM_IMAGE_SKU", "2019-datacenter"),
        ("CI_IMAGE_SKU", "2022-datacenter-azure-edition"),
        ("UNRELATED_SECRET", "hunter2"),
    ];
    let (set, stderr) = check_with_env(&repo, &["."], &vars);
    assert_eq!(
        judged_with(&set),
        [judged("IG001", "main.bicepparam", 4, "main.bicepparam")]
    );
    let finding = &set["findings"][0];
    assert!(message(finding).contains("2019-datacenter"), "{set:#}");
    assert!(
        related(finding).contains(&(
            "main.bicepparam".into(),
            "environment variable 'VM_IMAGE_SKU'".into()
        )),
        "{set:#}"
    );
    assert_eq!(set["summary"]["compliant"], 1, "{set:#}");
    // Values of variables are never said elsewhere, and only those read matter.
    for value in ["2019-datacenter", "hunter2"] {
        assert!(!stderr.contains(value), "{stderr}");
    }
    assert!(!set.to_string().contains("hunter2"), "{set:#}");
    let (unrelated, _) = check_with_env(&repo, &["."], &[("UNRELATED_SECRET", "x")]);
    assert_eq!(judged_with(&unrelated), judged_with(&unset));
    // The hook (the file named) and the editor (the buffer piped) read the same environment.
    let (named, _) = check_with_env(&repo, &["main.bicepparam"], &vars);
    assert_eq!(judged_with(&named), judged_with(&set));
    let text = std::fs::read(repo.path().join("main.bicepparam")).expect("read");
    let mut piped = repo.imagegate(&[
        "check",
        "--format",
        "json",
        "--exit-zero",
        "-",
        "--stdin-filename",
        "main.bicepparam",
    ]);
    for (name, value) in vars {
        piped.env(name, value);
    }
    let out = piped.write_stdin(text).output().expect("run");
    let piped: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(judged_with(&piped), judged_with(&set));
}

#[test]
fn azd_substitutes_environment_variables_in_json_parameter_files() {
    // "Environment variables can be referenced in parameter files ... azd automatically
    // substitutes the reference with the actual environment variable value"
    // (https://learn.microsoft.com/azure/developer/azure-developer-cli/manage-environment-variables).
    // `infra/main.parameters.json` (a Bicep template's) reads `${AZURE_VM_IMAGE_SKU}`;
    // `arm/azuredeploy.parameters.json` (an ARM template's) reads it with a default. Neither
    // is ever judged as the text `${…}`.
    let repo = fixture_project("azd-environment");
    let (unset, _) = check_with_env(&repo, &["."], &[]);
    assert_eq!(
        judged_with(&unset),
        [judged(
            "IG002",
            "infra/main.parameters.json",
            6,
            "infra/main.parameters.json"
        )]
    );
    assert!(
        message(&unset["findings"][0]).contains(
            "environment variable 'AZURE_VM_IMAGE_SKU' (substituted by azd for `${AZURE_VM_IMAGE_SKU}`) is not set where imagegate runs"
        ),
        "{unset:#}"
    );
    // The ARM template's default is approved.
    assert_eq!(unset["summary"]["compliant"], 1, "{unset:#}");
    let (set, _) = check_with_env(&repo, &["."], &[("AZURE_VM_IMAGE_SKU", "2019-datacenter")]);
    assert_eq!(
        judged_with(&set),
        [
            judged(
                "IG001",
                "arm/azuredeploy.parameters.json",
                6,
                "arm/azuredeploy.parameters.json"
            ),
            judged(
                "IG001",
                "infra/main.parameters.json",
                6,
                "infra/main.parameters.json"
            ),
        ]
    );
    for finding in set["findings"].as_array().expect("findings") {
        assert!(message(finding).contains("2019-datacenter"), "{set:#}");
        assert!(
            related(finding)
                .iter()
                .any(|(_, m)| m == "environment variable 'AZURE_VM_IMAGE_SKU'"),
            "{set:#}"
        );
    }
    let approved = [("AZURE_VM_IMAGE_SKU", "2022-datacenter-azure-edition")];
    let (passes, _) = check_with_env(&repo, &["."], &approved);
    assert_eq!(judged_with(&passes), []);
    assert_eq!(passes["summary"]["compliant"], 2, "{passes:#}");
}

#[test]
fn a_module_scoped_to_a_resource_group_the_file_declares_deploys_to_that_group() {
    // `scope: rg` for `resource rg 'Microsoft.Resources/resourceGroups@…'` deploys the module
    // to that group (https://learn.microsoft.com/azure/azure-resource-manager/bicep/deploy-to-resource-group#scope-to-resource-group):
    // inside it, `resourceGroup().name` is the group's name and `resourceId()` is in it. The
    // module deployed to `rg-app` boots from a gallery there (not approved); those deployed
    // to `rg-golden` (by the symbol and by `resourceGroup(goldenGroup.name)`) are approved.
    // `scope: appGroup` used to leave the image unknown.
    let repo = fixture_project("module-scope-resource-group");
    let (full, _) = check_with_env(&repo, &["."], &[]);
    assert_eq!(judged_with(&full), [judged("IG001", "vm.bicep", 10, "")]);
    assert!(
        message(&full["findings"][0])
            .contains("/resourceGroups/rg-app/providers/Microsoft.Compute/galleries/corpGallery/"),
        "{full:#}"
    );
    assert_eq!(full["summary"]["resources_judged"], 3, "{full:#}");
    assert_eq!(full["summary"]["compliant"], 2, "{full:#}");
    let mut names: Vec<&str> = full["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["vm-rg-app", "vm-rg-golden", "vm-rg-golden"],
        "{full:#}"
    );
    // With the subscription known, the group's whole ID.
    repo.write(
        "imagegate.toml",
        "[deployment]\nsubscription_id = \"11111111-1111-1111-1111-111111111111\"\n\n[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"]\n",
    );
    let (known, _) = check_with_env(&repo, &["."], &[]);
    assert!(
        message(&known["findings"][0]).contains(
            "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-app/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04/versions/1.0.0"
        ),
        "{known:#}"
    );
}
