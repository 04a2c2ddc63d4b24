using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Engine;

/// <summary>Everything one pass over a capture produced.</summary>
public sealed class CaptureAnalysis
{
    internal CaptureAnalysis(CaptureStatistics capture, FlowCollector flows, FragmentStatistics fragments, long unattributedIcmpErrors, long flowsEvictedForCapacity)
    {
        Capture = capture;
        Flows = flows;
        Fragments = fragments;
        UnattributedIcmpErrors = unattributedIcmpErrors;
        FlowsEvictedForCapacity = flowsEvictedForCapacity;
    }

    public CaptureStatistics Capture { get; }

    public FlowCollector Flows { get; }

    public FragmentStatistics Fragments { get; }

    public long UnattributedIcmpErrors { get; }

    public long FlowsEvictedForCapacity { get; }
}
