// The custom role on the capture account only: Network Watcher needs read and listKeys there.
param roleDefinitionId string
param principalId string
param captureAccountName string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: captureAccountName
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, principalId, roleDefinitionId)
  scope: account
  properties: { roleDefinitionId: roleDefinitionId, principalId: principalId, principalType: 'ServicePrincipal' }
}
