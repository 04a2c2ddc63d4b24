using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Core.FlowTrace;

/// <summary>The activities of the flow-trace lease, by name.</summary>
public static class FlowTraceActivities
{
    /// <summary><see cref="FlowTraceSwitchInput"/> → receipt (text): switches flow trace on and records what it changed.</summary>
    public const string EnableFlowTrace = "EnableFlowTrace";

    /// <summary><see cref="FlowTraceSwitchInput"/> with the receipt → nothing: undoes exactly what the enable changed. Safe to repeat.</summary>
    public const string DisableFlowTrace = "DisableFlowTrace";

    /// <summary><see cref="FlowTraceNotice"/> → nothing: tells Teams flow trace went on or off (or could not).</summary>
    public const string NotifyFlowTrace = "NotifyFlowTrace";
}

/// <param name="Receipt">What the enable changed (opaque to the workflow), for the disable.</param>
public sealed record FlowTraceSwitchInput(ArmResourceId FirewallId, ArmResourceId WorkspaceId, string? Receipt = null);

/// <summary>Something a human watching the channel should know about the lease.</summary>
/// <param name="Kind">FlowTraceEnabled, FlowTraceDisabled or FlowTraceFailed.</param>
public sealed record FlowTraceNotice(Capture.NotificationKind Kind, ArmResourceId FirewallId, IReadOnlyList<LeaseHolder> Holders, DateTime? UntilUtc, string? Problem);

/// <summary>One ticket (or operation) holding the lease until a time.</summary>
public sealed record LeaseHolder(string Holder, DateTime ExpiresAtUtc);

/// <summary>Raised at the lease instance: join, extend or leave.</summary>
/// <param name="Action">Acquire, Extend or Release.</param>
public sealed record LeaseRequest(string Action, string Holder, int Minutes = 0)
{
    public const string Acquire = "Acquire";
    public const string Extend = "Extend";
    public const string Release = "Release";
}

/// <summary>The lease's state: the workflow's input, carried across continue-as-new.</summary>
public sealed record FlowTraceLeaseState(ArmResourceId FirewallId, ArmResourceId WorkspaceId, IReadOnlyList<LeaseHolder> Holders, string? Receipt = null);

/// <summary>Custom status of a lease instance (what GET /api/flowtrace lists).</summary>
/// <param name="Receipt">What the enable changed, once it has: lets the sweeper undo it if this instance dies.</param>
public sealed record FlowTraceLeaseStatus(string State, string FirewallId, DateTime? UntilUtc, IReadOnlyList<LeaseHolder> Holders, string? Receipt = null)
{
    /// <summary>The status as a lease instance publishes it; null when it has published none yet.</summary>
    public static FlowTraceLeaseStatus? Read(string? serializedCustomStatus) =>
        serializedCustomStatus is null ? null : System.Text.Json.JsonSerializer.Deserialize<FlowTraceLeaseStatus>(serializedCustomStatus, Workflows.WorkflowSerializer.Options);

    /// <summary>States in which flow trace may be on (the sweeper checks these against Azure).</summary>
    public bool MayBeOn => Receipt is not null && State is not "Off";
}

/// <summary>How a lease ended.</summary>
public sealed record FlowTraceLeaseOutcome(string FirewallId, bool WasEnabled, bool Disabled, string? Problem);
