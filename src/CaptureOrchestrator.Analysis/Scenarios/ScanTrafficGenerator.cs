using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Analysis.Scenarios;

/// <summary>
/// The worst case for flow-table memory: a SYN scan where every packet opens a new 5-tuple that
/// is never answered or closed. A gigabyte of it holds about fourteen million flows.
/// </summary>
public sealed class ScanTrafficGenerator(int seed, DateTimeOffset? start = null)
{
    private const int MinimumFrame = 60;

    private readonly Random _random = new(seed);
    private readonly long _start = ((start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) - DateTimeOffset.UnixEpoch).Ticks * 100;

    public GeneratedTraffic Write(ICaptureWriter writer, long targetBytes)
    {
        byte[] frame = new byte[PacketFactory.MaxFrame];
        long packets = 0;
        long bytes = 0;
        long now = _start;
        while (bytes < targetBytes)
        {
            // Distinct source address per packet (2^24 of them), random destination port.
            var source = new Endpoint(NetAddress.FromIPv4(0x0A00_0000u | (uint)(packets & 0x00FF_FFFF)), (ushort)(1024 + (packets >> 24)));
            var target = new Endpoint(NetAddress.FromIPv4(0xC0A8_0000u | (uint)_random.Next(1, 255)), (ushort)_random.Next(1, 65_536));
            int length = PacketFactory.Tcp(frame, new TcpSegment(source, target, (uint)_random.Next(), 0, TcpFlags.Syn, 0, Window: 1024, IpId: (ushort)packets));
            if (length < MinimumFrame)
            {
                frame.AsSpan(length, MinimumFrame - length).Clear();
                length = MinimumFrame;
            }

            now += _random.Next(200, 2_000);
            writer.WritePacket(now, frame.AsSpan(0, length));
            packets++;
            bytes += length + 16;
        }

        writer.Flush();
        return new GeneratedTraffic(packets, bytes, packets, 0, 0, packets);
    }
}
