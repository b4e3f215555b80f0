using 'main.bicep'
extends 'base.bicepparam'

// The shared image, as it is.
param imageReference = base.imageReference
param tags = {
  ...base.tags
  environment: 'dev'
}
