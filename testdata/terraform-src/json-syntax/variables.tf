# Variables declared in the native syntax, read by the JSON file beside it: one module.

variable "image_version" {
  type    = string
  default = "2.0.1"
}

variable "admin_password" {
  type      = string
  sensitive = true
}
