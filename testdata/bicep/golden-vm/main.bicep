// A web VM from the golden gallery and a jump box from the Marketplace, as a platform team
// writes them: the gallery is an `existing` resource in another resource group, and the
// image version comes from a parameter (set per environment in main.bicepparam).
targetScope = 'resourceGroup'

@description('Name prefix for every resource.')
param prefix string = 'shop'

param location string = resourceGroup().location

@allowed([
  'ubuntu-22.04-cis'
  'win2022-cis'
])
param imageDefinition string = 'ubuntu-22.04-cis'

@description('Version of the golden image.')
param imageVersion string = '1.4.0'

@secure()
param adminPassword string

var galleryResourceGroup = 'rg-golden'
var vmSize = 'Standard_D2s_v5'

resource gallery 'Microsoft.Compute/galleries@2023-07-03' existing = {
  name: 'corpGallery'
  scope: resourceGroup('00000000-0000-0000-0000-000000000000', galleryResourceGroup)

  resource definition 'images' existing = {
    name: imageDefinition
  }
}

resource nic 'Microsoft.Network/networkInterfaces@2023-09-01' = {
  name: '${prefix}-app-nic'
  location: location
  properties: {
    ipConfigurations: [
      {
        name: 'ipconfig1'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
        }
      }
    ]
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: '${prefix}-app-01'
  location: location
  properties: {
    hardwareProfile: {
      vmSize: vmSize
    }
    storageProfile: {
      imageReference: {
        id: '${gallery::definition.id}/versions/${imageVersion}'
      }
      osDisk: {
        createOption: 'FromImage'
      }
    }
    osProfile: {
      computerName: '${prefix}app01'
      adminUsername: 'azureuser'
      adminPassword: adminPassword
    }
    networkProfile: {
      networkInterfaces: [
        {
          id: nic.id
        }
      ]
    }
  }
}

resource jumpbox 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: '${prefix}-jump'
  location: location
  properties: {
    hardwareProfile: {
      vmSize: vmSize
    }
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

output vmId string = vm.id
