#!/usr/bin/env python3
"""Generate a synthetic repository of Azure ARM templates for benchmarking imagegate.

Usage:
    gen_corpus.py OUT_DIR --templates N [--noise M] [--seed S] [--manifest FILE]

Writes into OUT_DIR, which must be missing or empty:

* N ARM templates (deploymentTemplate.json 2019-04-01 `$schema`), spread over nested folders
  laid out like azure-quickstart-templates, a landing zone and a modules tree. Each template is
  2-20 KB and holds 1-3 virtual machines or scale sets, along with VNets, NICs, public IPs, NSGs,
  parameters, variables and outputs. The image references mix marketplace images, literal
  gallery image-version ids, gallery image-definition ids without a version, managed images,
  community and shared gallery ids, and ARM expressions (`[parameters('imageId')]`,
  `[variables('imageReference')]`, `concat(...)`, `resourceId(...)`, ...). A few
  templates hold a VM inside a nested deployment (Microsoft.Resources/deployments).
* A sibling `azuredeploy.parameters.json` (or `<name>.parameters.json`) for some templates.
* M noise files that are JSON but are not templates: package.json, package-lock.json,
  tsconfig.json (sometimes with comments, as tsc allows), appsettings.json, metadata.json,
  random data files (some of them about 200 KB).
* README.md files.

Python 3.11 standard library only. The same arguments always produce the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"

MIN_TEMPLATE = 2 * 1024
MAX_TEMPLATE = 20 * 1024

WORDS = (
    "alpha bravo cedar delta ember falcon garnet harbor iris juniper kestrel lumen maple nova "
    "onyx pine quartz raven sable tundra umber vesper willow xenon yarrow zephyr app web api "
    "data edge core batch build cache gateway hub spoke jump bastion worker agent runner sql "
    "etl ml gpu render kiosk vdi legacy payroll crm erp portal search stream ingest"
).split()

REGIONS = ["eastus", "eastus2", "westus2", "westeurope", "northeurope", "uksouth",
           "swedencentral", "australiaeast", "japaneast", "centralus", "francecentral"]
ENVS = ["dev", "test", "staging", "prod", "sandbox", "dr"]
PROVIDERS = ["microsoft.compute", "microsoft.network", "application-workloads",
             "demos", "microsoft.devtestlab", "microsoft.azurestack"]

MARKETPLACE = [
    ("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest"),
    ("Canonical", "0001-com-ubuntu-server-focal", "20_04-lts-gen2", "latest"),
    ("Canonical", "ubuntu-24_04-lts", "server", "latest"),
    ("Canonical", "UbuntuServer", "18.04-LTS", "latest"),
    ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition", "latest"),
    ("MicrosoftWindowsServer", "WindowsServer", "2019-Datacenter", "17763.5458.240304"),
    ("MicrosoftWindowsServer", "WindowsServer", "2016-Datacenter", "latest"),
    ("MicrosoftWindowsDesktop", "windows-11", "win11-23h2-pro", "latest"),
    ("RedHat", "RHEL", "9-lvm-gen2", "latest"),
    ("RedHat", "RHEL", "8-lvm-gen2", "8.9.2024040911"),
    ("OpenLogic", "CentOS", "7_9-gen2", "latest"),
    ("Debian", "debian-12", "12-gen2", "latest"),
    ("SUSE", "sles-15-sp5", "gen2", "latest"),
    ("MicrosoftSQLServer", "sql2022-ws2022", "standard-gen2", "latest"),
    ("microsoft-dsvm", "ubuntu-2004", "2004-gen2", "latest"),
]
# Marketplace images that need a purchase plan.
PLAN_IMAGES = [
    ("center-for-internet-security-inc", "cis-ubuntu-linux-2204-l1", "cis-ubuntu2204-l1-gen2"),
    ("fortinet", "fortinet_fortigate-vm_v5", "fortinet_fg-vm_payg_2023"),
    ("paloaltonetworks", "vmseries-flex", "byol"),
]
GALLERY_IMAGES = ["ubuntu-22.04-cis", "ubuntu-24.04-base", "win2022-hardened", "win2019-iis",
                  "rhel9-base", "rhel8-sap", "debian12-minimal", "win11-avd", "sles15-hana",
                  "ubuntu-22.04-gpu", "win2022-sql2022", "mariner2-base"]
LINUX_HINTS = ("ubuntu", "rhel", "debian", "sles", "mariner", "centos", "cis")
VM_SIZES = ["Standard_B2s", "Standard_D2s_v5", "Standard_D4s_v5", "Standard_E4s_v5",
            "Standard_F4s_v2", "Standard_DS1_v2", "Standard_NC6s_v3", "Standard_D8ads_v5"]
API_VM = ["2023-09-01", "2023-03-01", "2022-11-01", "2022-03-01", "2021-11-01", "2020-06-01"]
API_NET = ["2023-09-01", "2023-04-01", "2022-07-01", "2021-05-01", "2020-11-01"]

# Kinds of image reference and their weights.
IMAGE_KINDS = [
    ("marketplace", 22),
    ("marketplace-params", 8),
    ("marketplace-plan", 3),
    ("gallery-version", 18),
    ("gallery-latest", 3),
    ("gallery-definition", 8),
    ("gallery-other", 5),
    ("managed-image", 6),
    ("param-imageId", 9),
    ("variable-object", 5),
    ("variable-lookup", 4),
    ("concat-expression", 3),
    ("resourceId-expression", 3),
    ("community-gallery", 1),
    ("shared-gallery", 2),
]


@dataclass
class Ctx:
    """State shared by the pieces of one template."""

    rng: random.Random
    golden_sub: str
    other_subs: list[str]
    parameters: dict = field(default_factory=dict)
    variables: dict = field(default_factory=dict)
    resources: list = field(default_factory=list)
    outputs: dict = field(default_factory=dict)
    param_values: dict = field(default_factory=dict)
    images: list = field(default_factory=list)
    slim: bool = False  # small template: no NSG, no public IP, no parameter descriptions

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def add_param(self, name: str, spec: dict, value=None) -> str:
        if self.slim:
            spec = {k: v for k, v in spec.items() if k != "metadata"}
        self.parameters.setdefault(name, spec)
        if value is not None:
            self.param_values.setdefault(name, value)
        return f"[parameters('{name}')]"


def guid(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.randrange(4)]}{h[17:20]}-{h[20:]}"


def version(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return f"{rng.choice([2023, 2024, 2025])}.{rng.randint(1, 12)}{rng.randint(10, 28)}.{rng.randint(0, 9)}"
    return f"{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 60)}"


def gallery_prefix(sub: str, rg: str = "rg-golden", gallery: str = "corpGallery") -> str:
    return (f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/"
            f"galleries/{gallery}")


def image_reference(ctx: Ctx) -> tuple[object, str, dict | None]:
    """Returns (imageReference value, kind, plan or None)."""
    rng = ctx.rng
    kind = rng.choices([k for k, _ in IMAGE_KINDS], weights=[w for _, w in IMAGE_KINDS])[0]
    img = rng.choice(GALLERY_IMAGES)
    plan = None
    if kind == "marketplace":
        pub, offer, sku, ver = rng.choice(MARKETPLACE)
        ref = {"publisher": pub, "offer": offer, "sku": sku, "version": ver}
    elif kind == "marketplace-params":
        pub, offer, sku, ver = rng.choice(MARKETPLACE)
        alts = sorted({m[2] for m in MARKETPLACE if m[0] == pub} | {sku})
        ref = {
            "publisher": ctx.add_param("imagePublisher", {"type": "string", "defaultValue": pub}),
            "offer": ctx.add_param("imageOffer", {"type": "string", "defaultValue": offer}),
            "sku": ctx.add_param("osVersion", {
                "type": "string", "defaultValue": sku, "allowedValues": alts,
                "metadata": {"description": "The OS version (SKU) of the marketplace image."}}),
            "version": ver,
        }
    elif kind == "marketplace-plan":
        pub, offer, sku = rng.choice(PLAN_IMAGES)
        ref = {"publisher": pub, "offer": offer, "sku": sku, "version": "latest"}
        plan = {"name": sku, "publisher": pub, "product": offer}
    elif kind == "gallery-version":
        ref = {"id": f"{gallery_prefix(ctx.golden_sub)}/images/{img}/versions/{version(rng)}"}
    elif kind == "gallery-latest":
        ref = {"id": f"{gallery_prefix(ctx.golden_sub)}/images/{img}/versions/latest"}
    elif kind == "gallery-definition":
        ref = {"id": f"{gallery_prefix(ctx.golden_sub)}/images/{img}"}
    elif kind == "gallery-other":
        sub = rng.choice(ctx.other_subs)
        rg = rng.choice(["rg-sandbox", "rg-images-dev", "rg-team-" + ctx.word()])
        gal = rng.choice(["devGallery", "teamGallery", "corpGallery", "sig_" + ctx.word()])
        tail = f"/versions/{version(rng)}" if rng.random() < 0.7 else ""
        ref = {"id": f"{gallery_prefix(sub, rg, gal)}/images/{img}{tail}"}
    elif kind == "managed-image":
        sub = rng.choice([ctx.golden_sub] + ctx.other_subs)
        rg = rng.choice(["rg-golden", "rg-images", "rg-legacy-build"])
        ref = {"id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/"
                     f"images/{img}-{rng.randint(100, 999)}"}
    elif kind == "param-imageId":
        spec = {"type": "string", "metadata": {"description": "Resource id of the image to boot from."}}
        value = f"{gallery_prefix(ctx.golden_sub)}/images/{img}/versions/{version(rng)}"
        if rng.random() < 0.5:
            spec["defaultValue"] = value
        ref = {"id": ctx.add_param("imageId", spec, value)}
    elif kind == "variable-object":
        pub, offer, sku, ver = rng.choice(MARKETPLACE)
        ctx.variables.setdefault("imageReference",
                                 {"publisher": pub, "offer": offer, "sku": sku, "version": ver})
        ref = "[variables('imageReference')]"
    elif kind == "variable-lookup":
        ctx.add_param("osType", {"type": "string", "defaultValue": "Ubuntu",
                                 "allowedValues": ["Ubuntu", "Windows", "Gallery"]})
        ctx.variables.setdefault("imageReferences", {
            "Ubuntu": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
                       "sku": "22_04-lts-gen2", "version": "latest"},
            "Windows": {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer",
                        "sku": "2022-datacenter-azure-edition", "version": "latest"},
            "Gallery": {"id": f"{gallery_prefix(ctx.golden_sub)}/images/{img}/versions/{version(rng)}"},
        })
        ref = "[variables('imageReferences')[parameters('osType')]]"
    elif kind == "concat-expression":
        ctx.add_param("imageName", {"type": "string", "defaultValue": img})
        ctx.add_param("imageVersion", {"type": "string", "defaultValue": "latest"})
        ref = {"id": "[concat('/subscriptions/', subscription().subscriptionId, "
                     "'/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/"
                     "images/', parameters('imageName'), '/versions/', parameters('imageVersion'))]"}
    elif kind == "resourceId-expression":
        ctx.add_param("galleryImageVersion", {"type": "string", "defaultValue": version(rng)})
        ref = {"id": f"[resourceId('{ctx.golden_sub}', 'rg-golden', "
                     f"'Microsoft.Compute/galleries/images/versions', 'corpGallery', '{img}', "
                     "parameters('galleryImageVersion'))]"}
    elif kind == "community-gallery":
        ref = {"communityGalleryImageId":
               f"/CommunityGalleries/contoso-{guid(rng)}/Images/{img}/Versions/latest"}
    else:  # shared-gallery
        ref = {"sharedGalleryImageId":
               f"/SharedGalleries/{ctx.golden_sub}-CORPGALLERY/Images/{img}/Versions/{version(rng)}"}
    return ref, kind, plan


def is_linux(ref: object) -> bool:
    text = json.dumps(ref).lower()
    return any(h in text for h in LINUX_HINTS) and "windows" not in text


def os_profile(ctx: Ctx, name_expr: str, linux: bool, vmss: bool) -> dict:
    key = "computerNamePrefix" if vmss else "computerName"
    prof = {key: name_expr, "adminUsername": ctx.add_param(
        "adminUsername", {"type": "string", "defaultValue": "azureuser",
                          "metadata": {"description": "Username for the administrator account."}})}
    if linux:
        prof["adminPassword"] = ctx.add_param("adminPasswordOrKey", {
            "type": "securestring",
            "metadata": {"description": "SSH key or password for the administrator account."}})
        prof["linuxConfiguration"] = {
            "disablePasswordAuthentication": "[equals(parameters('authenticationType'), 'sshPublicKey')]",
            "ssh": {"publicKeys": []}, "provisionVMAgent": True,
            "patchSettings": {"patchMode": "ImageDefault", "assessmentMode": "ImageDefault"}}
        ctx.add_param("authenticationType", {"type": "string", "defaultValue": "sshPublicKey",
                                             "allowedValues": ["sshPublicKey", "password"]})
    else:
        prof["adminPassword"] = ctx.add_param("adminPassword", {
            "type": "securestring", "minLength": 12,
            "metadata": {"description": "Password for the administrator account."}})
        prof["windowsConfiguration"] = {"enableAutomaticUpdates": True, "provisionVMAgent": True,
                                        "patchSettings": {"patchMode": "AutomaticByOS"}}
    return prof


def network(ctx: Ctx, prefix: str) -> tuple[str, str]:
    """Adds a VNet and an NSG once; returns (vnet variable ref, subnet id expression)."""
    if "vnetName" not in ctx.variables:
        ctx.variables["vnetName"] = f"[concat(parameters('prefix'), '-vnet')]"
        ctx.variables["subnetName"] = "default"
        ctx.variables["nsgName"] = f"[concat(parameters('prefix'), '-nsg')]"
        ctx.variables["subnetRef"] = ("[resourceId('Microsoft.Network/virtualNetworks/subnets', "
                                      "variables('vnetName'), variables('subnetName'))]")
        ctx.add_param("prefix", {"type": "string", "defaultValue": prefix, "maxLength": 12},
                      prefix)
        ctx.add_param("location", {"type": "string", "defaultValue": "[resourceGroup().location]",
                                   "metadata": {"description": "Location for all resources."}})
        ctx.add_param("addressPrefix", {"type": "string", "defaultValue": "10.0.0.0/16"})
        nsg_id = "[resourceId('Microsoft.Network/networkSecurityGroups', variables('nsgName'))]"
        subnet_props = {"addressPrefix": f"10.0.{ctx.rng.randint(0, 250)}.0/24"}
        vnet = {
            "type": "Microsoft.Network/virtualNetworks",
            "apiVersion": ctx.rng.choice(API_NET),
            "name": "[variables('vnetName')]",
            "location": "[parameters('location')]",
            "properties": {
                "addressSpace": {"addressPrefixes": ["[parameters('addressPrefix')]"]},
                "subnets": [{"name": "[variables('subnetName')]", "properties": subnet_props}],
            },
        }
        if not ctx.slim:
            ctx.resources.append({
                "type": "Microsoft.Network/networkSecurityGroups",
                "apiVersion": ctx.rng.choice(API_NET),
                "name": "[variables('nsgName')]",
                "location": "[parameters('location')]",
                "properties": {"securityRules": [security_rule(ctx, 1000)]},
            })
            vnet["dependsOn"] = [nsg_id]
            subnet_props["networkSecurityGroup"] = {"id": nsg_id}
        ctx.resources.append(vnet)
    return "[variables('vnetName')]", "[variables('subnetRef')]"


def security_rule(ctx: Ctx, priority: int) -> dict:
    port = ctx.rng.choice(["22", "3389", "443", "80", "8080", "5986", "1433", "9000-9100"])
    return {
        "name": f"Allow-{ctx.word()}-{port}-{priority}",
        "properties": {
            "priority": priority, "protocol": ctx.rng.choice(["Tcp", "Udp", "*"]),
            "access": ctx.rng.choice(["Allow", "Deny"]), "direction": "Inbound",
            "sourceAddressPrefix": ctx.rng.choice(["*", "VirtualNetwork", "10.0.0.0/8", "AzureLoadBalancer"]),
            "sourcePortRange": "*", "destinationAddressPrefix": "*",
            "destinationPortRange": port,
            "description": f"Allow {ctx.word()} traffic from the {ctx.word()} tier.",
        },
    }


def add_vm(ctx: Ctx, i: int, vmss: bool, nested: bool) -> None:
    rng = ctx.rng
    ref, kind, plan = image_reference(ctx)
    linux = is_linux(ref) if not isinstance(ref, str) else rng.random() < 0.6
    name_var = f"vm{i}Name"
    ctx.variables[name_var] = f"[concat(parameters('prefix'), '-{'vmss' if vmss else 'vm'}{i}')]"
    _, subnet = network(ctx, f"{ctx.word()}{rng.randint(1, 99)}")
    storage = {
        "imageReference": ref,
        "osDisk": {"createOption": "FromImage", "caching": "ReadWrite",
                   "managedDisk": {"storageAccountType": rng.choice(
                       ["Premium_LRS", "StandardSSD_LRS", "Standard_LRS", "Premium_ZRS"])}},
    }
    if rng.random() < 0.3:
        storage["dataDisks"] = [{"lun": d, "createOption": "Empty", "diskSizeGB": rng.choice([64, 128, 256, 1023])}
                                for d in range(rng.randint(1, 3))]
    size = ctx.add_param("vmSize", {"type": "string", "defaultValue": rng.choice(VM_SIZES),
                                    "metadata": {"description": "Size of the virtual machines."}})
    rtype = "Microsoft.Compute/virtualMachineScaleSets" if vmss else "Microsoft.Compute/virtualMachines"
    if rng.random() < 0.03:
        rtype = rtype.lower()  # ARM types are case-insensitive
    if vmss:
        res = {
            "type": rtype, "apiVersion": rng.choice(API_VM),
            "name": f"[variables('{name_var}')]", "location": "[parameters('location')]",
            "sku": {"name": size, "tier": "Standard",
                    "capacity": ctx.add_param("instanceCount", {"type": "int", "defaultValue": 2,
                                                                "minValue": 1, "maxValue": 100})},
            "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', variables('vnetName'))]"],
            "properties": {
                "overprovision": rng.random() < 0.5,
                "upgradePolicy": {"mode": rng.choice(["Manual", "Automatic", "Rolling"])},
                "virtualMachineProfile": {
                    "storageProfile": storage,
                    "osProfile": os_profile(ctx, f"[variables('{name_var}')]", linux, True),
                    "networkProfile": {"networkInterfaceConfigurations": [{
                        "name": f"[concat(variables('{name_var}'), '-nic')]",
                        "properties": {"primary": True, "ipConfigurations": [{
                            "name": "ipconfig1",
                            "properties": {"subnet": {"id": subnet}}}]}}]},
                    "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
                },
            },
        }
        if plan:
            res["plan"] = plan
    else:
        nic_var, pip_var = f"nic{i}Name", f"pip{i}Name"
        ctx.variables[nic_var] = f"[concat(variables('{name_var}'), '-nic')]"
        with_pip = rng.random() < 0.6 and not ctx.slim
        ip_props = {"privateIPAllocationMethod": "Dynamic", "subnet": {"id": subnet}}
        nic_deps = ["[resourceId('Microsoft.Network/virtualNetworks', variables('vnetName'))]"]
        if with_pip:
            ctx.variables[pip_var] = f"[concat(variables('{name_var}'), '-pip')]"
            ctx.resources.append({
                "type": "Microsoft.Network/publicIPAddresses", "apiVersion": rng.choice(API_NET),
                "name": f"[variables('{pip_var}')]", "location": "[parameters('location')]",
                "sku": {"name": "Standard"},
                "properties": {"publicIPAllocationMethod": "Static",
                               "dnsSettings": {"domainNameLabel": f"[toLower(concat(variables('{name_var}'), '-', uniqueString(resourceGroup().id)))]"}},
            })
            ip_props["publicIPAddress"] = {"id": f"[resourceId('Microsoft.Network/publicIPAddresses', variables('{pip_var}'))]"}
            nic_deps.append(f"[resourceId('Microsoft.Network/publicIPAddresses', variables('{pip_var}'))]")
        ctx.resources.append({
            "type": "Microsoft.Network/networkInterfaces", "apiVersion": rng.choice(API_NET),
            "name": f"[variables('{nic_var}')]", "location": "[parameters('location')]",
            "dependsOn": nic_deps,
            "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": ip_props}]},
        })
        res = {
            "type": rtype, "apiVersion": rng.choice(API_VM),
            "name": f"[variables('{name_var}')]", "location": "[parameters('location')]",
            "dependsOn": [f"[resourceId('Microsoft.Network/networkInterfaces', variables('{nic_var}'))]"],
            "properties": {
                "hardwareProfile": {"vmSize": size},
                "osProfile": os_profile(ctx, f"[variables('{name_var}')]", linux, False),
                "storageProfile": storage,
                "networkProfile": {"networkInterfaces": [
                    {"id": f"[resourceId('Microsoft.Network/networkInterfaces', variables('{nic_var}'))]"}]},
                "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
            },
        }
        if plan:
            res["plan"] = plan
        if rng.random() < 0.15:
            res["copy"] = {"name": f"vm{i}Copy", "count": "[parameters('instanceCount')]"}
            ctx.add_param("instanceCount", {"type": "int", "defaultValue": 2, "minValue": 1, "maxValue": 100})
        if rng.random() < 0.2:
            res["zones"] = [str(rng.randint(1, 3))]
    if rng.random() < 0.4:
        res["tags"] = {"env": rng.choice(ENVS), "owner": f"{ctx.word()}@contoso.com",
                       "costCenter": str(rng.randint(1000, 9999))}
    ctx.images.append({"resource": "vmss" if vmss else "vm", "type": rtype, "image": kind,
                       "nested": nested})
    if nested:
        # Wrap the machine in an inline nested deployment.
        ctx.resources.append({
            "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
            "name": f"nested-{'vmss' if vmss else 'vm'}{i}",
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": {"scope": "outer"},
                "template": {
                    "$schema": TEMPLATE_SCHEMA, "contentVersion": "1.0.0.0",
                    "resources": [res],
                },
            },
        })
    else:
        ctx.resources.append(res)


def filler(ctx: Ctx, n: int) -> tuple[str, str, object]:
    """One piece of padding: (section, key, value). Keys are unique per n."""
    rng = ctx.rng
    r = rng.random()
    if r < 0.3:
        return ("parameters", f"{ctx.word()}Setting{n}", {
            "type": rng.choice(["string", "int", "bool"]) if rng.random() < 0.8 else "object",
            "defaultValue": rng.choice(["", ctx.word(), 0, True, False]),
            "metadata": {"description": " ".join(ctx.word() for _ in range(rng.randint(6, 25))).capitalize() + "."},
        })
    if r < 0.5:
        return ("variables", f"{ctx.word()}{n}", rng.choice([
            f"[concat(parameters('prefix'), '-{ctx.word()}-', uniqueString(resourceGroup().id))]",
            f"[format('{{0}}-{ctx.word()}-{{1}}', parameters('prefix'), parameters('location'))]",
            {"enabled": rng.random() < 0.5, "retentionDays": rng.randint(7, 365),
             "categories": [ctx.word() for _ in range(rng.randint(1, 6))]},
        ]))
    if r < 0.65:
        return ("outputs", f"{ctx.word()}Output{n}", {
            "type": "string",
            "value": f"[reference(resourceId('Microsoft.Network/publicIPAddresses', concat(parameters('prefix'), '-{ctx.word()}'))).dnsSettings.fqdn]"})
    if r < 0.85 and not ctx.slim:
        return ("resources", "", {
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
            "apiVersion": rng.choice(API_NET),
            "name": f"[concat(variables('nsgName'), '/rule-{n}')]",
            "dependsOn": ["[resourceId('Microsoft.Network/networkSecurityGroups', variables('nsgName'))]"],
            "properties": security_rule(ctx, 1100 + n)["properties"],
        })
    return ("resources", "", {
        "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
        "name": f"[concat('st{n}', uniqueString(resourceGroup().id))]",
        "location": "[parameters('location')]",
        "sku": {"name": rng.choice(["Standard_LRS", "Standard_GRS", "Standard_ZRS"])},
        "kind": "StorageV2",
        "properties": {"minimumTlsVersion": "TLS1_2", "supportsHttpsTrafficOnly": True,
                       "allowBlobPublicAccess": False,
                       "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}},
    })


def build_template(ctx: Ctx, sample: str) -> tuple[str, str | None]:
    """Returns (template text, parameter file text or None)."""
    rng = ctx.rng
    target = min(MAX_TEMPLATE - 1024, max(MIN_TEMPLATE + 256, int(rng.triangular(2048, 19000, 6000))))
    ctx.slim = target < 5000
    n_machines = 1 if ctx.slim else rng.choices([1, 2, 3], weights=[45, 35, 20])[0]
    for i in range(1, n_machines + 1):
        add_vm(ctx, i, vmss=rng.random() < 0.35, nested=rng.random() < 0.06)
    indent = rng.choices([2, 4, None], weights=[80, 15, 5])[0]
    meta = {"_generator": {"name": "imagegate gen_corpus", "version": "1"},
            "description": f"Deploys {n_machines} machine(s) for the {sample} sample."}

    def render() -> str:
        doc = {"$schema": TEMPLATE_SCHEMA, "contentVersion": "1.0.0.0", "metadata": meta,
               "parameters": ctx.parameters, "variables": ctx.variables,
               "resources": ctx.resources}
        if ctx.outputs:
            doc["outputs"] = ctx.outputs
        return json.dumps(doc, indent=indent) + "\n"

    text = render()
    if indent and ((ctx.slim and len(text) > target) or len(text) > MAX_TEMPLATE):
        indent = None  # small templates: minified, as exported or generated templates often are
        text = render()
    n = 0
    added: list[tuple[str, str]] = []
    while len(text) < target:
        # Add a batch of padding whose size is estimated, then re-render once per batch.
        need = target - len(text)
        while need > 0:
            n += 1
            section, key, value = filler(ctx, n)
            if section == "resources":
                ctx.resources.append(value)
            else:
                getattr(ctx, section)[key] = value
            added.append((section, key))
            need -= len(json.dumps(value, indent=indent)) * (1.6 if indent else 1.0) + len(key) + 8
        text = render()
    while len(text) > MAX_TEMPLATE and added:
        section, key = added.pop()
        if section == "resources":
            ctx.resources.pop()
        else:
            del getattr(ctx, section)[key]
        text = render()

    params_text = None
    if ctx.param_values or rng.random() < 0.3:
        if rng.random() < 0.45:
            values = {k: {"value": v} for k, v in ctx.param_values.items()}
            if "adminUsername" in ctx.parameters:
                values["adminUsername"] = {"value": "azureadmin"}
            if "adminPasswordOrKey" in ctx.parameters:
                values["adminPasswordOrKey"] = {"value": "GEN-PASSWORD"}
            params_text = json.dumps({"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0",
                                      "parameters": values}, indent=2) + "\n"
    return text, params_text


# ---------------------------------------------------------------------------------------------
# Noise


def rand_text(rng: random.Random, lo: int, hi: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def noise_package_json(rng: random.Random) -> str:
    deps = {f"@{rng.choice(WORDS)}/{rng.choice(WORDS)}-{i}": f"^{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
            for i in range(rng.randint(2, 25))}
    return json.dumps({"name": f"{rng.choice(WORDS)}-{rng.choice(WORDS)}", "version": "1.0.0",
                       "private": True, "scripts": {"build": "tsc -p .", "test": "jest",
                                                    "lint": "eslint . --ext .ts"},
                       "dependencies": deps, "devDependencies": {"typescript": "^5.4.5", "jest": "^29.7.0"}},
                      indent=2) + "\n"


def noise_package_lock(rng: random.Random) -> str:
    pkgs = {}
    for i in range(rng.randint(80, 900)):
        name = f"node_modules/{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}"
        pkgs[name] = {"version": f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
                      "resolved": f"https://registry.example.invalid/{name[13:]}/-/{name[13:]}.tgz",
                      "integrity": "sha512-" + "%0128x" % rng.getrandbits(512),
                      "dev": rng.random() < 0.5}
    return json.dumps({"name": "web", "lockfileVersion": 3, "requires": True, "packages": pkgs},
                      indent=2) + "\n"


def noise_tsconfig(rng: random.Random) -> str:
    body = json.dumps({"compilerOptions": {"target": rng.choice(["ES2020", "ES2022"]),
                                           "module": "commonjs", "strict": True, "outDir": "dist",
                                           "esModuleInterop": True, "skipLibCheck": True},
                       "include": ["src/**/*.ts"], "exclude": ["node_modules", "dist"]}, indent=2)
    if rng.random() < 0.3:  # tsc accepts comments; many real tsconfig.json files have them
        body = "// TypeScript settings for the deployment helpers\n" + body.replace(
            '"strict": true,', '"strict": true, /* keep this on */')
    return body + "\n"


def noise_appsettings(rng: random.Random) -> str:
    return json.dumps({"Logging": {"LogLevel": {"Default": "Information", "Microsoft": "Warning"}},
                       "AllowedHosts": "*",
                       "ConnectionStrings": {"Default": f"Server=tcp:{rng.choice(WORDS)}.example.invalid;Database={rng.choice(WORDS)}"},
                       "Features": {rng.choice(WORDS) + str(i): rng.random() < 0.5 for i in range(rng.randint(1, 20))}},
                      indent=2) + "\n"


def noise_metadata(rng: random.Random) -> str:
    return json.dumps({"$schema": "https://aka.ms/azure-quickstart-templates-metadata-schema#",
                       "type": "QuickStart", "itemDisplayName": rand_text(rng, 3, 7).title(),
                       "description": rand_text(rng, 10, 40).capitalize() + ".",
                       "summary": rand_text(rng, 5, 12), "githubUsername": rng.choice(WORDS),
                       "dateUpdated": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"},
                      indent=2) + "\n"


def noise_data(rng: random.Random, target: int) -> str:
    indent = rng.choice([2, None])
    wrapped = rng.random() < 0.5
    depth = 2 if wrapped else 1  # indentation levels before each row's own lines
    rows, size = [], 2
    while size < target:
        row = {"id": rng.getrandbits(40), "name": rand_text(rng, 1, 4),
               "score": round(rng.uniform(-1000, 1000), 4), "active": rng.random() < 0.5,
               "tags": [rng.choice(WORDS) for _ in range(rng.randint(0, 6))],
               "nested": {"level": rng.randint(0, 9), "values": [rng.randint(0, 10**6) for _ in range(rng.randint(0, 8))],
                          "note": None if rng.random() < 0.5 else rand_text(rng, 3, 15)}}
        rows.append(row)
        piece = json.dumps(row, indent=indent)
        size += len(piece) + 2 + (piece.count("\n") + 1) * depth * (indent or 0)
    if not wrapped:
        return json.dumps(rows, indent=indent) + "\n"
    return json.dumps({"generatedBy": "fixture-tool", "count": len(rows), "items": rows},
                      indent=indent) + "\n"


def readme(rng: random.Random, title: str) -> str:
    paras = "\n\n".join(rand_text(rng, 20, 60).capitalize() + "." for _ in range(rng.randint(1, 5)))
    return (f"# {title}\n\n{paras}\n\n## Deploy\n\n```sh\naz deployment group create "
            f"--resource-group rg-{rng.choice(WORDS)} --template-file azuredeploy.json\n```\n")


# ---------------------------------------------------------------------------------------------
# Layout


def template_dir(rng: random.Random, i: int) -> tuple[Path, str]:
    """Returns (folder, template file name) for template number i (unique per i)."""
    name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i:05d}"
    style = rng.choices(["quickstart", "landingzone", "module", "nested", "flat"],
                        weights=[45, 25, 15, 10, 5])[0]
    if style == "quickstart":
        return Path("quickstarts") / rng.choice(PROVIDERS) / name, "azuredeploy.json"
    if style == "landingzone":
        return (Path("infra") / rng.choice(ENVS) / rng.choice(REGIONS) / name,
                rng.choice(["main.json", "azuredeploy.json", "template.json"]))
    if style == "module":
        return Path("modules") / rng.choice(["compute", "vm", "vmss", "workloads"]) / name, "main.json"
    if style == "nested":
        return (Path("demos") / name / "nested",
                rng.choice(["vm.json", "vmss.json", "compute.json", "linkedTemplate.json"]))
    return Path("templates") / name, "azuredeploy.json"


NOISE_DIRS = ["tools", "web", "web/src", "data", "data/fixtures", "docs", "scripts", "functions",
              "tests/fixtures", "policies/samples", "config"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--templates", type=int, required=True, metavar="N")
    ap.add_argument("--noise", type=int, default=None, metavar="M",
                    help="number of non-template JSON files (default: N // 2)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--manifest", type=Path, default=None,
                    help="also write a JSON manifest of every machine's image kind here "
                         "(keep it outside OUT_DIR)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.templates < 0 or (a.noise is not None and a.noise < 0):
        ap.error("counts must be >= 0")
    noise = a.templates // 2 if a.noise is None else a.noise
    out: Path = a.out_dir
    if out.exists() and any(out.iterdir()):
        ap.error(f"{out} exists and is not empty")
    out.mkdir(parents=True, exist_ok=True)

    rng = random.Random(a.seed)
    golden_sub = guid(rng)
    other_subs = [guid(rng) for _ in range(4)]
    stats = {"templates": 0, "parameter_files": 0, "noise": 0, "readmes": 0, "bytes": 0,
             "machines": 0, "image_kinds": {}}
    manifest: dict[str, list] = {}
    template_dirs: list[Path] = []

    def write(rel: Path, text: str) -> None:
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        p.write_bytes(data)
        stats["bytes"] += len(data)

    for i in range(a.templates):
        # Each template gets its own generator seeded from the main one, so its content does not
        # depend on how much randomness earlier templates consumed beyond this draw.
        trng = random.Random(rng.getrandbits(64))
        folder, fname = template_dir(trng, i)
        ctx = Ctx(rng=trng, golden_sub=golden_sub, other_subs=other_subs)
        text, params = build_template(ctx, folder.name)
        write(folder / fname, text)
        template_dirs.append(folder)
        stats["templates"] += 1
        rel = (folder / fname).as_posix()
        manifest[rel] = ctx.images
        stats["machines"] += len(ctx.images)
        for img in ctx.images:
            stats["image_kinds"][img["image"]] = stats["image_kinds"].get(img["image"], 0) + 1
        if params is not None:
            pname = "azuredeploy.parameters.json" if fname == "azuredeploy.json" else \
                fname[:-5] + ".parameters.json"
            write(folder / pname, params)
            stats["parameter_files"] += 1
        if trng.random() < 0.3:
            write(folder / "README.md", readme(trng, folder.name))
            stats["readmes"] += 1

    for j in range(noise):
        nrng = random.Random(rng.getrandbits(64))
        kind = nrng.choices(["package", "lock", "tsconfig", "appsettings", "metadata", "data", "large"],
                            weights=[15, 5, 12, 10, 18, 33, 7])[0]
        if kind == "metadata" and template_dirs:
            folder = nrng.choice(template_dirs)
            name = "metadata.json"
            if (out / folder / name).exists():
                name = f"metadata-{j}.json"
            write(folder / name, noise_metadata(nrng))
        else:
            folder = Path(nrng.choice(NOISE_DIRS)) / f"{nrng.choice(WORDS)}-{j:05d}"
            if kind == "package":
                write(folder / "package.json", noise_package_json(nrng))
            elif kind == "lock":
                write(folder / "package-lock.json", noise_package_lock(nrng))
            elif kind == "tsconfig":
                write(folder / "tsconfig.json", noise_tsconfig(nrng))
            elif kind == "appsettings":
                write(folder / "appsettings.json", noise_appsettings(nrng))
            elif kind == "data":
                write(folder.parent / f"{folder.name}.json", noise_data(nrng, nrng.randint(300, 40_000)))
            else:
                write(folder.parent / f"{folder.name}-large.json",
                      noise_data(nrng, nrng.randint(180_000, 230_000)))
        stats["noise"] += 1

    write(Path("README.md"), readme(rng, "Synthetic ARM template repository (imagegate benchmark)"))
    write(Path("docs") / "README.md", readme(rng, "Docs"))
    stats["readmes"] += 2

    if a.manifest:
        a.manifest.parent.mkdir(parents=True, exist_ok=True)
        a.manifest.write_text(json.dumps({"seed": a.seed, "templates": a.templates, "noise": noise,
                                          "golden_subscription": golden_sub, "files": manifest},
                                         indent=1, sort_keys=True) + "\n")
    stats["image_kinds"] = dict(sorted(stats["image_kinds"].items()))
    if not a.quiet:
        print(json.dumps(stats, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
