// The images the platform team publishes for every workload.
var gallery = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery'

@export()
@description('The hardened Ubuntu image.')
var golden = {
  id: '${gallery}/images/ubuntu-22.04-cis/versions/1.4.0'
}

@export()
@description('The jump box image.')
var jumpbox = {
  publisher: 'MicrosoftWindowsServer'
  offer: 'WindowsServer'
  sku: '2022-datacenter-azure-edition'
  version: 'latest'
}
