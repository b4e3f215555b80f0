// Modules nobody restored: a private registry's module at a version the cache does not hold,
// and a template spec version that was never downloaded (imagegate's catalogue knows neither:
// it knows the public registry's modules).
module web 'br:contoso.azurecr.io/compute/vm:3.0.0' = {
  name: 'web-vm'
  params: {
    name: 'vm-web-02'
    imageReference: {
      publisher: 'Canonical'
      offer: '0001-com-ubuntu-server-jammy'
      sku: '22_04-lts-gen2'
      version: 'latest'
    }
  }
}

module worker 'ts/specs:vm-spec:2.0' = {
  name: 'batch-worker'
  params: {
    vmName: 'vm-batch-02'
  }
}
