//! Template expansion end to end: parameter files, copy loops, conditions, nested and linked
//! deployments, malformed expressions and budgets — each in a small repository written as
//! users write templates.

use crate::common::*;
use serde_json::Value;

use crate::common::{arm_template as template, arm_vm as vm};

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

fn resources(report: &Value) -> &Vec<Value> {
    report["resources"].as_array().unwrap()
}

const MANAGED: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-images/providers/Microsoft.Compute/images/legacy-win2019";

#[test]
fn each_parameter_file_is_a_context_and_findings_point_into_it() {
    let repo = Repo::new();
    repo.write(
        "app/azuredeploy.json",
        template(
            r#""imageId": { "type": "string" }"#,
            "",
            &vm("vm-app", r#"{ "id": "[parameters('imageId')]" }"#, ""),
        ),
    );
    repo.write(
        "app/azuredeploy.parameters.json",
        format!(
            r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "imageId": {{
      "value": "{MANAGED}"
    }}
  }}
}}
"#
        ),
    );
    repo.write(
        "app/azuredeploy.parameters.prod.json",
        format!(r#"{{ "parameters": {{ "imageId": {{ "value": "{GOLDEN_VERSION}" }} }} }}"#),
    );
    let report = check_json(&repo, &[]);
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0]["rule"], "IG001");
    assert_eq!(f[0]["path"], "app/azuredeploy.parameters.json");
    assert_eq!(f[0]["line"], 6, "the value's line in the parameter file");
    assert!(f[0]["message"].as_str().unwrap().contains("Managed image"));
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("parameter 'imageId'")
    );
    let related: Vec<&str> = f[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert!(related.contains(&"app/azuredeploy.json"), "{related:?}");
    let statuses: Vec<(&str, &str)> = resources(&report)
        .iter()
        .map(|r| {
            (
                r["parameter_file"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("app/azuredeploy.parameters.json", "noncompliant"),
            ("app/azuredeploy.parameters.prod.json", "compliant"),
        ]
    );
    // A template named on the command line finds its parameter files too.
    let named = check_json(&repo, &["app/azuredeploy.json"]);
    assert_eq!(resources(&named).len(), 2, "{named:#}");
}

#[test]
fn copy_loops_collapse_same_images_and_are_bounded() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            "",
            r#""images": [
      { "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" },
      { "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter", "version": "latest" }
    ]"#,
            &vm(
                "[concat('vm', copyIndex())]",
                r#""[variables('images')[mod(copyIndex(), 2)]]""#,
                r#"
      "copy": { "name": "vmLoop", "count": 6 },"#,
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    let f = findings(&report);
    // Six instances, two images: two findings (one per image), six resource entries.
    assert_eq!(f.len(), 2, "{report:#}");
    assert_eq!(resources(&report).len(), 6);
    assert!(f.iter().all(|x| x["rule"] == "IG001"));

    let huge = template(
        "",
        "",
        &vm(
            "[concat('vm', copyIndex())]",
            r#"{ "publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest" }"#,
            r#"
      "copy": { "name": "vmLoop", "count": 1000000000 },"#,
        ),
    );
    repo.write("azuredeploy.json", huge);
    let out = repo
        .imagegate(&["check", "--format", "json", "--exit-zero", "--verbose"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The first 1000 instances are judged (one finding for their one image); the rest are
    // not, and that is an IG002 on the declaration, never silence.
    let rules: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["IG002", "IG001"], "{report:#}");
    assert!(
        findings(&report)[0]["message"].as_str().unwrap().contains(
            "copy loop 'vmLoop' has 1000000000 instances and only the first 1000 are judged"
        ),
        "{report:#}"
    );
    assert_eq!(resources(&report).len(), 1001);
}

#[test]
fn conditions_known_false_are_not_judged() {
    let repo = Repo::new();
    let bad = r#"{ "publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest" }"#;
    let resources_text = [
        vm(
            "vm-off",
            bad,
            r#" "condition": "[equals(parameters('os'), 'windows')]","#,
        ),
        vm(
            "vm-unknown",
            bad,
            r#" "condition": "[parameters('deployJumpbox')]","#,
        ),
    ]
    .join(",");
    // `os` can be 'linux' or 'ubuntu', never 'windows': the condition is false whatever a
    // deployer passes (with any value allowed it would be latent: tests/it/latent.rs).
    repo.write(
        "azuredeploy.json",
        template(
            r#""os": { "type": "string", "defaultValue": "linux", "allowedValues": ["linux", "ubuntu"] },
    "deployJumpbox": { "type": "bool" }"#,
            "",
            &resources_text,
        ),
    );
    let report = check_json(&repo, &[]);
    let names: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["resource"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["vm-unknown"]);
}

#[test]
fn nested_inner_scope_takes_the_callers_parameters() {
    let repo = Repo::new();
    let inner = template(
        r#""imageId": { "type": "string" }"#,
        "",
        &vm("vm-inner", r#"{ "id": "[parameters('imageId')]" }"#, ""),
    );
    let nested = format!(
        r#"
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "inner",
      "properties": {{
        "mode": "Incremental",
        "expressionEvaluationOptions": {{ "scope": "inner" }},
        "parameters": {{
          "imageId": {{ "value": "[parameters('outerImage')]" }}
        }},
        "template": {inner}
      }}
    }}"#
    );
    repo.write(
        "azuredeploy.json",
        template(
            &format!(r#""outerImage": {{ "type": "string", "defaultValue": "{MANAGED}" }}"#),
            "",
            &nested,
        ),
    );
    let report = check_json(&repo, &[]);
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0]["rule"], "IG001");
    assert_eq!(f[0]["resource"]["name"], "vm-inner");
    // Points at the default of the caller's parameter (line 4), the literal to change.
    assert_eq!(f[0]["line"], 4);
    assert!(f[0]["column"].as_u64().unwrap() > 40);
}

