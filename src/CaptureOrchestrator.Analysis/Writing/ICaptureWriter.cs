namespace CaptureOrchestrator.Analysis.Writing;

/// <summary>Receives packets in capture order and stores them in a capture file.</summary>
public interface ICaptureWriter : IDisposable
{
    /// <param name="timestampNanoseconds">Nanoseconds since the Unix epoch.</param>
    /// <param name="frame">Captured bytes (may be fewer than <paramref name="originalLength"/>).</param>
    /// <param name="originalLength">Length on the wire; -1 means the frame is complete.</param>
    /// <param name="interfaceId">pcapng interface index; 0 for pcap.</param>
    void WritePacket(long timestampNanoseconds, ReadOnlySpan<byte> frame, int originalLength = -1, int interfaceId = 0);

    void Flush();
}
