// Log Analytics Reader on a workspace triage queries (firewall logs, flow logs).
param workspaceName string
param principalId string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

var logAnalyticsReader = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '73c42c96-874c-492b-b04d-ab87d138a893')

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, principalId, logAnalyticsReader)
  scope: workspace
  properties: { roleDefinitionId: logAnalyticsReader, principalId: principalId, principalType: 'ServicePrincipal' }
}
