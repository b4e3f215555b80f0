using none

// Sizes every environment shares; the image is left to the template.
param vmSize = 'Standard_D4s_v5'
