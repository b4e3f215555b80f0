//! Containers of templates (#24, item 5): a resource that deploys a template, or publishes one
//! to be deployed later, is judged like a nested deployment — or IG002 — never passed unseen.
//!
//! * A deployment stack deploys its `template` (or `templateLink`) with its `parameters`, as a
//!   deployment does: <https://learn.microsoft.com/azure/templates/microsoft.resources/deploymentstacks>.
//! * A template spec version publishes `mainTemplate` (with the `linkedTemplates` its
//!   `relativePath` links name), deployed later with parameters not known here: judged as a
//!   template on its own is:
//!   <https://learn.microsoft.com/azure/templates/microsoft.resources/templatespecs/versions>.
//! * A managed application definition publishes `mainTemplate`, or a package at
//!   `packageFileUri` (a zip imagegate does not read):
//!   <https://learn.microsoft.com/azure/templates/microsoft.solutions/applicationdefinitions>;
//!   an application deploys its definition's template with its `parameters`:
//!   <https://learn.microsoft.com/azure/templates/microsoft.solutions/applications>.
//!
//! A template held as a property value (every container but a deployment) is evaluated by the
//! template that declares it before it is deployed: its own expressions are escaped (`[[x]`, as
//! the template spec quickstart writes them), and one that is not (`[x]`) is the holder's.

use std::path::Path;

use crate::common::*;
use serde_json::Value;

/// The fixture folder `testdata/containers/<name>` copied into a repository (with
/// `extra` files written beside), and its report.
fn fixture(name: &str, extra: &[(&str, &str)]) -> Value {
    let repo = Repo::new();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/containers");
    copy_tree(&from.join(name), repo.path());
    for (path, text) in extra {
        repo.write(path, text);
    }
    check_json(&repo, &["."])
}

/// A report of the one template `text`.
fn check(text: &str) -> Value {
    let repo = Repo::new();
    repo.write("azuredeploy.json", text);
    check_json(&repo, &["."])
}

fn at(rule: &str, path: &str, line: u64) -> (String, String, u64) {
    (rule.to_owned(), path.to_owned(), line)
}

