// The web tier, deployed into the application's resource group; main.json beside it says it
// is `bicep build main.bicep`, but deploys the same servers into 'rg-prod'.
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
