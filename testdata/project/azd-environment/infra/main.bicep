@description('The Windows Server release the machine boots.')
param imageSku string

resource vm 'Microsoft.Compute/virtualMachines@2023-09-01' = {
  name: 'app-vm'
  location: resourceGroup().location
  properties: {
    hardwareProfile: { vmSize: 'Standard_D2s_v5' }
    storageProfile: {
      imageReference: {
        publisher: 'MicrosoftWindowsServer'
        offer: 'WindowsServer'
        sku: imageSku
        version: 'latest'
      }
    }
  }
}
