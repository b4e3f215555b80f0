// A syntax error inside a VM (a missing closing brace and a stray token) must not let the VM pass,
// and the VM after it must still be judged.
resource broken 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-broken'
  location: 'westeurope'
  properties: {
    storageProfile: {
      imageReference: {
        id: 'looks-fine' ) ]
      }
    }
  }
}

resource after 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'vm-after'
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
