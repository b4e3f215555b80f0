//! The cheap looks that dismiss files before parsing never dismiss one the full classifier
//! accepts: JSON escapes and letter case do not hide a template or a plan.
//!
//! JSON strings may spell any character with an escape (RFC 8259 §7,
//! <https://www.rfc-editor.org/rfc/rfc8259#section-7>): `\/` for `/` is what PHP's
//! `json_encode` writes by default, and `\uXXXX` what serializers that escape every
//! non-alphanumeric character write. Azure reads the parsed value, so a template spelt that way
//! deploys the same VM. Resource types and property names are case-insensitive in ARM
//! (<https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax>), and the
//! `$schema` URL is read the same way.

use crate::common::*;

/// The rules of the findings in a JSON report, in order.
fn rules(report: &serde_json::Value) -> Vec<String> {
    rules_and_paths(report)
        .into_iter()
        .map(|(r, _)| r)
        .collect()
}

#[test]
fn a_template_with_escaped_slashes_is_judged() {
    let repo = Repo::new();
    // What `json_encode` writes: every `/` as `\/`, the schema URL and the type included.
    repo.write(
        "azuredeploy.json",
        marketplace_vm("vm-php").replace('/', "\\/"),
    );
    assert_eq!(rules(&check_json(&repo, &[])), ["IG001"]);
    repo.imagegate(&["check"]).assert().code(1);
}

#[test]
fn a_template_whose_namespace_is_a_unicode_escape_is_judged() {
    let repo = Repo::new();
    repo.write(
        "azuredeploy.json",
        marketplace_vm("vm-escaped")
            .replace("Microsoft.Compute/", "Microsoft.\\u0043ompute\\u002f"),
    );
    assert_eq!(rules(&check_json(&repo, &[])), ["IG001"]);
}

#[test]
fn a_lower_case_schema_is_a_template() {
    let repo = Repo::new();
    repo.write(
        "lower/azuredeploy.json",
        marketplace_vm("vm-lower").replace("deploymentTemplate.json#", "deploymenttemplate.json#"),
    );
    repo.write(
        "escaped/azuredeploy.json",
        marketplace_vm("vm-escaped-schema")
            .replace("\"$schema\"", "\"\\u0024SCHEMA\"")
            .replace("deploymentTemplate", "\\u0044EPLOYMENT\\u0074emplate"),
    );
    assert_eq!(
        rules_and_paths(&check_json(&repo, &[])),
        [
            ("IG001".to_string(), "escaped/azuredeploy.json".to_string()),
            ("IG001".into(), "lower/azuredeploy.json".into()),
        ]
    );
    // Broken, with a lower-case schema: still claimed, an IG000 rather than skipped.
    repo.write(
        "broken/azuredeploy.json",
        "{\n  \"$Schema\": \"https://schema.management.azure.com/schemas/2019-04-01/DEPLOYMENTTEMPLATE.JSON#\",\n  \"resources\": [\n",
    );
    let report = check_json(&repo, &["broken"]);
    assert_eq!(rules(&report), ["IG000"]);
}

#[test]
fn a_template_naming_no_image_namespace_stays_quiet() {
    let repo = Repo::new();
    // Escapes, but only a storage account: nothing to judge, no finding, not a parse error.
    repo.write(
        "azuredeploy.json",
        format!(
            "{{\"$schema\": \"{}\", \"resources\": [{{\"type\": \"Microsoft.Storage\\/storageAccounts\", \"name\": \"s\\u0061\"}}]}}",
            SCHEMA.replace('/', "\\/")
        ),
    );
    // And JSON that only mentions the schema in data is not a template.
    repo.write(
        "docs.json",
        "{\"see\": \"DEPLOYMENTTEMPLATE.json\", \"type\": \"Microsoft.Compute\\/virtualMachines\"}",
    );
    let report = check_json(&repo, &[]);
    assert_eq!(rules(&report), Vec::<String>::new());
    assert_eq!(report["summary"]["resources_judged"], 0);
}

#[test]
fn a_plan_with_escaped_keys_is_judged() {
    let plan = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/tfplan/vms-1.2.json"
    ))
    .unwrap();
    let repo = Repo::new();
    repo.write("plain/plan.json", &plan);
    repo.write(
        "escaped/plan.json",
        plan.replace("\"format_version\"", "\"format\\u005fversion\"")
            .replace("\"terraform_version\"", "\"Terraform\\u005FVersion\""),
    );
    let plain = rules(&check_json(&repo, &["plain"]));
    assert!(plain.contains(&"IG001".to_string()), "{plain:?}");
    assert_eq!(rules(&check_json(&repo, &["escaped"])), plain);
}
