@description('Marketplace image of the application servers.')
param imagePublisher string = 'Canonical'
param imageOffer string = '0001-com-ubuntu-server-jammy'
param imageSku string = '22_04-lts-gen2'

resource app 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-app'
  location: resourceGroup().location
  properties: {
    hardwareProfile: {
      vmSize: 'Standard_D2s_v5'
    }
    storageProfile: {
      imageReference: {
        publisher: imagePublisher
        offer: imageOffer
        sku: imageSku
        version: 'latest'
      }
    }
  }
}
