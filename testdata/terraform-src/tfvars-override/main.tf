# A Windows scale set: https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/windows_virtual_machine_scale_set

resource "azurerm_windows_virtual_machine_scale_set" "workers" {
  name                = "vmss-workers"
  resource_group_name = "rg-app"
  location            = "westeurope"
  sku                 = "Standard_D2s_v5"
  instances           = var.instances
  admin_username      = "azureadmin"
  admin_password      = "not-a-real-password-1!"

  source_image_reference {
    publisher = var.image.publisher
    offer     = var.image.offer
    sku       = var.image.sku
    version   = var.image.version
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
      subnet_id = azurerm_subnet.workers.id
    }
  }
}
