using CaptureOrchestrator.Azure.Compute;
using CaptureOrchestrator.Azure.LogAnalytics;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities;

/// <summary>Everything the activities use, built once by the host.</summary>
public sealed record CaptureServices(
    NetworkWatcherClient NetworkWatcher,
    NetworkWatcherAgentClient Agent,
    VpnGatewayClient Vpn,
    AzureFirewallClient Firewall,
    FirewallFlowTraceClient FlowTrace,
    LogsQueryClient Logs,
    BlobStore Blobs,
    OrchestratorSettings Settings,
    HttpClient Http,
    IWorkflowClient Workflows,
    TimeProvider Time);
