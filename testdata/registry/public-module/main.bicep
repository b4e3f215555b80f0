// A web server from the public registry (Azure Verified Modules). `br/public` is the Bicep
// CLI's built-in alias of `br:mcr.microsoft.com/bicep`
// (https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules#file-in-registry);
// `bicep restore` leaves the compiled module in ~/.bicep (the cache the tests copy there).
param location string = resourceGroup().location

module web 'br/public:avm/res/compute/virtual-machine:0.9.0' = {
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
