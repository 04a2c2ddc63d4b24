// The user-assigned identity the Function App runs as: every Azure call, storage access and Key
// Vault reference uses it (no keys or connection strings in app settings).
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
