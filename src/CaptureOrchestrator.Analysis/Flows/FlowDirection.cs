namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Counters and TCP sequence state for one direction of a flow. Kept compact (event counters
/// are 32-bit) because hundreds of thousands of flows can be live at once.
/// </summary>
public struct FlowDirection
{
    public long Packets;
    public long IpBytes;
    public long PayloadBytes;

    /// <summary>Time of the first segment carrying payload (0 = none): time to first byte.</summary>
    public long FirstPayloadNanoseconds;

    public int Retransmissions;
    public int OutOfOrder;
    public int DuplicateAcks;
    public int ZeroWindows;
    public int KeepAlives;
    public int DuplicateFrames;

    /// <summary>Sequence gaps seen (a segment before this one was not captured).</summary>
    public int SequenceGaps;
    public int DontFragmentPackets;
    public int LargestSegment;

    /// <summary>Data segments that filled the receiver's advertised window exactly (sender must stop: "window full").</summary>
    public int WindowFullSegments;

    /// <summary>Segments carrying payload (the denominator of the retransmission rate).</summary>
    public int DataSegments;

    /// <summary>Retransmissions of data the receiver had already acknowledged.</summary>
    public int SpuriousRetransmissions;

    /// <summary>Most times one segment was sent again in a row (RTO backoff shows as 3+).</summary>
    public int MaxResendsOfOneSegment;

    /// <summary>The gaps between resends of one segment grew (exponential RTO backoff).</summary>
    public bool BackoffSeen;

    /// <summary>Retransmitted segments of at least <see cref="LargeSegmentBytes"/> payload with DF set.</summary>
    public int LargeSegmentRetransmissions;

    /// <summary>Sequence number of the first large DF segment sent (valid when <see cref="LargeSegmentSent"/>).</summary>
    public uint FirstLargeSegmentSequence;
    public bool LargeSegmentSent;

    public long FirstRetransmissionPacket;
    public long FirstZeroWindowPacket;

    /// <summary>Payload size from which a lost segment points at the path MTU.</summary>
    public const int LargeSegmentBytes = 1200;
    public ushort Mss;
    public sbyte WindowScale;
    public bool SackPermitted;

    // TCP, as sent by this side.
    public bool SynSeen;
    public bool SynAckSeen;
    public bool FinSeen;
    public bool RstSeen;

    internal bool SequenceKnown;
    internal bool AckKnown;
    internal ushort LastWindow;
    internal ushort LastFlags;
    internal ushort LastIpId;
    internal uint InitialSequence;
    internal uint NextSequence;
    internal uint LastAck;
    internal uint LastSequence;
    internal uint LastSequenceAtAck;
    internal int LastLength;
    internal int ConsecutiveDuplicateAcks;
    internal long NextSequenceNanoseconds;
    internal long LastAckNanoseconds;
    internal long LastFrameNanoseconds;
    internal uint LastResentSequence;
    internal int ResendsOfLastSegment;
    internal long LastResendNanoseconds;
    internal long LastResendGapNanoseconds;

    /// <summary>
    /// Longest silence in the conversation (no packet either way) since this side last showed it
    /// was alive: sent data or acknowledged new data. When this side then resets the connection,
    /// that is the idle time the reset ended — the silence before the request that got reset, not
    /// the gap between that request and the RST.
    /// </summary>
    internal long SilenceSinceActiveNanoseconds;

    /// <summary>When this side sent its FIN (0 = none).</summary>
    internal long FinNanoseconds;

    /// <summary>When this side first sent new data after the peer's FIN (0 = never): it used a connection the peer had closed.</summary>
    internal long DataAfterPeerFinNanoseconds;

    internal static FlowDirection Create() => new() { WindowScale = -1 };
}

/// <summary>TCP sequence-number arithmetic modulo 2^32 (RFC 1982 style).</summary>
internal static class SequenceMath
{
    public static bool Less(uint a, uint b) => (int)(a - b) < 0;

    public static bool Greater(uint a, uint b) => (int)(a - b) > 0;
}
