// Conditions false whatever a deployer passes leave a resource out: a literal false, constant
// variables, and a parameter whose only allowed value is false. None of these VMs is judged.
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/conditional-resource-deployment

@allowed([
  false
])
param deployLegacy bool = false

var legacy = false
var deployOld = legacy && true

resource never 'Microsoft.Compute/virtualMachines@2024-03-01' = if (false) {
  name: 'vm-never'
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

resource old 'Microsoft.Compute/virtualMachines@2024-03-01' = if (deployOld) {
  name: 'vm-constant-off'
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

resource legacyVm 'Microsoft.Compute/virtualMachines@2024-03-01' = if (deployLegacy) {
  name: 'vm-legacy'
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