#[test]
fn nested_outer_scope_sees_the_parents_variables() {
    let repo = Repo::new();
    let inner = template("", "", &vm("vm-outer", r#""[variables('image')]""#, ""));
    let nested = format!(
        r#"
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "outer",
      "properties": {{ "mode": "Incremental", "template": {inner} }}
    }}"#
    );
    repo.write(
        "azuredeploy.json",
        template(
            "",
            &format!(r#""image": {{ "id": "{GOLDEN_VERSION}" }}"#),
            &nested,
        ),
    );
    let report = check_json(&repo, &[]);
    assert!(findings(&report).is_empty(), "{report:#}");
    assert_eq!(resources(&report)[0]["status"], "compliant");
}

#[test]
fn linked_templates_are_judged_in_their_callers_context_only() {
    let repo = Repo::new();
    repo.write(
        "main/nested/vm.json",
        template(
            r#""imageId": { "type": "string" }"#,
            "",
            &vm("vm-linked", r#"{ "id": "[parameters('imageId')]" }"#, ""),
        ),
    );
    let link = |name: &str, path: &str, image: &str| {
        format!(
            r#"
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "{name}",
      "properties": {{
        "mode": "Incremental",
        "templateLink": {{ "relativePath": "{path}" }},
        "parameters": {{ "imageId": {{ "value": "{image}" }} }}
      }}
    }}"#
        )
    };
    let links = [
        link("good", "nested/vm.json", GOLDEN_VERSION),
        link("bad", "nested/vm.json", MANAGED),
        link("escape", "../../outside.json", MANAGED),
    ]
    .join(",");
    repo.write("main/azuredeploy.json", template("", "", &links));
    let out = repo
        .imagegate(&[
            "check",
            "main",
            "--format",
            "json",
            "--exit-zero",
            "--verbose",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&report);
    // One IG001 (the caller passing a managed image), pointing at the caller's value; the
    // linked file is not judged on its own (its parameter has no value there). The link that
    // leaves the scanned roots is not read, and that is said: an IG002 on its deployment.
    let rules: Vec<&str> = f.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["IG001", "IG002"], "{report:#}");
    assert_eq!(f[0]["path"], "main/azuredeploy.json");
    let refused = f[1]["message"].as_str().unwrap();
    assert!(
        refused.contains("deployments 'escape'") && refused.contains("`../../outside.json`"),
        "{refused}"
    );
    assert_eq!(resources(&report).len(), 3);
}

