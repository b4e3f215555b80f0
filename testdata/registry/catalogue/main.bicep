// A web tier built from public Azure Verified Modules, nothing restored: imagegate's catalogue
// of the public registry's modules (generated from Azure/bicep-registry-modules, see
// docs/avm-catalogue.md) says what each deploys. `br/public` is the Bicep CLI's built-in alias
// of `br:mcr.microsoft.com/bicep`
// (https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules#file-in-registry).
param location string = resourceGroup().location

// Deploys no image-bearing resource at any version: nothing to judge, no IG002.
module pip 'br/public:avm/res/network/public-ip-address:0.8.0' = {
  name: 'web-pip'
  params: {
    name: 'pip-web'
    location: location
  }
}

module vnet 'br/public:avm/res/network/virtual-network:0.7.0' = {
  name: 'web-vnet'
  params: {
    name: 'vnet-web'
    addressPrefixes: ['10.0.0.0/16']
  }
}

// Version 0.22.2 of the VM module takes its image from its parameter `imageReference`
// (avm/res/compute/virtual-machine/main.bicep: `imageReference: imageReference` in the VM's
// storageProfile): the Marketplace image passed here is judged, at this literal.
module web 'br/public:avm/res/compute/virtual-machine:0.22.2' = {
  name: 'web-vm'
  params: {
    name: 'vm-web-01'
    location: location
    imageReference: {
      publisher: 'Canonical'
      offer: '0001-com-ubuntu-server-jammy'
      sku: '22_04-lts-gen2'
      version: 'latest'
    }
  }
}
