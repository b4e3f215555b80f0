// Nightly batch workers.
@description('How many workers to run.')
param workerCount int = 2

param location string = resourceGroup().location

resource workers 'Microsoft.Compute/virtualMachines@2024-03-01' = [for i in range(0, workerCount): {
  name: 'vm-batch-${i}'
  location: location
  tags: {
    owner: 'team-data'
    costCenter: 'cc-204'
  }
  properties: {
    hardwareProfile: { vmSize: 'Standard_F4s_v2' }
    storageProfile: {
      imageReference: {
        publisher: 'Canonical'
        offer: '0001-com-ubuntu-server-jammy'
        sku: '22_04-lts-gen2'
        version: 'latest'
      }
      osDisk: { createOption: 'FromImage' }
    }
  }
}]
