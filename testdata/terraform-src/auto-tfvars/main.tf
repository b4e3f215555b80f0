# `*.auto.tfvars` files are loaded after terraform.tfvars, in lexical order of their names,
# and a later file wins:
# https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence
# Here `b.auto.tfvars` sets the SKU last (a Marketplace image): IG001 at its value.
# `count` over a known number: two instances, one finding for the declaration.

variable "sku" {
  type    = string
  default = "not-used"
}

variable "create" {
  type    = bool
  default = true
}

resource "azurerm_linux_virtual_machine" "node" {
  count                 = var.create ? 2 : 0
  name                  = "vm-node-${count.index}"
  resource_group_name   = "rg-nodes"
  location              = "westeurope"
  size                  = "Standard_D2s_v5"
  admin_username        = "azureuser"
  network_interface_ids = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-nodes/providers/Microsoft.Network/networkInterfaces/nic-${count.index}"]

  admin_ssh_key {
    username   = "azureuser"
    public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0example"
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = var.sku
    version   = "latest"
  }
}
