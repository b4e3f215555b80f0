# Loaded last: this value wins.
sku = "server"
