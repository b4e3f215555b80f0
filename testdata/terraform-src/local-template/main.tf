# The image ID is built from locals and a string template
# (https://developer.hashicorp.com/terraform/language/expressions/strings#interpolation): a
# managed image, not a gallery image of the approved galleries.
# Expected: IG001 at the template.

variable "environment" {
  type    = string
  default = "prod"
}

locals {
  images_rg = "rg-images-${var.environment}"
  image_ids = {
    prod = "ubuntu-2204-${var.environment}"
    dev  = "ubuntu-2404-dev"
  }
  image_name = lookup(local.image_ids, var.environment, "ubuntu-2204-base")
}

resource "azurerm_linux_virtual_machine_scale_set" "agents" {
  name                = format("vmss-agents-%s", var.environment)
  resource_group_name = "rg-agents"
  location            = "westeurope"
  sku                 = "Standard_D2s_v5"
  instances           = 1
  admin_username      = "azureuser"
  source_image_id     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${local.images_rg}/providers/Microsoft.Compute/images/${local.image_name}"

  admin_ssh_key {
    username   = "azureuser"
    public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0example"
  }

  os_disk {
    storage_account_type = "Standard_LRS"
    caching              = "ReadWrite"
  }

  network_interface {
    name    = "nic"
    primary = true

    ip_configuration {
      name      = "internal"
      primary   = true
      subnet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/agents"
    }
  }
}
