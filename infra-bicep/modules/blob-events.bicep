// BlobCreated of the capture account → a storage queue the app's queue trigger reads. A queue,
// not a webhook: no validation handshake, so this can be provisioned before the code is deployed.
param name string
param location string
param tags object
param captureAccountName string
param queueName string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: captureAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  identity: { type: 'SystemAssigned' }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

var queueSender = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a')

resource sender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, topic.id, queueSender)
  scope: account
  properties: { roleDefinitionId: queueSender, principalId: topic.identity.principalId, principalType: 'ServicePrincipal' }
}

resource captureFiles 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 'capture-files'
  dependsOn: [ sender ]
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [ 'Microsoft.Storage.BlobCreated' ]
      // Captures only: Network Watcher's folder and the per-target co-* containers.
      advancedFilters: [
        { operatorType: 'StringContains', key: 'subject', values: [ '/containers/network-watcher-logs/', '/containers/co-' ] }
      ]
    }
    deliveryWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      destination: {
        endpointType: 'StorageQueue'
        properties: { resourceId: account.id, queueName: queueName, queueMessageTimeToLiveInSeconds: 86400 }
      }
    }
  }
}
