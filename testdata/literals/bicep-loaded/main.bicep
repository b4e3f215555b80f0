var images = loadJsonContent('config/images.json')

resource app 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-app'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: images.app
    }
  }
}

resource build 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-build'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: loadJsonContent('config/images.json', '$.build')
    }
  }
}

resource agent 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-agent'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: {
        id: loadTextContent('config/agent-image-id.txt')
      }
    }
  }
}
