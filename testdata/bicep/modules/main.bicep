// A caller that deploys scale sets through a local module, once per tier, and one VM
// through a registry module that is not in this repository.
param location string = resourceGroup().location

var tiers = [
  {
    name: 'web'
    image: {
      publisher: 'MicrosoftWindowsServer'
      offer: 'WindowsServer'
      sku: '2022-datacenter-azure-edition'
      version: 'latest'
    }
  }
  {
    name: 'api'
    image: {
      id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis/versions/1.4.0'
    }
  }
]

module scaleSets 'modules/vmss.bicep' = [for tier in tiers: {
  name: 'vmss-${tier.name}'
  params: {
    name: 'vmss-${tier.name}'
    location: location
    imageReference: tier.image
  }
}]

module bastionHost 'br/public:avm/res/compute/virtual-machine:0.5.0' = {
  name: 'bastion-host'
  params: {
    name: 'bastion'
    location: location
  }
}
