// CaptureOrchestrator on Azure: Function App (Flex Consumption, .NET 10 isolated) with Durable
// Functions, a private capture storage account, Key Vault for secrets, Application Insights, and a
// least-privilege custom role assigned at the scopes the product may act on.
// Deploy: `azd up` (azure.yaml), or `az deployment sub create -l <region> -f infra-bicep/main.bicep -p infra-bicep/main.parameters.json`.
targetScope = 'subscription'

@minLength(1)
@maxLength(32)
@description('Environment name (azd): used for the resource group and resource names.')
param environmentName string

@description('Region for every resource. Must offer the Flex Consumption plan.')
param location string

@description('Resource groups in this subscription the product may capture in (VMs, scale sets, gateways, firewalls). The custom role is assigned on each; requests for targets elsewhere are refused (403).')
param targetResourceGroupNames array

@description('Resource group of the Network Watchers of the target regions (Azure creates "NetworkWatcherRG"). Capture sessions are child resources of the watcher, so the role is assigned here too.')
param networkWatcherResourceGroupName string = 'NetworkWatcherRG'

@description('Log Analytics workspaces (resource ids, this subscription) that triage queries and that firewall flow trace may send to. Log Analytics Reader is assigned on each.')
param logAnalyticsWorkspaceIds array = []

@description('Days captures and reports are kept in the capture account before the lifecycle rule deletes them.')
@minValue(1)
param captureRetentionDays int = 14

@description('Longest capture a request may ask for, in seconds (firewall captures are capped at 1800 by the service).')
@minValue(30)
param maxCaptureSeconds int = 3600

@description('Longest flow-trace lease, in minutes.')
@minValue(5)
param maxFlowTraceMinutes int = 240

@description('Hosts outbound calls may go to: the Teams webhook host, the ticket system, callback hosts ("*.example.com" allowed).')
param allowedOutboundHosts array

@description('"servicenow", "jira", or empty for the generic signed callback only.')
@allowed([ '', 'servicenow', 'jira' ])
param ticketSystem string = ''

@description('ServiceNow instance or Jira site base URL (empty without a ticket system).')
param ticketSystemUrl string = ''

@secure()
@description('Shared with the ticket system: signs requests (HMAC-SHA256). Stored in Key Vault.')
param apiSigningKey string

@secure()
@description('Signs callbacks to the ticket system. Stored in Key Vault.')
param callbackSigningKey string

@secure()
@description('Teams Workflows webhook URL (it carries its own signature: a secret). Empty: no Teams cards.')
param teamsWebhookUrl string = ''

@secure()
@description('Authorization header value for ServiceNow or Jira (e.g. "Basic ..."). Empty without a ticket system.')
param ticketSystemAuthorization string = ''

@description('Application ID URI (or client id) of the app registration that Azure Monitor action groups name in their secure webhook to POST /api/alerts: the Entra token\'s audience. Empty: alerts are accepted with the function key alone.')
param alertWebhookAudience string = ''

@description('NCRONTAB schedule of the expensive-logging sweeper.')
param sweeperSchedule string = '0 */5 * * * *'

@description('Log Analytics query endpoint, for sovereign clouds (environment() has no entry for it). Empty: the public cloud\'s, the code\'s default.')
param logAnalyticsEndpoint string = ''

@description('Token audience of that endpoint, for sovereign clouds. Empty: the public cloud\'s, the code\'s default.')
param logAnalyticsAudience string = ''

@description('An app-setting value the Functions host resolves from the vault with the app\'s identity.')
func keyVaultReference(vaultName string, secretName string) string => '@Microsoft.KeyVault(VaultName=${vaultName};SecretName=${secretName})'

var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, product: 'CaptureOrchestrator' }