#[test]
fn link_cycles_terminate() {
    let repo = Repo::new();
    let link = |path: &str| {
        format!(
            r#"
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "loop",
      "properties": {{ "mode": "Incremental", "templateLink": {{ "relativePath": "{path}" }} }}
    }}"#
        )
    };
    let bad = r#"{ "publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest" }"#;
    repo.write(
        "a.json",
        template("", "", &[link("b.json"), vm("vm-a", bad, "")].join(",")),
    );
    repo.write("b.json", template("", "", &link("a.json")));
    let report = check_json(&repo, &[]);
    assert!(!findings(&report).is_empty());
}

#[test]
fn malformed_expressions_are_parse_errors_at_their_string() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template("", "", &vm("vm", r#"{ "id": "[concat('a', ]" }"#, "")),
    );
    let report = check_json(&repo, &[]);
    let rules: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"IG000"), "{report:#}");
    let ig000 = findings(&report)
        .iter()
        .find(|f| f["rule"] == "IG000")
        .unwrap();
    assert_eq!(ig000["line"], 14);
    // Said once: "malformed expression: malformed expression: …" was printed until the
    // evaluator reported typed causes.
    assert_eq!(
        ig000["message"],
        "cannot parse ARM template: malformed expression: expected an expression, found the end of the expression"
    );
}

#[test]
fn budgets_make_images_unknown_instead_of_hanging() {
    let repo = Repo::new();
    let mut variables = String::from(r#""v0": "ab""#);
    for i in 1..64 {
        variables.push_str(&format!(
            r#", "v{i}": "[concat(variables('v{}'), variables('v{}'))]""#,
            i - 1,
            i - 1
        ));
    }
    repo.write(
        "azuredeploy.json",
        template(
            "",
            &variables,
            &vm("vm", r#"{ "id": "[variables('v63')]" }"#, ""),
        ),
    );
    let out = repo
        .imagegate(&["check", "--format", "json", "--exit-zero", "--verbose"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0]["rule"], "IG002");
    let reason = f[0]["message"].as_str().unwrap();
    assert!(
        reason.contains("budget") || reason.contains("limit"),
        "{reason}"
    );
}

#[test]
fn deployment_scope_from_the_config_fills_holes() {
    let repo = Repo::new();
    let image = r#"{ "id": "[resourceId('Microsoft.Compute/galleries/images/versions', 'corpGallery', 'ubuntu', '1.0.0')]" }"#;
    repo.write("azuredeploy.json", template("", "", &vm("vm", image, "")));
    let strict = "[approved]\nimages = [\"/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*\"]\n";
    repo.write("imagegate.toml", strict);
    let report = check_json(&repo, &[]);
    assert_eq!(findings(&report)[0]["rule"], "IG002");
    assert!(
        findings(&report)[0]["message"]
            .as_str()
            .unwrap()
            .contains("resource group"),
        "{report:#}"
    );
    repo.write(
        "imagegate.toml",
        format!("{strict}[deployment]\nresource_group = \"rg-golden\"\n"),
    );
    let report = check_json(&repo, &[]);
    assert!(findings(&report).is_empty(), "{report:#}");
    assert_eq!(resources(&report)[0]["status"], "compliant");
}

#[test]
fn artifacts_location_links_resolve_to_local_files() {
    // The quickstart pattern: nested templates linked by a URI built from the template's own
    // (unknown) location and a relative path.
    let repo = Repo::new();
    repo.write(
        "qs/nested/vm.json",
        template(
            r#""imageId": { "type": "string" }"#,
            "",
            &vm("vm-nested", r#"{ "id": "[parameters('imageId')]" }"#, ""),
        ),
    );
    let link = format!(
        r#"
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "vmDeployment",
      "properties": {{
        "mode": "Incremental",
        "templateLink": {{ "uri": "[uri(parameters('_artifactsLocation'), concat('nested/vm.json', parameters('_artifactsLocationSasToken')))]" }},
        "parameters": {{ "imageId": {{ "value": "{MANAGED}" }} }}
      }}
    }}"#
    );
    repo.write(
        "qs/azuredeploy.json",
        template(
            r#""_artifactsLocation": { "type": "string", "defaultValue": "[deployment().properties.templateLink.uri]" },
    "_artifactsLocationSasToken": { "type": "securestring", "defaultValue": "" }"#,
            "",
            &link,
        ),
    );
    let report = check_json(&repo, &[]);
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0]["rule"], "IG001");
    assert_eq!(f[0]["resource"]["name"], "vm-nested");
    assert_eq!(f[0]["path"], "qs/azuredeploy.json");
}

