// The web tier: two web servers deployed through a module loop into the application's
// resource group, named from a parameter nobody sets here; main.json beside it is
// `bicep build main.bicep`, as a registry publishes a module.
metadata name = 'Web tier'
metadata description = 'Two web servers in the application resource group.'

@description('The web servers\' name prefix.')
param name string

@description('The resource group the web servers are deployed to.')
param appResourceGroup string = 'rg-app'

module web 'vm.bicep' = [for i in range(0, 2): {
  name: 'web-${i}'
  scope: resourceGroup(appResourceGroup)
  params: {
    vmName: '${name}-${i}'
  }
}]

output name string = name
