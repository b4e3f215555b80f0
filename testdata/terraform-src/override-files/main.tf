# Override files (https://developer.hashicorp.com/terraform/language/files/override): Terraform
# merges each block of `override.tf` and `*_override.tf` into the block of the same type and
# labels, its arguments replacing those written here, its nested blocks replacing those of the
# same type. The VM below is written with the golden gallery version; `image_override.tf`
# replaces its image with a Marketplace reference, and `size_override.tf` changes only its size.
# Expected: IG001 at the Marketplace reference of image_override.tf (line 7); `db` passes.

variable "image" {
  default = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204/versions/2.0.1"
}

resource "azurerm_linux_virtual_machine" "web" {
  name                = "vm-web"
  resource_group_name = "rg-app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"
  source_image_id     = var.image

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
}

resource "azurerm_linux_virtual_machine" "db" {
  name                = "vm-db"
  resource_group_name = "rg-app"
  location            = "westeurope"
  size                = "Standard_E4s_v5"
  source_image_id     = var.image
}
