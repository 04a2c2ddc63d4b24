using CaptureOrchestrator.Core.Alerts;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Api.Hosting;

/// <summary>
/// Configuration of the self-hosted server (section "CaptureOrchestrator"; environment variables
/// CaptureOrchestrator__Section__Key). Secrets come from the environment or a secret store, never files.
/// </summary>
public sealed class ServerSettings
{
    public const string Section = "CaptureOrchestrator";

    /// <summary>Where the SQLite history lives (and the local blob store, when no storage account is configured).</summary>
    public string DataFolder { get; set; } = ".data";

    /// <summary>
    /// The address others reach this server at (scheme, host, port), for links into its local blob
    /// store: report links in cards and callbacks, and the upload URL handed to gateways and firewalls.
    /// Default: the address it listens on.
    /// </summary>
    public Uri? PublicUrl { get; set; }

    public ApiSettings Api { get; set; } = new();

    public ArmSettings Arm { get; set; } = new();

    public StorageSettings Storage { get; set; } = new();

    public LogAnalyticsSettings LogAnalytics { get; set; } = new();

    public NotificationSettings Notifications { get; set; } = new();

    public LimitSettings Limits { get; set; } = new();

    public TimingSettings Timings { get; set; } = new();

    public SweeperScheduleSettings Sweeper { get; set; } = new();

    public TelemetrySettings Telemetry { get; set; } = new();

    public AlertSettings Alerts { get; set; } = new();
}

/// <summary>Azure Monitor alerts that start captures (POST /api/alerts from an action group webhook).</summary>
public sealed class AlertSettings
{
    /// <summary>
    /// Self-hosted: the key the action group's webhook URL carries as ?code= (as a Functions key
    /// is carried). On Azure Functions the function key plays this part.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>The action group's secure webhook: a Microsoft Entra token on every notification.</summary>
    public EntraWebhookSettings Entra { get; set; } = new();

    /// <summary>Which alert rules start which capture; an alert no policy answers starts nothing.</summary>
    public List<CapturePolicy> Policies { get; set; } = [];
}

/// <summary>How the Entra token of a secure webhook is validated: issuer (the tenant), audience, signature against the tenant's published keys, lifetime, app role.</summary>
public sealed class EntraWebhookSettings
{
    /// <summary>The tenant the action group's tokens come from; null: no Entra validation.</summary>
    public string? TenantId { get; set; }

    /// <summary>The Application ID URI (or client id) of the app registration the secure webhook names: the token's audience.</summary>
    public string? Audience { get; set; }

    /// <summary>The app role assigned to Azure Monitor's "AzNS AAD Webhook" service principal.</summary>
    public string Role { get; set; } = "ActionGroupsSecureWebhook";

    /// <summary>The tenant's OpenID metadata; default: the public cloud's, for TenantId.</summary>
    public Uri? MetadataAddress { get; set; }

    /// <summary>Pins a self-signed certificate of a metadata endpoint (test rigs; SHA-1 thumbprint).</summary>
    public string? TrustedCertificateThumbprint { get; set; }

    public bool Configured => TenantId is not null && Audience is not null;
}

public sealed class ApiSettings
{
    /// <summary>HMAC key callers sign requests with (base64 or text). Without it, every signed endpoint answers 401.</summary>
    public string? SigningKey { get; set; }

    public int SignatureWindowSeconds { get; set; } = 300;

    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Requests per minute per caller address.</summary>
    public int RequestsPerMinute { get; set; } = 60;

    /// <summary>Key Event Grid appends as ?code= to the BlobCreated webhook.</summary>
    public string? EventGridKey { get; set; }
}

public sealed class ArmSettings
{
    /// <summary>Public cloud by default; any ARM-compatible endpoint (sovereign clouds, Azure Stack, test rigs).</summary>
    public Uri? Endpoint { get; set; }

    public string? Audience { get; set; }

    /// <summary>A fixed bearer token, for test endpoints only. Otherwise DefaultAzureCredential (managed identity in Azure).</summary>
    public string? BearerToken { get; set; }

    /// <summary>Client id of the user-assigned managed identity to sign in with on Azure; null: the default credential chain.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Pins a self-signed certificate of an ARM-compatible endpoint (SHA-1 thumbprint).</summary>
    public string? TrustedCertificateThumbprint { get; set; }

    public int PollingIntervalMilliseconds { get; set; } = 5_000;
}

