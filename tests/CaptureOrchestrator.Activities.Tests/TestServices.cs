using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Azure.Compute;
using CaptureOrchestrator.Azure.LogAnalytics;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Azure.Pipeline;
using CaptureOrchestrator.Azure.ResourceManager;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Activities.Tests;

/// <summary>The activities' services against one scripted endpoint standing in for ARM and Log Analytics (storage unused).</summary>
internal static class TestServices
{
    public static CaptureServices Create(ILoggerFactory? loggerFactory = null, Uri? endpoint = null, HttpPipelineTransport? transport = null)
    {
        endpoint ??= new Uri("https://127.0.0.1:9/");
        var arm = new ArmClientOptions { Environment = ArmEnvironment.ForEndpoint(endpoint), PollingInterval = TimeSpan.FromMilliseconds(10) };
        var logs = new LogsQueryClientOptions { Endpoint = endpoint };
        if (transport is not null)
        {
            arm.Transport = transport;
            logs.Transport = transport;
        }

        var credential = new StaticTokenCredential("t");
        var storage = new Uri("https://unused.blob.core.windows.net");
        return new CaptureServices(
            new NetworkWatcherClient(credential, arm), new NetworkWatcherAgentClient(credential, arm), new VpnGatewayClient(credential, arm),
            new AzureFirewallClient(credential, arm), new FirewallFlowTraceClient(credential, arm), new LogsQueryClient(credential, logs),
            BlobStore.WithAccountKey(() => storage, new StorageSharedKeyCredential("unused", Convert.ToBase64String(new byte[64])), new BlobClientOptions()),
            new OrchestratorSettings(),
            new HttpClient(), null!, TimeProvider.System, loggerFactory);
    }
}
