//! Terraform plans written as `terraform show -json` writes them, shared by the plan tests.

use super::GOLDEN_VERSION;

/// A one-line plan creating the gallery version `azurerm_shared_image_version.next` (its `id`
/// unknown until apply) and the Linux VMs `(name, references of source_image_id)`, each with
/// `source_image_id` unknown.
pub fn plan_with_new_version(vms: &[(&str, &[&str])]) -> String {
    let version = r#"{"address":"azurerm_shared_image_version.next","mode":"managed","type":"azurerm_shared_image_version","name":"next","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{"actions":["create"],"before":null,"after":{"gallery_name":"corpGallery","image_name":"ubuntu-22.04-cis","location":"westeurope","name":"1.5.0","resource_group_name":"rg-golden"},"after_unknown":{"id":true},"before_sensitive":false,"after_sensitive":{}}}"#;
    let mut changes = vec![version.to_string()];
    let mut config = Vec::new();
    for (name, refs) in vms {
        changes.push(format!(
            r#"{{"address":"azurerm_linux_virtual_machine.{name}","mode":"managed","type":"azurerm_linux_virtual_machine","name":"{name}","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{{"name":"{name}","source_image_reference":[]}},"after_unknown":{{"id":true,"source_image_id":true}},"before_sensitive":false,"after_sensitive":{{}}}}}}"#
        ));
        config.push(format!(
            r#"{{"address":"azurerm_linux_virtual_machine.{name}","mode":"managed","type":"azurerm_linux_virtual_machine","name":"{name}","expressions":{{"source_image_id":{{"references":{}}}}}}}"#,
            serde_json::to_string(refs).unwrap()
        ));
    }
    format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","variables":{{"image":{{"value":"{GOLDEN_VERSION}"}},"golden":{{"value":true}}}},"resource_changes":[{}],"configuration":{{"root_module":{{"resources":[{}],"variables":{{"image":{{}},"golden":{{}}}}}}}}}}"#,
        changes.join(","),
        config.join(",")
    )
}
