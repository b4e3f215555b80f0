module agents 'br/corp:compute/vmss:1.2.0' = {
  name: 'build-agents'
  params: {
    name: 'vmss-agents'
    image: {
      publisher: 'MicrosoftWindowsServer'
      offer: 'WindowsServer'
      sku: '2022-datacenter-azure-edition'
      version: 'latest'
    }
  }
}

module web 'br/public:avm/res/compute/virtual-machine:0.9.0' = {
  name: 'web-vm'
  params: {
    name: 'vm-web-03'
    imageReference: {
      publisher: 'Canonical'
      offer: '0001-com-ubuntu-server-jammy'
      sku: '22_04-lts-gen2'
      version: 'latest'
    }
  }
}
