//! Conditions a deployer can flip do not hide a resource (#22): a resource, module or nested
//! deployment left out only because its condition is false under parameter defaults — the
//! parameter is not fixed by a committed parameter file, and another allowed value (or any
//! value, when it lists none) deploys it — is judged under a value that deploys it, its
//! findings saying which condition and which value, as warnings unless `[judge] latent =
//! "error"` (`"off"`: not judged). A condition false for every value a deployer can pass
//! still removes the resource.
//!
//! "A condition … determines whether the resource is deployed"; "condition doesn't cascade to
//! child resources":
//! https://learn.microsoft.com/azure/azure-resource-manager/templates/conditional-resource-deployment
//! and, for Bicep's `if`:
//! https://learn.microsoft.com/azure/azure-resource-manager/bicep/conditional-resource-deployment

use crate::common::*;
use serde_json::Value;

use crate::common::{arm_template as template, arm_vm as vm};

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// A Marketplace image no default policy approves.
const MARKETPLACE: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

/// `check --format json ARGS…` on the committed fixtures: the report and the exit code.
fn check_fixtures(args: &[&str]) -> (Value, Option<i32>) {
    let out = Command::new()
        .current_dir(MANIFEST)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    (
        serde_json::from_slice(&out.stdout).expect("JSON report"),
        out.status.code(),
    )
}

