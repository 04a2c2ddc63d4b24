namespace CaptureOrchestrator.Analysis.Capture;

public enum CaptureFormat
{
    /// <summary>Classic libpcap format (also what Azure Network Watcher writes as .cap).</summary>
    Pcap,

    /// <summary>pcapng (IETF draft-ietf-opsawg-pcapng).</summary>
    PcapNg,
}
