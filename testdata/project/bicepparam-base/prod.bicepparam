using 'main.bicep'
extends 'base.bicepparam'

// The shared image, on an older release.
param imageReference = {
  ...base.imageReference
  sku: '2019-datacenter'
}
