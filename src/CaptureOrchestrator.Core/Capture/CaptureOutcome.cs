using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Core.Capture;

/// <summary>How a capture operation ended, overall.</summary>
public static class CaptureStatus
{
    public const string Succeeded = "Succeeded";
    public const string PartiallySucceeded = "PartiallySucceeded";
    public const string Failed = "Failed";
    public const string Cancelled = "Cancelled";
}

/// <summary>How one target ended; <see cref="Problem"/> says why in words a ticket can carry.</summary>
/// <param name="LeftRunning">The capture may still be running after the operation (its stop or its cleanup failed): the sweeper stops it.</param>
public sealed record TargetOutcome(int Index, string ResourceId, TargetKind Kind, string State, TargetAnalysis? Analysis, string? Problem, IReadOnlyList<string> Notes, bool LeftRunning = false)
{
    public const string Analyzed = "Analyzed";
    public const string Failed = "Failed";
    public const string Cancelled = "Cancelled";
    public const string NoFile = "NoFile";
}

/// <summary>What the workflow returns: per-target outcomes, the report, and what happened to each notification.</summary>
public sealed record CaptureOutcome(string OperationId, string Status, IReadOnlyList<TargetOutcome> Targets, ReportLinks? Report, IReadOnlyList<DeliveryResult> Deliveries, IReadOnlyList<string> Problems);

/// <summary>The custom status a status query shows while the workflow runs.</summary>
public sealed record CaptureProgress(string Phase, IReadOnlyList<TargetProgress> Targets);

/// <summary>One target's state while the workflow runs: a <see cref="TargetStates"/> value, or its <see cref="TargetOutcome"/> state once done.</summary>
public sealed record TargetProgress(int Index, string ResourceId, string State, string? Detail);

/// <summary>The states a target passes through before its outcome.</summary>
public static class TargetStates
{
    public const string Pending = "Pending";
    public const string Preparing = "Preparing";
    public const string Starting = "Starting";
    public const string Capturing = "Capturing";
    public const string Stopping = "Stopping";
    public const string WaitingForFile = "WaitingForFile";
    public const string Analyzing = "Analyzing";
    public const string CleaningUp = "CleaningUp";

    /// <summary>
    /// True while a capture session may be open on the target (from before it starts until it is
    /// stopped or cleaned up): what the per-target concurrency limit counts.
    /// </summary>
    public static bool HoldsTarget(string state) => state is Pending or Preparing or Starting or Capturing or Stopping or CleaningUp;
}
