#!/usr/bin/env python3
"""Writes the Terraform plans of images that travel between resources (issue #24, item 6), in
the shape `terraform show -json` prints (format 1.2): a snapshot imported from a VHD, a managed
disk copied from it, a VM attaching that disk; a disk made from a platform image, a snapshot of
it, a disk copied from the snapshot, a VM attaching that. Each copy names its source by a
reference to the `id` of a resource the plan creates (known after apply).

    python3 testdata/provenance/tfplan/generate.py

`fires.json` holds what must be reported, `passes.json` the same from the golden gallery.
"""
import json
import os

AZ = "registry.terraform.io/hashicorp/azurerm"
SUB = "00000000-0000-0000-0000-000000000000"
GOLDEN = (f"/subscriptions/{SUB}/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/"
          "corpGallery/images/ubuntu-22.04-cis/versions/1.4.0")
PLATFORM = (f"/Subscriptions/{SUB}/Providers/Microsoft.Compute/Locations/westeurope/Publishers/Canonical/"
            "ArtifactTypes/VMImage/Offers/0001-com-ubuntu-server-jammy/Skus/22_04-lts-gen2/Versions/22.04.202410020")
VHD = "https://stbuildartifacts.blob.core.windows.net/vhds/build-agent-base.vhd"


def rc(rtype, name, after, unknown):
    return {
        "address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name,
        "provider_name": AZ,
        "change": {"actions": ["create"], "before": None, "after": after,
                   "after_unknown": unknown, "before_sensitive": False, "after_sensitive": {}},
    }


def ref(rtype, name):
    return {"references": [f"{rtype}.{name}.id", f"{rtype}.{name}"]}


def cfg(rtype, name, expressions):
    return {"address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name,
            "provider_config_key": "azurerm", "expressions": expressions, "schema_version": 0}


def snapshot(name, create_option, source_uri=None):
    return {"name": name, "resource_group_name": "rg-agents", "location": "westeurope",
            "create_option": create_option, "source_uri": source_uri, "source_resource_id": None,
            "storage_account_id": (f"/subscriptions/{SUB}/resourceGroups/rg-build/providers/"
                                   "Microsoft.Storage/storageAccounts/stbuildartifacts") if source_uri else None,
            "disk_size_gb": None, "incremental_enabled": False, "tags": None}


def disk(name, create_option, image=None, gallery=None):
    return {"name": name, "resource_group_name": "rg-agents", "location": "westeurope",
            "create_option": create_option, "os_type": "Linux" if create_option != "FromImage" else None,
            "image_reference_id": image, "gallery_image_reference_id": gallery,
            "source_uri": None, "source_resource_id": None, "storage_account_type": "Premium_LRS",
            "disk_size_gb": 64, "tags": None}


def legacy_vm(name, disk_name):
    return {"name": name, "location": "westeurope", "resource_group_name": "rg-agents",
            "vm_size": "Standard_D4s_v5", "delete_os_disk_on_termination": False,
            "storage_image_reference": [], "plan": [], "os_profile": [], "os_profile_linux_config": [],
            "storage_os_disk": [{"caching": "ReadWrite", "create_option": "Attach", "image_uri": None,
                                 "managed_disk_type": "Premium_LRS", "name": disk_name, "os_type": "Linux",
                                 "vhd_uri": None, "write_accelerator_enabled": False}]}


def linux_vm(name):
    return {"name": name, "location": "westeurope", "resource_group_name": "rg-agents",
            "size": "Standard_D2s_v5", "admin_username": "azureuser", "source_image_id": None,
            "source_image_reference": [], "plan": [], "os_managed_disk_id": None,
            "os_disk": [{"caching": "ReadWrite", "storage_account_type": "Premium_LRS"}]}


def plan(golden):
    base = (rc("azurerm_managed_disk", "web_base", disk("web-base", "FromImage", gallery=GOLDEN), {"id": True})
            if golden else
            rc("azurerm_managed_disk", "web_base", disk("web-base", "FromImage", image=PLATFORM), {"id": True}))
    agent_base = (rc("azurerm_managed_disk", "agent_base_disk", disk("agent-base", "FromImage", gallery=GOLDEN), {"id": True})
                  if golden else
                  rc("azurerm_snapshot", "agent_base", snapshot("agent-base", "Import", VHD), {"id": True}))
    agent_source = ("azurerm_managed_disk", "agent_base_disk") if golden else ("azurerm_snapshot", "agent_base")
    changes = [
        agent_base,
        rc("azurerm_managed_disk", "agent_os", disk("agent-osdisk", "Copy"), {"id": True, "source_resource_id": True}),
        rc("azurerm_virtual_machine", "agent", legacy_vm("agent-01", "agent-osdisk"),
           {"id": True, "storage_os_disk": [{"managed_disk_id": True}]}),
        base,
        rc("azurerm_snapshot", "web", snapshot("web-snapshot", "Copy"), {"id": True, "source_resource_id": True}),
        rc("azurerm_managed_disk", "web_os", disk("web-osdisk", "Copy"), {"id": True, "source_resource_id": True}),
        rc("azurerm_linux_virtual_machine", "web", linux_vm("web-01"), {"id": True, "os_managed_disk_id": True}),
    ]
    config = {"provider_config": {"azurerm": {"name": "azurerm", "full_name": AZ, "expressions": {"features": [{}]}}},
              "root_module": {"resources": [
                  cfg("azurerm_managed_disk", "agent_os", {"name": {"constant_value": "agent-osdisk"},
                      "create_option": {"constant_value": "Copy"}, "source_resource_id": ref(*agent_source)}),
                  cfg("azurerm_virtual_machine", "agent", {"name": {"constant_value": "agent-01"},
                      "storage_os_disk": [{"create_option": {"constant_value": "Attach"},
                                           "managed_disk_id": ref("azurerm_managed_disk", "agent_os")}]}),
                  cfg("azurerm_snapshot", "web", {"name": {"constant_value": "web-snapshot"},
                      "create_option": {"constant_value": "Copy"},
                      "source_resource_id": ref("azurerm_managed_disk", "web_base")}),
                  cfg("azurerm_managed_disk", "web_os", {"name": {"constant_value": "web-osdisk"},
                      "create_option": {"constant_value": "Copy"},
                      "source_resource_id": ref("azurerm_snapshot", "web")}),
                  cfg("azurerm_linux_virtual_machine", "web", {"name": {"constant_value": "web-01"},
                      "os_managed_disk_id": ref("azurerm_managed_disk", "web_os")}),
              ]}}
    return {
        "format_version": "1.2", "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": [
            {"address": c["address"], "mode": "managed", "type": c["type"], "name": c["name"],
             "provider_name": AZ, "schema_version": 0, "values": c["change"]["after"], "sensitive_values": {}}
            for c in changes]}},
        "resource_changes": changes,
        "configuration": config,
        "timestamp": "2026-11-20T10:00:00Z", "applyable": True, "complete": True, "errored": False,
    }


here = os.path.dirname(os.path.abspath(__file__))
for name, golden in (("fires.json", False), ("passes.json", True)):
    with open(os.path.join(here, name), "w") as f:
        json.dump(plan(golden), f, separators=(",", ":"))
        f.write("\n")
