#!/usr/bin/env python3
"""Generate an estate export for benchmarks and demos: `az vm list -d -o json` output of N VMs.

usage: gen_estate.py N [--seed S] [--shape az-vm-list-d|graph] [--golden-only] > estate.json
       gen_estate.py --snapshot > gallery/ubuntu-22.04.json   (the gallery's versions)

The mix (deterministic for a seed): 45 % golden on the newest version (1.4.0), 20 % golden on
an older version (1.3.0), 5 % golden past its end of life (1.1.0), 20 % Marketplace images,
5 % community gallery images, 5 % managed images; 40 subscriptions, 400 resource groups,
owner tags on 80 % of the VMs, power states running/deallocated/stopped. Nothing here is real
tenant data: subscription IDs are generated, every name is made up.
"""

import json
import random
import sys

GALLERY = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04"
MARKETPLACE = [
    ("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "22.04.202410020"),
    ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition", "20348.2762.241006"),
    ("RedHat", "RHEL", "9-lvm-gen2", "9.4.2024081415"),
]
COMMUNITY = "/CommunityGalleries/contoso-1a2b3c4d-5e6f/Images/ubuntu-hardened/Versions/2.0.1"
MANAGED = "/subscriptions/{sub}/resourceGroups/rg-images/providers/Microsoft.Compute/images/legacy-win2019"
OWNERS = ["team-web", "team-data", "team-finance", "team-ops", "team-ml"]
POWER = ["VM running"] * 8 + ["VM deallocated", "VM stopped"]


def subscription(i):
    return f"{i:08x}-0000-4000-8000-{i:012x}"


def image_reference(rng, sub, golden_only=False):
    r = rng.random() * (0.45 if golden_only else 1.0)
    if r < 0.45:
        version = "1.4.0"
    elif r < 0.65:
        version = "1.3.0"
    elif r < 0.70:
        version = "1.1.0"
    else:
        version = None
    if version:
        return {
            "communityGalleryImageId": None,
            "exactVersion": version,
            "id": GALLERY,
            "offer": None,
            "publisher": None,
            "sharedGalleryImageId": None,
            "sku": None,
            "version": None,
        }
    if r < 0.90:
        p, o, s, exact = MARKETPLACE[int(rng.random() * len(MARKETPLACE))]
        return {
            "communityGalleryImageId": None,
            "exactVersion": exact,
            "id": None,
            "offer": o,
            "publisher": p,
            "sharedGalleryImageId": None,
            "sku": s,
            "version": "latest",
        }
    if r < 0.95:
        return {
            "communityGalleryImageId": COMMUNITY,
            "exactVersion": "2.0.1",
            "id": None,
            "offer": None,
            "publisher": None,
            "sharedGalleryImageId": None,
            "sku": None,
            "version": None,
        }
    return {
        "communityGalleryImageId": None,
        "exactVersion": None,
        "id": MANAGED.format(sub=sub),
        "offer": None,
        "publisher": None,
        "sharedGalleryImageId": None,
        "sku": None,
        "version": None,
    }


def vm(rng, i, golden_only=False):
    sub = subscription(i % 40 + 1)
    group = f"rg-app-{i % 400:03d}"
    name = f"vm-{i:06d}"
    tags = {"costCenter": f"cc-{i % 50:03d}"}
    if rng.random() < 0.8:
        tags["owner"] = OWNERS[i % len(OWNERS)]
    vm_id = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"
    return {
        "additionalCapabilities": None,
        "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
        "id": vm_id,
        "location": ["westeurope", "northeurope", "eastus2"][i % 3],
        "name": name,
        "osProfile": {"adminUsername": "azureuser", "computerName": name},
        "powerState": POWER[i % len(POWER)],
        "provisioningState": "Succeeded",
        "resourceGroup": group,
        "storageProfile": {
            "dataDisks": [],
            "imageReference": image_reference(rng, sub, golden_only),
            "osDisk": {
                "caching": "ReadWrite",
                "createOption": "FromImage",
                "diskSizeGb": 30,
                "managedDisk": {
                    "id": f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/disks/{name}_OsDisk_1",
                    "storageAccountType": "Premium_LRS",
                },
                "name": f"{name}_OsDisk_1",
                "osType": "Linux",
            },
        },
        "tags": tags,
        "type": "Microsoft.Compute/virtualMachines",
        "vmId": f"{i:08x}-1111-4222-8333-{i:012x}",
    }


def snapshot():
    """`az sig image-version list -g rg-golden -r corpGallery -i ubuntu-22.04 -o json`."""
    out = []
    for name, published, eol, excluded in [
        ("1.1.0", "2025-06-02T09:00:00+00:00", "2026-06-30T00:00:00+00:00", False),
        ("1.3.0", "2026-05-04T09:00:00+00:00", "2027-06-30T00:00:00+00:00", False),
        ("1.4.0", "2026-10-05T09:00:00+00:00", "2027-12-31T00:00:00+00:00", False),
    ]:
        out.append(
            {
                "id": f"{GALLERY}/versions/{name}",
                "location": "westeurope",
                "name": name,
                "provisioningState": "Succeeded",
                "publishingProfile": {
                    "endOfLifeDate": eol,
                    "excludeFromLatest": excluded,
                    "publishedDate": published,
                    "replicaCount": 1,
                },
                "resourceGroup": "rg-golden",
                "type": "Microsoft.Compute/galleries/images/versions",
            }
        )
    return out


def main():
    args = sys.argv[1:]
    if args == ["--snapshot"]:
        json.dump(snapshot(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    if not args:
        sys.exit(__doc__)
    n = int(args[0])
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
    shape = args[args.index("--shape") + 1] if "--shape" in args else "az-vm-list-d"
    rng = random.Random(seed)
    golden_only = "--golden-only" in args
    vms = [vm(rng, i, golden_only) for i in range(n)]
    if shape == "graph":
        # `az graph query -o json`: Resource Graph rows keep `properties` and add subscriptionId.
        rows = []
        for v in vms:
            rows.append(
                {
                    "id": v["id"],
                    "location": v["location"],
                    "name": v["name"],
                    "properties": {
                        "hardwareProfile": v["hardwareProfile"],
                        "extended": {"instanceView": {"powerState": {"code": "PowerState/" + v["powerState"].split()[-1]}}},
                        "storageProfile": v["storageProfile"],
                    },
                    "resourceGroup": v["resourceGroup"],
                    "subscriptionId": v["id"].split("/")[2],
                    "tags": v["tags"],
                    "type": "microsoft.compute/virtualmachines",
                }
            )
        json.dump({"count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows)}, sys.stdout, indent=2)
    else:
        json.dump(vms, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
