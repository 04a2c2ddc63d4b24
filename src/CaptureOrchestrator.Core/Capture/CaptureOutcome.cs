using System.Text.Json.Serialization;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Core.Capture;

/// <summary>How a capture operation ended, overall (on the wire by name, e.g. "PartiallySucceeded").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CaptureStatus>))]
public enum CaptureStatus
{
    Succeeded,
    PartiallySucceeded,
    Failed,
    Cancelled,
}

/// <summary>
/// Where one target is: the states it passes through while the workflow runs, then how it ended
/// (<see cref="Analyzed"/>, <see cref="Failed"/>, <see cref="Cancelled"/>, <see cref="NoFile"/>).
/// On the wire by name.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<TargetState>))]
public enum TargetState
{
    Pending,
    Preparing,
    Starting,
    Capturing,
    Stopping,
    WaitingForFile,
    Analyzing,
    CleaningUp,
    Analyzed,
    Failed,
    Cancelled,
    NoFile,
}

public static class TargetStates
{
    /// <summary>
    /// True while a capture session may be open on the target (from before it starts until it is
    /// stopped or cleaned up): what the per-target concurrency limit counts.
    /// </summary>
    public static bool HoldsTarget(this TargetState state) =>
        state is TargetState.Pending or TargetState.Preparing or TargetState.Starting or TargetState.Capturing or TargetState.Stopping or TargetState.CleaningUp;
}

/// <summary>How one target ended; <see cref="Problem"/> says why in words a ticket can carry.</summary>
/// <param name="LeftRunning">The capture may still be running after the operation (its stop or its cleanup failed): the sweeper stops it.</param>
public sealed record TargetOutcome(int Index, string ResourceId, TargetKind Kind, TargetState State, TargetAnalysis? Analysis, string? Problem, IReadOnlyList<string> Notes, bool LeftRunning = false);

/// <summary>What the workflow returns: per-target outcomes, the report, and what happened to each notification.</summary>
/// <param name="Path">For a path operation: where along the path packets stop appearing.</param>
public sealed record CaptureOutcome(string OperationId, CaptureStatus Status, IReadOnlyList<TargetOutcome> Targets, ReportLinks? Report, IReadOnlyList<DeliveryResult> Deliveries, IReadOnlyList<string> Problems, PathVerdict? Path = null);

/// <summary>The custom status a status query shows while the workflow runs.</summary>
public sealed record CaptureProgress(string Phase, IReadOnlyList<TargetProgress> Targets);

/// <summary>One target's state while the workflow runs, then its outcome's state once done.</summary>
public sealed record TargetProgress(int Index, string ResourceId, TargetState State, string? Detail);
