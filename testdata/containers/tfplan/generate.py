#!/usr/bin/env python3
"""Writes the Terraform plans of containers of templates (issue #24, item 5), in the shape
`terraform show -json` prints (format 1.2): deployment stacks, template deployments of a
template spec, managed application definitions and applications, with azurerm and azapi.

    python3 testdata/containers/tfplan/generate.py

`fires.json` holds what must be reported, `passes.json` the same done right.
"""
import json
import os

AZ = "registry.terraform.io/hashicorp/azurerm"
AZAPI = "registry.terraform.io/azure/azapi"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
GOLDEN = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/"
          "Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis/versions/1.4.0")
MARKETPLACE = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
               "sku": "22_04-lts-gen2", "version": "latest"}


def vm_template(name, image=None):
    """An ARM template of one VM: its image the `image` parameter (no default) or `image`."""
    parameters = {} if image is not None else {"image": {"type": "object"}}
    return {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": parameters,
        "resources": [{
            "type": "Microsoft.Compute/virtualMachines",
            "apiVersion": "2024-03-01",
            "name": name,
            "location": "[resourceGroup().location]",
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
                "storageProfile": {
                    "imageReference": image if image is not None else "[parameters('image')]",
                    "osDisk": {"createOption": "FromImage"},
                },
            },
        }],
    }


def rc(rtype, name, after, provider=AZ, unknown=None):
    return {
        "address": f"{rtype}.{name}",
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_name": provider,
        "change": {
            "actions": ["create"],
            "before": None,
            "after": after,
            "after_unknown": unknown or {"id": True},
            "before_sensitive": False,
            "after_sensitive": {},
        },
    }


def stack(name, template, parameters, rtype="azurerm_resource_group_deployment_stack"):
    after = {
        "name": name,
        "template_content": json.dumps(template, indent=2) if template else None,
        "template_spec_version_id": None,
        "parameters_content": json.dumps(parameters) if parameters is not None else None,
        "action_on_unmanage": [{"resources": "delete", "resource_groups": "detach",
                                "management_groups": "detach"}],
        "deny_settings": [{"mode": "denyDelete", "apply_to_child_scopes": False,
                           "excluded_actions": None, "excluded_principals": None}],
        "bypass_stack_out_of_sync_error": False,
        "description": None,
        "tags": None,
    }
    if rtype == "azurerm_resource_group_deployment_stack":
        after["resource_group_name"] = "rg-agents"
    else:
        after["location"] = "westeurope"
    return after


def azapi(name, arm_type, body, parent="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app"):
    return {"type": arm_type, "name": name, "parent_id": parent, "body": body,
            "location": "westeurope", "schema_validation_enabled": False}


def definition(name, main_template=None, package=None):
    return {"name": name, "resource_group_name": "rg-catalog", "location": "westeurope",
            "lock_level": "ReadOnly", "display_name": name, "description": None,
            "main_template": json.dumps(main_template) if main_template else None,
            "create_ui_definition": None, "package_file_uri": package, "package_enabled": True,
            "authorization": [], "tags": None}


def plan(changes):
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": [
            {"address": c["address"], "mode": "managed", "type": c["type"], "name": c["name"],
             "provider_name": c["provider_name"], "schema_version": 0,
             "values": c["change"]["after"], "sensitive_values": {}}
            for c in changes]}},
        "resource_changes": changes,
        "configuration": {"root_module": {}},
        "timestamp": "2026-11-20T10:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


