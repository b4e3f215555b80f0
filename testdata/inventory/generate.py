# Writes the testdata/inventory fixtures in the shapes `az` and the portal print (run from
# anywhere: `python3 testdata/inventory/generate.py`). Committed; the tests never run this.
# `az` prints JSON with `json.dumps(indent=2, sort_keys=True)` (knack's JSON output), every
# property of the SDK model present (null when unset), and flattens `properties` into the
# resource; Resource Graph keeps `properties` and lower-cases `type`. See README.md.
import csv, io, json, os, zlib

OUT = os.path.dirname(os.path.abspath(__file__))
SUB = '00000000-0000-0000-0000-000000000000'
SUB2 = '11111111-1111-1111-1111-111111111111'
TENANT = '72f988bf-0000-0000-0000-000000000000'
GAL = f'/subscriptions/{SUB}/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images'
UBUNTU = f'{GAL}/ubuntu-22.04-cis'
WIN = f'{GAL}/win2022-cis'
MANAGED = f'/subscriptions/{SUB}/resourceGroups/rg-legacy/providers/Microsoft.Compute/images/legacy-ubuntu'
COMMUNITY = '/CommunityGalleries/contoso-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/Images/ubuntu-hardened'
SHARED = '/SharedGalleries/8a2b3c4d-0000-0000-0000-000000000000-PARTNERGAL/Images/rhel9'


def dump(name, doc):
    with open(os.path.join(OUT, name), 'w', newline='\n') as f:
        f.write(json.dumps(doc, indent=2, sort_keys=True))
        f.write('\n')


def ref(id=None, publisher=None, offer=None, sku=None, version=None, exact=None, shared=None, community=None):
    return {"communityGalleryImageId": community, "exactVersion": exact, "id": id, "offer": offer,
            "publisher": publisher, "sharedGalleryImageId": shared, "sku": sku, "version": version}


def os_disk(name, rg, sub=SUB, create='FromImage', os_type='Linux'):
    return {"caching": "ReadWrite", "createOption": create, "deleteOption": "Delete", "diffDiskSettings": None,
            "diskSizeGb": 30, "encryptionSettings": None, "image": None,
            "managedDisk": {"diskEncryptionSet": None,
                            "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/disks/{name}",
                            "resourceGroup": rg, "securityProfile": None, "storageAccountType": "Premium_LRS"},
            "name": name, "osType": os_type, "vhd": None, "writeAcceleratorEnabled": None}


