// Where captures, evidence and reports live: private (no public blobs), TLS 1.2, and a lifecycle
// rule that deletes them after the retention period. Shared-key access stays enabled because
// Network Watcher writes VM captures with the account key on the caller's behalf; the app itself
// uses Entra ID (Storage Blob Data Contributor) and user-delegation SAS links (Delegator).
param name string
param location string
param tags object
param retentionDays int
param identityPrincipalId string

var blobCreatedQueue = 'blobcreated'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource reports 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: 'reports'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queues
  name: blobCreatedQueue
}

// Network Watcher writes under network-watcher-logs/, gateways and firewalls into co-* containers.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-captures'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [ 'blockBlob', 'appendBlob' ]
              prefixMatch: [ 'network-watcher-logs/', 'co-', 'reports/' ]
            }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: retentionDays } }
            }
          }
        }
      ]
    }
  }
}

var roles = [
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor: read captures, write reports
  'db58b8e5-c6ad-4a2a-8342-4190687cbf4a' // Storage Blob Delegator: user-delegation SAS for links and gateway uploads
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor: the BlobCreated queue trigger
]

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: {
  name: guid(account.id, identityPrincipalId, role)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output blobCreatedQueue string = blobCreatedQueue
