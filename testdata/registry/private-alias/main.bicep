// Build agents on a scale set from the platform team's private registry.
module agents 'br/corp:compute/vmss:1.2.0' = {
  name: 'build-agents'
  params: {
    name: 'vmss-agents'
    instanceCount: 4
    image: {
      publisher: 'MicrosoftWindowsServer'
      offer: 'WindowsServer'
      sku: '2022-datacenter-azure-edition'
      version: 'latest'
    }
  }
}
