using System.Buffers.Binary;
using System.Runtime.InteropServices;
using CaptureOrchestrator.Analysis.Capture;

namespace CaptureOrchestrator.Analysis.Decoding;

/// <summary>
/// Decodes a frame from its link layer down to the innermost transport header. Every read is
/// bounds-checked: hostile or damaged bytes end up in <see cref="DecodedPacket.Malformed"/>,
/// never in an exception. Tunnels (GRE, VXLAN, IP-in-IP, ERSPAN) are followed so the packet is
/// attributed to the inner conversation; IP fragments are reassembled.
/// </summary>
public sealed partial class PacketDecoder
{
    private const int MaxTunnelDepth = 4;
    private const int MaxVlanTags = 8;

    private readonly FragmentReassembler _reassembler;
    private byte[] _frameArray = [];
    private int _frameStart;
    private int _frameLength;
    private byte[] _scratch = [];
    private bool _frameTruncated;
    private long _timestampNanoseconds;

    public PacketDecoder(FragmentReassemblerOptions? fragmentOptions = null)
    {
        _reassembler = new FragmentReassembler(fragmentOptions ?? new FragmentReassemblerOptions());
    }

    public FragmentStatistics Fragments => _reassembler.Statistics;

    /// <summary>Decodes <paramref name="frameMemory"/> into <paramref name="result"/> (which is reset first).</summary>
    /// <param name="frameMemory">Captured bytes (memory, so fragment reassembly and payloads can refer to them).</param>
    /// <param name="linkType">LINKTYPE_* of the interface.</param>
    /// <param name="frameTruncated">The capture kept fewer bytes than were on the wire.</param>
    /// <param name="timestampNanoseconds">Packet time; used to expire incomplete fragment reassemblies.</param>
    /// <param name="result">Receives the decoded fields.</param>
    public void Decode(ReadOnlyMemory<byte> frameMemory, int linkType, bool frameTruncated, long timestampNanoseconds, DecodedPacket result)
    {
        result.Reset();
        RememberFrame(frameMemory);
        ReadOnlySpan<byte> frame = _frameArray.AsSpan(_frameStart, _frameLength);
        _frameTruncated = frameTruncated;
        _timestampNanoseconds = timestampNanoseconds;

        switch (linkType)
        {
            case (int)LinkType.Ethernet:
                DecodeEthernet(frame, 0, result, tunnelDepth: 0);
                break;
            case (int)LinkType.Raw:
            case (int)LinkType.RawDlt12:
            case (int)LinkType.RawDlt14:
                DecodeIpByVersion(frame, 0, result, tunnelDepth: 0);
                break;
            case (int)LinkType.Ipv4:
                DecodeIpv4(frame, 0, result, tunnelDepth: 0);
                break;
            case (int)LinkType.Ipv6:
                DecodeIpv6(frame, 0, result, tunnelDepth: 0);
                break;
            case (int)LinkType.LinuxSll:
                DecodeLinuxSll(frame, result);
                break;
            case (int)LinkType.LinuxSll2:
                DecodeLinuxSll2(frame, result);
                break;
            case (int)LinkType.Null:
            case (int)LinkType.Loop:
                DecodeLoopback(frame, result, networkOrder: linkType == (int)LinkType.Loop);
                break;
            default:
                result.NonIpEtherType = 0xFFFF;
                break;
        }
    }

    /// <summary>Keeps the array behind the frame so payloads can be handed out as slices of it.</summary>
    private void RememberFrame(ReadOnlyMemory<byte> frame)
    {
        if (!MemoryMarshal.TryGetArray(frame, out ArraySegment<byte> segment) || segment.Array is null)
        {
            // Not array-backed (never the case for our readers): work on a copy.
            if (_scratch.Length < frame.Length)
            {
                _scratch = new byte[Math.Max(frame.Length, 2048)];
            }

            frame.Span.CopyTo(_scratch);
            segment = new ArraySegment<byte>(_scratch, 0, frame.Length);
        }

        if (!ReferenceEquals(_frameArray, segment.Array))
        {
            _frameArray = segment.Array!;
        }

        _frameStart = segment.Offset;
        _frameLength = segment.Count;
    }