/// Each resource entry's type (last segment), name and status, in order.
fn entries(report: &Value) -> Vec<(String, String, String)> {
    report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            let ty = r["type"].as_str().unwrap_or_default();
            (
                ty.rsplit('/').next().unwrap_or_default().to_owned(),
                r["name"].as_str().unwrap_or_default().to_owned(),
                r["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn entry(ty: &str, name: &str, status: &str) -> (String, String, String) {
    (ty.to_owned(), name.to_owned(), status.to_owned())
}

#[test]
fn a_deployment_stack_deploys_its_template_as_a_deployment_does() {
    // Inline (its own expressions escaped, the image passed in `parameters`), and linked by
    // `templateLink.relativePath` with a parameter the stack passes: both used to be passed
    // unseen (the linked template judged alone, its image an unset parameter: IG002).
    let report = fixture("stack/fires", &[]);
    assert_eq!(
        located(&report),
        [
            at("IG001", "azuredeploy.json", 7),
            at("IG001", "azuredeploy.json", 61)
        ],
        "{report:#}"
    );
    assert!(
        finding_messages(&report)[0].contains("parameter 'image' ← parameter 'agentImage'"),
        "{report:#}"
    );
    let report = fixture("stack/passes", &[]);
    assert_eq!(located(&report), [], "{report:#}");
    assert_eq!(
        entries(&report),
        [
            entry("virtualMachines", "agent-01", "compliant"),
            entry("virtualMachines", "jump-01", "compliant")
        ]
    );
    // In Bicep: `template: loadJsonContent('agents.json')` with the stack's parameters.
    let report = fixture("stack/bicep", &[]);
    assert_eq!(
        located(&report),
        [at("IG001", "main.bicep", 4)],
        "{report:#}"
    );
}

#[test]
fn an_expression_the_holding_template_evaluates_is_not_taken_for_the_stacks_own() {
    // `[parameters('image')]` not escaped is the declaring template's parameter (evaluated
    // before the stack deploys its template): unknown here, never the stack template's own
    // parameter (whose default is golden).
    let stack = |image: &str| {
        arm_template(
            r#""image": { "type": "object", "defaultValue": { "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" } }"#,
            "",
            &format!(
                r#"{{
      "type": "Microsoft.Resources/deploymentStacks",
      "apiVersion": "2024-03-01",
      "name": "agents",
      "properties": {{
        "actionOnUnmanage": {{ "resources": "delete" }},
        "denySettings": {{ "mode": "none" }},
        "template": {{
          "$schema": "{SCHEMA}",
          "contentVersion": "1.0.0.0",
          "parameters": {{ "image": {{ "type": "object", "defaultValue": {{ "id": "{GOLDEN_VERSION}" }} }} }},
          "resources": [ {vm} ]
        }}
      }}
    }}"#,
                vm = arm_vm("agent", image, "")
            ),
        )
    };
    let report = check(&stack(r#""[parameters('image')]""#));
    assert_eq!(finding_rules(&report), ["IG002"], "{report:#}");
    assert!(
        finding_messages(&report)[0].contains("an expression of the template that holds this one"),
        "{report:#}"
    );
    // Escaped, it is the stack template's own parameter, at its default.
    let report = check(&stack(r#""[[parameters('image')]""#));
    assert_eq!(finding_rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(resource_statuses(&report), ["compliant"]);
}

#[test]
fn a_template_spec_version_is_judged_as_its_template_on_its_own() {
    // `mainTemplate` with no parameters given: an image parameter without a default is
    // unknown (IG002). Its relative links name its `linkedTemplates` (followed two deep, each
    // path relative to the linking template's), never the files beside the declaring
    // template: `artifacts/cache.json` exists on disk (golden) but is not published with the
    // version (IG002).
    let report = fixture("spec/fires", &[]);
    assert_eq!(
        located(&report),
        [
            at("IG002", "azuredeploy.json", 45),
            at("IG002", "azuredeploy.json", 65),
            at("IG001", "azuredeploy.json", 103),
        ],
        "{report:#}"
    );
    let messages = finding_messages(&report);
    assert!(
        messages[0].contains("parameter 'frontEndImage' has no default"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("`artifacts/cache.json`, which names no template published with it"),
        "{messages:?}"
    );
    assert!(
        messages[2].starts_with("Marketplace image Canonical:"),
        "{messages:?}"
    );
    let report = fixture("spec/passes", &[]);
    assert_eq!(located(&report), [], "{report:#}");
    assert_eq!(
        entries(&report),
        [
            entry("virtualMachines", "web-01", "compliant"),
            entry("virtualMachineScaleSets", "workers", "compliant")
        ]
    );
}

#[test]
fn a_template_spec_version_in_bicep_is_followed_or_unresolved() {
    // `loadJsonContent('web.json')` is that file, judged through the version; a template
    // written inline in Bicep is not lowered: IG002, where nothing was said before.
    let report = fixture("spec/bicep", &[]);
    assert_eq!(
        located(&report),
        [at("IG002", "main.bicep", 27)],
        "{report:#}"
    );
    assert_eq!(
        entries(&report),
        [
            entry("versions", "web-tier/2.0.0-preview", "unresolved"),
            entry("virtualMachines", "web-01", "compliant")
        ]
    );
}

#[test]
fn linked_templates_that_link_each_other_are_bounded() {
    // A published template that links itself: lowered once, the link back is IG002, and the
    // run ends.
    let text = arm_template(
        "",
        "",
        &format!(
            r#"{{
      "type": "Microsoft.Resources/templateSpecs/versions",
      "apiVersion": "2022-02-01",
      "name": "loop/1.0",
      "properties": {{
        "mainTemplate": {{
          "$schema": "{SCHEMA}",
          "resources": [ {{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "a",
            "properties": {{ "templateLink": {{ "relativePath": "a.json" }} }} }} ]
        }},
        "linkedTemplates": [
          {{ "path": "a.json", "template": {{ "$schema": "{SCHEMA}", "resources": [
            {{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "again",
              "properties": {{ "templateLink": {{ "relativePath": "./a.json" }} }} }},
            {vm} ] }} }}
        ]
      }}
    }}"#,
            vm = arm_vm("vm", &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#), "")
        ),
    );
    let report = check(&text);
    assert_eq!(finding_rules(&report), ["IG002"], "{report:#}");
    assert!(
        finding_messages(&report)[0].contains("nested deeper than 16 deployments"),
        "{report:#}"
    );
    assert!(resource_statuses(&report).contains(&"compliant".to_owned()));
}

#[test]
fn a_managed_application_deploys_its_definitions_template_with_its_parameters() {
    // The definition is published for any application: judged with no parameters, its
    // image is an unset parameter (IG002); the application passes a Marketplace image
    // (IG001). Both used to be passed unseen.
    let report = fixture("managed-app/fires", &[]);
    assert_eq!(
        located(&report),
        [
            at("IG001", "azuredeploy.json", 11),
            at("IG002", "azuredeploy.json", 47)
        ],
        "{report:#}"
    );
    let report = fixture("managed-app/passes", &[]);
    assert_eq!(located(&report), [], "{report:#}");
    assert_eq!(
        entries(&report),
        [
            entry("virtualMachines", "agent-01", "compliant"),
            entry("virtualMachines", "agent-01", "compliant")
        ]
    );
    // In Bicep: `mainTemplate: loadJsonContent('agents.json')` and
    // `applicationDefinitionId: definition.id`.
    let report = fixture("managed-app/bicep", &[]);
    assert_eq!(
        located(&report),
        [at("IG001", "main.bicep", 8)],
        "{report:#}"
    );
}

#[test]
fn an_application_of_a_definition_in_the_same_template_does_not_repeat_its_findings() {
    // A definition whose template hard-codes a Marketplace image, and an application of it:
    // one problem, one finding (the image literal), naming both deployments of the template.
    let definition = format!(
        r#"{{
      "type": "Microsoft.Solutions/applicationDefinitions",
      "apiVersion": "2021-07-01",
      "name": "agents-definition",
      "location": "westeurope",
      "properties": {{
        "lockLevel": "ReadOnly",
        "mainTemplate": {{ "$schema": "{SCHEMA}", "resources": [ {vm} ] }}
      }}
    }},
    {{
      "type": "Microsoft.Solutions/applications",
      "apiVersion": "2021-07-01",
      "name": "agents",
      "location": "westeurope",
      "kind": "ServiceCatalog",
      "properties": {{
        "managedResourceGroupId": "[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'agents-managed')]",
        "applicationDefinitionId": "[resourceId('Microsoft.Solutions/applicationDefinitions', 'agents-definition')]"
      }}
    }}"#,
        vm = arm_vm(
            "agent",
            r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#,
            ""
        )
    );
    let report = check(&arm_template("", "", &definition));
    assert_eq!(finding_rules(&report), ["IG001"], "{report:#}");
    let message = &finding_messages(&report)[0];
    assert!(message.ends_with("(deployed 2 times)"), "{message}");
    assert_eq!(resource_statuses(&report), ["noncompliant", "noncompliant"]);
}

#[test]
fn a_package_is_unresolved_unless_links_map_it() {
    // `packageFileUri` is a zip: IG002, one finding for the definition and its application
    // (they deploy the same package).
    let report = fixture("managed-app/package", &[]);
    let findings: Vec<_> = located(&report)
        .into_iter()
        .filter(|(_, path, _)| path == "azuredeploy.json")
        .collect();
    assert_eq!(
        findings,
        [at("IG002", "azuredeploy.json", 24)],
        "{report:#}"
    );
    let message = finding_messages(&report)[0].clone();
    assert!(
        message.contains("(packageFileUri), a zip file imagegate does not read")
            && message.ends_with(
                "(for 2 resources: applicationDefinitions 'build-agents-definition', applications 'build-agents')"
            ),
        "{message}"
    );
    // Mapped in [links] to the package's main template, it is followed for both.
    let report = fixture(
        "managed-app/package",
        &[(
            "imagegate.toml",
            "[links]\n\"https://stcorpartifacts.blob.core.windows.net/packages/build-agents.zip\" = \"package/mainTemplate.json\"\n",
        )],
    );
    assert_eq!(
        located(&report),
        [at("IG001", "package/mainTemplate.json", 7)],
        "{report:#}"
    );
    assert!(finding_messages(&report)[0].ends_with("(deployed 2 times)"));
}

#[test]
fn a_definition_with_both_a_template_and_a_package_is_unresolved() {
    // Which one Azure deploys is not decided offline: neither is taken for it.
    let text = arm_template(
        "",
        "",
        &format!(
            r#"{{
      "type": "Microsoft.Solutions/applicationDefinitions",
      "apiVersion": "2021-07-01",
      "name": "agents-definition",
      "location": "westeurope",
      "properties": {{
        "lockLevel": "ReadOnly",
        "packageFileUri": "https://example.com/packages/agents.zip",
        "mainTemplate": {{ "$schema": "{SCHEMA}", "resources": [ {vm} ] }}
      }}
    }}"#,
            vm = arm_vm("agent", &format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#), "")
        ),
    );
    let report = check(&text);
    assert_eq!(finding_rules(&report), ["IG002"], "{report:#}");
    assert!(
        finding_messages(&report)[0].contains("both an inline template (mainTemplate)"),
        "{report:#}"
    );
}

#[test]
fn an_application_of_a_definition_elsewhere_is_unresolved() {
    // A definition in another resource group, though one of the same name is declared here
    // (its template deploys nothing), and a Marketplace application: neither template is
    // seen.
    let report = fixture("managed-app/elsewhere", &[]);
    assert_eq!(
        located(&report),
        [
            at("IG002", "azuredeploy.json", 38),
            at("IG002", "azuredeploy.json", 47)
        ],
        "{report:#}"
    );
    let messages = finding_messages(&report);
    assert!(
        messages[0].contains(
            "of the definition `/subscriptions/<unknown>/resourceGroups/rg-service-catalog/"
        ),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("from the Marketplace plan `contoso:contoso-firewall:standard`"),
        "{messages:?}"
    );
}

#[test]
fn a_damaged_bicep_container_is_unresolved() {
    // A syntax error inside a deployment stack's declaration: what it deploys is unknown.
    let repo = Repo::new();
    repo.write(
        "main.bicep",
        "resource agents 'Microsoft.Resources/deploymentStacks@2024-03-01' = {\n  name: 'agents'\n  properties: {\n    template: loadJsonContent('agents.json') ) ]\n    parameters: {}\n  }\n}\n",
    );
    let report = check_json(&repo, &["."]);
    assert_eq!(
        located(&report),
        [at("IG002", "main.bicep", 1), at("IG000", "main.bicep", 4)],
        "{report:#}"
    );
}

/// The `(rule, host)` of each finding of a plan's report: the resource it is about, or the
/// Terraform resource whose embedded template or parameters it is in.
fn plan_findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let message = f["message"].as_str().unwrap_or_default();
            let host = match message.rsplit_once(" of ") {
                Some((_, tail)) if message.contains("(in the ") => {
                    tail.split(',').next().unwrap_or_default().to_owned()
                }
                _ => f["resource"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            };
            (f["rule"].as_str().unwrap_or_default().to_owned(), host)
        })
        .collect()
}

