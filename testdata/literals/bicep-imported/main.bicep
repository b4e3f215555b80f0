import { golden, jumpbox } from 'shared/images.bicep'

resource app 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-app'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: golden
    }
  }
}

resource jump 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-jump'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: jumpbox
    }
  }
}
