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
    private NetworkLayer _network;
    private byte[]? _payloadBuffer;
    private DecodedPacket? _outerUdp;
    private bool _hasOuterUdp;

    // --- outcome -----------------------------------------------------------------------------
    /// <summary>An IP header was decoded (the packet can belong to a flow).</summary>
    public bool HasIp { get => _network.HasIp; internal set => _network.HasIp = value; }

    /// <summary>Ports (TCP/UDP) or ICMP type/code were decoded, or known from the first fragment.</summary>
    public bool HasTransport { get => _network.HasTransport; internal set => _network.HasTransport = value; }

    /// <summary>The full TCP header (flags, seq, options) was decoded.</summary>
    public bool HasTcpHeader { get => _network.HasTcpHeader; internal set => _network.HasTcpHeader = value; }

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

    /// <summary>
    /// The outer UDP datagram a UDP-encapsulated tunnel (VXLAN) arrived in, as a packet of its
    /// own; null for other packets. The rest of this packet describes the inner one. The outer
    /// datagram is a conversation too (tshark's conv,udp lists it), so the flow table counts both.
    /// </summary>
    public DecodedPacket? OuterUdp => _hasOuterUdp ? _outerUdp : null;

    public int TunnelDepth { get; internal set; }

    // --- IP ------------------------------------------------------------------------------------
    public byte IpVersion { get => _network.IpVersion; internal set => _network.IpVersion = value; }

    public NetAddress Source { get => _network.Source; internal set => _network.Source = value; }

    public NetAddress Destination { get => _network.Destination; internal set => _network.Destination = value; }

    /// <summary>IP protocol number of the transport (after IPv6 extension headers).</summary>
    public byte Protocol { get => _network.Protocol; internal set => _network.Protocol = value; }

    public byte Ttl { get => _network.Ttl; internal set => _network.Ttl = value; }

    public uint IpIdentification { get => _network.IpIdentification; internal set => _network.IpIdentification = value; }

    public bool DontFragment { get => _network.DontFragment; internal set => _network.DontFragment = value; }

    /// <summary>This frame is an IP fragment (MF set or offset &gt; 0, or an IPv6 fragment header).</summary>
    public bool IsFragment { get => _network.IsFragment; internal set => _network.IsFragment = value; }

    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset { get => _network.FragmentOffset; internal set => _network.FragmentOffset = value; }

    public bool MoreFragments { get => _network.MoreFragments; internal set => _network.MoreFragments = value; }

    /// <summary>This frame completed the reassembly of a fragmented datagram.</summary>
    public bool CompletedReassembly { get => _network.CompletedReassembly; internal set => _network.CompletedReassembly = value; }

    /// <summary>IP datagram length from the header (total length, or IPv6 payload + 40).</summary>
    public int IpLength { get => _network.IpLength; internal set => _network.IpLength = value; }

    // --- transport -----------------------------------------------------------------------------
    public ushort SourcePort { get => _network.SourcePort; internal set => _network.SourcePort = value; }

    public ushort DestinationPort { get => _network.DestinationPort; internal set => _network.DestinationPort = value; }

    /// <summary>Transport payload length according to the headers (may exceed the captured bytes).</summary>
    public int PayloadLength { get => _network.PayloadLength; internal set => _network.PayloadLength = value; }

    public uint Sequence { get => _network.Sequence; internal set => _network.Sequence = value; }

    public uint Acknowledgment { get => _network.Acknowledgment; internal set => _network.Acknowledgment = value; }

    public TcpFlags Flags { get => _network.Flags; internal set => _network.Flags = value; }

    public ushort Window { get => _network.Window; internal set => _network.Window = value; }

    /// <summary>MSS option value; 0 when absent.</summary>
    public ushort Mss { get => _network.Mss; internal set => _network.Mss = value; }

    /// <summary>Window-scale shift; -1 when absent.</summary>
    public sbyte WindowScale { get => _network.WindowScale; internal set => _network.WindowScale = value; }

    public bool SackPermitted { get => _network.SackPermitted; internal set => _network.SackPermitted = value; }

    public byte SackBlocks { get => _network.SackBlocks; internal set => _network.SackBlocks = value; }

    public bool HasTimestamps { get => _network.HasTimestamps; internal set => _network.HasTimestamps = value; }

    public uint TimestampValue { get => _network.TimestampValue; internal set => _network.TimestampValue = value; }

    public uint TimestampEcho { get => _network.TimestampEcho; internal set => _network.TimestampEcho = value; }

    // --- ICMP / ICMPv6 -------------------------------------------------------------------------
    public bool IsIcmp { get => _network.IsIcmp; internal set => _network.IsIcmp = value; }

    public byte IcmpType { get => _network.IcmpType; internal set => _network.IcmpType = value; }

    public byte IcmpCode { get => _network.IcmpCode; internal set => _network.IcmpCode = value; }

    /// <summary>Next-hop MTU of ICMP fragmentation-needed or ICMPv6 packet-too-big; 0 otherwise.</summary>
    public int IcmpMtu { get => _network.IcmpMtu; internal set => _network.IcmpMtu = value; }

    /// <summary>The ICMP error quotes the start of the datagram that caused it.</summary>
    public bool HasQuotedDatagram { get => _network.HasQuotedDatagram; internal set => _network.HasQuotedDatagram = value; }

    public NetAddress QuotedSource { get => _network.QuotedSource; internal set => _network.QuotedSource = value; }

    public NetAddress QuotedDestination { get => _network.QuotedDestination; internal set => _network.QuotedDestination = value; }

    public byte QuotedProtocol { get => _network.QuotedProtocol; internal set => _network.QuotedProtocol = value; }

    public ushort QuotedSourcePort { get => _network.QuotedSourcePort; internal set => _network.QuotedSourcePort = value; }

    public ushort QuotedDestinationPort { get => _network.QuotedDestinationPort; internal set => _network.QuotedDestinationPort = value; }

    // --- IPsec ---------------------------------------------------------------------------------
    /// <summary>ESP (IP protocol 50, or ESP-in-UDP on 4500); SPI in <see cref="EspSpi"/>.</summary>
    public bool IsEsp { get => _network.IsEsp; internal set => _network.IsEsp = value; }

    public uint EspSpi { get => _network.EspSpi; internal set => _network.EspSpi = value; }

    public bool IsNatKeepalive { get => _network.IsNatKeepalive; internal set => _network.IsNatKeepalive = value; }

    public bool IsIke { get => _network.IsIke; internal set => _network.IsIke = value; }

    /// <summary>IKE major version (1 or 2).</summary>
    public byte IkeVersion { get => _network.IkeVersion; internal set => _network.IkeVersion = value; }

    public byte IkeExchangeType { get => _network.IkeExchangeType; internal set => _network.IkeExchangeType = value; }

    /// <summary>IKEv2 "response" flag.</summary>
    public bool IkeIsResponse { get => _network.IkeIsResponse; internal set => _network.IkeIsResponse = value; }

    public ulong IkeInitiatorSpi { get => _network.IkeInitiatorSpi; internal set => _network.IkeInitiatorSpi = value; }

    public ulong IkeResponderSpi { get => _network.IkeResponderSpi; internal set => _network.IkeResponderSpi = value; }

    public uint IkeMessageId { get => _network.IkeMessageId; internal set => _network.IkeMessageId = value; }

    /// <summary>Transport payload bytes actually present in the capture.</summary>
    public int CapturedPayloadLength { get => _network.CapturedPayloadLength; internal set => _network.CapturedPayloadLength = value; }

    /// <summary>The captured TCP/UDP payload (valid until the next packet is decoded).</summary>
    public ReadOnlyMemory<byte> Payload => _network.PayloadStart < 0 || _payloadBuffer is null
        ? ReadOnlyMemory<byte>.Empty
        : new ReadOnlyMemory<byte>(_payloadBuffer, _network.PayloadStart, _network.CapturedPayloadLength);

    /// <summary>The array the payload lives in (the frame's buffer, or a reassembly buffer).</summary>
    internal byte[]? PayloadBuffer => _network.PayloadStart < 0 ? null : _payloadBuffer;

    /// <summary>
    /// Points the payload at <paramref name="buffer"/>; the reference is stored only when it
    /// changes (consecutive packets share the reader's buffer), so there is no GC write barrier per packet.
    /// </summary>
    internal void SetPayload(byte[] buffer, int start)
    {
        if (!ReferenceEquals(_payloadBuffer, buffer))
        {
            _payloadBuffer = buffer;
        }

        _network.PayloadStart = start;
    }

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
        _hasOuterUdp = false;
        ResetNetworkLayers();
    }

    /// <summary>Keeps the current (outer) IP and UDP headers as <see cref="OuterUdp"/> before a tunnel replaces them; the outermost wins.</summary>
    internal void KeepOuterUdp()
    {
        if (_hasOuterUdp)
        {
            return;
        }

        _outerUdp ??= new DecodedPacket();
        _outerUdp.Reset();
        _outerUdp._network = _network;
        _outerUdp._network.PayloadStart = -1; // its payload is the tunnel: not for the application-layer parsers
        _hasOuterUdp = true;
    }

    /// <summary>Clears what an inner (tunnelled) IP header replaces; keeps link, tunnel and error facts.</summary>
    internal void ResetNetworkLayers()
    {
        // One block clear instead of ~50 stores: this runs for every packet (and every tunnel layer).
        _network = default;
        _network.WindowScale = -1;
        _network.PayloadStart = -1;
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

    /// <summary>Everything an inner (tunnelled) IP header replaces, kept together so it resets at once.</summary>
    private struct NetworkLayer
    {
        public bool HasIp;
        public bool HasTransport;
        public bool HasTcpHeader;
        public byte IpVersion;
        public NetAddress Source;
        public NetAddress Destination;
        public byte Protocol;
        public byte Ttl;
        public uint IpIdentification;
        public bool DontFragment;
        public bool IsFragment;
        public int FragmentOffset;
        public bool MoreFragments;
        public bool CompletedReassembly;
        public int IpLength;
        public ushort SourcePort;
        public ushort DestinationPort;
        public int PayloadLength;
        public uint Sequence;
        public uint Acknowledgment;
        public TcpFlags Flags;
        public ushort Window;
        public ushort Mss;
        public sbyte WindowScale;
        public bool SackPermitted;
        public byte SackBlocks;
        public bool HasTimestamps;
        public uint TimestampValue;
        public uint TimestampEcho;
        public bool IsIcmp;
        public byte IcmpType;
        public byte IcmpCode;
        public int IcmpMtu;
        public bool HasQuotedDatagram;
        public NetAddress QuotedSource;
        public NetAddress QuotedDestination;
        public byte QuotedProtocol;
        public ushort QuotedSourcePort;
        public ushort QuotedDestinationPort;
        public bool IsEsp;
        public uint EspSpi;
        public bool IsNatKeepalive;
        public bool IsIke;
        public byte IkeVersion;
        public byte IkeExchangeType;
        public bool IkeIsResponse;
        public ulong IkeInitiatorSpi;
        public ulong IkeResponderSpi;
        public uint IkeMessageId;
        public int CapturedPayloadLength;
        public int PayloadStart;
    }
}