#[test]
fn containers_in_a_terraform_plan_are_judged_too() {
    // azurerm deployment stacks (`template_content`, each of `parameters_content` written
    // bare), a stack or template deployment of a template spec version (not in the plan),
    // azapi stacks, template spec versions, managed application definitions (inline or a
    // package) and applications, azurerm managed application definitions and applications.
    // <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/resource_group_deployment_stack>,
    // <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/managed_application_definition>,
    // <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/managed_application>.
    let repo = Repo::new();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/containers/tfplan");
    copy_tree(&from, repo.path());
    let report = check_json(&repo, &["fires.json"]);
    let pair = |rule: &str, host: &str| (rule.to_owned(), host.to_owned());
    assert_eq!(
        plan_findings(&report),
        [
            pair("IG001", "azurerm_resource_group_deployment_stack.agents"),
            pair("IG001", "azurerm_subscription_deployment_stack.jump"),
            pair("IG002", "azurerm_resource_group_deployment_stack.from_spec"),
            pair(
                "IG002",
                "azurerm_resource_group_template_deployment.from_spec"
            ),
            pair("IG001", "azapi_resource.stack"),
            pair("IG002", "azapi_resource.spec_version"),
            pair("IG001", "azapi_resource.definition"),
            pair("IG002", "azapi_resource.package"),
            pair("IG002", "azapi_resource.application"),
            pair("IG001", "azurerm_managed_application_definition.agents"),
            pair("IG002", "azurerm_managed_application.agents"),
        ],
        "{report:#}"
    );
    let messages = finding_messages(&report);
    assert!(
        messages[0].contains("parameter 'image' (in the parameters in `parameters_content`"),
        "{messages:#?}"
    );
    assert!(
        messages[2].contains("it deploys the template spec `/subscriptions/"),
        "{messages:#?}"
    );
    let report = check_json(&repo, &["passes.json"]);
    assert_eq!(finding_rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(
        resource_statuses(&report),
        ["compliant", "compliant", "compliant", "compliant"]
    );
}
