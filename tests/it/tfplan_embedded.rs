//! ARM templates embedded in Terraform: `azurerm_resource_group_template_deployment` and its
//! subscription / management group / tenant siblings (`template_content` with
//! `parameters_content`), and `azapi_resource` of type `Microsoft.Resources/deployments`
//! (`body.properties.template` with `body.properties.parameters`). The embedded template is
//! judged by the ARM frontend with those parameters; every finding points at the attribute
//! that holds the template (in the plan, or in the `.tf` source when the plan is mapped to
//! it) and says where in the template it is.
//!
//! Attributes from the azurerm provider documentation
//! (<https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/resource_group_template_deployment>:
//! `template_content`, `parameters_content` "the contents of the ARM Template parameters
//! file") and the ARM deployment REST API
//! (<https://learn.microsoft.com/rest/api/resources/deployments/create-or-update>:
//! `properties.template`, `properties.parameters`, `{"name": {"value": …}}`).

use crate::common::*;
use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
const FIXTURE: &str = "testdata/tfplan/embedded-1.2.json";

fn report() -> Value {
    let out = crate::common::Command::new()
        .current_dir(MANIFEST)
        .args(["check", "--format", "json", "--exit-zero", FIXTURE])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn plan_text() -> String {
    std::fs::read_to_string(format!("{MANIFEST}/{FIXTURE}")).expect("fixture")
}

/// The findings whose message names the host resource `address`.
fn from<'a>(report: &'a Value, address: &str) -> Vec<&'a Value> {
    let tail = format!(" of {address}, line ");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["resource"]["name"] == address || f["message"].as_str().unwrap().contains(&tail)
        })
        .collect()
}

/// The one finding of host `address`, with its rule checked.
fn one<'a>(report: &'a Value, address: &str, rule: &str) -> &'a Value {
    let found = from(report, address);
    assert_eq!(found.len(), 1, "{address}: {found:#?}");
    assert_eq!(found[0]["rule"], rule, "{address}: {:#?}", found[0]);
    found[0]
}

/// The status of the resource entry named `name`.
fn status(report: &Value, name: &str) -> String {
    let entries: Vec<_> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["name"] == name)
        .collect();
    assert_eq!(entries.len(), 1, "{name}: {entries:#?}");
    assert_eq!(entries[0]["path"], FIXTURE, "{:#?}", entries[0]);
    entries[0]["status"].as_str().unwrap().to_string()
}

/// The 1-based column (one-line plan) of `needle` after the `resource_changes` entry of
/// `address`, plus `skip` bytes.
fn column_in_change(text: &str, address: &str, needle: &str, skip: usize) -> u64 {
    let start = text.find("\"resource_changes\":").expect("changes");
    let entry = start
        + text[start..]
            .find(&format!("{{\"address\":\"{address}\""))
            .unwrap();
    (entry + text[entry..].find(needle).expect("needle") + skip + 1) as u64
}

#[test]
fn a_marketplace_vm_in_template_content_is_ig001_at_the_attribute() {
    let r = report();
    let t = plan_text();
    let host = "azurerm_resource_group_template_deployment.marketplace";
    let f = one(&r, host, "IG001");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains(
            "Marketplace image Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest"
        ),
        "{message}"
    );
    // Line 12 of the embedded template (indented by `json.dumps(indent=2)`) is the
    // `imageReference` object.
    assert!(
        message.ends_with(&format!(
            " (in the ARM template embedded in `template_content` of {host}, line 12)"
        )),
        "{message}"
    );
    assert_eq!(f["path"], FIXTURE);
    assert_eq!(f["line"], 1);
    // The string value of `template_content`, from its opening quote.
    let column = column_in_change(&t, host, "\"template_content\":", 19);
    assert_eq!(f["column"], column, "{f:#}");
    assert_eq!(f["resource"]["type"], "Microsoft.Compute/virtualMachines");
    assert_eq!(status(&r, "vm-marketplace"), "noncompliant");
    // The deployment itself is no longer an IG002 of its own.
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["resource"]["name"] == host),
        "{r:#}"
    );
}

