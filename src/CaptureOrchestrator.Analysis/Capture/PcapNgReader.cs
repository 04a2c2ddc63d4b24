using System.Buffers.Binary;
using System.Text;

namespace CaptureOrchestrator.Analysis.Capture;

/// <summary>
/// pcapng: sections with their own byte order, interface description blocks (link type,
/// snap length, if_tsresol, if_tsoffset, if_name), enhanced / simple / obsolete packet blocks.
/// Name resolution, statistics, custom, decryption-secret and unknown blocks are skipped.
/// </summary>
public sealed class PcapNgReader : CaptureReader
{
    internal const uint SectionHeaderBlockType = 0x0A0D0D0A;
    private const uint InterfaceDescriptionBlockType = 0x00000001;
    private const uint ObsoletePacketBlockType = 0x00000002;
    private const uint SimplePacketBlockType = 0x00000003;
    private const uint EnhancedPacketBlockType = 0x00000006;
    private const uint ByteOrderMagic = 0x1A2B3C4D;

    private const ushort OptionEnd = 0;
    private const ushort IdbOptionName = 2;
    private const ushort IdbOptionTimestampResolution = 9;
    private const ushort IdbOptionTimestampOffset = 14;

    private readonly List<CaptureInterface> _allInterfaces = [];
    private readonly List<SectionInterface> _sectionInterfaces = [];
    private bool _bigEndian;
    private int _sectionCount;
    private string _detail = string.Empty;

    internal PcapNgReader(Stream stream, bool leaveOpen, ForwardReadBuffer buffer)
        : base(stream, leaveOpen, buffer)
    {
        // The first block must be a section header; reading it validates the file as pcapng.
        if (!TryReadBlock(out _, out _, out _))
        {
            throw new CaptureFormatException(0, "the pcapng section header block is missing");
        }
    }

    public override CaptureFormat Format => CaptureFormat.PcapNg;

    public override string FormatDetail => _detail;

    public override IReadOnlyList<CaptureInterface> Interfaces => _allInterfaces;

    public override bool TryReadPacket(out CapturedPacket packet)
    {
        while (TryReadBlock(out uint type, out long offset, out int length))
        {
            ReadOnlyMemory<byte> block = Buffer.PeekMemory(length);
            bool isPacket = type switch
            {
                EnhancedPacketBlockType => TryParseTimestampedPacket(block, offset, obsolete: false, out packet),
                SimplePacketBlockType => TryParseSimplePacket(block, offset, out packet),
                ObsoletePacketBlockType => TryParseTimestampedPacket(block, offset, obsolete: true, out packet),
                _ => HandleNonPacketBlock(type, block.Span, offset, out packet),
            };

            Buffer.Advance(length);
            if (isPacket)
            {
                return true;
            }
        }

        packet = default;
        return false;
    }

    /// <summary>
    /// Makes the whole next block available in the buffer (not consumed). Section header blocks
    /// are parsed here because they change how the following lengths are read.
    /// </summary>
    private bool TryReadBlock(out uint type, out long offset, out int length)
    {
        offset = Buffer.Position;
        type = 0;
        length = 0;
        if (!Buffer.TryEnsure(12))
        {
            if (Buffer.Available == 0)
            {
                return false;
            }

            throw CutShort(offset, "a block header");
        }

        ReadOnlySpan<byte> head = Buffer.Peek(12);
        type = ReadUInt32(head);
        if (type == SectionHeaderBlockType)
        {
            uint magicLe = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
            if (magicLe == ByteOrderMagic)
            {
                _bigEndian = false;
            }
            else if (BinaryPrimitives.ReverseEndianness(magicLe) == ByteOrderMagic)
            {
                _bigEndian = true;
            }
            else
            {
                throw new CaptureFormatException(offset + 8, $"section header byte-order magic 0x{magicLe:x8} is invalid");
            }
        }

        uint declared = ReadUInt32(head[4..]);
        if (declared < 12 || declared % 4 != 0)
        {
            throw new CaptureFormatException(offset + 4, $"block length {declared} is invalid (must be a multiple of 4 and at least 12)");
        }

        if (declared > MaxBlockBytes)
        {
            throw new CaptureFormatException(offset + 4, $"block length {declared} is larger than the maximum of {MaxBlockBytes}; the file is damaged");
        }

        length = (int)declared;
        if (!Buffer.TryEnsure(length))
        {
            throw CutShort(offset, "a block");
        }

        ReadOnlySpan<byte> block = Buffer.Peek(length);
        uint trailer = ReadUInt32(block[(length - 4)..]);
        if (trailer != declared)
        {
            throw new CaptureFormatException(offset + length - 4, $"block trailing length {trailer} does not match its leading length {declared}");
        }

        if (type == SectionHeaderBlockType)
        {
            ParseSectionHeader(block, offset);
            Buffer.Advance(length);
            return TryReadBlock(out type, out offset, out length);
        }

        return true;
    }

