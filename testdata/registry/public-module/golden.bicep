// The same public module, booting from the platform team's gallery image.
param location string = resourceGroup().location

module api 'br/public:avm/res/compute/virtual-machine:0.9.0' = {
  name: 'api-vm'
  params: {
    name: 'vm-api-01'
    location: location
    imageReference: {
      id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis/versions/1.4.0'
    }
  }
}
