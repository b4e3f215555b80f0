// A build agent booted from a disk copied from a snapshot of a VHD: the VM's image is the VHD.
// https://learn.microsoft.com/azure/templates/microsoft.compute/snapshots
// https://learn.microsoft.com/azure/templates/microsoft.compute/disks

param location string = resourceGroup().location

@description('The base VHD, from the image pipeline.')
param baseVhdUri string = 'https://stbuildartifacts.blob.core.windows.net/vhds/build-agent-base.vhd'

resource artifacts 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'stbuildartifacts'
}

resource base 'Microsoft.Compute/snapshots@2023-10-02' = {
  name: 'agent-base'
  location: location
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    creationData: {
      createOption: 'Import'
      storageAccountId: artifacts.id
      sourceUri: baseVhdUri
    }
  }
}

resource osDisk 'Microsoft.Compute/disks@2023-10-02' = {
  name: 'agent-osdisk'
  location: location
  sku: {
    name: 'Premium_LRS'
  }
  properties: {
    creationData: {
      createOption: 'Copy'
      sourceResourceId: base.id
    }
  }
}

resource agent 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'agent-01'
  location: location
  properties: {
    hardwareProfile: {
      vmSize: 'Standard_D4s_v5'
    }
    storageProfile: {
      osDisk: {
        osType: 'Linux'
        createOption: 'Attach'
        managedDisk: {
          id: osDisk.id
        }
      }
    }
  }
}
