# The configuration behind testdata/provenance/tfplan/fires.json (its plan, plan.json here): OS
# disks copied from snapshots and images, attached to VMs
# (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/managed_disk#source_resource_id).
# The plan is authoritative; judged alone, the sources follow the same chains from the `id`s
# composed of each disk's and snapshot's arguments, to the same images.

resource "azurerm_snapshot" "agent_base" {
  name                = "agent-base"
  resource_group_name = "rg-agents"
  location            = "westeurope"
  create_option       = "Import"
  source_uri          = "https://stbuildartifacts.blob.core.windows.net/vhds/build-agent-base.vhd"
  storage_account_id  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-build/providers/Microsoft.Storage/storageAccounts/stbuildartifacts"
}

resource "azurerm_managed_disk" "agent_os" {
  name                 = "agent-osdisk"
  resource_group_name  = "rg-agents"
  location             = "westeurope"
  create_option        = "Copy"
  os_type              = "Linux"
  source_resource_id   = azurerm_snapshot.agent_base.id
  storage_account_type = "Premium_LRS"
  disk_size_gb         = 64
}

resource "azurerm_virtual_machine" "agent" {
  name                = "agent-01"
  location            = "westeurope"
  resource_group_name = "rg-agents"
  vm_size             = "Standard_D4s_v5"

  storage_os_disk {
    name              = "agent-osdisk"
    caching           = "ReadWrite"
    create_option     = "Attach"
    managed_disk_id   = azurerm_managed_disk.agent_os.id
    managed_disk_type = "Premium_LRS"
    os_type           = "Linux"
  }
}

resource "azurerm_managed_disk" "web_base" {
  name                 = "web-base"
  resource_group_name  = "rg-agents"
  location             = "westeurope"
  create_option        = "FromImage"
  image_reference_id   = "/Subscriptions/00000000-0000-0000-0000-000000000000/Providers/Microsoft.Compute/Locations/westeurope/Publishers/Canonical/ArtifactTypes/VMImage/Offers/0001-com-ubuntu-server-jammy/Skus/22_04-lts-gen2/Versions/22.04.202410020"
  storage_account_type = "Premium_LRS"
}

resource "azurerm_snapshot" "web" {
  name                = "web-snapshot"
  resource_group_name = "rg-agents"
  location            = "westeurope"
  create_option       = "Copy"
  source_resource_id  = azurerm_managed_disk.web_base.id
}

resource "azurerm_managed_disk" "web_os" {
  name                 = "web-osdisk"
  resource_group_name  = "rg-agents"
  location             = "westeurope"
  create_option        = "Copy"
  os_type              = "Linux"
  source_resource_id   = azurerm_snapshot.web.id
  storage_account_type = "Premium_LRS"
  disk_size_gb         = 64
}

resource "azurerm_linux_virtual_machine" "web" {
  name                = "web-01"
  location            = "westeurope"
  resource_group_name = "rg-agents"
  size                = "Standard_D2s_v5"
  admin_username      = "azureuser"
  os_managed_disk_id  = azurerm_managed_disk.web_os.id

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
}