def vm(name, rg, image, tags, sub=SUB, location='westeurope', create='FromImage', os_type='Linux'):
    """A VM as `az vm list` prints it (VirtualMachine, properties flattened)."""
    return {
        "additionalCapabilities": None, "applicationProfile": None, "availabilitySet": None,
        "billingProfile": None, "capacityReservation": None,
        "diagnosticsProfile": {"bootDiagnostics": {"enabled": True, "storageUri": None}},
        "evictionPolicy": None, "extendedLocation": None, "extensionsTimeBudget": None,
        "hardwareProfile": {"vmSize": "Standard_D2s_v5", "vmSizeProperties": None},
        "host": None, "hostGroup": None,
        "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}",
        "identity": None, "instanceView": None, "licenseType": None, "location": location,
        "managedBy": None, "name": name,
        "networkProfile": {"networkApiVersion": None, "networkInterfaceConfigurations": None, "networkInterfaces": [
            {"deleteOption": None, "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/{name}-nic",
             "primary": None, "resourceGroup": rg}]},
        "osProfile": None if create == 'Attach' else {
            "adminPassword": None, "adminUsername": "azureuser", "allowExtensionOperations": True,
            "computerName": name, "customData": None,
            "linuxConfiguration": {"disablePasswordAuthentication": True, "enableVmAgentPlatformUpdates": False,
                                   "patchSettings": {"assessmentMode": "ImageDefault", "automaticByPlatformSettings": None,
                                                     "patchMode": "ImageDefault"},
                                   "provisionVmAgent": True, "ssh": None},
            "requireGuestProvisionSignal": True, "secrets": [], "windowsConfiguration": None},
        "plan": None, "platformFaultDomain": None, "priority": None, "provisioningState": "Succeeded",
        "proximityPlacementGroup": None, "resourceGroup": rg.upper(), "resources": None,
        "scheduledEventsProfile": None,
        "securityProfile": {"encryptionAtHost": None, "securityType": "TrustedLaunch",
                            "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True}},
        "storageProfile": {"dataDisks": [], "diskControllerType": None, "imageReference": image,
                           "osDisk": os_disk(f"{name}_OsDisk_1_3f9c2a", rg.upper(), sub, create, os_type)},
        "tags": tags, "timeCreated": "2025-03-04T09:12:44.1234567+00:00",
        "type": "Microsoft.Compute/virtualMachines", "userData": None, "virtualMachineScaleSet": None,
        "vmId": "5d0c7e1a-0000-4000-8000-" + format(zlib.crc32(name.encode()) % 10**12, '012d'), "zones": ["1"],
    }


def details(machine, power, ip):
    """`az vm list -d` adds the instance view's power state and the addresses."""
    machine = dict(machine)
    machine.update({"fqdns": "", "macAddresses": "00-0D-3A-2B-4C-5D", "powerState": power,
                    "privateIps": ip, "publicIps": ""})
    return machine


# az vm list
golden_vm = vm("vm-web-01", "rg-web", ref(id=UBUNTU, exact="1.4.2"), {"owner": "web-team", "costCenter": "1001"})
marketplace_vm = vm("vm-legacy-01", "rg-legacy",
                    ref(publisher="Canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts-gen2",
                        version="latest", exact="22.04.202502110"), {"owner": "legacy"})
managed_vm = vm("vm-app-01", "rg-app", ref(id=MANAGED), {})
dump("az-vm-list.json", [golden_vm, marketplace_vm, managed_vm])

# az vm list -d
community_vm = vm("vm-batch-01", "rg-batch", ref(community=COMMUNITY, exact="2025.1.7"), {"owner": "batch"},
                  sub=SUB2, location="northeurope")
restored_vm = vm("vm-restored-01", "rg-dr", None, {"owner": "dr"}, create='Attach')
dump("az-vm-list-d.json", [details(golden_vm, "VM running", "10.0.1.4"),
                           details(community_vm, "VM deallocated", "10.8.0.5"),
                           details(restored_vm, "VM running", "10.9.0.4")])


def vmss(name, rg, image, tags):
    """A scale set as `az vmss list` prints it."""
    return {
        "additionalCapabilities": None, "automaticRepairsPolicy": None, "constrainedMaximumCapacity": None,
        "doNotRunExtensionsOnOverprovisionedVMs": False, "extendedLocation": None, "hostGroup": None,
        "id": f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}",
        "identity": None, "location": "westeurope", "name": name, "orchestrationMode": "Uniform",
        "overprovision": True, "plan": None, "platformFaultDomainCount": 5, "priorityMixPolicy": None,
        "provisioningState": "Succeeded", "proximityPlacementGroup": None, "resourceGroup": rg,
        "scaleInPolicy": None, "singlePlacementGroup": True,
        "sku": {"capacity": 2, "name": "Standard_D2s_v5", "tier": "Standard"},
        "spotRestorePolicy": None, "tags": tags, "timeCreated": "2025-01-20T08:00:00.0000000+00:00",
        "type": "Microsoft.Compute/virtualMachineScaleSets", "uniqueId": "9b1f0000-0000-4000-8000-000000000001",
        "upgradePolicy": {"automaticOsUpgradePolicy": None, "mode": "Manual", "rollingUpgradePolicy": None},
        "virtualMachineProfile": {
            "osProfile": {"adminUsername": "azureuser", "computerNamePrefix": name[:9]},
            "storageProfile": {"dataDisks": None, "diskControllerType": None, "imageReference": image,
                               "osDisk": {"caching": "ReadWrite", "createOption": "FromImage", "diskSizeGb": 30,
                                          "managedDisk": {"storageAccountType": "Premium_LRS"}, "osType": "Linux"}}},
        "zoneBalance": None, "zones": None,
    }


