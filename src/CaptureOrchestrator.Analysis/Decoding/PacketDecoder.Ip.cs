using System.Buffers.Binary;

namespace CaptureOrchestrator.Analysis.Decoding;

public sealed partial class PacketDecoder
{
    private const int MaxIpv6ExtensionHeaders = 16;

    private void DecodeIpByVersion(ReadOnlySpan<byte> frame, int offset, DecodedPacket result, int tunnelDepth)
    {
        if (frame.Length - offset < 1)
        {
            Short(result, MalformedReason.Ipv4Header, "no IP header present");
            return;
        }

        switch (frame[offset] >> 4)
        {
            case 4:
                DecodeIpv4(frame, offset, result, tunnelDepth);
                break;
            case 6:
                DecodeIpv6(frame, offset, result, tunnelDepth);
                break;
            default:
                result.MarkMalformed(MalformedReason.UnsupportedIpVersion, $"IP version {frame[offset] >> 4} is not 4 or 6");
                break;
        }
    }

    private void DecodeIpv4(ReadOnlySpan<byte> frame, int offset, DecodedPacket result, int tunnelDepth)
    {
        int available = frame.Length - offset;
        if (available < 20)
        {
            Short(result, MalformedReason.Ipv4Header, $"IPv4 header needs 20 bytes, {Math.Max(available, 0)} present");
            return;
        }

        ReadOnlySpan<byte> ip = frame[offset..];
        if (ip[0] >> 4 != 4)
        {
            result.MarkMalformed(MalformedReason.Ipv4Header, $"IPv4 header has version {ip[0] >> 4}");
            return;
        }

        int headerLength = (ip[0] & 0x0F) * 4;
        if (headerLength < 20)
        {
            result.MarkMalformed(MalformedReason.Ipv4Header, $"IPv4 header length {headerLength} is below 20");
            return;
        }

        if (available < headerLength)
        {
            Short(result, MalformedReason.Ipv4Header, $"IPv4 header with options needs {headerLength} bytes, {available} present");
            return;
        }

        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (totalLength < headerLength)
        {
            result.MarkMalformed(MalformedReason.Ipv4TotalLength, $"IPv4 total length {totalLength} is shorter than its {headerLength}-byte header");
            return;
        }

        ushort flagsAndOffset = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        result.ResetNetworkLayers();
        result.HasIp = true;
        result.IpVersion = 4;
        result.IpLength = totalLength;
        result.IpIdentification = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        result.DontFragment = (flagsAndOffset & 0x4000) != 0;
        result.MoreFragments = (flagsAndOffset & 0x2000) != 0;
        result.FragmentOffset = (flagsAndOffset & 0x1FFF) * 8;
        result.Ttl = ip[8];
        result.Protocol = ip[9];
        result.Source = NetAddress.FromIPv4(ip[12..]);
        result.Destination = NetAddress.FromIPv4(ip[16..]);

        int end = totalLength;
        bool payloadTruncated = false;
        if (totalLength > available)
        {
            if (_frameTruncated)
            {
                payloadTruncated = true;
            }
            else
            {
                result.MarkMalformed(MalformedReason.Ipv4TotalLength, $"IPv4 total length {totalLength} exceeds the {available} bytes present");
            }

            end = available;
        }

        ReadOnlySpan<byte> payload = ip[headerLength..end];
        int payloadLength = totalLength - headerLength;
        if (result.MoreFragments || result.FragmentOffset > 0)
        {
            var key = new FragmentKey(result.Source, result.Destination, result.IpIdentification, result.Protocol, 4);
            HandleFragment(key, result.FragmentOffset, result.MoreFragments, payload, payloadLength, payloadTruncated, result, tunnelDepth);
            return;
        }

        DecodeTransport(result.Protocol, payload, payloadLength, payloadTruncated, result, tunnelDepth);
    }

