using none
extends 'defaults.bicepparam'
