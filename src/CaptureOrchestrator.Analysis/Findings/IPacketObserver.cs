using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>Kinds of packets an observer wants to see; the analyzer calls it for those only.</summary>
[Flags]
public enum PacketInterest
{
    None = 0,
    Icmp = 1,
    Fragments = 2,
    Udp = 4,
    TcpPayload = 8,
    Ipsec = 16,
}

/// <summary>
/// Sees the decoded packets it is interested in, with the flow each was accounted to (null when
/// it belongs to none). The packet and its payload are valid only during the call.
/// </summary>
public interface IPacketObserver
{
    PacketInterest Interest { get; }

    void OnPacket(DecodedPacket packet, Flow? flow, long packetNumber, long timestampNanoseconds);
}

internal static class PacketInterests
{
    /// <summary>What kinds a decoded packet belongs to (computed once per packet).</summary>
    public static PacketInterest Of(DecodedPacket packet)
    {
        PacketInterest kinds = PacketInterest.None;
        if (packet.IsIcmp)
        {
            kinds |= PacketInterest.Icmp;
        }

        if (packet.IsFragment || packet.CompletedReassembly || packet.Malformed == MalformedReason.FragmentOverlap)
        {
            kinds |= PacketInterest.Fragments;
        }

        if (packet.Protocol == IpProtocol.Udp && packet.HasTransport)
        {
            kinds |= PacketInterest.Udp;
        }
        else if (packet.HasTcpHeader && packet.CapturedPayloadLength > 0)
        {
            kinds |= PacketInterest.TcpPayload;
        }

        if (packet.IsEsp || packet.IsIke || packet.IsNatKeepalive)
        {
            kinds |= PacketInterest.Ipsec;
        }

        return kinds;
    }
}
