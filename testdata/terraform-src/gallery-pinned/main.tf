# A Windows VM from a pinned version of the platform team's gallery image: approved, no finding.
# `source_image_id` takes an image or gallery image version ID:
# https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/windows_virtual_machine#source_image_id

resource "azurerm_windows_virtual_machine" "app" {
  name                  = "vm-app"
  resource_group_name   = "rg-app"
  location              = "westeurope"
  size                  = "Standard_D4s_v5"
  admin_username        = "azureadmin"
  admin_password        = var.admin_password
  network_interface_ids = [azurerm_network_interface.app.id]
  source_image_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/win2022/versions/1.4.0"

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
}

variable "admin_password" {
  type      = string
  sensitive = true
}
