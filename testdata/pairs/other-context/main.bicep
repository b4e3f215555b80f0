// A web server, as the Azure quickstarts lay it out: azuredeploy.json is `bicep build
// main.bicep`, deployed with azuredeploy.parameters.json, which names the VM 'vm-prod'.
param location string = resourceGroup().location
param vmName string = 'vm-web'

resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: vmName
  location: location
  properties: {
    hardwareProfile: {
      vmSize: 'Standard_B2s'
    }
    storageProfile: {
      imageReference: {
        publisher: 'Canonical'
        offer: '0001-com-ubuntu-server-jammy'
        sku: '22_04-lts-gen2'
        version: 'latest'
      }
    }
  }
}
