using none
extends 'organization.bicepparam'
