param imageReference object
param tags object = {}

resource vm 'Microsoft.Compute/virtualMachines@2023-09-01' = {
  name: 'app-vm'
  location: resourceGroup().location
  tags: tags
  properties: {
    hardwareProfile: { vmSize: 'Standard_D2s_v5' }
    storageProfile: {
      imageReference: imageReference
    }
  }
}
