using 'main.bicep'

// Set by the release pipeline.
param imageSku = readEnvironmentVariable('CI_IMAGE_SKU')
