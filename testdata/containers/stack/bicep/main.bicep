// Build agents managed as one deployment stack, their template loaded from agents.json.
// https://learn.microsoft.com/azure/templates/microsoft.resources/deploymentstacks

param agentImage object = {
  publisher: 'Canonical'
  offer: '0001-com-ubuntu-server-jammy'
  sku: '22_04-lts-gen2'
  version: 'latest'
}

resource agents 'Microsoft.Resources/deploymentStacks@2024-03-01' = {
  name: 'build-agents'
  properties: {
    actionOnUnmanage: {
      resources: 'delete'
    }
    denySettings: {
      mode: 'denyDelete'
    }
    template: loadJsonContent('agents.json')
    parameters: {
      image: {
        value: agentImage
      }
    }
  }
}
