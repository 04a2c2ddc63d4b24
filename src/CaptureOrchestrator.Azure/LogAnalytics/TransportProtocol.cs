namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>The protocols firewall and flow logs record, as their tables spell them.</summary>
public enum TransportProtocol
{
    Tcp,
    Udp,
    Icmp,
}