    private void ParseSectionHeader(ReadOnlySpan<byte> block, long offset)
    {
        if (block.Length < 28)
        {
            throw new CaptureFormatException(offset, $"section header block of {block.Length} bytes is shorter than the 28-byte minimum");
        }

        ushort major = ReadUInt16(block[12..]);
        ushort minor = ReadUInt16(block[14..]);
        if (major != 1)
        {
            throw new CaptureFormatException(offset + 12, $"pcapng section version {major}.{minor} is not supported");
        }

        ValidateOptions(block[24..^4], offset + 24);
        _sectionInterfaces.Clear();
        _sectionCount++;
        _detail = $"{(_bigEndian ? "big" : "little")}-endian, version {major}.{minor}" + (_sectionCount > 1 ? $", {_sectionCount} sections" : string.Empty);
    }

    private bool HandleNonPacketBlock(uint type, ReadOnlySpan<byte> block, long offset, out CapturedPacket packet)
    {
        packet = default;
        if (type == InterfaceDescriptionBlockType)
        {
            ParseInterfaceDescription(block, offset);
        }

        // Name resolution (4), interface statistics (5), decryption secrets (10), custom
        // (0xBAD, 0x40000BAD) and any unknown block are not needed for analysis.
        return false;
    }

    private void ParseInterfaceDescription(ReadOnlySpan<byte> block, long offset)
    {
        if (block.Length < 20)
        {
            throw new CaptureFormatException(offset, $"interface description block of {block.Length} bytes is shorter than the 20-byte minimum");
        }

        int linkType = ReadUInt16(block[8..]);
        uint snap = ReadUInt32(block[12..]);
        byte tsresol = 6;
        long tsoffset = 0;
        string? name = null;

        var options = new OptionReader(block[16..^4], offset + 16, _bigEndian);
        while (options.TryRead(out ushort code, out ReadOnlySpan<byte> value))
        {
            switch (code)
            {
                case IdbOptionTimestampResolution when value.Length >= 1:
                    tsresol = value[0];
                    break;
                case IdbOptionTimestampOffset when value.Length >= 8:
                    tsoffset = Endian.ReadInt64(value, _bigEndian);
                    break;
                case IdbOptionName:
                    name = Encoding.UTF8.GetString(value).TrimEnd('\0');
                    break;
            }
        }

        var scale = PcapNgTimestampScale.FromResolutionByte(tsresol, tsoffset);
        int snapLength = snap > int.MaxValue ? int.MaxValue : (int)snap;
        _sectionInterfaces.Add(new SectionInterface(linkType, snapLength, scale, _allInterfaces.Count));
        _allInterfaces.Add(new CaptureInterface(linkType, snapLength, scale.Description, name));
    }

    /// <summary>Enhanced (type 6) and obsolete (type 2) packet blocks differ only in the interface-id width.</summary>
    private bool TryParseTimestampedPacket(ReadOnlyMemory<byte> blockMemory, long offset, bool obsolete, out CapturedPacket packet)
    {
        ReadOnlySpan<byte> block = blockMemory.Span;
        if (block.Length < 32)
        {
            throw new CaptureFormatException(offset, $"{(obsolete ? "obsolete" : "enhanced")} packet block of {block.Length} bytes is shorter than the 32-byte minimum");
        }

        uint interfaceId = obsolete ? ReadUInt16(block[8..]) : ReadUInt32(block[8..]);
        ulong units = ((ulong)ReadUInt32(block[12..]) << 32) | ReadUInt32(block[16..]);
        uint captured = ReadUInt32(block[20..]);
        uint original = ReadUInt32(block[24..]);
        return TryMakePacket(blockMemory, offset, interfaceId, units, captured, original, 28, out packet);
    }

