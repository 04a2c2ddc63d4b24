using System.Buffers.Binary;

namespace CaptureOrchestrator.Analysis.Decoding;

public sealed partial class PacketDecoder
{
    private void DecodeIcmp(ReadOnlySpan<byte> icmp, DecodedPacket result, bool version6)
    {
        if (icmp.Length < 4)
        {
            Short(result, MalformedReason.IcmpHeader, $"ICMP header needs 4 bytes, {icmp.Length} present");
            return;
        }

        result.IsIcmp = true;
        result.HasTransport = true;
        byte type = icmp[0];
        byte code = icmp[1];
        result.IcmpType = type;
        result.IcmpCode = code;
        result.PayloadLength = Math.Max(0, result.IpLength - 4);

        bool isEcho = version6 ? type is 128 or 129 : type is 0 or 8;
        if (isEcho && icmp.Length >= 6)
        {
            // Request and reply share the identifier: use it on both sides so they form one flow.
            ushort identifier = BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]);
            result.SourcePort = identifier;
            result.DestinationPort = identifier;
            return;
        }

        result.SourcePort = type;
        result.DestinationPort = code;
        bool isError = version6 ? type is >= 1 and <= 4 : type is 3 or 4 or 5 or 11 or 12;
        if (!isError || icmp.Length < 8)
        {
            return;
        }

        if (version6 && type == 2)
        {
            result.IcmpMtu = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(icmp[4..]), int.MaxValue);
        }
        else if (!version6 && type == 3 && code == 4)
        {
            result.IcmpMtu = BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]);
        }

        DecodeQuotedDatagram(icmp[8..], result);
    }

    /// <summary>
    /// The start of the offending datagram quoted by an ICMP error: IP header plus at least the
    /// first 8 transport bytes (ports). It is usually truncated; that is expected.
    /// </summary>
    private static void DecodeQuotedDatagram(ReadOnlySpan<byte> quoted, DecodedPacket result)
    {
        if (quoted.Length < 1)
        {
            return;
        }

        int transportStart;
        byte protocol;
        if (quoted[0] >> 4 == 4 && quoted.Length >= 20)
        {
            int headerLength = (quoted[0] & 0x0F) * 4;
            if (headerLength < 20 || quoted.Length < headerLength)
            {
                return;
            }

            protocol = quoted[9];
            result.QuotedSource = NetAddress.FromIPv4(quoted[12..]);
            result.QuotedDestination = NetAddress.FromIPv4(quoted[16..]);
            transportStart = headerLength;
        }
        else if (quoted[0] >> 4 == 6 && quoted.Length >= 40)
        {
            protocol = quoted[6];
            result.QuotedSource = NetAddress.FromIPv6(quoted[8..]);
            result.QuotedDestination = NetAddress.FromIPv6(quoted[24..]);
            transportStart = 40;
            for (int count = 0; count < MaxIpv6ExtensionHeaders && protocol is IpProtocol.HopByHop or IpProtocol.Ipv6Routing or IpProtocol.Ipv6DestinationOptions or IpProtocol.Ipv6Fragment; count++)
            {
                if (quoted.Length - transportStart < 2)
                {
                    return;
                }

                int length = protocol == IpProtocol.Ipv6Fragment ? 8 : (quoted[transportStart + 1] + 1) * 8;
                protocol = quoted[transportStart];
                transportStart += length;
            }
        }
        else
        {
            return;
        }

        result.HasQuotedDatagram = true;
        result.QuotedProtocol = protocol;
        if ((protocol == IpProtocol.Tcp || protocol == IpProtocol.Udp) && quoted.Length - transportStart >= 4)
        {
            result.QuotedSourcePort = BinaryPrimitives.ReadUInt16BigEndian(quoted[transportStart..]);
            result.QuotedDestinationPort = BinaryPrimitives.ReadUInt16BigEndian(quoted[(transportStart + 2)..]);
        }
    }
}
