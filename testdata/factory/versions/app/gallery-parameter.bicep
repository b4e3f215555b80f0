// The gallery is a parameter the pipeline sets: it may be the golden one.
param location string = resourceGroup().location

@description('The gallery to publish into.')
param galleryName string

param managedImageId string = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-build/providers/Microsoft.Compute/images/img-web'

resource version 'Microsoft.Compute/galleries/images/versions@2023-07-03' = {
  name: '${galleryName}/ubuntu-22.04-cis/1.7.0'
  location: location
  properties: {
    storageProfile: {
      source: {
        id: managedImageId
      }
    }
  }
}
