using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>The <c>capacity</c> flows with the highest score seen so far, as snapshots.</summary>
internal sealed class TopFlows(int capacity)
{
    private readonly PriorityQueue<Flow, double> _queue = new();

    public int Count => _queue.Count;

    public void Offer(Flow flow, double score)
    {
        if (_queue.Count < capacity)
        {
            _queue.Enqueue(flow.Snapshot(), score);
        }
        else if (_queue.TryPeek(out _, out double lowest) && score > lowest)
        {
            _queue.DequeueEnqueue(flow.Snapshot(), score);
        }
    }

    /// <summary>Highest score first.</summary>
    public IEnumerable<(Flow Flow, double Score)> Descending() =>
        _queue.UnorderedItems.OrderByDescending(i => i.Priority).ThenBy(i => i.Element.FirstPacketNumber).Select(i => (i.Element, i.Priority));
}
