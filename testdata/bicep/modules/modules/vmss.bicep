// A scale set whose image is the caller's choice.
param name string
param location string

@description('The image reference, as the caller gives it.')
param imageReference object

resource vmss 'Microsoft.Compute/virtualMachineScaleSets@2024-03-01' = {
  name: name
  location: location
  sku: {
    name: 'Standard_D2s_v5'
    capacity: 2
  }
  properties: {
    virtualMachineProfile: {
      storageProfile: {
        imageReference: imageReference
      }
    }
  }
}
