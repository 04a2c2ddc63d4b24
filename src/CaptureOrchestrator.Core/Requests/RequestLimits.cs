namespace CaptureOrchestrator.Core.Requests;

/// <summary>Operator limits (configuration) that every request is checked against.</summary>
public sealed record RequestLimits
{
    public int MinDurationSeconds { get; init; } = 30;

    public int MaxDurationSeconds { get; init; } = 3_600;

    public int MaxTargets { get; init; } = 10;

    public long MaxBytesPerTarget { get; init; } = 1L << 30;

    public int MaxFlowTraceMinutes { get; init; } = 240;

    /// <summary>ARM scopes (subscriptions or resource groups) targets must lie in; empty allows none.</summary>
    public IReadOnlyList<string> AllowedScopes { get; init; } = [];

    /// <summary>Hosts callbacks may be sent to (exact names, or "*.example.com" for subdomains).</summary>
    public IReadOnlyList<string> AllowedCallbackHosts { get; init; } = [];
}
