@description('The image of the jump box.')
param image object

resource jump 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-jump'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: image
    }
  }
}
