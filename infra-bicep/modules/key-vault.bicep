// Secrets (signing keys, the Teams webhook URL, the ticket-system credential) live here; app
// settings hold Key Vault references (main.bicep's keyVaultReference) resolved with the app's
// identity (Key Vault Secrets User).
param name string
param location string
param tags object
param identityPrincipalId string

@secure()
@description('Secret name → value; empty values are not stored.')
param secrets object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource stored 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for secret in items(secrets): if (!empty(secret.value)) {
  parent: vault
  name: secret.key
  properties: { value: secret.value }
}]

var secretsUser = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, secretsUser)
  scope: vault
  properties: { roleDefinitionId: secretsUser, principalId: identityPrincipalId, principalType: 'ServicePrincipal' }
}

// Only the name: an output derived from the secure parameter, even from its keys, would be kept in
// the deployment history (and fails the outputs-should-not-contain-secrets lint rule).
output name string = vault.name