#[test]
fn required_parameters_are_judged_for_each_allowed_value() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""os": { "type": "string", "allowedValues": ["Ubuntu", "Windows", "Golden"] },
    "vmSize": { "type": "string", "allowedValues": ["Standard_D2s_v5", "Standard_D4s_v5"] }"#,
            &format!(
                r#""images": {{
      "Ubuntu": {{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }},
      "Windows": {{ "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter", "version": "latest" }},
      "Golden": {{ "id": "{GOLDEN_VERSION}" }}
    }}"#
            ),
            &vm("vm", r#""[variables('images')[parameters('os')]]""#, ""),
        ),
    );
    let report = check_json(&repo, &[]);
    let messages: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{report:#}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("Canonical") && m.contains("when parameter 'os' = Ubuntu"))
    );
    assert!(messages.iter().any(
        |m| m.contains("MicrosoftWindowsServer") && m.contains("when parameter 'os' = Windows")
    ));
    let statuses: Vec<(&str, &str)> = resources(&report)
        .iter()
        .map(|r| {
            (
                r["assumption"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses.len(),
        3,
        "one entry per allowed value of the deciding parameter only"
    );
    assert!(statuses.contains(&("parameter 'os' = Golden", "compliant")));
    // The finding points at the image literal in the variable, the value to change.
    assert!(
        findings(&report)
            .iter()
            .all(|f| f["line"].as_u64().unwrap() <= 12)
    );
}

#[test]
fn links_computed_from_a_callers_parameters_resolve() {
    // main → nested/a.json (passing _artifactsLocation) → nested/b.json, where b's path is
    // relative to main's location, known only through the parameter main passes.
    let repo = Repo::new();
    let artifacts = r#""_artifactsLocation": { "type": "string", "defaultValue": "[deployment().properties.templateLink.uri]" }"#;
    let link = |path: &str, location: &str| {
        format!(
            r#"
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "next",
      "properties": {{
        "mode": "Incremental",
        "templateLink": {{ "uri": "[uri({location}, '{path}')]" }},
        "parameters": {{ "_artifactsLocation": {{ "value": "[{location}]" }} }}
      }}
    }}"#,
            location = location.trim_matches(['[', ']'])
        )
    };
    repo.write(
        "qs/azuredeploy.json",
        template(
            artifacts,
            "",
            &link("nested/a.json", "parameters('_artifactsLocation')"),
        ),
    );
    repo.write(
        "qs/nested/a.json",
        template(
            r#""_artifactsLocation": { "type": "string" }"#,
            "",
            &link("nested/b.json", "parameters('_artifactsLocation')"),
        ),
    );
    repo.write(
        "qs/nested/b.json",
        template(
            "",
            "",
            &vm("vm-deep", &format!(r#"{{ "id": "{MANAGED}" }}"#), ""),
        ),
    );
    let report = check_json(&repo, &[]);
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0]["resource"]["name"], "vm-deep");
    // b.json and a.json are judged through main only.
    assert_eq!(resources(&report).len(), 1, "{report:#}");
}

