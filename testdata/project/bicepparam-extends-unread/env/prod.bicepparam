using '../main.bicep'
extends '../../platform/prod.bicepparam'

param vmSize = 'Standard_D8s_v5'
