// Build agents as a managed application: the definition publishes agents.json, and an
// application of it deploys that template with its parameters.
// https://learn.microsoft.com/azure/templates/microsoft.solutions/applicationdefinitions
// https://learn.microsoft.com/azure/templates/microsoft.solutions/applications

param location string = resourceGroup().location

param agentImage object = {
  publisher: 'MicrosoftWindowsServer'
  offer: 'WindowsServer'
  sku: '2022-datacenter-azure-edition'
  version: 'latest'
}

resource definition 'Microsoft.Solutions/applicationDefinitions@2021-07-01' = {
  name: 'build-agents-definition'
  location: location
  properties: {
    lockLevel: 'ReadOnly'
    displayName: 'Build agents'
    mainTemplate: loadJsonContent('agents.json')
    createUiDefinition: loadJsonContent('createUiDefinition.json')
  }
}

resource application 'Microsoft.Solutions/applications@2021-07-01' = {
  name: 'build-agents'
  location: location
  kind: 'ServiceCatalog'
  properties: {
    managedResourceGroupId: subscriptionResourceId('Microsoft.Resources/resourceGroups', 'build-agents-managed')
    applicationDefinitionId: definition.id
    parameters: {
      image: {
        value: agentImage
      }
    }
  }
}
