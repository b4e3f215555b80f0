// Modules nobody restored: a public module at a version the cache does not hold, and a
// template spec version that was never downloaded.
module web 'br/public:avm/res/compute/virtual-machine:0.4.0' = {
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
