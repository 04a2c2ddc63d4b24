using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Tests.Support;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Analysis.Tests.Capture;

public sealed class PcapReaderTests
{
    private const long Time = 1_762_075_800_123_456_789; // 2025-11-02T09:30:00.123456789Z

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Reads_both_byte_orders_and_timestamp_units(bool bigEndian, bool nanoseconds)
    {
        byte[] file = Write(w =>
        {
            w.WritePacket(Time, [1, 2, 3, 4]);
            w.WritePacket(Time + 1_000_000, new byte[100], originalLength: 1500);
        }, bigEndian, nanoseconds);

        using var reader = CaptureReader.Open(new ForwardOnlyStream(file));
        Assert.Equal(CaptureFormat.Pcap, reader.Format);
        Assert.Contains(bigEndian ? "big-endian" : "little-endian", reader.FormatDetail, StringComparison.Ordinal);

        Assert.True(reader.TryReadPacket(out CapturedPacket first));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, first.Data.ToArray());
        Assert.Equal(nanoseconds ? Time : Time / 1000 * 1000, first.TimestampNanoseconds);
        Assert.Equal((int)LinkType.Ethernet, first.LinkType);
        Assert.False(first.IsTruncated);
        Assert.Equal(24, first.FileOffset);

        Assert.True(reader.TryReadPacket(out CapturedPacket second));
        Assert.Equal(100, second.Data.Length);
        Assert.Equal(1500, second.OriginalLength);
        Assert.True(second.IsTruncated);

        Assert.False(reader.TryReadPacket(out _));
    }

    [Fact]
    public void Snap_length_cuts_packets_as_libpcap_does()
    {
        byte[] file = Write(w => w.WritePacket(Time, new byte[1514]), snapLength: 96);

        using var reader = CaptureReader.Open(new MemoryStream(file));
        Assert.True(reader.TryReadPacket(out CapturedPacket packet));
        Assert.Equal(96, packet.Data.Length);
        Assert.Equal(1514, packet.OriginalLength);
        Assert.Equal(96, reader.Interfaces[0].SnapLength);
    }

    [Fact]
    public void Major_version_other_than_2_is_refused_at_its_offset()
    {
        byte[] file = Write(_ => { });
        file[4] = 1; // version 1.4

        var error = Assert.Throws<CaptureFormatException>(() => CaptureReader.Open(new MemoryStream(file)));
        Assert.Equal(4, error.Offset);
        Assert.Contains("version 1", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "empty")]
    [InlineData(3, "too short")]
    [InlineData(10, "incomplete")]
    public void Short_files_are_refused_with_a_reason(int length, string expected)
    {
        byte[] file = Write(_ => { })[..length];

        var error = Assert.Throws<CaptureFormatException>(() => CaptureReader.Open(new MemoryStream(file)));
        Assert.Contains(expected, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_signature_is_refused()
    {
        var error = Assert.Throws<CaptureFormatException>(() => CaptureReader.Open(new MemoryStream("GIF89a.........................."u8.ToArray())));
        Assert.Equal(0, error.Offset);
        Assert.Contains("signature", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_cut_short_reports_the_record_offset_after_earlier_packets()
    {
        byte[] file = Write(w =>
        {
            w.WritePacket(Time, new byte[60]);
            w.WritePacket(Time, new byte[60]);
        });
        byte[] cut = file[..(file.Length - 5)];

        using var reader = CaptureReader.Open(new ForwardOnlyStream(cut));
        Assert.True(reader.TryReadPacket(out _));
        var error = Assert.Throws<CaptureFormatException>(() => reader.TryReadPacket(out _));
        Assert.Equal(24 + 16 + 60, error.Offset);
        Assert.Contains("cut short", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Impossible_record_length_is_damage_not_an_allocation()
    {
        byte[] file = Write(w => w.WritePacket(Time, new byte[60]));
        BitConverter.GetBytes(0x7FFF_FFF0u).CopyTo(file, 24 + 8); // caplen of the first record

        using var reader = CaptureReader.Open(new MemoryStream(file));
        var error = Assert.Throws<CaptureFormatException>(() => reader.TryReadPacket(out _));
        Assert.Equal(24, error.Offset);
        Assert.Contains("larger than the maximum", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_timestamp_fractions_are_counted()
    {
        byte[] file = Write(w => w.WritePacket(Time, new byte[60]), nanoseconds: true);
        BitConverter.GetBytes(1_500_000_000u).CopyTo(file, 24 + 4);

        using var reader = CaptureReader.Open(new MemoryStream(file));
        Assert.True(reader.TryReadPacket(out _));
        Assert.Equal(1, reader.InvalidTimestampCount);
    }

    [Fact]
    public void Large_files_stream_through_a_bounded_buffer()
    {
        // 40 MB through a forward-only stream: every packet arrives, in order.
        byte[] frame = new byte[1514];
        byte[] file = Write(w =>
        {
            for (int i = 0; i < 26_000; i++)
            {
                BitConverter.GetBytes(i).CopyTo(frame, 0);
                w.WritePacket(Time + i, frame);
            }
        });

        using var reader = CaptureReader.Open(new ForwardOnlyStream(file, chunk: 65_536));
        int count = 0;
        while (reader.TryReadPacket(out CapturedPacket packet))
        {
            Assert.Equal(count, BitConverter.ToInt32(packet.Data));
            count++;
        }

        Assert.Equal(26_000, count);
        Assert.Equal(file.Length, reader.Position);
    }

    private static byte[] Write(Action<PcapWriter> body, bool bigEndian = false, bool nanoseconds = false, int snapLength = 262_144)
    {
        using var memory = new MemoryStream();
        using (var writer = new PcapWriter(memory, LinkType.Ethernet, nanoseconds, bigEndian, snapLength, leaveOpen: true))
        {
            body(writer);
        }

        return memory.ToArray();
    }
}
