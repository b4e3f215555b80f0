param imageReference object
param vmName string

resource vm 'Microsoft.Compute/virtualMachines@2023-09-01' = {
  name: vmName
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: imageReference
    }
  }
}
