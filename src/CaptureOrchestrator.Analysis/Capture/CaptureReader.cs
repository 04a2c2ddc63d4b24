using System.Buffers.Binary;

namespace CaptureOrchestrator.Analysis.Capture;

/// <summary>
/// Reads packets one at a time from a pcap or pcapng stream, forward only, without loading the
/// file: <c>while (reader.TryReadPacket(out var packet)) { ... }</c>.
/// Damage in the file surfaces as <see cref="CaptureFormatException"/> with the byte offset.
/// </summary>
public abstract class CaptureReader : IDisposable
{
    /// <summary>libpcap refuses records larger than this unless the snap length is larger.</summary>
    public const int MaxRecordBytes = 262_144;

    /// <summary>libpcap's limit for one pcapng block.</summary>
    public const int MaxBlockBytes = 16 * 1024 * 1024;

    private const int InitialBufferBytes = 1 << 20;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;

    private protected CaptureReader(Stream stream, bool leaveOpen, ForwardReadBuffer buffer)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        Buffer = buffer;
    }

    private protected ForwardReadBuffer Buffer { get; }

    public abstract CaptureFormat Format { get; }

    /// <summary>Byte order and timestamp unit of the file header, e.g. "little-endian, microseconds".</summary>
    public abstract string FormatDetail { get; }

    /// <summary>Interfaces known so far (pcapng can declare more as the file goes on).</summary>
    public abstract IReadOnlyList<CaptureInterface> Interfaces { get; }

    /// <summary>Bytes consumed from the stream so far.</summary>
    public long Position => Buffer.Position;

    /// <summary>Packets whose timestamp fraction was out of range (e.g. ≥ 10^9 ns).</summary>
    public long InvalidTimestampCount { get; private protected set; }

    /// <summary>
    /// Reads the file header and returns a reader for its format.
    /// </summary>
    /// <exception cref="CaptureFormatException">The stream is not a capture this reader supports.</exception>
    public static CaptureReader Open(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new ForwardReadBuffer(stream, InitialBufferBytes, MaxBlockBytes + 64);
        if (!buffer.TryEnsure(4))
        {
            throw new CaptureFormatException(0, buffer.Available == 0
                ? "the file is empty"
                : $"the file is only {buffer.Available} bytes long, too short for a capture header");
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(buffer.Peek(4));
        CaptureReader? reader = null;
        try
        {
            if (magic == PcapNgReader.SectionHeaderBlockType)
            {
                reader = new PcapNgReader(stream, leaveOpen, buffer);
            }
            else if (PcapReader.IsPcapMagic(magic))
            {
                reader = new PcapReader(stream, leaveOpen, buffer);
            }
            else
            {
                throw new CaptureFormatException(0, $"unrecognised file signature 0x{magic:x8}: not a pcap or pcapng capture");
            }

            return reader;
        }
        catch
        {
            if (!leaveOpen)
            {
                stream.Dispose();
            }

            throw;
        }
    }

    /// <summary>Reads the next packet; false at the clean end of the file.</summary>
    /// <exception cref="CaptureFormatException">The file is damaged or cut short at the current record.</exception>
    public abstract bool TryReadPacket(out CapturedPacket packet);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private protected CaptureFormatException CutShort(long recordOffset, string what) =>
        new(recordOffset, $"the file is cut short in the middle of {what} ({Buffer.Available} of its bytes present)");
}
