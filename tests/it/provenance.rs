//! Images that travel between resources (#24, item 6): a snapshot imported from a VHD (or made
//! from an image), a disk copied from that snapshot (or from another disk), a VM attaching the
//! disk as its OS disk — the VM boots the VHD or image at the start of the chain, as it does a
//! disk imported directly. A copy of something the deployment does not make stays an attached
//! disk (not judged), as it was.
//!
//! Properties: <https://learn.microsoft.com/azure/templates/microsoft.compute/snapshots> and
//! <https://learn.microsoft.com/azure/templates/microsoft.compute/disks> (`creationData`:
//! `createOption` `Import` with `sourceUri`, `FromImage` with `imageReference` or
//! `galleryImageReference`, `Copy` with `sourceResourceId`);
//! <https://learn.microsoft.com/azure/templates/microsoft.compute/virtualmachines>
//! (`osDisk.createOption: Attach`, `osDisk.managedDisk.id`); in Terraform,
//! <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/snapshot>
//! (`create_option`, `source_uri`, `source_resource_id`) and
//! <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/managed_disk>.

use std::path::Path;

use crate::common::*;
use serde_json::Value;

/// The fixture folder or file `testdata/provenance/<name>` copied into a repository, and the
/// report of `check <run>` there.
fn fixture(name: &str, run: &str) -> Value {
    let repo = Repo::new();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/provenance");
    copy_tree(&from.join(name), repo.path());
    check_json(&repo, &[run])
}

fn at(rule: &str, path: &str, line: u64) -> (String, String, u64) {
    (rule.to_owned(), path.to_owned(), line)
}

