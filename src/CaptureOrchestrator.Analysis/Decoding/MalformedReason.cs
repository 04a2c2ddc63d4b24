namespace CaptureOrchestrator.Analysis.Decoding;

/// <summary>Why a packet's bytes contradict its protocol. Names are stable (they appear in reports).</summary>
public enum MalformedReason : byte
{
    None,
    LinkHeader,
    Ipv4Header,
    Ipv4TotalLength,
    Ipv6Header,
    Ipv6ExtensionHeader,
    FragmentOverlap,
    TcpHeader,
    UdpHeader,
    IcmpHeader,
    TunnelHeader,
    UnsupportedIpVersion,
}
