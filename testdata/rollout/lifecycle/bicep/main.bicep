// Batch workers from the golden Ubuntu image, as a team writes them in Bicep: the version is a
// parameter and the tags a variable shared by every resource.
param location string = resourceGroup().location

@description('Version of the golden image the workers run.')
param imageVersion string = '1.5.1'

var gallery = resourceId('00000000-0000-0000-0000-000000000000', 'rg-golden', 'Microsoft.Compute/galleries', 'corpGallery')
var tags = {
  owner: 'team-batch'
  costCenter: 'CC-2001'
  imageVersion: imageVersion
}

resource workers 'Microsoft.Compute/virtualMachineScaleSets@2024-03-01' = {
  name: 'batch-workers'
  location: location
  tags: tags
  sku: {
    name: 'Standard_D4s_v5'
    capacity: 4
  }
  properties: {
    virtualMachineProfile: {
      storageProfile: {
        imageReference: {
          id: '${gallery}/images/ubuntu-22.04/versions/${imageVersion}'
        }
      }
    }
  }
}

// The scheduler follows `latest` and still claims a version in its tag.
resource scheduler 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'batch-scheduler'
  location: location
  tags: {
    owner: 'team-batch'
    imageVersion: '1.6.2'
  }
  properties: {
    storageProfile: {
      imageReference: {
        id: '${gallery}/images/ubuntu-22.04'
      }
    }
  }
}
