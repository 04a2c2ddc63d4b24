namespace CaptureOrchestrator.Analysis.Decoding;

[Flags]
public enum TcpFlags : ushort
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
    Ece = 0x40,
    Cwr = 0x80,
    Ns = 0x100,
}

public enum TunnelKind : byte
{
    None,
    Gre,
    Vxlan,
    IpInIp,
    Erspan,
}

/// <summary>What the decoder made of one frame. One instance is reused for every packet.</summary>
public sealed class DecodedPacket
{
    // --- outcome -----------------------------------------------------------------------------
    /// <summary>An IP header was decoded (the packet can belong to a flow).</summary>
    public bool HasIp { get; internal set; }

    /// <summary>Ports (TCP/UDP) or ICMP type/code were decoded, or known from the first fragment.</summary>
    public bool HasTransport { get; internal set; }

    /// <summary>The full TCP header (flags, seq, options) was decoded.</summary>
    public bool HasTcpHeader { get; internal set; }

    /// <summary>Set when the bytes contradict the protocol; <see cref="MalformedDetail"/> explains.</summary>
    public MalformedReason Malformed { get; internal set; }

    public string? MalformedDetail { get; internal set; }

    /// <summary>A header the decoder needed was cut off by the capture's snap length (not an error).</summary>
    public bool HeaderTruncatedByCapture { get; internal set; }

    /// <summary>Link or network protocol the decoder does not analyse (ARP, LLDP, ...).</summary>
    public ushort NonIpEtherType { get; internal set; }

    // --- link ----------------------------------------------------------------------------------
    public int VlanCount { get; internal set; }

    public ushort OuterVlanId { get; internal set; }

    // --- tunnels -------------------------------------------------------------------------------
    public TunnelKind Tunnel { get; internal set; }

    public int TunnelDepth { get; internal set; }

    // --- IP ------------------------------------------------------------------------------------
    public byte IpVersion { get; internal set; }

    public NetAddress Source { get; internal set; }

    public NetAddress Destination { get; internal set; }

    /// <summary>IP protocol number of the transport (after IPv6 extension headers).</summary>
    public byte Protocol { get; internal set; }

    public byte Ttl { get; internal set; }

    public uint IpIdentification { get; internal set; }

    public bool DontFragment { get; internal set; }

    /// <summary>This frame is an IP fragment (MF set or offset &gt; 0, or an IPv6 fragment header).</summary>
    public bool IsFragment { get; internal set; }

    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset { get; internal set; }

    public bool MoreFragments { get; internal set; }

    /// <summary>This frame completed the reassembly of a fragmented datagram.</summary>
    public bool CompletedReassembly { get; internal set; }

    /// <summary>IP datagram length from the header (total length, or IPv6 payload + 40).</summary>
    public int IpLength { get; internal set; }

    // --- transport -----------------------------------------------------------------------------
    public ushort SourcePort { get; internal set; }

    public ushort DestinationPort { get; internal set; }

    /// <summary>Transport payload length according to the headers (may exceed the captured bytes).</summary>
    public int PayloadLength { get; internal set; }

    public uint Sequence { get; internal set; }

    public uint Acknowledgment { get; internal set; }

    public TcpFlags Flags { get; internal set; }

    public ushort Window { get; internal set; }

    /// <summary>MSS option value; 0 when absent.</summary>
    public ushort Mss { get; internal set; }

    /// <summary>Window-scale shift; -1 when absent.</summary>
    public sbyte WindowScale { get; internal set; }

    public bool SackPermitted { get; internal set; }

    public byte SackBlocks { get; internal set; }

    public bool HasTimestamps { get; internal set; }

    public uint TimestampValue { get; internal set; }

    public uint TimestampEcho { get; internal set; }

    // --- ICMP / ICMPv6 -------------------------------------------------------------------------
    public bool IsIcmp { get; internal set; }

    public byte IcmpType { get; internal set; }

