//! No silent pass: every image-bearing resource that can reach Azure is judged, or said to be
//! unknown. Each test is a small repository written as users write templates; each class has a
//! firing and a non-firing case, and the Azure behaviour it follows is cited.

use crate::common::*;
use serde_json::Value;

const MARKETPLACE: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

use crate::common::{
    arm_template as template, arm_vm as vm, finding_messages as messages, finding_rules as rules,
    resource_statuses as statuses,
};

// ----- copy loops with a count not known offline --------------------------------------------
// "copy": { "count": … } sets how many instances deploy; copyIndex() is each instance's index
// (ARM docs, "Resource iteration in ARM templates"). When the count is not known offline, the
// instances are not known either: an image that depends on the index is unknown (IG002, blaming
// what the count depends on), never the image of instance 0 alone.

#[test]
fn an_image_chosen_by_index_over_an_unknown_count_is_unresolved() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""count": { "type": "int" }"#,
            &format!(r#""images": [ {{ "id": "{GOLDEN_VERSION}" }}, {MARKETPLACE} ]"#),
            &vm(
                "[concat('vm', copyIndex())]",
                r#""[variables('images')[copyIndex()]]""#,
                r#" "copy": { "name": "vms", "count": "[parameters('count')]" },"#,
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG002"], "{report:#}");
    assert!(
        messages(&report)[0].contains("parameter 'count' has no default"),
        "{report:#}"
    );
    assert_eq!(statuses(&report), ["unresolved"]);
}

#[test]
fn an_image_that_does_not_depend_on_the_index_is_judged_whatever_the_count() {
    let repo = Repo::new();
    repo.write(
        "golden/azuredeploy.json",
        template(
            r#""count": { "type": "int" }"#,
            "",
            &vm(
                "[concat('vm', copyIndex())]",
                &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#),
                r#" "copy": { "name": "vms", "count": "[parameters('count')]" },"#,
            ),
        ),
    );
    repo.write(
        "marketplace/azuredeploy.json",
        template(
            r#""count": { "type": "int" }"#,
            "",
            &vm(
                "[concat('vm', copyIndex())]",
                MARKETPLACE,
                r#" "copy": { "name": "vms", "count": "[parameters('count')]" },"#,
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert_eq!(statuses(&report), ["compliant", "noncompliant"]);
}

#[test]
fn a_condition_on_the_index_over_an_unknown_count_is_not_false() {
    // Instance 0 is left out by its condition, instance 1 is not: with an unknown count the
    // declaration can deploy, so it is judged.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""count": { "type": "int" }"#,
            "",
            &vm(
                "[concat('vm', copyIndex())]",
                MARKETPLACE,
                r#" "copy": { "name": "vms", "count": "[parameters('count')]" }, "condition": "[greater(copyIndex(), 0)]","#,
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    // With a known count the condition is decided per instance, as ARM decides it.
    repo.write(
        "azuredeploy.parameters.json",
        r#"{ "parameters": { "count": { "value": 1 } } }"#,
    );
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
}

// ----- conditions do not cascade -------------------------------------------------------------
// "Condition doesn't cascade to child resources. If you want to conditionally deploy a resource
// and its child resources, you must apply the same condition to each resource type." (ARM docs,
// "Conditional deployment in ARM templates").

fn scale_set_with_child(parent_condition: &str, child_condition: &str) -> String {
    template(
        "",
        "",
        &format!(
            r#"
    {{
      "type": "Microsoft.Compute/virtualMachineScaleSets",
      "apiVersion": "2024-03-01",
      "name": "vmss",
      "location": "westeurope",{parent_condition}
      "properties": {{ "virtualMachineProfile": {{ "storageProfile": {{ "imageReference": {{ "id": "{GOLDEN_VERSION}" }} }} }} }},
      "resources": [
        {{
          "type": "virtualMachines",
          "apiVersion": "2024-03-01",
          "name": "0",{child_condition}
          "dependsOn": [ "vmss" ],
          "properties": {{ "storageProfile": {{ "imageReference": {MARKETPLACE} }} }}
        }}
      ]
    }}"#
        ),
    )
}

#[test]
fn a_false_condition_on_a_parent_leaves_its_children_deployed() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        scale_set_with_child(r#" "condition": false,"#, ""),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    let judged: Vec<&str> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(judged, ["vmss/0"], "the parent itself is not deployed");
}

#[test]
fn a_false_condition_on_the_child_itself_leaves_it_out() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        scale_set_with_child("", r#" "condition": false,"#),
    );
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
}

// ----- scope functions in nested deployments --------------------------------------------------
// "For a nested template with inner scope, or a linked template, subscription() and
// resourceGroup() return the subscription and resource group the template is deployed to; with
// outer scope they return the parent template's" (ARM docs, "Scope functions for ARM
// templates"). resourceId() without a group uses resourceGroup().

const POLICY: &str = r#"
[approved]
images = ["/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*"]
[deployment]
subscription_id = "00000000-0000-0000-0000-000000000000"
"#;

/// A template whose nested deployment (evaluated in `scope`, deploying to resource group
/// `target`) holds a VM whose image ID is built with resourceId() in the deploying group.
fn nested_to_group(scope: &str, target: &str) -> String {
    template(
        "",
        "",
        &format!(
            r#"
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "nested",
      "resourceGroup": "{target}",
      "properties": {{
        "mode": "Incremental",
        "expressionEvaluationOptions": {{ "scope": "{scope}" }},
        "template": {{
          "$schema": "{SCHEMA}",
          "contentVersion": "1.0.0.0",
          "resources": [{}]
        }}
      }}
    }}"#,
            vm(
                "vm",
                r#"{ "id": "[resourceId('Microsoft.Compute/galleries/images/versions', 'corpGallery', 'ubuntu', '1.0.0')]" }"#,
                "",
            )
        ),
    )
}

fn with_group(repo: &Repo, group: &str) {
    repo.write(
        "imagegate.toml",
        format!("{POLICY}resource_group = \"{group}\"\n"),
    );
}

#[test]
fn an_inner_scope_deployment_to_another_group_judges_ids_in_that_group() {
    // Deploying from rg-golden into rg-other: the image is in rg-other, not approved.
    let repo = Repo::new();
    with_group(&repo, "rg-golden");
    repo.write("azuredeploy.json", nested_to_group("inner", "rg-other"));
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert!(
        messages(&report)[0].contains("/resourceGroups/rg-other/"),
        "{report:#}"
    );
    // Deploying from rg-app into rg-golden: approved, where resolving in the deploying group
    // gave a wrong IG001.
    let repo = Repo::new();
    with_group(&repo, "rg-app");
    repo.write("azuredeploy.json", nested_to_group("inner", "rg-golden"));
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
}

#[test]
fn an_outer_scope_deployment_resolves_in_the_parent_group() {
    let repo = Repo::new();
    with_group(&repo, "rg-golden");
    repo.write("azuredeploy.json", nested_to_group("outer", "rg-other"));
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
}

#[test]
fn a_target_group_not_known_offline_leaves_the_group_unknown() {
    let repo = Repo::new();
    with_group(&repo, "rg-golden");
    repo.write(
        "azuredeploy.json",
        nested_to_group("inner", "[parameters('group')]").replace(
            r#""parameters": {}"#,
            r#""parameters": { "group": { "type": "string" } }"#,
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG002"], "{report:#}");
    assert!(
        messages(&report)[0].contains("parameter 'group' has no default"),
        "{report:#}"
    );
}

// ----- parameter semantics as ARM applies them ------------------------------------------------

/// A languageVersion 2.0 template (as Bicep and Azure Verified Modules compile) whose VM image
/// is `image`, with `parameters` declared.
fn template_v2(parameters: &str, image: &str) -> String {
    format!(
        r#"{{
  "$schema": "{SCHEMA}",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "parameters": {{{parameters}}},
  "resources": {{
    "vm": {{
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm",
      "properties": {{ "storageProfile": {{ "imageReference": {image} }} }}
    }}
  }}
}}
"#
    )
}

#[test]
fn a_nullable_parameter_left_unset_is_null() {
    // "nullable: the parameter is optional; when it is not provided its value is null"
    // (ARM docs, "Parameters in ARM templates", languageVersion 2.0). The coalesce falls
    // through to the literal, as Azure Verified Modules write it.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template_v2(
            r#""imageOverride": { "type": "object", "nullable": true }"#,
            &format!(
                r#""[coalesce(tryGet(parameters('imageOverride'), 'imageReference'), createObject('id', '{GOLDEN_VERSION}'))]""#
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
    // The literal decides, so a Marketplace literal is IG001, not a vague IG002.
    repo.write(
        "azuredeploy.json",
        template_v2(
            r#""imageOverride": { "type": "object", "nullable": true }"#,
            r#""[coalesce(tryGet(parameters('imageOverride'), 'imageReference'), createObject('publisher', 'Canonical', 'offer', 'ubuntu', 'sku', '22_04', 'version', 'latest'))]""#,
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
}

#[test]
fn an_image_left_null_by_an_unset_optional_parameter_is_unresolved() {
    // The Azure Verified Modules VM module declares `imageReference` optional (a VM can boot
    // from an attached disk instead): left unset, the image is null, which is not "no image"
    // but one nobody has chosen yet — said, not passed.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template_v2(
            r#""imageReference": { "type": "object", "nullable": true }"#,
            r#""[parameters('imageReference')]""#,
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG002"], "{report:#}");
    assert!(
        messages(&report)[0].contains("parameter 'imageReference' is optional"),
        "{report:#}"
    );
    assert_eq!(statuses(&report), ["unresolved"]);
}

#[test]
fn an_unresolved_image_blames_the_parameter_that_decides_it() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template_v2(
            r#""imageOverride": { "type": "object", "nullable": true }, "imageId": { "type": "string" }"#,
            r#""[coalesce(tryGet(parameters('imageOverride'), 'imageReference'), createObject('id', parameters('imageId')))]""#,
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG002"], "{report:#}");
    let message = &messages(&report)[0];
    assert!(
        message.contains("parameter 'imageId' has no default"),
        "{message}"
    );
    assert!(!message.contains("imageOverride"), "{message}");
}

#[test]
fn a_null_value_means_the_default() {
    // A parameter file (or a caller) that passes null leaves the parameter to its default.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            &format!(r#""imageId": {{ "type": "string", "defaultValue": "{GOLDEN_VERSION}" }}"#),
            "",
            &vm("vm", r#"{ "id": "[parameters('imageId')]" }"#, ""),
        ),
    );
    repo.write(
        "azuredeploy.parameters.json",
        r#"{ "parameters": { "imageId": { "value": null } } }"#,
    );
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
}

#[test]
fn a_parameter_file_in_the_bare_form_is_a_parameter_file() {
    // `az deployment group create --parameters @file.json` accepts `{"name": {"value": …}}`
    // without the `parameters` wrapper.
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            r#""imageId": { "type": "string" }"#,
            "",
            &vm("vm", r#"{ "id": "[parameters('imageId')]" }"#, ""),
        ),
    );
    repo.write(
        "azuredeploy.parameters.json",
        r#"{ "imageId": { "value": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/legacy" } }"#,
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert_eq!(
        report["findings"][0]["path"], "azuredeploy.parameters.json",
        "{report:#}"
    );
}

#[test]
fn a_linked_template_with_its_own_parameter_file_is_judged_in_that_context_too() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            "",
            "",
            &format!(
                r#"
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "vm",
      "properties": {{
        "mode": "Incremental",
        "templateLink": {{ "relativePath": "nested/vm.json" }},
        "parameters": {{ "imageId": {{ "value": "{GOLDEN_VERSION}" }} }}
      }}
    }}"#
            ),
        ),
    );
    repo.write(
        "nested/vm.json",
        template(
            r#""imageId": { "type": "string" }"#,
            "",
            &vm("vm", r#"{ "id": "[parameters('imageId')]" }"#, ""),
        ),
    );
    // Through its caller the image is golden: nothing to report.
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
    // Its own parameter file deploys it with another image.
    repo.write(
        "nested/vm.parameters.json",
        r#"{ "parameters": { "imageId": { "value": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/legacy" } } }"#,
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert_eq!(report["findings"][0]["path"], "nested/vm.parameters.json");
    assert_eq!(statuses(&report), ["compliant", "noncompliant"]);
}

// ----- what cannot be seen is IG002, never silence ----------------------------------------------
// A deployment deploys whatever its template declares; when that template (or its parameters)
// cannot be read offline, the images it deploys are unknown, and that is said on the
// deployment (ARM docs, "Linked and nested templates", "Template specs").

fn deployment(name: &str, properties: &str) -> String {
    format!(
        r#"
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "{name}",
      "properties": {{ "mode": "Incremental", {properties} }}
    }}"#
    )
}

fn unseen_case(properties: &str, parameters: &str) -> (Vec<String>, Vec<String>, Value) {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(parameters, "", &deployment("vms", properties)),
    );
    let report = check_json(&repo, &[]);
    (rules(&report), messages(&report), report)
}

#[test]
fn a_template_linked_by_a_remote_uri_is_unresolved() {
    let (rules, messages, report) = unseen_case(
        r#""templateLink": { "uri": "https://raw.githubusercontent.com/contoso/infra/main/vm.json" }"#,
        "",
    );
    assert_eq!(rules, ["IG002"], "{report:#}");
    assert!(
        messages[0].contains("deployments 'vms'")
            && messages[0].contains("https://raw.githubusercontent.com/contoso/infra/main/vm.json")
            && messages[0].contains("[links]"),
        "{}",
        messages[0]
    );
    assert_eq!(statuses(&report), ["unresolved"]);
}

#[test]
fn a_template_spec_is_unresolved() {
    let (rules, messages, report) = unseen_case(
        r#""templateLink": { "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Resources/templateSpecs/vm/versions/1.0" }"#,
        "",
    );
    assert_eq!(rules, ["IG002"], "{report:#}");
    assert!(messages[0].contains("template spec"), "{}", messages[0]);
}

#[test]
fn parameters_linked_by_uri_are_unresolved() {
    let (rules, messages, report) = unseen_case(
        r#""template": { "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [] },
        "parametersLink": { "uri": "https://example.com/vm.parameters.json" }"#,
        "",
    );
    assert_eq!(rules, ["IG002"], "{report:#}");
    assert!(messages[0].contains("parametersLink"), "{}", messages[0]);
}

#[test]
fn a_template_given_as_an_expression_is_unresolved() {
    let (rules, messages, report) = unseen_case(
        r#""template": "[json(parameters('templateText'))]""#,
        r#""templateText": { "type": "string" }"#,
    );
    assert_eq!(rules, ["IG002"], "{report:#}");
    assert!(messages[0].contains("expression"), "{}", messages[0]);
}

#[test]
fn a_relative_path_not_known_offline_blames_what_it_depends_on() {
    let (rules, messages, report) = unseen_case(
        r#""templateLink": { "relativePath": "[parameters('module')]" }"#,
        r#""module": { "type": "string" }"#,
    );
    assert_eq!(rules, ["IG002"], "{report:#}");
    assert!(
        messages[0].contains("parameter 'module' has no default"),
        "{}",
        messages[0]
    );
}

#[test]
fn a_readable_local_link_is_followed_not_reported() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            "",
            "",
            &deployment(
                "vms",
                r#""templateLink": { "relativePath": "nested/vm.json" }"#,
            ),
        ),
    );
    repo.write("nested/vm.json", golden_vm("vm"));
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
}

