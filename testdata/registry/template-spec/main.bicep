// A batch worker from the platform team's template spec
// (https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules#path-to-module).
module worker 'ts/specs:vm-spec:1.0' = {
  name: 'batch-worker'
  params: {
    vmName: 'vm-batch-01'
    imageReference: {
      publisher: 'RedHat'
      offer: 'RHEL'
      sku: '9-lvm-gen2'
      version: 'latest'
    }
  }
}
