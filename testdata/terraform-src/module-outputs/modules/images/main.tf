# The images a platform team publishes, as outputs
# (https://developer.hashicorp.com/terraform/language/values/outputs): a gallery image
# version read by a data source (its ID composed from its arguments), and a legacy managed
# image named by a variable.

variable "golden_version" {
  type    = string
  default = "2.0.1"
}

variable "legacy_name" {
  type    = string
  default = "ubuntu-2204-base"
}

data "azurerm_shared_image_version" "golden" {
  name                = var.golden_version
  image_name          = "ubuntu-2204"
  gallery_name        = "corpGallery"
  resource_group_name = "rg-golden"
}

output "golden_id" {
  value = data.azurerm_shared_image_version.golden.id
}

output "legacy_id" {
  value = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-images/providers/Microsoft.Compute/images/${var.legacy_name}"
}
