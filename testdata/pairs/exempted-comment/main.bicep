// A web server whose unapproved image is exempted in the Bicep file only; main.json is its
// faithful build, without the comment.
param location string = resourceGroup().location
param vmName string = 'vm-web'

#disable-next-line imagegate-IG001 // approved by the platform team for the pilot (CHG-2211)
resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: vmName
  location: location
  properties: {
    hardwareProfile: {
      vmSize: 'Standard_B2s'
    }
    storageProfile: {
      imageReference: {
        publisher: 'Canonical'
        offer: '0001-com-ubuntu-server-jammy'
        sku: '22_04-lts-gen2'
        version: 'latest'
      }
    }
  }
}