/// Each finding as (path, severity, resource name, message).
fn said(report: &Value) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = findings(report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["resource"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The related locations of a finding, as (path, line, message).
fn related(finding: &Value) -> Vec<(String, u64, String)> {
    finding["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_owned(),
                r["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines().position(|l| l.contains(needle)).expect(needle) as u64 + 1
}

#[test]
fn arm_resources_a_deployer_can_deploy_are_judged_as_warnings() {
    let (report, code) = check_fixtures(&["testdata/arm/latent"]);
    let suffix = "Marketplace image Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest is not an approved image";
    let want = [
        (
            "testdata/arm/latent/allowed-value.json",
            "vm-prod-only",
            "(deployed only when parameter 'environment' is 'prod' (its default is 'dev'))",
        ),
        (
            "testdata/arm/latent/deploy-flag.json",
            "vm-jumpbox",
            "(deployed only when parameter 'deployJumpbox' is true (its default is false))",
        ),
        (
            "testdata/arm/latent/nested-deployment.json",
            "vm-nested-jumpbox",
            "(deployed only when parameter 'deployJumpbox' is true (its default is false))",
        ),
    ]
    .map(|(path, name, when)| {
        (
            path.to_owned(),
            "warning".to_owned(),
            name.to_owned(),
            format!("{suffix} {when}"),
        )
    });
    // Nothing from literal-false.json, constant-variable.json, allowed-false.json or
    // fixed-by-parameter-file/: false for every value a deployer can pass.
    assert_eq!(said(&report), want, "{report:#}");
    // Warnings: the run passes.
    assert_eq!(code, Some(0));
    // Each says where its condition is; the nested VM's is the deployment's.
    let text = std::fs::read_to_string(format!(
        "{MANIFEST}/testdata/arm/latent/nested-deployment.json"
    ))
    .unwrap();
    let nested = findings(&report)
        .iter()
        .find(|f| f["resource"]["name"] == "vm-nested-jumpbox")
        .unwrap();
    assert!(
        related(nested).contains(&(
            "testdata/arm/latent/nested-deployment.json".to_owned(),
            line_of(&text, "\"condition\""),
            "this condition is false under the parameters' defaults".to_owned(),
        )),
        "{nested:#}"
    );
    // The resource entries say what deploys them.
    let entries = report["resources"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{report:#}");
    let jumpbox = entries.iter().find(|r| r["name"] == "vm-jumpbox").unwrap();
    assert_eq!(jumpbox["status"], "noncompliant");
    assert_eq!(
        jumpbox["assumption"],
        "deployed only when parameter 'deployJumpbox' is true (its default is false)"
    );
}

#[test]
fn bicep_resources_and_modules_a_deployer_can_deploy_are_judged_as_warnings() {
    let (report, _) = check_fixtures(&["testdata/bicep/latent"]);
    let main =
        std::fs::read_to_string(format!("{MANIFEST}/testdata/bicep/latent/main.bicep")).unwrap();
    let got = said(&report);
    let latent: Vec<_> = got.iter().filter(|f| f.1 == "warning").collect();
    assert_eq!(latent.len(), 2, "{report:#}");
    // The build agent's finding is at the SKU the caller passes (main.bicep), the literal
    // to change; the jump box's in main.bicep too.
    let (agent, jumpbox) = match latent[0].3.contains("'environment'") {
        true => (latent[0], latent[1]),
        false => (latent[1], latent[0]),
    };
    assert_eq!(agent.0, "testdata/bicep/latent/main.bicep");
    assert_eq!(
        agent.3,
        "Marketplace image MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest is not an approved image (deployed only when parameter 'environment' is 'prod' (its default is 'dev'))"
    );
    assert_eq!(jumpbox.0, "testdata/bicep/latent/main.bicep");
    assert!(
        jumpbox.3.ends_with(
            "(deployed only when parameter 'deployJumpbox' is true (its default is false))"
        ),
        "{report:#}"
    );
    // The module's condition is where the caller declares it.
    let agent = findings(&report)
        .iter()
        .find(|f| {
            f["severity"] == "warning"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("'environment' is 'prod'"))
        })
        .unwrap();
    assert!(
        related(agent).contains(&(
            "testdata/bicep/latent/main.bicep".to_owned(),
            line_of(&main, "module build"),
            "this condition is false under the parameters' defaults".to_owned(),
        )),
        "{agent:#}"
    );
    // The module file judged on its own still is (its `sku` unknown there): an error.
    let own: Vec<_> = got.iter().filter(|f| f.1 == "error").collect();
    assert_eq!(own.len(), 1, "{report:#}");
    assert_eq!(own[0].0, "testdata/bicep/latent/build-agent.bicep");
    // never.bicep and fixed-by-parameter-file/ report nothing.
    assert!(
        got.iter()
            .all(|f| !f.0.contains("never") && !f.0.contains("fixed-by-parameter-file")),
        "{report:#}"
    );
}

#[test]
fn judge_latent_error_judges_them_like_any_resource_and_off_leaves_them_out() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""deployJumpbox": { "type": "bool", "defaultValue": false }"#,
            "",
            &vm(
                "vm-jumpbox",
                MARKETPLACE,
                r#" "condition": "[parameters('deployJumpbox')]","#,
            ),
        ),
    );
    let run = |repo: &Repo| {
        let out = repo
            .imagegate(&["check", "--format", "json", "."])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        (report, out.status.code())
    };
    // The default: a warning, the run passes.
    let (report, code) = run(&repo);
    assert_eq!(finding_rules(&report), ["IG001"]);
    assert_eq!(findings(&report)[0]["severity"], "warning");
    assert_eq!(code, Some(0));
    let fingerprint = findings(&report)[0]["fingerprint"].clone();

    repo.write("imagegate.toml", "[judge]\nlatent = \"error\"\n");
    let (report, code) = run(&repo);
    assert_eq!(finding_rules(&report), ["IG001"]);
    assert_eq!(findings(&report)[0]["severity"], "error");
    assert!(findings(&report)[0]["message"].as_str().unwrap().ends_with(
        "(deployed only when parameter 'deployJumpbox' is true (its default is false))"
    ));
    assert_eq!(findings(&report)[0]["fingerprint"], fingerprint);
    assert_eq!(code, Some(1));

    repo.write("imagegate.toml", "[judge]\nlatent = \"off\"\n");
    let (report, code) = run(&repo);
    assert_eq!(finding_rules(&report), Vec::<String>::new(), "{report:#}");
    assert!(report["resources"].as_array().unwrap().is_empty());
    assert_eq!(code, Some(0));

    // Explicitly the default.
    repo.write("imagegate.toml", "[judge]\nlatent = \"warning\"\n");
    let (report, _) = run(&repo);
    assert_eq!(findings(&report)[0]["severity"], "warning");

    // `[rules]` sets the rule's severity; a latent finding's error is still a warning.
    repo.write(
        "imagegate.toml",
        "[rules]\nIG001 = \"error\"\nIG003 = \"off\"\n",
    );
    let (report, code) = run(&repo);
    assert_eq!(findings(&report)[0]["severity"], "warning", "{report:#}");
    assert_eq!(code, Some(0));

    // Anything else is a config error naming the key.
    repo.write("imagegate.toml", "[judge]\nlatent = \"maybe\"\n");
    let out = repo.imagegate(&["check", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("judge.latent"), "{stderr}");
}

#[test]
fn a_default_that_flips_keeps_the_findings_fingerprint() {
    // A baseline written while the jump box was latent still matches it once its default
    // deploys it: the problem (this resource, this image) is the same, only its severity
    // changes. No churn.
    let repo = Repo::new();
    let write = |default: &str| {
        repo.write(
            "azuredeploy.json",
            template(
                &format!(r#""deployJumpbox": {{ "type": "bool", "defaultValue": {default} }}"#),
                "",
                &vm(
                    "vm-jumpbox",
                    MARKETPLACE,
                    r#" "condition": "[parameters('deployJumpbox')]","#,
                ),
            ),
        )
    };
    write("false");
    let latent = check_json(&repo, &[]);
    write("true");
    let deployed = check_json(&repo, &[]);
    assert_eq!(findings(&latent)[0]["severity"], "warning");
    assert_eq!(findings(&deployed)[0]["severity"], "error");
    assert_eq!(
        findings(&latent)[0]["fingerprint"],
        findings(&deployed)[0]["fingerprint"]
    );
    // And a baseline of the latent finding holds the deployed one.
    write("false");
    let out = repo
        .imagegate(&["check", "--write-baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    write("true");
    let out = repo
        .imagegate(&["check", "--baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_parameter_read_only_under_another_value_joins_those_tried() {
    // `and(a, b)` reads `b` only once `a` holds: both must change, and the finding says so.
    // With `b` allowing only false, nothing deploys it.
    let repo = Repo::new();
    let resources = [
        vm(
            "vm-both",
            MARKETPLACE,
            r#" "condition": "[and(parameters('deployVm'), equals(parameters('environment'), 'test'))]","#,
        ),
        vm(
            "vm-never",
            MARKETPLACE,
            r#" "condition": "[and(parameters('deployVm'), parameters('legacy'))]","#,
        ),
    ]
    .join(",");
    repo.write(
        "azuredeploy.json",
        template(
            r#""deployVm": { "type": "bool", "defaultValue": false },
    "environment": { "type": "string", "defaultValue": "dev", "allowedValues": ["dev", "test"] },
    "legacy": { "type": "bool", "defaultValue": false, "allowedValues": [false] }"#,
            "",
            &resources,
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(
        finding_messages(&report),
        [
            "Marketplace image Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest is not an approved image (deployed when parameter 'deployVm' is true and parameter 'environment' is 'test' (their defaults are false and 'dev'))"
        ],
        "{report:#}"
    );
    assert_eq!(findings(&report)[0]["resource"]["name"], "vm-both");
}

#[test]
fn a_parameter_without_allowed_values_takes_any_other_value() {
    // `os` lists no allowed values: a deployer can pass 'windows'. The VM is judged with `os`
    // unknown (its image does not depend on it); one whose image does is unknown (IG002), and
    // says which parameter.
    let repo = Repo::new();
    let resources = [
        vm(
            "vm-windows",
            r#"{ "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-azure-edition", "version": "latest" }"#,
            r#" "condition": "[equals(parameters('os'), 'windows')]","#,
        ),
        vm(
            "vm-custom",
            r#"{ "id": "[parameters('customImage')]" }"#,
            r#" "condition": "[not(empty(parameters('customImage')))]","#,
        ),
    ]
    .join(",");
    repo.write(
        "azuredeploy.json",
        template(
            r#""os": { "type": "string", "defaultValue": "linux" },
    "customImage": { "type": "string", "defaultValue": "" }"#,
            "",
            &resources,
        ),
    );
    let report = check_json(&repo, &[]);
    let got = said(&report);
    assert_eq!(got.len(), 2, "{report:#}");
    let custom = &got[0];
    assert_eq!(custom.2, "vm-custom");
    assert_eq!(custom.1, "warning");
    assert!(
        custom
            .3
            .contains("parameter 'customImage' takes a value a deployer passes"),
        "{custom:?}"
    );
    assert!(
        custom
            .3
            .ends_with("(deployed only when parameter 'customImage' is not its default (''))"),
        "{custom:?}"
    );
    let windows = &got[1];
    assert_eq!(windows.2, "vm-windows");
    assert_eq!(windows.1, "warning");
    assert!(
        windows
            .3
            .ends_with("(deployed only when parameter 'os' is not its default ('linux'))"),
        "{windows:?}"
    );
}

#[test]
fn a_condition_over_many_parameters_is_judged_with_them_unknown_and_says_so() {
    // Three parameters are not tried value by value (no exponential enumeration): the
    // condition is evaluated with all of them unknown; not false, the VM is judged so.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""a": { "type": "bool", "defaultValue": false },
    "b": { "type": "bool", "defaultValue": false },
    "c": { "type": "bool", "defaultValue": false }"#,
            "",
            &vm(
                "vm-three",
                MARKETPLACE,
                r#" "condition": "[and(parameters('a'), parameters('b'), parameters('c'))]","#,
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(
        finding_messages(&report),
        [
            "Marketplace image Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest is not an approved image (deployed only for values of parameters 'a', 'b' and 'c' other than the defaults, which imagegate did not decide (judged with them unknown))"
        ],
        "{report:#}"
    );
    assert_eq!(findings(&report)[0]["severity"], "warning");
}

#[test]
fn a_module_condition_passed_from_the_callers_default_is_the_callers_to_flip() {
    // The module's own `deployVm` defaults to true, but the caller passes its `deploy`
    // (default false): a deployer of main.bicep flips the caller's parameter. A module
    // parameter the caller does not pass keeps the module's default, which no deployer of
    // main.bicep can change: its VM is not judged through main.bicep.
    let repo = Repo::new();
    repo.write(
        "main.bicep",
        "param deploy bool = false

module passed 'vm.bicep' = {
  name: 'passed'
  params: {
    deployVm: deploy
    name: 'vm-passed'
  }
}

module fixed 'fixed.bicep' = {
  name: 'fixed'
}
",
    );
    let vm_bicep = |param: &str, name: &str| {
        format!(
            "{param}

resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = if (deployVm) {{
  name: {name}
  location: 'westeurope'
  properties: {{
    storageProfile: {{
      imageReference: {{
        publisher: 'Canonical'
        offer: '0001-com-ubuntu-server-jammy'
        sku: '22_04-lts-gen2'
        version: 'latest'
      }}
    }}
  }}
}}
"
        )
    };
    repo.write(
        "vm.bicep",
        vm_bicep("param deployVm bool = true\nparam name string", "name"),
    );
    repo.write(
        "fixed.bicep",
        vm_bicep("param deployVm bool = false", "'vm-fixed'"),
    );
    let report = check_json(&repo, &["main.bicep"]);
    let got = said(&report);
    let through_main: Vec<_> = got.iter().filter(|f| f.1 == "warning").collect();
    assert_eq!(through_main.len(), 1, "{report:#}");
    assert_eq!(through_main[0].2, "vm-passed");
    assert!(
        through_main[0]
            .3
            .ends_with("(deployed only when parameter 'deploy' is true (its default is false))"),
        "{got:?}"
    );
}

#[test]
fn child_resources_of_a_latent_parent_are_as_before() {
    // "Condition doesn't cascade to child resources": a child deployed by default stays an
    // ordinary finding (an error) when its parent is latent.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""deployScaleSet": { "type": "bool", "defaultValue": false }"#,
            "",
            &format!(
                r#"
    {{
      "type": "Microsoft.Compute/virtualMachineScaleSets",
      "apiVersion": "2024-03-01",
      "name": "vmss",
      "location": "westeurope",
      "condition": "[parameters('deployScaleSet')]",
      "properties": {{ "virtualMachineProfile": {{ "storageProfile": {{ "imageReference": {MARKETPLACE} }} }} }},
      "resources": [
        {{
          "type": "virtualMachines",
          "apiVersion": "2024-03-01",
          "name": "0",
          "dependsOn": ["vmss"],
          "properties": {{ "storageProfile": {{ "imageReference": {{ "publisher": "RedHat", "offer": "RHEL", "sku": "9-lvm-gen2", "version": "latest" }} }} }}
        }}
      ]
    }}"#
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    let got = said(&report);
    assert_eq!(got.len(), 2, "{report:#}");
    let child = got.iter().find(|f| f.2 == "vmss/0").unwrap();
    assert_eq!(child.1, "error");
    assert!(!child.3.contains("deployed only"), "{child:?}");
    let parent = got.iter().find(|f| f.2 == "vmss").unwrap();
    assert_eq!(parent.1, "warning");
}

#[test]
fn a_latent_deployment_of_a_linked_template_is_judged_through_its_caller() {
    // A `relativePath` deployment left out by its condition: what the linked template deploys
    // is judged as the caller would deploy it (with the image the caller passes); the linked
    // file is still judged on its own.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""deployJumpbox": { "type": "bool", "defaultValue": false }"#,
            "",
            &linked_deployment(
                "jumpbox",
                "nested/jumpbox.json",
                r#""sku": { "value": "20_04-lts-gen2" }"#,
            )
            .replacen(
                r#""name": "jumpbox","#,
                r#""name": "jumpbox", "condition": "[parameters('deployJumpbox')]","#,
                1,
            ),
        ),
    );
    repo.write(
        "nested/jumpbox.json",
        template(
            r#""sku": { "type": "string", "defaultValue": "22_04-lts-gen2" }"#,
            "",
            &vm(
                "vm-linked",
                r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-focal", "sku": "[parameters('sku')]", "version": "latest" }"#,
                "",
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    let got = said(&report);
    assert_eq!(got.len(), 2, "{report:#}");
    // Judged through the caller, the finding is at the SKU the caller passes; on its own, at
    // the linked template's default.
    let latent = got.iter().find(|f| f.1 == "warning").unwrap();
    assert_eq!(latent.0, "azuredeploy.json", "{got:?}");
    let own = got.iter().find(|f| f.1 == "error").unwrap();
    assert_eq!(own.0, "nested/jumpbox.json", "{got:?}");
    assert!(latent.3.contains(":20_04-lts-gen2:"), "{latent:?}");
    assert!(
        latent.3.ends_with(
            "(deployed only when parameter 'deployJumpbox' is true (its default is false))"
        ),
        "{latent:?}"
    );
    let own = got.iter().find(|f| f.1 == "error").unwrap();
    assert!(own.3.contains(":22_04-lts-gen2:"), "{own:?}");
}

#[test]
fn past_the_probe_budget_the_condition_is_judged_with_its_parameters_unknown() {
    // Two parameters of 32 allowed values each: 62 values alone, then pairs, past the 64
    // evaluations one condition may take. It is not dropped: judged with both unknown, and
    // the finding says imagegate did not decide.
    let repo = Repo::new();
    let values = |prefix: &str| -> String {
        (0..32)
            .map(|i| format!("\"{prefix}{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    repo.write(
        "azuredeploy.json",
        template(
            &format!(
                r#""a": {{ "type": "string", "defaultValue": "a0", "allowedValues": [{}] }},
    "b": {{ "type": "string", "defaultValue": "b0", "allowedValues": [{}] }}"#,
                values("a"),
                values("b")
            ),
            "",
            &vm(
                "vm-rare",
                MARKETPLACE,
                r#" "condition": "[and(equals(parameters('a'), 'a31'), equals(parameters('b'), 'b31'))]","#,
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(
        finding_messages(&report),
        [
            "Marketplace image Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest is not an approved image (deployed only for values of parameters 'a' and 'b' other than the defaults, which imagegate did not decide (judged with them unknown))"
        ],
        "{report:#}"
    );
    assert_eq!(findings(&report)[0]["severity"], "warning");
}

#[test]
fn a_latent_resource_is_judged_for_each_allowed_value_of_a_required_parameter() {
    // `os` is required, with allowed values, and decides the image: the latent VM is judged
    // for each, and each finding says both what it assumed and what deploys the VM.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""os": { "type": "string", "allowedValues": ["Windows", "Linux"] },
    "deployVm": { "type": "bool", "defaultValue": false }"#,
            r#""images": {
      "Windows": { "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-azure-edition", "version": "latest" },
      "Linux": { "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }
    }"#,
            &vm(
                "vm-app",
                "\"[variables('images')[parameters('os')]]\"",
                r#" "condition": "[parameters('deployVm')]","#,
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    let mut messages = finding_messages(&report);
    messages.sort();
    let when = "(deployed only when parameter 'deployVm' is true (its default is false))";
    assert_eq!(
        messages,
        [
            format!(
                "Marketplace image Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest is not an approved image; the value comes from variable 'images' (when parameter 'os' = Linux) {when}"
            ),
            format!(
                "Marketplace image MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest is not an approved image; the value comes from variable 'images' (when parameter 'os' = Windows) {when}"
            ),
        ],
        "{report:#}"
    );
    assert!(
        findings(&report).iter().all(|f| f["severity"] == "warning"),
        "{report:#}"
    );
}

#[test]
fn an_image_two_deployments_deep_under_a_false_condition_is_judged() {
    // The nested deployment left out carries no image itself: the one it deploys does.
    let repo = Repo::new();
    let inner = |name: &str, resources: &str| {
        format!(
            r#"{{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "{name}",
      "properties": {{
        "mode": "Incremental",
        "expressionEvaluationOptions": {{ "scope": "inner" }},
        "template": {{
          "$schema": "{SCHEMA}",
          "contentVersion": "1.0.0.0",
          "resources": [{resources}]
        }}
      }}
    }}"#
        )
    };
    let deepest = vm("vm-deep", MARKETPLACE, "");
    let outer = inner("outer", &inner("middle", &deepest)).replacen(
        r#""name": "outer","#,
        r#""name": "outer", "condition": "[parameters('deployTier')]","#,
        1,
    );
    repo.write(
        "azuredeploy.json",
        template(
            r#""deployTier": { "type": "bool", "defaultValue": false }"#,
            "",
            &outer,
        ),
    );
    let report = check_json(&repo, &[]);
    let got = said(&report);
    assert_eq!(got.len(), 1, "{report:#}");
    assert_eq!(got[0].2, "vm-deep");
    assert!(
        got[0].3.ends_with(
            "(deployed only when parameter 'deployTier' is true (its default is false))"
        ),
        "{got:?}"
    );
}

#[test]
fn latent_resources_spend_the_files_budget_and_what_it_cuts_is_said() {
    // 40 instances of a latent VM, at a budget of 10 resources (the production budget is
    // 20,000): those beyond it are an IG002 naming the budget, never silence.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""deployWorkers": { "type": "bool", "defaultValue": false }"#,
            "",
            &vm(
                "[concat('vm-', copyIndex())]",
                MARKETPLACE,
                r#" "copy": { "name": "workers", "count": 40 }, "condition": "[parameters('deployWorkers')]","#,
            ),
        ),
    );
    let limits = imagegate::workspace::Limits {
        max_resources: 10,
        ..Default::default()
    };
    let report = check_with_limits(repo.path(), limits);
    let rules = finding_rules(&report);
    assert!(rules.contains(&"IG001".to_owned()), "{report:#}");
    let budget = findings(&report)
        .iter()
        .find(|f| f["rule"] == "IG002")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(
        budget["message"]
            .as_str()
            .unwrap()
            .contains("only the first 10 resources of the file are judged"),
        "{budget:#}"
    );
    assert!(
        report["resources"].as_array().unwrap().len() <= 11,
        "{report:#}"
    );
}

#[test]
fn off_leaves_latent_resources_unread_and_spends_no_budget_on_them() {
    // `latent = "off"` restores the defaults' reading: a resource its condition leaves out
    // is not evaluated at all, so its copies spend none of the file's resource budget.
    let dir = tempfile::tempdir().expect("temp dir");
    let many = arm_vm("[concat('vm-', copyIndex())]", &format!("{{ \"id\": \"{GOLDEN_VERSION}\" }}"), "")
        .replacen(
            "\"type\":",
            "\"condition\": \"[parameters('deployMany')]\", \"copy\": { \"name\": \"many\", \"count\": 40 }, \"type\":",
            1,
        );
    let after = arm_vm("after", &format!("{{ \"id\": \"{GOLDEN_VERSION}\" }}"), "");
    std::fs::write(
        dir.path().join("azuredeploy.json"),
        arm_template(
            r#""deployMany": { "type": "bool", "defaultValue": false }"#,
            "",
            &format!("{many}, {after}"),
        ),
    )
    .expect("write");
    let limits = imagegate::workspace::Limits {
        max_resources: 20,
        ..Default::default()
    };
    let statuses = |report: &serde_json::Value| resource_statuses(report);
    std::fs::write(
        dir.path().join("imagegate.toml"),
        "[judge]\nlatent = \"off\"\n",
    )
    .expect("w");
    let (off, notes) = check_with_limits_and_notes(dir.path(), limits.clone());
    assert_eq!(statuses(&off), ["compliant"], "{off:#}");
    assert!(notes.is_empty(), "{notes:?}");
    std::fs::write(
        dir.path().join("imagegate.toml"),
        "[judge]\nlatent = \"warning\"\n",
    )
    .expect("w");
    let (on, notes) = check_with_limits_and_notes(dir.path(), limits);
    assert!(
        !notes.is_empty() || finding_rules(&on).iter().any(|r| r == "IG002"),
        "the latent copies spend the budget: {on:#} {notes:?}"
    );
}
