// A virtual machine module written as Azure Verified Modules write theirs: `metadata name`
// and `metadata imageReference` describe it, and parameters of the same names are what the
// deployer sets. Metadata and outputs are names of their own: they never hide a parameter.
metadata name = 'Virtual machine'
metadata imageReference = 'The image the virtual machine boots from, given by the deployer.'

@description('The virtual machine\'s name.')
param name string

@description('The image the virtual machine boots from.')
param imageReference object

resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: name
  location: resourceGroup().location
  properties: {
    storageProfile: {
      imageReference: imageReference
    }
  }
}

output name string = vm.name
output imageReference object = imageReference