#[test]
fn parameters_content_decides_the_image_golden_is_compliant() {
    let r = report();
    // The template's default is a legacy managed image; `parameters_content` gives the golden
    // gallery version, which is what is deployed.
    assert!(from(&r, "azurerm_resource_group_template_deployment.golden").is_empty());
    assert_eq!(status(&r, "vm-golden"), "compliant");
    assert!(from(&r, "azapi_resource.golden_deployment").is_empty());
    assert_eq!(status(&r, "vm-azapi-golden"), "compliant");
}

#[test]
fn sensitive_parameters_leave_the_image_unknown_not_the_default() {
    let r = report();
    let f = one(
        &r,
        "azurerm_resource_group_template_deployment.hidden_parameters",
        "IG002",
    );
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("parameter 'imageId'"), "{message}");
    assert!(message.contains("sensitive"), "{message}");
    assert_eq!(status(&r, "vm-hidden"), "unresolved");
}

#[test]
fn template_content_unknown_at_plan_time_is_still_ig002() {
    let r = report();
    let f = one(
        &r,
        "azurerm_resource_group_template_deployment.unknown",
        "IG002",
    );
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("`template_content` is known only after apply"),
        "{message}"
    );
}

#[test]
fn a_sensitive_template_content_is_ig002_and_one_that_is_not_json_ig000() {
    let r = report();
    let t = plan_text();
    let f = one(
        &r,
        "azurerm_resource_group_template_deployment.sensitive",
        "IG002",
    );
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("marked sensitive"), "{message}");
    // Azure rejects a template that is not JSON; imagegate says it cannot read it, at the
    // attribute (it was silently skipped before).
    let host = "azurerm_resource_group_template_deployment.not_json";
    let f = one(&r, host, "IG000");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.starts_with("cannot parse ARM template: "),
        "{message}"
    );
    assert!(
        message.ends_with(&format!(
            " (in the ARM template embedded in `template_content` of {host}, line 1)"
        )),
        "{message}"
    );
    let column = column_in_change(&t, host, "\"template_content\":", 19);
    assert_eq!(f["column"], column, "{f:#}");
}

#[test]
fn a_relative_link_from_an_embedded_template_leads_nowhere() {
    let r = report();
    let f = one(
        &r,
        "azurerm_resource_group_template_deployment.linked",
        "IG002",
    );
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("its linked template `nested/vm.json` does not exist"),
        "{message}"
    );
}

