// A module pinned by digest, not by tag
// (https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules#file-in-registry).
module jump 'br:contoso.azurecr.io/compute/vm@sha256:fe5b9ce749618cba07bb40fd02efaea31f04cc900aca5d833a7754dbb4baf227' = {
  name: 'jump-host'
  params: {
    vmName: 'vm-jump'
    imageId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis/versions/1.4.0'
  }
}
