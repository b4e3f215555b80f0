param location string = resourceGroup().location

resource tools 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'tools'
  location: location
  properties: {
    hardwareProfile: { vmSize: 'Standard_D2s_v5' }
    storageProfile: {
      #disable-next-line imagegate-IG001 // the vendor's appliance image (SEC-7)
      imageReference: { publisher: 'vendor', offer: 'appliance', sku: 'v2', version: '2.0.0' }
    }
  }
}
