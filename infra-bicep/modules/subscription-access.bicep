// The operation-reader role on the subscription (subscription-level URLs only).
targetScope = 'subscription'

param roleDefinitionId string
param principalId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, roleDefinitionId)
  properties: { roleDefinitionId: roleDefinitionId, principalId: principalId, principalType: 'ServicePrincipal' }
}
