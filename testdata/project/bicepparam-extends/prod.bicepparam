using 'main.bicep'
extends 'base.bicepparam'

param vmName = 'prod-vm'
