using System.Buffers.Binary;

namespace CaptureOrchestrator.Analysis.Capture;

/// <summary>
/// Classic libpcap files: both byte orders, microsecond (a1b2c3d4) and nanosecond (a1b23c4d)
/// magic, and the Kuznetsov "modified" variant (a1b2cd34) with its longer record header.
/// </summary>
public sealed class PcapReader : CaptureReader
{
    private const uint MicrosecondMagic = 0xa1b2c3d4;
    private const uint NanosecondMagic = 0xa1b23c4d;
    private const uint ModifiedMagic = 0xa1b2cd34;
    private const int FileHeaderBytes = 24;

    private readonly bool _bigEndian;
    private readonly bool _nanoseconds;
    private readonly int _recordHeaderBytes;
    private readonly int _snapLength;
    private readonly int _linkType;
    private readonly int _maxRecordBytes;
    private readonly CaptureInterface[] _interfaces;
    private readonly string _detail;

    internal PcapReader(Stream stream, bool leaveOpen, ForwardReadBuffer buffer)
        : base(stream, leaveOpen, buffer)
    {
        if (!buffer.TryEnsure(FileHeaderBytes))
        {
            throw new CaptureFormatException(0, $"the pcap file header is incomplete ({buffer.Available} of {FileHeaderBytes} bytes)");
        }

        ReadOnlySpan<byte> header = buffer.Peek(FileHeaderBytes);
        uint magicLe = BinaryPrimitives.ReadUInt32LittleEndian(header);
        uint magic = magicLe;
        if (!IsHostOrderMagic(magicLe))
        {
            _bigEndian = true;
            magic = BinaryPrimitives.ReverseEndianness(magicLe);
        }

        _nanoseconds = magic == NanosecondMagic;
        _recordHeaderBytes = magic == ModifiedMagic ? 24 : 16;

        ushort major = ReadUInt16(header[4..]);
        ushort minor = ReadUInt16(header[6..]);
        if (major != 2)
        {
            throw new CaptureFormatException(4, $"pcap major version {major}.{minor} is not supported (only 2.x exists)");
        }

        uint snap = ReadUInt32(header[16..]);
        uint linkField = ReadUInt32(header[20..]);
        _snapLength = snap > int.MaxValue ? int.MaxValue : (int)snap;
        // The upper bits of the link-type field carry FCS length information (libpcap LT_FCS_*).
        _linkType = (int)(linkField & 0x03FF_FFFF);
        _maxRecordBytes = Math.Max(MaxRecordBytes, _snapLength);
        if (_maxRecordBytes > buffer.MaxCapacity - 64)
        {
            _maxRecordBytes = buffer.MaxCapacity - 64;
        }

        string unit = _nanoseconds ? "ns" : "us";
        _interfaces = [new CaptureInterface(_linkType, _snapLength, unit, null)];
        _detail = $"{(_bigEndian ? "big" : "little")}-endian, {(_nanoseconds ? "nanoseconds" : "microseconds")}, version {major}.{minor}"
            + (magic == ModifiedMagic ? ", modified (Kuznetsov)" : string.Empty);
        buffer.Advance(FileHeaderBytes);
    }

    public override CaptureFormat Format => CaptureFormat.Pcap;

    public override string FormatDetail => _detail;

    public override IReadOnlyList<CaptureInterface> Interfaces => _interfaces;

    internal static bool IsPcapMagic(uint littleEndianMagic) =>
        IsHostOrderMagic(littleEndianMagic) || IsHostOrderMagic(BinaryPrimitives.ReverseEndianness(littleEndianMagic));

    private static bool IsHostOrderMagic(uint magic) =>
        magic is MicrosecondMagic or NanosecondMagic or ModifiedMagic;

    public override bool TryReadPacket(out CapturedPacket packet)
    {
        long offset = Buffer.Position;
        if (!Buffer.TryEnsure(_recordHeaderBytes))
        {
            if (Buffer.Available == 0)
            {
                packet = default;
                return false;
            }

            throw CutShort(offset, "a record header");
        }

        ReadOnlySpan<byte> header = Buffer.Peek(_recordHeaderBytes);
        uint seconds = ReadUInt32(header);
        uint fraction = ReadUInt32(header[4..]);
        uint capturedLength = ReadUInt32(header[8..]);
        uint originalLength = ReadUInt32(header[12..]);

        if (capturedLength > (uint)_maxRecordBytes)
        {
            throw new CaptureFormatException(offset, $"record claims a {capturedLength}-byte packet, larger than the maximum of {_maxRecordBytes}; the file is damaged");
        }

        int total = _recordHeaderBytes + (int)capturedLength;
        if (!Buffer.TryEnsure(total))
        {
            throw CutShort(offset, "a packet record");
        }

        uint fractionLimit = _nanoseconds ? 1_000_000_000u : 1_000_000u;
        if (fraction >= fractionLimit)
        {
            InvalidTimestampCount++;
        }

        long nanoseconds = (seconds * 1_000_000_000L) + (_nanoseconds ? fraction : fraction * 1000L);
        ReadOnlyMemory<byte> data = Buffer.PeekMemory(total)[_recordHeaderBytes..];
        int wireLength = originalLength > int.MaxValue ? int.MaxValue : (int)originalLength;
        packet = new CapturedPacket(data, Math.Max(wireLength, data.Length), nanoseconds, _linkType, 0, offset);
        Buffer.Advance(total);
        return true;
    }

    private ushort ReadUInt16(ReadOnlySpan<byte> span) => Endian.ReadUInt16(span, _bigEndian);

    private uint ReadUInt32(ReadOnlySpan<byte> span) => Endian.ReadUInt32(span, _bigEndian);
}
