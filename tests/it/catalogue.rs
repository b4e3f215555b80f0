//! Catalogue entries that look inside arrays and behind a discriminator (issue #9): every
//! element of a fleet's `locationProfiles[]` is an image, whatever builds the array (a literal,
//! a property `copy` loop, a parameter); a Dev Center pool's inline definition and an AVD
//! session host configuration's `imageInfo` count only when their type says so, and an
//! unknown type is judged rather than passed.
//!
//! Property paths: <https://learn.microsoft.com/azure/templates/microsoft.azurefleet/fleets>,
//! <https://learn.microsoft.com/azure/templates/microsoft.devcenter/projects/pools>,
//! <https://learn.microsoft.com/azure/templates/microsoft.desktopvirtualization/hostpools/sessionhostconfigurations>,
//! <https://learn.microsoft.com/azure/templates/microsoft.compute/disks>.

use crate::common::*;
use crate::common::{finding_rules as rules, resource_statuses as statuses};
use serde_json::Value;

const MARKETPLACE: &str = r#"{ "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest" }"#;

fn template(parameters: &str, resources: &str) -> String {
    format!(
        r#"{{
  "$schema": "{SCHEMA}",
  "contentVersion": "1.0.0.0",
  "parameters": {{{parameters}}},
  "resources": [{resources}]
}}
"#
    )
}

fn check(template: &str) -> Value {
    let repo = Repo::new();
    repo.write("azuredeploy.json", template);
    let out = repo
        .imagegate(&["check", "--format", "json", "--exit-zero", "."])
        .output()
        .expect("run");
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn fleet(location_profiles: &str) -> String {
    format!(
        r#"
    {{
      "type": "Microsoft.AzureFleet/fleets",
      "apiVersion": "2024-11-01",
      "name": "fleet",
      "location": "westeurope",
      "properties": {{
        "computeProfile": {{
          "baseVirtualMachineProfile": {{
            "storageProfile": {{ "imageReference": {{ "id": "{GOLDEN_VERSION}" }} }}
          }}
        }},
        "additionalLocationsProfile": {location_profiles}
      }}
    }}"#
    )
}

#[test]
fn every_location_profile_override_of_a_fleet_is_judged() {
    let profile = |image: &str| {
        format!(
            r#"{{ "location": "eastus", "virtualMachineProfileOverride": {{ "storageProfile": {{ "imageReference": {image} }} }} }}"#
        )
    };
    let golden = format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#);
    // The second of two overrides is a Marketplace image.
    let report = check(&template(
        "",
        &fleet(&format!(
            r#"{{ "locationProfiles": [{}, {}] }}"#,
            profile(&golden),
            profile(MARKETPLACE)
        )),
    ));
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    let f = &report["findings"][0];
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("Canonical:0001-com-ubuntu-server-jammy"),
        "{f}"
    );
    assert_eq!(statuses(&report), ["noncompliant"]);

    // Golden everywhere: compliant.
    let report = check(&template(
        "",
        &fleet(&format!(
            r#"{{ "locationProfiles": [{}] }}"#,
            profile(&golden)
        )),
    ));
    assert_eq!(rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
}

#[test]
fn location_profiles_built_by_a_copy_loop_or_unknown_are_not_passed() {
    // A property copy loop over a parameter array: each element is an override.
    let looped = fleet(&format!(
        r#"{{ "copy": [ {{ "name": "locationProfiles", "count": "[length(parameters('regions'))]",
            "input": {{ "location": "[parameters('regions')[copyIndex('locationProfiles')]]",
              "virtualMachineProfileOverride": {{ "storageProfile": {{ "imageReference": {MARKETPLACE} }} }} }} }} ] }}"#
    ));
    let report = check(&template(
        r#""regions": { "type": "array", "defaultValue": ["eastus"] }"#,
        &looped,
    ));
    assert_eq!(rules(&report), ["IG001"], "{report:#}");

    // The whole array comes from a parameter nobody sets: the overrides cannot be known.
    let report = check(&template(
        r#""profiles": { "type": "array" }"#,
        &fleet(r#"{ "locationProfiles": "[parameters('profiles')]" }"#),
    ));
    assert_eq!(rules(&report), ["IG002"], "{report:#}");
    assert_eq!(statuses(&report), ["unresolved"]);
}

fn pool(definition_type: &str) -> String {
    format!(
        r#"
    {{
      "type": "Microsoft.DevCenter/projects/pools",
      "apiVersion": "2025-02-01",
      "name": "proj/pool",
      "location": "westeurope",
      "properties": {{
        {definition_type}
        "devBoxDefinitionName": "win11-dev",
        "devBoxDefinition": {{
          "imageReference": {{ "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.DevCenter/devcenters/dc/galleries/default/images/win11-ent-cpc" }}
        }}
      }}
    }}"#
    )
}