public sealed class LogAnalyticsSettings
{
    /// <summary>The query endpoint (public cloud by default; sovereign clouds and test rigs differ).</summary>
    public Uri Endpoint { get; set; } = new("https://api.loganalytics.azure.com");

    public string Audience { get; set; } = "https://api.loganalytics.io";
}

public sealed class StorageSettings
{
    /// <summary>
    /// Blob endpoint of the capture account (Azure Storage or Azurite). Unset on the self-hosted
    /// server: its own local blob store, files under the data folder, served at <c>/{AccountName}</c>.
    /// </summary>
    public Uri? BlobEndpoint { get; set; }

    /// <summary>The account Network Watcher writes to (ARM id).</summary>
    public string? CaptureAccountResourceId { get; set; }

    /// <summary>
    /// Account name and key for an emulator, or for the local blob store (name "local" and a key
    /// generated into the data folder by default). Without them, Azure Storage is reached with Entra ID.
    /// </summary>
    public string? AccountName { get; set; }

    public string? AccountKey { get; set; }

    /// <summary>Pins a self-signed certificate of a storage emulator served over HTTPS (SHA-1 thumbprint).</summary>
    public string? TrustedCertificateThumbprint { get; set; }

    public string ReportsContainer { get; set; } = "reports";

    public int ReportLinkHours { get; set; } = 24;
}

public sealed class NotificationSettings
{
    public Uri? TeamsWebhookUrl { get; set; }

    public List<string> AllowedHosts { get; set; } = [];

    public string? CallbackSigningKey { get; set; }

    public string? TicketSystem { get; set; }

    public Uri? TicketSystemUrl { get; set; }

    public string? TicketSystemAuthorization { get; set; }
}

public sealed class LimitSettings
{
    public int MinDurationSeconds { get; set; } = 30;

    public int MaxDurationSeconds { get; set; } = 3_600;

    public int MaxTargets { get; set; } = 10;

    public long MaxBytesPerTarget { get; set; } = 1L << 30;

    public int MaxFlowTraceMinutes { get; set; } = 240;

    /// <summary>Running operations that may hold one target at a time (a gateway takes one capture at a time).</summary>
    public int MaxConcurrentOperationsPerTarget { get; set; } = 1;

    public List<string> AllowedScopes { get; set; } = [];

    public RequestLimits ToRequestLimits(IReadOnlyList<string> callbackHosts) => new()
    {
        MinDurationSeconds = MinDurationSeconds,
        MaxDurationSeconds = MaxDurationSeconds,
        MaxTargets = MaxTargets,
        MaxBytesPerTarget = MaxBytesPerTarget,
        MaxFlowTraceMinutes = MaxFlowTraceMinutes,
        AllowedScopes = AllowedScopes,
        AllowedCallbackHosts = callbackHosts,
    };
}

public sealed class TimingSettings
{
    public int FileDeadlineSeconds { get; set; } = 900;

    public int FirstPollSeconds { get; set; } = 15;

    public int MaxPollSeconds { get; set; } = 120;
}

/// <summary>The expensive-logging sweeper's schedule.</summary>
public sealed class SweeperScheduleSettings
{
    /// <summary>Minutes between sweeps; 0 switches the schedule off (sweeps can still be started through the engine).</summary>
    public int IntervalMinutes { get; set; } = 5;

    /// <summary>The same schedule for the Azure Functions timer trigger (NCRONTAB with seconds).</summary>
    public string Schedule { get; set; } = "0 */5 * * * *";

    /// <summary>How long past its expiry something may stay on before the sweeper steps in.</summary>
    public int GraceMinutes { get; set; } = 10;

    /// <summary>How far back operations are checked for captures their workflow left running.</summary>
    public int LookbackHours { get; set; } = 24;
}

/// <summary>Where the self-hosted server sends its traces and metrics (on Azure: Application Insights, set up by the Functions host).</summary>
public sealed class TelemetrySettings
{
    /// <summary>"none", "console" (one line per span and metric point) or "otlp".</summary>
    public string Exporter { get; set; } = "none";

    /// <summary>The OTLP collector's base URL; unset: OTEL_EXPORTER_OTLP_ENDPOINT, or the exporter's default (localhost:4317).</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>"grpc" or "http/protobuf".</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    public int MetricExportIntervalSeconds { get; set; } = 60;
}
