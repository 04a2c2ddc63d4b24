using Azure.Core;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Azure.LogAnalytics;

public sealed class LogsQueryClientOptions : ClientOptions
{
    /// <summary>The query endpoint; sovereign clouds have their own host.</summary>
    public Uri Endpoint { get; set; } = new("https://api.loganalytics.azure.com");

    /// <summary>The token audience (the Azure SDK requests <c>https://api.loganalytics.io/.default</c>).</summary>
    public string Audience { get; set; } = "https://api.loganalytics.io";

    public ILoggerFactory? LoggerFactory { get; set; }
}

/// <summary>Per-query options.</summary>
public sealed record LogsQueryOptions
{
    public static readonly TimeSpan MaxServerTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How long the service may run the query (sent as <c>Prefer: wait=</c>; service default 3 min, max 10).</summary>
    public TimeSpan? ServerTimeout { get; init; }

    /// <summary>Return what the service could compute when part of the query failed, instead of throwing.</summary>
    public bool AllowPartialErrors { get; init; }

    /// <summary>More workspaces (GUIDs) to query together with the first.</summary>
    public IReadOnlyList<Guid> AdditionalWorkspaces { get; init; } = [];
}
