// Application Insights on a Log Analytics workspace, local authentication off: the app publishes
// telemetry with its managed identity (Monitoring Metrics Publisher).
param token string
param location string
param tags object
param identityPrincipalId string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-co-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-co-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

var monitoringMetricsPublisher = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identityPrincipalId, monitoringMetricsPublisher)
  scope: insights
  properties: { roleDefinitionId: monitoringMetricsPublisher, principalId: identityPrincipalId, principalType: 'ServicePrincipal' }
}

output connectionString string = insights.properties.ConnectionString