#[test]
fn subscription_deployments_and_azapi_deployments_are_judged_too() {
    let r = report();
    let t = plan_text();
    let sub = one(
        &r,
        "azurerm_subscription_template_deployment.subscription",
        "IG001",
    );
    assert_eq!(status(&r, "vm-sub"), "noncompliant");
    assert!(
        sub["message"]
            .as_str()
            .unwrap()
            .contains("Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest")
    );
    let azapi = one(&r, "azapi_resource.deployment", "IG001");
    let message = azapi["message"].as_str().unwrap();
    // The SKU, the one field of the image set outside the template, is set in the
    // deployment's parameters: the finding points at them (#22), the template is related.
    assert!(
        message.contains(
            " (in the parameters in `body.properties.parameters` of azapi_resource.deployment, line 1)"
        ),
        "{message}"
    );
    // At the `parameters` object of the body in the plan (after the template's resources).
    let column = column_in_change(&t, "azapi_resource.deployment", "]},\"parameters\":", 16);
    assert_eq!(azapi["column"], column, "{azapi:#}");
    let template = column_in_change(&t, "azapi_resource.deployment", "\"template\":", 11);
    assert!(
        azapi["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["column"] == template
                && r["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("the image is set here")),
        "{azapi:#}"
    );
    assert_eq!(status(&r, "vm-azapi"), "noncompliant");
}

/// With the `.tf` configuration beside the plan, the finding points at the `template_content`
/// attribute a person edits, and keeps the plan position as a related location.
#[test]
fn with_the_tf_source_the_finding_points_at_the_attribute_there() {
    let repo = Repo::new();
    let template = r#"{
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm-tf",
      "location": "westeurope",
      "properties": {
        "storageProfile": {
          "imageReference": {
            "publisher": "Canonical",
            "offer": "0001-com-ubuntu-server-jammy",
            "sku": "22_04-lts-gen2",
            "version": "latest"
          }
        }
      }
    }
  ]
}"#;
    let after = serde_json::json!({
        "deployment_mode": "Incremental",
        "name": "deploy-vm",
        "resource_group_name": "rg-app",
        "template_content": template,
        "parameters_content": null,
    });
    let plan = format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{{"address":"azurerm_resource_group_template_deployment.vm","mode":"managed","type":"azurerm_resource_group_template_deployment","name":"vm","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{{"id":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}]}}"#
    );
    repo.write("plan.json", &plan);
    let tf = r#"resource "azurerm_resource_group_template_deployment" "vm" {
  name                = "deploy-vm"
  resource_group_name = "rg-app"
  deployment_mode     = "Incremental"
  template_content    = file("${path.module}/vm.json")
}
"#;
    repo.write("main.tf", tf);
    let r = check_json(&repo, &["."]);
    let findings = r["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{r:#}");
    let f = &findings[0];
    assert_eq!(f["rule"], "IG001");
    assert_eq!(f["path"], "main.tf", "{f:#}");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(5), Some(25))
    );
    assert!(
        f["message"].as_str().unwrap().ends_with(
            " (in the ARM template embedded in `template_content` of azurerm_resource_group_template_deployment.vm, line 11)"
        ),
        "{f:#}"
    );
    let in_plan = plan.find("\"template_content\":").unwrap() as u64 + 19 + 1;
    assert!(
        f["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["path"] == "plan.json" && r["column"] == in_plan),
        "{f:#}"
    );
    assert_eq!(r["resources"][0]["path"], "main.tf");
}

/// A link the config maps (`[links]`) is followed from an embedded template: the linked file
/// is judged in the deployment's context, and what is found there points into that file,
/// which a person edits. (The file is also judged on its own: a plan is no linkable caller,
/// so its outcome does not stand aside.)
#[test]
fn a_mapped_link_from_an_embedded_template_is_followed() {
    let repo = Repo::new();
    repo.write(
        "imagegate.toml",
        "[links]\n\"https://raw.githubusercontent.com/contoso/infra/main/\" = \".\"\n",
    );
    repo.write("nested/vm.json", marketplace_vm("vm-linked"));
    let template = r#"{"contentVersion":"1.0.0.0","resources":[{"type":"Microsoft.Resources/deployments","apiVersion":"2022-09-01","name":"nested","properties":{"mode":"Incremental","templateLink":{"uri":"https://raw.githubusercontent.com/contoso/infra/main/nested/vm.json"}}}]}"#;
    let after = serde_json::json!({
        "deployment_mode": "Incremental",
        "name": "deploy-linked",
        "resource_group_name": "rg-app",
        "template_content": template,
        "parameters_content": null,
    });
    repo.write(
        "plan.json",
        format!(
            r#"{{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[{{"address":"azurerm_resource_group_template_deployment.linked","mode":"managed","type":"azurerm_resource_group_template_deployment","name":"linked","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{{"id":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}]}}"#
        ),
    );
    let r = check_json(&repo, &[]);
    let findings = r["findings"].as_array().expect("findings");
    // Judged through the deployment and on its own, the linked VM says the same thing at the
    // same place: one finding.
    assert_eq!(findings.len(), 1, "{r:#}");
    for f in findings {
        assert_eq!(f["rule"], "IG001", "{r:#}");
        assert_eq!(f["path"], "nested/vm.json", "{r:#}");
    }
    // Through the deployment, not an IG002 on it.
    assert!(!r["findings"].to_string().contains("IG002"), "{r:#}");
}
