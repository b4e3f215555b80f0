# Merged into main.tf's `db`: only its size changes, its image stays the golden one.

resource "azurerm_linux_virtual_machine" "db" {
  size = "Standard_E8s_v5"
}
