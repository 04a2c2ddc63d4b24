using System.Text;
using CaptureOrchestrator.Analysis.Capture;

namespace CaptureOrchestrator.Analysis.Writing;

/// <summary>An interface to declare in a pcapng section.</summary>
/// <param name="LinkType">LINKTYPE_* value.</param>
/// <param name="TimestampResolution">Raw if_tsresol byte: 6 = microseconds, 9 = nanoseconds, 0x80|n = 2^-n.</param>
/// <param name="TimestampOffsetSeconds">if_tsoffset; omitted when 0.</param>
/// <param name="Name">if_name; omitted when null.</param>
/// <param name="SnapLength">0 = no limit.</param>
public sealed record PcapNgInterface(int LinkType, byte TimestampResolution = 6, long TimestampOffsetSeconds = 0, string? Name = null, int SnapLength = 0);

/// <summary>
/// Writes pcapng: a section header, interface descriptions, and enhanced packet blocks; also
/// simple packet blocks and arbitrary blocks, so tests can build every structure a reader meets.
/// </summary>
public sealed class PcapNgWriter : ICaptureWriter
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly List<PcapNgInterface> _interfaces = [];
    private byte[] _scratch = new byte[64 * 1024];

    public PcapNgWriter(Stream stream, bool bigEndian = false, bool leaveOpen = false)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        BigEndian = bigEndian;
        StartSection(bigEndian);
    }

    public bool BigEndian { get; private set; }

    /// <summary>Starts a new section (with its own byte order); interfaces must be declared again.</summary>
    public void StartSection(bool bigEndian)
    {
        BigEndian = bigEndian;
        _interfaces.Clear();
        Span<byte> body = stackalloc byte[16];
        Write32(body, 0x1A2B3C4D);
        Write16(body[4..], 1);
        Write16(body[6..], 0);
        // Section length unknown (-1).
        Write32(body[8..], 0xFFFFFFFF);
        Write32(body[12..], 0xFFFFFFFF);
        WriteBlock(0x0A0D0D0A, body);
    }

    /// <summary>Declares an interface; returns its id within the section.</summary>
    public int AddInterface(PcapNgInterface description)
    {
        using var body = new MemoryStream();
        Span<byte> fixedPart = stackalloc byte[8];
        Write16(fixedPart, (ushort)description.LinkType);
        Write16(fixedPart[2..], 0);
        Write32(fixedPart[4..], (uint)description.SnapLength);
        body.Write(fixedPart);
        if (description.Name is not null)
        {
            WriteOption(body, 2, Encoding.UTF8.GetBytes(description.Name));
        }

        if (description.TimestampResolution != 6)
        {
            WriteOption(body, 9, [description.TimestampResolution]);
        }

        if (description.TimestampOffsetSeconds != 0)
        {
            byte[] offset = new byte[8];
            Endian.WriteInt64(offset, description.TimestampOffsetSeconds, BigEndian);

            WriteOption(body, 14, offset);
        }

        if (body.Length > 8)
        {
            WriteOption(body, 0, []);
        }

        WriteBlock(1, body.ToArray());
        _interfaces.Add(description);
        return _interfaces.Count - 1;
    }

    public void WritePacket(long timestampNanoseconds, ReadOnlySpan<byte> frame, int originalLength = -1, int interfaceId = 0)
    {
        PcapNgInterface description = _interfaces[interfaceId];
        ulong units = ToUnits(timestampNanoseconds - (description.TimestampOffsetSeconds * 1_000_000_000L), description.TimestampResolution);
        int padded = (frame.Length + 3) & ~3;
        int bodyLength = 20 + padded;
        Span<byte> body = Scratch(bodyLength);
        body.Clear();
        Write32(body, (uint)interfaceId);
        Write32(body[4..], (uint)(units >> 32));
        Write32(body[8..], (uint)units);
        Write32(body[12..], (uint)frame.Length);
        Write32(body[16..], (uint)(originalLength < 0 ? frame.Length : originalLength));
        frame.CopyTo(body[20..]);
        WriteBlock(6, body);
    }

    /// <summary>A simple packet block (interface 0, no timestamp).</summary>
    public void WriteSimplePacket(ReadOnlySpan<byte> frame, int originalLength = -1)
    {
        int padded = (frame.Length + 3) & ~3;
        Span<byte> body = Scratch(4 + padded);
        body.Clear();
        Write32(body, (uint)(originalLength < 0 ? frame.Length : originalLength));
        frame.CopyTo(body[4..]);
        WriteBlock(3, body);
    }

    /// <summary>An obsolete packet block (type 2) as old writers produced.</summary>
    public void WriteObsoletePacket(long timestampNanoseconds, ReadOnlySpan<byte> frame, int interfaceId = 0)
    {
        PcapNgInterface description = _interfaces[interfaceId];
        ulong units = ToUnits(timestampNanoseconds, description.TimestampResolution);
        int padded = (frame.Length + 3) & ~3;
        Span<byte> body = Scratch(20 + padded);
        body.Clear();
        Write16(body, (ushort)interfaceId);
        Write16(body[2..], 0);
        Write32(body[4..], (uint)(units >> 32));
        Write32(body[8..], (uint)units);
        Write32(body[12..], (uint)frame.Length);
        Write32(body[16..], (uint)frame.Length);
        frame.CopyTo(body[20..]);
        WriteBlock(2, body);
    }

    /// <summary>Any other block (name resolution, custom, unknown) with the given body.</summary>
    public void WriteBlock(uint type, ReadOnlySpan<byte> body)
    {
        int padded = (body.Length + 3) & ~3;
        int total = 12 + padded;
        Span<byte> head = stackalloc byte[8];
        Write32(head, type);
        Write32(head[4..], (uint)total);
        _stream.Write(head);
        _stream.Write(body);
        if (padded > body.Length)
        {
            Span<byte> zeros = stackalloc byte[3];
            zeros.Clear();
            _stream.Write(zeros[..(padded - body.Length)]);
        }

        Write32(head, (uint)total);
        _stream.Write(head[..4]);
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

    internal static ulong ToUnits(long nanoseconds, byte resolution)
    {
        int exponent = resolution & 0x7F;
        if ((resolution & 0x80) != 0)
        {
            return (ulong)(((Int128)nanoseconds << exponent) / 1_000_000_000);
        }

        return exponent <= 9
            ? (ulong)(nanoseconds / (long)Math.Pow(10, 9 - exponent))
            : (ulong)((Int128)nanoseconds * (long)Math.Pow(10, exponent - 9));
    }

    private Span<byte> Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }

        return _scratch.AsSpan(0, length);
    }

    private void WriteOption(Stream body, ushort code, ReadOnlySpan<byte> value)
    {
        Span<byte> head = stackalloc byte[4];
        Write16(head, code);
        Write16(head[2..], (ushort)value.Length);
        body.Write(head);
        body.Write(value);
        int pad = ((value.Length + 3) & ~3) - value.Length;
        for (int i = 0; i < pad; i++)
        {
            body.WriteByte(0);
        }
    }

    private void Write16(Span<byte> span, ushort value) => Endian.WriteUInt16(span, value, BigEndian);

    private void Write32(Span<byte> span, uint value) => Endian.WriteUInt32(span, value, BigEndian);
}
