using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Decoding;

/// <summary>Decoders treat bytes as hostile: no input may make them throw.</summary>
public sealed class HostileBytesTests
{
    private static readonly int[] LinkTypes = [0, 1, 12, 101, 108, 113, 228, 229, 276, 9999];

    [Fact]
    public void Random_bytes_on_every_link_type_never_throw()
    {
        var random = new Random(20261121);
        var decoder = new PacketDecoder();
        var packet = new DecodedPacket();
        byte[] buffer = new byte[256];
        for (int i = 0; i < 50_000; i++)
        {
            int length = random.Next(buffer.Length);
            random.NextBytes(buffer.AsSpan(0, length));
            foreach (int linkType in LinkTypes)
            {
                decoder.Decode(buffer.AsMemory(0, length), linkType, frameTruncated: (i & 1) == 0, i, packet);
            }
        }
    }

    [Fact]
    public void Mutated_real_frames_never_throw_and_are_flagged_or_decoded()
    {
        // Start from valid frames of every kind the scenario builder makes, then flip, cut and grow them.
        ScenarioBuilder scenario = DemoScenario.Build();
        byte[][] frames = scenario.Packets().Select(p => p.Frame).ToArray();
        var random = new Random(7);
        var decoder = new PacketDecoder();
        var packet = new DecodedPacket();
        long malformed = 0;
        for (int i = 0; i < 100_000; i++)
        {
            byte[] frame = (byte[])frames[random.Next(frames.Length)].Clone();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                frame[random.Next(frame.Length)] = (byte)random.Next(256);
            }

            int cut = random.Next(2) == 0 ? random.Next(frame.Length + 1) : frame.Length;
            decoder.Decode(frame.AsMemory(0, cut), (int)LinkType.Ethernet, frameTruncated: false, i, packet);
            if (packet.Malformed != MalformedReason.None)
            {
                malformed++;
                Assert.False(string.IsNullOrEmpty(packet.MalformedDetail));
            }
        }

        Assert.True(malformed > 1000, $"mutations should often be detected as malformed, saw {malformed}");
    }

    [Fact]
    public void A_capture_of_garbage_records_is_analysed_with_malformed_counts()
    {
        using var memory = new MemoryStream();
        using (var writer = new CaptureOrchestrator.Analysis.Writing.PcapWriter(memory, LinkType.Raw, leaveOpen: true))
        {
            var random = new Random(3);
            for (int i = 0; i < 2000; i++)
            {
                byte[] frame = new byte[random.Next(1, 120)];
                random.NextBytes(frame);
                frame[0] = (byte)(random.Next(2) == 0 ? 0x45 : 0x60); // look like IPv4 / IPv6
                writer.WritePacket(i * 1000L, frame);
            }
        }

        var analysis = Analyze.Bytes(memory.ToArray());
        Assert.Equal(2000, analysis.Capture.Packets);
        Assert.True(analysis.Capture.MalformedPackets > 100);
        Assert.Equal(analysis.Capture.MalformedPackets, analysis.Capture.MalformedByReason.Values.Sum());
        Assert.NotEmpty(analysis.Capture.MalformedExamples);
    }
}
