using 'main.bicep'
extends 'region.bicepparam'
