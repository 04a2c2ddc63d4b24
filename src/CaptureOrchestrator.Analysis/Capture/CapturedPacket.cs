namespace CaptureOrchestrator.Analysis.Capture;

/// <summary>
/// One packet record as stored in the file. <see cref="Data"/> points into the reader's buffer
/// and is valid only until the next read.
/// </summary>
public readonly ref struct CapturedPacket
{
    public CapturedPacket(ReadOnlyMemory<byte> data, int originalLength, long timestampNanoseconds, int linkType, int interfaceId, long fileOffset)
    {
        Memory = data;
        OriginalLength = originalLength;
        TimestampNanoseconds = timestampNanoseconds;
        LinkType = linkType;
        InterfaceId = interfaceId;
        FileOffset = fileOffset;
    }

    /// <summary>The captured bytes (possibly fewer than were on the wire).</summary>
    public ReadOnlySpan<byte> Data => Memory.Span;

    /// <summary>The captured bytes as memory, for decoders that hand out slices of them.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    /// <summary>Length of the packet on the wire.</summary>
    public int OriginalLength { get; }

    /// <summary>Nanoseconds since the Unix epoch (UTC).</summary>
    public long TimestampNanoseconds { get; }

    /// <summary>LINKTYPE_* of the interface the packet was captured on.</summary>
    public int LinkType { get; }

    public int InterfaceId { get; }

    /// <summary>Byte offset of the record (header) in the file.</summary>
    public long FileOffset { get; }

    /// <summary>True when the capture kept fewer bytes than were on the wire (snap length).</summary>
    public bool IsTruncated => Data.Length < OriginalLength;
}
