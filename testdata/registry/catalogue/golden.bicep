// The same module fed the organisation's gallery image: judged, compliant.
module api 'br/public:avm/res/compute/virtual-machine:0.22.2' = {
  name: 'api-vm'
  params: {
    name: 'vm-api-01'
    imageReference: {
      id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204/versions/1.4.0'
    }
  }
}
