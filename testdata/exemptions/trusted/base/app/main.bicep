param location string = resourceGroup().location

resource app 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'app'
  location: location
  properties: {
    hardwareProfile: { vmSize: 'Standard_D2s_v5' }
    storageProfile: {
      imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' }
    }
  }
}
