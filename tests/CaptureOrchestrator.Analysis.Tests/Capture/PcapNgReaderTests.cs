using System.Buffers.Binary;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Tests.Support;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Analysis.Tests.Capture;

public sealed class PcapNgReaderTests
{
    private const long Time = 1_762_075_800_123_456_789;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Interfaces_with_different_link_types_and_resolutions(bool bigEndian)
    {
        byte[] file = Write(bigEndian, w =>
        {
            w.AddInterface(new PcapNgInterface((int)LinkType.Ethernet, TimestampResolution: 9, Name: "eth0"));
            w.AddInterface(new PcapNgInterface((int)LinkType.LinuxSll, TimestampResolution: 6));
            w.AddInterface(new PcapNgInterface((int)LinkType.Raw, TimestampResolution: 0x80 | 20)); // 2^-20 s
            w.WritePacket(Time, [1], interfaceId: 0);
            w.WritePacket(Time, [2], interfaceId: 1);
            w.WritePacket(Time, [3], interfaceId: 2);
        });

        using var reader = CaptureReader.Open(new ForwardOnlyStream(file));
        Assert.True(reader.TryReadPacket(out CapturedPacket ns));
        Assert.Equal((int)LinkType.Ethernet, ns.LinkType);
        Assert.Equal(Time, ns.TimestampNanoseconds);

        Assert.True(reader.TryReadPacket(out CapturedPacket us));
        Assert.Equal((int)LinkType.LinuxSll, us.LinkType);
        Assert.Equal(Time / 1000 * 1000, us.TimestampNanoseconds);

        Assert.True(reader.TryReadPacket(out CapturedPacket binary));
        Assert.Equal((int)LinkType.Raw, binary.LinkType);
        Assert.InRange(binary.TimestampNanoseconds, Time - 1000, Time); // 2^-20 s ≈ 954 ns resolution

        Assert.Equal(["eth0", null, null], reader.Interfaces.Select(i => i.Name));
        Assert.Equal("2^-20 s", reader.Interfaces[2].TimestampResolution);
        Assert.False(reader.TryReadPacket(out _));
    }

    [Fact]
    public void Timestamp_offset_is_added()
    {
        byte[] file = Write(false, w =>
        {
            w.AddInterface(new PcapNgInterface((int)LinkType.Ethernet, TimestampResolution: 9, TimestampOffsetSeconds: 1_000_000_000));
            w.WritePacket(Time, [1]);
        });

        using var reader = CaptureReader.Open(new MemoryStream(file));
        Assert.True(reader.TryReadPacket(out CapturedPacket packet));
        Assert.Equal(Time, packet.TimestampNanoseconds);
    }

    [Fact]
    public void Simple_and_obsolete_packet_blocks_are_read_and_other_blocks_skipped()
    {
        byte[] file = Write(false, w =>
        {
            w.AddInterface(new PcapNgInterface((int)LinkType.Ethernet, SnapLength: 3));
            w.WriteBlock(4, new byte[12]);            // name resolution
            w.WriteBlock(0x0000_0BAD, new byte[20]);  // custom block
            w.WriteBlock(0x0000_7777, new byte[8]);   // unknown block
            w.WriteSimplePacket([9, 8, 7, 6, 5]);
            w.WriteBlock(5, new byte[20]);            // interface statistics
            w.WriteObsoletePacket(Time, [4, 4]);
        });

        using var reader = CaptureReader.Open(new MemoryStream(file));
        Assert.True(reader.TryReadPacket(out CapturedPacket simple));
        Assert.Equal(new byte[] { 9, 8, 7 }, simple.Data.ToArray()); // cut to the interface snap length
        Assert.Equal(5, simple.OriginalLength);

        Assert.True(reader.TryReadPacket(out CapturedPacket obsolete));
        Assert.Equal(new byte[] { 4, 4 }, obsolete.Data.ToArray());
        Assert.Equal(Time / 1000 * 1000, obsolete.TimestampNanoseconds);
        Assert.False(reader.TryReadPacket(out _));
    }

    [Fact]
    public void A_new_section_changes_byte_order_and_interface_numbering()
    {
        byte[] file = Write(false, w =>
        {
            w.AddInterface(new PcapNgInterface((int)LinkType.Ethernet));
            w.WritePacket(Time, [1]);
            w.StartSection(bigEndian: true);
            w.AddInterface(new PcapNgInterface((int)LinkType.Raw));
            w.WritePacket(Time, [2]);
        });

        using var reader = CaptureReader.Open(new MemoryStream(file));
        Assert.True(reader.TryReadPacket(out CapturedPacket first));
        Assert.Equal((int)LinkType.Ethernet, first.LinkType);
        Assert.True(reader.TryReadPacket(out CapturedPacket second));
        Assert.Equal((int)LinkType.Raw, second.LinkType);
        Assert.Equal(1, second.InterfaceId);
        Assert.Contains("big-endian", reader.FormatDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void Packet_for_an_undeclared_interface_is_damage()
    {
        byte[] file = Write(false, w =>
        {
            w.AddInterface(new PcapNgInterface((int)LinkType.Ethernet));
            w.WritePacket(Time, [1]);
        });
        int epb = file.Length - 36;
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(epb + 8), 5); // interface id 5

        using var reader = CaptureReader.Open(new MemoryStream(file));
        var error = Assert.Throws<CaptureFormatException>(() => reader.TryReadPacket(out _));
        Assert.Equal(epb, error.Offset);
        Assert.Contains("interface 5", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatched_trailing_length_is_damage()
    {
        byte[] file = Write(false, w =>
        {
            w.AddInterface(new PcapNgInterface((int)LinkType.Ethernet));
            w.WritePacket(Time, [1, 2, 3, 4]);
        });
        file[^4] ^= 0x40;

        using var reader = CaptureReader.Open(new MemoryStream(file));
        var error = Assert.Throws<CaptureFormatException>(() => reader.TryReadPacket(out _));
        Assert.Contains("trailing length", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Option_running_past_its_block_is_refused()
    {
        byte[] file = Write(false, w => w.AddInterface(new PcapNgInterface((int)LinkType.Ethernet, Name: "eth0")));
        // The if_name option starts after the 28-byte SHB and the 16-byte IDB header.
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(28 + 16 + 2), 300);

        using var reader = CaptureReader.Open(new MemoryStream(file));
        var error = Assert.Throws<CaptureFormatException>(() => reader.TryReadPacket(out _));
        Assert.Contains("runs past", error.Reason, StringComparison.Ordinal);
    }

    private static byte[] Write(bool bigEndian, Action<PcapNgWriter> body)
    {
        using var memory = new MemoryStream();
        using (var writer = new PcapNgWriter(memory, bigEndian, leaveOpen: true))
        {
            body(writer);
        }

        return memory.ToArray();
    }
}
