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
    /// A flow is only finished for inactivity when it has also not been touched for this many
    /// packets, so a single packet with a wild timestamp cannot empty the table.
    /// </summary>
    public long MinimumPacketsBeforeEviction { get; init; } = 100_000;

    /// <summary>How often (in packets) to look for finished flows.</summary>
    public int SweepIntervalPackets { get; init; } = 16_384;
}
