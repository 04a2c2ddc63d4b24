using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Engine;

/// <summary>Fills <see cref="CaptureStatistics"/> from records and decoded packets (no flow state needed).</summary>
internal sealed class CaptureAccounting(CaptureStatistics statistics)
{
    private long _previousNanoseconds = long.MinValue;

    public void Record(long ns, int capturedLength, int originalLength, int linkType, long packetNumber)
    {
        statistics.Packets = packetNumber;
        statistics.BytesCaptured += capturedLength;
        statistics.BytesOnWire += originalLength;
        statistics.CountLinkType(linkType);
        if (capturedLength < originalLength)
        {
            statistics.TruncatedPackets++;
        }

        if (packetNumber == 1)
        {
            statistics.FirstNanoseconds = statistics.LastNanoseconds = ns;
        }
        else
        {
            statistics.FirstNanoseconds = Math.Min(statistics.FirstNanoseconds, ns);
            statistics.LastNanoseconds = Math.Max(statistics.LastNanoseconds, ns);
            if (ns < _previousNanoseconds)
            {
                statistics.OutOfOrderTimestamps++;
            }
        }

        _previousNanoseconds = ns;
    }

    public void Packet(DecodedPacket packet, long packetNumber, long fileOffset)
    {
        if (packet.Malformed != MalformedReason.None)
        {
            statistics.CountMalformed(packetNumber, fileOffset, packet.Malformed, packet.MalformedDetail);
        }

        if (packet.HeaderTruncatedByCapture)
        {
            statistics.HeadersCutBySnapLength++;
        }

        if (packet.VlanCount > 0)
        {
            statistics.VlanTaggedPackets++;
        }

        switch (packet.Tunnel)
        {
            case TunnelKind.Gre: statistics.GrePackets++; break;
            case TunnelKind.Vxlan: statistics.VxlanPackets++; break;
            case TunnelKind.Erspan: statistics.ErspanPackets++; break;
            case TunnelKind.IpInIp: statistics.IpInIpPackets++; break;
        }

        if (!packet.HasIp)
        {
            if (packet.Malformed == MalformedReason.None && !packet.HeaderTruncatedByCapture)
            {
                statistics.NonIpPackets++;
            }

            return;
        }

        statistics.IpPackets++;
        if (packet.IpVersion == 6)
        {
            statistics.Ipv6Packets++;
        }

        if (packet.IsEsp)
        {
            statistics.EspPackets++;
        }
        else if (packet.IsIke)
        {
            statistics.IkePackets++;
        }
        else if (packet.IsNatKeepalive)
        {
            statistics.NatKeepalivePackets++;
        }

        if (packet.HasTcpHeader)
        {
            CountTcp(packet.Flags);
        }
        else if (packet.IsIcmp)
        {
            CountIcmp(packet);
        }
    }

    public void Complete() => statistics.FlushLinkTypeRun();

    private void CountTcp(TcpFlags flags)
    {
        if ((flags & TcpFlags.Rst) != 0)
        {
            statistics.TcpResetPackets++;
        }

        if ((flags & TcpFlags.Syn) != 0)
        {
            if ((flags & TcpFlags.Ack) != 0)
            {
                statistics.TcpSynAckPackets++;
            }
            else
            {
                statistics.TcpSynPackets++;
            }
        }
    }

    private void CountIcmp(DecodedPacket packet)
    {
        if (packet.IpVersion == 4 && packet.IcmpType == 3)
        {
            statistics.IcmpUnreachable++;
            if (packet.IcmpCode == 4)
            {
                statistics.IcmpFragmentationNeeded++;
            }
        }
        else if (packet.IpVersion == 6 && packet.IcmpType == 1)
        {
            statistics.IcmpUnreachable++;
        }
        else if (packet.IpVersion == 6 && packet.IcmpType == 2)
        {
            statistics.Icmpv6PacketTooBig++;
        }
    }
}
