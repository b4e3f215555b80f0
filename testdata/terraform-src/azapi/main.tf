# VMs declared through the azapi provider: `type` names the ARM type and API version, `body`
# the ARM properties, as an object (azapi 2.x) or a JSON string from `jsonencode` (1.x):
# https://registry.terraform.io/providers/Azure/azapi/latest/docs/resources/resource#body
# https://developer.hashicorp.com/terraform/language/functions/jsonencode
# Expected: IG001 at the Marketplace reference (object body) and at the managed image ID
# (jsonencode body); nothing for the golden gallery image (jsonencode body).

resource "azapi_resource" "marketplace" {
  type      = "Microsoft.Compute/virtualMachines@2023-03-01"
  name      = "vm-marketplace"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app"
  location  = "westeurope"
  body = {
    properties = {
      storageProfile = {
        imageReference = {
          publisher = "Canonical"
          offer     = "0001-com-ubuntu-server-jammy"
          sku       = "22_04-lts-gen2"
          version   = "latest"
        }
      }
    }
  }
}

resource "azapi_resource" "managed" {
  type      = "Microsoft.Compute/virtualMachines@2022-08-01"
  name      = "vm-managed"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app"
  location  = "westeurope"
  body = jsonencode({
    properties = {
      storageProfile = {
        imageReference = {
          id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-legacy/providers/Microsoft.Compute/images/hand-built"
        }
      }
    }
  })
}

resource "azapi_resource" "golden" {
  type      = "Microsoft.Compute/virtualMachines@2022-08-01"
  name      = "vm-golden"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app"
  location  = "westeurope"
  body = jsonencode({
    properties = {
      storageProfile = {
        imageReference = {
          id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204/versions/2.0.1"
        }
      }
    }
  })
}
