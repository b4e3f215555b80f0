@description('The image the machine boots from: the golden image unless an environment says otherwise.')
param imageReference object = {
  id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04/versions/1.0.0'
}
param vmSize string = 'Standard_D2s_v5'

resource vm 'Microsoft.Compute/virtualMachines@2023-09-01' = {
  name: 'app-vm'
  location: resourceGroup().location
  properties: {
    hardwareProfile: { vmSize: vmSize }
    storageProfile: {
      imageReference: imageReference
    }
  }
}
