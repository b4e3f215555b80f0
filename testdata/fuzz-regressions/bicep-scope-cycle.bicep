// Two locks, each the extension of the other: a cycle of scopes. Bicep refuses it (BCP080,
// "The expression is involved in a cycle"); imagegate's lowering built each one's resource ID
// from the other's until its stack overflowed.
resource a 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'a'
  scope: b
  properties: {
    level: 'CanNotDelete'
  }
}

resource b 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'b'
  scope: a
  properties: {
    level: 'CanNotDelete'
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {
  name: 'vm'
  location: 'westeurope'
  properties: {
    storageProfile: {
      imageReference: {
        id: a.id
      }
    }
  }
}
