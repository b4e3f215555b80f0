// A web server. main.json beside it says it is `bicep build main.bicep`, but its VM is
// named 'vm-admin': a different resource, whose findings look like main.bicep's.
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
