using none

// Shared by every environment.
param imageReference = {
  publisher: 'RedHat'
  offer: 'RHEL'
  sku: '9-lvm-gen2'
  version: 'latest'
}
