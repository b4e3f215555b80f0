param imageReference object

resource logs 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: 'applogs${uniqueString(resourceGroup().id)}'
  location: resourceGroup().location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  tags: { image: string(imageReference) }
}
