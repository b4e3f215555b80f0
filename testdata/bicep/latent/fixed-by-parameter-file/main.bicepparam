using 'main.bicep'

param deployJumpbox = false
