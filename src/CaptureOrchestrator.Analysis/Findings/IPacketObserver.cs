using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>
/// Sees every decoded packet with the flow it was accounted to (null when it belongs to none).
/// The packet and its payload are valid only during the call.
/// </summary>
public interface IPacketObserver
{
    void OnPacket(DecodedPacket packet, Flow? flow, long packetNumber, long timestampNanoseconds);
}