#[test]
fn a_dev_box_pool_inline_definition_counts_only_as_a_value() {
    let report = check(&template("", &pool(r#""devBoxDefinitionType": "Value","#)));
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    // `Reference` and an absent type (the default, Reference) use the named definition.
    for t in [r#""devBoxDefinitionType": "Reference","#, ""] {
        let report = check(&template("", &pool(t)));
        assert_eq!(rules(&report), Vec::<String>::new(), "{t}: {report:#}");
        assert_eq!(statuses(&report), ["not-judged"], "{t}");
    }
    // A type nobody sets may be `Value`: the inline image is judged, not passed.
    let report = check(&template(
        r#""definitionType": { "type": "string" }"#,
        &pool(r#""devBoxDefinitionType": "[parameters('definitionType')]","#),
    ));
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
}

fn session_host_configuration(image_type: &str) -> String {
    format!(
        r#"
    {{
      "type": "Microsoft.DesktopVirtualization/hostPools/sessionHostConfigurations",
      "apiVersion": "2024-04-08-preview",
      "name": "hp/default",
      "properties": {{
        "imageInfo": {{
          "type": {image_type},
          "customInfo": {{ "resourceId": "{GOLDEN_VERSION}" }},
          "marketplaceInfo": {{ "publisher": "microsoftwindowsdesktop", "offer": "office-365", "sku": "win11-24h2-avd-m365" }}
        }}
      }}
    }}"#
    )
}

#[test]
fn a_session_host_configuration_uses_the_image_its_type_names() {
    let report = check(&template("", &session_host_configuration(r#""Custom""#)));
    assert_eq!(rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
    let report = check(&template(
        "",
        &session_host_configuration(r#""marketplace""#),
    ));
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    // Unknown type: both images may be used; the Marketplace one is not approved.
    let report = check(&template(
        r#""imageType": { "type": "string" }"#,
        &session_host_configuration(r#""[parameters('imageType')]""#),
    ));
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert_eq!(statuses(&report), ["noncompliant"]);
}

#[test]
fn a_disk_imported_from_a_vhd_is_a_vhd_image() {
    let disk = |creation: &str| {
        format!(
            r#"
    {{
      "type": "Microsoft.Compute/disks",
      "apiVersion": "2023-10-02",
      "name": "disk",
      "location": "westeurope",
      "properties": {{ "creationData": {creation} }}
    }}"#
        )
    };
    let report = check(&template(
        "",
        &disk(
            r#"{ "createOption": "Import", "sourceUri": "https://st.blob.core.windows.net/vhds/base.vhd" }, "osType": "Linux""#,
        ),
    ));
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("VHD image https://st.blob.core.windows.net/vhds/base.vhd")
    );
    let report = check(&template("", &disk(r#"{ "createOption": "Empty" }"#)));
    assert_eq!(rules(&report), Vec::<String>::new(), "{report:#}");
    // A data disk (no `osType`) imported from a VHD boots nothing.
    let report = check(&template(
        "",
        &disk(
            r#"{ "createOption": "Import", "sourceUri": "https://st.blob.core.windows.net/vhds/data.vhd" }"#,
        ),
    ));
    assert_eq!(rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(statuses(&report), ["not-judged"]);
}

fn attaching_vm(disk: &str) -> String {
    format!(
        r#"
    {{
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm",
      "location": "westeurope",
      "properties": {{
        "storageProfile": {{
          "osDisk": {{ "createOption": "Attach", "managedDisk": {{ "id": "[resourceId('Microsoft.Compute/disks', '{disk}')]" }} }}
        }}
      }}
    }}"#
    )
}

fn disk(name: &str, creation: &str) -> String {
    format!(
        r#"
    {{
      "type": "Microsoft.Compute/disks",
      "apiVersion": "2023-10-02",
      "name": "{name}",
      "location": "westeurope",
      "properties": {{ "creationData": {creation} }}
    }}"#
    )
}

/// A VM that attaches a disk the same template creates boots from that disk's image
/// (<https://learn.microsoft.com/azure/templates/microsoft.compute/virtualmachines>,
/// `osDisk.createOption: Attach`).
#[test]
fn a_vm_attaching_a_disk_of_the_same_template_is_judged_through_the_disk() {
    let name_of = |report: &Value, i: usize| report["findings"][i]["resource"]["name"].clone();
    let from_marketplace = disk(
        "osdisk",
        &format!(r#"{{ "createOption": "FromImage", "imageReference": {MARKETPLACE} }}"#),
    );
    let report = check(&template(
        "",
        &format!("{from_marketplace},{}", attaching_vm("osdisk")),
    ));
    // One problem (the disk's image literal), one finding: it names both resources, and
    // both are declared in its related locations.
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert_eq!(name_of(&report, 0), "osdisk");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.ends_with(" (for 2 resources: disks 'osdisk', virtualMachines 'vm')"),
        "{message}"
    );
    let related = report["findings"][0]["related"].to_string();
    assert!(
        related.contains("virtualMachines 'vm' is declared here"),
        "{related}"
    );
    assert!(
        related.contains("disks 'osdisk' is declared here"),
        "{related}"
    );
    assert_eq!(statuses(&report), ["noncompliant", "noncompliant"]);

    // A golden disk: the VM is compliant.
    let golden = disk(
        "osdisk",
        &format!(
            r#"{{ "createOption": "FromImage", "galleryImageReference": {{ "id": "{GOLDEN_VERSION}" }} }}"#
        ),
    );
    let report = check(&template(
        "",
        &format!("{golden},{}", attaching_vm("OSDISK")),
    ));
    assert_eq!(rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant", "compliant"]);

    // A disk of another template (or one without an image) stays an attached disk, not judged.
    let report = check(&template("", &attaching_vm("elsewhere")));
    assert_eq!(rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(statuses(&report), ["not-judged"]);
    // Attached as the OS disk, an imported disk is judged whatever its own `osType`.
    let imported = disk(
        "osdisk",
        r#"{ "createOption": "Import", "sourceUri": "https://st.blob.core.windows.net/vhds/os.vhd" }"#,
    );
    let report = check(&template(
        "",
        &format!("{imported},{}", attaching_vm("osdisk")),
    ));
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert_eq!(report["findings"][0]["resource"]["name"], "vm");
    let empty = disk("osdisk", r#"{ "createOption": "Empty" }"#);
    let report = check(&template(
        "",
        &format!("{empty},{}", attaching_vm("osdisk")),
    ));
    assert_eq!(statuses(&report), ["not-judged", "not-judged"]);
}

/// A Managed DevOps Pool boots its agents from each of `fabricProfile.images[]`: a resource ID
/// (a gallery image: approved) or a well-known Microsoft-hosted image name (not in any gallery
/// of the organisation: unapproved).
/// <https://learn.microsoft.com/azure/templates/microsoft.devopsinfrastructure/pools>
#[test]
fn every_image_of_a_managed_devops_pool_is_judged() {
    let pool = |images: &str| {
        format!(
            r#"
    {{
      "type": "Microsoft.DevOpsInfrastructure/pools",
      "apiVersion": "2025-01-21",
      "name": "mdp",
      "location": "westeurope",
      "properties": {{
        "maximumConcurrency": 4,
        "fabricProfile": {{ "kind": "Vmss", "sku": {{ "name": "Standard_D2ads_v5" }}, "images": {images} }}
      }}
    }}"#
        )
    };
    let report = check(&template(
        "",
        &pool(&format!(
            r#"[ {{ "resourceId": "{GOLDEN_VERSION}" }}, {{ "wellKnownImageName": "ubuntu-22.04/latest", "buffer": "*" }} ]"#
        )),
    ));
    assert_eq!(rules(&report), ["IG001"], "{report:#}");
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Well-known image ubuntu-22.04/latest")
    );
    let report = check(&template(
        "",
        &pool(&format!(r#"[ {{ "resourceId": "{GOLDEN_VERSION}" }} ]"#)),
    ));
    assert_eq!(rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(statuses(&report), ["compliant"]);
}

/// Entries that read the same array (a pool's images, each by resource ID or by name) give one
/// unresolved image when the whole array is unknown, not one per entry.
#[test]
fn an_unknown_array_is_one_unresolved_image() {
    let report = check(&template(
        r#""images": { "type": "array" }"#,
        r#"
    {
      "type": "Microsoft.DevOpsInfrastructure/pools",
      "apiVersion": "2025-01-21",
      "name": "mdp",
      "location": "westeurope",
      "properties": { "fabricProfile": { "kind": "Vmss", "images": "[parameters('images')]" } }
    }"#,
    ));
    assert_eq!(rules(&report), ["IG002"], "{report:#}");
    let image = report["resources"][0]["image"].as_str().unwrap();
    assert_eq!(image.matches("unresolved:").count(), 1, "{image}");
}
