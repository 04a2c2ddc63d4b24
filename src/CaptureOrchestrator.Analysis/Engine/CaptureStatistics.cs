using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Engine;

/// <summary>A malformed packet worth showing: where it is and what is wrong.</summary>
public sealed record MalformedPacket(long PacketNumber, long FileOffset, MalformedReason Reason, string Detail);

/// <summary>Facts about the capture file and its packets, gathered in one pass.</summary>
public sealed class CaptureStatistics
{
    private readonly Dictionary<int, long> _packetsByLinkType = [];
    private readonly Dictionary<MalformedReason, long> _malformedByReason = [];
    private readonly List<MalformedPacket> _malformedExamples = [];
    private readonly int _maxExamples;

    internal CaptureStatistics(int maxExamples)
    {
        _maxExamples = maxExamples;
    }

    public CaptureFormat Format { get; internal set; }

    public string FormatDetail { get; internal set; } = string.Empty;

    public IReadOnlyList<CaptureInterface> Interfaces { get; internal set; } = [];

    public long Packets { get; internal set; }

    public long BytesCaptured { get; internal set; }

    public long BytesOnWire { get; internal set; }

    public long FileBytesRead { get; internal set; }

    public long FirstNanoseconds { get; internal set; }

    public long LastNanoseconds { get; internal set; }

    /// <summary>Packets timestamped earlier than the packet before them.</summary>
    public long OutOfOrderTimestamps { get; internal set; }

    public long InvalidTimestamps { get; internal set; }

    /// <summary>Packets the snap length cut short (captured &lt; on the wire).</summary>
    public long TruncatedPackets { get; internal set; }

    /// <summary>Packets whose headers the decoder needed were cut by the snap length.</summary>
    public long HeadersCutBySnapLength { get; internal set; }

    public long MalformedPackets { get; internal set; }

    public long NonIpPackets { get; internal set; }

    public long IpPackets { get; internal set; }

    public long Ipv6Packets { get; internal set; }

    public long VlanTaggedPackets { get; internal set; }

    public long GrePackets { get; internal set; }

    public long VxlanPackets { get; internal set; }

    public long ErspanPackets { get; internal set; }

    public long IpInIpPackets { get; internal set; }

    public long EspPackets { get; internal set; }

    public long IkePackets { get; internal set; }

    public long NatKeepalivePackets { get; internal set; }

    public long TcpResetPackets { get; internal set; }

    public long TcpSynPackets { get; internal set; }

    public long TcpSynAckPackets { get; internal set; }

    public long IcmpFragmentationNeeded { get; internal set; }

    public long Icmpv6PacketTooBig { get; internal set; }

    public long IcmpUnreachable { get; internal set; }

    /// <summary>Set when reading stopped early because the file is damaged or cut short.</summary>
    public CaptureFormatException? ReadError { get; internal set; }

    public IReadOnlyDictionary<int, long> PacketsByLinkType => _packetsByLinkType;

    public IReadOnlyDictionary<MalformedReason, long> MalformedByReason => _malformedByReason;

    public IReadOnlyList<MalformedPacket> MalformedExamples => _malformedExamples;

    // Consecutive packets almost always share a link type: count runs, not dictionary updates.
    private int _currentLinkType = -1;
    private long _currentLinkTypeRun;

    internal void CountLinkType(int linkType)
    {
        if (linkType != _currentLinkType)
        {
            FlushLinkTypeRun();
            _currentLinkType = linkType;
        }

        _currentLinkTypeRun++;
    }

    internal void FlushLinkTypeRun()
    {
        if (_currentLinkTypeRun > 0)
        {
            _packetsByLinkType[_currentLinkType] = _packetsByLinkType.GetValueOrDefault(_currentLinkType) + _currentLinkTypeRun;
            _currentLinkTypeRun = 0;
        }
    }

    internal void CountMalformed(long packetNumber, long fileOffset, MalformedReason reason, string? detail)
    {
        MalformedPackets++;
        _malformedByReason[reason] = _malformedByReason.GetValueOrDefault(reason) + 1;
        if (_malformedExamples.Count < _maxExamples)
        {
            _malformedExamples.Add(new MalformedPacket(packetNumber, fileOffset, reason, detail ?? reason.ToString()));
        }
    }
}
