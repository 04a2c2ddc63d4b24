using System.Buffers.Binary;

namespace CaptureOrchestrator.Analysis.Decoding;

public sealed partial class PacketDecoder
{
    private const ushort VxlanPort = 4789;
    private const ushort IkePort = 500;
    private const ushort IkeNatTraversalPort = 4500;

    /// <param name="protocol">IP protocol number.</param>
    /// <param name="payload">Captured transport bytes.</param>
    /// <param name="declaredLength">Transport length according to the IP header.</param>
    /// <param name="truncated">Bytes are missing because of the snap length (not an error).</param>
    /// <param name="result">Receives the transport fields.</param>
    /// <param name="tunnelDepth">Tunnels already entered (a UDP tunnel such as VXLAN goes one deeper).</param>
    private void DecodeTransport(byte protocol, ReadOnlySpan<byte> payload, int declaredLength, bool truncated, DecodedPacket result, int tunnelDepth)
    {
        bool saved = _frameTruncated;
        _frameTruncated = truncated;
        try
        {
            switch (protocol)
            {
                case IpProtocol.Tcp:
                    DecodeTcp(payload, declaredLength, result);
                    break;
                case IpProtocol.Udp:
                    DecodeUdp(payload, declaredLength, result, tunnelDepth);
                    break;
                case IpProtocol.Icmp:
                    DecodeIcmp(payload, result, version6: false);
                    break;
                case IpProtocol.Icmpv6:
                    DecodeIcmp(payload, result, version6: true);
                    break;
                case IpProtocol.Gre:
                    DecodeGre(payload, result, tunnelDepth);
                    break;
                case IpProtocol.IpInIp:
                case IpProtocol.Ipv6InIp:
                    if (EnterTunnel(result, TunnelKind.IpInIp, tunnelDepth))
                    {
                        DecodeIpByVersion(payload, 0, result, tunnelDepth + 1);
                    }

                    break;
                case IpProtocol.Esp:
                    if (payload.Length >= 4)
                    {
                        result.IsEsp = true;
                        result.EspSpi = BinaryPrimitives.ReadUInt32BigEndian(payload);
                    }

                    result.PayloadLength = declaredLength;
                    break;
                default:
                    result.PayloadLength = declaredLength;
                    break;
            }
        }
        finally
        {
            _frameTruncated = saved;
        }
    }

