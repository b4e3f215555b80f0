import { appImage } from 'images.bicep'

resource vm 'Microsoft.Compute/virtualMachines@2023-09-01' = {
  name: 'imported-vm'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: appImage
    }
  }
}
