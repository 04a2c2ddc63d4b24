using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Correlation;

/// <summary>What correlation needs to know about one flow of one capture (compact, no references).</summary>
public readonly record struct FlowSighting(
    FlowKey Key,
    byte Protocol,
    NetAddress Client,
    ushort ClientPort,
    NetAddress Server,
    ushort ServerPort,
    long FirstNanoseconds,
    long LastNanoseconds,
    long FromClient,
    long FromServer,
    bool SynSeen,
    bool SynAckSeen,
    ConnectionState State,
    long FirstPacket);

/// <summary>Records every finished flow of a capture for correlation, up to a bound.</summary>
public sealed class FlowIndex(int capacity = 200_000) : IFlowObserver
{
    private readonly List<FlowSighting> _flows = [];

    public IReadOnlyList<FlowSighting> Flows => _flows;

    /// <summary>Flows not recorded because the index was full.</summary>
    public long Dropped { get; private set; }

    public void OnFlowFinished(Flow flow)
    {
        if (_flows.Count >= capacity)
        {
            Dropped++;
            return;
        }

        _flows.Add(new FlowSighting(
            flow.Key, flow.Protocol, flow.OriginatorAddress, flow.OriginatorPort, flow.ResponderAddress, flow.ResponderPort,
            flow.FirstNanoseconds, flow.LastNanoseconds, flow.Originator.Packets, flow.Responder.Packets,
            flow.Originator.SynSeen, flow.Responder.SynAckSeen, flow.State, flow.FirstPacketNumber));
    }
}
