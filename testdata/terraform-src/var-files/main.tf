# A VM whose image each environment's -var-file sets:
# https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/linux_virtual_machine
# Expected: IG001 at the value env/prod.tfvars gives (a managed image outside the gallery),
# nothing for env/dev.tfvars (the golden image).

resource "azurerm_linux_virtual_machine" "app" {
  name                  = "vm-app"
  resource_group_name   = "rg-app"
  location              = "westeurope"
  size                  = "Standard_D2s_v5"
  admin_username        = "azureadmin"
  network_interface_ids = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers/Microsoft.Network/networkInterfaces/nic-app"]
  source_image_id       = var.image_id

  admin_ssh_key {
    username   = "azureadmin"
    public_key = "ssh-rsa AAAA"
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
}
