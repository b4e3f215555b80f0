targetScope = 'subscription'

resource appGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-app'
  location: 'westeurope'
}

resource goldenGroup 'Microsoft.Resources/resourceGroups@2024-03-01' existing = {
  name: 'rg-golden'
}

// Boots from the gallery of the group it is deployed to.
module app 'vm.bicep' = {
  name: 'app-vm'
  scope: appGroup
}

module golden 'vm.bicep' = {
  name: 'golden-vm'
  scope: goldenGroup
}

module goldenByName 'vm.bicep' = {
  name: 'golden-vm-by-name'
  scope: resourceGroup(goldenGroup.name)
}
