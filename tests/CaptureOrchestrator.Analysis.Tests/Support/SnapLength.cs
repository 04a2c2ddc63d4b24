using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Analysis.Tests.Support;

/// <summary>Captures written as a capture with a snap length writes them: each frame cut to it, its length on the wire kept.</summary>
public static class SnapLength
{
    public static byte[] Write(IEnumerable<(long Nanoseconds, byte[] Frame)> packets, int snapLength)
    {
        using var memory = new MemoryStream();
        using (var writer = new PcapWriter(memory, LinkType.Ethernet, snapLength: snapLength, leaveOpen: true))
        {
            foreach ((long nanoseconds, byte[] frame) in packets)
            {
                writer.WritePacket(nanoseconds, frame.AsSpan(0, Math.Min(frame.Length, snapLength)), originalLength: frame.Length);
            }

            writer.Flush();
        }

        return memory.ToArray();
    }
}
