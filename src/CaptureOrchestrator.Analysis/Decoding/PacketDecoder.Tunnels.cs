using System.Buffers.Binary;

namespace CaptureOrchestrator.Analysis.Decoding;

public sealed partial class PacketDecoder
{
    private const ushort GreChecksumPresent = 0x8000;
    private const ushort GreRoutingPresent = 0x4000;
    private const ushort GreKeyPresent = 0x2000;
    private const ushort GreSequencePresent = 0x1000;
    private const ushort GreAcknowledgmentPresent = 0x0080;

    private static bool EnterTunnel(DecodedPacket result, TunnelKind kind, int tunnelDepth)
    {
        if (tunnelDepth >= MaxTunnelDepth)
        {
            result.MarkMalformed(MalformedReason.TunnelHeader, $"tunnels nested deeper than {MaxTunnelDepth}");
            return false;
        }

        result.Tunnel = kind;
        result.TunnelDepth = tunnelDepth + 1;
        return true;
    }

    private void DecodeGre(ReadOnlySpan<byte> gre, DecodedPacket result, int tunnelDepth)
    {
        // Every IP protocol 47 frame is a GRE frame, as tshark counts it, whether or not its
        // payload is one this decoder follows (unknown types such as 0x8909, source routing, a
        // header cut by the snap length): the packet keeps its outer headers unless a known
        // payload is entered below.
        NoteTunnel(result, TunnelKind.Gre);
        if (gre.Length < 4)
        {
            Short(result, MalformedReason.TunnelHeader, $"GRE header needs 4 bytes, {gre.Length} present");
            return;
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(gre);
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(gre[2..]);
        int version = flags & 0x0007;
        int length = 4;
        if (version == 0)
        {
            if ((flags & GreRoutingPresent) != 0)
            {
                return; // source-routed GRE (RFC 1701) is obsolete: counted, not followed
            }

            length += (flags & GreChecksumPresent) != 0 ? 4 : 0;
            length += (flags & GreKeyPresent) != 0 ? 4 : 0;
            length += (flags & GreSequencePresent) != 0 ? 4 : 0;
        }
        else if (version == 1)
        {
            // Enhanced GRE (PPTP, RFC 2637): key (payload length + call id) always present.
            length += 4;
            length += (flags & GreSequencePresent) != 0 ? 4 : 0;
            length += (flags & GreAcknowledgmentPresent) != 0 ? 4 : 0;
        }
        else
        {
            result.MarkMalformed(MalformedReason.TunnelHeader, $"GRE version {version} is unknown");
            return;
        }

        if (gre.Length < length)
        {
            Short(result, MalformedReason.TunnelHeader, $"GRE header needs {length} bytes, {gre.Length} present");
            return;
        }

        ReadOnlySpan<byte> inner = gre[length..];
        switch (protocol)
        {
            case EtherType.ErspanTypeII:
                if (EnterTunnel(result, TunnelKind.Erspan, tunnelDepth))
                {
                    // Sequence-numbered ERSPAN II has an 8-byte header; without S it is type I (none).
                    DecodeEthernet(inner, (flags & GreSequencePresent) != 0 ? 8 : 0, result, tunnelDepth + 1);
                }

                return;
            case EtherType.ErspanTypeIII:
                if (inner.Length >= 12 && EnterTunnel(result, TunnelKind.Erspan, tunnelDepth))
                {
                    bool platformSubheader = (inner[11] & 0x01) != 0;
                    DecodeEthernet(inner, platformSubheader ? 20 : 12, result, tunnelDepth + 1);
                }

                return;
            case EtherType.TransparentEthernetBridging:
                if (EnterTunnel(result, TunnelKind.Gre, tunnelDepth))
                {
                    DecodeEthernet(inner, 0, result, tunnelDepth + 1);
                }

                return;
            case EtherType.Ppp:
                if (inner.Length > 0 && EnterTunnel(result, TunnelKind.Gre, tunnelDepth))
                {
                    DecodePpp(inner, 0, result, tunnelDepth + 1);
                }

                return;
            case EtherType.Ipv4:
            case EtherType.Ipv6:
            case EtherType.Mpls:
                if (EnterTunnel(result, TunnelKind.Gre, tunnelDepth))
                {
                    DecodeEtherPayload(inner, 0, protocol, result, tunnelDepth + 1);
                }

                return;
            default:
                return; // a payload type this decoder does not follow (0x8909, vendor keepalives, NSH): counted above
        }
    }

    /// <summary>Marks a tunnel header that is counted but not followed: the packet keeps its outer headers.</summary>
    private static void NoteTunnel(DecodedPacket result, TunnelKind kind) => result.Tunnel = kind;

    private void DecodeVxlan(ReadOnlySpan<byte> vxlan, DecodedPacket result, int tunnelDepth)
    {
        // RFC 7348: flags (I bit 0x08 = VNI valid), 3 reserved, VNI (24 bits), 1 reserved.
        if (vxlan.Length < 8 || (vxlan[0] & 0x08) == 0)
        {
            return;
        }

        if (tunnelDepth < MaxTunnelDepth)
        {
            result.KeepOuterUdp();
        }

        if (EnterTunnel(result, TunnelKind.Vxlan, tunnelDepth))
        {
            DecodeEthernet(vxlan, 8, result, tunnelDepth + 1);
        }
    }
}
