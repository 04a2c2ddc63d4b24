// The product's custom role on one resource group it may act in.
param roleDefinitionId string
param principalId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: { roleDefinitionId: roleDefinitionId, principalId: principalId, principalType: 'ServicePrincipal' }
}
