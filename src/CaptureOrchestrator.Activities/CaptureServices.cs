using Azure.Storage.Sas;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Azure.Compute;
using CaptureOrchestrator.Azure.LogAnalytics;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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
    TimeProvider Time,
    ILoggerFactory? LoggerFactory = null)
{
    /// <summary>The short-lived write SAS a VPN gateway or firewall uploads its capture files with.</summary>
    public Task<Uri> UploadSasAsync(StoreContainer container, CancellationToken cancellationToken) =>
        container.SasAsync(BlobSasPermissions.Create | BlobSasPermissions.Write | BlobSasPermissions.Add, Time.GetUtcNow().Add(Settings.UploadSasLifetime), null, cancellationToken);

    public ILogger Logger<T>() => (LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<T>();
}
