// An application deploys the factory's module into the golden gallery: the factory's module,
// published from outside the factory.
module publish '../infra/images/version-module.bicep' = {
  name: 'publish-web-image'
  params: {
    galleryName: 'corpGallery'
    definitionName: 'ubuntu-22.04-cis'
    versionName: '1.8.0'
    managedImageId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-build/providers/Microsoft.Compute/images/img-web'
  }
}
