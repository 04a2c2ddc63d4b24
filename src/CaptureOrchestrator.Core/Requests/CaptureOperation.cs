using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Core.Requests;

/// <summary>
/// A validated capture request, normalized: the input of the PacketCapture workflow. Everything the
/// workflow needs to decide is in here, so it never reads configuration or clocks itself.
/// </summary>
public sealed record CaptureOperation
{
    public required string OperationId { get; init; }

    public required TicketKey Ticket { get; init; }

    public required IReadOnlyList<CaptureTarget> Targets { get; init; }

    public required TrafficFilter Filter { get; init; }

    public required int DurationSeconds { get; init; }

    public required long MaxBytesPerTarget { get; init; }

    public int BytesPerPacket { get; init; }

    public FlowTraceLease? FlowTrace { get; init; }

    public Uri? CallbackUrl { get; init; }

    /// <summary>The targets are capture points of one path, in order: their captures are correlated.</summary>
    public bool Path { get; init; }

    /// <summary>The Azure Monitor alert that started the operation; null for a ticket system's request.</summary>
    public Alerts.AlertReference? Alert { get; init; }

    /// <summary>Where results are posted, one activity each.</summary>
    public IReadOnlyList<Capture.NotificationChannel> NotificationChannels { get; init; } = [];

    public CaptureTimings Timings { get; init; } = new();
}

/// <summary>A ticket, validated.</summary>
public sealed record TicketKey(string System, string Id, string? ClientRequestId)
{
    public override string ToString() => $"{System}:{Id}";
}

/// <summary>One validated target and its position in the request (used in event names and blob paths).</summary>
public sealed record CaptureTarget(int Index, ArmResourceId ResourceId, TargetKind Kind, IReadOnlyList<string> Instances, IReadOnlyList<string> LinkConnections);

/// <summary>A validated traffic filter; null parts match anything.</summary>
public sealed record TrafficFilter(string? LocalIp, string? RemoteIp, int? LocalPort, int? RemotePort, string Protocol)
{
    public static TrafficFilter Any { get; } = new(null, null, null, null, "Any");

    /// <summary>
    /// The request fields an Azure Firewall capture needs that this filter leaves open: the firewall
    /// captures between given addresses and has no "all ports" (FACTS.md (d) 3).
    /// </summary>
    public IReadOnlyList<string> MissingForFirewall()
    {
        var missing = new List<string>(3);
        if (LocalIp is null)
        {
            missing.Add("filter.localIp");
        }

        if (RemoteIp is null)
        {
            missing.Add("filter.remoteIp");
        }

        if (RemotePort is null)
        {
            missing.Add("filter.remotePort");
        }

        return missing;
    }
}

/// <summary>A validated flow-trace lease: which firewall, which workspace its logs go to, how long.</summary>
public sealed record FlowTraceLease(ArmResourceId FirewallId, ArmResourceId WorkspaceId, int Minutes);

/// <summary>How long the workflow waits for capture files and how it polls for them (from configuration).</summary>
public sealed record CaptureTimings
{
    /// <summary>How long after the stop the files may take to appear before the target is given up.</summary>
    public int FileDeadlineSeconds { get; init; } = 900;

    /// <summary>First polling interval when no BlobCreated event arrives; doubled up to <see cref="MaxPollSeconds"/>.</summary>
    public int FirstPollSeconds { get; init; } = 15;

    public int MaxPollSeconds { get; init; } = 120;
}
