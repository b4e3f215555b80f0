# A configuration with its plan beside it (`terraform plan -out plan.out && terraform show
# -json plan.out > plan.json`, https://developer.hashicorp.com/terraform/internals/json-format):
# the plan is authoritative. Its finding points at the image here, and this folder is not
# judged again from its sources: one IG001 in all.

resource "azurerm_linux_virtual_machine" "web" {
  name                  = "vm-web"
  resource_group_name   = "rg-app"
  location              = "westeurope"
  size                  = "Standard_D2s_v5"
  admin_username        = "azureuser"
  network_interface_ids = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers/Microsoft.Network/networkInterfaces/nic-web"]

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
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts-gen2"
    version   = "latest"
  }
}
