namespace CaptureOrchestrator.Analysis.Flows;

public sealed record FlowTableOptions
{
    /// <summary>Flows held in memory at once; beyond this the least recently active are finished early.</summary>
    public int MaxActiveFlows { get; init; } = 150_000;

    /// <summary>A closed TCP connection (FINs or RST) is finished after this much capture time without packets (Zeek's tcp_close_delay).</summary>
    public TimeSpan ClosedTcpLinger { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Inactivity after which an open TCP connection is finished (Zeek's tcp_inactivity_timeout).</summary>
    public TimeSpan TcpInactivity { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Inactivity after which a UDP, ICMP or other flow is finished.</summary>
    public TimeSpan OtherInactivity { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Inactivity after which a UDP conversation on port 53 is finished (Zeek's dns_session_timeout).
    /// A resolver client takes a fresh source port for each lookup, so a finished lookup never sees
    /// another packet: holding it for the general minute only holds memory (a third of the live
    /// table on a busy VM's traffic).
    /// </summary>
    public TimeSpan DnsInactivity { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A flow is only finished for inactivity when it has also not been touched for this many
    /// packets, so a single packet with a wild timestamp cannot empty the table.
    /// </summary>
    public long MinimumPacketsBeforeEviction { get; init; } = 100_000;

    /// <summary>How often (in packets) to look for finished flows.</summary>
    public int SweepIntervalPackets { get; init; } = 16_384;
}
