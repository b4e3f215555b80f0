// Versions the catalogue does not know. A newer version of the VM module that is passed
// `imageReference` is judged with the nearest known contract (the argument proves the
// parameter exists in that version); one that is not passed it cannot be, and says which
// version is unknown.
module next 'br/public:avm/res/compute/virtual-machine:0.99.0' = {
  name: 'next-vm'
  params: {
    name: 'vm-next-01'
    imageReference: {
      publisher: 'MicrosoftWindowsServer'
      offer: 'WindowsServer'
      sku: '2022-datacenter-azure-edition'
      version: 'latest'
    }
  }
}

module unknown 'br/public:avm/res/compute/virtual-machine:0.99.0' = {
  name: 'unknown-vm'
  params: {
    name: 'vm-unknown-01'
  }
}

// A pattern module composes others: a version newer than the catalogue's may compose a machine.
module alz 'br/public:avm/ptn/alz/ama:9.0.0' = {
  name: 'alz-ama'
  params: {}
}
