# Marketplace images read through `data "azurerm_platform_image"`
# (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/data-sources/platform_image):
# its publisher, offer, sku and version are its arguments, its `id` the platform image ID they
# compose. Without `version`, Terraform reads the newest version when it plans: `latest`,
# unpinned, which imagegate.toml does not approve.
# Expected: IG001 for `newest` (at the data source's publisher, line 11) and for `by_id` (at
# its `source_image_id`, line 36); `pinned` passes.

data "azurerm_platform_image" "newest" {
  location  = "westeurope"
  publisher = "Canonical"
  offer     = "0001-com-ubuntu-server-jammy"
  sku       = "22_04-lts-gen2"
}

data "azurerm_platform_image" "pinned" {
  location  = "westeurope"
  publisher = "Canonical"
  offer     = "0001-com-ubuntu-server-jammy"
  sku       = "22_04-lts-gen2"
  version   = "22.04.202401010"
}

resource "azurerm_linux_virtual_machine" "newest" {
  name = "vm-newest"
  source_image_reference {
    publisher = data.azurerm_platform_image.newest.publisher
    offer     = data.azurerm_platform_image.newest.offer
    sku       = data.azurerm_platform_image.newest.sku
    version   = data.azurerm_platform_image.newest.version
  }
}

resource "azurerm_linux_virtual_machine" "by_id" {
  name = "vm-by-id"
  source_image_id = data.azurerm_platform_image.newest.id
}

resource "azurerm_linux_virtual_machine" "pinned" {
  name = "vm-pinned"
  source_image_id = data.azurerm_platform_image.pinned.id
}
