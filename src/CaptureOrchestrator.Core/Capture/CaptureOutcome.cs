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
public sealed record TargetOutcome(int Index, string ResourceId, TargetKind Kind, string State, TargetAnalysis? Analysis, string? Problem, IReadOnlyList<string> Notes)
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

public sealed record TargetProgress(int Index, string ResourceId, string State, string? Detail);