def fires():
    spec_id = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-specs/providers/"
               "Microsoft.Resources/templateSpecs/web/versions/1.0.0")
    from_spec = stack("web", None, None)
    from_spec["template_spec_version_id"] = spec_id
    from_spec_deployment = {"name": "web", "resource_group_name": "rg-app", "deployment_mode": "Incremental",
                            "template_content": None, "template_spec_version_id": spec_id,
                            "parameters_content": None, "debug_level": None, "tags": None}
    return [
        # A stack passes a Marketplace image, each parameter written bare.
        rc("azurerm_resource_group_deployment_stack", "agents",
           stack("agents", vm_template("agent-01"), {"image": MARKETPLACE})),
        rc("azurerm_subscription_deployment_stack", "jump",
           stack("jump", vm_template("jump-01", MARKETPLACE), None,
                 rtype="azurerm_subscription_deployment_stack")),
        # Template spec versions: not in the plan.
        rc("azurerm_resource_group_deployment_stack", "from_spec", from_spec),
        rc("azurerm_resource_group_template_deployment", "from_spec", from_spec_deployment,
           unknown={"id": True, "output_content": True}),
        # azapi: a stack, a template spec version, a managed application definition (inline,
        # and a package), an application.
        rc("azapi_resource", "stack", azapi("agents", "Microsoft.Resources/deploymentStacks@2024-03-01", {
            "properties": {"actionOnUnmanage": {"resources": "delete"}, "denySettings": {"mode": "none"},
                           "template": vm_template("agent-azapi"),
                           "parameters": {"image": {"value": MARKETPLACE}}}}), provider=AZAPI),
        rc("azapi_resource", "spec_version", azapi("1.0.0", "Microsoft.Resources/templateSpecs/versions@2022-02-01", {
            "properties": {"mainTemplate": vm_template("web-azapi")}},
            parent="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-specs/providers/Microsoft.Resources/templateSpecs/web"),
           provider=AZAPI),
        rc("azapi_resource", "definition", azapi("agents-def", "Microsoft.Solutions/applicationDefinitions@2021-07-01", {
            "properties": {"lockLevel": "ReadOnly", "mainTemplate": vm_template("agent-def", MARKETPLACE)}}),
           provider=AZAPI),
        rc("azapi_resource", "package", azapi("agents-pkg", "Microsoft.Solutions/applicationDefinitions@2021-07-01", {
            "properties": {"lockLevel": "ReadOnly",
                           "packageFileUri": "https://stcorpartifacts.blob.core.windows.net/packages/agents.zip"}}),
           provider=AZAPI),
        rc("azapi_resource", "application", azapi("agents", "Microsoft.Solutions/applications@2021-07-01", {
            "kind": "ServiceCatalog",
            "properties": {"managedResourceGroupId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/agents-managed",
                           "applicationDefinitionId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-catalog/providers/Microsoft.Solutions/applicationDefinitions/agents-def",
                           "parameters": {"image": {"value": MARKETPLACE}}}}), provider=AZAPI),
        # azurerm managed applications.
        rc("azurerm_managed_application_definition", "agents",
           definition("agents-def", main_template=vm_template("agent-tf", MARKETPLACE))),
        rc("azurerm_managed_application", "agents", {
            "name": "agents", "resource_group_name": "rg-app", "location": "westeurope",
            "kind": "ServiceCatalog", "managed_resource_group_name": "agents-managed",
            "application_definition_id": None, "parameter_values": None, "plan": [], "tags": None},
           unknown={"id": True, "application_definition_id": True, "outputs": True}),
    ]


def passes():
    golden = {"id": GOLDEN}
    return [
        rc("azurerm_resource_group_deployment_stack", "agents",
           stack("agents", vm_template("agent-01"), {"image": golden})),
        rc("azapi_resource", "stack", azapi("agents", "Microsoft.Resources/deploymentStacks@2024-03-01", {
            "properties": {"actionOnUnmanage": {"resources": "delete"}, "denySettings": {"mode": "none"},
                           "template": vm_template("agent-azapi"),
                           "parameters": {"image": {"value": golden}}}}), provider=AZAPI),
        rc("azapi_resource", "spec_version", azapi("1.0.0", "Microsoft.Resources/templateSpecs/versions@2022-02-01", {
            "properties": {"mainTemplate": vm_template("web-azapi", golden)}},
            parent="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-specs/providers/Microsoft.Resources/templateSpecs/web"),
           provider=AZAPI),
        rc("azurerm_managed_application_definition", "agents",
           definition("agents-def", main_template=vm_template("agent-tf", golden))),
    ]


def dump(name, changes):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, name), "w") as f:
        json.dump(plan(changes), f, separators=(",", ":"))
        f.write("\n")


dump("fires.json", fires())
dump("passes.json", passes())