    public byte IcmpCode { get; internal set; }

    /// <summary>Next-hop MTU of ICMP fragmentation-needed or ICMPv6 packet-too-big; 0 otherwise.</summary>
    public int IcmpMtu { get; internal set; }

    /// <summary>The ICMP error quotes the start of the datagram that caused it.</summary>
    public bool HasQuotedDatagram { get; internal set; }

    public NetAddress QuotedSource { get; internal set; }

    public NetAddress QuotedDestination { get; internal set; }

    public byte QuotedProtocol { get; internal set; }

    public ushort QuotedSourcePort { get; internal set; }

    public ushort QuotedDestinationPort { get; internal set; }

    // --- IPsec ---------------------------------------------------------------------------------
    /// <summary>ESP (IP protocol 50, or ESP-in-UDP on 4500); SPI in <see cref="EspSpi"/>.</summary>
    public bool IsEsp { get; internal set; }

    public uint EspSpi { get; internal set; }

    public bool IsNatKeepalive { get; internal set; }

    public bool IsIke { get; internal set; }

    /// <summary>IKE major version (1 or 2).</summary>
    public byte IkeVersion { get; internal set; }

    public byte IkeExchangeType { get; internal set; }

    /// <summary>IKEv2 "response" flag.</summary>
    public bool IkeIsResponse { get; internal set; }

    public ulong IkeInitiatorSpi { get; internal set; }

    public ulong IkeResponderSpi { get; internal set; }

    public uint IkeMessageId { get; internal set; }

    /// <summary>Transport payload bytes actually present in the capture.</summary>
    public int CapturedPayloadLength { get; internal set; }

    /// <summary>The captured TCP/UDP payload (valid until the next packet is decoded).</summary>
    public ReadOnlyMemory<byte> Payload { get; internal set; }

    internal void Reset()
    {
        Malformed = MalformedReason.None;
        MalformedDetail = null;
        HeaderTruncatedByCapture = false;
        NonIpEtherType = 0;
        VlanCount = 0;
        OuterVlanId = 0;
        Tunnel = TunnelKind.None;
        TunnelDepth = 0;
        ResetNetworkLayers();
    }

    /// <summary>Clears what an inner (tunnelled) IP header replaces; keeps link, tunnel and error facts.</summary>
    internal void ResetNetworkLayers()
    {
        HasIp = HasTransport = HasTcpHeader = false;
        IpVersion = 0;
        Source = Destination = default;
        Protocol = Ttl = 0;
        IpIdentification = 0;
        DontFragment = IsFragment = MoreFragments = CompletedReassembly = false;
        FragmentOffset = IpLength = 0;
        SourcePort = DestinationPort = 0;
        PayloadLength = CapturedPayloadLength = 0;
        Payload = ReadOnlyMemory<byte>.Empty;
        Sequence = Acknowledgment = 0;
        Flags = TcpFlags.None;
        Window = Mss = 0;
        WindowScale = -1;
        SackPermitted = HasTimestamps = false;
        SackBlocks = 0;
        TimestampValue = TimestampEcho = 0;
        IsIcmp = HasQuotedDatagram = false;
        IcmpType = IcmpCode = 0;
        IcmpMtu = 0;
        QuotedSource = QuotedDestination = default;
        QuotedProtocol = 0;
        QuotedSourcePort = QuotedDestinationPort = 0;
        IsEsp = IsNatKeepalive = IsIke = IkeIsResponse = false;
        EspSpi = 0;
        IkeVersion = IkeExchangeType = 0;
        IkeInitiatorSpi = IkeResponderSpi = 0;
        IkeMessageId = 0;
    }

    internal void MarkMalformed(MalformedReason reason, string detail)
    {
        // Keep the first problem: later layers often fail because of it.
        if (Malformed == MalformedReason.None)
        {
            Malformed = reason;
            MalformedDetail = detail;
        }
    }
}
