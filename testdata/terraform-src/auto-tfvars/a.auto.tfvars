sku = "from-a-auto"
