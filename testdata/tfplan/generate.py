# Writes the testdata/tfplan fixtures in the shape of `terraform show -json` output (run from
# anywhere: `python3 testdata/tfplan/generate.py`). The fixtures are committed; tests never run
# this. Shapes were checked against real plans (terraform 0.12 to 1.9, formats 0.1 and 1.2).
import json, os

OUT = os.path.dirname(os.path.abspath(__file__))
SUB = '00000000-0000-0000-0000-000000000000'
GAL = f'/subscriptions/{SUB}/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images'
GOLDEN = f'{GAL}/ubuntu-22.04-cis/versions/1.4.0'
GOLDEN_WIN = f'{GAL}/win2022-cis/versions/2.1.3'
DEFN = f'{GAL}/ubuntu-22.04-cis'
LATEST = f'{GAL}/ubuntu-22.04-cis/versions/latest'
MANAGED = f'/subscriptions/{SUB}/resourceGroups/rg-legacy/providers/Microsoft.Compute/images/legacy-ubuntu'
AZ = 'registry.terraform.io/hashicorp/azurerm'
AZAPI = 'registry.terraform.io/azure/azapi'

def dump(name, doc):
    with open(os.path.join(OUT, name), 'w') as f:
        f.write(json.dumps(doc, separators=(',', ':')))
        f.write('\n')

def linux_vm(name, image_id=None, ref=None, plan=None):
    return {
        "additional_capabilities": [], "admin_password": "Sup3r-Secret-Pa55!", "admin_ssh_key": [],
        "admin_username": "azureuser", "allow_extension_operations": True, "availability_set_id": None,
        "boot_diagnostics": [], "custom_data": "I2Nsb3VkLWNvbmZpZwpwYXNzd29yZDogaHVudGVyMg==",
        "disable_password_authentication": False, "edge_zone": None, "encryption_at_host_enabled": None,
        "eviction_policy": None, "extensions_time_budget": "PT1H30M", "gallery_application": [], "identity": [],
        "license_type": None, "location": "westeurope", "max_bid_price": -1, "name": name,
        "os_disk": [{"caching": "ReadWrite", "diff_disk_settings": [], "disk_encryption_set_id": None,
                     "storage_account_type": "Premium_LRS", "write_accelerator_enabled": False}],
        "patch_assessment_mode": "ImageDefault", "patch_mode": "ImageDefault",
        "plan": [plan] if plan else [], "priority": "Regular", "provision_vm_agent": True,
        "resource_group_name": "rg-app", "secret": [], "size": "Standard_D2s_v5",
        "source_image_id": image_id,
        "source_image_reference": [ref] if ref else [], "tags": {"env": "prod"}, "timeouts": None,
        "user_data": None, "zone": None,
    }

VM_UNKNOWN = {"additional_capabilities": [], "admin_ssh_key": [], "boot_diagnostics": [], "computer_name": True,
              "gallery_application": [], "id": True, "identity": [], "network_interface_ids": True,
              "os_disk": [{"diff_disk_settings": [], "disk_size_gb": True, "name": True}], "plan": [],
              "private_ip_address": True, "private_ip_addresses": True, "public_ip_address": True,
              "public_ip_addresses": True, "secret": [], "source_image_reference": [], "tags": {},
              "virtual_machine_id": True}
VM_SENSITIVE = {"additional_capabilities": [], "admin_password": True, "admin_ssh_key": [], "boot_diagnostics": [],
                "custom_data": True, "gallery_application": [], "identity": [], "network_interface_ids": [],
                "os_disk": [{"diff_disk_settings": []}], "plan": [], "secret": [], "source_image_reference": [],
                "tags": {}}

def rc(rtype, name, after, actions=("create",), module=None, index=None, unknown=None, sensitive=None,
       provider=AZ, before=None, mode="managed", fmt01=False):
    addr = ""
    if module: addr += module + "."
    if mode == "data": addr += "data."
    addr += f"{rtype}.{name}"
    if index is not None:
        addr += f"[{json.dumps(index)}]" if isinstance(index, str) else f"[{index}]"
    r = {"address": addr}
    if module: r["module_address"] = module
    r.update({"mode": mode, "type": rtype, "name": name})
    if index is not None: r["index"] = index
    r["provider_name"] = provider
    ch = {"actions": list(actions), "before": before, "after": after,
          "after_unknown": unknown if unknown is not None else {}}
    if not fmt01:
        ch["before_sensitive"] = False if before is None else {}
        ch["after_sensitive"] = sensitive if sensitive is not None else {}
    r["change"] = ch
    return r

def planned(changes):
    """planned_values.root_module mirroring the judged changes (modules nested)."""
    root = {"resources": []}
    mods = {}
    for c in changes:
        if c["change"]["actions"] in (["delete"], ["read"]) or c["mode"] == "data":
            continue
        ent = {k: c[k] for k in ("address", "mode", "type", "name") }
        if "index" in c: ent["index"] = c["index"]
        ent["provider_name"] = c["provider_name"]; ent["schema_version"] = 0
        ent["values"] = c["change"]["after"]
        ent["sensitive_values"] = c["change"].get("after_sensitive", {})
        m = c.get("module_address")
        if not m:
            root["resources"].append(ent)
        else:
            mods.setdefault(m, {"resources": [], "address": m})["resources"].append(ent)
    if mods:
        root["child_modules"] = list(mods.values())
    return {"root_module": root}

