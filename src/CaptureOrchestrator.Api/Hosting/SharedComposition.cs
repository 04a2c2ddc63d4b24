using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using CaptureOrchestrator.Activities;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Azure.Compute;
using CaptureOrchestrator.Azure.LogAnalytics;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Azure.Pipeline;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Api.Hosting;

/// <summary>
/// What both hosts build the same way from the settings: the Azure clients, the blob store and the
/// settings the activities use, and the services the HTTP endpoints use. Each host adds its own
/// engine (embedded, or Durable Task) and, self-hosted, the local blob store.
/// </summary>
public static class SharedComposition
{
    /// <summary>What the HTTP endpoints use, over a given workflow client (both hosts).</summary>
    /// <param name="settings">The configuration.</param>
    /// <param name="client">The workflow client.</param>
    /// <param name="uploadEndpoint">Where gateways and firewalls upload, when not the configured account (the local store's public address).</param>
    /// <param name="simulatedAzure">The host answers for Azure itself (the sandbox), so its simulated gateways may upload over plain HTTP.</param>
    public static ApiServices ApiFor(ServerSettings settings, IWorkflowClient client, Func<Uri?>? uploadEndpoint = null, SimulatedCloud? simulatedAzure = null) => new(
        client,
        settings.Limits.ToRequestLimits(settings.Notifications.AllowedHosts),
        new CaptureTimings { FileDeadlineSeconds = settings.Timings.FileDeadlineSeconds, FirstPollSeconds = settings.Timings.FirstPollSeconds, MaxPollSeconds = settings.Timings.MaxPollSeconds },
        CheckedAlertPolicies(settings),
        new TargetSupport(settings, uploadEndpoint ?? (() => settings.Storage.BlobEndpoint), simulated: simulatedAzure is not null));

    /// <summary>The settings, once their capture policies are known to be complete: a host with a broken policy does not start.</summary>
    private static ServerSettings CheckedAlertPolicies(ServerSettings settings)
    {
        string[] problems = [.. settings.Alerts.Policies.SelectMany((policy, index) => policy.Problems(index))];
        return problems.Length == 0 ? settings : throw new InvalidOperationException("Capture policies: " + string.Join("; ", problems));
    }

