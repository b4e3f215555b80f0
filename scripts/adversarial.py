#!/usr/bin/env python3
"""Writes the adversarial shapes of issue #10 (point 3) and issue #24 (points 8 to 12), one
folder each, under OUT.

Each shape is a small repository an attacker could commit to make a checker spend time or
memory without bound; `scripts/adversarial.sh` runs imagegate on each and records wall time and
peak memory (BENCHMARKS.md, "Adversarial inputs"). Deterministic: no randomness.

usage: scripts/adversarial.py OUT [SHAPE...]   (SHAPE: a folder name; all when none)
"""

import json
import os
import sys

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS_SCHEMA = (
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
)


def template(resources, parameters=None):
    t = {"$schema": SCHEMA, "contentVersion": "1.0.0.0"}
    if parameters:
        t["parameters"] = parameters
    t["resources"] = resources
    return t


def vm(name, image, copy=None):
    r = {
        "type": "Microsoft.Compute/virtualMachines",
        "apiVersion": "2023-03-01",
        "name": name,
        "location": "westeurope",
        "properties": {"storageProfile": {"imageReference": image}},
    }
    if copy:
        r["copy"] = {"name": copy[0], "count": copy[1]}
    return r


MARKETPLACE = {
    "publisher": "Canonical",
    "offer": "ubuntu-24_04-lts",
    "sku": "server",
    "version": "latest",
}


def write(path, doc, compact=True):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        if compact:
            json.dump(doc, f, separators=(",", ":"))
        else:
            json.dump(doc, f, indent=2)


def nested_copy(out):
    """Inner-scope nested deployments in copy loops of 1,000, three deep, around a storage
    account in a copy loop of 1,000 (10^12 resources declared in 1.6 KB, none of which has an
    image: no resource cap stops the walk), beside one VM."""
    inner = template([{
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": "2023-01-01",
        "name": "[concat('st', copyIndex())]",
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "copy": {"name": "st", "count": 1000},
    }])
    for level in range(3):
        inner = template(
            [
                {
                    "type": "Microsoft.Resources/deployments",
                    "apiVersion": "2022-09-01",
                    "name": f"[concat('d{level}-', copyIndex())]",
                    "copy": {"name": f"d{level}", "count": 1000},
                    "properties": {
                        "mode": "Incremental",
                        "expressionEvaluationOptions": {"scope": "inner"},
                        "template": inner,
                    },
                }
            ]
        )
    inner["resources"].append(vm("vm", MARKETPLACE))
    write(f"{out}/nested-copy/azuredeploy.json", inner)


def allowed_variants(out):
    """30 required parameters with 32 allowed values each, each deciding the image of a VM
    copied 100 times: every allowed value is a variant of the whole template."""
    params = {}
    resources = []
    for i in range(30):
        params[f"offer{i}"] = {
            "type": "string",
            "allowedValues": [f"offer-{i}-{v}" for v in range(32)],
        }
        image = dict(MARKETPLACE, offer=f"[parameters('offer{i}')]")
        resources.append(vm(f"[concat('vm{i}-', copyIndex())]", image, (f"c{i}", 100)))
    write(f"{out}/allowed-variants/azuredeploy.json", template(resources, params))


def many_parameter_files(out):
    """A template with 20 VM copy loops of 1,000 and 150 one-line parameter files beside it:
    150 contexts of 20,000 resources each."""
    params = {"n": {"type": "int", "defaultValue": 1}}
    resources = [
        vm(f"[concat('vm{i}-', copyIndex())]", MARKETPLACE, (f"c{i}", "[parameters('n')]"))
        for i in range(20)
    ]
    write(f"{out}/many-parameter-files/azuredeploy.json", template(resources, params))
    for k in range(150):
        write(
            f"{out}/many-parameter-files/azuredeploy.parameters.{k}.json",
            {"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0",
             "parameters": {"n": {"value": 1000}}},
        )


def huge_parameter_file(out):
    """A 60 MB parameter file whose only content is an array no template reads."""
    d = f"{out}/huge-parameter-file"
    write(f"{d}/azuredeploy.json", template([vm("vm", MARKETPLACE)]))
    count = 30_000_000
    with open(f"{d}/azuredeploy.parameters.json", "w") as f:
        f.write('{"$schema":"%s","contentVersion":"1.0.0.0","parameters":{"unused":{"value":['
                % PARAMS_SCHEMA)
        f.write(",".join(["0"] * count))
        f.write("]}}}")


def huge_template_variable(out):
    """A 60 MB template whose only content besides one VM is a variable nobody reads."""
    d = f"{out}/huge-template-variable"
    os.makedirs(d, exist_ok=True)
    head = json.dumps(template([vm("vm", MARKETPLACE)]), separators=(",", ":"))
    assert head.endswith("}")
    count = 30_000_000
    with open(f"{d}/azuredeploy.json", "w") as f:
        f.write(head[:-1])
        f.write(',"variables":{"unused":[')
        f.write(",".join(["0"] * count))
        f.write("]}}")