#[test]
fn parameter_files_mapped_in_the_config_are_contexts() {
    let repo = Repo::new();
    repo.write(
        "infra/main.json",
        template(
            r#""imageId": { "type": "string" }"#,
            "",
            &vm("vm", r#"{ "id": "[parameters('imageId')]" }"#, ""),
        ),
    );
    repo.write(
        "env/prod.json",
        format!(r#"{{ "parameters": {{ "imageId": {{ "value": "{MANAGED}" }} }} }}"#),
    );
    repo.write(
        "imagegate.toml",
        "[parameter_files]\n\"infra/main.json\" = [\"env/prod.json\"]\n",
    );
    let report = check_json(&repo, &["infra", "env"]);
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0]["rule"], "IG001");
    assert_eq!(f[0]["path"], "env/prod.json");
    // A mapping to a file that does not exist is a config error.
    repo.write(
        "imagegate.toml",
        "[parameter_files]\n\"infra/main.json\" = [\"env/missing.json\"]\n",
    );
    repo.imagegate(&["check"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("parameter_files"));
}

#[test]
fn an_exhausted_step_budget_is_noted() {
    // 100 × 100 lambda calls against a budget of 4,000 steps (production: 5,000 × 5,000
    // against 4,000,000; `budgets::the_step_budget_holds_at_its_production_value` runs one at
    // the production limits). The note is what `--verbose` prints on standard error.
    let limits = imagegate::workspace::Limits {
        max_steps: 4_000,
        ..Default::default()
    };
    let repo = Repo::new();
    let image = r#"{ "id": "[if(equals(length(flatten(map(range(0, 100), lambda('x', map(range(0, 100), lambda('y', 1)))))), 0), 'a', 'b')]" }"#;
    repo.write("azuredeploy.json", template("", "", &vm("vm", image, "")));
    let (report, notes) = check_with_limits_and_notes(repo.path(), limits);
    assert_eq!(findings(&report)[0]["rule"], "IG002");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("evaluation stopped at its budget")),
        "{notes:?}"
    );
}

/// A VM whose `properties` are written as `properties_json`.
fn vm_with_properties(name: &str, properties_json: &str) -> String {
    format!(
        r#"
    {{
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "{name}",
      "location": "westeurope",
      "properties": {properties_json}
    }}"#
    )
}

#[test]
fn image_paths_are_read_through_expressions_copies_and_duplicated_keys() {
    let repo = Repo::new();
    let golden = format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#);
    let managed = format!(r#"{{ "id": "{MANAGED}" }}"#);
    let vms = [
        // The storage profile is an expression: evaluated whole.
        vm_with_properties(
            "vm-expression",
            r#"{ "storageProfile": "[variables('storage')]" }"#,
        ),
        // A property copy loop beside the image: the object holding it is evaluated whole.
        vm_with_properties(
            "vm-copy",
            &format!(
                r#"{{ "storageProfile": {{
                    "copy": [ {{ "name": "dataDisks", "count": 2, "input": {{ "lun": "[copyIndex('dataDisks')]" }} }} ],
                    "imageReference": {managed} }} }}"#
            ),
        ),
        // Keys in another case, and a duplicated key whose last value wins.
        vm_with_properties(
            "vm-duplicated",
            &format!(
                r#"{{ "STORAGEPROFILE": {{ "imagereference": {golden}, "ImageReference": {managed} }} }}"#
            ),
        ),
        // A malformed expression outside the image paths is not evaluated (nothing there can
        // change the image), so it does not hide the finding.
        vm_with_properties(
            "vm-unrelated",
            &format!(
                r#"{{ "osProfile": {{ "customData": "[base64(concat('#!/bin/sh', )]" }},
                     "storageProfile": {{ "imageReference": {managed} }} }}"#
            ),
        ),
    ]
    .join(",");
    repo.write(
        "azuredeploy.json",
        template(
            "",
            &format!(r#""storage": {{ "imageReference": {managed} }}"#),
            &vms,
        ),
    );
    let report = check_json(&repo, &[]);
    let mut judged: Vec<(String, String)> = resources(&report)
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    judged.sort();
    assert_eq!(
        judged,
        [
            ("vm-copy".to_string(), "noncompliant".to_string()),
            ("vm-duplicated".to_string(), "noncompliant".to_string()),
            ("vm-expression".to_string(), "noncompliant".to_string()),
            ("vm-unrelated".to_string(), "noncompliant".to_string()),
        ],
        "{report:#}"
    );
    let rules: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["IG001"; 4], "{report:#}");
}

