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

    internal static FlowDirection Create() => new() { WindowScale = -1 };
}

/// <summary>TCP sequence-number arithmetic modulo 2^32 (RFC 1982 style).</summary>
internal static class SequenceMath
{
    public static bool Less(uint a, uint b) => (int)(a - b) < 0;

    public static bool Greater(uint a, uint b) => (int)(a - b) > 0;
}