    private bool TryParseSimplePacket(ReadOnlyMemory<byte> blockMemory, long offset, out CapturedPacket packet)
    {
        ReadOnlySpan<byte> block = blockMemory.Span;
        if (block.Length < 16)
        {
            throw new CaptureFormatException(offset, $"simple packet block of {block.Length} bytes is shorter than the 16-byte minimum");
        }

        SectionInterface iface = GetInterface(0, offset);
        uint original = ReadUInt32(block[8..]);
        uint room = (uint)(block.Length - 16);
        uint captured = Math.Min(original, room);
        if (iface.SnapLength > 0)
        {
            captured = Math.Min(captured, (uint)iface.SnapLength);
        }

        // Simple packet blocks carry no timestamp.
        return TryMakePacket(blockMemory, offset, 0, ulong.MinValue, captured, original, 12, out packet, hasTimestamp: false);
    }

    private bool TryMakePacket(ReadOnlyMemory<byte> block, long offset, uint interfaceId, ulong units, uint captured, uint original, int dataStart, out CapturedPacket packet, bool hasTimestamp = true)
    {
        SectionInterface iface = GetInterface(interfaceId, offset);
        int room = block.Length - 4 - dataStart;
        if (captured > (uint)room)
        {
            throw new CaptureFormatException(offset, $"packet claims {captured} captured bytes but its block has room for {room}");
        }

        long nanoseconds = hasTimestamp ? iface.Scale.ToNanoseconds(units) : 0;
        int wire = original > int.MaxValue ? int.MaxValue : (int)original;
        ReadOnlyMemory<byte> data = block.Slice(dataStart, (int)captured);
        packet = new CapturedPacket(data, Math.Max(wire, data.Length), nanoseconds, iface.LinkType, iface.GlobalIndex, offset);
        return true;
    }

    private SectionInterface GetInterface(uint interfaceId, long offset)
    {
        if (interfaceId >= (uint)_sectionInterfaces.Count)
        {
            throw new CaptureFormatException(offset, $"packet refers to interface {interfaceId}, but the section declares {_sectionInterfaces.Count}");
        }

        return _sectionInterfaces[(int)interfaceId];
    }

    private void ValidateOptions(ReadOnlySpan<byte> options, long offset)
    {
        var reader = new OptionReader(options, offset, _bigEndian);
        while (reader.TryRead(out _, out _))
        {
        }
    }

    private ushort ReadUInt16(ReadOnlySpan<byte> span) => Endian.ReadUInt16(span, _bigEndian);

    private uint ReadUInt32(ReadOnlySpan<byte> span) => Endian.ReadUInt32(span, _bigEndian);

    private readonly record struct SectionInterface(int LinkType, int SnapLength, PcapNgTimestampScale Scale, int GlobalIndex);

    /// <summary>Walks pcapng options (code, length, value padded to 32 bits), bounds-checked.</summary>
    private ref struct OptionReader
    {
        private readonly ReadOnlySpan<byte> _options;
        private readonly long _baseOffset;
        private readonly bool _bigEndian;
        private int _position;

        public OptionReader(ReadOnlySpan<byte> options, long baseOffset, bool bigEndian)
        {
            _options = options;
            _baseOffset = baseOffset;
            _bigEndian = bigEndian;
        }

        public bool TryRead(out ushort code, out ReadOnlySpan<byte> value)
        {
            value = default;
            code = OptionEnd;
            if (_options.Length - _position < 4)
            {
                return false;
            }

            ReadOnlySpan<byte> head = _options.Slice(_position, 4);
            code = Endian.ReadUInt16(head, _bigEndian);
            int length = Endian.ReadUInt16(head[2..], _bigEndian);
            if (code == OptionEnd)
            {
                return false;
            }

            int padded = (length + 3) & ~3;
            if (padded > _options.Length - _position - 4)
            {
                throw new CaptureFormatException(_baseOffset + _position, $"option {code} of length {length} runs past the end of its block");
            }

            value = _options.Slice(_position + 4, length);
            _position += 4 + padded;
            return true;
        }
    }
}