    /// <summary>
    /// Records where a payload span found while decoding lives: in the frame's array, or in the
    /// reassembled datagram. Both stay valid until the next <see cref="Decode"/>.
    /// </summary>
    private void SetPayload(DecodedPacket result, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return;
        }

        if (_frameArray.AsSpan(_frameStart, _frameLength).Overlaps(payload, out int offset))
        {
            result.SetPayload(_frameArray, _frameStart + offset);
        }
        else if (_reassembler.CompletedArray is { } reassembled && reassembled.AsSpan().Overlaps(payload, out offset))
        {
            result.SetPayload(reassembled, offset);
        }
    }

    /// <summary>Ends the capture: datagrams still waiting for fragments count as incomplete.</summary>
    public void Complete() => _reassembler.ExpireAll();

    private bool Short(DecodedPacket result, MalformedReason reason, string detail)
    {
        if (_frameTruncated)
        {
            result.HeaderTruncatedByCapture = true;
        }
        else
        {
            result.MarkMalformed(reason, detail);
        }

        return false;
    }

    // ---------------------------------------------------------------------------------- link

    private void DecodeEthernet(ReadOnlySpan<byte> frame, int offset, DecodedPacket result, int tunnelDepth)
    {
        if (frame.Length - offset < 14)
        {
            Short(result, MalformedReason.LinkHeader, $"Ethernet header needs 14 bytes, {frame.Length - offset} present");
            return;
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 12)..]);
        DecodeEtherPayload(frame, offset + 14, type, result, tunnelDepth);
    }

    private void DecodeEtherPayload(ReadOnlySpan<byte> frame, int offset, ushort type, DecodedPacket result, int tunnelDepth)
    {
        while (type is EtherType.Vlan or EtherType.QinQ or EtherType.QinQLegacy)
        {
            if (frame.Length - offset < 4)
            {
                Short(result, MalformedReason.LinkHeader, "802.1Q tag cut short");
                return;
            }

            if (++result.VlanCount > MaxVlanTags)
            {
                result.MarkMalformed(MalformedReason.LinkHeader, $"more than {MaxVlanTags} VLAN tags");
                return;
            }

            if (result.VlanCount == 1)
            {
                result.OuterVlanId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]) & 0x0FFF);
            }

            type = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
            offset += 4;
        }

        switch (type)
        {
            case EtherType.Ipv4:
                DecodeIpv4(frame, offset, result, tunnelDepth);
                break;
            case EtherType.Ipv6:
                DecodeIpv6(frame, offset, result, tunnelDepth);
                break;
            case EtherType.Mpls:
            case EtherType.MplsMulticast:
                DecodeMpls(frame, offset, result, tunnelDepth);
                break;
            case EtherType.PppoeSession:
                if (frame.Length - offset < 8)
                {
                    Short(result, MalformedReason.LinkHeader, "PPPoE header cut short");
                    return;
                }

                DecodePpp(frame, offset + 6, result, tunnelDepth);
                break;
            default:
                // ARP, LLDP, 802.3 length fields (< 0x0600) and the like carry no IP.
                result.NonIpEtherType = type;
                break;
        }
    }

    private void DecodeMpls(ReadOnlySpan<byte> frame, int offset, DecodedPacket result, int tunnelDepth)
    {
        for (int labels = 0; labels < 16; labels++)
        {
            if (frame.Length - offset < 4)
            {
                Short(result, MalformedReason.LinkHeader, "MPLS label stack cut short");
                return;
            }

            bool bottom = (frame[offset + 2] & 0x01) != 0;
            offset += 4;
            if (bottom)
            {
                DecodeIpByVersion(frame, offset, result, tunnelDepth);
                return;
            }
        }

        result.MarkMalformed(MalformedReason.LinkHeader, "MPLS label stack deeper than 16");
    }

    private void DecodePpp(ReadOnlySpan<byte> frame, int offset, DecodedPacket result, int tunnelDepth)
    {
        if (frame.Length - offset >= 2 && frame[offset] == 0xFF && frame[offset + 1] == 0x03)
        {
            offset += 2; // address and control fields (HDLC framing)
        }

        if (frame.Length - offset < 1)
        {
            Short(result, MalformedReason.LinkHeader, "PPP protocol field missing");
            return;
        }

        ushort protocol;
        if ((frame[offset] & 0x01) != 0)
        {
            protocol = frame[offset]; // protocol-field compression
            offset += 1;
        }
        else if (frame.Length - offset >= 2)
        {
            protocol = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
            offset += 2;
        }
        else
        {
            Short(result, MalformedReason.LinkHeader, "PPP protocol field cut short");
            return;
        }

        switch (protocol)
        {
            case 0x0021:
                DecodeIpv4(frame, offset, result, tunnelDepth);
                break;
            case 0x0057:
                DecodeIpv6(frame, offset, result, tunnelDepth);
                break;
            default:
                result.NonIpEtherType = EtherType.Ppp;
                break;
        }
    }

    private void DecodeLinuxSll(ReadOnlySpan<byte> frame, DecodedPacket result)
    {
        if (frame.Length < 16)
        {
            Short(result, MalformedReason.LinkHeader, $"Linux cooked (SLL) header needs 16 bytes, {frame.Length} present");
            return;
        }

        DecodeCookedProtocol(frame, 16, BinaryPrimitives.ReadUInt16BigEndian(frame[2..]), BinaryPrimitives.ReadUInt16BigEndian(frame[14..]), result);
    }

    private void DecodeLinuxSll2(ReadOnlySpan<byte> frame, DecodedPacket result)
    {
        if (frame.Length < 20)
        {
            Short(result, MalformedReason.LinkHeader, $"Linux cooked (SLL2) header needs 20 bytes, {frame.Length} present");
            return;
        }

        DecodeCookedProtocol(frame, 20, BinaryPrimitives.ReadUInt16BigEndian(frame[8..]), BinaryPrimitives.ReadUInt16BigEndian(frame), result);
    }

    private void DecodeCookedProtocol(ReadOnlySpan<byte> frame, int offset, ushort arpHardwareType, ushort protocol, DecodedPacket result)
    {
        const ushort ArphrdIpGre = 778;
        if (arpHardwareType == ArphrdIpGre && protocol == EtherType.TransparentEthernetBridging)
        {
            DecodeEthernet(frame, offset, result, tunnelDepth: 0);
            return;
        }

        DecodeEtherPayload(frame, offset, protocol, result, tunnelDepth: 0);
    }

    private void DecodeLoopback(ReadOnlySpan<byte> frame, DecodedPacket result, bool networkOrder)
    {
        if (frame.Length < 4)
        {
            Short(result, MalformedReason.LinkHeader, $"loopback header needs 4 bytes, {frame.Length} present");
            return;
        }

        // DLT_NULL stores the address family in the capturing host's byte order, which the
        // file does not record: accept whichever order gives a small value.
        uint family = networkOrder ? BinaryPrimitives.ReadUInt32BigEndian(frame) : BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (family > 0xFFFF)
        {
            family = BinaryPrimitives.ReverseEndianness(family);
        }

        switch (family)
        {
            case 2: // AF_INET everywhere
                DecodeIpv4(frame, 4, result, tunnelDepth: 0);
                break;
            case 10: // AF_INET6 on Linux
            case 24: // NetBSD, OpenBSD
            case 28: // FreeBSD
            case 30: // macOS
                DecodeIpv6(frame, 4, result, tunnelDepth: 0);
                break;
            default:
                result.NonIpEtherType = 0xFFFE;
                break;
        }
    }
}