    /// <summary>The Azure clients, storage and settings the activities use, built from the settings (both hosts).</summary>
    /// <param name="blobs">The blob store, when the host provides its own (the local store); else the configured account.</param>
    /// <param name="simulatedAzure">The sandbox's in-process Azure: the transport of the ARM and Log Analytics clients, and the notice every report then carries; null on a real deployment.</param>
    public static CaptureServices CreateServices(ServerSettings settings, ILoggerFactory loggerFactory, TimeProvider time, IWorkflowClient workflows, BlobStore? blobs = null, SimulatedCloud? simulatedAzure = null)
    {
        var arm = new ArmClientOptions
        {
            Environment = settings.Arm.Endpoint is { } endpoint
                ? new ArmEnvironment(endpoint, settings.Arm.Audience ?? endpoint.GetLeftPart(UriPartial.Authority))
                : ArmEnvironment.AzurePublicCloud,
            PollingInterval = TimeSpan.FromMilliseconds(settings.Arm.PollingIntervalMilliseconds),
            LoggerFactory = loggerFactory,
        };
        if (settings.Arm.TrustedCertificateThumbprint is { } thumbprint)
        {
            arm.Transport = PinnedTransport(thumbprint);
        }

        if (simulatedAzure is not null)
        {
            arm.Transport = simulatedAzure.Transport;
            arm.RequireHttpsUploadUrls = false; // its gateways write to the server's own store, over plain HTTP on loopback
        }

        TokenCredential credential = settings.Arm.BearerToken is { } token
            ? new StaticTokenCredential(token)
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = settings.Arm.ManagedIdentityClientId });
        RequestLimits limits = settings.Limits.ToRequestLimits(settings.Notifications.AllowedHosts);
        return new CaptureServices(
            new NetworkWatcherClient(credential, arm),
            new NetworkWatcherAgentClient(credential, arm),
            new VpnGatewayClient(credential, arm),
            new AzureFirewallClient(credential, arm),
            new FirewallFlowTraceClient(credential, arm),
            new LogsQueryClient(credential, LogsOptions(settings, loggerFactory, simulatedAzure)),
            blobs ?? CreateBlobStore(settings.Storage, credential, loggerFactory),
            new OrchestratorSettings
            {
                CaptureStorageAccountId = settings.Storage.CaptureAccountResourceId is { } account ? ArmResourceId.Parse(account) : null,
                ReportsContainer = settings.Storage.ReportsContainer,
                ReportLinkLifetime = TimeSpan.FromHours(settings.Storage.ReportLinkHours),
                TeamsWebhookUrl = settings.Notifications.TeamsWebhookUrl,
                AllowedOutboundHosts = settings.Notifications.AllowedHosts,
                CallbackSigningKey = settings.Notifications.CallbackSigningKey is { } key ? Encoding.UTF8.GetBytes(key) : null,
                TicketSystem = settings.Notifications.TicketSystem,
                TicketSystemUrl = settings.Notifications.TicketSystemUrl,
                TicketSystemAuthorization = settings.Notifications.TicketSystemAuthorization,
                SweepSubscriptions = ScopeAllowlist.Subscriptions(limits.AllowedScopes),
                SimulationNotice = simulatedAzure?.Notice,
            },
            new HttpClient { Timeout = TimeSpan.FromSeconds(30) },
            workflows,
            time,
            loggerFactory);
    }

    private static BlobStore CreateBlobStore(StorageSettings storage, TokenCredential credential, ILoggerFactory loggerFactory)
    {
        Uri endpoint = storage.BlobEndpoint
            ?? throw new InvalidOperationException("CaptureOrchestrator:Storage:BlobEndpoint is not set: this host needs the capture storage account's blob endpoint (main.bicep sets it).");
        BlobClientOptions options = BlobOptions(storage, loggerFactory);
        return storage.AccountName is { } name && storage.AccountKey is { } key
            ? BlobStore.WithAccountKey(() => endpoint, new StorageSharedKeyCredential(name, key), options)
            : BlobStore.WithEntraId(endpoint, credential, options);
    }

    public static BlobClientOptions BlobOptions(StorageSettings storage, ILoggerFactory loggerFactory)
    {
        var options = new BlobClientOptions();
        options.AddPolicy(new RequestIdLoggingPolicy(loggerFactory.CreateLogger("CaptureOrchestrator.Azure.Blob"), "Blob"), HttpPipelinePosition.PerRetry);
        options.Retry.MaxRetries = 5; // a range of a large capture that fails part-way is fetched again, up to five times
        if (storage.TrustedCertificateThumbprint is { } thumbprint)
        {
            options.Transport = PinnedTransport(thumbprint); // a blob endpoint over HTTPS with a self-signed certificate (gateways upload only to https SAS URLs)
        }

        return options;
    }

    private static LogsQueryClientOptions LogsOptions(ServerSettings settings, ILoggerFactory loggerFactory, SimulatedCloud? simulatedAzure)
    {
        var options = new LogsQueryClientOptions { Endpoint = settings.LogAnalytics.Endpoint, Audience = settings.LogAnalytics.Audience, LoggerFactory = loggerFactory };
        if (simulatedAzure is not null)
        {
            options.Transport = simulatedAzure.Transport;
            return options;
        }

        if (settings.Arm.TrustedCertificateThumbprint is { } thumbprint && settings.LogAnalytics.Endpoint.Host == settings.Arm.Endpoint?.Host)
        {
            options.Transport = PinnedTransport(thumbprint); // a test rig serving both on one endpoint
        }

        return options;
    }

    private static HttpClientTransport PinnedTransport(string thumbprint) => new(PinnedHandler(thumbprint));

    /// <summary>A handler that trusts valid certificates and, when given, one self-signed certificate by its SHA-1 thumbprint (emulators, test rigs).</summary>
    internal static HttpClientHandler PinnedHandler(string? thumbprint) => new()
    {
        ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            errors == System.Net.Security.SslPolicyErrors.None
            || (thumbprint is not null && string.Equals(certificate?.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase)),
    };
}

/// <summary>
/// An Azure the host answers itself (the self-hosted sandbox): the transport every Azure client
/// sends through, and the notice the reports of such a run lead with.
/// </summary>
/// <param name="Transport">Answers ARM and Log Analytics requests in-process.</param>
/// <param name="Notice">What every report, card, note and callback says first.</param>
public sealed record SimulatedCloud(HttpPipelineTransport Transport, string Notice);
