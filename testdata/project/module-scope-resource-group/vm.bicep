param imageVersion string = '1.0.0'

resource vm 'Microsoft.Compute/virtualMachines@2023-09-01' = {
  name: 'vm-${resourceGroup().name}'
  location: resourceGroup().location
  properties: {
    hardwareProfile: { vmSize: 'Standard_D2s_v5' }
    storageProfile: {
      imageReference: {
        id: resourceId('Microsoft.Compute/galleries/images/versions', 'corpGallery', 'ubuntu-22.04', imageVersion)
      }
    }
  }
}