// ----- [links]: remote templates that live in the repository too ------------------------------

#[test]
fn a_mapped_uri_is_followed_to_the_local_template() {
    let repo = Repo::new();
    repo.write(
        "imagegate.toml",
        "[links]\n\"https://raw.githubusercontent.com/contoso/infra/main/\" = \".\"\n",
    );
    repo.write(
        "azuredeploy.json",
        template(
            r#""_artifactsLocationSasToken": { "type": "securestring" }"#,
            "",
            &deployment(
                "vms",
                r#""templateLink": { "uri": "[concat('https://raw.githubusercontent.com/contoso/infra/main/nested/vm.json?', parameters('_artifactsLocationSasToken'))]" }"#,
            ),
        ),
    );
    repo.write("nested/vm.json", marketplace_vm("vm"));
    let report = check_json(&repo, &[]);
    // The linked VM is judged through its caller (not IG002 on the deployment).
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert_eq!(
        report["findings"][0]["path"], "nested/vm.json",
        "{report:#}"
    );
}

#[test]
fn a_mapped_template_spec_is_followed_and_an_unmapped_one_is_not() {
    let spec = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-specs/providers/Microsoft.Resources/templateSpecs/vm/versions/1.0";
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            "",
            "",
            &deployment("vms", &format!(r#""templateLink": {{ "id": "{spec}" }}"#)),
        ),
    );
    repo.write("specs/vm.json", golden_vm("vm"));
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG002"], "{report:#}");
    repo.write(
        "imagegate.toml",
        format!("[links]\n\"{spec}\" = \"specs/vm.json\"\n"),
    );
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
}

#[test]
fn a_mapping_never_leads_outside_the_scanned_roots() {
    let outside = Repo::new();
    outside.write("vm.json", marketplace_vm("outside"));
    let repo = Repo::new();
    repo.write(
        "imagegate.toml",
        format!(
            "[links]\n\"https://example.com/\" = \"{}\"\n",
            outside.path().display()
        ),
    );
    repo.write(
        "azuredeploy.json",
        template(
            "",
            "",
            &deployment(
                "vms",
                r#""templateLink": { "uri": "https://example.com/vm.json" }"#,
            ),
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG002"], "{report:#}");
    assert!(
        messages(&report)[0].contains("outside the scanned roots"),
        "{report:#}"
    );
}

// ----- a run that judged nothing says so ------------------------------------------------------

#[test]
fn a_run_that_judged_nothing_says_so_plainly() {
    // A folder of JSON that is no template, a Bicep file that deploys no image, and an
    // --include that matches nothing: no "100% compliant" over nothing.
    let repo = Repo::new();
    repo.write("package.json", r#"{ "name": "web", "version": "1.0.0" }"#);
    let human = repo.imagegate(&["check"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(
        stdout.contains(
            "Nothing was judged: no ARM template, Bicep file, Terraform configuration or plan"
        ),
        "{stdout}"
    );
    repo.write(
        "main.bicep",
        "param location string = resourceGroup().location\n",
    );
    let human = repo.imagegate(&["check"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(
        stdout.contains("Nothing was judged: no image-bearing resource in 1 template"),
        "{stdout}"
    );
    assert!(!stdout.contains("100% compliant"), "{stdout}");
    let report = check_json(&repo, &[]);
    assert_eq!(
        report["summary"]["compliance_percent"],
        Value::Null,
        "{report:#}"
    );
    repo.write("azuredeploy.json", golden_vm("vm"));
    let nothing = repo
        .imagegate(&["check", "--include", "**/*.jsonc"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&nothing.stdout);
    assert!(stdout.contains("Nothing was judged"), "{stdout}");
    // Something judged: the percentage is back.
    let report = check_json(&repo, &[]);
    assert_eq!(report["summary"]["compliance_percent"], 100.0, "{report:#}");
}

#[test]
fn the_summary_counts_every_resource_entry() {
    // A one-line template declaring the same VM 50 times (alike in name, image and line) used to
    // read "Judged 1 resource": the report deduplicated the entries. Each declaration is a
    // resource, and 1 unapproved among them is not 100 % compliant.
    let golden = vm("vm", &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#), "");
    let mut vms = vec![golden.replace('\n', " "); 50];
    vms.push(vm("bad", MARKETPLACE, "").replace('\n', " "));
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template("", "", &vms.join(",")).replace('\n', " "),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(report["summary"]["resources_judged"], 51, "{report:#}");
    assert_eq!(report["summary"]["compliant"], 50, "{report:#}");
    assert_eq!(report["summary"]["compliance_percent"], 98.0, "{report:#}");
    let human = repo.imagegate(&["check"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(stdout.contains("51 resources"), "{stdout}");
}

#[test]
fn a_template_carried_by_a_variable_is_followed() {
    // Bicep compiles `loadJsonContent('vm.json')` used as a module into a variable holding the
    // template, its expressions escaped once (`[[…]`), and a deployment whose template is
    // `[variables('$fxv#0')]`: the deployed template is that object.
    let carried = |image: &str| {
        format!(
            r#""$fxv#0": {{
        "$schema": "{SCHEMA}",
        "contentVersion": "1.0.0.0",
        "parameters": {{ "image": {{ "type": "string" }} }},
        "resources": [
          {{ "type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-03-01", "name": "vm",
             "properties": {{ "storageProfile": {{ "imageReference": {{ "id": "[[parameters('image')]" }} }} }} }}
        ]
      }}, "image": "{image}""#
        )
    };
    let deploy = deployment(
        "vm",
        r#""expressionEvaluationOptions": { "scope": "inner" },
        "template": "[variables('$fxv#0')]",
        "parameters": { "image": { "value": "[variables('image')]" } }"#,
    );
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        template(
            "",
            &carried(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/legacy",
            ),
            &deploy,
        ),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    repo.write(
        "azuredeploy.json",
        template("", &carried(GOLDEN_VERSION), &deploy),
    );
    let report = check_json(&repo, &[]);
    assert!(rules(&report).is_empty(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
    // A variable whose expressions are not escaped is evaluated where it stands: not followed.
    repo.write(
        "azuredeploy.json",
        template("", &carried(GOLDEN_VERSION).replace("[[", "["), &deploy),
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), ["IG002"], "{report:#}");
}

// ----- budgets never approve ------------------------------------------------------------------

#[test]
fn resources_beyond_the_template_budget_are_said_not_judged() {
    // 21 declarations of 10 golden VMs each, at a budget of 200 resources (production: of 1,000
    // each against 20,000): the first 200 resources are judged, and the rest is an IG002 on
    // the first declaration not judged, not silence.
    let limits = imagegate::workspace::Limits {
        max_resources: 200,
        ..Default::default()
    };
    let vms: Vec<String> = (0..21)
        .map(|d| {
            vm(
                &format!("[concat('vm{d}-', copyIndex())]"),
                &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#),
                &format!(r#" "copy": {{ "name": "loop{d}", "count": 10 }},"#),
            )
        })
        .collect();
    let repo = Repo::new();
    repo.write("azuredeploy.json", template("", "", &vms.join(",")));
    let report = check_with_limits(repo.path(), limits);
    assert_eq!(rules(&report), ["IG002"], "{:#}", report["findings"]);
    assert!(
        messages(&report)[0].contains("only the first 200 resources of the file are judged"),
        "{}",
        messages(&report)[0]
    );
}

#[test]
fn a_link_beyond_the_limit_leaves_its_template_judged_on_its_own() {
    // One template links 65 files; 64 are followed. The 65th is an IG002 on its deployment,
    // and the file itself is still judged on its own (it was dropped as "linked").
    let links: Vec<String> = (0..65)
        .map(|i| {
            deployment(
                &format!("d{i:02}"),
                &format!(r#""templateLink": {{ "relativePath": "nested/vm{i:02}.json" }}"#),
            )
        })
        .collect();
    let repo = Repo::new();
    repo.write("azuredeploy.json", template("", "", &links.join(",")));
    for i in 0..65 {
        repo.write(&format!("nested/vm{i:02}.json"), marketplace_vm("vm"));
    }
    let report = check_json(&repo, &[]);
    let rules = rules(&report);
    assert_eq!(
        rules.iter().filter(|r| *r == "IG002").count(),
        1,
        "{rules:?}"
    );
    assert_eq!(
        rules.iter().filter(|r| *r == "IG001").count(),
        65,
        "{rules:?}"
    );
    assert!(
        messages(&report)
            .iter()
            .any(|m| m.contains("beyond the limit of 64 linked templates")),
        "{:#}",
        report["findings"]
    );
}
