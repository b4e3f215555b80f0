using './main.bicep'
extends './base.bicepparam'

param imageSku = '9-lvm-gen2'
