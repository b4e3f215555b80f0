# VMs whose images are outputs of a local module, read as `module.<call>.<output>`
# (https://developer.hashicorp.com/terraform/language/values/outputs#accessing-child-module-outputs):
# each output is evaluated from the module's sources with the arguments its call passes.
# Expected: IG001 at the module's template that builds the legacy ID with this call's
# `legacy_name` (modules/images/main.tf:28); the gallery version and both instances of the
# counted call pass.

module "images" {
  source = "./modules/images"
}

module "legacy" {
  source = "./modules/images"

  # The managed image this call's `legacy_id` output names.
  legacy_name = "ubuntu-1804-legacy"
}

# A call with `count` is a list of instances (`module.pool[0]`).
module "pool" {
  source = "./modules/images"
  count  = 2

  golden_version = "2.0.${count.index}"
}

resource "azurerm_linux_virtual_machine" "web" {
  name                = "vm-web"
  resource_group_name = "rg-app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"
  source_image_id     = module.images.golden_id
}

resource "azurerm_linux_virtual_machine" "batch" {
  name                = "vm-batch"
  resource_group_name = "rg-app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"
  source_image_id     = module.legacy.legacy_id
}

resource "azurerm_linux_virtual_machine" "pool" {
  count               = 2
  name                = "vm-pool-${count.index}"
  resource_group_name = "rg-app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"
  source_image_id     = module.pool[count.index].golden_id
}
