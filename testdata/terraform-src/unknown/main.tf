# The image comes from a data source, which Terraform reads from Azure when it plans
# (https://developer.hashicorp.com/terraform/language/data-sources): the ID of the newest
# Marketplace version
# (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/data-sources/platform_image)
# is not known offline. Expected: IG002 at the reference, never a pass.

data "azurerm_platform_image" "ubuntu" {
  location  = "westeurope"
  publisher = "Canonical"
  offer     = "0001-com-ubuntu-server-jammy"
  sku       = "22_04-lts-gen2"
}

resource "azurerm_linux_virtual_machine" "db" {
  name                  = "vm-db"
  resource_group_name   = "rg-db"
  location              = "westeurope"
  size                  = "Standard_E4s_v5"
  admin_username        = "azureuser"
  network_interface_ids = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-db/providers/Microsoft.Network/networkInterfaces/nic-db"]
  source_image_id       = data.azurerm_platform_image.ubuntu.id

  admin_ssh_key {
    username   = "azureuser"
    public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0example"
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
}

# A function imagegate does not evaluate: IG002 too.
resource "azurerm_linux_virtual_machine" "cache" {
  name                  = "vm-cache"
  resource_group_name   = "rg-db"
  location              = "westeurope"
  size                  = "Standard_E2s_v5"
  admin_username        = "azureuser"
  network_interface_ids = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-db/providers/Microsoft.Network/networkInterfaces/nic-cache"]
  source_image_id       = trimsuffix(var.image_id, "/")

  admin_ssh_key {
    username   = "azureuser"
    public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0example"
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
}

variable "image_id" {
  type    = string
  default = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204/versions/2.0.1/"
}