// List settings, one app setting per element (for-expressions may not sit inside concat()).
var allowedScopeSettings = [for (scope, i) in concat(map(targetResourceGroupNames, rgName => '${subscription().id}/resourceGroups/${rgName}'), logAnalyticsWorkspaceIds): { name: 'CaptureOrchestrator__Limits__AllowedScopes__${i}', value: scope }]
var allowedHostSettings = [for (host, i) in allowedOutboundHosts: { name: 'CaptureOrchestrator__Notifications__AllowedHosts__${i}', value: host }]

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: group
  params: { name: 'id-co-${token}', location: location, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: group
  params: { token: token, location: location, tags: tags, identityPrincipalId: identity.outputs.principalId }
}

module hostStorage 'modules/host-storage.bicep' = {
  name: 'host-storage'
  scope: group
  params: { name: 'stcohost${token}', location: location, tags: tags, identityPrincipalId: identity.outputs.principalId }
}

module captureStorage 'modules/capture-storage.bicep' = {
  name: 'capture-storage'
  scope: group
  params: { name: 'stcocap${token}', location: location, tags: tags, retentionDays: captureRetentionDays, identityPrincipalId: identity.outputs.principalId }
}

module vault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: group
  params: {
    name: 'kv-co-${token}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
    secrets: {
      'api-signing-key': apiSigningKey
      'callback-signing-key': callbackSigningKey
      'teams-webhook-url': teamsWebhookUrl
      'ticket-system-authorization': ticketSystemAuthorization
    }
  }
}

module app 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: group
  params: {
    name: 'func-co-${token}'
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostStorageName: hostStorage.outputs.name
    deploymentContainerUrl: hostStorage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    appSettings: concat([
      { name: 'CaptureOrchestrator__TaskHub', value: 'captureorchestrator' }
      { name: 'CaptureOrchestrator__BlobCreatedQueue', value: captureStorage.outputs.blobCreatedQueue }
      { name: 'CaptureQueue__queueServiceUri', value: captureStorage.outputs.queueEndpoint }
      { name: 'CaptureQueue__credential', value: 'managedidentity' }
      { name: 'CaptureQueue__clientId', value: identity.outputs.clientId }
      { name: 'CaptureOrchestrator__Api__SigningKey', value: keyVaultReference(vault.outputs.name, 'api-signing-key') }
      { name: 'CaptureOrchestrator__Api__MaxBodyBytes', value: '65536' }
      { name: 'CaptureOrchestrator__Api__RequestsPerMinute', value: '60' }
      { name: 'CaptureOrchestrator__Api__SignatureWindowSeconds', value: '300' }
      { name: 'CaptureOrchestrator__Arm__Endpoint', value: environment().resourceManager }
      { name: 'CaptureOrchestrator__Arm__ManagedIdentityClientId', value: identity.outputs.clientId }
      { name: 'CaptureOrchestrator__Arm__PollingIntervalMilliseconds', value: '5000' }
      { name: 'CaptureOrchestrator__Storage__BlobEndpoint', value: captureStorage.outputs.blobEndpoint }
      { name: 'CaptureOrchestrator__Storage__CaptureAccountResourceId', value: captureStorage.outputs.id }
      { name: 'CaptureOrchestrator__Storage__ReportsContainer', value: 'reports' }
      { name: 'CaptureOrchestrator__Storage__ReportLinkHours', value: '24' }
      { name: 'CaptureOrchestrator__Notifications__CallbackSigningKey', value: keyVaultReference(vault.outputs.name, 'callback-signing-key') }
      { name: 'CaptureOrchestrator__Limits__MinDurationSeconds', value: '30' }
      { name: 'CaptureOrchestrator__Limits__MaxDurationSeconds', value: string(maxCaptureSeconds) }
      { name: 'CaptureOrchestrator__Limits__MaxTargets', value: '10' }
      { name: 'CaptureOrchestrator__Limits__MaxBytesPerTarget', value: '1073741824' }
      { name: 'CaptureOrchestrator__Limits__MaxFlowTraceMinutes', value: string(maxFlowTraceMinutes) }
      { name: 'CaptureOrchestrator__Limits__MaxConcurrentOperationsPerTarget', value: '1' }
      { name: 'CaptureOrchestrator__Timings__FileDeadlineSeconds', value: '900' }
      { name: 'CaptureOrchestrator__Timings__FirstPollSeconds', value: '15' }
      { name: 'CaptureOrchestrator__Timings__MaxPollSeconds', value: '120' }
      { name: 'CaptureOrchestrator__Sweeper__Schedule', value: sweeperSchedule }
      { name: 'CaptureOrchestrator__Sweeper__GraceMinutes', value: '10' }
      { name: 'CaptureOrchestrator__Sweeper__LookbackHours', value: '24' }
    ],
    allowedScopeSettings,
    allowedHostSettings,
    // Optional settings are left out rather than set empty (an empty URL does not bind).
    empty(teamsWebhookUrl) ? [] : [ { name: 'CaptureOrchestrator__Notifications__TeamsWebhookUrl', value: keyVaultReference(vault.outputs.name, 'teams-webhook-url') } ],
    empty(logAnalyticsEndpoint) ? [] : [ { name: 'CaptureOrchestrator__LogAnalytics__Endpoint', value: logAnalyticsEndpoint } ],
    empty(logAnalyticsAudience) ? [] : [ { name: 'CaptureOrchestrator__LogAnalytics__Audience', value: logAnalyticsAudience } ],
    // Alerts from a secure webhook: the token must come from this tenant, for this audience.
    empty(alertWebhookAudience) ? [] : [
      { name: 'CaptureOrchestrator__Alerts__Entra__TenantId', value: tenant().tenantId }
      { name: 'CaptureOrchestrator__Alerts__Entra__Audience', value: alertWebhookAudience }
    ],
    empty(ticketSystem) ? [] : [
      { name: 'CaptureOrchestrator__Notifications__TicketSystem', value: ticketSystem }
      { name: 'CaptureOrchestrator__Notifications__TicketSystemUrl', value: ticketSystemUrl }
      { name: 'CaptureOrchestrator__Notifications__TicketSystemAuthorization', value: keyVaultReference(vault.outputs.name, 'ticket-system-authorization') }
    ])
  }
}

