# Images written through a `dynamic` block
# (https://developer.hashicorp.com/terraform/language/expressions/dynamic-blocks) and through
# template directives
# (https://developer.hashicorp.com/terraform/language/expressions/strings#directives), both
# over values known offline.
# Expected: IG001 for `web` at the Marketplace reference its `dynamic` block generates from
# (the publisher in `local.marketplace.ubuntu`, line 24); `golden` (its dynamic block generates nothing, the
# directive picks the gallery version) passes.

variable "use_gallery" {
  type    = bool
  default = false
}

variable "environment" {
  type    = string
  default = "prod"
}

locals {
  gallery = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery"
  marketplace = {
    ubuntu = {
      publisher = "Canonical"
      offer     = "0001-com-ubuntu-server-jammy"
      sku       = "22_04-lts-gen2"
      version   = "latest"
    }
  }
}

resource "azurerm_linux_virtual_machine" "web" {
  name                = "vm-web"
  resource_group_name = "rg-app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"
  source_image_id     = var.use_gallery ? "${local.gallery}/images/ubuntu-2204/versions/2.0.1" : null

  dynamic "source_image_reference" {
    for_each = var.use_gallery ? {} : local.marketplace
    iterator = image

    content {
      publisher = image.value.publisher
      offer     = image.value.offer
      sku       = image.value.sku
      version   = image.value.version
    }
  }
}

resource "azurerm_linux_virtual_machine" "golden" {
  name                = "vm-golden"
  resource_group_name = "rg-app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"
  source_image_id     = "${local.gallery}/images/%{ if var.environment == "prod" }ubuntu-2204/versions/2.0.1%{ else }ubuntu-2404/versions/0.1.0%{ endif }"

  dynamic "source_image_reference" {
    for_each = []

    content {
      publisher = "Canonical"
      offer     = "UbuntuServer"
      sku       = "16.04-LTS"
      version   = "latest"
    }
  }
}
