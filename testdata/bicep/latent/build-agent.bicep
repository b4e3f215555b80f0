// Deployed by main.bicep only when its `environment` is 'prod'. On its own, `sku` has no value.
param sku string

resource agent 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-build-agent'
  location: 'westeurope'
  properties: {
    hardwareProfile: {
      vmSize: 'Standard_D4s_v5'
    }
    storageProfile: {
      imageReference: {
        publisher: 'MicrosoftWindowsServer'
        offer: 'WindowsServer'
        sku: sku
        version: 'latest'
      }
    }
  }
}
