@description('The golden-image gallery.')
param gallery string = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery'

resource worker 'Microsoft.Compute/virtualMachineScaleSets@2024-03-01' = {
  name: 'vmss-worker'
  location: 'westeurope'
  sku: {
    name: 'Standard_D2s_v5'
    capacity: 2
  }
  properties: {
    virtualMachineProfile: {
      storageProfile: {
        imageReference: {
          id: '${gallery}/images/ubuntu-22.04'
        }
      }
    }
  }
}
