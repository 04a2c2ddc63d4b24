using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// The flow a decoded packet belongs to, worked out once: on the decoding thread in a pipelined
/// analysis, so the analysis thread starts from the key and its hash.
/// </summary>
internal readonly struct PacketFlowKey
{
    private PacketFlowKey(FlowKey key, bool sourceIsA)
    {
        Key = key;
        Hash = key.GetHashCode();
        SourceIsA = sourceIsA;
        HasFlow = true;
    }

    /// <summary>False for packets that belong to no flow (not IP, or a later fragment of a datagram whose ports were not seen).</summary>
    public bool HasFlow { get; }

    public FlowKey Key { get; }

    public int Hash { get; }

    /// <summary>The packet's source is endpoint A of <see cref="Key"/>.</summary>
    public bool SourceIsA { get; }

    public static PacketFlowKey Of(DecodedPacket packet)
    {
        if (!packet.HasIp)
        {
            return default;
        }

        byte protocol = packet.Protocol;
        if ((protocol == IpProtocol.Tcp || protocol == IpProtocol.Udp) && !packet.HasTransport)
        {
            return default; // a later fragment whose first fragment (with the ports) was not seen
        }

        FlowKey key = FlowKey.Create(packet.Source, packet.SourcePort, packet.Destination, packet.DestinationPort, protocol, out bool sourceIsA);
        return new PacketFlowKey(key, sourceIsA);
    }
}
