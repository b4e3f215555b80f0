# The image comes from a data source, which Terraform reads from Azure when it plans
# (https://developer.hashicorp.com/terraform/language/data-sources): the versions of a
# gallery image
# (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/data-sources/shared_image_versions)
# are not known offline. Expected: IG002 at the reference, never a pass.

data "azurerm_shared_image_versions" "ubuntu" {
  image_name          = "ubuntu-2204"
  gallery_name        = "corpGallery"
  resource_group_name = "rg-golden"
  tags_filter         = { channel = "stable" }
}

resource "azurerm_linux_virtual_machine" "db" {
  name                  = "vm-db"
  resource_group_name   = "rg-db"
  location              = "westeurope"
  size                  = "Standard_E4s_v5"
  admin_username        = "azureuser"
  network_interface_ids = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-db/providers/Microsoft.Network/networkInterfaces/nic-db"]
  source_image_id       = data.azurerm_shared_image_versions.ubuntu.images[0].id

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