dump("az-vmss-list.json", [vmss("vmss-web", "rg-web", ref(id=WIN, exact="2.1.3"), {"owner": "web-team"}),
                           vmss("vmss-partner", "rg-partner", ref(shared=SHARED, exact="9.4.20250101"), {})])


def instance(scale_set, n, image, statuses):
    """An instance as `az vmss list-instances` prints it (VirtualMachineScaleSetVM)."""
    return {
        "additionalCapabilities": None, "availabilitySet": None,
        "id": f"/subscriptions/{SUB}/resourceGroups/RG-WEB/providers/Microsoft.Compute/virtualMachineScaleSets/{scale_set}/virtualMachines/{n}",
        "instanceId": str(n), "instanceView": None if statuses is None else {"statuses": statuses},
        "latestModelApplied": n == 0, "location": "westeurope", "name": f"{scale_set}_{n}",
        "provisioningState": "Succeeded", "resourceGroup": "RG-WEB",
        "sku": {"capacity": None, "name": "Standard_D2s_v5", "tier": "Standard"},
        "storageProfile": {"dataDisks": [], "imageReference": image,
                           "osDisk": os_disk(f"{scale_set}_{n}_disk", "RG-WEB")},
        "tags": {"owner": "web-team"}, "type": "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
        "vmId": f"77c1{n:04d}-0000-4000-8000-000000000000", "zones": None,
    }


dump("az-vmss-list-instances.json", [
    instance("vmss-web", 0, ref(id=WIN, exact="2.1.3"), None),
    # An instance still on the model before an upgrade, with `--expand instanceView`.
    instance("vmss-web", 3, ref(id=WIN, exact="1.9.0"),
             [{"code": "ProvisioningState/succeeded", "displayStatus": "Provisioning succeeded", "level": "Info"},
              {"code": "PowerState/running", "displayStatus": "VM running", "level": "Info"}]),
])


def disk(name, rg, creation, os_type, state="Attached"):
    """A managed disk as `az disk list` prints it (Disk, properties flattened)."""
    return {
        "burstingEnabled": None, "creationData": creation, "dataAccessAuthMode": None, "diskAccessId": None,
        "diskIOPSReadWrite": 500, "diskMBpsReadWrite": 100, "diskSizeBytes": 32212254720, "diskSizeGb": 30,
        "diskState": state, "encryption": {"diskEncryptionSetId": None, "type": "EncryptionAtRestWithPlatformKey"},
        "hyperVGeneration": "V2",
        "id": f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Compute/disks/{name}",
        "location": "westeurope", "managedBy": None, "name": name, "networkAccessPolicy": "AllowAll",
        "osType": os_type, "provisioningState": "Succeeded", "publicNetworkAccess": "Enabled",
        "resourceGroup": rg, "sku": {"name": "Premium_LRS", "tier": "Premium"}, "tags": {},
        "timeCreated": "2025-02-01T10:00:00.0000000+00:00", "type": "Microsoft.Compute/disks",
        "uniqueId": "aa000000-0000-4000-8000-" + format(zlib.crc32(name.encode()) % 10**12, '012d'), "zones": None,
    }


def creation(option, image=None, gallery=None):
    return {"createOption": option, "galleryImageReference": gallery, "imageReference": image,
            "logicalSectorSize": None, "performancePlus": None, "securityDataUri": None,
            "sourceResourceId": None, "sourceUniqueId": None, "sourceUri": None, "storageAccountId": None,
            "uploadSizeBytes": None}


PLATFORM = (f"/Subscriptions/{SUB}/Providers/Microsoft.Compute/Locations/westeurope/Publishers/canonical"
            "/ArtifactTypes/VMImage/Offers/0001-com-ubuntu-server-jammy/Skus/22_04-lts-gen2/Versions/22.04.202502110")
