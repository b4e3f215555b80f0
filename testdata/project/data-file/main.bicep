var images = loadJsonContent('images.json')

resource vm 'Microsoft.Compute/virtualMachines@2023-09-01' = {
  name: 'data-vm'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: images.app
    }
  }
}
