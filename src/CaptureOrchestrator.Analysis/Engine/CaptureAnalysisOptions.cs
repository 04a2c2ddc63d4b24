using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Engine;

public sealed record CaptureAnalysisOptions
{
    public FlowTableOptions Flows { get; init; } = new();

    public FragmentReassemblerOptions Fragments { get; init; } = new();

    /// <summary>Flows kept in memory for the report (per category: problems, largest).</summary>
    public int FlowsRetained { get; init; } = 1000;

    /// <summary>Read and decode on a second thread when the machine has more than one core.</summary>
    public bool DecodeOnSeparateThread { get; init; } = true;

    /// <summary>Malformed packets listed individually (all are counted).</summary>
    public int MalformedExamples { get; init; } = 20;
}

/// <summary>Bytes consumed so far, for a progress display.</summary>
public readonly record struct CaptureProgress(long BytesRead, long Packets);
