namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>Counters and TCP sequence state for one direction of a flow.</summary>
public struct FlowDirection
{
    public long Packets;
    public long IpBytes;
    public long PayloadBytes;

    // TCP, as sent by this side.
    public bool SynSeen;
    public bool SynAckSeen;
    public bool FinSeen;
    public bool RstSeen;
    public long Retransmissions;
    public long OutOfOrder;
    public long DuplicateAcks;
    public long ZeroWindows;
    public long KeepAlives;
    public long DuplicateFrames;
    public int LargestSegment;
    public long DontFragmentPackets;
    public ushort Mss;
    public sbyte WindowScale;
    public bool SackPermitted;
    public long FirstNanoseconds;
    public long LastNanoseconds;
    public long LastPayloadNanoseconds;
    public long FirstPayloadNanoseconds;

    internal bool SequenceKnown;
    internal uint InitialSequence;
    internal uint NextSequence;
    internal bool AckKnown;
    internal uint LastAck;
    internal ushort LastWindow;
    internal uint LastSequence;
    internal uint LastSequenceAtAck;
    internal int LastLength;
    internal uint LastIpId;
    internal long LastFrameNanoseconds;
    internal TcpFlagsSnapshot LastFlags;
    internal long NextSequenceNanoseconds;
    internal int ConsecutiveDuplicateAcks;
    internal long LastAckNanoseconds;
    /// <summary>Sequence gaps seen (a segment before this one was not captured).</summary>
    public long SequenceGaps;

    internal static FlowDirection Create() => new() { WindowScale = -1 };
}

internal readonly record struct TcpFlagsSnapshot(ushort Value);

/// <summary>TCP sequence-number arithmetic modulo 2^32 (RFC 1982 style).</summary>
internal static class SequenceMath
{
    public static bool Less(uint a, uint b) => (int)(a - b) < 0;

    public static bool LessOrEqual(uint a, uint b) => (int)(a - b) <= 0;

    public static bool Greater(uint a, uint b) => (int)(a - b) > 0;
}
