using System.Buffers.Binary;
using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Scenarios;

/// <summary>An address and port.</summary>
public readonly record struct Endpoint(NetAddress Address, ushort Port)
{
    /// <summary>Parses "10.0.0.4:443" or "[2001:db8::1]:443".</summary>
    public static Endpoint Parse(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            throw new FormatException($"'{text}' is not address:port");
        }

        string address = text[..colon].Trim('[', ']');
        return new Endpoint(NetAddress.Parse(address), ushort.Parse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public override string ToString() => Address.IsIPv4 ? $"{Address}:{Port}" : $"[{Address}]:{Port}";
}

/// <summary>Fields of one TCP segment to build.</summary>
public readonly record struct TcpSegment(
    Endpoint Source,
    Endpoint Destination,
    uint Sequence,
    uint Acknowledgment,
    TcpFlags Flags,
    int PayloadLength,
    ushort Window = 65_535,
    ushort Mss = 0,
    sbyte WindowScale = -1,
    bool SackPermitted = false,
    bool DontFragment = true,
    ushort IpId = 0,
    byte Ttl = 64);

/// <summary>
/// Builds complete Ethernet frames (IPv4 or IPv6; TCP, UDP, ICMP) with valid checksums into a
/// caller-supplied buffer, so generating a gigabyte of traffic allocates nothing per packet.
/// </summary>
public static class PacketFactory
{
    public const int MaxFrame = 14 + 40 + 60 + 65_535;
    private static readonly byte[] ClientMac = [0x00, 0x0d, 0x3a, 0x00, 0x00, 0x01];
    private static readonly byte[] ServerMac = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc];

    /// <summary>A TCP segment carrying <paramref name="payload"/> (its length overrides <see cref="TcpSegment.PayloadLength"/>).</summary>
    public static int Tcp(Span<byte> frame, in TcpSegment segment, ReadOnlySpan<byte> payload)
    {
        TcpSegment sized = segment with { PayloadLength = payload.Length };
        int length = Tcp(frame, sized, fill: false);
        payload.CopyTo(frame[(length - payload.Length)..]);
        Span<byte> tcp = frame[(length - payload.Length - TcpHeaderLength(sized))..length];
        WriteTransportChecksum(tcp, 16, sized.Source.Address, sized.Destination.Address, IpProtocol.Tcp);
        return length;
    }

    public static int Tcp(Span<byte> frame, in TcpSegment segment) => Tcp(frame, segment, fill: true);

    private static int TcpHeaderLength(in TcpSegment segment) =>
        20 + (segment.Mss != 0 ? 4 : 0) + (segment.WindowScale >= 0 ? 4 : 0) + (segment.SackPermitted ? 4 : 0);

    private static int Tcp(Span<byte> frame, in TcpSegment segment, bool fill)
    {
        int optionsLength = (segment.Mss != 0 ? 4 : 0) + (segment.WindowScale >= 0 ? 4 : 0) + (segment.SackPermitted ? 4 : 0);
        int tcpLength = 20 + optionsLength + segment.PayloadLength;
        int ipStart = WriteEthernet(frame, segment.Source.Address.IsIPv4);
        int tcpStart = WriteIp(frame, ipStart, segment.Source.Address, segment.Destination.Address, IpProtocol.Tcp, tcpLength, segment.DontFragment, segment.IpId, segment.Ttl);
        Span<byte> tcp = frame.Slice(tcpStart, tcpLength);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, segment.Source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], segment.Destination.Port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], segment.Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], segment.Acknowledgment);
        tcp[12] = (byte)(((20 + optionsLength) / 4) << 4 | (((ushort)segment.Flags >> 8) & 0x01));
        tcp[13] = (byte)segment.Flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], segment.Window);
        tcp[16] = tcp[17] = tcp[18] = tcp[19] = 0;
        int o = 20;
        if (segment.Mss != 0)
        {
            tcp[o] = 2;
            tcp[o + 1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(tcp[(o + 2)..], segment.Mss);
            o += 4;
        }

        if (segment.SackPermitted)
        {
            tcp[o] = 1;
            tcp[o + 1] = 1;
            tcp[o + 2] = 4;
            tcp[o + 3] = 2;
            o += 4;
        }

        if (segment.WindowScale >= 0)
        {
            tcp[o] = 1;
            tcp[o + 1] = 3;
            tcp[o + 2] = 3;
            tcp[o + 3] = (byte)segment.WindowScale;
            o += 4;
        }

        if (fill)
        {
            FillPayload(tcp[o..], segment.Sequence);
        }

        WriteTransportChecksum(tcp, 16, segment.Source.Address, segment.Destination.Address, IpProtocol.Tcp);
        return tcpStart + tcpLength;
    }

    public static int Udp(Span<byte> frame, Endpoint source, Endpoint destination, ReadOnlySpan<byte> payload, ushort ipId = 0)
    {
        int udpLength = 8 + payload.Length;
        int ipStart = WriteEthernet(frame, source.Address.IsIPv4);
        int udpStart = WriteIp(frame, ipStart, source.Address, destination.Address, IpProtocol.Udp, udpLength, dontFragment: false, ipId, ttl: 64);
        Span<byte> udp = frame.Slice(udpStart, udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        udp[6] = udp[7] = 0;
        payload.CopyTo(udp[8..]);
        WriteTransportChecksum(udp, 6, source.Address, destination.Address, IpProtocol.Udp);
        return udpStart + udpLength;
    }

    /// <summary>A basic GRE packet (no checksum, key or sequence) of <paramref name="protocolType"/> carrying <paramref name="payload"/>.</summary>
    public static int Gre(Span<byte> frame, NetAddress source, NetAddress destination, ushort protocolType, ReadOnlySpan<byte> payload)
    {
        int greLength = 4 + payload.Length;
        int ipStart = WriteEthernet(frame, source.IsIPv4);
        int greStart = WriteIp(frame, ipStart, source, destination, IpProtocol.Gre, greLength, dontFragment: false, ipId: 0, ttl: 64);
        Span<byte> gre = frame.Slice(greStart, greLength);
        gre[0] = gre[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(gre[2..], protocolType);
        payload.CopyTo(gre[4..]);
        return greStart + greLength;
    }

    /// <summary>An ICMP (v4) or ICMPv6 error from <paramref name="reporter"/> quoting the start of <paramref name="offendingFrame"/>.</summary>
    public static int IcmpError(Span<byte> frame, NetAddress reporter, NetAddress destination, byte type, byte code, int mtu, ReadOnlySpan<byte> offendingFrame)
    {
        bool v4 = reporter.IsIPv4;
        ReadOnlySpan<byte> quotedIp = offendingFrame[14..];
        int quoteLength = Math.Min(quotedIp.Length, v4 ? 28 + 20 : 1232);
        int icmpLength = 8 + quoteLength;
        int ipStart = WriteEthernet(frame, v4);
        byte protocol = v4 ? IpProtocol.Icmp : IpProtocol.Icmpv6;
        int icmpStart = WriteIp(frame, ipStart, reporter, destination, protocol, icmpLength, dontFragment: false, ipId: 0, ttl: 255);
        Span<byte> icmp = frame.Slice(icmpStart, icmpLength);
        icmp[0] = type;
        icmp[1] = code;
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], 0);
        if (v4 && type == 3 && code == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], (ushort)mtu);
        }
        else if (!v4 && type == 2)
        {
            BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], (uint)mtu);
        }

        quotedIp[..quoteLength].CopyTo(icmp[8..]);
        if (v4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp, 0));
        }
        else
        {
            WriteTransportChecksum(icmp, 2, reporter, destination, IpProtocol.Icmpv6);
        }

        return icmpStart + icmpLength;
    }

    /// <summary>Splits an Ethernet/IPv4 frame into IPv4 fragments of at most <paramref name="fragmentPayload"/> bytes (a multiple of 8).</summary>
    public static List<byte[]> FragmentIpv4(ReadOnlySpan<byte> frame, int fragmentPayload)
    {
        const int Headers = 14 + 20;
        fragmentPayload &= ~7;
        ReadOnlySpan<byte> payload = frame[Headers..];
        var fragments = new List<byte[]>();
        for (int offset = 0; offset < payload.Length; offset += fragmentPayload)
        {
            int length = Math.Min(fragmentPayload, payload.Length - offset);
            byte[] fragment = new byte[Headers + length];
            frame[..Headers].CopyTo(fragment);
            payload.Slice(offset, length).CopyTo(fragment.AsSpan(Headers));
            Span<byte> ip = fragment.AsSpan(14, 20);
            bool more = offset + length < payload.Length;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + length));
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], (ushort)((more ? 0x2000 : 0) | (offset / 8)));
            ip[10] = ip[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip, 0));
            fragments.Add(fragment);
        }

        return fragments;
    }

    private static int WriteEthernet(Span<byte> frame, bool ipv4)
    {
        ClientMac.CopyTo(frame);
        ServerMac.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], ipv4 ? (ushort)0x0800 : (ushort)0x86DD);
        return 14;
    }

    private static int WriteIp(Span<byte> frame, int start, NetAddress source, NetAddress destination, byte protocol, int payloadLength, bool dontFragment, ushort ipId, byte ttl)
    {
        Span<byte> ip = frame[start..];
        if (source.IsIPv4)
        {
            ip[0] = 0x45;
            ip[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + payloadLength));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], ipId);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
            ip[8] = ttl;
            ip[9] = protocol;
            ip[10] = ip[11] = 0;
            source.WriteBytes(ip[12..]);
            destination.WriteBytes(ip[16..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..20], 0));
            return start + 20;
        }

        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)payloadLength);
        ip[6] = protocol;
        ip[7] = ttl;
        source.WriteBytes(ip[8..]);
        destination.WriteBytes(ip[24..]);
        return start + 40;
    }

    private static void FillPayload(Span<byte> payload, uint seed)
    {
        // Deterministic, cheap, not all zeros (compressors and dedup must not flatter benchmarks).
        byte value = (byte)seed;
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = value;
            value = (byte)(value * 13 + 7);
        }
    }

    private static void WriteTransportChecksum(Span<byte> segment, int checksumOffset, NetAddress source, NetAddress destination, byte protocol)
    {
        Span<byte> pseudo = stackalloc byte[40];
        int n = source.WriteBytes(pseudo);
        destination.WriteBytes(pseudo[n..]);
        uint sum = Sum(pseudo[..(2 * n)], 0) + protocol + (uint)segment.Length;
        segment[checksumOffset] = segment[checksumOffset + 1] = 0;
        ushort checksum = Checksum(segment, sum);
        if (checksum == 0 && protocol == IpProtocol.Udp)
        {
            checksum = 0xFFFF;
        }

        BinaryPrimitives.WriteUInt16BigEndian(segment[checksumOffset..], checksum);
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        uint sum = Sum(data, initial);
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static uint Sum(ReadOnlySpan<byte> data, uint sum)
    {
        int i = 0;
        ulong wide = sum;
        for (; i + 1 < data.Length; i += 2)
        {
            wide += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            wide += (uint)data[i] << 8;
        }

        while ((wide >> 16) != 0)
        {
            wide = (wide & 0xFFFF) + (wide >> 16);
        }

        return (uint)wide;
    }
}
