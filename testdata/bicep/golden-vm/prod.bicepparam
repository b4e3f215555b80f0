using './main.bicep'

// Production follows the newest image: unpinned, which IG003 reports here.
param imageVersion = 'latest'
param adminPassword = readEnvironmentVariable('VM_ADMIN_PASSWORD', '')
