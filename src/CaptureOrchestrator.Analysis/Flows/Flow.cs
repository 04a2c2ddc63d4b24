using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>Whether an application-layer analyzer follows a flow.</summary>
internal enum ApplicationTracking : byte
{
    Undecided,
    Tracking,
    Ignored,
}

/// <summary>An ICMP error that quoted a datagram of this flow.</summary>
public sealed record IcmpErrorEvent(long PacketNumber, long TimestampNanoseconds, NetAddress Reporter, byte IpVersion, byte Type, byte Code, int Mtu);

/// <summary>
/// One bidirectional conversation. While the capture is read the <see cref="FlowTable"/> owns
/// it; once finished (closed and idle, evicted, or at the end) it is handed to observers. The
/// table recycles the object after they return: an observer that keeps a flow keeps a
/// <see cref="Snapshot"/>.
/// </summary>
public sealed class Flow
{
    private const int MaxIcmpErrorsKept = 8;
    private List<IcmpErrorEvent>? _icmpErrors;

    internal Flow()
    {
    }

    /// <summary>(Re)starts this object as a new flow; the table recycles finished flows.</summary>
    internal void Initialize(long id, FlowKey key, bool originatorIsA, long packetNumber, long timestampNanoseconds)
    {
        Id = id;
        Key = key;
        OriginatorIsA = originatorIsA;
        FirstPacketNumber = LastPacketNumber = packetNumber;
        FirstNanoseconds = LastNanoseconds = PreviousPacketNanoseconds = timestampNanoseconds;
        Originator = FlowDirection.Create();
        Responder = FlowDirection.Create();
        HandshakeNanoseconds = SynToSynAckNanoseconds = SynAckToAckNanoseconds = SynNanoseconds = SynAckNanoseconds = -1;
        History = default;
        FirstResetPacketNumber = 0;
        FirstResetByOriginator = false;
        IdleBeforeResetNanoseconds = 0;
        ResetAfterClose = false;
        ReuseAfterCloseNanoseconds = 0;
        IcmpErrorCount = 0;
        SynRetriesAfterSynAck = 0;
        _icmpErrors = null;
        FragmentFrames = 0;
        Tls = ApplicationTracking.Undecided;
        LastTouchedPacketNumber = LastMovedPacketNumber = packetNumber;
        Older = Newer = null;
        List = null;
    }

    /// <summary>
    /// A copy that stays valid after observers return (the table reuses the original object).
    /// </summary>
    public Flow Snapshot()
    {
        var copy = (Flow)MemberwiseClone();
        copy._icmpErrors = _icmpErrors is null ? null : [.. _icmpErrors];
        copy.Older = copy.Newer = null;
        copy.List = null;
        return copy;
    }

    /// <summary>Order of creation in this capture (1-based).</summary>
    public long Id { get; private set; }

    public FlowKey Key { get; private set; }

    public byte Protocol => Key.Protocol;

    /// <summary>Endpoint A of the key is the originator (the side that opened the conversation).</summary>
    public bool OriginatorIsA { get; internal set; }

    public NetAddress OriginatorAddress => OriginatorIsA ? Key.AddressA : Key.AddressB;

    public ushort OriginatorPort => OriginatorIsA ? Key.PortA : Key.PortB;

    public NetAddress ResponderAddress => OriginatorIsA ? Key.AddressB : Key.AddressA;

    public ushort ResponderPort => OriginatorIsA ? Key.PortB : Key.PortA;

    public long FirstPacketNumber { get; private set; }

    public long LastPacketNumber { get; internal set; }

    public long FirstNanoseconds { get; private set; }

    public long LastNanoseconds { get; internal set; }

    /// <summary>Time of the packet before the current one (either direction).</summary>
    internal long PreviousPacketNanoseconds { get; set; }

    public FlowDirection Originator;

    public FlowDirection Responder;

    /// <summary>Time from the originator's SYN to its ACK of the SYN-ACK, as seen at the capture point.</summary>
    public long HandshakeNanoseconds { get; internal set; }

    /// <summary>SYN to SYN-ACK: the round trip from the capture point to the responder.</summary>
    public long SynToSynAckNanoseconds { get; internal set; }

    /// <summary>SYN-ACK to ACK: the round trip from the capture point to the originator.</summary>
    public long SynAckToAckNanoseconds { get; internal set; }

    internal long SynNanoseconds { get; set; }

    internal long SynAckNanoseconds { get; set; }

    /// <summary>Zeek-style history letters (a mutable struct: use through the field).</summary>
    public ConnectionHistory History;

    /// <summary>Packet number of the first RST, and who sent it.</summary>
    public long FirstResetPacketNumber { get; internal set; }

    public bool FirstResetByOriginator { get; internal set; }

    /// <summary>
    /// Idle time the first RST ended: the longest silence (no packet in either direction) since the
    /// side that reset last sent data or acknowledged new data. A request after 5 idle minutes that
    /// is reset at once counts as 5 minutes idle.
    /// </summary>
    public long IdleBeforeResetNanoseconds { get; internal set; }

    /// <summary>
    /// The first RST answered new data the other side sent after the resetting side's FIN: the
    /// connection was used after it had been closed (keep-alive reuse race), seconds between the FIN
    /// and that data in <see cref="ReuseAfterCloseNanoseconds"/>.
    /// </summary>
    public bool ResetAfterClose { get; internal set; }

    public long ReuseAfterCloseNanoseconds { get; internal set; }

    public long IcmpErrorCount { get; private set; }

    /// <summary>The originator sent its SYN again after the responder's SYN-ACK: the SYN-ACK never reached it.</summary>
    public int SynRetriesAfterSynAck { get; internal set; }

    public IReadOnlyList<IcmpErrorEvent> IcmpErrors => (IReadOnlyList<IcmpErrorEvent>?)_icmpErrors ?? [];

    /// <summary>Whether the TLS analyzer follows this conversation (decided on its first payload).</summary>
    internal ApplicationTracking Tls { get; set; }

    /// <summary>Frames of this flow that were IP fragments.</summary>
    public long FragmentFrames { get; internal set; }

    public bool IsTcp => Protocol == IpProtocol.Tcp;

    public long TotalPackets => Originator.Packets + Responder.Packets;

    public long TotalIpBytes => Originator.IpBytes + Responder.IpBytes;

    public long Retransmissions => Originator.Retransmissions + Responder.Retransmissions;

    public long DurationNanoseconds => LastNanoseconds - FirstNanoseconds;

    /// <summary>True once both FINs or a RST were seen: later packets are stragglers.</summary>
    internal bool IsClosed => Originator.RstSeen || Responder.RstSeen || (Originator.FinSeen && Responder.FinSeen);

    // Intrusive LRU list maintained by FlowTable.
    internal Flow? Older { get; set; }

    internal Flow? Newer { get; set; }

    internal long LastTouchedPacketNumber { get; set; }

    internal long LastMovedPacketNumber { get; set; }

    internal FlowLruList? List { get; set; }

    public ConnectionState State => ConnectionStateClassifier.Classify(this);

    internal void AddIcmpError(IcmpErrorEvent error)
    {
        IcmpErrorCount++;
        _icmpErrors ??= [];
        if (_icmpErrors.Count < MaxIcmpErrorsKept)
        {
            _icmpErrors.Add(error);
        }
    }

    /// <summary>Swaps originator and responder (the first packet seen was not from the opener).</summary>
    internal void Flip()
    {
        OriginatorIsA = !OriginatorIsA;
        (Originator, Responder) = (Responder, Originator);
        History.Flip();
    }
}