    private void DecodeTcp(ReadOnlySpan<byte> tcp, int declaredLength, DecodedPacket result)
    {
        if (tcp.Length < 20)
        {
            // Without a complete header there is no TCP segment to analyse (tshark agrees).
            Short(result, MalformedReason.TcpHeader, $"TCP header needs 20 bytes, {tcp.Length} present");
            return;
        }

        int dataOffset = (tcp[12] >> 4) * 4;
        if (dataOffset < 20)
        {
            result.MarkMalformed(MalformedReason.TcpHeader, $"TCP data offset {dataOffset} is below 20");
            return;
        }

        if (dataOffset > declaredLength)
        {
            result.MarkMalformed(MalformedReason.TcpHeader, $"TCP header length {dataOffset} exceeds the {declaredLength}-byte segment");
            return;
        }

        result.HasTransport = true;
        result.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(tcp);
        result.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]);
        if (tcp.Length < dataOffset)
        {
            Short(result, MalformedReason.TcpHeader, $"TCP header with options needs {dataOffset} bytes, {tcp.Length} present");
            return;
        }

        result.HasTcpHeader = true;
        result.Sequence = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
        result.Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]);
        result.Flags = (TcpFlags)(((tcp[12] & 0x01) << 8) | tcp[13]);
        result.Window = BinaryPrimitives.ReadUInt16BigEndian(tcp[14..]);
        result.PayloadLength = declaredLength - dataOffset;
        result.CapturedPayloadLength = Math.Min(tcp.Length, declaredLength) - dataOffset;
        SetPayload(result, tcp[dataOffset..(dataOffset + result.CapturedPayloadLength)]);
        if (dataOffset > 20)
        {
            DecodeTcpOptions(tcp[20..dataOffset], result);
        }
    }

    private static void DecodeTcpOptions(ReadOnlySpan<byte> options, DecodedPacket result)
    {
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == 0)
            {
                return; // end of option list
            }

            if (kind == 1)
            {
                i++; // no-operation padding
                continue;
            }

            if (options.Length - i < 2)
            {
                result.MarkMalformed(MalformedReason.TcpHeader, $"TCP option {kind} has no length byte");
                return;
            }

            int length = options[i + 1];
            if (length < 2 || length > options.Length - i)
            {
                result.MarkMalformed(MalformedReason.TcpHeader, $"TCP option {kind} has invalid length {length}");
                return;
            }

            ReadOnlySpan<byte> value = options.Slice(i + 2, length - 2);
            switch (kind)
            {
                case 2 when value.Length == 2:
                    result.Mss = BinaryPrimitives.ReadUInt16BigEndian(value);
                    break;
                case 3 when value.Length == 1:
                    result.WindowScale = (sbyte)Math.Min(value[0], (byte)14);
                    break;
                case 4:
                    result.SackPermitted = true;
                    break;
                case 5:
                    result.SackBlocks = (byte)(value.Length / 8);
                    break;
                case 8 when value.Length == 8:
                    result.HasTimestamps = true;
                    result.TimestampValue = BinaryPrimitives.ReadUInt32BigEndian(value);
                    result.TimestampEcho = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
                    break;
            }

            i += length;
        }
    }

    private void DecodeUdp(ReadOnlySpan<byte> udp, int declaredLength, DecodedPacket result, int tunnelDepth)
    {
        if (udp.Length < 8)
        {
            Short(result, MalformedReason.UdpHeader, $"UDP header needs 8 bytes, {udp.Length} present");
            return;
        }

        result.HasTransport = true;
        result.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(udp);
        result.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(udp[2..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (length == 0 && declaredLength > 0xFFFF)
        {
            length = declaredLength; // IPv6 jumbogram
        }

        if (length < 8)
        {
            result.MarkMalformed(MalformedReason.UdpHeader, $"UDP length {length} is below 8");
            length = declaredLength;
        }
        else if (length > declaredLength)
        {
            result.MarkMalformed(MalformedReason.UdpHeader, $"UDP length {length} exceeds the {declaredLength}-byte IP payload");
            length = declaredLength;
        }

        result.PayloadLength = length - 8;
        ReadOnlySpan<byte> payload = udp[8..Math.Min(udp.Length, length)];
        result.CapturedPayloadLength = payload.Length;
        SetPayload(result, payload);

        ushort source = result.SourcePort;
        ushort destination = result.DestinationPort;
        if (destination == VxlanPort)
        {
            DecodeVxlan(payload, result, tunnelDepth);
        }
        else if (source == IkeNatTraversalPort || destination == IkeNatTraversalPort)
        {
            DecodeNatTraversal(payload, result);
        }
        else if (source == IkePort || destination == IkePort)
        {
            DecodeIke(payload, result);
        }
    }

    private static void DecodeNatTraversal(ReadOnlySpan<byte> payload, DecodedPacket result)
    {
        if (payload.Length == 1 && payload[0] == 0xFF)
        {
            result.IsNatKeepalive = true; // RFC 3948 NAT-keepalive
            return;
        }

        if (payload.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(payload) == 0)
        {
            DecodeIke(payload[4..], result); // non-ESP marker, then IKE
            return;
        }

        if (payload.Length >= 8)
        {
            result.IsEsp = true; // ESP in UDP (RFC 3948): SPI, sequence number
            result.EspSpi = BinaryPrimitives.ReadUInt32BigEndian(payload);
        }
    }

    private static void DecodeIke(ReadOnlySpan<byte> ike, DecodedPacket result)
    {
        if (ike.Length < 28)
        {
            return; // not enough for an IKE header; leave it as plain UDP
        }

        byte version = (byte)(ike[17] >> 4);
        if (version is not (1 or 2))
        {
            return;
        }

        result.IsIke = true;
        result.IkeVersion = version;
        result.IkeInitiatorSpi = BinaryPrimitives.ReadUInt64BigEndian(ike);
        result.IkeResponderSpi = BinaryPrimitives.ReadUInt64BigEndian(ike[8..]);
        result.IkeExchangeType = ike[18];
        result.IkeIsResponse = version == 2 && (ike[19] & 0x20) != 0;
        result.IkeMessageId = BinaryPrimitives.ReadUInt32BigEndian(ike[20..]);
    }
}
