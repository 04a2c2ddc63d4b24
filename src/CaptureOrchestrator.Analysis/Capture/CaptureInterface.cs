namespace CaptureOrchestrator.Analysis.Capture;

/// <summary>An interface the capture was taken on (pcap has exactly one).</summary>
/// <param name="LinkType">LINKTYPE_* value.</param>
/// <param name="SnapLength">Maximum bytes kept per packet; 0 means unlimited.</param>
/// <param name="TimestampResolution">Human readable resolution, e.g. "ns", "us", "2^-20 s".</param>
/// <param name="Name">if_name option, when present.</param>
public sealed record CaptureInterface(int LinkType, int SnapLength, string TimestampResolution, string? Name);