/// The status of the resource entry named `name`.
fn status(report: &Value, name: &str) -> String {
    let found: Vec<&Value> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "{name}: {report:#}");
    found[0]["status"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_vm_booting_a_copy_of_a_snapshot_of_a_vhd_is_judged_by_the_vhd() {
    // VHD → snapshot (Import) → disk (Copy) → VM (Attach): IG001 at the VHD, for the VM.
    // Platform image → snapshot (FromImage) → disk (Copy) → disk (Copy) → VM: the snapshot's
    // own finding, which now names the VM too. Both VMs used to be "not judged".
    let report = fixture("arm/fires", ".");
    assert_eq!(
        located(&report),
        [
            at("IG001", "azuredeploy.json", 11),
            at("IG001", "azuredeploy.json", 76)
        ],
        "{report:#}"
    );
    let messages = finding_messages(&report);
    assert!(
        messages[0].starts_with("VHD image https://stbuildartifacts.blob.core.windows.net/"),
        "{messages:?}"
    );
    assert_eq!(report["findings"][0]["resource"]["name"], "agent-01");
    assert!(
        messages[1].ends_with("(for 2 resources: snapshots 'web-base', virtualMachines 'web-01')"),
        "{messages:?}"
    );
    assert_eq!(status(&report, "agent-01"), "noncompliant");
    assert_eq!(status(&report, "web-01"), "noncompliant");
    // The copies on their own boot nothing: as before.
    assert_eq!(status(&report, "agent-osdisk"), "not-judged");
    assert_eq!(status(&report, "web-osdisk"), "not-judged");

    let report = fixture("arm/passes", ".");
    assert_eq!(located(&report), [], "{report:#}");
    assert_eq!(status(&report, "agent-01"), "compliant");
    assert_eq!(status(&report, "web-01"), "compliant");

    // A disk restored from a snapshot of another resource group, and two disks copied from
    // each other (no deployment could make them): the VMs attaching them stay "not judged",
    // as before, and the run ends.
    let report = fixture("arm/unknown-source", ".");
    assert_eq!(located(&report), [], "{report:#}");
    assert_eq!(status(&report, "restored-01"), "not-judged");
    assert_eq!(status(&report, "loop-01"), "not-judged");
}

#[test]
fn a_copy_is_judged_by_what_it_copies_not_by_a_reference_azure_ignores() {
    // `createOption: Copy` takes `sourceResourceId`; a `galleryImageReference` beside it is
    // not what the disk is made from, so a golden one there does not make the VM compliant.
    let golden = format!(r#"{{ "id": "{GOLDEN_VERSION}" }}"#);
    let resources = format!(
        r#"
    {{
      "type": "Microsoft.Compute/snapshots",
      "apiVersion": "2023-10-02",
      "name": "base",
      "location": "westeurope",
      "properties": {{ "creationData": {{ "createOption": "Import",
        "sourceUri": "https://st.blob.core.windows.net/vhds/base.vhd" }} }}
    }},
    {{
      "type": "Microsoft.Compute/disks",
      "apiVersion": "2023-10-02",
      "name": "osdisk",
      "location": "westeurope",
      "properties": {{ "creationData": {{ "createOption": "Copy",
        "sourceResourceId": "[resourceId('Microsoft.Compute/snapshots', 'base')]",
        "galleryImageReference": {golden} }} }}
    }},
    {{
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm",
      "location": "westeurope",
      "properties": {{ "storageProfile": {{ "osDisk": {{ "createOption": "Attach",
        "managedDisk": {{ "id": "[resourceId('Microsoft.Compute/disks', 'osdisk')]" }} }} }} }}
    }}"#
    );
    let repo = Repo::new();
    repo.write("azuredeploy.json", arm_template("", "", &resources));
    let report = check_json(&repo, &["."]);
    assert_eq!(finding_rules(&report), ["IG001"], "{report:#}");
    assert!(
        finding_messages(&report)[0].starts_with("VHD image https://st.blob.core.windows.net/"),
        "{report:#}"
    );
    assert_eq!(status(&report, "vm"), "noncompliant");
}

#[test]
fn the_chain_holds_in_bicep() {
    // `sourceResourceId: base.id`, `managedDisk: { id: osDisk.id }`.
    let report = fixture("bicep", ".");
    assert_eq!(
        located(&report),
        [at("IG001", "main.bicep", 8)],
        "{report:#}"
    );
    assert_eq!(report["findings"][0]["resource"]["name"], "agent-01");
}

#[test]
fn the_chain_holds_in_a_terraform_plan() {
    // `azurerm_snapshot` (Import, `source_uri`) → `azurerm_managed_disk` (Copy,
    // `source_resource_id = azurerm_snapshot.agent_base.id`) → `azurerm_virtual_machine`
    // attaching it; a platform-image disk → snapshot → disk → `azurerm_linux_virtual_machine`
    // (`os_managed_disk_id`). Each `id` is known after apply, composed from the plan.
    let report = fixture("tfplan", "fires.json");
    let rules_and_hosts: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["resource"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rules_and_hosts,
        [
            (
                "IG001".to_owned(),
                "azurerm_virtual_machine.agent".to_owned()
            ),
            (
                "IG001".to_owned(),
                "azurerm_managed_disk.web_base".to_owned()
            ),
        ],
        "{report:#}"
    );
    let messages = finding_messages(&report);
    assert!(messages[0].starts_with("VHD image "), "{messages:?}");
    assert!(
        messages[1].ends_with(
            "(for 2 resources: azurerm_managed_disk 'azurerm_managed_disk.web_base', azurerm_linux_virtual_machine 'azurerm_linux_virtual_machine.web')"
        ),
        "{messages:?}"
    );
    // A snapshot has no `os_type`: on its own it is not known to boot.
    assert_eq!(status(&report, "azurerm_snapshot.agent_base"), "not-judged");

    let report = fixture("tfplan", "passes.json");
    assert_eq!(finding_rules(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(
        status(&report, "azurerm_virtual_machine.agent"),
        "compliant"
    );
    assert_eq!(
        status(&report, "azurerm_linux_virtual_machine.web"),
        "compliant"
    );
}