def plan_doc(fmt, tfv, changes, variables=None, prior=None, config=None):
    d = {"format_version": fmt, "terraform_version": tfv}
    if variables: d["variables"] = variables
    d["planned_values"] = planned(changes)
    d["resource_changes"] = changes
    if prior: d["prior_state"] = prior
    d["configuration"] = config or {"provider_config": {"azurerm": {"name": "azurerm", "full_name": AZ,
                                     "expressions": {"features": [{}]}}}, "root_module": {}}
    if fmt.startswith("1"):
        d["timestamp"] = "2026-11-20T10:00:00Z"; d["applyable"] = True; d["complete"] = True; d["errored"] = False
    return d

def cfg_res(rtype, name, expressions, mode="managed"):
    return {"address": ("data." if mode == "data" else "") + f"{rtype}.{name}", "mode": mode, "type": rtype,
            "name": name, "provider_config_key": "azurerm", "expressions": expressions, "schema_version": 0}

def vmss(name, kind="linux", image_id=None, ref=None):
    return {"admin_username": "azureuser", "admin_password": "Sup3r-Secret-Pa55!", "instances": 2,
            "location": "westeurope", "name": name, "resource_group_name": "rg-app", "sku": "Standard_D2s_v5",
            "os_disk": [{"caching": "ReadWrite", "storage_account_type": "Premium_LRS"}],
            "network_interface": [{"name": "nic", "primary": True, "ip_configuration": [{"name": "ipc", "primary": True}]}],
            "plan": [], "source_image_id": image_id, "source_image_reference": [ref] if ref else [],
            "upgrade_mode": "Manual", "tags": None}

UBUNTU = {"offer": "0001-com-ubuntu-server-jammy", "publisher": "Canonical", "sku": "22_04-lts-gen2", "version": "latest"}
WIN = {"offer": "WindowsServer", "publisher": "MicrosoftWindowsServer", "sku": "2022-datacenter-azure-edition", "version": "20348.2762.241009"}
CIS = {"offer": "cis-ubuntu-linux-2204-l1", "publisher": "center-for-internet-security-inc", "sku": "cis-ubuntu2204-l1", "version": "latest"}
CIS_PLAN = {"name": "cis-ubuntu2204-l1", "product": "cis-ubuntu-linux-2204-l1", "publisher": "center-for-internet-security-inc"}

