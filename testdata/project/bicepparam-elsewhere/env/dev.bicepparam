using '../main.bicep'

// Development boots the golden image.
param imageReference = {
  id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04/versions/1.0.0'
}
