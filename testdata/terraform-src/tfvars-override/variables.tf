# The image is a variable whose default is the golden image; terraform.tfvars overrides it
# with a Marketplace SKU, and Terraform takes the .tfvars value over the default:
# https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence
# Expected: IG001 at the value in terraform.tfvars.

variable "image" {
  description = "The image the scale set boots from."
  type = object({
    publisher = string
    offer     = string
    sku       = string
    version   = string
  })
  default = {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "2022-datacenter-azure-edition"
    version   = "20348.2113.231109"
  }
}

variable "instances" {
  type    = number
  default = 2
}
