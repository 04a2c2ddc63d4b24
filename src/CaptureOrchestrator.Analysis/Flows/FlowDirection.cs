namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>Counters and TCP sequence state for one direction of a flow.</summary>
public struct FlowDirection
{
    private const int MaxHoles = 4;

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
    private HoleSet _holes;

    internal static FlowDirection Create() => new() { WindowScale = -1 };

    internal bool TryFillHole(uint start, uint end) => _holes.TryFill(start, end);

    internal void AddHole(uint start, uint end) => _holes.Add(start, end);

    internal readonly bool HasHoles => _holes.Count > 0;

    /// <summary>A few not-yet-filled sequence gaps: a later fill is out-of-order, not a retransmission.</summary>
    private struct HoleSet
    {
        private (uint Start, uint End) _h0;
        private (uint Start, uint End) _h1;
        private (uint Start, uint End) _h2;
        private (uint Start, uint End) _h3;

        public int Count { get; private set; }

        public void Add(uint start, uint end)
        {
            if (Count == MaxHoles)
            {
                // Forget the oldest: a fill of it will be called a retransmission, which is the safer mistake.
                _h0 = _h1;
                _h1 = _h2;
                _h2 = _h3;
                Count--;
            }

            Set(Count++, (start, end));
        }

        public bool TryFill(uint start, uint end)
        {
            for (int i = 0; i < Count; i++)
            {
                (uint s, uint e) = Get(i);
                if (SequenceMath.LessOrEqual(s, start) && SequenceMath.Less(start, e))
                {
                    if (SequenceMath.LessOrEqual(e, end))
                    {
                        if (start == s)
                        {
                            Remove(i);
                        }
                        else
                        {
                            Set(i, (s, start));
                        }
                    }
                    else if (start == s)
                    {
                        Set(i, (end, e));
                    }

                    return true;
                }
            }

            return false;
        }

        private void Remove(int index)
        {
            for (int i = index; i < Count - 1; i++)
            {
                Set(i, Get(i + 1));
            }

            Count--;
        }

        private readonly (uint Start, uint End) Get(int i) => i switch { 0 => _h0, 1 => _h1, 2 => _h2, _ => _h3 };

        private void Set(int i, (uint Start, uint End) value)
        {
            switch (i)
            {
                case 0: _h0 = value; break;
                case 1: _h1 = value; break;
                case 2: _h2 = value; break;
                default: _h3 = value; break;
            }
        }
    }
}

internal readonly record struct TcpFlagsSnapshot(ushort Value);

/// <summary>TCP sequence-number arithmetic modulo 2^32 (RFC 1982 style).</summary>
internal static class SequenceMath
{
    public static bool Less(uint a, uint b) => (int)(a - b) < 0;

    public static bool LessOrEqual(uint a, uint b) => (int)(a - b) <= 0;

    public static bool Greater(uint a, uint b) => (int)(a - b) > 0;
}
