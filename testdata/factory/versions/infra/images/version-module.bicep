// The image factory's module: publishes a managed image as a version of a definition of
// the gallery its caller names.
param galleryName string
param definitionName string
param versionName string
param managedImageId string
param location string = resourceGroup().location

resource version 'Microsoft.Compute/galleries/images/versions@2023-07-03' = {
  name: '${galleryName}/${definitionName}/${versionName}'
  location: location
  properties: {
    storageProfile: {
      source: {
        id: managedImageId
      }
    }
  }
}
