using 'main.bicep'

// The pipeline may pin another release; the approved one otherwise.
param imageSku = readEnvironmentVariable('VM_IMAGE_SKU', '2022-datacenter-azure-edition')
