using none
extends 'landing-zone.bicepparam'

param vmSize = 'Standard_D8s_v5'
