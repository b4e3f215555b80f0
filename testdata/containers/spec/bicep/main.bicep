// The web tier, published as a template spec from Bicep: version 1.0.0 is the compiled
// web.json; version 2.0.0-preview is written inline.
// https://learn.microsoft.com/azure/templates/microsoft.resources/templatespecs/versions

resource spec 'Microsoft.Resources/templateSpecs@2022-02-01' = {
  name: 'web-tier'
  location: resourceGroup().location
  properties: {
    description: 'The web tier.'
  }
}

resource v1 'Microsoft.Resources/templateSpecs/versions@2022-02-01' = {
  parent: spec
  name: '1.0.0'
  location: resourceGroup().location
  properties: {
    mainTemplate: loadJsonContent('web.json')
  }
}

resource v2 'Microsoft.Resources/templateSpecs/versions@2022-02-01' = {
  parent: spec
  name: '2.0.0-preview'
  location: resourceGroup().location
  properties: {
    mainTemplate: {
      '$schema': 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#'
      contentVersion: '1.0.0.0'
      resources: [
        {
          type: 'Microsoft.Compute/virtualMachines'
          apiVersion: '2024-03-01'
          name: 'web-01'
          location: '[resourceGroup().location]'
          properties: {
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
      ]
    }
  }
}
