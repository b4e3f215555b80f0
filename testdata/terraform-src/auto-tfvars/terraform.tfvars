sku = "from-terraform-tfvars"
