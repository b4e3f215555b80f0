# Merged into main.tf's `web`: the image argument is replaced (and `source_image_id` unset, as
# the provider requires one of the two).

resource "azurerm_linux_virtual_machine" "web" {
  source_image_id = null

  source_image_reference {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts-gen2"
    version   = "latest"
  }
}
