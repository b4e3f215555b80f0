# From terraform-compliance (MIT), tests/functional/test_issue-221: a legacy VM with no
# `storage_image_reference`, which is Optional and Computed
# (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/virtual_machine#storage_image_reference):
# its plan (plan.out.json) shows the image known only after apply, IG002; the sources alone say
# IG002 too, naming the missing argument.

module "elasticSearch" {
  source = "./module/"
}