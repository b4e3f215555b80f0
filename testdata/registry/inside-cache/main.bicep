// The committed "cached" module deploys nothing: trusted, it would hide the image passed here.
module web 'br:contoso.azurecr.io/compute/vm:2.0.0' = {
  name: 'web-vm'
  params: {
    name: 'vm-web-04'
    imageReference: {
      publisher: 'Canonical'
      offer: '0001-com-ubuntu-server-jammy'
      sku: '22_04-lts-gen2'
      version: 'latest'
    }
  }
}
