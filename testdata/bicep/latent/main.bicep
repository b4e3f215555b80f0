// Conditions a deployer can make true do not hide a resource: `deployJumpbox` is a bool with no
// allowed values, so a deployment can pass true; the jump box its default leaves out is judged
// (a warning). So is what a module left out by its condition deploys.
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/conditional-resource-deployment

param deployJumpbox bool = false

@allowed([
  'dev'
  'prod'
])
param environment string = 'dev'

resource jumpbox 'Microsoft.Compute/virtualMachines@2024-03-01' = if (deployJumpbox) {
  name: 'vm-jumpbox'
  location: 'westeurope'
  properties: {
    hardwareProfile: {
      vmSize: 'Standard_B2s'
    }
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

module build 'build-agent.bicep' = if (environment == 'prod') {
  name: 'build-agent'
  params: {
    sku: '2022-datacenter-azure-edition'
  }
}