# 1. Modern VM and scale set types, format 1.2, every action.
win = linux_vm("vm-win"); win.pop("admin_ssh_key"); win.pop("disable_password_authentication")
win.update({"source_image_reference": [WIN], "timezone": None})
changes = [
    rc("azurerm_linux_virtual_machine", "golden", linux_vm("vm-golden", image_id=GOLDEN), unknown=VM_UNKNOWN, sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "cis", linux_vm("vm-cis", ref=CIS, plan=CIS_PLAN), unknown=VM_UNKNOWN, sensitive=VM_SENSITIVE),
    rc("azurerm_windows_virtual_machine", "win", win, unknown=VM_UNKNOWN, sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine_scale_set", "unpinned", vmss("vmss-unpinned", image_id=DEFN), unknown={"id": True, "unique_id": True}, sensitive={"admin_password": True}),
    rc("azurerm_windows_virtual_machine_scale_set", "market", vmss("vmss-win", ref=WIN), unknown={"id": True}, sensitive={"admin_password": True}),
    rc("azurerm_orchestrated_virtual_machine_scale_set", "flex", {"location": "westeurope", "name": "vmss-flex", "platform_fault_domain_count": 1, "resource_group_name": "rg-app", "sku_name": "Standard_D2s_v5", "instances": 3, "plan": [], "source_image_id": LATEST, "source_image_reference": [], "os_profile": [{"linux_configuration": [{"admin_username": "azureuser", "admin_password": "Sup3r-Secret-Pa55!"}]}]}, unknown={"id": True, "unique_id": True}, sensitive={"os_profile": True}),
    rc("azurerm_linux_virtual_machine", "old", None, actions=("delete",), before=linux_vm("vm-old", ref=UBUNTU)),
    rc("azurerm_linux_virtual_machine", "steady", linux_vm("vm-steady", ref=UBUNTU), actions=("no-op",), before=linux_vm("vm-steady", ref=UBUNTU)),
    rc("azurerm_linux_virtual_machine", "parked", linux_vm("vm-parked", ref=UBUNTU), actions=("forget",), before=linux_vm("vm-parked", ref=UBUNTU)),
    rc("azurerm_resource_group", "app", {"location": "westeurope", "name": "rg-app", "tags": None}, unknown={"id": True}),
]
changes[7]["change"]["after_unknown"] = {}
dump("vms-1.2.json", plan_doc("1.2", "1.9.5", changes))

# 2. Legacy types, format 0.1 (Terraform 0.12: provider_name "azurerm", no sensitive marks).
def legacy_vm(name, ref=None, os_disk=None, plan=None):
    return {"additional_capabilities": [], "boot_diagnostics": [], "delete_data_disks_on_termination": False,
            "delete_os_disk_on_termination": True, "location": "westeurope", "name": name,
            "os_profile": [{"admin_username": "azureuser", "computer_name": name, "custom_data": None}],
            "os_profile_linux_config": [{"disable_password_authentication": True, "ssh_keys": []}],
            "os_profile_secrets": [], "os_profile_windows_config": [], "plan": [plan] if plan else [],
            "primary_network_interface_id": None, "proximity_placement_group_id": None,
            "resource_group_name": "rg-app",
            "storage_image_reference": [ref] if ref else [],
            "storage_os_disk": [os_disk or {"caching": "ReadWrite", "create_option": "FromImage", "image_uri": None,
                                            "managed_disk_type": "Premium_LRS", "name": name + "-osdisk", "vhd_uri": None,
                                            "write_accelerator_enabled": False}],
            "vm_size": "Standard_D2s_v5", "zones": None}
LEG_UNKNOWN = {"id": True, "identity": True, "network_interface_ids": True, "storage_data_disk": True,
               "storage_image_reference": [{}], "storage_os_disk": [{"disk_size_gb": True, "managed_disk_id": True, "os_type": True}]}
changes = [
    rc("azurerm_virtual_machine", "market", legacy_vm("vm-market", ref={"id": "", "offer": "UbuntuServer", "publisher": "Canonical", "sku": "18.04-LTS", "version": "latest"}), unknown=LEG_UNKNOWN, fmt01=True),
    rc("azurerm_virtual_machine", "golden", legacy_vm("vm-golden", ref={"id": GOLDEN, "offer": "", "publisher": "", "sku": "", "version": ""}), unknown=LEG_UNKNOWN, fmt01=True),
    rc("azurerm_virtual_machine", "vhd", legacy_vm("vm-vhd", os_disk={"caching": "ReadWrite", "create_option": "FromImage", "image_uri": "https://legacyimages.blob.core.windows.net/vhds/ubuntu-base.vhd", "managed_disk_type": None, "name": "vm-vhd-osdisk", "os_type": "Linux", "vhd_uri": "https://appdisks.blob.core.windows.net/vhds/vm-vhd.vhd", "write_accelerator_enabled": False}), unknown={"id": True}, fmt01=True),
    rc("azurerm_virtual_machine", "attached", legacy_vm("vm-attached", os_disk={"caching": "ReadWrite", "create_option": "Attach", "image_uri": None, "managed_disk_id": f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/disks/restored-osdisk", "managed_disk_type": "Premium_LRS", "name": "restored-osdisk", "os_type": "Linux", "vhd_uri": None, "write_accelerator_enabled": False}), unknown={"id": True}, fmt01=True),
    rc("azurerm_virtual_machine_scale_set", "legacy", {"location": "westeurope", "name": "vmss-legacy", "resource_group_name": "rg-app", "upgrade_policy_mode": "Manual", "plan": [], "sku": [{"capacity": 2, "name": "Standard_D2s_v5", "tier": "Standard"}], "storage_profile_image_reference": [{"id": MANAGED, "offer": None, "publisher": None, "sku": None, "version": None}], "storage_profile_os_disk": [{"caching": "ReadWrite", "create_option": "FromImage", "image": None, "managed_disk_type": "Premium_LRS", "name": "", "os_type": None, "vhd_containers": None}]}, unknown={"id": True}, fmt01=True),
]
dump("legacy-0.1.json", plan_doc("0.1", "0.12.31", changes))

# 3. Nested modules, count and for_each keys with dots and quotes, replace, update (format 0.2).
KEY = 'web.eu-west "blue"'
changes = [
    rc("azurerm_linux_virtual_machine", "vm", linux_vm("vm-web-blue", ref=UBUNTU), module="module.app.module.web", index=KEY, unknown=VM_UNKNOWN, sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "vm", linux_vm("vm-web-green", image_id=GOLDEN), module="module.app.module.web", index="web.eu-west \"green\"", unknown=VM_UNKNOWN, sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "worker", linux_vm("vm-worker-0", ref=UBUNTU), module='module.pool["eu.west"]', index=0, actions=("delete", "create"), before=linux_vm("vm-worker-0", image_id=GOLDEN), unknown=VM_UNKNOWN, sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "worker", linux_vm("vm-worker-1", image_id=DEFN), module='module.pool["eu.west"]', index=1, actions=("create", "delete"), before=linux_vm("vm-worker-1", image_id=GOLDEN), unknown=VM_UNKNOWN, sensitive=VM_SENSITIVE),
    rc("azurerm_windows_virtual_machine", "jump", dict(win, name="vm-jump", tags={"env": "prod", "owner": "ops"}), actions=("update",), before=win, unknown={}, sensitive=VM_SENSITIVE),
]
dump("modules-0.2.json", plan_doc("0.2", "0.15.5", changes))

# 4. Unknown values and their resolution through configuration (format 1.2).
unk = lambda extra: dict(VM_UNKNOWN, **extra)
vm_unknown_id = linux_vm("vm-data"); vm_unknown_id.pop("source_image_id")
vm_legacy_data = linux_vm("vm-legacy-data"); vm_legacy_data.pop("source_image_id")
vm_var = linux_vm("vm-var"); vm_var.pop("source_image_id")
vm_new_image = linux_vm("vm-new-image"); vm_new_image.pop("source_image_id")
vm_block = linux_vm("vm-block"); vm_block.pop("source_image_reference")
vm_field = linux_vm("vm-field", ref={"offer": "0001-com-ubuntu-server-jammy", "publisher": "Canonical", "version": "latest"})
vm_mod = linux_vm("vm-mod"); vm_mod.pop("source_image_id")
vm_baked = linux_vm("vm-baked"); vm_baked.pop("source_image_id")
changes = [
    rc("azurerm_linux_virtual_machine", "from_data", vm_unknown_id, unknown=unk({"source_image_id": True}), sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "from_legacy_data", vm_legacy_data, unknown=unk({"source_image_id": True}), sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "from_var", vm_var, unknown=unk({"source_image_id": True}), sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "from_new_image", vm_new_image, unknown=unk({"source_image_id": True}), sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "whole_block", vm_block, unknown=unk({"source_image_reference": True}), sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "one_field", vm_field, unknown=unk({"source_image_reference": [{"sku": True}]}), sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine", "opaque_block", dict(vm_block, name="vm-opaque"), unknown=unk({"source_image_reference": True}), sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine_scale_set", "vmss", dict(vmss("vmss-mod"), source_image_id=None) and {k: v for k, v in vmss("vmss-mod").items() if k != "source_image_id"}, module="module.fleet", unknown={"id": True, "source_image_id": True}, sensitive={"admin_password": True}),
    rc("azurerm_linux_virtual_machine", "from_baked_image", vm_baked, unknown=unk({"source_image_id": True}), sensitive=VM_SENSITIVE),
    rc("azurerm_linux_virtual_machine_scale_set", "vmss", {k: v for k, v in vmss("vmss-pool").items() if k != "source_image_id"}, module="module.pool", unknown={"id": True, "source_image_id": True}, sensitive={"admin_password": True}),
    rc("azurerm_image", "baked", {"location": "westeurope", "name": "baked-ubuntu", "resource_group_name": "rg-build", "source_virtual_machine_id": f"/subscriptions/{SUB}/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/builder"}, unknown={"id": True, "os_disk": True, "data_disk": True}),
    rc("azurerm_shared_image_version", "next", {"gallery_name": "corpGallery", "image_name": "ubuntu-22.04-cis", "name": "1.5.0", "resource_group_name": "rg-golden", "location": "westeurope", "target_region": [{"name": "westeurope", "regional_replica_count": 1}]}, unknown={"id": True, "managed_image_id": True}),
    rc("azurerm_shared_image_version", "golden", {"gallery_name": "corpGallery", "image_name": "ubuntu-22.04-cis", "name": "1.4.0", "resource_group_name": "rg-golden"}, actions=("read",), mode="data", unknown={"id": True}),
]
# The read-during-plan data sources are in prior_state; the one above in resource_changes is a
# second, deferred read of another data source.
changes[-1]["address"] = "data.azurerm_shared_image_version.deferred"; changes[-1]["name"] = "deferred"
changes[-1]["action_reason"] = "read_because_dependency_pending"
variables = {"image_id": {"value": DEFN}, "admin_password": {"value": "Sup3r-Secret-Pa55!"}, "fleet_image": {"value": MANAGED}}
prior = {"format_version": "1.0", "terraform_version": "1.9.5", "values": {"root_module": {"resources": [
    {"address": "data.azurerm_shared_image_version.golden", "mode": "data", "type": "azurerm_shared_image_version", "name": "golden", "provider_name": AZ, "schema_version": 0,
     "values": {"exclude_from_latest": False, "gallery_name": "corpGallery", "id": GOLDEN, "image_name": "ubuntu-22.04-cis", "location": "westeurope", "managed_image_id": "", "name": "1.4.0", "os_disk_image_size_gb": 30, "os_disk_snapshot_id": "", "resource_group_name": "rg-golden", "sort_versions_by_semver": False, "tags": {}, "target_region": [{"name": "westeurope", "regional_replica_count": 1, "storage_account_type": "Standard_LRS"}], "timeouts": None},
     "sensitive_values": {"tags": {}, "target_region": [{}]}},
    {"address": "data.azurerm_image.legacy", "mode": "data", "type": "azurerm_image", "name": "legacy", "provider_name": AZ, "schema_version": 0,
     "values": {"data_disk": [], "id": MANAGED, "location": "westeurope", "name": "legacy-ubuntu", "name_regex": None, "os_disk": [{"blob_uri": "", "caching": "ReadWrite", "managed_disk_id": "", "os_state": "Generalized", "os_type": "Linux", "size_gb": 30}], "resource_group_name": "rg-legacy", "sort_descending": False, "tags": {}, "timeouts": None, "zone_resilient": False},
     "sensitive_values": {"data_disk": [], "os_disk": [{}], "tags": {}}},
]}}}
config = {"provider_config": {"azurerm": {"name": "azurerm", "full_name": AZ, "expressions": {"features": [{}]}}},
  "root_module": {
    "resources": [
      cfg_res("azurerm_linux_virtual_machine", "from_data", {"name": {"constant_value": "vm-data"}, "source_image_id": {"references": ["data.azurerm_shared_image_version.golden.id", "data.azurerm_shared_image_version.golden"]}, "admin_password": {"references": ["var.admin_password"]}}),
      cfg_res("azurerm_linux_virtual_machine", "from_legacy_data", {"name": {"constant_value": "vm-legacy-data"}, "source_image_id": {"references": ["data.azurerm_image.legacy.id", "data.azurerm_image.legacy"]}}),
      cfg_res("azurerm_linux_virtual_machine", "from_var", {"name": {"constant_value": "vm-var"}, "source_image_id": {"references": ["var.image_id"]}}),
      cfg_res("azurerm_linux_virtual_machine", "from_new_image", {"name": {"constant_value": "vm-new-image"}, "source_image_id": {"references": ["azurerm_shared_image_version.next.id", "azurerm_shared_image_version.next"]}}),
      cfg_res("azurerm_linux_virtual_machine", "whole_block", {"name": {"constant_value": "vm-block"}, "source_image_reference": [{"offer": {"references": ["data.azurerm_shared_image_version.deferred.tags[\"offer\"]", "data.azurerm_shared_image_version.deferred.tags", "data.azurerm_shared_image_version.deferred"]}, "publisher": {"constant_value": "Canonical"}, "sku": {"references": ["var.image_id", "local.sku"]}, "version": {"constant_value": "latest"}}]}),
      cfg_res("azurerm_linux_virtual_machine", "one_field", {"name": {"constant_value": "vm-field"}, "source_image_reference": [{"offer": {"constant_value": "0001-com-ubuntu-server-jammy"}, "publisher": {"constant_value": "Canonical"}, "sku": {"references": ["local.sku"]}, "version": {"constant_value": "latest"}}]}),
      cfg_res("azurerm_linux_virtual_machine", "opaque_block", {"name": {"constant_value": "vm-opaque"}}),
      cfg_res("azurerm_linux_virtual_machine", "from_baked_image", {"name": {"constant_value": "vm-baked"}, "source_image_id": {"references": ["azurerm_image.baked.id", "azurerm_image.baked"]}}),
      cfg_res("azurerm_image", "baked", {"name": {"constant_value": "baked-ubuntu"}, "resource_group_name": {"constant_value": "rg-build"}}),
      cfg_res("azurerm_shared_image_version", "next", {"name": {"constant_value": "1.5.0"}}),
      cfg_res("azurerm_shared_image_version", "golden", {"gallery_name": {"constant_value": "corpGallery"}, "image_name": {"constant_value": "ubuntu-22.04-cis"}, "name": {"constant_value": "1.4.0"}, "resource_group_name": {"constant_value": "rg-golden"}}, mode="data"),
      cfg_res("azurerm_image", "legacy", {"name": {"constant_value": "legacy-ubuntu"}, "resource_group_name": {"constant_value": "rg-legacy"}}, mode="data"),
    ],
    "module_calls": {"fleet": {"source": "./modules/fleet", "expressions": {"image": {"references": ["var.fleet_image"]}},
      "module": {"resources": [cfg_res("azurerm_linux_virtual_machine_scale_set", "vmss", {"name": {"constant_value": "vmss-mod"}, "source_image_id": {"references": ["var.image"]}})],
                 "variables": {"image": {"description": "Image ID for the fleet"}}}},
      "pool": {"source": "./modules/fleet", "expressions": {"image": {"references": ["azurerm_shared_image_version.next.id", "azurerm_shared_image_version.next"]}},
      "module": {"resources": [cfg_res("azurerm_linux_virtual_machine_scale_set", "vmss", {"name": {"constant_value": "vmss-pool"}, "source_image_id": {"references": ["var.image"]}})],
                 "variables": {"image": {"description": "Image ID for the fleet"}}}}},
    "variables": {"image_id": {"description": "Gallery image"}, "admin_password": {"sensitive": True}, "fleet_image": {}},
  }}
dump("unknowns-1.2.json", plan_doc("1.2", "1.9.5", changes, variables=variables, prior=prior, config=config))

# 5. azapi resources: body as an object (azapi 2.x) and as a JSON string (azapi 1.x).
arm_vm = {"location": "westeurope", "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v5"},
          "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"}, "osDisk": {"createOption": "FromImage"}},
          "osProfile": {"adminUsername": "azureuser", "adminPassword": "Sup3r-Secret-Pa55!", "computerName": "vm-azapi"}}}
