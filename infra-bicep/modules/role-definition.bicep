// Least privilege, as two custom roles with exactly the actions the code's ARM requests need
// (src/CaptureOrchestrator.Azure/ResourceManager/ArmOperations.cs; a test derives the actions from
// that table and compares them with the lists below). docs/permissions.md says why each is needed.
targetScope = 'subscription'

param environmentName string

// Assigned on the target resource groups, the Network Watcher resource group and the capture account.
resource resourceRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'capture-orchestrator-resources')
  properties: {
    roleName: 'CaptureOrchestrator Network Operator (${environmentName})'
    description: 'Packet captures on VMs, scale sets, VPN gateways and Azure Firewall; the Network Watcher agent; path diagnostics; firewall flow-trace diagnostic settings.'
    type: 'CustomRole'
    assignableScopes: [ subscription().id ]
    permissions: [
      {
        actions: [
          'Microsoft.Network/networkWatchers/packetCaptures/write'
          'Microsoft.Network/networkWatchers/packetCaptures/read'
          'Microsoft.Network/networkWatchers/packetCaptures/queryStatus/action'
          'Microsoft.Network/networkWatchers/packetCaptures/stop/action'
          'Microsoft.Network/networkWatchers/packetCaptures/delete'
          'Microsoft.Network/networkWatchers/ipFlowVerify/action'
          'Microsoft.Network/networkWatchers/nextHop/action'
          'Microsoft.Network/networkWatchers/connectivityCheck/action'
          'Microsoft.Compute/virtualMachines/read'
          'Microsoft.Compute/virtualMachines/extensions/read'
          'Microsoft.Compute/virtualMachines/extensions/write'
          'Microsoft.Compute/virtualMachineScaleSets/read'
          'Microsoft.Compute/virtualMachineScaleSets/extensions/write'
          'Microsoft.Compute/virtualMachineScaleSets/manualupgrade/action'
          'Microsoft.Network/virtualNetworkGateways/startPacketCapture/action'
          'Microsoft.Network/virtualNetworkGateways/stopPacketCapture/action'
          'Microsoft.Network/connections/startPacketCapture/action'
          'Microsoft.Network/connections/stopPacketCapture/action'
          'Microsoft.Network/vpnGateways/startpacketcapture/action'
          'Microsoft.Network/vpnGateways/stoppacketcapture/action'
          'Microsoft.Network/vpnGateways/vpnConnections/startpacketcapture/action'
          'Microsoft.Network/vpnGateways/vpnConnections/stoppacketcapture/action'
          'Microsoft.Network/azureFirewalls/read'
          'Microsoft.Network/azureFirewalls/packetCapture/action'
          'Microsoft.Network/azureFirewalls/packetCaptureOperation/action'
          'Microsoft.Insights/diagnosticSettings/read'
          'Microsoft.Insights/diagnosticSettings/write'
          'Microsoft.Insights/diagnosticSettings/delete'
          'Microsoft.Storage/storageAccounts/read'
          'Microsoft.Storage/storageAccounts/listKeys/action'
        ]
        notActions: []
      }
    ]
  }
}

// Assigned on the subscription: only requests whose URL has no resource group.
resource subscriptionRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'capture-orchestrator-subscription')
  properties: {
    roleName: 'CaptureOrchestrator Operation Reader (${environmentName})'
    description: 'Status of long-running network and compute operations, the list of Network Watchers, and the firewall flow-trace feature registration.'
    type: 'CustomRole'
    assignableScopes: [ subscription().id ]
    permissions: [
      {
        actions: [
          'Microsoft.Network/networkWatchers/read'
          'Microsoft.Network/locations/operations/read'
          'Microsoft.Network/locations/operationResults/read'
          'Microsoft.Compute/locations/operations/read'
          'Microsoft.Features/providers/features/read'
          'Microsoft.Features/providers/features/register/action'
          'Microsoft.Network/register/action'
        ]
        notActions: []
      }
    ]
  }
}

output resourceRoleId string = resourceRole.id
output subscriptionRoleId string = subscriptionRole.id