module events 'modules/blob-events.bicep' = {
  name: 'blob-events'
  scope: group
  params: {
    name: 'evgt-co-${token}'
    location: location
    tags: tags
    captureAccountName: captureStorage.outputs.name
    queueName: captureStorage.outputs.blobCreatedQueue
  }
}

module role 'modules/role-definition.bicep' = {
  name: 'role-definition'
  params: { environmentName: environmentName }
}

module targetAccess 'modules/target-access.bicep' = [for rgName in union(targetResourceGroupNames, [ networkWatcherResourceGroupName ]): {
  name: 'target-access-${rgName}'
  scope: resourceGroup(rgName)
  params: { roleDefinitionId: role.outputs.resourceRoleId, principalId: identity.outputs.principalId }
}]

// Network Watcher writes the capture file with the account key on the caller's behalf.
module captureAccountAccess 'modules/capture-account-access.bicep' = {
  name: 'capture-account-access'
  scope: group
  params: { roleDefinitionId: role.outputs.resourceRoleId, principalId: identity.outputs.principalId, captureAccountName: captureStorage.outputs.name }
}

module workspaceAccess 'modules/workspace-access.bicep' = [for workspaceId in logAnalyticsWorkspaceIds: {
  name: 'workspace-access-${last(split(workspaceId, '/'))}'
  scope: resourceGroup(split(workspaceId, '/')[4])
  params: { workspaceName: last(split(workspaceId, '/')), principalId: identity.outputs.principalId }
}]

// Subscription-level requests only (operation status, watcher list, the flow-trace feature): the
// status URL of a long-running operation lives under the subscription, not the resource (FACTS.md (h)).
module subscriptionAccess 'modules/subscription-access.bicep' = {
  name: 'subscription-access'
  params: { roleDefinitionId: role.outputs.subscriptionRoleId, principalId: identity.outputs.principalId }
}

output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output API_BASE_URL string = 'https://${app.outputs.defaultHostName}/api'
output CAPTURE_STORAGE_ACCOUNT string = captureStorage.outputs.name
