using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>
/// A capture is a window: conversations cross its edges. What looks like a failure right at the
/// start or the end is often just the part the window did not see. One place for those rules, so
/// the detectors and the healthy verdict agree on them.
/// </summary>
internal static class CaptureEdges
{
    /// <summary>A single SYN this close to the end of the capture may simply have its answer after the capture stopped.</summary>
    public static readonly long LateSynNanoseconds = (long)TimeSpan.FromSeconds(3).TotalNanoseconds;

    /// <summary>A conversation that starts this close to the beginning may have opened before the capture did.</summary>
    public static readonly long StartGraceNanoseconds = (long)TimeSpan.FromSeconds(1).TotalNanoseconds;

    /// <summary>One SYN, never resent, sent within the last 3 s of the capture.</summary>
    public static bool SynCutOffAtEnd(Flow flow, long captureEndNanoseconds) =>
        flow.Originator.Retransmissions == 0 && captureEndNanoseconds - flow.FirstNanoseconds < LateSynNanoseconds;

    /// <summary>The flow's opening packet was not captured, and it started at the very beginning of the capture.</summary>
    public static bool BeganBeforeCapture(Flow flow, CaptureStatistics capture) =>
        !flow.Originator.SynSeen && flow.FirstNanoseconds - capture.FirstNanoseconds <= StartGraceNanoseconds;
}
