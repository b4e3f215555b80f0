using '../main.bicep'
extends 'shared.bicepparam'