arm_vmss = {"location": "westeurope", "sku": {"name": "Standard_D2s_v5", "capacity": 2}, "properties": {"virtualMachineProfile": {"storageProfile": {"imageReference": {"id": GOLDEN}}}}}
arm_disk = {"location": "westeurope", "properties": {"creationData": {"createOption": "FromImage", "galleryImageReference": {"id": DEFN}}}}
changes = [
    rc("azapi_resource", "vm", {"body": arm_vm, "ignore_casing": False, "ignore_missing_property": True, "location": "westeurope", "name": "vm-azapi", "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-app", "schema_validation_enabled": True, "type": "Microsoft.Compute/virtualMachines@2024-03-01"}, provider=AZAPI, unknown={"id": True, "output": True}, sensitive={"body": {"properties": {"osProfile": {"adminPassword": True}}}}),
    rc("azapi_resource", "vmss", {"body": json.dumps(arm_vmss, separators=(',', ':')), "location": "westeurope", "name": "vmss-azapi", "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-app", "type": "Microsoft.Compute/virtualMachineScaleSets@2024-03-01"}, provider=AZAPI, unknown={"id": True, "output": True}),
    rc("azapi_update_resource", "disk", {"body": json.dumps(arm_disk, separators=(',', ':')), "resource_id": f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/disks/data-disk", "type": "Microsoft.Compute/disks@2023-10-02"}, provider=AZAPI, actions=("update",), before={}, unknown={"output": True}),
    rc("azapi_resource", "vnet", {"body": {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}, "name": "vnet", "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-app", "type": "Microsoft.Network/virtualNetworks@2024-01-01"}, provider=AZAPI, unknown={"id": True}),
]
dump("azapi-1.2.json", plan_doc("1.2", "1.9.5", changes))

# 6. Other image-bearing types.
changes = [
    rc("azurerm_managed_disk", "from_platform", {"create_option": "FromImage", "disk_size_gb": 64, "image_reference_id": "/Subscriptions/" + SUB + "/Providers/Microsoft.Compute/Locations/westeurope/Publishers/Canonical/ArtifactTypes/VMImage/Offers/0001-com-ubuntu-server-jammy/Skus/22_04-lts-gen2/Versions/22.04.202410020", "gallery_image_reference_id": None, "location": "westeurope", "name": "disk-platform", "resource_group_name": "rg-app", "storage_account_type": "Premium_LRS"}, unknown={"id": True}),
    rc("azurerm_managed_disk", "from_gallery", {"create_option": "FromImage", "disk_size_gb": 64, "image_reference_id": None, "gallery_image_reference_id": GOLDEN, "location": "westeurope", "name": "disk-gallery", "resource_group_name": "rg-app", "storage_account_type": "Premium_LRS"}, unknown={"id": True}),
    rc("azurerm_managed_disk", "empty", {"create_option": "Empty", "disk_size_gb": 64, "image_reference_id": None, "gallery_image_reference_id": None, "location": "westeurope", "name": "disk-empty", "resource_group_name": "rg-app", "storage_account_type": "Standard_LRS"}, unknown={"id": True}),
    rc("azurerm_dev_test_linux_virtual_machine", "lab", {"allow_claim": True, "disallow_public_ip_address": True, "gallery_image_reference": [{"offer": "0001-com-ubuntu-server-jammy", "publisher": "Canonical", "sku": "22_04-lts", "version": "latest"}], "lab_name": "lab", "lab_subnet_name": "labSubnet", "lab_virtual_network_id": "x", "location": "westeurope", "name": "labvm", "password": "Sup3r-Secret-Pa55!", "resource_group_name": "rg-lab", "size": "Standard_B2s", "storage_type": "Standard", "username": "labuser"}, unknown={"id": True, "fqdn": True, "unique_identifier": True, "inbound_nat_rule": []}, sensitive={"password": True}),
    rc("azurerm_dev_test_windows_virtual_machine", "labwin", {"gallery_image_reference": [{"offer": "WindowsServer", "publisher": "MicrosoftWindowsServer", "sku": "2022-Datacenter", "version": "latest"}], "lab_name": "lab", "location": "westeurope", "name": "labwin", "password": "Sup3r-Secret-Pa55!", "resource_group_name": "rg-lab", "size": "Standard_B2s", "storage_type": "Standard", "username": "labuser"}, unknown={"id": True}, sensitive={"password": True}),
    rc("azurerm_batch_pool", "golden", {"account_name": "batchacct", "name": "pool-golden", "node_agent_sku_id": "batch.node.ubuntu 22.04", "resource_group_name": "rg-batch", "vm_size": "Standard_D2s_v5", "storage_image_reference": [{"id": GOLDEN, "offer": None, "publisher": None, "sku": None, "version": None}], "fixed_scale": [{"target_dedicated_nodes": 2}]}, unknown={"id": True}),
    rc("azurerm_batch_pool", "market", {"account_name": "batchacct", "name": "pool-market", "node_agent_sku_id": "batch.node.ubuntu 22.04", "resource_group_name": "rg-batch", "vm_size": "Standard_D2s_v5", "storage_image_reference": [{"id": None, "offer": "ubuntu-hpc", "publisher": "microsoft-dsvm", "sku": "2204", "version": "latest"}], "fixed_scale": [{"target_dedicated_nodes": 2}]}, unknown={"id": True}),
    rc("azurerm_dev_center_dev_box_definition", "devbox", {"dev_center_id": f"/subscriptions/{SUB}/resourceGroups/rg-dev/providers/Microsoft.DevCenter/devCenters/dc", "image_reference_id": f"/subscriptions/{SUB}/resourceGroups/rg-dev/providers/Microsoft.DevCenter/devCenters/dc/galleries/default/images/microsoftwindowsdesktop_windows-ent-cpc_win11-22h2-ent-cpc-os", "location": "westeurope", "name": "devbox-win11", "sku_name": "general_i_8c32gb256ssd_v2", "tags": None}, unknown={"id": True}),
]
dump("other-types-1.2.json", plan_doc("1.2", "1.9.5", changes))

# 7. AWS-only plan.
changes = [rc("aws_instance", "web", {"ami": "ami-0c55b159cbfafe1f0", "instance_type": "t3.micro", "tags": {"Name": "web"}}, provider="registry.terraform.io/hashicorp/aws", unknown={"id": True, "arn": True}),
           rc("aws_launch_template", "lt", {"image_id": "ami-0c55b159cbfafe1f0", "name": "lt"}, provider="registry.terraform.io/hashicorp/aws", unknown={"id": True})]
dump("aws-only-1.2.json", plan_doc("1.2", "1.9.5", changes))

# 8. A state (terraform show -json on the state): what is deployed.
state = {"format_version": "1.0", "terraform_version": "1.9.5", "values": {"root_module": {"resources": [
    {"address": "azurerm_linux_virtual_machine.deployed", "mode": "managed", "type": "azurerm_linux_virtual_machine", "name": "deployed", "provider_name": AZ, "schema_version": 0,
     "values": dict(linux_vm("vm-deployed", ref=UBUNTU), id=f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-deployed"),
     "sensitive_values": VM_SENSITIVE},
    {"address": "data.azurerm_shared_image_version.golden", "mode": "data", "type": "azurerm_shared_image_version", "name": "golden", "provider_name": AZ, "schema_version": 0, "values": {"id": GOLDEN, "name": "1.4.0"}, "sensitive_values": {}},
  ], "child_modules": [{"address": "module.web", "resources": [
    {"address": "module.web.azurerm_linux_virtual_machine.vm[\"a.b\"]", "mode": "managed", "type": "azurerm_linux_virtual_machine", "name": "vm", "index": "a.b", "provider_name": AZ, "schema_version": 0,
     "values": dict(linux_vm("vm-web", image_id=GOLDEN), id=f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web"),
     "sensitive_values": VM_SENSITIVE}]}]}}}
dump("state-1.0.json", state)

# 9. A future format this version does not read.
dump("format-2.0.json", plan_doc("2.0", "2.0.0", [rc("azurerm_linux_virtual_machine", "vm", linux_vm("vm", ref=UBUNTU))]))

# 10. UTF-16 LE with BOM, as PowerShell's `>` writes it (pretty-printed, CRLF).
doc = plan_doc("1.2", "1.9.5", [rc("azurerm_linux_virtual_machine", "ps", linux_vm("vm-ps", ref=UBUNTU), unknown=VM_UNKNOWN, sensitive=VM_SENSITIVE)])
text = json.dumps(doc, indent=2).replace("\n", "\r\n") + "\r\n"
with open(os.path.join(OUT, "utf16le-bom-1.2.json"), "wb") as f:
    f.write(b"\xff\xfe" + text.encode("utf-16-le"))

# 11. Image-bearing types and forms the catalogue missed before issue #9 (format 1.2).
UB = {"offer": "0001-com-ubuntu-server-jammy", "publisher": "Canonical", "sku": "22_04-lts-gen2", "version": "latest"}
# Without `$schema`: a plan holding the ARM marker is also offered to the ARM frontend first
# (which declines it), and the sniffing test wants tfplan fixtures free of it.
arm_vm_template = {"contentVersion": "1.0.0.0",
    "parameters": {"imageSku": {"type": "string", "defaultValue": "22_04-lts-gen2"}},
    "resources": [{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-03-01", "name": "vm-arm", "location": "westeurope",
                   "properties": {"storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "[parameters('imageSku')]", "version": "latest"}}}}]}
arm_storage_template = {"contentVersion": "1.0.0.0",
    "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "stapp001", "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}]}
changes = [
    rc("azurerm_compute_fleet", "multi", {"location": "westeurope", "name": "fleet-multi", "resource_group_name": "rg-app", "plan": [],
       "virtual_machine_profile": [{"network_api_version": "2020-11-01", "source_image_id": GOLDEN, "source_image_reference": []}],
       "additional_location_profile": [
           {"location": "northeurope", "virtual_machine_profile_override": []},
           {"location": "eastus", "virtual_machine_profile_override": [{"network_api_version": "2020-11-01", "source_image_id": None, "source_image_reference": [UB]}]}]}, unknown={"id": True}),
    rc("azurerm_service_fabric_managed_cluster", "sf", {"location": "westeurope", "name": "sfmc", "resource_group_name": "rg-app", "client_connection_port": 19000, "http_gateway_port": 19080,
       "node_type": [
           {"name": "system", "primary": True, "vm_image_publisher": "MicrosoftWindowsServer", "vm_image_offer": "WindowsServer", "vm_image_sku": "2022-Datacenter", "vm_image_version": "latest", "vm_instance_count": 5, "vm_size": "Standard_D2s_v5"},
           {"name": "app", "primary": False, "vm_image_publisher": "MicrosoftWindowsServer", "vm_image_offer": "WindowsServer", "vm_image_sku": "2019-Datacenter", "vm_image_version": "latest", "vm_instance_count": 3, "vm_size": "Standard_D2s_v5"}]}, unknown={"id": True}),
    rc("azurerm_lab_service_lab", "lab", {"location": "westeurope", "name": "lab-intro", "resource_group_name": "rg-lab", "title": "Intro",
       "virtual_machine": [{"admin_user": [{"password": "Sup3r-Secret-Pa55!", "username": "labadmin"}], "image_reference": [{"id": None, "offer": "0001-com-ubuntu-server-jammy", "publisher": "canonical", "sku": "22_04-lts-gen2", "version": "latest"}], "sku": [{"capacity": 1, "name": "Classic_Fsv2_2_4GB_128_S_SSD"}]}]},
       unknown={"id": True}, sensitive={"virtual_machine": [{"admin_user": [{"password": True}]}]}),
    rc("azurerm_managed_disk", "imported", {"create_option": "Import", "location": "westeurope", "name": "disk-imported", "os_type": "Linux", "resource_group_name": "rg-app", "source_uri": "https://legacyimages.blob.core.windows.net/vhds/ubuntu-base.vhd", "storage_account_id": f"/subscriptions/{SUB}/resourceGroups/rg-legacy/providers/Microsoft.Storage/storageAccounts/legacyimages", "storage_account_type": "Premium_LRS", "image_reference_id": None, "gallery_image_reference_id": None}, unknown={"id": True}),
    rc("azurerm_managed_disk", "imported_data", {"create_option": "Import", "location": "westeurope", "name": "disk-imported-data", "os_type": None, "resource_group_name": "rg-app", "source_uri": "https://legacyimages.blob.core.windows.net/vhds/data.vhd", "storage_account_id": f"/subscriptions/{SUB}/resourceGroups/rg-legacy/providers/Microsoft.Storage/storageAccounts/legacyimages", "storage_account_type": "Premium_LRS", "image_reference_id": None, "gallery_image_reference_id": None}, unknown={"id": True}),
    rc("azurerm_managed_disk", "os_golden", {"create_option": "FromImage", "location": "westeurope", "name": "osdisk-golden", "resource_group_name": "rg-app", "gallery_image_reference_id": GOLDEN, "image_reference_id": None, "source_uri": None, "storage_account_type": "Premium_LRS"}, unknown={"id": True}),
    rc("azurerm_virtual_machine", "restored", legacy_vm("vm-restored", os_disk={"caching": "ReadWrite", "create_option": "Attach", "image_uri": None, "managed_disk_type": "Premium_LRS", "name": "disk-imported", "os_type": "Linux", "vhd_uri": None, "write_accelerator_enabled": False}), unknown={"id": True, "storage_os_disk": [{"managed_disk_id": True}]}),
    rc("azurerm_linux_virtual_machine", "attached", dict(linux_vm("vm-attached"), os_managed_disk_id=None), unknown=dict(VM_UNKNOWN, os_managed_disk_id=True), sensitive=VM_SENSITIVE),
    rc("azurerm_resource_group_template_deployment", "vm_template", {"deployment_mode": "Incremental", "name": "deploy-vm", "resource_group_name": "rg-app", "template_content": json.dumps(arm_vm_template, indent=2), "parameters_content": json.dumps({"imageSku": {"value": "22_04-lts-gen2"}})}, unknown={"id": True, "output_content": True}),
    rc("azurerm_resource_group_template_deployment", "storage_template", {"deployment_mode": "Incremental", "name": "deploy-storage", "resource_group_name": "rg-app", "template_content": json.dumps(arm_storage_template, indent=2), "parameters_content": None}, unknown={"id": True, "output_content": True}),
    rc("azapi_resource", "deployment", {"body": {"properties": {"mode": "Incremental", "template": arm_vm_template}}, "name": "deploy-azapi", "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-app", "type": "Microsoft.Resources/deployments@2022-09-01"}, provider=AZAPI, unknown={"id": True, "output": True}),
    rc("azapi_resource", "storage_deployment", {"body": {"properties": {"mode": "Incremental", "template": arm_storage_template}}, "name": "deploy-azapi-storage", "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-app", "type": "Microsoft.Resources/deployments@2022-09-01"}, provider=AZAPI, unknown={"id": True, "output": True}),
    rc("azapi_resource_action", "put_vm", {"action": "", "body": {"location": "westeurope", "properties": {"storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"}}}}, "method": "PUT", "resource_id": f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-put", "type": "Microsoft.Compute/virtualMachines@2024-03-01"}, provider=AZAPI, unknown={"id": True, "output": True}),
    rc("azapi_resource_action", "start_vm", {"action": "start", "body": None, "method": "POST", "resource_id": f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-put", "type": "Microsoft.Compute/virtualMachines@2024-03-01"}, provider=AZAPI, unknown={"id": True, "output": True}),
]
config = {"provider_config": {"azurerm": {"name": "azurerm", "full_name": AZ, "expressions": {"features": [{}]}}},
  "root_module": {"resources": [
      cfg_res("azurerm_virtual_machine", "restored", {"name": {"constant_value": "vm-restored"}, "storage_os_disk": [{"create_option": {"constant_value": "Attach"}, "managed_disk_id": {"references": ["azurerm_managed_disk.imported.id", "azurerm_managed_disk.imported"]}}]}),
      cfg_res("azurerm_linux_virtual_machine", "attached", {"name": {"constant_value": "vm-attached"}, "os_managed_disk_id": {"references": ["azurerm_managed_disk.os_golden.id", "azurerm_managed_disk.os_golden"]}}),
  ]}}
dump("catalogue-gaps-1.2.json", plan_doc("1.2", "1.9.5", changes, config=config))

# 12. ARM templates embedded in template deployments and an azapi deployment, judged by the
# ARM frontend with the parameters the resource gives (issue #9, class 6). Without `$schema`
# (see 11).
def vm_template(name, image, parameters=None):
    return {"contentVersion": "1.0.0.0", "parameters": parameters or {},
            "resources": [{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-03-01", "name": name, "location": "westeurope",
                           "properties": {"storageProfile": {"imageReference": image}}}]}
by_id = {"id": "[parameters('imageId')]"}
id_param = {"imageId": {"type": "string", "defaultValue": MANAGED}}
sku_param = {"imageSku": {"type": "string"}}
by_sku = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "[parameters('imageSku')]", "version": "latest"}
linked = {"contentVersion": "1.0.0.0", "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nested-vm",
          "properties": {"mode": "Incremental", "templateLink": {"relativePath": "nested/vm.json"}}}]}
def deployment(name, template, parameters, rtype="azurerm_resource_group_template_deployment", unknown=None, sensitive=None):
    after = {"deployment_mode": "Incremental", "name": f"deploy-{name}", "template_content": template, "parameters_content": parameters}
    if rtype == "azurerm_resource_group_template_deployment":
        after["resource_group_name"] = "rg-app"
    else:
        after["location"] = "westeurope"
    return rc(rtype, name, after, unknown=dict({"id": True, "output_content": True}, **(unknown or {})), sensitive=sensitive)
changes = [
    # A Marketplace image written in the template: IG001 at `template_content`.
    deployment("marketplace", json.dumps(vm_template("vm-marketplace", UB), indent=2), None),
    # The image comes from `parameters_content`: a golden gallery version (the default, a legacy
    # managed image, is not what is deployed).
    deployment("golden", json.dumps(vm_template("vm-golden", by_id, id_param), indent=2), json.dumps({"imageId": {"value": GOLDEN}})),
    # The same template with its parameters sensitive: the default is no answer (IG002).
    deployment("hidden_parameters", json.dumps(vm_template("vm-hidden", by_id, id_param), indent=2), None, sensitive={"parameters_content": True}),
    # A template known only after apply: IG002.
    deployment("unknown", None, None, unknown={"template_content": True}),
    # A sensitive template: IG002 (never read).
    deployment("sensitive", None, None, sensitive={"template_content": True}),
    # Not JSON: Azure cannot deploy it; IG000 at the attribute.
    deployment("not_json", '{"contentVersion": "1.0.0.0", "resources": [', None),
    # A relative link from an embedded template leads nowhere: IG002.
    deployment("linked", json.dumps(linked, indent=2), None),
    # Subscription scope, parameters in the wrapped form: IG001.
    deployment("subscription", json.dumps(vm_template("vm-sub", by_sku, sku_param)), json.dumps({"contentVersion": "1.0.0.0", "parameters": {"imageSku": {"value": "22_04-lts-gen2"}}}), rtype="azurerm_subscription_template_deployment"),
    # azapi: template and parameters in the body: IG001 for the Marketplace SKU, at the template.
    rc("azapi_resource", "deployment", {"body": {"properties": {"mode": "Incremental", "template": vm_template("vm-azapi", by_sku, sku_param), "parameters": {"imageSku": {"value": "22_04-lts-gen2"}}}},
       "name": "deploy-azapi", "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-app", "type": "Microsoft.Resources/deployments@2022-09-01"}, provider=AZAPI, unknown={"id": True, "output": True}),
    # azapi with the golden version as its parameter: compliant.
    rc("azapi_resource", "golden_deployment", {"body": {"properties": {"mode": "Incremental", "template": vm_template("vm-azapi-golden", by_id, id_param), "parameters": {"imageId": {"value": GOLDEN}}}},
       "name": "deploy-azapi-golden", "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-app", "type": "Microsoft.Resources/deployments@2022-09-01"}, provider=AZAPI, unknown={"id": True, "output": True}),
]
dump("embedded-1.2.json", plan_doc("1.2", "1.9.5", changes))
