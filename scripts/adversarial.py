#!/usr/bin/env python3
"""Writes the adversarial shapes of issue #10 (point 3), one folder each, under OUT.

Each shape is a small repository an attacker could commit to make a checker spend time or
memory without bound; `scripts/adversarial.sh` runs imagegate on each and records wall time and
peak memory (BENCHMARKS.md, "Adversarial inputs"). Deterministic: no randomness.

usage: scripts/adversarial.py OUT
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


SHAPES = [nested_copy, allowed_variants, many_parameter_files, huge_parameter_file,
          huge_template_variable, copied_literal]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for shape in SHAPES:
        shape(sys.argv[1])


if __name__ == "__main__":
    main()