def copied_literal(out):
    """A VM copied 100 times whose image ID is an 800 KB literal."""
    image = {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/"
             + "a" * 800_000}
    write(f"{out}/copied-literal/azuredeploy.json",
          template([vm("[concat('vm', copyIndex())]", image, ("vms", 100))]))


def bicep_vm(name, image_id):
    return (f"resource {name} 'Microsoft.Compute/virtualMachines@2024-03-01' = {{\n"
            f"  name: '{name}'\n  location: 'westeurope'\n"
            f"  properties: {{ storageProfile: {{ imageReference: {{ id: {image_id} }} }} }}\n}}\n")


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def bicep_chains(out):
    """Issue #24, point 8: Bicep expressions of 10,000 chained `+`, `[0]` and `.a`, one file
    each, every one the image of a VM."""
    n = 10_000
    prelude = "param images array = []\nparam settings object = {}\n"
    for name, expression in [("plus", "1 + " * n + "1"), ("index", "images" + "[0]" * n),
                             ("member", "settings" + ".a" * n)]:
        write_text(f"{out}/bicep-chains/{name}.bicep", prelude + bicep_vm("vm", expression))


def bicep_doubling(out):
    """Issue #24, point 9: 64 variables each interpolating the previous one twice
    (`'${a}${a}'`), from a parameter nobody sets, the last the image of a VM."""
    lines = ["param p string", "var a0 = p"]
    lines += [f"var a{i} = '${{a{i - 1}}}${{a{i - 1}}}'" for i in range(1, 65)]
    write_text(f"{out}/bicep-doubling/main.bicep", "\n".join(lines) + "\n" + bicep_vm("vm", "a64"))


def link_fan_out(out):
    """Issue #24, point 10: 21 ARM templates each deploying the next three times as a linked
    template (`relativePath`), a VM at the end (3^20 instances)."""
    for i in range(21):
        if i < 20:
            resources = [{
                "type": "Microsoft.Resources/deployments",
                "apiVersion": "2022-09-01",
                "name": f"d{k}",
                "properties": {"mode": "Incremental",
                               "templateLink": {"relativePath": f"t{i + 1}.json"}},
            } for k in range(3)]
        else:
            resources = [vm("vm", MARKETPLACE)]
        write(f"{out}/link-fan-out/t{i}.json", template(resources))


def module_fan_out(out):
    """Issue #24, point 10: 21 Bicep files each deploying the next three times as a module,
    a VM at the end (3^20 instances)."""
    for i in range(21):
        if i < 20:
            text = "".join(f"module m{k} 'm{i + 1}.bicep' = {{\n  name: 'm{k}'\n}}\n"
                           for k in range(3))
        else:
            text = bicep_vm("vm", "'/subscriptions/0/resourceGroups/rg/providers/"
                                  "Microsoft.Compute/images/i'")
        write_text(f"{out}/module-fan-out/m{i}.bicep", text)


def many_keys_arm(out):
    """Issue #24, point 11: an ARM variable object of 100,000 keys, its last the image."""
    n = 100_000
    t = template([vm("vm", {"id": f"[variables('o').k{n - 1}]"})])
    t["variables"] = {"o": {f"k{i}": f"v{i}" for i in range(n)}}
    write(f"{out}/many-keys-arm/azuredeploy.json", t)


def many_keys_bicep(out):
    """Issue #24, point 11: a Bicep variable object of 100,000 keys, its last the image."""
    n = 100_000
    keys = "".join(f"  k{i}: 'v{i}'\n" for i in range(n))
    write_text(f"{out}/many-keys-bicep/main.bicep",
               f"var o = {{\n{keys}}}\n" + bicep_vm("vm", f"o.k{n - 1}"))


def huge_bicep_array(out):
    """Issue #24, point 12: a 64 MB Bicep file whose only content besides a VM is an unused
    array of 32 M zeros."""
    path = f"{out}/huge-bicep-array/main.bicep"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(bicep_vm("vm", "'x'"))
        f.write("var unused = [\n")
        chunk = "0\n" * 1_000_000
        for _ in range(32):
            f.write(chunk)
        f.write("]\n")


SHAPES = [nested_copy, allowed_variants, many_parameter_files, huge_parameter_file,
          huge_template_variable, copied_literal, bicep_chains, bicep_doubling, link_fan_out,
          module_fan_out, many_keys_arm, many_keys_bicep, huge_bicep_array]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    only = set(sys.argv[2:])
    for shape in SHAPES:
        if not only or shape.__name__.replace("_", "-") in only:
            shape(sys.argv[1])


if __name__ == "__main__":
    main()