dump("az-disk-list.json", [
    disk("vm-legacy-01_OsDisk_1_3f9c2a", "RG-LEGACY", creation("FromImage", image={"id": PLATFORM, "lun": None}), "Linux"),
    disk("vm-web-01_OsDisk_1_3f9c2a", "RG-WEB",
         creation("FromImage", gallery={"communityGalleryImageId": None, "id": f"{UBUNTU}/versions/1.4.2",
                                        "lun": None, "sharedGalleryImageId": None}), "Linux"),
    disk("data-01", "RG-WEB", creation("Empty"), None, state="Unattached"),
])


def graph_vm(name, rg, image, power, tags, sub=SUB, location="westeurope"):
    """A row of `Resources | where type =~ 'microsoft.compute/virtualmachines'`."""
    return {
        "extendedLocation": None,
        "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}",
        "identity": None, "kind": "", "location": location, "managedBy": "", "name": name, "plan": None,
        "properties": {
            "extended": {"instanceView": {"computerName": name, "hyperVGeneration": "V2", "osName": "ubuntu",
                                          "osVersion": "22.04",
                                          "powerState": {"code": f"PowerState/{power}", "displayStatus": f"VM {power}",
                                                         "level": "Info"}}},
            "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
            "networkProfile": {"networkInterfaces": [{"id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/{name}-nic"}]},
            "osProfile": {"adminUsername": "azureuser", "computerName": name},
            "provisioningState": "Succeeded",
            "storageProfile": {"dataDisks": [], "imageReference": image,
                               "osDisk": {"createOption": "FromImage", "name": f"{name}_OsDisk_1",
                                          "osType": "Linux", "managedDisk": {"storageAccountType": "Premium_LRS"}}},
            "timeCreated": "2025-03-04T09:12:44.1234567Z", "vmId": "5d0c7e1a-0000-4000-8000-000000000000",
        },
        "resourceGroup": rg, "sku": None, "subscriptionId": sub, "tags": tags, "tenantId": TENANT,
        "type": "microsoft.compute/virtualmachines", "zones": ["1"],
    }


# Resource Graph omits unset members (no nulls) in `properties`.
rows = [
    graph_vm("vm-web-01", "rg-web", {"id": UBUNTU, "exactVersion": "1.4.2"}, "running", {"owner": "web-team"}),
    graph_vm("vm-legacy-01", "rg-legacy", {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
                                           "sku": "22_04-lts-gen2", "version": "latest",
                                           "exactVersion": "22.04.202502110"}, "running", {"owner": "legacy"}),
    graph_vm("vm-batch-01", "rg-batch", {"communityGalleryImageId": COMMUNITY, "exactVersion": "2025.1.7"},
             "deallocated", {"owner": "batch"}, sub=SUB2, location="northeurope"),
]
# az graph query -q "Resources | where type =~ 'microsoft.compute/virtualmachines'" (resource-graph
# extension 1.x printed the rows alone; 2.x prints the answer with its paging fields).
dump("graph-query-rows.json", rows)
dump("graph-query.json", {"count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows)})

# The portal's Resource Graph Explorer, "Download as CSV": one column per result column, in the
# table's order; dynamic columns (properties, tags, sku, …) as compact JSON text, quoted with
# doubled quotes; empty cells for null.
columns = ["id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
           "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation"]
out = io.StringIO()
writer = csv.writer(out, lineterminator="\r\n")
writer.writerow(columns)
for row in rows:
    cells = []
    for c in columns:
        v = row.get(c)
        if v is None:
            cells.append("")
        elif isinstance(v, (dict, list)):
            cells.append(json.dumps(v, separators=(',', ':')))
        else:
            cells.append(v)
    writer.writerow(cells)
with open(os.path.join(OUT, "portal-resource-graph.csv"), "w", newline="") as f:
    f.write(out.getvalue())