#[test]
fn a_template_linked_by_a_required_parameters_allowed_value_is_judged_for_each_value() {
    // `concat('nested/', parameters('os'), '.json')` with `os` required and allowed
    // `linux` or `windows` ("Parameters in ARM templates": `allowedValues`): the deployer picks
    // one, so each linked template is judged under its value, as an image chosen the same
    // way is. It was one IG002 ("linked by the URI `<unknown>nested/<unknown>.json`") while
    // both linked VMs went unjudged.
    let repo = Repo::new();
    let link = r#"
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "machine",
      "properties": {
        "mode": "Incremental",
        "templateLink": { "uri": "[uri(deployment().properties.templateLink.uri, concat('nested/', parameters('os'), '.json'))]" }
      }
    }"#;
    repo.write(
        "azuredeploy.json",
        template(
            r#""os": { "type": "string", "allowedValues": ["linux", "windows"] }"#,
            "",
            link,
        ),
    );
    let marketplace = |publisher: &str, offer: &str, sku: &str| {
        template(
            "",
            "",
            &vm(
                "vm",
                &format!(
                    r#"{{ "publisher": "{publisher}", "offer": "{offer}", "sku": "{sku}", "version": "latest" }}"#
                ),
                "",
            ),
        )
    };
    repo.write(
        "nested/linux.json",
        marketplace(
            "Canonical",
            "0001-com-ubuntu-server-jammy",
            "22_04-lts-gen2",
        ),
    );
    repo.write(
        "nested/windows.json",
        marketplace("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter"),
    );
    let report = check_json(&repo, &[]);
    let seen: Vec<(String, String)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(seen.len(), 2, "{report:#}");
    assert!(seen.iter().any(|(path, m)| path == "nested/linux.json"
        && m.contains("Canonical")
        && m.contains("when parameter 'os' = linux")));
    assert!(seen.iter().any(|(path, m)| path == "nested/windows.json"
        && m.contains("MicrosoftWindowsServer")
        && m.contains("when parameter 'os' = windows")));

    // Not when the link is unknown whatever the value: one IG002, as before.
    let unknowable = link.replace(
        "concat('nested/', parameters('os'), '.json')",
        "concat('nested/', parameters('os'), reference('store').suffix)",
    );
    repo.write(
        "azuredeploy.json",
        template(
            r#""os": { "type": "string", "allowedValues": ["linux", "windows"] }"#,
            "",
            &unknowable,
        ),
    );
    let report = check_json(&repo, &[]);
    let rules: Vec<(&str, &str, bool)> = findings(&report)
        .iter()
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            (
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
                message.contains("when parameter"),
            )
        })
        .collect();
    // The deployment unseen once, and each template, deployed by nothing that can be seen,
    // judged on its own.
    assert_eq!(
        rules,
        [
            ("IG002", "azuredeploy.json", false),
            ("IG001", "nested/linux.json", false),
            ("IG001", "nested/windows.json", false),
        ],
        "{report:#}"
    );
}
