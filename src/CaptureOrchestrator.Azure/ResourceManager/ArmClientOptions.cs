using Azure.Core;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Azure.ResourceManager;

/// <summary>Options shared by every Azure Resource Manager client in this assembly.</summary>
public sealed class ArmClientOptions : ClientOptions
{
    public ArmClientOptions()
    {
        // ARM's own id for a call, asked for by support together with x-ms-request-id.
        Diagnostics.LoggedHeaderNames.Add("x-ms-correlation-request-id");
        Diagnostics.LoggedHeaderNames.Add("Azure-AsyncOperation");
    }

    /// <summary>The cloud to talk to; public Azure by default.</summary>
    public ArmEnvironment Environment { get; set; } = ArmEnvironment.AzurePublicCloud;

    /// <summary>How long to wait between polls of a long-running operation when ARM sends no Retry-After.</summary>
    public TimeSpan PollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a long-running operation may take before the client gives up waiting.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Where the per-request log lines with ARM request ids go; nowhere when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Whether upload URLs handed to gateways must be https, as Azure requires (default). Only a
    /// simulated Azure (the self-hosted sandbox) turns it off: its gateways upload to the server's own plain-HTTP store.
    /// </summary>
    public bool RequireHttpsUploadUrls { get; set; } = true;
}
