using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Server.Api;

/// <summary>
/// What the HTTP endpoints use, on either host: the workflow client (the embedded engine's, or a
/// Durable Task client on Azure Functions) and the limits and settings read once at start.
/// </summary>
public sealed record ApiServices(IWorkflowClient Client, RequestLimits Limits, CaptureTimings Timings, IReadOnlyList<string> Channels, ServerSettings Settings, TargetSupport Support)
{
    /// <summary>Serializes check-then-start of new operations in this process (the per-target concurrency limit).</summary>
    internal SemaphoreSlim StartGate { get; } = new(1, 1);

    /// <summary>
    /// The same services over another workflow client (Functions binds one per invocation), sharing
    /// this process's <see cref="StartGate"/> and the limits read at start.
    /// </summary>
    public ApiServices WithClient(IWorkflowClient client) => this with { Client = client };
}
