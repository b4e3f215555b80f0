using none
extends 'platform.bicepparam'
