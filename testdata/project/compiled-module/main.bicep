// A VM module (compiled to main.json beside it, as registries publish modules): on its own its
// image is a parameter nobody sets; caller.bicep deploys it with one.
param imageReference object

resource vm 'Microsoft.Compute/virtualMachines@2023-09-01' = {
  name: 'module-vm'
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: imageReference
    }
  }
}
