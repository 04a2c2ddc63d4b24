using CaptureOrchestrator.Analysis.Capture;

namespace CaptureOrchestrator.Analysis.Writing;

/// <summary>Writes classic pcap (either byte order, microsecond or nanosecond timestamps).</summary>
public sealed class PcapWriter : ICaptureWriter
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly bool _bigEndian;
    private readonly bool _nanoseconds;
    private readonly int _snapLength;
    private readonly byte[] _header = new byte[16];

    public PcapWriter(Stream stream, LinkType linkType = LinkType.Ethernet, bool nanoseconds = false, bool bigEndian = false, int snapLength = 262_144, bool leaveOpen = false)
        : this(stream, (int)linkType, nanoseconds, bigEndian, snapLength, leaveOpen)
    {
    }

    public PcapWriter(Stream stream, int linkType, bool nanoseconds, bool bigEndian, int snapLength, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _bigEndian = bigEndian;
        _nanoseconds = nanoseconds;
        _snapLength = snapLength;
        Span<byte> header = stackalloc byte[24];
        Write32(header, nanoseconds ? 0xa1b23c4du : 0xa1b2c3d4u);
        Write16(header[4..], 2);
        Write16(header[6..], 4);
        Write32(header[8..], 0);
        Write32(header[12..], 0);
        Write32(header[16..], (uint)snapLength);
        Write32(header[20..], (uint)linkType);
        _stream.Write(header);
    }

    public void WritePacket(long timestampNanoseconds, ReadOnlySpan<byte> frame, int originalLength = -1, int interfaceId = 0)
    {
        ReadOnlySpan<byte> kept = frame.Length > _snapLength ? frame[.._snapLength] : frame;
        long seconds = Math.DivRem(timestampNanoseconds, 1_000_000_000L, out long fraction);
        Write32(_header, (uint)seconds);
        Write32(_header.AsSpan(4), (uint)(_nanoseconds ? fraction : fraction / 1000));
        Write32(_header.AsSpan(8), (uint)kept.Length);
        Write32(_header.AsSpan(12), (uint)(originalLength < 0 ? frame.Length : originalLength));
        _stream.Write(_header);
        _stream.Write(kept);
    }

    public void Flush() => _stream.Flush();

    public void Dispose()
    {
        _stream.Flush();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private void Write16(Span<byte> span, ushort value) => Endian.WriteUInt16(span, value, _bigEndian);

    private void Write32(Span<byte> span, uint value) => Endian.WriteUInt32(span, value, _bigEndian);
}
