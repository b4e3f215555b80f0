using './main.bicep'

param imagePublisher = 'MicrosoftWindowsServer'
param imageOffer = 'WindowsServer'
param imageSku = '2022-datacenter-azure-edition'
