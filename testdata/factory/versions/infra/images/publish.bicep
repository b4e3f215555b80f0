// The image factory publishes its build VM as a new version of the golden Ubuntu
// definition: the one place that may.
param location string = resourceGroup().location

@description('The build VM the image is captured from.')
param buildVmId string = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/vm-build'

resource gallery 'Microsoft.Compute/galleries@2023-07-03' existing = {
  name: 'corpGallery'
}

resource definition 'Microsoft.Compute/galleries/images@2023-07-03' existing = {
  parent: gallery
  name: 'ubuntu-22.04-cis'
}

resource version 'Microsoft.Compute/galleries/images/versions@2023-07-03' = {
  parent: definition
  name: '1.5.0'
  location: location
  properties: {
    storageProfile: {
      source: {
        virtualMachineId: buildVmId
      }
    }
  }
}