    private void DecodeIpv6(ReadOnlySpan<byte> frame, int offset, DecodedPacket result, int tunnelDepth)
    {
        int available = frame.Length - offset;
        if (available < 40)
        {
            Short(result, MalformedReason.Ipv6Header, $"IPv6 header needs 40 bytes, {Math.Max(available, 0)} present");
            return;
        }

        ReadOnlySpan<byte> ip = frame[offset..];
        if (ip[0] >> 4 != 6)
        {
            result.MarkMalformed(MalformedReason.Ipv6Header, $"IPv6 header has version {ip[0] >> 4}");
            return;
        }

        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        result.ResetNetworkLayers();
        result.HasIp = true;
        result.IpVersion = 6;
        result.Ttl = ip[7];
        result.Source = NetAddress.FromIPv6(ip[8..]);
        result.Destination = NetAddress.FromIPv6(ip[24..]);

        bool jumbo = payloadLength == 0 && ip[6] == IpProtocol.HopByHop;
        int end = jumbo ? available : 40 + payloadLength;
        bool payloadTruncated = false;
        if (end > available)
        {
            if (_frameTruncated)
            {
                payloadTruncated = true;
            }
            else
            {
                result.MarkMalformed(MalformedReason.Ipv6Header, $"IPv6 payload length {payloadLength} exceeds the {available - 40} bytes present");
            }

            end = available;
        }

        result.IpLength = jumbo ? available : 40 + payloadLength;
        int declaredEnd = result.IpLength;
        byte next = ip[6];
        int position = 40;
        bool isFragment = false;
        int fragmentOffset = 0;
        bool moreFragments = false;
        uint identification = 0;

        for (int count = 0; ; count++)
        {
            if (count > MaxIpv6ExtensionHeaders)
            {
                result.MarkMalformed(MalformedReason.Ipv6ExtensionHeader, $"more than {MaxIpv6ExtensionHeaders} IPv6 extension headers");
                return;
            }

            int headerLength;
            switch (next)
            {
                case IpProtocol.HopByHop:
                case IpProtocol.Ipv6Routing:
                case IpProtocol.Ipv6DestinationOptions:
                case IpProtocol.Mobility:
                    if (end - position < 2)
                    {
                        Short(result, MalformedReason.Ipv6ExtensionHeader, $"IPv6 extension header {next} cut short");
                        return;
                    }

                    headerLength = (ip[position + 1] + 1) * 8;
                    break;
                case IpProtocol.Ah:
                    if (end - position < 2)
                    {
                        Short(result, MalformedReason.Ipv6ExtensionHeader, "IPv6 authentication header cut short");
                        return;
                    }

                    headerLength = (ip[position + 1] + 2) * 4;
                    break;
                case IpProtocol.Ipv6Fragment:
                    if (end - position < 8)
                    {
                        Short(result, MalformedReason.Ipv6ExtensionHeader, "IPv6 fragment header cut short");
                        return;
                    }

                    headerLength = 8;
                    ushort field = BinaryPrimitives.ReadUInt16BigEndian(ip[(position + 2)..]);
                    isFragment = true;
                    fragmentOffset = field & 0xFFF8;
                    moreFragments = (field & 0x0001) != 0;
                    identification = BinaryPrimitives.ReadUInt32BigEndian(ip[(position + 4)..]);
                    break;
                default:
                    goto transport;
            }

            if (end - position < headerLength)
            {
                Short(result, MalformedReason.Ipv6ExtensionHeader, $"IPv6 extension header {next} of {headerLength} bytes runs past the packet");
                return;
            }

            next = ip[position];
            position += headerLength;
        }

    transport:
        result.Protocol = next;
        ReadOnlySpan<byte> payload = ip[position..end];
        int transportLength = Math.Max(0, declaredEnd - position);
        if (isFragment && (moreFragments || fragmentOffset > 0))
        {
            result.IpIdentification = identification;
            result.MoreFragments = moreFragments;
            result.FragmentOffset = fragmentOffset;
            var key = new FragmentKey(result.Source, result.Destination, identification, next, 6);
            HandleFragment(key, fragmentOffset, moreFragments, payload, transportLength, payloadTruncated, result, tunnelDepth);
            return;
        }

        if (next == IpProtocol.Ipv6NoNext)
        {
            return;
        }

        DecodeTransport(next, payload, transportLength, payloadTruncated, result, tunnelDepth);
    }

    private void HandleFragment(FragmentKey key, int fragmentOffset, bool moreFragments, ReadOnlySpan<byte> payload, int payloadLength, bool payloadTruncated, DecodedPacket result, int tunnelDepth)
    {
        result.IsFragment = true;
        FragmentOutcome outcome = _reassembler.Add(key, fragmentOffset, moreFragments, payload, payloadLength, payloadTruncated, _timestampNanoseconds);
        if (outcome.Overlap)
        {
            result.MarkMalformed(MalformedReason.FragmentOverlap, $"IP fragment at offset {fragmentOffset} overlaps data already received for datagram {key.Identification}");
        }

        if (outcome.Completed)
        {
            result.CompletedReassembly = true;
            byte protocol = result.Protocol;
            ReadOnlySpan<byte> datagram = _reassembler.CompletedPayload;
            bool truncated = _reassembler.CompletedPayloadTruncated;
            DecodeTransport(protocol, datagram, _reassembler.CompletedPayloadLength, truncated, result, tunnelDepth);
            return;
        }

        if (fragmentOffset == 0)
        {
            // The first fragment carries the transport header: ports are known now.
            DecodePortsOnly(result.Protocol, payload, result);
        }
        else if (outcome.HasPorts)
        {
            result.HasTransport = true;
            result.SourcePort = outcome.SourcePort;
            result.DestinationPort = outcome.DestinationPort;
        }
    }

    private void DecodePortsOnly(byte protocol, ReadOnlySpan<byte> payload, DecodedPacket result)
    {
        if ((protocol == IpProtocol.Tcp || protocol == IpProtocol.Udp) && payload.Length >= 4)
        {
            result.HasTransport = true;
            result.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(payload);
            result.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
            _reassembler.RememberPorts(result.SourcePort, result.DestinationPort);
        }
    }
}
